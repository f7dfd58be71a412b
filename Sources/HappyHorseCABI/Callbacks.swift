// The C callbacks (log, progress) and the handle classes behind the C ABI's opaque pointers.
import CHappyHorseABI
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

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

/// A running stream behind an opaque pointer, with the engine's native format its frames must have.
final class StreamHandle<Stream> {
    let stream: Stream
    let format: NativeVideoFormat
    init(_ stream: Stream, format: NativeVideoFormat) {
        self.stream = stream
        self.format = format
    }
}

typealias GenerationHandle = StreamHandle<any VideoGenerationStream>
typealias LiveHandle = StreamHandle<any ContinuousVideoStream>

func engine(_ p: UnsafeRawPointer) -> any TextToVideoEngine {
    Unmanaged<EngineHandle>.fromOpaque(p).takeUnretainedValue().engine
}

