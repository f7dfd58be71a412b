import Foundation

// The safetensors container header (https://github.com/huggingface/safetensors, "format" section):
//   bytes 0..<8      u64 little-endian N = length of the JSON header
//   bytes 8..<8+N    JSON object: key -> {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
//                    plus an optional "__metadata__": {string: string}
//   bytes 8+N...     the data buffer; offsets are relative to its start
// Everything is validated before any tensor is touched: a lying header is a thrown error, never a crash or an
// allocation sized by the file.

/// One tensor entry of a validated header. `byteRange` is relative to the start of the data buffer.
public struct SafeTensorEntry: Sendable, Equatable {
    public var key: String
    public var dtype: SafeTensorsDType
    public var shape: [Int]
    public var byteRange: Range<Int>
    public var elementCount: Int { shape.reduce(1, *) }
}

public struct SafeTensorsHeader: Sendable {
    /// Largest accepted JSON header (the reference implementation's limit is 100 MB).
    public static let maxHeaderBytes = 100 << 20
    public static let maxRank = 8

    public var entries: [String: SafeTensorEntry]
    public var metadata: [String: String]
    /// File offset of the data buffer (8 + N).
    public var dataOffset: Int
    /// Byte length of the data buffer.
    public var dataSize: Int

    /// Parses and validates the header of a whole safetensors file held in `bytes`. `path` is for messages only.
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SafeTensorsHeader {
        func bad(_ reason: String) -> HappyHorseError { .invalidFile(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw bad("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(maxHeaderBytes) else {
            throw bad("header length \(length) exceeds the \(maxHeaderBytes)-byte limit")
        }
        guard length <= UInt64(bytes.count - 8) else {
            throw bad("header length \(length) runs beyond the end of the \(bytes.count)-byte file (truncated?)")
        }
        guard length >= 2 else { throw bad("header length \(length) is too short for a JSON object") }
        let headerLength = Int(length)
        let json = Data(bytes[8..<(8 + headerLength)])
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw bad("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else { throw bad("header JSON is not an object") }
        let dataOffset = 8 + headerLength
        let dataSize = bytes.count - dataOffset
        var entries: [String: SafeTensorEntry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in dict {
            if key == "__metadata__" {
                guard let meta = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (mk, mv) in meta {
                    guard let s = mv as? String else { throw bad("__metadata__ value of '\(mk)' is not a string") }
                    metadata[mk] = s
                }
                continue
            }
            entries[key] = try parseEntry(key: key, value: value, dataSize: dataSize, path: path)
        }
        try checkNoOverlap(Array(entries.values), path: path)
        return SafeTensorsHeader(entries: entries, metadata: metadata, dataOffset: dataOffset, dataSize: dataSize)
    }

    static func parseEntry(key: String, value: Any, dataSize: Int, path: String) throws -> SafeTensorEntry {
        func bad(_ reason: String) -> HappyHorseError { .invalidFile(path: path, reason: "tensor '\(key)': \(reason)") }
        guard let fields = value as? [String: Any] else { throw bad("entry is not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw bad("missing or non-string 'dtype'") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw HappyHorseError.unsupportedDType(key: key, dtype: dtypeName, file: path)
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw bad("missing or non-array 'shape'") }
        guard shapeValues.count <= maxRank else { throw bad("rank \(shapeValues.count) exceeds \(maxRank)") }
        var shape: [Int] = []
        var count = 1
        for item in shapeValues {
            guard let dim = nonNegativeInt(item) else { throw bad("shape \(shapeValues) has a non-integer or negative dimension") }
            shape.append(dim)
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) * 64 else { throw bad("shape \(shape) has an absurd element count") }
            count = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = nonNegativeInt(offsets[0]), let end = nonNegativeInt(offsets[1]) else {
            throw bad("'data_offsets' must be two non-negative integers")
        }
        guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] are misordered (begin > end)") }
        guard end <= dataSize else {
            throw bad("data_offsets [\(begin), \(end)] run beyond the \(dataSize)-byte data buffer (truncated?)")
        }
        let expected = count * dtype.byteSize
        guard end - begin == expected else {
            throw bad("holds \(end - begin) bytes but shape \(shape) × \(dtype.rawValue) needs \(expected)")
        }
        return SafeTensorEntry(key: key, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    static func checkNoOverlap(_ entries: [SafeTensorEntry], path: String) throws {
        let sorted = entries.filter { !$0.byteRange.isEmpty }
            .sorted { ($0.byteRange.lowerBound, $0.key) < ($1.byteRange.lowerBound, $1.key) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.byteRange.lowerBound < a.byteRange.upperBound {
            throw HappyHorseError.invalidFile(path: path, reason: "tensors '\(a.key)' \(a.byteRange) and '\(b.key)' \(b.byteRange) overlap")
        }
    }

    /// A JSON number that is an exact non-negative integer representable as Int; nil otherwise.
    static func nonNegativeInt(_ value: Any) -> Int? {
        if let n = value as? Int { return n >= 0 ? n : nil }
        if let n = value as? NSNumber {
            let d = n.doubleValue
            guard d.isFinite, d >= 0, d < 9.0e15, d == d.rounded() else { return nil }
            return Int(d)
        }
        return nil
    }
}
