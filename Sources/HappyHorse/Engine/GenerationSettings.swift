/// What a generation asks for, clip or live. Sentinels mean "the model's": numInferenceSteps 0, guidanceScale 0,
/// staticHoldThreshold < 0, autoguidanceScale < 0; `TextToVideoEngine.resolve(_:)` fills them in. Values are checked
/// by `validated()`.
public struct GenerationSettings: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    /// The seed actually used; callers that want a random seed draw it before building the settings.
    public var seed: UInt64
    /// 0 = the model's default.
    public var numInferenceSteps: Int
    /// Classifier-free guidance scale; 0 = the model's default (config.json `pipeline.guidance_scale`, 1.0 when
    /// absent), (0, 1] = no guidance, > 1 = CFG at that scale.
    public var guidanceScale: Float
    /// Threshold of the static hold over sampled latents (`StaticHold.swift`); negative = the model's
    /// (`pipeline.static_hold_threshold`), 0 = off.
    public var staticHoldThreshold: Double
    /// Autoguidance scale (`Autoguidance.swift`); negative = the model's (`pipeline.autoguidance.scale`), ≤ 1 = off
    /// (one DiT pass per step), > 1 = that scale (with the model's guide and threshold; none without a guide).
    public var autoguidanceScale: Float

    public init(prompt: String, negativePrompt: String = "", seed: UInt64 = 42, numInferenceSteps: Int = 0,
                guidanceScale: Float = 0, staticHoldThreshold: Double = -1, autoguidanceScale: Float = -1) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidanceScale = autoguidanceScale
    }
}
