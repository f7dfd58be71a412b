import Foundation

/// A thread-safe cancellation flag, checked between denoising steps and inside long loops (per layer).
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    public init() {}
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    public func reset() { lock.lock(); cancelled = false; lock.unlock() }
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
    /// Throws `HappyHorseError.cancelled` when cancelled.
    public func check() throws { if isCancelled { throw HappyHorseError.cancelled } }
}
