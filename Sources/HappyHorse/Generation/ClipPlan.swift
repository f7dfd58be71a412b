// How a clip of a given duration is cut into latent frames and chunks (docs/design.md "Sampler and chunked
// generation"; tools/reference/pipeline.py is the same procedure): a ChunkLayout with an end.
//
//   frames N = max(1, round(duration · fps))                   (exactly what the stream returns)
//   latent frames T = ceil((N − 1) / tf) + 1, tf = 4          (the smallest T with 4(T−1)+1 ≥ N)
//   Chunks are full size (ChunkLayout); the latent frames past T of the last chunk are generated but not decoded,
//   and the decoded frames past N are dropped. After the last chunk every latent frame is decoded.

public struct ClipPlan: Sendable, Equatable {
    public let frames: Int
    public let latentFrames: Int
    public let layout: ChunkLayout

    public init(frames: Int, layout: ChunkLayout) {
        precondition(frames >= 1, "ClipPlan: a clip has at least one frame")
        self.frames = frames
        latentFrames = (frames - 1 + layout.temporalFactor - 1) / layout.temporalFactor + 1
        self.layout = layout
    }

    public init(frames: Int, chunkLatentFrames k: Int, contextLatentFrames c: Int, temporalFactor tf: Int) {
        self.init(frames: frames, layout: ChunkLayout(chunkLatentFrames: k, contextLatentFrames: c, temporalFactor: tf))
    }

    public var chunkLatentFrames: Int { layout.chunkLatentFrames }
    public var contextLatentFrames: Int { layout.contextLatentFrames }
    public var temporalFactor: Int { layout.temporalFactor }

    /// max(1, round(duration · fps)), rounding half to even; non-finite or negative durations give 1.
    public static func frameCount(durationSeconds: Double, fps: Int) -> Int {
        let exact = durationSeconds * Double(fps)
        guard exact.isFinite, exact > 0 else { return 1 }
        return max(1, Int(min(exact.rounded(.toNearestOrEven), Double(Int32.max))))
    }

    public var chunkCount: Int {
        let (k, c) = (chunkLatentFrames, contextLatentFrames)
        return latentFrames <= k ? 1 : 1 + (latentFrames - k + (k - c) - 1) / (k - c)
    }

    /// Clip latent frames generated once chunk `index` is done (the last chunk may go past `latentFrames`).
    public func latentsCovered(afterChunk index: Int) -> Int {
        layout.latentsCovered(afterChunk: index)
    }

    /// Clip latent frames decoded once chunk `index` is done: all but the last `lookahead` generated ones (they wait
    /// for right context from the next chunk), all `latentFrames` after the last chunk.
    public func latentsDecoded(afterChunk index: Int, lookahead: Int) -> Int {
        index >= chunkCount - 1 ? latentFrames
            : min(latentFrames, layout.latentsDecoded(afterChunk: index, lookahead: lookahead))
    }

    /// The first pixel frame of clip latent frame `latent` (frame 0 owns one pixel frame, the others `temporalFactor`),
    /// capped at `frames`.
    public func firstPixel(ofLatent latent: Int) -> Int {
        min(frames, layout.firstPixel(ofLatent: latent))
    }
}
