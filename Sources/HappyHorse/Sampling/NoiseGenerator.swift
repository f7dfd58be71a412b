// NoiseGenerator: the engine's seedable Gaussian noise source (docs/design.md "Noise").
//
// Algorithm (fixed; changing it changes every seeded output):
//   1. SplitMix64 (Steele, Lea, Flood 2014) expands the 64-bit seed into the 4 words of the state:
//        z = (x += 0x9E3779B97F4A7C15); z = (z ^ z>>30)·0xBF58476D1CE4E5B9; z = (z ^ z>>27)·0x94D049BB133111EB; z ^ z>>31
//   2. xoshiro256** (Blackman & Vigna 2018) produces 64-bit words:
//        result = rotl(s1·5, 7)·9; t = s1<<17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
//   3. Box–Muller makes standard normals in pairs from two words a, b (Double precision):
//        u1 = ((a>>11) + 1)·2^-53 ∈ (0, 1],  u2 = (b>>11)·2^-53 ∈ [0, 1),  r = sqrt(−2·ln u1)
//        z0 = r·cos(2π·u2), z1 = r·sin(2π·u2), each rounded to Float.
//      `normals(count:)` draws ⌈count/2⌉ pairs in order and drops the spare of an odd count.
// Single-threaded and independent of the thread count, so the same seed always gives identical bytes.
// Torch's CUDA Philox stream (the reference's) cannot be reproduced on a CPU (spec 3.5); parity tests inject noise.

import Foundation

public struct NoiseGenerator: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x = x &+ 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64-bit word of xoshiro256**.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// `count` standard normal samples.
    public mutating func normals(count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: max(0, count))
        var i = 0
        while i < count {
            let a = next(), b = next()
            let u1 = Double((a >> 11) + 1) * 0x1p-53
            let u2 = Double(b >> 11) * 0x1p-53
            let r = (-2 * log(u1)).squareRoot()
            out[i] = Float(r * cos(2 * Double.pi * u2))
            if i + 1 < count { out[i + 1] = Float(r * sin(2 * Double.pi * u2)) }
            i += 2
        }
        return out
    }

    /// A tensor of standard normals with `shape` (row-major fill order).
    public mutating func normalTensor(shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: normals(count: shape.reduce(1, *)))
    }
}
