@testable import HappyHorse

/// Helpers shared by the kernel tests (namespaced so other test folders can have their own).
enum KernelTestSupport {
    /// Normalised mean squared error Σ(a−b)² / Σb² (0 when b is all zero and a == b).
    static func nmse(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.count == b.count, "nmse: \(a.shape) vs \(b.shape)")
        return nmse(a.storage, b.storage)
    }

    static func nmse(_ a: [Float], _ b: [Float]) -> Double {
        var num = 0.0, den = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            num += d * d
            den += Double(b[i]) * Double(b[i])
        }
        if den == 0 { return num == 0 ? 0 : .infinity }
        return num / den
    }

    /// Deterministic pseudo-random values in [-scale, scale) (SplitMix64), so failures reproduce.
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            values[i] = (Float(z >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
        return Tensor(shape: shape, storage: values)
    }

    /// Keeps raw weight bytes alive for a mapped `LinearWeight` case.
    final class Owner {
        let bytes: UnsafeMutableRawPointer
        init(count: Int) { bytes = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64) }
        deinit { bytes.deallocate() }
    }

    /// W as BF16 (rounded) in an owned buffer, and the exact fp32 values those bits mean.
    static func bf16Weight(_ w: Tensor) -> (LinearWeight, Tensor) {
        let owner = Owner(count: w.count * 2)
        let bits = owner.bytes.bindMemory(to: UInt16.self, capacity: w.count)
        var exact = w
        for i in 0..<w.count {
            bits[i] = Precision.floatToBF16(w.storage[i])
            exact.storage[i] = Float(bitPattern: UInt32(bits[i]) << 16)
        }
        return (.bf16(rows: w.shape[0], cols: w.shape[1], data: UnsafeRawPointer(owner.bytes), owner: owner), exact)
    }

    /// W as IEEE half in an owned buffer, and the exact fp32 values those bits mean (via Swift's Float16).
    static func f16Weight(_ w: Tensor) -> (LinearWeight, Tensor) {
        let owner = Owner(count: w.count * 2)
        let bits = owner.bytes.bindMemory(to: UInt16.self, capacity: w.count)
        var exact = w
        for i in 0..<w.count {
            let h = Float16(w.storage[i])
            bits[i] = h.bitPattern
            exact.storage[i] = Float(h)
        }
        return (.f16(rows: w.shape[0], cols: w.shape[1], data: UnsafeRawPointer(owner.bytes), owner: owner), exact)
    }
}
