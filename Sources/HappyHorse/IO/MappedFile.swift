#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, private memory map of a whole file. Pages are loaded on first touch by the kernel, so a
/// checkpoint larger than RAM is never copied whole; the map lives as long as this object.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    private let base: UnsafeMutableRawPointer?

    public init(path: String) throws {
        self.path = path
        // Regular files only, opened without blocking on a FIFO (RegularFile).
        let (fd, fileSize) = try RegularFile.open(path)
        defer { close(fd) }
        size = fileSize
        if size == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw HappyHorseError.io(path: path, reason: "cannot mmap \(size) bytes: \(String(cString: strerror(errno)))")
        }
        base = mapped
    }

    deinit {
        if let base { munmap(base, size) }
    }

    /// The whole file. Valid while this object is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }
}
