/// A dense, row-major fp32 tensor. The engine's one value type for activations and (converted) weights.
/// Storage is a Swift array (copy-on-write); kernels take `withUnsafe...` pointers for speed.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var storage: [Float]

    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public init(shape: [Int], storage: [Float]) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Same data, new shape (row-major reinterpretation; element count must match).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }

    /// Rows [start, end) along the first axis.
    public func rows(_ range: Range<Int>) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, storage: Array(storage[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]))
    }

    /// Stacks tensors with equal trailing shape along the first axis.
    public static func concatenateRows(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(shape: [0]) }
        let tail = Array(first.shape.dropFirst())
        var storage: [Float] = []
        storage.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        var rows = 0
        for part in parts {
            precondition(Array(part.shape.dropFirst()) == tail, "concatenateRows: trailing shapes differ")
            storage += part.storage
            rows += part.shape.first ?? 0
        }
        return Tensor(shape: [rows] + tail, storage: storage)
    }
}
