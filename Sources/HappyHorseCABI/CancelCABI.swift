// hh_cancel_*: the thread-safe cancellation flag.
import CHappyHorseABI
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Cancellation

@_cdecl("hh_cancel_new")
public func hh_cancel_new() -> UnsafeMutableRawPointer? {
    Unmanaged.passRetained(CancellationToken()).toOpaque()
}

@_cdecl("hh_cancel_trigger")
public func hh_cancel_trigger(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<CancellationToken>.fromOpaque(p).takeUnretainedValue().cancel()
}

@_cdecl("hh_cancel_reset")
public func hh_cancel_reset(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<CancellationToken>.fromOpaque(p).takeUnretainedValue().reset()
}

@_cdecl("hh_cancel_is_triggered")
public func hh_cancel_is_triggered(_ p: UnsafeMutableRawPointer?) -> Int32 {
    guard let p else { return 0 }
    return Unmanaged<CancellationToken>.fromOpaque(p).takeUnretainedValue().isCancelled ? 1 : 0
}

@_cdecl("hh_cancel_free")
public func hh_cancel_free(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<CancellationToken>.fromOpaque(p).release()
}

