// port of tools/reference/vae.py (Conv): a 3-D convolution with replicate temporal padding ((kt−1)/2 frames each
// side) and zero spatial padding (k/2), optionally reading its input through a nearest ×u spatial upsample.
// Paths (all GEMMs through GEMM.sgemm, single-threaded, on the workers; `forwardNaive` is the naive twin of every path):
// - 1×1×1: the input is the column matrix (no copy), one product per frame split into tiles over the workers.
// - otherwise: (frame, block of output rows) items over the workers, each an im2col [Cin·kt·kh·kw, rows·W] that stays
//   in cache and a single-threaded sgemm with the weight as stored ([Cout, Cin·kt·kh·kw]).
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
    /// For u = 2 with a 1×3×3 kernel: per output phase (py·2 + px), [Cout, Cin·2·2].
    let phases: [Tensor]?

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
        // [Cout, Cin, 1, 3, 3] = [Cout, Cin·3·3]
        phases = kernel == (1, 3, 3) ? Self.subPixelWeights(weight, outChannels: outChannels, inChannels: inChannels) : nil
    }

    /// Loads `<key>.weight` [cout, cin, kt, kh, kw] and `<key>.bias` [cout] through the store's shape checks.
    public static func load(_ store: WeightStore, _ key: String, inChannels cin: Int, outChannels cout: Int,
                            kernel: (Int, Int, Int)) throws -> Conv3d {
        try Conv3d(weight: store.tensor(key + ".weight", shape: [cout, cin, kernel.0, kernel.1, kernel.2]),
                   bias: store.tensor(key + ".bias", shape: [cout]))
    }

    /// x [Cin, T, H, W] → [Cout, T, H·u, W·u]; the input is seen through a nearest ×`upsample` spatial resize.
    /// `isCancelled` is polled before each (frame, row block) item; once it returns true the remaining items are
    /// skipped and the result is incomplete: the caller checks its token after the call and drops the result
    /// (VideoDecoder does), so a cancel does not wait for a whole high-resolution convolution.
    public func callAsFunction(_ x: Tensor, upsample u: Int = 1, isCancelled: (@Sendable () -> Bool)? = nil) -> Tensor {
        precondition(x.rank == 4 && x.shape[0] == inChannels && u >= 1, "Conv3d: input \(x.shape) for Cin \(inChannels)")
        if u == 2, phases != nil { return subPixelForward(x, isCancelled: isCancelled) }
        if u > 1 { return self(Self.upsampleNearest(x, u), isCancelled: isCancelled) }
        let (t, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(shape: [outChannels, t, h, w])
        guard t > 0, h * w > 0 else { return y }
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                let (xBase, yBase) = (xp.baseAddress!, yp.baseAddress!)
                forwardBlocked(xBase, yBase, t: t, h: h, w: w, isCancelled: isCancelled)
                addBias(yBase, rowLength: h * w, frames: t)
            }
        }
        return y
    }

    /// Per (frame, block of output rows): im2col [K, rows·W] in cache (K = Cin·kt·kh·kw), then
    /// [Cout, K] x [K, rows·W] → y[:, f, rows] (row stride T·H·W). 1×1×1 kernels read the input directly.
    func forwardBlocked(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, t: Int, h: Int, w: Int,
                        isCancelled: (@Sendable () -> Bool)? = nil) {
        let hw = h * w, k = inChannels * kernel.t * kernel.h * kernel.w
        weight.storage.withUnsafeBufferPointer { ap in  // [Cout, Cin, kt, kh, kw] = [Cout, K]
            if k == inChannels {
                forwardPointwise(ap.baseAddress!, x, y, t: t, hw: hw, isCancelled: isCancelled)
                return
            }
            let (a, xs, ys) = (SendableMutablePointer(UnsafeMutablePointer(mutating: ap.baseAddress!)),
                               SendableMutablePointer(UnsafeMutablePointer(mutating: x)), SendableMutablePointer(y))
            let (cin, cout, (kt, kh, kw)) = (inChannels, outChannels, kernel)
            Self.forEachRowBlock(frames: t, h: h, w: w, floatsPerRow: k * w, isCancelled: isCancelled) { f, r0, rows, cols in
                Self.im2colRows(xs.pointer, channels: cin, channelStride: t * hw, frames: t, frame: f, kt: kt, h: h, w: w,
                                rowStart: r0, rows: rows, kh: kh, kw: kw, rowBase: -(kh / 2), colBase: -(kw / 2),
                                into: cols)  // [K, rows·W]
                // [Cout, K] x [K, rows·W] → [Cout, rows·W] at (f, r0)
                GEMM.sgemm(m: cout, n: rows * w, k: k, a: a.pointer, lda: k, b: cols, ldb: rows * w,
                           c: ys.pointer + f * hw + r0 * w, ldc: t * hw)
            }
        }
    }

    /// 1×1×1 kernel, frame by frame: [Cout, Cin] x [Cin, H·W] → y[:, f] for each frame f, the frames' tiles
    /// (GEMM.OutputGrid of one frame's product) shared by the workers. Per frame, so a frame's output has the same
    /// bits whether it is computed alone, in a group or in the whole window (the decoder runs frame groups).
    func forwardPointwise(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                          t: Int, hw: Int, isCancelled: (@Sendable () -> Bool)?) {
        let (cout, cin) = (outChannels, inChannels)
        let grid = GEMM.OutputGrid(m: cout, n: hw, k: cin)
        let (ws, xs, ys) = (UnsafeSendablePointer(w), UnsafeSendablePointer(x), SendableMutablePointer(y))
        Parallel.forEachRange(t * grid.count) { items in
            for item in items {
                if let isCancelled, isCancelled() { return }
                let (f, (rows, columns)) = (item / grid.count, grid.tile(item % grid.count))
                // [rows, Cin] x [Cin, columns of frame f] → y[rows, f, columns]   (row stride T·H·W)
                GEMM.sgemm(m: rows.count, n: columns.count, k: cin, a: ws.pointer + rows.lowerBound * cin, lda: cin,
                           b: xs.pointer + f * hw + columns.lowerBound, ldb: t * hw,
                           c: ys.pointer + rows.lowerBound * t * hw + f * hw + columns.lowerBound, ldc: t * hw)
            }
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
