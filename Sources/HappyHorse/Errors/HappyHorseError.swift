import Foundation

/// The one error type of the engine. Every case carries enough context to act on:
/// the file, the tensor key, what was expected and what was found.
public indirect enum HappyHorseError: Error, CustomStringConvertible, Equatable {
    case missingTensor(key: String, file: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    case unusedTensors(keys: [String], file: String)
    case unsupportedDType(key: String, dtype: String, file: String)
    case invalidConfig(field: String, reason: String)
    case invalidFile(path: String, reason: String)
    case io(path: String, reason: String)
    case invalidArgument(name: String, reason: String)
    case outOfMemory(what: String, neededBytes: Int, availableBytes: Int)
    case cancelled
    /// Adds what the caller was doing ("loading text encoder: ...").
    case context(String, HappyHorseError)

    public var description: String {
        switch self {
        case let .missingTensor(key, file):
            return "missing tensor '\(key)' in \(file)"
        case let .shapeMismatch(key, expected, found):
            return "tensor '\(key)' has shape \(found), expected \(expected)"
        case let .unusedTensors(keys, file):
            let shown = keys.prefix(5).joined(separator: ", ")
            let more = keys.count > 5 ? " and \(keys.count - 5) more" : ""
            return "\(file) holds \(keys.count) tensor(s) the model does not use: \(shown)\(more)"
        case let .unsupportedDType(key, dtype, file):
            return "tensor '\(key)' in \(file) has dtype \(dtype); expected F32, BF16 or F16"
        case let .invalidConfig(field, reason):
            return "invalid configuration field '\(field)': \(reason)"
        case let .invalidFile(path, reason):
            return "\(path): \(reason)"
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        case let .outOfMemory(what, needed, available):
            return "\(what) needs \(needed / (1 << 20)) MiB but only \(available / (1 << 20)) MiB of memory is available"
        case .cancelled:
            return "cancelled"
        case let .context(what, inner):
            return "\(what): \(inner.description)"
        }
    }

    /// The innermost error, without the context wrappers.
    public var root: HappyHorseError {
        if case let .context(_, inner) = self { return inner.root }
        return self
    }
}

extension HappyHorseError {
    /// Runs `body`, wrapping any HappyHorseError it throws with `what`.
    public static func withContext<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as HappyHorseError {
            throw HappyHorseError.context(what, error)
        }
    }
}
