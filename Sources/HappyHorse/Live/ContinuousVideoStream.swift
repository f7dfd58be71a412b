/// An endless generation: `nextFrame()` never returns nil; it computes the next chunk when no frame is pending.
public protocol ContinuousVideoStream: AnyObject {
    /// Frames handed out per chunk in steady state (after the first chunk).
    var framesPerChunk: Int { get }
    /// Frames ready without computing (0 = the next `nextFrame()` computes a chunk: a chunk boundary).
    var pendingFrames: Int { get }
    /// Settings for the next chunk (and later ones), with the caller's tag for them, which frames of those chunks
    /// report. Their `seed` is not read: the start's seed begins the noise, and only
    /// `ReseedableContinuousVideoStream.reseed` replaces it. Called on the thread that calls `nextFrame()`.
    func update(_ settings: GenerationSettings, revision: Int64)
    func nextFrame() throws -> ContinuousFrame
}
