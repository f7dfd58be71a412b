import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way the engine opens a file of a model: never blocking on special files, only regular files, sizes
/// checked with fstat before anything is read, reads bounded, and no byte of a refused file in any message.
///
/// A FIFO opened for reading blocks `open(2)` until a writer comes (for ever, and uninterruptibly for the caller);
/// `O_NONBLOCK` makes the open return at once, and `fstat` then tells a FIFO, socket or device from a regular file.
public enum RegularFile {
    /// Opens `path` read-only; throws unless it is a regular file. The caller closes the descriptor.
    /// Returns the descriptor and the file's size.
    public static func open(_ path: String) throws -> (descriptor: Int32, size: Int) {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw HappyHorseError.io(path: path, reason: "cannot open: \(errnoText())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = errnoText()
            close(fd)
            throw HappyHorseError.io(path: path, reason: "cannot stat: \(reason)")
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw HappyHorseError.io(path: path, reason: "is \(describe(kind)), not a regular file")
        }
        // Reads from here on block as usual (a regular file never makes them wait for a writer).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(info.st_size))
    }

    /// The whole of the regular file at `path`, refused before any read when it is larger than `limit` bytes (a
    /// sparse file of gigabytes costs nothing to refuse).
    public static func read(_ path: String, limit: Int, what: String) throws -> Data {
        let (fd, size) = try open(path)
        defer { close(fd) }
        guard size <= limit else {
            throw HappyHorseError.invalidFile(path: path, reason: "\(what) is \(size) bytes; refusing more than \(limit)")
        }
        var data = Data(count: size)
        var done = 0
        try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw HappyHorseError.io(path: path, reason: n == 0 ? "shrank while being read"
                                                                      : "cannot read: \(errnoText())")
                }
                done += n
            }
        }
        return data
    }

    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "a special file"
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A model directory as a boundary: every file config.json (or a shard index) names resolves, symbolic links
/// included, to a path inside the directory, or is refused with a message that says so.
public struct ModelDirectoryBoundary: Sendable {
    /// The directory as given (for messages) and as the kernel resolves it.
    public let directory: URL
    let resolvedDirectory: String

    public init(_ directory: URL) throws {
        self.directory = directory
        guard let resolved = Self.realPath(directory.path) else {
            throw HappyHorseError.io(path: directory.path, reason: "cannot resolve: \(RegularFile.errnoText())")
        }
        resolvedDirectory = resolved
    }

    /// The path of `name` (a path relative to the directory, as config.json gives it) after checking that it stays
    /// inside. A name that does not exist yet is checked as written (it cannot point anywhere), so the loaders still
    /// report it as missing.
    public func path(_ name: String, field: String) throws -> String {
        let candidate = name.hasPrefix("/") ? URL(fileURLWithPath: name) : directory.appendingPathComponent(name)
        let inside: Bool
        if let resolved = Self.realPath(candidate.path) {
            inside = resolved.hasPrefix(resolvedDirectory + "/")
        } else {
            let lexical = candidate.standardizedFileURL.path
            inside = !name.hasPrefix("/") && !name.split(separator: "/").contains("..")
                && lexical.hasPrefix(directory.standardizedFileURL.path + "/")
        }
        guard inside else {
            throw HappyHorseError.invalidConfig(
                field: field, reason: "'\(name)' resolves outside the model directory \(directory.path); every file "
                    + "a model names must lie inside its directory (symbolic links included)")
        }
        return candidate.path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
