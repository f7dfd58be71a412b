import Foundation

/// One memory-mapped safetensors file with a validated header (see SafeTensorsHeader).
/// Tensors are read either as fp32 copies (`tensor(_:)`, checked for NaN/Inf) or as `LinearWeight`s that stay in
/// the mapping (`linearWeight(_:)`, converted block by block inside GEMM).
public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    public let header: SafeTensorsHeader
    let map: MappedFile

    public init(path: String) throws {
        self.path = path
        map = try MappedFile(path: path)
        header = try SafeTensorsHeader.parse(map.bytes, path: path)
    }

    /// All tensor keys, sorted.
    public var keys: [String] { header.entries.keys.sorted() }

    public func entry(_ key: String) -> SafeTensorEntry? { header.entries[key] }

    func requireEntry(_ key: String) throws -> SafeTensorEntry {
        guard let entry = header.entries[key] else { throw HappyHorseError.missingTensor(key: key, file: path) }
        return entry
    }

    /// The stored bytes of a tensor (in the mapping; valid while this object lives).
    public func rawBytes(_ entry: SafeTensorEntry) -> UnsafeRawBufferPointer {
        guard entry.byteRange.count > 0, let base = map.bytes.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + header.dataOffset + entry.byteRange.lowerBound, count: entry.byteRange.count)
    }

    /// The tensor converted to fp32 (a copy). Throws `invalidFile` naming the key when a value is NaN or infinite.
    public func tensor(_ key: String) throws -> Tensor {
        let entry = try requireEntry(key)
        let raw = rawBytes(entry)
        let count = entry.elementCount
        let available = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard count <= available / 4 else {  // never try an fp32 copy that cannot fit (use linearWeight for big matrices)
            throw HappyHorseError.outOfMemory(what: "fp32 copy of tensor '\(key)' in \(path)", neededBytes: count * 4, availableBytes: available)
        }
        var storage = [Float](repeating: 0, count: count)
        storage.withUnsafeMutableBufferPointer { dst in
            switch entry.dtype {
            case .f32:
                for i in 0..<count { dst[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
            case .bf16:
                for i in 0..<count { dst[i] = HalfConversion.bf16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            case .f16:
                for i in 0..<count { dst[i] = HalfConversion.f16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            }
        }
        if let bad = storage.firstIndex(where: { !$0.isFinite }) {
            throw HappyHorseError.invalidFile(path: path, reason: "tensor '\(key)' holds a non-finite value (\(storage[bad])) at element \(bad)")
        }
        return Tensor(shape: entry.shape, storage: storage)
    }

    /// A rank-2 tensor [N, K] as a `LinearWeight` that stays in the mapping (no copy, no NaN scan).
    /// Falls back to an fp32 copy when the data is not aligned to its element size.
    public func linearWeight(_ key: String) throws -> LinearWeight {
        let entry = try requireEntry(key)
        guard entry.shape.count == 2 else {
            throw HappyHorseError.invalidFile(path: path, reason: "tensor '\(key)' has shape \(entry.shape); a linear weight must be 2-D")
        }
        let rows = entry.shape[0], cols = entry.shape[1]
        let raw = rawBytes(entry)
        guard let base = raw.baseAddress, Int(bitPattern: base) % entry.dtype.byteSize == 0 else {
            return .dense(try tensor(key))
        }
        switch entry.dtype {
        case .f32: return .f32(rows: rows, cols: cols, data: base, owner: map)
        case .bf16: return .bf16(rows: rows, cols: cols, data: base, owner: map)
        case .f16: return .f16(rows: rows, cols: cols, data: base, owner: map)
        }
    }
}
