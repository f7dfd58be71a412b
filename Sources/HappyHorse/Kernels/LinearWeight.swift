/// The weight of a torch-style Linear layer: a matrix W[N, K] (N = output features, K = input features).
///
/// Dense fp32 weights live in a `Tensor`; weights read from a memory-mapped checkpoint stay in the mapping and are
/// converted to fp32 one block of rows at a time inside `GEMM.linear` (so a checkpoint larger than RAM is never
/// copied whole). `owner` keeps the mapping alive as long as the weight exists.
public enum LinearWeight: @unchecked Sendable {
    /// [N, K] fp32, row-major.
    case dense(Tensor)
    /// [rows = N, cols = K] fp32, row-major, in a mapping owned by `owner`.
    case f32(rows: Int, cols: Int, data: UnsafeRawPointer, owner: AnyObject)
    /// [rows = N, cols = K] bfloat16 (upper 16 bits of an fp32), row-major, in a mapping owned by `owner`.
    case bf16(rows: Int, cols: Int, data: UnsafeRawPointer, owner: AnyObject)
    /// [rows = N, cols = K] IEEE half, row-major, in a mapping owned by `owner`.
    case f16(rows: Int, cols: Int, data: UnsafeRawPointer, owner: AnyObject)

    /// N: output features.
    public var rows: Int {
        switch self {
        case let .dense(t): return t.shape.first ?? 0
        case let .f32(rows, _, _, _), let .bf16(rows, _, _, _), let .f16(rows, _, _, _): return rows
        }
    }

    /// K: input features.
    public var cols: Int {
        switch self {
        case let .dense(t): return t.rank == 2 ? t.shape[1] : 0
        case let .f32(_, cols, _, _), let .bf16(_, cols, _, _), let .f16(_, cols, _, _): return cols
        }
    }

    /// [N, K]
    public var shape: [Int] { [rows, cols] }

    /// Converts rows [rowRange) to fp32 into `out` ([rowRange.count, K], row-major).
    public func convertRows(_ rowRange: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let k = cols
        switch self {
        case let .dense(t):
            t.storage.withUnsafeBufferPointer { src in
                (out).update(from: src.baseAddress! + rowRange.lowerBound * k, count: rowRange.count * k)
            }
        case let .f32(_, _, data, _):
            let src = data.assumingMemoryBound(to: Float.self) + rowRange.lowerBound * k
            out.update(from: src, count: rowRange.count * k)
        case let .bf16(_, _, data, _):
            let src = data.assumingMemoryBound(to: UInt16.self) + rowRange.lowerBound * k
            Precision.bf16ToFloat(src, out, count: rowRange.count * k)
        case let .f16(_, _, data, _):
            let src = data.assumingMemoryBound(to: UInt16.self) + rowRange.lowerBound * k
            Precision.f16ToFloat(src, out, count: rowRange.count * k)
        }
    }

    /// The whole matrix as a dense fp32 tensor [N, K] (copies; for tests and small weights).
    public func densified() -> Tensor {
        if case let .dense(t) = self { return t }
        var storage = [Float](repeating: 0, count: rows * cols)
        storage.withUnsafeMutableBufferPointer { convertRows(0..<rows, into: $0.baseAddress!) }
        return Tensor(shape: [rows, cols], storage: storage)
    }
}

/// Storage-format conversions (fp32 is the only compute format).
public enum Precision {
    /// bfloat16 → fp32: the 16 bits become the upper half of the fp32 pattern.
    public static func bf16ToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            dst[i] = Float(bitPattern: UInt32(src[i]) << 16)
        }
    }

    /// IEEE half → fp32 without F16C (the package builds for baseline x86-64): the exponent/mantissa bits are
    /// moved into place and rescaled by 2^112, which handles normals and subnormals; inf/NaN keep an all-ones
    /// exponent. Branch-free, so the loop vectorises.
    public static func f16ToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let h = UInt32(src[i])
            let sign = (h & 0x8000) << 16
            let magnitude = h & 0x7fff
            let scaled = Float(bitPattern: magnitude << 13) * 0x1p112
            let special = Float(bitPattern: (magnitude << 13) | 0x7f80_0000)
            let value = magnitude >= 0x7c00 ? special : scaled
            dst[i] = Float(bitPattern: value.bitPattern | sign)
        }
    }

    /// fp32 → bfloat16 with round-to-nearest-even (NaN stays NaN). For tests and for writing fixtures.
    public static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7fff + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
