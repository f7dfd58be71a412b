import Foundation

/// Element-wise activations, gating and residual adds (clamps are written as ternaries so loops vectorise). All fp32, memory-bound; large arrays are split over the
/// workers of `Parallel`.
///
/// - GELU7 (DiT layers 0–3):  y = s·σ(1.702·s), s = min(z, 7)
/// - SwiGLU7 (DiT, interleaved): z [M, 2F] with gate = z[:, 0::2], lin = z[:, 1::2];
///   s = min(gate, 7), l = clamp(lin, −7, 7), y [M, F] = s·σ(1.702·s)·(l + 1)
/// - SiLU: x·σ(x); ReLU; GELU-tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (text encoder GeGLU)
/// - Head gate (DiT §2.5.6): o[n, h, :] *= σ(g[n, h])
public enum Activation {
    static let chunk = 16384

    // MARK: optimised, pointer level

    // Each loop body is written out (no closure parameter) so the optimiser inlines FastMath and vectorises it.

    /// In place on `count` values.
    public static func gelu7(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let base = UnsafeSendablePointer(UnsafePointer(x))
        Parallel.forEachRange(count, minimumPerChunk: chunk) { range in
            let p = UnsafeMutablePointer(mutating: base.pointer) + range.lowerBound
            for i in 0..<range.count {
                let z = p[i]
                let s: Float = z > 7 ? 7 : z
                p[i] = s * FastMath.sigmoid(1.702 * s)
            }
        }
    }

    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let base = UnsafeSendablePointer(UnsafePointer(x))
        Parallel.forEachRange(count, minimumPerChunk: chunk) { range in
            let p = UnsafeMutablePointer(mutating: base.pointer) + range.lowerBound
            for i in 0..<range.count {
                let v = p[i]
                p[i] = v * FastMath.sigmoid(v)
            }
        }
    }

    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let base = UnsafeSendablePointer(UnsafePointer(x))
        Parallel.forEachRange(count, minimumPerChunk: chunk) { range in
            let p = UnsafeMutablePointer(mutating: base.pointer) + range.lowerBound
            for i in 0..<range.count {
                let v = p[i]
                p[i] = v < 0 ? 0 : v
            }
        }
    }

    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let base = UnsafeSendablePointer(UnsafePointer(x))
        Parallel.forEachRange(count, minimumPerChunk: chunk) { range in
            let p = UnsafeMutablePointer(mutating: base.pointer) + range.lowerBound
            for i in 0..<range.count {
                let v = p[i]
                p[i] = 0.5 * v * (1 + FastMath.tanh(0.797_884_56 * (v + 0.044_715 * v * v * v)))
            }
        }
    }

    /// z [rows, 2F] (interleaved gate/lin columns) → y [rows, F]. y may alias z (in place): the result is then
    /// computed into scratch and copied, since rows split over workers would otherwise overwrite input rows that
    /// another worker has not read yet.
    public static func swiglu7(_ z: UnsafePointer<Float>, rows: Int, features f: Int,
                               into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, f > 0 else { return }
        let zStart = UnsafeRawPointer(z), zEnd = UnsafeRawPointer(z + rows * 2 * f)
        let yStart = UnsafeRawPointer(y), yEnd = UnsafeRawPointer(y + rows * f)
        let overlaps = yStart < zEnd && zStart < yEnd
        if !overlaps {
            swiglu7Rows(z, rows: rows, features: f, into: y)
            return
        }
        Scratch.with(rows * f) { tmp in
            swiglu7Rows(z, rows: rows, features: f, into: tmp)
            let src = UnsafeSendablePointer(UnsafePointer(tmp)), dst = UnsafeSendablePointer(UnsafePointer(y))
            Parallel.forEachRange(rows * f, minimumPerChunk: 4 * chunk) { r in
                (UnsafeMutablePointer(mutating: dst.pointer) + r.lowerBound).update(from: src.pointer + r.lowerBound, count: r.count)
            }
        }
    }

    /// swiglu7 with y not aliasing z.
    private static func swiglu7Rows(_ z: UnsafePointer<Float>, rows: Int, features f: Int,
                                    into y: UnsafeMutablePointer<Float>) {
        let zb = UnsafeSendablePointer(z), yb = UnsafeSendablePointer(UnsafePointer(y))
        Parallel.forEachRange(rows * f, minimumPerChunk: chunk) { range in
            // flat over [rows·F]: output j reads input pair (2j, 2j+1) because rows are 2F wide
            let zp = zb.pointer + 2 * range.lowerBound
            let yp = UnsafeMutablePointer(mutating: yb.pointer) + range.lowerBound
            for j in 0..<range.count {
                // ternaries rather than min/max so the loop vectorises (NaN propagates like torch.clamp)
                let gate = zp[2 * j], lin = zp[2 * j + 1]
                let s: Float = gate > 7 ? 7 : gate
                let low: Float = lin < -7 ? -7 : lin
                let l: Float = low > 7 ? 7 : low
                yp[j] = s * FastMath.sigmoid(1.702 * s) * (l + 1)
            }
        }
    }

    /// GeGLU with the tanh GELU: out[i] = geluTanh(gate[i]) · up[i]. out may alias gate or up.
    public static func gegluTanh(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                                 into out: UnsafeMutablePointer<Float>) {
        let g = UnsafeSendablePointer(gate), u = UnsafeSendablePointer(up), o = UnsafeSendablePointer(UnsafePointer(out))
        Parallel.forEachRange(count, minimumPerChunk: chunk) { range in
            let op = UnsafeMutablePointer(mutating: o.pointer)
            for i in range {
                let v = g.pointer[i]
                op[i] = 0.5 * v * (1 + FastMath.tanh(0.797_884_56 * (v + 0.044_715 * v * v * v))) * u.pointer[i]
            }
        }
    }

    /// o[n, h, :] *= σ(g[n, h]) for o [tokens, heads, D] (row stride `outStride`, default heads·D) and gate logits
    /// g [tokens, heads] (row stride `gateStride`, default heads; e.g. the last columns of the fused qkv output).
    public static func sigmoidHeadGate(_ o: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int,
                                       outStride: Int? = nil, gates: UnsafePointer<Float>, gateStride: Int? = nil) {
        let ldo = outStride ?? heads * headDim, ldg = gateStride ?? heads
        let ob = UnsafeSendablePointer(UnsafePointer(o)), gb = UnsafeSendablePointer(gates)
        Parallel.forEachRange(tokens, minimumPerChunk: max(1, chunk / max(1, heads * headDim))) { range in
            for n in range {
                for h in 0..<heads {
                    let s = FastMath.sigmoid(gb.pointer[n * ldg + h])
                    let row = UnsafeMutablePointer(mutating: ob.pointer) + n * ldo + h * headDim
                    for d in 0..<headDim { row[d] *= s }
                }
            }
        }
    }

    /// Residual add: y[i] += x[i].
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let xb = UnsafeSendablePointer(x), yb = UnsafeSendablePointer(UnsafePointer(y))
        Parallel.forEachRange(count, minimumPerChunk: 4 * chunk) { range in
            let yp = UnsafeMutablePointer(mutating: yb.pointer)
            for i in range { yp[i] += xb.pointer[i] }
        }
    }

    // MARK: Tensor level

    public static func gelu7(_ x: inout Tensor) { x.storage.withUnsafeMutableBufferPointer { gelu7($0.baseAddress!, count: $0.count) } }
    public static func silu(_ x: inout Tensor) { x.storage.withUnsafeMutableBufferPointer { silu($0.baseAddress!, count: $0.count) } }
    public static func relu(_ x: inout Tensor) { x.storage.withUnsafeMutableBufferPointer { relu($0.baseAddress!, count: $0.count) } }
    public static func geluTanh(_ x: inout Tensor) { x.storage.withUnsafeMutableBufferPointer { geluTanh($0.baseAddress!, count: $0.count) } }

    /// [..., 2F] interleaved → [..., F]
    public static func swiglu7(_ z: Tensor) -> Tensor {
        let twoF = z.shape.last ?? 0
        precondition(twoF % 2 == 0, "Activation.swiglu7: last axis \(twoF) is odd")
        var y = Tensor(shape: Array(z.shape.dropLast()) + [twoF / 2])
        guard twoF > 0 else { return y }
        z.storage.withUnsafeBufferPointer { zp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                swiglu7(zp.baseAddress!, rows: z.count / twoF, features: twoF / 2, into: yp.baseAddress!)
            }
        }
        return y
    }

    /// geluTanh(gate) · up, same shapes.
    public static func gegluTanh(gate: Tensor, up: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "Activation.gegluTanh: \(gate.shape) vs \(up.shape)")
        var out = Tensor(shape: gate.shape)
        gate.storage.withUnsafeBufferPointer { g in
            up.storage.withUnsafeBufferPointer { u in
                out.storage.withUnsafeMutableBufferPointer { o in
                    gegluTanh(gate: g.baseAddress!, up: u.baseAddress!, count: o.count, into: o.baseAddress!)
                }
            }
        }
        return out
    }

    /// o [tokens, heads, D] *= σ(g [tokens, heads]), in place.
    public static func sigmoidHeadGate(_ o: inout Tensor, gates: Tensor) {
        precondition(o.rank == 3 && gates.count == o.shape[0] * o.shape[1], "Activation.sigmoidHeadGate: shapes")
        let (n, h, d) = (o.shape[0], o.shape[1], o.shape[2])
        gates.storage.withUnsafeBufferPointer { g in
            o.storage.withUnsafeMutableBufferPointer { op in
                sigmoidHeadGate(op.baseAddress!, tokens: n, heads: h, headDim: d, gates: g.baseAddress!)
            }
        }
    }

    /// y += x (same shape).
    public static func add(_ x: Tensor, into y: inout Tensor) {
        precondition(x.count == y.count, "Activation.add: \(x.shape) vs \(y.shape)")
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { add(xp.baseAddress!, into: $0.baseAddress!, count: $0.count) }
        }
    }
}
