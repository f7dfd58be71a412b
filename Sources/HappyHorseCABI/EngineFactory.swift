import Foundation
import HappyHorse

/// The ONE place where the C ABI obtains a text-to-video engine.
///
/// `load` builds the real engine. Tests of the element glue can install `override` to supply their own engine
/// (the deterministic test engine lives only in Tests/GstHappyHorseTests).
public enum EngineFactory {
    /// Signature of an engine constructor: model directory (nil when the built-in model was not found and a test
    /// engine is installed), thread count (already resolved, ≥ 1), log sink.
    public typealias Loader = (_ modelDirectory: URL?, _ threads: Int,
                               _ log: @escaping @Sendable (String) -> Void) throws -> any TextToVideoEngine

    /// Test hook: when set, every engine load in this process goes through it instead of `load`.
    /// Set it before the element goes READY→PAUSED; it is read (under a lock) in `hh_engine_load`.
    public static var override: Loader? {
        get { lock.lock(); defer { lock.unlock() }; return _override }
        set { lock.lock(); _override = newValue; lock.unlock() }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var _override: Loader?

    /// Loads the real engine from `modelDirectory`.
    public static func load(modelDirectory: URL, threads: Int,
                            log: @escaping @Sendable (String) -> Void) throws -> any TextToVideoEngine {
        return try TextToVideoPipeline(modelDirectory: modelDirectory, threads: threads, log: log)
    }

    /// Thread count actually used for `requested` (0 = $OPENBLAS_NUM_THREADS if set, else all cores).
    public static func resolveThreads(_ requested: Int) -> Int {
        if requested > 0 { return requested }
        if let env = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let n = Int(env), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
