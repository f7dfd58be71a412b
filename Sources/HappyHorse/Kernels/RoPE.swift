import Foundation

/// Rotary position embeddings, split-half pairing.
///
/// Both styles rotate pairs (d_i, d_{i+P}) for i < P by angle φ_i:
///   (a, b) → (a·cosφ − b·sinφ, b·cosφ + a·sinφ)
/// - DiT 3-axis RoPE (spec §2.3): head dim D, bands B = D/8, P = 3B, φ = [t·ω ‖ y·ω ‖ x·ω] with
///   ω_j = θ^(−j/B); dims 2P..D−1 (the last D/4) pass through.
/// - Text encoder (HF Gemma "rotate_half"): P = D/2, φ_i = pos·θ^(−2i/D) over the full head dim.
public enum RoPE {
    /// Per-token cos/sin of the angles: [tokens, pairs] each.
    public struct Table: Sendable, Equatable {
        public var tokens: Int
        public var pairs: Int
        public var cos: [Float]
        public var sin: [Float]

        /// From an angle tensor [tokens, pairs].
        public init(angles: Tensor) {
            precondition(angles.rank == 2, "RoPE.Table: angles must be [tokens, pairs], got \(angles.shape)")
            tokens = angles.shape[0]
            pairs = angles.shape[1]
            cos = angles.storage.map { Foundation.cos($0) }
            sin = angles.storage.map { Foundation.sin($0) }
        }
    }

    // MARK: angles

    /// ω_j = θ^(−j/B), j = 0..<B, B = headDim/8 (the DiT's `adapter.rope.bands` buffer).
    public static func bands(headDim: Int, theta: Float) -> [Float] {
        let b = headDim / 8
        return (0..<b).map { Float(pow(Double(theta), -Double($0) / Double(b))) }
    }

    /// 3-axis angles: coordinates [tokens, 3] as (t, y, x) (already centred/scaled per spec §2.3), bands [B]
    /// → φ [tokens, 3B] = [t·ω ‖ y·ω ‖ x·ω], computed in fp32 like the reference.
    public static func angles3Axis(coordinates: Tensor, bands: [Float]) -> Tensor {
        precondition(coordinates.rank == 2 && coordinates.shape[1] == 3, "RoPE: coordinates must be [N, 3]")
        let n = coordinates.shape[0], b = bands.count
        var phi = Tensor(shape: [n, 3 * b])
        for t in 0..<n {
            for axis in 0..<3 {
                let p = coordinates.storage[t * 3 + axis]
                for j in 0..<b { phi.storage[t * 3 * b + axis * b + j] = p * bands[j] }
            }
        }
        return phi
    }

    /// Gemma-style 1-D angles: φ[n, i] = pos_n · θ^(−2i/D), i < D/2 → [tokens, D/2].
    /// inv_freq is computed as in HF (1 / θ^(2i/D) in fp32).
    public static func anglesRotateHalf(positions: [Float], headDim: Int, theta: Float) -> Tensor {
        let half = headDim / 2
        let invFreq = (0..<half).map { Float(1) / Float(pow(Double(theta), Double(2 * $0) / Double(headDim))) }
        var phi = Tensor(shape: [positions.count, half])
        for (n, pos) in positions.enumerated() {
            for i in 0..<half { phi.storage[n * half + i] = pos * invFreq[i] }
        }
        return phi
    }

    // MARK: rotation

    /// In place on x[tokens, heads, D] (token row stride `rowStride`, default heads·D): pairs (i, i+P), P = table.pairs,
    /// same angles for every head of a token. Requires 2P ≤ D. 3-axis: P = 3·D/8; rotate-half: P = D/2.
    public static func apply(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int,
                             rowStride: Int? = nil, table: Table) {
        let p = table.pairs
        precondition(table.tokens == tokens && 2 * p <= headDim, "RoPE.apply: table [\(table.tokens), \(p)] for "
            + "\(tokens) tokens, head dim \(headDim)")
        let ld = rowStride ?? heads * headDim
        let base = UnsafeSendablePointer(UnsafePointer(x))
        table.cos.withUnsafeBufferPointer { cosBuf in
            table.sin.withUnsafeBufferPointer { sinBuf in
                let cosBase = UnsafeSendablePointer(cosBuf.baseAddress!), sinBase = UnsafeSendablePointer(sinBuf.baseAddress!)
                Parallel.forEachRange(tokens, minimumPerChunk: max(1, 16384 / max(1, heads * headDim))) { range in
                    for t in range {
                        let c = cosBase.pointer + t * p, s = sinBase.pointer + t * p
                        for h in 0..<heads {
                            let a = UnsafeMutablePointer(mutating: base.pointer) + t * ld + h * headDim
                            let b = a + p
                            for i in 0..<p {
                                let av = a[i], bv = b[i]
                                a[i] = av * c[i] - bv * s[i]
                                b[i] = bv * c[i] + av * s[i]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Tensor level: x [tokens, heads, D], in place.
    public static func apply(_ x: inout Tensor, table: Table) {
        precondition(x.rank == 3, "RoPE.apply: expected [tokens, heads, D], got \(x.shape)")
        let (n, h, d) = (x.shape[0], x.shape[1], x.shape[2])
        x.storage.withUnsafeMutableBufferPointer { apply($0.baseAddress!, tokens: n, heads: h, headDim: d, table: table) }
    }

    // MARK: naive twin

    /// Straight from the formula, angles recomputed in Double: x [tokens, heads, D], angles [tokens, P].
    public static func applyNaive(_ x: Tensor, angles: Tensor) -> Tensor {
        let (n, h, d) = (x.shape[0], x.shape[1], x.shape[2])
        let p = angles.shape[1]
        var y = x
        for t in 0..<n {
            for head in 0..<h {
                for i in 0..<p {
                    let phi = Double(angles.storage[t * p + i])
                    let ia = (t * h + head) * d + i, ib = ia + p
                    let a = Double(x.storage[ia]), b = Double(x.storage[ib])
                    y.storage[ia] = Float(a * cos(phi) - b * sin(phi))
                    y.storage[ib] = Float(b * cos(phi) + a * sin(phi))
                }
            }
        }
        return y
    }
}
