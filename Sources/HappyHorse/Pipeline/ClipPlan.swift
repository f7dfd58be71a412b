// How a clip of a given duration is cut into latent frames and chunks (docs/design.md "Sampler and chunked
// generation"; tools/reference/pipeline.py is the same procedure).
//
//   frames N = max(1, round(duration · fps))                   (exactly what the stream returns)
//   latent frames T = ceil((N − 1) / tf) + 1, tf = 4          (the smallest T with 4(T−1)+1 ≥ N)
//   chunk 0: K = chunk_latent_frames new latent frames; chunk k ≥ 1: its first c = context_latent_frames frames are
//   the previous chunk's last c (continuation), K − c new ones. Chunks are full size; the latent frames past T of
//   the last chunk are generated but not decoded, and the decoded frames past N are dropped.

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

    /// Chunk-local index of chunk `index`'s first new latent frame.
    public func firstNewLatent(chunk index: Int) -> Int { index == 0 ? 0 : contextLatentFrames }

    /// The clip's latent frames that chunk `index` adds and that are decoded: [start, end) in clip indices.
    public func newLatents(chunk index: Int) -> Range<Int> {
        let start = index == 0 ? 0 : chunkLatentFrames + (index - 1) * (chunkLatentFrames - contextLatentFrames)
        let end = min(latentFrames, index == 0 ? chunkLatentFrames : start + chunkLatentFrames - contextLatentFrames)
        return start..<max(start, end)
    }

    /// Pixel frames chunk `index` contributes (after trimming to `frames`).
    public func pixelFrames(chunk index: Int) -> Range<Int> {
        let latents = newLatents(chunk: index)
        func firstPixel(_ latent: Int) -> Int { latent == 0 ? 0 : 1 + temporalFactor * (latent - 1) }
        return min(frames, firstPixel(latents.lowerBound))..<min(frames, firstPixel(latents.upperBound))
    }
}
