/// GenerationSettings with every model default filled in (`TextToVideoEngine.resolve(_:)`): what the engine runs
/// with, and what the element reports as applied. Only `resolve` makes one.
public struct ResolvedGenerationSettings: Sendable, Equatable {
    public let prompt: String
    public let negativePrompt: String
    public let seed: UInt64
    /// ≥ 1.
    public let numInferenceSteps: Int
    /// ≤ 1 = no guidance, > 1 = CFG at that scale (when the model supports it).
    public let guidanceScale: Float
    /// 0 = off.
    public let staticHoldThreshold: Double
    /// 1 = off (always 1 for an engine without an autoguidance guide), > 1 = that scale.
    public let autoguidanceScale: Float
}
