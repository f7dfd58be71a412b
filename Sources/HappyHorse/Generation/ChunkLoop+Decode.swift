// The decode step of the chunk loop (tools/reference/pipeline.py step 4): a chunk's new latent frames join the kept
// ones, and every latent frame that has its right context (`pipeline.decode_lookahead` frames, or the end of a clip)
// is decoded with one frame of left context.

extension ChunkLoop {
    /// Decodes what `latents` [C, K, h, w] (the chunk just generated) completes: the pixels [3, F, H, W] and their
    /// frames.
    func decode(_ latents: Tensor) throws -> (pixels: Tensor, frames: [VideoFrame]) {
        let k = chunksDone, layout = schedule.layout, p = pipeline.directory.pipeline
        let lookahead = p.decodeLookahead
        let fresh = k == 0 ? latents
            : latents.slicingFrames(layout.contextLatentFrames..<layout.chunkLatentFrames)  // [C, new, h, w]
        let buffer = keptLatents.map { $0.concatenatingFrames(fresh) } ?? fresh  // latent frames keptOffset ..< covered
        let covered = keptOffset + buffer.shape[1]
        let end = schedule.latentsDecoded(afterChunk: k, lookahead: lookahead)
        var pixels = Tensor(shape: [3, 0, p.height, p.width])
        if end > decoded {
            let lo = max(0, decoded - 1)  // one latent frame of left context
            let hi = min(covered, end + lookahead)  // `lookahead` frames of right context
            let window = buffer.slicingFrames((lo - keptOffset)..<(hi - keptOffset))  // latent frames [lo, hi)
            pixels = try pipeline.decoder.decodeWindow(window, start: decoded - lo, end: end - lo, left: 1, right: lookahead,
                                                       offset: lo, cancellation: cancellation)  // [3, F, H, W]
        }
        let first = schedule.firstPixel(ofLatent: decoded), last = schedule.firstPixel(ofLatent: end)
        let (h, w) = (pixels.shape[2], pixels.shape[3])
        let frames = (first..<max(first, last)).enumerated().map { offset, index in
            VideoFrame(index: index, width: w, height: h, rgb: VideoDecoder.rgb8(pixels, frame: offset))
        }
        decoded = max(decoded, end)
        // keep one frame of left context and the undecoded frames
        let keepFrom = max(keptOffset, decoded - 1)
        keptLatents = buffer.slicingFrames((keepFrom - keptOffset)..<buffer.shape[1])  // [C, covered − keepFrom, h, w]
        keptOffset = keepFrom
        previousChunk = latents
        return (pixels, frames)
    }
}
