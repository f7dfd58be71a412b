import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The OpenBLAS calls that are not BLAS (core name, thread count, dynamic-arch re-initialisation).
enum OpenBLASControl {
    static func coreName() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's current thread count.
    static func threads() -> Int { Int(openblas_get_num_threads()) }

    static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// Re-runs the dynamic-arch core detection of the loaded OpenBLAS (which reads OPENBLAS_CORETYPE) through its
    /// exported `gotoblas_dynamic_quit`/`gotoblas_dynamic_init`. These are internal symbols of DYNAMIC_ARCH builds,
    /// so they are looked up at run time in the library that provides `openblas_get_corename`.
    /// Returns false (and changes nothing) when they are absent.
    static func reinitialiseDynamicArch() -> Bool {
        typealias Hook = @convention(c) () -> Void
        guard let handle = libraryHandle() else { return false }
        guard let quit = dlsym(handle, "gotoblas_dynamic_quit"), let initialise = dlsym(handle, "gotoblas_dynamic_init")
        else { return false }
        unsafeBitCast(quit, to: Hook.self)()
        unsafeBitCast(initialise, to: Hook.self)()
        return true
    }

    /// A handle to the already-loaded OpenBLAS (RTLD_NOLOAD: never loads a second copy), found by its soname so
    /// it also works when the engine lives in a plugin loaded with RTLD_LOCAL; else the global scope.
    private static func libraryHandle() -> UnsafeMutableRawPointer? {
        for name in ["libopenblas.so.0", "libopenblasp.so.0", "libopenblaso.so.0", "libopenblas.so"] {
            if let handle = dlopen(name, RTLD_NOW | RTLD_NOLOAD) { return handle }
        }
        return dlopen(nil, RTLD_NOW)
    }
}
