// port of tools/reference/vae.py (Conv): a 3-D convolution with replicate temporal padding ((kt−1)/2 frames each
// side) and zero spatial padding (k/2), optionally reading its input through a nearest ×u spatial upsample.
// Paths (all GEMMs through GEMM.sgemm; `forwardNaive` is the naive twin of every path):
// - 1×1 spatial, u = 1: the input frames are the column matrix (no copy).
// - kt = 1: im2col of a group of frames side by side, one sgemm per group.
// - kt > 1: im2col per source frame (cached while in reach), one sgemm per temporal tap, accumulated.
// - u = 2 with a 1×3×3 kernel: sub-pixel form (Conv3d+Upsample.swift), four 2×2 convs on the low-res input.
// - other u: the upsampled input is materialised, then the paths above.

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
    /// For u = 2 with a 1×3×3 kernel: per output phase (py·2 + px), [Cout, Cin·2·2].
    let phases: [Tensor]?

    /// Columns per GEMM when frames are grouped (kt = 1): bounds the im2col buffer to ~`groupColumns`·K floats.
    static let groupColumns = 1 << 16

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
        phases = kernel == (1, 3, 3) ? Self.subPixelWeights(taps[0], outChannels: outChannels, inChannels: inChannels) : nil
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
        if u == 2, phases != nil { return subPixelForward(x) }
        if u > 1 { return self(Self.upsampleNearest(x, u)) }
        let (t, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(shape: [outChannels, t, h, w])
        guard t > 0, h * w > 0 else { return y }
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                let (xBase, yBase) = (xp.baseAddress!, yp.baseAddress!)
                if kernel.t == 1 {
                    forwardGrouped(xBase, yBase, t: t, h: h, w: w, weights: taps[0], k2: inChannels * kernel.h * kernel.w,
                                   im2col: { src, cols, count in
                                       self.im2col(src, channelStride: t * h * w, h: h, w: w, frames: count, into: cols)
                                   })
                } else {
                    forwardTemporal(xBase, yBase, t: t, h: h, w: w)
                }
                addBias(yBase, rowLength: h * w, frames: t)
            }
        }
        return y
    }

    /// kt = 1: frames in groups, im2col [K, g·H·W] then [Cout, K] x [K, g·H·W] → y[:, t0..<t0+g] (row stride T·H·W).
    func forwardGrouped(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, t: Int, h: Int, w: Int,
                        weights: Tensor, k2: Int,
                        im2col: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        let hw = h * w
        let direct = k2 == inChannels && kernel.h == 1 && kernel.w == 1
        let group = max(1, min(t, Self.groupColumns / max(1, hw)))
        weights.storage.withUnsafeBufferPointer { ap in
            if direct {
                // [Cout, Cin] x [Cin, T·H·W] → [Cout, T·H·W]
                GEMM.sgemm(m: outChannels, n: t * hw, k: k2, a: ap.baseAddress!, lda: k2, b: x, ldb: t * hw,
                           c: y, ldc: t * hw)
                return
            }
            Scratch.with(k2 * group * hw) { cols in
                var t0 = 0
                while t0 < t {
                    let g = min(group, t - t0)
                    im2col(x + t0 * hw, cols, g)  // [K, g·H·W]
                    // [Cout, K] x [K, g·H·W] → [Cout, g·H·W] at frame t0
                    GEMM.sgemm(m: outChannels, n: g * hw, k: k2, a: ap.baseAddress!, lda: k2, b: cols, ldb: g * hw,
                               c: y + t0 * hw, ldc: t * hw)
                    t0 += g
                }
            }
        }
    }

    /// kt > 1: per output frame, one GEMM per temporal tap over the im2col of the (replicate-clamped) source frame.
    func forwardTemporal(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, t: Int, h: Int, w: Int) {
        let hw = h * w, k2 = inChannels * kernel.h * kernel.w
        let pad = (kernel.t - 1) / 2
        let direct = kernel.h == 1 && kernel.w == 1
        var cache: [Int: [Float]] = [:]  // source frame → im2col [Cin·kh·kw, H·W]
        for ot in 0..<t {
            for dt in 0..<kernel.t {
                let s = min(max(ot + dt - pad, 0), t - 1)  // replicate padding in time
                let c = y + ot * hw  // rows: output channels, row stride T·H·W
                taps[dt].storage.withUnsafeBufferPointer { ap in
                    if direct {
                        // [Cout, Cin] x [Cin, H·W] (frame s, row stride T·H·W) → [Cout, H·W]
                        GEMM.sgemm(m: outChannels, n: hw, k: k2, a: ap.baseAddress!, lda: k2, b: x + s * hw, ldb: t * hw,
                                   beta: dt == 0 ? 0 : 1, c: c, ldc: t * hw)
                        return
                    }
                    if cache[s] == nil {
                        var cols = [Float](repeating: 0, count: k2 * hw)
                        cols.withUnsafeMutableBufferPointer { im2col(x + s * hw, channelStride: t * hw, h: h, w: w, frames: 1, into: $0.baseAddress!) }
                        cache[s] = cols
                    }
                    cache[s]!.withUnsafeBufferPointer { bp in
                        // [Cout, Cin·kh·kw] x [Cin·kh·kw, H·W] → [Cout, H·W]
                        GEMM.sgemm(m: outChannels, n: hw, k: k2, a: ap.baseAddress!, lda: k2, b: bp.baseAddress!, ldb: hw,
                                   beta: dt == 0 ? 0 : 1, c: c, ldc: t * hw)
                    }
                }
            }
            cache[ot - pad] = nil  // no later output frame reads source frames < ot + 1 − pad
        }
    }

    func addBias(_ y: UnsafeMutablePointer<Float>, rowLength: Int, frames: Int) {
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

    /// Nearest-neighbour ×u in space: [C, T, H, W] → [C, T, H·u, W·u].
    static func upsampleNearest(_ x: Tensor, _ u: Int) -> Tensor {
        let (c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(shape: [c, t, h * u, w * u])
        for plane in 0..<(c * t) {
            for oy in 0..<(h * u) {
                let src = (plane * h + oy / u) * w, dst = (plane * h * u + oy) * w * u
                for ox in 0..<(w * u) { y.storage[dst + ox] = x.storage[src + ox / u] }
            }
        }
        return y
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
