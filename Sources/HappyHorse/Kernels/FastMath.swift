/// Branch-free fp32 exp/sigmoid/tanh that the compiler can vectorise (libm's expf is a scalar call).
/// Relative error of `exp` ≈ 2e-7 on [-87, 88]; inputs are clamped to [-87.3, 88.3] (Cephes-style degree-6 polynomial after range reduction).
enum FastMath {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.3), 88.3)
        // n = round(x / ln2) by the 1.5·2^23 trick (vectorises, unlike roundf on baseline x86-64)
        let t = clamped * 1.442_695_04
        let magic = t + 12_582_912
        let n = magic - 12_582_912
        // r = x − n·ln2, with ln2 split in two for accuracy
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        // 2^n from the low bits of (t + 1.5·2^23): bits − 0x4B40_0000 = n ∈ [-126, 127] after the clamp.
        // No float→int conversion, so NaN input gives NaN (not a trap).
        let scale = Float(bitPattern: (magic.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return er * scale
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// tanh(x) = 1 − 2 / (e^{2x} + 1); saturates cleanly at ±1.
    @inline(__always)
    static func tanh(_ x: Float) -> Float { 1 - 2 / (exp(2 * x) + 1) }

    /// The same on 8 lanes (explicit SIMD for the softmax inner loop).
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
        let t = clamped * 1.442_695_04
        let magic = t + 12_582_912
        let n = magic - 12_582_912
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        // the low bits of (t + 1.5·2^23) hold n as an integer: bits − 0x4B40_0000 = n; 2^n = (n + 127) << 23
        let bits = unsafeBitCast(magic, to: SIMD8<UInt32>.self)
        let scaleBits = (bits &- 0x4B40_0000 &+ 127) &<< 23
        return er * unsafeBitCast(scaleBits, to: SIMD8<Float>.self)
    }
}
