import Foundation

/// Writes safetensors files (tests, fixtures and benchmarks make synthetic checkpoints with it).
/// The JSON header is padded with spaces to a multiple of 8 bytes so every tensor is 8-byte aligned in a map;
/// tensors are laid out contiguously in the order given.
public struct SafeTensorsWriter {
    public struct Item {
        public var key: String
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        public var values: [Float]
        public init(key: String, dtype: SafeTensorsDType = .f32, shape: [Int], values: [Float]) {
            self.key = key
            self.dtype = dtype
            self.shape = shape
            self.values = values
        }
    }

    public var items: [Item] = []
    public var metadata: [String: String] = [:]

    public init() {}

    public mutating func add(_ key: String, _ tensor: Tensor, dtype: SafeTensorsDType = .f32) {
        items.append(Item(key: key, dtype: dtype, shape: tensor.shape, values: tensor.storage))
    }

    /// The whole file as bytes. Throws when an item's value count does not match its shape.
    public func serialized() throws -> [UInt8] {
        var entries: [String: Any] = [:]
        var offset = 0
        for item in items {
            let count = item.shape.reduce(1, *)
            guard count == item.values.count, item.shape.allSatisfy({ $0 >= 0 }) else {
                throw HappyHorseError.invalidArgument(name: "tensor '\(item.key)'", reason: "shape \(item.shape) vs \(item.values.count) values")
            }
            let size = count * item.dtype.byteSize
            entries[item.key] = ["dtype": item.dtype.rawValue, "shape": item.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        if !metadata.isEmpty { entries["__metadata__"] = metadata }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + json.count + offset)
        var length = UInt64(json.count)
        for _ in 0..<8 { bytes.append(UInt8(length & 0xFF)); length >>= 8 }
        bytes += json
        for item in items {
            switch item.dtype {
            case .f32:
                for v in item.values { appendLE(&bytes, v.bitPattern, byteCount: 4) }
            case .bf16:
                for v in item.values { appendLE(&bytes, UInt32(HalfConversion.floatToBF16(v)), byteCount: 2) }
            case .f16:
                for v in item.values { appendLE(&bytes, UInt32(HalfConversion.floatToF16(v)), byteCount: 2) }
            }
        }
        return bytes
    }

    public func write(to url: URL) throws {
        let bytes = try serialized()
        do {
            try Data(bytes).write(to: url)
        } catch {
            throw HappyHorseError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    private func appendLE(_ bytes: inout [UInt8], _ value: UInt32, byteCount: Int) {
        var v = value
        for _ in 0..<byteCount { bytes.append(UInt8(v & 0xFF)); v >>= 8 }
    }
}
