// port of tools/reference/vae.py (Conv): a 3-D convolution with replicate temporal padding ((kt−1)/2 frames each
// side) and zero spatial padding (k/2), optionally reading its input through a nearest ×u spatial upsample (fused,
// so the upsampled tensor is never materialised). im2col per source frame + one sgemm per temporal tap (GEMM.swift);
// `forwardNaive` is the naive twin.

/// Conv3d on channel-major activations [C, T, H, W] (batch 1).
public struct Conv3d: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: (t: Int, h: Int, w: Int)
    /// As stored: [Cout, Cin, kt, kh, kw].
    public let weight: Tensor
    public let bias: Tensor
    /// Per temporal tap dt: [Cout, Cin·kh·kw] (row = output channel, column = (ci, dy, dx)).
    let taps: [Tensor]

    /// weight [Cout, Cin, kt, kh, kw] with odd kernel sizes, bias [Cout].
    public init(weight: Tensor, bias: Tensor) throws {
        guard weight.rank == 5, weight.shape[2] % 2 == 1, weight.shape[3] % 2 == 1, weight.shape[4] % 2 == 1 else {
            throw HappyHorseError.invalidArgument(name: "conv weight", reason: "expected [Cout, Cin, kt, kh, kw] with odd kernel, got \(weight.shape)")
        }
        guard bias.shape == [weight.shape[0]] else {
            throw HappyHorseError.shapeMismatch(key: "conv bias", expected: [weight.shape[0]], found: bias.shape)
        }
        outChannels = weight.shape[0]
        inChannels = weight.shape[1]
        kernel = (weight.shape[2], weight.shape[3], weight.shape[4])
        self.weight = weight
        self.bias = bias
        let (kt, k2) = (kernel.t, inChannels * kernel.h * kernel.w)
        var taps: [Tensor] = []
        for dt in 0..<kt {
            var tap = Tensor(shape: [outChannels, k2])  // [Cout, Cin·kh·kw]
            for o in 0..<outChannels {
                for ci in 0..<inChannels {
                    for s in 0..<(kernel.h * kernel.w) {
                        // weight[o, ci, dt, dy, dx] with s = dy·kw + dx
                        tap.storage[o * k2 + ci * kernel.h * kernel.w + s] =
                            weight.storage[((o * inChannels + ci) * kt + dt) * kernel.h * kernel.w + s]
                    }
                }
            }
            taps.append(tap)
        }
        self.taps = taps
    }

    /// Loads `<key>.weight` [cout, cin, kt, kh, kw] and `<key>.bias` [cout] through the store's shape checks.
    public static func load(_ store: WeightStore, _ key: String, inChannels cin: Int, outChannels cout: Int,
                            kernel: (Int, Int, Int)) throws -> Conv3d {
        try Conv3d(weight: store.tensor(key + ".weight", shape: [cout, cin, kernel.0, kernel.1, kernel.2]),
                   bias: store.tensor(key + ".bias", shape: [cout]))
    }

    /// x [Cin, T, H, W] → [Cout, T, H·u, W·u]; the input is seen through a nearest ×`upsample` spatial resize.
    public func callAsFunction(_ x: Tensor, upsample u: Int = 1) -> Tensor {
        precondition(x.rank == 4 && x.shape[0] == inChannels && u >= 1, "Conv3d: input \(x.shape) for Cin \(inChannels)")
        let (t, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = (h * u, w * u)
        let hwIn = h * w, hwOut = ho * wo
        let k2 = inChannels * kernel.h * kernel.w
        let pad = (kernel.t - 1) / 2
        var y = Tensor(shape: [outChannels, t, ho, wo])
        guard t > 0, hwOut > 0 else { return y }
        let direct = kernel.h == 1 && kernel.w == 1 && u == 1  // 1×1 spatial: the input frame is the column matrix
        var cache: [Int: [Float]] = [:]  // source frame → im2col [Cin·kh·kw, Ho·Wo]
        x.storage.withUnsafeBufferPointer { xp in
            let xBase = xp.baseAddress!
            y.storage.withUnsafeMutableBufferPointer { yp in
                let yBase = yp.baseAddress!
                for ot in 0..<t {
                    for dt in 0..<kernel.t {
                        let s = min(max(ot + dt - pad, 0), t - 1)  // replicate padding in time
                        let cOut = yBase + ot * hwOut  // rows: output channels, row stride T·Ho·Wo
                        taps[dt].storage.withUnsafeBufferPointer { ap in
                            if direct {
                                // [Cout, Cin] x [Cin, H·W] (frame s, row stride T·H·W) → [Cout, H·W]
                                GEMM.sgemm(m: outChannels, n: hwOut, k: k2, a: ap.baseAddress!, lda: k2,
                                           b: xBase + s * hwIn, ldb: t * hwIn, beta: dt == 0 ? 0 : 1, c: cOut, ldc: t * hwOut)
                            } else {
                                if cache[s] == nil {
                                    cache[s] = im2col(xBase + s * hwIn, channelStride: t * hwIn, h: h, w: w, upsample: u)
                                }
                                cache[s]!.withUnsafeBufferPointer { bp in
                                    // [Cout, Cin·kh·kw] x [Cin·kh·kw, Ho·Wo] → [Cout, Ho·Wo]
                                    GEMM.sgemm(m: outChannels, n: hwOut, k: k2, a: ap.baseAddress!, lda: k2,
                                               b: bp.baseAddress!, ldb: hwOut, beta: dt == 0 ? 0 : 1, c: cOut, ldc: t * hwOut)
                                }
                            }
                        }
                    }
                    cache[ot - pad] = nil  // no later output frame reads source frames < ot + 1 − pad
                }
                addBias(yBase, rowLength: hwOut, frames: t)
            }
        }
        return y
    }

    /// Columns of one source frame: [Cin·kh·kw, Ho·Wo], row (ci, dy, dx), column (oy, ox) = input at
    /// ((oy + dy − kh/2) / u, (ox + dx − kw/2) / u), zero outside the upsampled frame.
    func im2col(_ src: UnsafePointer<Float>, channelStride: Int, h: Int, w: Int, upsample u: Int) -> [Float] {
        let (kh, kw) = (kernel.h, kernel.w)
        let (ho, wo) = (h * u, w * u)
        let rows = inChannels * kh * kw
        var cols = [Float](repeating: 0, count: rows * ho * wo)
        cols.withUnsafeMutableBufferPointer { cp in
            let colBase = SendableMutablePointer(cp.baseAddress!), srcBase = SendableMutablePointer(UnsafeMutablePointer(mutating: src))
            Parallel.forEachRange(rows, minimumPerChunk: max(1, 8192 / max(1, ho * wo))) { range in
                for r in range {
                    let ci = r / (kh * kw), dy = (r / kw) % kh, dx = r % kw
                    let plane = srcBase.pointer + ci * channelStride
                    let out = colBase.pointer + r * ho * wo
                    let x0 = max(0, kw / 2 - dx), x1 = min(wo, wo + kw / 2 - dx)  // ox with 0 ≤ ox+dx−kw/2 < Wo
                    for oy in 0..<ho {
                        let sy = oy + dy - kh / 2
                        guard sy >= 0, sy < ho, x0 < x1 else { continue }  // zero row (already zero)
                        let srcRow = plane + (sy / u) * w
                        let dst = out + oy * wo
                        if u == 1 {
                            for ox in x0..<x1 { dst[ox] = srcRow[ox + dx - kw / 2] }
                        } else {
                            for ox in x0..<x1 { dst[ox] = srcRow[(ox + dx - kw / 2) / u] }
                        }
                    }
                }
            }
        }
        return cols
    }

    private func addBias(_ y: UnsafeMutablePointer<Float>, rowLength: Int, frames: Int) {
        let base = SendableMutablePointer(y)
        bias.storage.withUnsafeBufferPointer { bp in
            let b = SendableMutablePointer(UnsafeMutablePointer(mutating: bp.baseAddress!))
            Parallel.forEachRange(outChannels * frames, minimumPerChunk: max(1, 16384 / max(1, rowLength))) { range in
                for row in range {
                    let v = b.pointer[row / frames]
                    let p = base.pointer + row * rowLength
                    for i in 0..<rowLength { p[i] += v }
                }
            }
        }
    }

    // MARK: naive twin

    /// Straight from the definition, Double accumulation: explicit upsample, replicate time pad, zero space pad.
    public func forwardNaive(_ x: Tensor, upsample u: Int = 1) -> Tensor {
        let (t, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = (h * u, w * u)
        let (kt, kh, kw) = kernel
        var y = Tensor(shape: [outChannels, t, ho, wo])
        for o in 0..<outChannels {
            for ot in 0..<t {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var acc = Double(bias.storage[o])
                        for ci in 0..<inChannels {
                            for dt in 0..<kt {
                                let s = min(max(ot + dt - (kt - 1) / 2, 0), t - 1)
                                for dy in 0..<kh {
                                    let sy = oy + dy - kh / 2
                                    if sy < 0 || sy >= ho { continue }
                                    for dx in 0..<kw {
                                        let sx = ox + dx - kw / 2
                                        if sx < 0 || sx >= wo { continue }
                                        let xv = x.storage[((ci * t + s) * h + sy / u) * w + sx / u]
                                        let wv = weight.storage[(((o * inChannels + ci) * kt + dt) * kh + dy) * kw + dx]
                                        acc += Double(xv) * Double(wv)
                                    }
                                }
                            }
                        }
                        y.storage[((o * t + ot) * ho + oy) * wo + ox] = Float(acc)
                    }
                }
            }
        }
        return y
    }
}

/// A pointer that may cross into `Parallel` workers (each touches disjoint elements).
struct SendableMutablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
