// How a clip of a given duration is cut into latent frames and chunks (docs/design.md "Sampler and chunked
// generation"; tools/reference/pipeline.py is the same procedure).
//
//   frames N = max(1, round(duration · fps))                   (exactly what the stream returns)
//   latent frames T = ceil((N − 1) / tf) + 1, tf = 4          (the smallest T with 4(T−1)+1 ≥ N)
//   chunk 0: K = chunk_latent_frames new latent frames; chunk k ≥ 1: its first c = context_latent_frames frames are
//   the previous chunk's last c (continuation), K − c new ones. Chunks are full size; the latent frames past T of
//   the last chunk are generated but not decoded, and the decoded frames past N are dropped.
//   After each chunk, the clip latent frames generated so far are decoded except the last `lookahead`
//   (pipeline.decode_lookahead, default 1), which wait for the next chunk as right context.

public struct ClipPlan: Sendable, Equatable {
    public let frames: Int
    public let latentFrames: Int
    public let chunkLatentFrames: Int
    public let contextLatentFrames: Int
    public let temporalFactor: Int

    public init(frames: Int, chunkLatentFrames k: Int, contextLatentFrames c: Int, temporalFactor tf: Int) {
        precondition(frames >= 1 && k >= 1 && c >= 0 && c < k && tf >= 1, "ClipPlan: invalid sizes")
        self.frames = frames
        latentFrames = (frames - 1 + tf - 1) / tf + 1
        chunkLatentFrames = k
        contextLatentFrames = c
        temporalFactor = tf
    }

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
        chunkLatentFrames + index * (chunkLatentFrames - contextLatentFrames)
    }

    /// Clip latent frames decoded once chunk `index` is done: all but the last `lookahead` generated ones (they wait
    /// for right context from the next chunk), all `latentFrames` after the last chunk.
    public func latentsDecoded(afterChunk index: Int, lookahead: Int) -> Int {
        index >= chunkCount - 1 ? latentFrames
            : max(0, min(latentFrames, latentsCovered(afterChunk: index) - lookahead))
    }

    /// The first pixel frame of clip latent frame `latent` (frame 0 owns one pixel frame, the others `temporalFactor`),
    /// capped at `frames`.
    public func firstPixel(ofLatent latent: Int) -> Int {
        min(frames, latent == 0 ? 0 : 1 + temporalFactor * (latent - 1))
    }
}
