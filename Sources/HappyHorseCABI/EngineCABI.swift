// hh_engine_*: loading a model and what the element asks of it.
import CHappyHorseABI
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

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
        let (status, text) = loadFailure(error)
        setError(outError, text)
        return status.rawValue
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

@_cdecl("hh_engine_resolve")
public func hh_engine_resolve(_ p: UnsafeRawPointer, _ settings: UnsafePointer<hh_settings>,
                              _ out: UnsafeMutablePointer<hh_resolved_settings>) {
    let r = engine(p).resolve(GenerationSettings(settings.pointee))
    out.pointee = hh_resolved_settings(num_inference_steps: Int32(clamping: r.numInferenceSteps),
                                       guidance_scale: Double(r.guidanceScale), static_hold: r.staticHoldThreshold,
                                       autoguidance_scale: Double(r.autoguidanceScale))
}

@_cdecl("hh_engine_frame_count")
public func hh_engine_frame_count(_ p: UnsafeRawPointer, _ duration: Double) -> Int64 {
    Int64(engine(p).frameCount(durationSeconds: duration))
}

