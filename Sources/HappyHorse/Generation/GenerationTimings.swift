import Foundation

/// Wall time per stage of one clip, in seconds (read it from `ClipGenerationStream.timings`; logged at the end).
public struct GenerationTimings: Sendable, Equatable {
    public var encodingPrompt = 0.0
    public var denoising = 0.0
    public var decoding = 0.0
    /// From the start of `startGeneration` to the first frame being available.
    public var firstFrame: Double?
    public var total = 0.0
    /// Process CPU time (all threads of the process) spent in the denoising and decoding stages: on a loaded machine
    /// a steadier measure of the work than wall time.
    public var denoisingCPU = 0.0
    public var decodingCPU = 0.0

    /// CPU seconds used by this process so far.
    static func processCPUSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }

    /// Adds the stage times of one chunk.
    mutating func add(_ chunk: ProducedChunk) {
        denoising += chunk.denoisingSeconds
        denoisingCPU += chunk.denoisingCPUSeconds
        decoding += chunk.decodingSeconds
        decodingCPU += chunk.decodingCPUSeconds
    }
}
