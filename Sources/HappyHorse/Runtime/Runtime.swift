import COpenBLAS
import Foundation

/// Process-wide engine runtime: OpenBLAS core selection (OpenBLAS itself single-threaded) and the worker count of
/// the kernels.
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

    /// Thread count set by `configure` (0 = never configured).
    private static let configuredBox = LockedBox(value: 0)

    /// The core selection, done once per process (Swift runs a global's initialiser exactly once, thread-safely),
    /// and OpenBLAS set to one thread: the engine's own workers split every product (GEMM.parallelSgemm).
    private static let selection: CoreSelection = {
        let selection = CoreSelection.perform(environment: ProcessInfo.processInfo.environment, features: CPUFeatures.current)
        OpenBLASControl.setThreads(1)
        return selection
    }()

    /// Makes sure the OpenBLAS core has been selected and that OpenBLAS runs single-threaded (something else in
    /// the host process may have changed its process-wide thread count). Cheap after the first call.
    @inline(__always)
    static func prepareBLAS() {
        _ = selection
        if OpenBLASControl.threads() != 1 { OpenBLASControl.setThreads(1) }
    }

    /// Selects the OpenBLAS kernels (first call only), sets the engine's worker count, and logs what it did.
    /// - threads: worker threads of the kernels and products; 0 or less means all online CPUs. Results do not
    ///   depend on it (see GEMM), so engines with different counts may share a process.
    @discardableResult
    public static func configure(threads: Int, log: (String) -> Void = { _ in }) -> Report {
        let chosen = threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount)
        prepareBLAS()
        let selection = self.selection
        configuredBox.write { configured in
            configured = chosen
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
    public static var configuredThreads: Int { configuredBox.read { $0 } }

    /// OpenBLAS's own thread count (1 once the engine has run a product).
    static var blasThreads: Int { OpenBLASControl.threads() }
}
