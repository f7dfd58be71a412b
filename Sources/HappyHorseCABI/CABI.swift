// The C ABI the GStreamer shim calls: the ONLY @_cdecl functions of the package.
// Prototypes: CShim/include/happyhorse_cabi.h (hand-written; keep both sides in step).
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Status codes (hh_status)

enum HHStatus: Int32 {
    case ok = 0, end = 1, notFound = 2, settings = 3, runtime = 4, cancelled = 5, noMemory = 6
}

/// Maps an error to a status and its text. Missing files → NOT_FOUND; malformed model or request → SETTINGS.
func classify(_ error: Error) -> (HHStatus, String) {
    if let failure = error as? ModelLocator.Failure { return (.notFound, failure.description) }
    guard let hh = error as? HappyHorseError else { return (.runtime, String(describing: error)) }
    switch hh.root {
    case .cancelled: return (.cancelled, hh.description)
    case .io: return (.notFound, hh.description)
    case .missingTensor, .shapeMismatch, .unusedTensors, .unsupportedDType, .invalidConfig, .invalidFile:
        return (.settings, hh.description)
    case .invalidArgument: return (.settings, hh.description)
    case .outOfMemory: return (.noMemory, hh.description)
    case .context: return (.runtime, hh.description)   // unreachable: root strips contexts
    }
}

func setError(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ text: String) {
    out?.pointee = strdup(text)
}

func fail(_ error: Error, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let (status, text) = classify(error)
    setError(out, text)
    return status.rawValue
}

func string(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

// MARK: - Handle classes

public typealias LogFn = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void
public typealias ProgressFn = @convention(c) (UnsafeMutableRawPointer?, Int32, Int32, Int32, Double, Double) -> Void

/// A C callback + its user_data; the C side guarantees their lifetime (see the header).
struct CLogSink: @unchecked Sendable {
    let fn: LogFn?
    let userData: UnsafeMutableRawPointer?
    func callAsFunction(_ message: String) { if let fn { message.withCString { fn(userData, $0) } } }
}

struct CProgressSink: @unchecked Sendable {
    let fn: ProgressFn?
    let userData: UnsafeMutableRawPointer?
    func callAsFunction(_ p: GenerationProgress) {
        guard let fn else { return }
        let stage: Int32
        switch p.stage {
        case .loading: stage = 0
        case .encodingPrompt: stage = 1
        case .denoising: stage = 2
        case .decoding: stage = 3
        }
        fn(userData, stage, Int32(clamping: p.step), Int32(clamping: p.totalSteps), p.elapsedSeconds, p.etaSeconds)
    }
}

final class EngineHandle {
    let engine: any TextToVideoEngine
    init(_ engine: any TextToVideoEngine) { self.engine = engine }
}

final class GenerationHandle {
    let stream: any VideoGenerationStream
    let format: NativeVideoFormat
    init(_ stream: any VideoGenerationStream, format: NativeVideoFormat) {
        self.stream = stream
        self.format = format
    }
}

func engine(_ p: UnsafeRawPointer) -> any TextToVideoEngine {
    Unmanaged<EngineHandle>.fromOpaque(p).takeUnretainedValue().engine
}

// MARK: - Engine

nonisolated(unsafe) private let layoutCString: UnsafeMutablePointer<CChar> = strdup(ModelLocator.layout)

@_cdecl("hh_model_layout")
public func hh_model_layout() -> UnsafePointer<CChar>? { UnsafePointer(layoutCString) }

@_cdecl("hh_engine_load")
public func hh_engine_load(_ modelDir: UnsafePointer<CChar>?, _ pluginDir: UnsafePointer<CChar>?, _ threads: Int32,
                           _ log: LogFn?, _ logUserData: UnsafeMutableRawPointer?,
                           _ outEngine: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                           _ outModelDir: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                           _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let sink = CLogSink(fn: log, userData: logUserData)
    let logClosure: @Sendable (String) -> Void = { sink($0) }
    do {
        let override = EngineFactory.override
        let directory = try ModelLocator.resolve(explicit: string(modelDir), pluginDirectory: string(pluginDir),
                                                 allowMissingBuiltin: override != nil)
        let threadCount = EngineFactory.resolveThreads(Int(threads))
        sink("loading model from \(directory?.path ?? "(none: test engine)") with \(threadCount) thread(s)")
        let loaded: any TextToVideoEngine
        if let override {
            loaded = try override(directory, threadCount, logClosure)
        } else if let directory {
            loaded = try EngineFactory.load(modelDirectory: directory, threads: threadCount, log: logClosure)
        } else {
            throw ModelLocator.Failure.notFound("no model directory")   // unreachable: resolve threw already
        }
        let format = loaded.nativeFormat
        guard format.width > 0, format.height > 0, format.framesPerSecond > 0 else {
            throw HappyHorseError.invalidConfig(
                field: "pipeline", reason: "native format \(format.width)x\(format.height)@\(format.framesPerSecond) is invalid")
        }
        outModelDir?.pointee = strdup(directory?.path ?? "")
        outEngine?.pointee = Unmanaged.passRetained(EngineHandle(loaded)).toOpaque()
        return HHStatus.ok.rawValue
    } catch {
        return fail(error, outError)
    }
}

@_cdecl("hh_engine_free")
public func hh_engine_free(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<EngineHandle>.fromOpaque(p).release()
}

@_cdecl("hh_engine_get_format")
public func hh_engine_get_format(_ p: UnsafeRawPointer, _ width: UnsafeMutablePointer<Int32>?,
                                 _ height: UnsafeMutablePointer<Int32>?, _ fpsN: UnsafeMutablePointer<Int32>?,
                                 _ fpsD: UnsafeMutablePointer<Int32>?) {
    let f = engine(p).nativeFormat
    width?.pointee = Int32(clamping: f.width)
    height?.pointee = Int32(clamping: f.height)
    fpsN?.pointee = Int32(clamping: f.framesPerSecond)
    fpsD?.pointee = 1
}

@_cdecl("hh_engine_model_name")
public func hh_engine_model_name(_ p: UnsafeRawPointer) -> UnsafeMutablePointer<CChar>? {
    strdup(engine(p).modelName)
}

@_cdecl("hh_engine_default_steps")
public func hh_engine_default_steps(_ p: UnsafeRawPointer) -> Int32 {
    Int32(clamping: engine(p).defaultInferenceSteps)
}

@_cdecl("hh_engine_default_guidance_scale")
public func hh_engine_default_guidance_scale(_ p: UnsafeRawPointer) -> Float {
    engine(p).defaultGuidanceScale
}

@_cdecl("hh_engine_default_static_hold")
public func hh_engine_default_static_hold(_ p: UnsafeRawPointer) -> Double {
    engine(p).defaultStaticHoldThreshold
}

@_cdecl("hh_engine_default_autoguidance_scale")
public func hh_engine_default_autoguidance_scale(_ p: UnsafeRawPointer) -> Float {
    engine(p).defaultAutoguidanceScale
}

@_cdecl("hh_engine_frame_count")
public func hh_engine_frame_count(_ p: UnsafeRawPointer, _ duration: Double) -> Int64 {
    Int64(engine(p).frameCount(durationSeconds: duration))
}

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

// MARK: - Generation

@_cdecl("hh_generation_start")
public func hh_generation_start(_ enginePointer: UnsafeMutableRawPointer, _ prompt: UnsafePointer<CChar>?,
                                _ negativePrompt: UnsafePointer<CChar>?, _ seed: UInt64, _ steps: Int32,
                                _ guidance: Float, _ staticHold: Double, _ autoguidance: Float, _ duration: Double,
                                _ cancel: UnsafeMutableRawPointer,
                                _ progress: ProgressFn?, _ userData: UnsafeMutableRawPointer?,
                                _ outGeneration: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let e = engine(enginePointer)
    let token = Unmanaged<CancellationToken>.fromOpaque(cancel).takeUnretainedValue()
    let sink = CProgressSink(fn: progress, userData: userData)
    let request = GenerationRequest(prompt: string(prompt) ?? "", negativePrompt: string(negativePrompt) ?? "",
                                    seed: seed, numInferenceSteps: Int(steps), guidanceScale: guidance,
                                    durationSeconds: duration, staticHoldThreshold: staticHold,
                                    autoguidanceScale: autoguidance)
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
