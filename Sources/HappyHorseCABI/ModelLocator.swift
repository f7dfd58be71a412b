import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HappyHorse

/// Finds the model directory the element loads, and checks its outline before the engine parses it.
///
/// Built-in model search order (model-path unset):
///  1. `$HAPPYHORSE_MODEL_PATH`
///  2. `<directory of the plugin .so>/happyhorse/builtin` (where meson-helpers installs it)
///  3. `<source checkout>/models/builtin` (the checkout this plugin was compiled from, from `#filePath`)
public enum ModelLocator {
    /// What a model directory must hold (the design contract's layout).
    public static let layout =
        "a model directory holds config.json (\"format\": \"happyhorse-model/1\"), dit.safetensors "
        + "(or model.safetensors.index.json + shards), text_encoder.safetensors, tokenizer.json and "
        + "vae_decoder.safetensors"

    /// `models/builtin` of the source checkout this file was compiled in.
    public static var sourceCheckoutBuiltin: URL {
        URL(fileURLWithPath: #filePath)                // <root>/Sources/HappyHorseCABI/ModelLocator.swift
            .deletingLastPathComponent()               // <root>/Sources/HappyHorseCABI
            .deletingLastPathComponent()               // <root>/Sources
            .deletingLastPathComponent()               // <root>
            .appendingPathComponent("models/builtin")
    }

    public enum Failure: Error, CustomStringConvertible {
        case notFound(String)
        public var description: String {
            switch self { case let .notFound(text): return text }
        }
    }

    /// The candidate directories for the built-in model, in search order, with where each came from.
    public static func builtinCandidates(pluginDirectory: String?) -> [(URL, String)] {
        var list: [(URL, String)] = []
        if let env = ProcessInfo.processInfo.environment["HAPPYHORSE_MODEL_PATH"], !env.isEmpty {
            list.append((URL(fileURLWithPath: env), "$HAPPYHORSE_MODEL_PATH"))
            return list   // an explicit environment choice is not second-guessed
        }
        if let dir = pluginDirectory, !dir.isEmpty {
            list.append((URL(fileURLWithPath: dir).appendingPathComponent("happyhorse/builtin"), "next to the plugin"))
        }
        list.append((sourceCheckoutBuiltin, "source checkout"))
        return list
    }

    /// Resolves the directory to load. `explicit` is the element's model-path (nil/empty = built-in).
    /// Returns nil only when no built-in model exists and `allowMissingBuiltin` (a test engine is installed).
    public static func resolve(explicit: String?, pluginDirectory: String?,
                               allowMissingBuiltin: Bool) throws -> URL? {
        if let explicit, !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit)
            try checkOutline(url, origin: "model-path")
            return url
        }
        let candidates = builtinCandidates(pluginDirectory: pluginDirectory)
        for (url, origin) in candidates {
            if origin == "$HAPPYHORSE_MODEL_PATH" {
                try checkOutline(url, origin: origin)
                return url
            }
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) {
                return url
            }
        }
        if allowMissingBuiltin { return nil }
        let tried = candidates.map { "\($0.0.path) (\($0.1))" }.joined(separator: ", ")
        throw Failure.notFound(
            "the built-in model was not found; searched \(tried). Set model-path (or $HAPPYHORSE_MODEL_PATH) to "
            + "a model directory; \(layout)")
    }

    /// Checks that `url` is a directory with a config.json that is a regular file (the engine validates the rest).
    /// Each refusal says what was found: missing, a symlink loop, unreadable, not a directory, a directory where
    /// config.json should be.
    static func checkOutline(_ url: URL, origin: String) throws {
        let where_ = "model directory '\(url.path)' (\(origin))"
        switch PathKind.of(url.path) {
        case .directory: break
        case .missing: throw Failure.notFound("\(where_) does not exist; \(layout)")
        case .symlinkLoop: throw Failure.notFound("\(where_) is a symbolic link that loops; \(layout)")
        case let .unreadable(reason): throw Failure.notFound("\(where_) cannot be read (\(reason)); \(layout)")
        case .regularFile, .other: throw Failure.notFound("\(where_) is not a directory; \(layout)")
        }
        let config = url.appendingPathComponent("config.json")
        switch PathKind.of(config.path) {
        case .regularFile: return
        case .missing:
            if case let .unreadable(reason) = PathKind.listable(url.path) {
                throw Failure.notFound("\(where_) cannot be listed (\(reason)), so its config.json cannot be read; "
                                       + "\(layout)")
            }
            throw Failure.notFound("'\(config.path)' is missing: '\(url.path)' (\(origin)) is not a model "
                                   + "directory; \(layout)")
        case .symlinkLoop: throw Failure.notFound("'\(config.path)' is a symbolic link that loops; \(layout)")
        case let .unreadable(reason): throw Failure.notFound("'\(config.path)' cannot be read (\(reason)); \(layout)")
        case .directory: throw Failure.notFound("'\(config.path)' is a directory; expected a JSON file. \(layout)")
        case .other: throw Failure.notFound("'\(config.path)' is not a regular file (a FIFO, socket or device); "
                                            + "expected a JSON file. \(layout)")
        }
    }
}

/// What a path is, from stat(2) (following symbolic links), with the reason when it cannot be told.
enum PathKind: Equatable {
    case regularFile, directory, other, missing, symlinkLoop
    case unreadable(String)

    static func of(_ path: String) -> PathKind {
        var info = stat()
        guard stat(path, &info) == 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .missing
            case ELOOP: return .symlinkLoop
            default: return .unreadable(String(cString: strerror(errno)))
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Whether the directory's entries can be looked up (search permission): `.directory` or `.unreadable`.
    static func listable(_ path: String) -> PathKind {
        access(path, X_OK) == 0 ? .directory : .unreadable(String(cString: strerror(errno)))
    }
}
