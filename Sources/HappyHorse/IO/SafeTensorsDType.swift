// Element types of safetensors tensors the engine reads: F32, BF16, F16 (everything else is `unsupportedDType`).
// Conversions to fp32 are exact; fp32 → bf16 rounds to nearest even (like torch's `.to(torch.bfloat16)`).

public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case bf16 = "BF16"
    case f16 = "F16"

    public var byteSize: Int {
        switch self {
        case .f32: return 4
        case .bf16, .f16: return 2
        }
    }
}

enum HalfConversion {
    @inline(__always) static func bf16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    @inline(__always) static func f16ToFloat(_ bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// Round-to-nearest-even; NaN stays a (quiet) NaN.
    @inline(__always) static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x40) }
        let rounding = UInt32(0x7FFF) &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    @inline(__always) static func floatToF16(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }
}
