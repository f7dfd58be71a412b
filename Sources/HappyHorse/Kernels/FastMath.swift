/// Branch-free fp32 exp/sigmoid/tanh that the loop vectoriser turns into packed SSE code (libm's expf is a scalar
/// call). Relative error of `exp` ≈ 2e-7 on [-87, 88] (Cephes-style polynomial after range reduction); inputs are
/// clamped to [-87.3, 88.3], NaN stays NaN.
///
/// Written as scalar code on purpose: with ternary clamps (→ maxps/minps) and bit tricks (→ pslld/paddd) LLVM
/// vectorises a loop that calls these. Swift's SIMD comparisons, `pointwiseMin/Max` and `replacing(with:where:)`
/// do not lower to single instructions here (they become per-lane loops or calls); see `maximum` below.
enum FastMath {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        // (ternaries, not Swift.min/max, so the loop vectorises; a NaN input falls through both and stays NaN)
        let low: Float = x < -87.3 ? -87.3 : x
        let clamped: Float = low > 88.3 ? 88.3 : low
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
        // No float→int conversion, so NaN gives NaN (not a trap).
        let scale = Float(bitPattern: (magic.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return er * scale
    }

    /// 2^x for x ≤ 0 (softmax in log2 units; larger x is not clamped). Values below −126 give 2^−126 instead of a
    /// denormal or 0, which is below any probability that matters. Degree-6 Taylor polynomial of 2^f on
    /// f ∈ [−½, ½] (relative error ≈ 1.5e-7), fewer operations than `exp`: the softmax inner loop.
    @inline(__always)
    static func exp2NonPositive(_ x: Float) -> Float {
        let clamped: Float = x < -126 ? -126 : x
        let magic = clamped + 12_582_912               // round to nearest: the integer sits in the low bits
        let n = magic - 12_582_912
        let f = clamped - n
        var p: Float = 1.540_353_0e-4                 // ln2^6 / 6!
        p = p * f + 1.333_355_8e-3                    // ln2^5 / 5!
        p = p * f + 9.618_129_1e-3                    // ln2^4 / 4!
        p = p * f + 5.550_410_9e-2                    // ln2^3 / 3!
        p = p * f + 2.402_265_1e-1                    // ln2^2 / 2!
        p = p * f + 6.931_471_8e-1                    // ln2
        p = p * f + 1
        return p * Float(bitPattern: (magic.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    }

    /// 2^x on [-126, 127] (clamped), same polynomial as `exp2NonPositive`. Fewer operations than `exp`; used where
    /// the argument is x·log2(e) and its rounding (relative 6e-8·|x|) does not matter: sigmoid and tanh.
    @inline(__always)
    static func exp2(_ x: Float) -> Float {
        let low: Float = x < -126 ? -126 : x
        let clamped: Float = low > 127 ? 127 : low
        let magic = clamped + 12_582_912
        let n = magic - 12_582_912
        let f = clamped - n
        var p: Float = 1.540_353_0e-4
        p = p * f + 1.333_355_8e-3
        p = p * f + 9.618_129_1e-3
        p = p * f + 5.550_410_9e-2
        p = p * f + 2.402_265_1e-1
        p = p * f + 6.931_471_8e-1
        p = p * f + 1
        return p * Float(bitPattern: (magic.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    }

    /// σ(x) = 1 / (1 + e^{−x}).
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp2(x * -1.442_695_04)) }

    /// tanh(x) = 1 − 2 / (e^{2x} + 1); saturates cleanly at ±1.
    @inline(__always)
    static func tanh(_ x: Float) -> Float { 1 - 2 / (exp2(x * 2.885_390_08) + 1) }

    /// max over n values (n ≥ 1), 8 lanes at a time. Scalar max reductions do not vectorise without fast-math,
    /// so this uses SIMD8 with a sign-bit mask select (integer shifts and bitwise ops lower to packed code).
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var acc = SIMD8<Float>(repeating: -.infinity)
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            // lanes where acc < v (sign of acc − v) take v
            let mask = unsafeBitCast(unsafeBitCast(acc - v, to: SIMD8<Int32>.self) &>> 31, to: SIMD8<UInt32>.self)
            let merged = (unsafeBitCast(v, to: SIMD8<UInt32>.self) & mask) | (unsafeBitCast(acc, to: SIMD8<UInt32>.self) & ~mask)
            acc = unsafeBitCast(merged, to: SIMD8<Float>.self)
            i += 8
        }
        var m = acc[0]
        for lane in 1..<8 where acc[lane] > m { m = acc[lane] }
        while i < n {
            if x[i] > m { m = x[i] }
            i += 1
        }
        return m
    }

    /// Σ x over n values, 8 partial sums (a scalar float sum does not vectorise without reassociation).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var acc = SIMD8<Float>.zero
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = acc.sum()
        while i < n {
            total += x[i]
            i += 1
        }
        return total
    }
}
