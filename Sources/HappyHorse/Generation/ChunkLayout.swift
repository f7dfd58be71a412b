// How a chunk loop cuts latent frames into chunks, with no end (a live stream; a clip's ClipPlan adds one):
//   chunk 0: K = chunk_latent_frames new latent frames; chunk k ≥ 1: its first c = context_latent_frames frames are
//   the previous chunk's last c (continuation), K − c new ones.
//   Latent frame 0 owns one pixel frame, every later one `temporalFactor` (tf = 4: 4(T−1)+1 pixel frames).
//   After each chunk, the latent frames generated so far are decoded except the last `lookahead`
//   (pipeline.decode_lookahead), which wait for the next chunk as right context.

public struct ChunkLayout: Sendable, Equatable {
    public let chunkLatentFrames: Int
    public let contextLatentFrames: Int
    public let temporalFactor: Int

    public init(chunkLatentFrames k: Int, contextLatentFrames c: Int, temporalFactor tf: Int) {
        precondition(k >= 1 && c >= 0 && c < k && tf >= 1, "ChunkLayout: invalid sizes")
        chunkLatentFrames = k
        contextLatentFrames = c
        temporalFactor = tf
    }

    /// Pixel frames each chunk after the first adds: (K − c)·tf.
    public var framesPerChunk: Int { (chunkLatentFrames - contextLatentFrames) * temporalFactor }

    /// Latent frames generated once chunk `index` is done.
    public func latentsCovered(afterChunk index: Int) -> Int {
        chunkLatentFrames + index * (chunkLatentFrames - contextLatentFrames)
    }

    /// Latent frames decoded once chunk `index` is done: all but the last `lookahead` generated ones.
    public func latentsDecoded(afterChunk index: Int, lookahead: Int) -> Int {
        max(0, latentsCovered(afterChunk: index) - lookahead)
    }

    /// The first pixel frame of latent frame `latent`.
    public func firstPixel(ofLatent latent: Int) -> Int {
        latent == 0 ? 0 : 1 + temporalFactor * (latent - 1)
    }
}
