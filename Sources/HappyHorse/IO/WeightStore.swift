/// Hands checkpoint tensors to the model by key, checking each one three ways (as llama.cpp does):
/// a key the model needs but the checkpoint lacks (`missingTensor`), a tensor whose shape differs from what the
/// config implies (`shapeMismatch(key, expected, found)`), and, after the model took what it needs, tensors it never
/// took (`unusedTensors`, all keys listed) via `verifyAllUsed()`.
public final class WeightStore: @unchecked Sendable {
    /// How big matrices are held.
    public enum Residency: Sendable {
        /// Converted to fp32 once at load (and scanned for NaN/Inf). Best for small models.
        case dense
        /// Left in the memory map; GEMM converts blocks of rows on the fly. For checkpoints larger than RAM.
        case mapped
        /// `.dense` when the checkpoint's data is at most `denseLimitBytes`, else `.mapped`.
        case automatic
    }

    public static let denseLimitBytes = 2 << 30

    public let checkpoint: SafeTensorsCheckpoint
    public let residency: Residency
    public private(set) var usedKeys: Set<String> = []

    public init(checkpoint: SafeTensorsCheckpoint, residency: Residency = .automatic) {
        self.checkpoint = checkpoint
        switch residency {
        case .automatic: self.residency = checkpoint.totalDataBytes <= Self.denseLimitBytes ? .dense : .mapped
        default: self.residency = residency
        }
    }

    private func lookup(_ key: String, shape: [Int]) throws -> SafeTensorsFile {
        guard let file = checkpoint.file(for: key), let entry = file.entry(key) else {
            throw HappyHorseError.missingTensor(key: key, file: checkpoint.path)
        }
        guard entry.shape == shape else { throw HappyHorseError.shapeMismatch(key: key, expected: shape, found: entry.shape) }
        usedKeys.insert(key)
        return file
    }

    /// Whether the checkpoint holds `key` (does not mark it used).
    public func contains(_ key: String) -> Bool { checkpoint.location[key] != nil }

    /// An fp32 copy of `key`, which must have exactly `shape`.
    public func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        try lookup(key, shape: shape).tensor(key)
    }

    /// A linear weight [N, K] = `shape`, dense or mapped according to `residency`.
    public func linear(_ key: String, shape: [Int]) throws -> LinearWeight {
        let file = try lookup(key, shape: shape)
        switch residency {
        case .mapped: return try file.linearWeight(key)
        default: return .dense(try file.tensor(key))
        }
    }

    /// Throws `unusedTensors` listing every key the model did not take.
    public func verifyAllUsed() throws {
        let unused = checkpoint.keys.filter { !usedKeys.contains($0) }
        if !unused.isEmpty { throw HappyHorseError.unusedTensors(keys: unused, file: checkpoint.path) }
    }
}
