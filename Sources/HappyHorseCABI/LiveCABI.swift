// C ABI of live mode (endless generation): hh_live_* in Sources/CHappyHorseABI/include/happyhorse_cabi.h.
import CHappyHorseABI
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

private func live(_ p: UnsafeRawPointer) -> LiveHandle { Unmanaged<LiveHandle>.fromOpaque(p).takeUnretainedValue() }

@_cdecl("hh_live_start")
public func hh_live_start(_ enginePointer: UnsafeMutableRawPointer, _ settings: UnsafePointer<hh_settings>,
                          _ revision: Int64, _ cancel: UnsafeMutableRawPointer,
                          _ outLive: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                          _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let e = engine(enginePointer)
    guard let continuous = e as? any ContinuousTextToVideoEngine else {
        setError(outError, "the engine '\(e.modelName)' cannot generate endlessly (no live mode)")
        return HHStatus.settings.rawValue
    }
    let token = Unmanaged<CancellationToken>.fromOpaque(cancel).takeUnretainedValue()
    let requested = GenerationSettings(settings.pointee)
    do {
        let stream = try continuous.startContinuousGeneration(requested, revision: revision, cancellation: token)
        outLive?.pointee = Unmanaged.passRetained(LiveHandle(stream, format: e.nativeFormat)).toOpaque()
        return HHStatus.ok.rawValue
    } catch {
        return fail(error, outError)
    }
}

@_cdecl("hh_live_frames_per_chunk")
public func hh_live_frames_per_chunk(_ p: UnsafeRawPointer) -> Int32 {
    Int32(clamping: live(p).stream.framesPerChunk)
}

@_cdecl("hh_live_pending_frames")
public func hh_live_pending_frames(_ p: UnsafeRawPointer) -> Int32 {
    Int32(clamping: live(p).stream.pendingFrames)
}

@_cdecl("hh_live_update")
public func hh_live_update(_ p: UnsafeMutableRawPointer, _ settings: UnsafePointer<hh_settings>, _ revision: Int64) {
    live(p).stream.update(GenerationSettings(settings.pointee), revision: revision)
}

@_cdecl("hh_live_reseed")
public func hh_live_reseed(_ p: UnsafeMutableRawPointer, _ seed: UInt64) -> Int32 {
    guard let stream = live(p).stream as? any ReseedableContinuousVideoStream else { return HHStatus.settings.rawValue }
    stream.reseed(seed)
    return HHStatus.ok.rawValue
}

@_cdecl("hh_live_next_frame")
public func hh_live_next_frame(_ p: UnsafeMutableRawPointer, _ rgb: UnsafeMutablePointer<UInt8>?, _ rgbSize: Int,
                               _ outIndex: UnsafeMutablePointer<Int64>?, _ outChunk: UnsafeMutablePointer<Int64>?,
                               _ outRevision: UnsafeMutablePointer<Int64>?, _ outSteps: UnsafeMutablePointer<Int32>?,
                               _ outChunkSeconds: UnsafeMutablePointer<Double>?,
                               _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let handle = live(p)
    do {
        let item = try handle.stream.nextFrame()
        let status = deliverFrame(item.frame, format: handle.format, into: rgb, size: rgbSize, index: outIndex,
                                  error: outError)
        guard status == .ok else { return status.rawValue }
        outChunk?.pointee = Int64(item.chunk)
        outRevision?.pointee = item.revision
        outSteps?.pointee = Int32(clamping: item.steps)
        outChunkSeconds?.pointee = item.chunkSeconds
        return HHStatus.ok.rawValue
    } catch {
        return fail(error, outError)
    }
}

@_cdecl("hh_live_free")
public func hh_live_free(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<LiveHandle>.fromOpaque(p).release()
}
