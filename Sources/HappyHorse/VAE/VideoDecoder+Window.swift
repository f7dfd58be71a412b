// port of tools/reference/vae.py (VideoDecoder.decode_window): chunked decoding with context latent frames whose
// pixel frames are cropped, so long clips and streamed chunks decode piece by piece (spec §1.5 sliding decode).

extension VideoDecoder {
    /// Pixels [3, F, H, W] of latent frames [start, end) of `latents` [Cz, T, h, w], decoded together with up to
    /// `left`/`right` neighbouring latent frames of context whose pixel frames are cropped. `offset` is the clip index
    /// of `latents`' frame 0 (it may be a piece of a longer clip): the first-chunk rule applies only to a window that
    /// starts at clip frame 0. Clip latent frame 0 owns one pixel frame, every other one `temporalFactor` frames.
    public func decodeWindow(_ latents: Tensor, start: Int, end: Int, left: Int = 1, right: Int = 0, offset: Int = 0,
                             cancellation: CancellationToken? = nil) throws -> Tensor {
        let t = latents.rank == 4 ? latents.shape[1] : 0
        guard start >= 0, start < end, end <= t, left >= 0, right >= 0, offset >= 0 else {
            throw HappyHorseError.invalidArgument(name: "decode window", reason: "[\(start), \(end)) of \(t) latent frames")
        }
        let tf = configuration.temporalFactor
        let lo = max(0, start - left)
        let hi = min(t, end + right)
        let first = lo + offset == 0
        let frames = first ? tf * (hi - lo - 1) + 1 : tf * (hi - lo)
        let cropLo = first && start > 0 ? 1 + tf * (start - 1) : tf * (start - lo)
        let cropHi = tf * (hi - end)
        // [3, F − cropLo − cropHi, H, W]: the context's frames are dropped inside the decoder, before its per-frame layers
        return try self(latents.slicingFrames(lo..<hi), firstChunk: first, keep: cropLo..<(frames - cropHi),
                        cancellation: cancellation)
    }
}

extension Tensor {
    /// Frames `range` of axis 1 of a [C, T, ...] tensor → [C, range.count, ...].
    func slicingFrames(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 2 && range.lowerBound >= 0 && range.upperBound <= shape[1], "slicingFrames: \(range) of \(shape)")
        let (c, t) = (shape[0], shape[1])
        let per = shape.dropFirst(2).reduce(1, *)
        var newShape = shape
        newShape[1] = range.count
        var out = [Float]()
        out.reserveCapacity(c * range.count * per)
        for ch in 0..<c {
            out += storage[((ch * t + range.lowerBound) * per)..<((ch * t + range.upperBound) * per)]
        }
        return Tensor(shape: newShape, storage: out)
    }
}

extension Tensor {
    /// [C, T1, ...] ++ [C, T2, ...] along axis 1 → [C, T1 + T2, ...].
    func concatenatingFrames(_ other: Tensor) -> Tensor {
        precondition(rank >= 2 && other.rank == rank && other.shape[0] == shape[0]
                     && Array(other.shape.dropFirst(2)) == Array(shape.dropFirst(2)), "concatenatingFrames: \(shape) ++ \(other.shape)")
        let (c, t1, t2) = (shape[0], shape[1], other.shape[1])
        let per = shape.dropFirst(2).reduce(1, *)
        var newShape = shape
        newShape[1] = t1 + t2
        var out = [Float]()
        out.reserveCapacity(c * (t1 + t2) * per)
        for ch in 0..<c {
            out += storage[(ch * t1 * per)..<((ch + 1) * t1 * per)]
            out += other.storage[(ch * t2 * per)..<((ch + 1) * t2 * per)]
        }
        return Tensor(shape: newShape, storage: out)
    }
}
