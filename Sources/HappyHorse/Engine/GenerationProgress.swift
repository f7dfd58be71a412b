/// One progress report. `step`/`totalSteps` count denoising steps over the whole clip (all chunks).
public struct GenerationProgress: Sendable {
    public var stage: GenerationStage
    public var step: Int
    public var totalSteps: Int
    public var elapsedSeconds: Double
    public var etaSeconds: Double
    public init(stage: GenerationStage, step: Int, totalSteps: Int, elapsedSeconds: Double, etaSeconds: Double) {
        self.stage = stage
        self.step = step
        self.totalSteps = totalSteps
        self.elapsedSeconds = elapsedSeconds
        self.etaSeconds = etaSeconds
    }
}
