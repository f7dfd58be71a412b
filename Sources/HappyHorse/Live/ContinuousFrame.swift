/// One frame of a continuous generation.
public struct ContinuousFrame: Sendable {
    public var frame: VideoFrame
    /// Index of the chunk whose decode handed out this frame.
    public var chunk: Int
    /// The revision given with the settings in force for that chunk (`startContinuousGeneration`, `update`).
    public var revision: Int64
    /// Denoising steps used for that chunk.
    public var steps: Int
    /// Wall time of computing that chunk (prompt re-encode + denoise + decode), seconds; > 0 only on the chunk's
    /// first frame (the call that computed it), 0 on the others.
    public var chunkSeconds: Double

    public init(frame: VideoFrame, chunk: Int, revision: Int64, steps: Int, chunkSeconds: Double) {
        self.frame = frame
        self.chunk = chunk
        self.revision = revision
        self.steps = steps
        self.chunkSeconds = chunkSeconds
    }
}
