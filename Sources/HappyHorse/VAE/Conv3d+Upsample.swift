// Nearest ×2 upsample followed by a 3×3 conv, computed on the low-resolution input (sub-pixel form): output pixel
// (2i + py, 2j + px) only sees low-res rows i + py − 1 + a and columns j + px − 1 + b, a, b ∈ {0, 1}, with the 3×3
// taps summed per low-res pixel: rows D(0, 0) = {0}, D(0, 1) = {1, 2}, D(1, 0) = {0, 1}, D(1, 1) = {2} (columns alike).
// Exact (zero padding at the upsampled border is zero padding at the low-res border), 2.25× fewer FLOPs, and the
// im2col has 4 taps on a quarter of the positions.

extension Conv3d {
    /// weight [Cout, Cin·3·3] → per phase (py·2 + px): [Cout, Cin·2·2], column (ci, a, b).
    static func subPixelWeights(_ tap: Tensor, outChannels: Int, inChannels: Int) -> [Tensor] {
        let rowsOf: [[[Int]]] = [[[0], [1, 2]], [[0, 1], [2]]]  // [phase][a] → 3×3 rows (columns alike)
        var phases: [Tensor] = []
        for py in 0..<2 {
            for px in 0..<2 {
                var wp = Tensor(shape: [outChannels, inChannels * 4])  // [Cout, Cin·2·2]
                for o in 0..<outChannels {
                    for ci in 0..<inChannels {
                        for a in 0..<2 {
                            for b in 0..<2 {
                                var sum: Float = 0
                                for dy in rowsOf[py][a] {
                                    for dx in rowsOf[px][b] { sum += tap.storage[o * inChannels * 9 + ci * 9 + dy * 3 + dx] }
                                }
                                wp.storage[o * inChannels * 4 + ci * 4 + a * 2 + b] = sum
                            }
                        }
                    }
                }
                phases.append(wp)
            }
        }
        return phases
    }

    /// x [Cin, T, H, W] → [Cout, T, 2H, 2W] for a 1×3×3 kernel read through a nearest ×2 upsample.
    /// Per (frame, block of low-res rows) and phase: im2col [Cin·4, rows·W], GEMM → [Cout, rows·W], scatter.
    func subPixelForward(_ x: Tensor, isCancelled: (@Sendable () -> Bool)? = nil) -> Tensor {
        let (t, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let hw = h * w, k2 = inChannels * 4
        var y = Tensor(shape: [outChannels, t, 2 * h, 2 * w])
        guard t > 0, hw > 0, let phases else { return y }
        let (cin, cout) = (inChannels, outChannels)
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                let (xs, ys) = (SendableMutablePointer(UnsafeMutablePointer(mutating: xp.baseAddress!)), SendableMutablePointer(yp.baseAddress!))
                let weights = phases.map(\.storage)
                Self.forEachRowBlock(frames: t, h: h, w: w, floatsPerRow: k2 * w, extraFloatsPerRow: cout * w,
                                     isCancelled: isCancelled) { f, r0, rows, scratch in
                    let cols = scratch, out = scratch + k2 * rows * w  // [Cin·4, rows·W], [Cout, rows·W]
                    for py in 0..<2 {
                        for px in 0..<2 {
                            Self.im2colRows(xs.pointer, channels: cin, channelStride: t * hw, frames: t, frame: f, kt: 1, h: h,
                                            w: w, rowStart: r0, rows: rows, kh: 2, kw: 2, rowBase: py - 1, colBase: px - 1,
                                            into: cols)
                            weights[py * 2 + px].withUnsafeBufferPointer { ap in
                                // [Cout, Cin·4] x [Cin·4, rows·W] → [Cout, rows·W]
                                GEMM.sgemm(m: cout, n: rows * w, k: k2, a: ap.baseAddress!, lda: k2, b: cols, ldb: rows * w,
                                           c: out, ldc: rows * w)
                            }
                            // out[o, i, j] → y[o, f, 2(r0 + i) + py, 2j + px]
                            for o in 0..<cout {
                                let dst = ys.pointer + (o * t + f) * 4 * hw
                                for i in 0..<rows {
                                    let d = dst + (2 * (r0 + i) + py) * 2 * w + px, s = out + (o * rows + i) * w
                                    for j in 0..<w { d[2 * j] = s[j] }
                                }
                            }
                        }
                    }
                }
                addBias(yp.baseAddress!, rowLength: 4 * hw, frames: t)
            }
        }
        return y
    }
}
