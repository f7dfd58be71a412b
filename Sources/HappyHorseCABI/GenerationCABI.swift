// hh_generation_*: one clip, frame by frame; hh_string_free.
import CHappyHorseABI
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("hh_generation_start")
public func hh_generation_start(_ enginePointer: UnsafeMutableRawPointer, _ settings: UnsafePointer<hh_settings>,
                                _ duration: Double, _ cancel: UnsafeMutableRawPointer,
                                _ progress: ProgressFn?, _ userData: UnsafeMutableRawPointer?,
                                _ outGeneration: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let e = engine(enginePointer)
    let token = Unmanaged<CancellationToken>.fromOpaque(cancel).takeUnretainedValue()
    let sink = CProgressSink(fn: progress, userData: userData)
    let request = GenerationRequest(settings: GenerationSettings(settings.pointee), durationSeconds: duration)
    do {
        let stream = try e.startGeneration(request, cancellation: token, progress: { sink($0) })
        outGeneration?.pointee = Unmanaged.passRetained(GenerationHandle(stream, format: e.nativeFormat)).toOpaque()
        return HHStatus.ok.rawValue
    } catch {
        return fail(error, outError)
    }
}

@_cdecl("hh_generation_total_frames")
public func hh_generation_total_frames(_ p: UnsafeRawPointer) -> Int64 {
    Int64(Unmanaged<GenerationHandle>.fromOpaque(p).takeUnretainedValue().stream.totalFrames)
}

@_cdecl("hh_generation_next_frame")
public func hh_generation_next_frame(_ p: UnsafeMutableRawPointer, _ rgb: UnsafeMutablePointer<UInt8>?,
                                     _ rgbSize: Int, _ outIndex: UnsafeMutablePointer<Int64>?,
                                     _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let handle = Unmanaged<GenerationHandle>.fromOpaque(p).takeUnretainedValue()
    do {
        guard let frame = try handle.stream.nextFrame() else { return HHStatus.end.rawValue }
        return deliverFrame(frame, format: handle.format, into: rgb, size: rgbSize, index: outIndex,
                            error: outError).rawValue
    } catch {
        return fail(error, outError)
    }
}

@_cdecl("hh_generation_free")
public func hh_generation_free(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<GenerationHandle>.fromOpaque(p).release()
}

@_cdecl("hh_string_free")
public func hh_string_free(_ p: UnsafeMutablePointer<CChar>?) {
    free(p)
}

/// Copies `frame` (packed RGB at the engine's native size) into the caller's buffer and reports its index.
/// Returns `.ok`, or `.runtime` with an error naming the sizes when the frame or the buffer does not fit.
func deliverFrame(_ frame: VideoFrame, format f: NativeVideoFormat, into rgb: UnsafeMutablePointer<UInt8>?,
                  size rgbSize: Int, index outIndex: UnsafeMutablePointer<Int64>?,
                  error outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> HHStatus {
    let expected = f.width * f.height * 3
    guard frame.width == f.width, frame.height == f.height, frame.rgb.count == expected else {
        setError(outError, "engine produced a \(frame.width)x\(frame.height) frame of \(frame.rgb.count) bytes; "
                 + "expected \(f.width)x\(f.height) packed RGB (\(expected) bytes)")
        return .runtime
    }
    guard let rgb, rgbSize >= expected else {
        setError(outError, "frame buffer of \(rgbSize) bytes is too small for \(expected) bytes")
        return .runtime
    }
    frame.rgb.withUnsafeBufferPointer { rgb.update(from: $0.baseAddress!, count: expected) }
    outIndex?.pointee = Int64(frame.index)
    return .ok
}
