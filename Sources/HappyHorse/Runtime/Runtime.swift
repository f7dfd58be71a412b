import COpenBLAS
import Foundation

/// Process-wide engine runtime: OpenBLAS core selection and the thread count of BLAS and of the kernels.
///
/// Call `configure(threads:log:)` at engine start (it is idempotent and thread-safe). The core selection runs
/// once per process, before the first GEMM, even if nobody calls `configure` (GEMM calls `prepareBLAS`).
public enum Runtime {
    /// What `configure` decided, for logs and tests.
    public struct Report: Sendable, CustomStringConvertible {
        public var threads: Int
        public var selection: CoreSelection
        /// `openblas_get_corename()` after the selection.
        public var coreName: String

        public var description: String {
            "OpenBLAS core \(coreName) (\(selection.description)); \(threads) thread(s)"
        }
    }

    /// Thread count set by `configure` (0 = never configured) and the number of open single-threaded-BLAS scopes,
    /// behind one lock so the two never disagree about what OpenBLAS should run with.
    private struct ThreadState {
        var configured = 0
        var singleThreadScopes = 0
        var blasThreads: Int { max(1, configured > 0 ? configured : Parallel.width) }
    }

    private static let threadState = LockedBox(value: ThreadState())

    /// The core selection, done once per process (Swift runs a global's initialiser exactly once, thread-safely).
    private static let selection: CoreSelection = CoreSelection.perform(
        environment: ProcessInfo.processInfo.environment, features: CPUFeatures.current)

    /// Makes sure the OpenBLAS core has been selected. Cheap after the first call.
    @inline(__always)
    static func prepareBLAS() { _ = selection }

    /// Selects the OpenBLAS kernels (first call only), sets the BLAS and kernel thread count, and logs what it did.
    /// - threads: worker threads for BLAS and the kernels; 0 or less means all online CPUs.
    @discardableResult
    public static func configure(threads: Int, log: (String) -> Void = { _ in }) -> Report {
        let chosen = threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let selection = self.selection
        threadState.write { state in
            state.configured = chosen
            Parallel.width = chosen
            if state.singleThreadScopes == 0 { OpenBLASControl.setThreads(chosen) }
        }
        let report = Report(threads: chosen, selection: selection, coreName: OpenBLASControl.coreName())
        log("happyhorse runtime: \(report)")
        if report.coreName.lowercased() == "prescott" {
            log("WARNING: OpenBLAS runs its Prescott (SSE3) kernels, about 5x slower than this CPU allows; "
                + "set OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) in the environment")
        }
        return report
    }

    /// The thread count last set by `configure` (0 if never configured).
    public static var configuredThreads: Int { threadState.read { $0.configured } }

    /// OpenBLAS's thread count matches the runtime's state, read atomically with it: 1 inside a
    /// `withSingleThreadedBLAS` scope (on any thread), the configured count otherwise.
    static var blasThreadCountIsConsistent: Bool {
        threadState.read { state in
            OpenBLASControl.threads() == (state.singleThreadScopes > 0 ? 1 : state.blasThreads)
        }
    }

    /// Runs `body` with BLAS limited to one thread, for code that calls GEMM from several of its own workers at
    /// once (attention tiles). The limit is process-wide; nested and concurrent scopes are counted.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        prepareBLAS()
        threadState.write { state in
            if state.singleThreadScopes == 0 { OpenBLASControl.setThreads(1) }
            state.singleThreadScopes += 1
        }
        defer {
            threadState.write { state in
                state.singleThreadScopes -= 1
                if state.singleThreadScopes == 0 { OpenBLASControl.setThreads(state.blasThreads) }
            }
        }
        return try body()
    }
}
