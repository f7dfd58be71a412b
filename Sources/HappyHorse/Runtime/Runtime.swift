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

    private static let threadState = LockedBox(value: 0)

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
        threadState.write { current in
            current = chosen
            OpenBLASControl.setThreads(chosen)
            Parallel.width = chosen
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
    public static var configuredThreads: Int { threadState.read { $0 } }

    /// Runs `body` with BLAS limited to one thread, for code that calls GEMM from several of its own workers at
    /// once (attention tiles). The limit is process-wide; nested and concurrent scopes are counted.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        prepareBLAS()
        singleThreadScopes.write { count in
            if count == 0 { OpenBLASControl.setThreads(1) }
            count += 1
        }
        defer {
            singleThreadScopes.write { count in
                count -= 1
                if count == 0 { OpenBLASControl.setThreads(max(1, Parallel.width)) }
            }
        }
        return try body()
    }

    private static let singleThreadScopes = LockedBox(value: 0)
}
