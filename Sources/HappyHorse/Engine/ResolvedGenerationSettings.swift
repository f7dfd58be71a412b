/// GenerationSettings with every model default filled in (`TextToVideoEngine.resolve(_:)`): what the engine runs
/// with, and what the element reports as applied.
public struct ResolvedGenerationSettings: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    public var seed: UInt64
    /// ≥ 1.
    public var numInferenceSteps: Int
    /// ≤ 1 = no guidance, > 1 = CFG at that scale (when the model supports it).
    public var guidanceScale: Float
    /// 0 = off.
    public var staticHoldThreshold: Double
    /// 1 = off (always 1 for an engine without an autoguidance guide), > 1 = that scale.
    public var autoguidanceScale: Float

    public init(prompt: String, negativePrompt: String, seed: UInt64, numInferenceSteps: Int, guidanceScale: Float,
                staticHoldThreshold: Double, autoguidanceScale: Float) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidanceScale = autoguidanceScale
    }
}
