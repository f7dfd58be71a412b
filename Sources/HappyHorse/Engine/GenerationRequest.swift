/// A clip: what the caller (the element, a CLI, a test) asks for and how long. Values are validated by `validated()`.
public struct GenerationRequest: Sendable, Equatable {
    public var settings: GenerationSettings
    /// Clip length in seconds of video at the model's frame rate.
    public var durationSeconds: Double

    public init(settings: GenerationSettings, durationSeconds: Double) {
        self.settings = settings
        self.durationSeconds = durationSeconds
    }

    /// The settings spelled out (the labels and defaults of `GenerationSettings.init`), then the duration.
    public init(prompt: String, negativePrompt: String = "", seed: UInt64 = 42, numInferenceSteps: Int = 0,
                guidanceScale: Float = 0, durationSeconds: Double = 5.0, staticHoldThreshold: Double = -1,
                autoguidanceScale: Float = -1) {
        self.init(settings: GenerationSettings(prompt: prompt, negativePrompt: negativePrompt, seed: seed,
                                               numInferenceSteps: numInferenceSteps, guidanceScale: guidanceScale,
                                               staticHoldThreshold: staticHoldThreshold,
                                               autoguidanceScale: autoguidanceScale),
                  durationSeconds: durationSeconds)
    }
}
