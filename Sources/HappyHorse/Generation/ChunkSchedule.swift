/// Where a chunk loop's decoding stands after each chunk, and which pixel frames exist: endless (`ChunkLayout`, a
/// live stream) or a clip's (`ClipPlan`: everything decoded after the last chunk, no frame past the clip's end).
protocol ChunkSchedule: Sendable {
    var layout: ChunkLayout { get }
    /// Latent frames decoded once chunk `index` is done.
    func latentsDecoded(afterChunk index: Int, lookahead: Int) -> Int
    /// The first pixel frame of latent frame `latent` (for a clip, capped at its frame count).
    func firstPixel(ofLatent latent: Int) -> Int
}

extension ChunkLayout: ChunkSchedule {
    var layout: ChunkLayout { self }
}

extension ClipPlan: ChunkSchedule {}
