import Dispatch
import Foundation

/// The engine's own thread pool width and a fork-join helper over it.
///
/// Work is split into at most `Parallel.width` chunks and run with `DispatchQueue.concurrentPerform`.
/// Small jobs (below `minimumPerChunk` items per chunk) run inline on the caller's thread.
public enum Parallel {
    private static let state = LockedBox(value: max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Number of worker threads the kernels use (set by `Runtime.configure(threads:log:)`).
    public static var width: Int {
        get { state.read { $0 } }
        set { state.write { $0 = max(1, newValue) } }
    }

    /// Splits `0..<count` into contiguous ranges, one per worker, and runs `body` on each.
    /// `minimumPerChunk` bounds how finely the work is split (memory-bound loops: a few thousand elements).
    public static func forEachRange(_ count: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(width, max(1, count / max(1, minimumPerChunk)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { box.value(start..<end) }
            }
        }
    }

    /// Runs `workers` copies of `body(worker)` concurrently (at most `width`), for work-queue style loops.
    public static func forEachWorker(_ workers: Int, _ body: (Int) -> Void) {
        let count = max(1, min(workers, width))
        if count == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
    }
}

/// Carries a non-Sendable value (a closure over raw pointers) into the workers. The kernels guarantee that
/// concurrent workers touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A pointer that may cross into the workers of `Parallel` (each worker touches a disjoint part).
struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>
    init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}

/// A value behind a lock. Used for the little mutable global state the runtime has.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(value: Value) { self.value = value }

    func read<R>(_ body: (Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(value)
    }

    func write<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// A shared counter handing out work items 0, 1, 2, ... to concurrent workers.
final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let total: Int

    init(total: Int) { self.total = total }

    /// The next item, or nil when all have been taken.
    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < total else { return nil }
        next += 1
        return next - 1
    }
}
