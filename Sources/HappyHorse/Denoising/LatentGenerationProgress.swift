/// One progress report of `LatentGeneration.generate`: step `step` (1-based) of `totalSteps` is done.
public struct LatentGenerationProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var sigma: Double
}
