// hh_settings: the one settings struct of clip and live generations (happyhorse_cabi.h).
import CHappyHorseABI
import HappyHorse

@_cdecl("hh_settings_init")
public func hh_settings_init(_ out: UnsafeMutablePointer<hh_settings>) {
    out.pointee = hh_settings(prompt: nil, negative_prompt: nil, seed: 0, num_inference_steps: 0, guidance_scale: 0,
                              static_hold: -1, autoguidance_scale: -1)
}

extension GenerationSettings {
    /// The engine's settings from the C struct (NULL strings are empty; negative steps are the model's default).
    init(_ c: hh_settings) {
        self.init(prompt: c.prompt.map { String(cString: $0) } ?? "",
                  negativePrompt: c.negative_prompt.map { String(cString: $0) } ?? "",
                  seed: c.seed, numInferenceSteps: max(0, Int(c.num_inference_steps)),
                  guidanceScale: Float(c.guidance_scale), staticHoldThreshold: c.static_hold,
                  autoguidanceScale: Float(c.autoguidance_scale))
    }
}
