import Foundation
import HappyHorse

/// Live mode of the pattern test engine: chunks of `PatternEngine.chunkFrames` frames, each made with the settings in
/// force when the chunk starts (frame bytes = `PatternEngine.pixel` of that chunk's prompt and seed), `steps` ×
/// `stepDelay` of (cancellable) work per chunk.
extension PatternEngine: ContinuousTextToVideoEngine {
    func startContinuousGeneration(_ settings: GenerationSettings, revision: Int64,
                                   cancellation: CancellationToken) throws -> any ContinuousVideoStream {
        PatternContinuousStream(settings: settings, revision: revision, defaultSteps: defaultInferenceSteps,
                                format: nativeFormat, cancellation: cancellation, stepDelay: PatternEngine.stepDelay)
    }
}

final class PatternContinuousStream: ReseedableContinuousVideoStream {
    private var settings: GenerationSettings
    private var revision: Int64
    private var next: (settings: GenerationSettings, revision: Int64)?
    private var seed: UInt64
    private let defaultSteps: Int
    private let format: NativeVideoFormat
    private let cancellation: CancellationToken
    private let stepDelay: TimeInterval
    private var index = 0
    private var pending: [VideoFrame] = []
    private var chunk = -1
    private var chunkSteps = 0

    init(settings: GenerationSettings, revision: Int64, defaultSteps: Int, format: NativeVideoFormat,
         cancellation: CancellationToken, stepDelay: TimeInterval) {
        self.settings = settings
        self.revision = revision
        self.seed = settings.seed
        self.defaultSteps = defaultSteps
        self.format = format
        self.cancellation = cancellation
        self.stepDelay = stepDelay
    }

    var framesPerChunk: Int { PatternEngine.chunkFrames }
    var pendingFrames: Int { pending.count }
    func update(_ settings: GenerationSettings, revision: Int64) { next = (settings, revision) }
    func reseed(_ seed: UInt64) { self.seed = seed }  // frames are made when their chunk is computed

    func nextFrame() throws -> ContinuousFrame {
        var seconds = 0.0
        if pending.isEmpty {
            let start = Date()
            if let next { (settings, revision) = next; self.next = nil }
            chunkSteps = settings.numInferenceSteps > 0 ? settings.numInferenceSteps : defaultSteps
            for _ in 0..<chunkSteps {
                try cancellation.check()
                var left = stepDelay
                while left > 0 {
                    Thread.sleep(forTimeInterval: min(left, 0.005))
                    left -= 0.005
                    try cancellation.check()
                }
            }
            chunk += 1
            let hash = PatternEngine.hash(settings.prompt)
            pending = (0..<PatternEngine.chunkFrames).map { i in
                PatternContinuousStream.frame(promptHash: hash, seed: seed, index: index + i, format: format)
            }
            seconds = max(Date().timeIntervalSince(start), 1e-6)
        }
        let frame = pending.removeFirst()
        index += 1
        return ContinuousFrame(frame: frame, chunk: chunk, revision: revision, steps: chunkSteps,
                               chunkSeconds: seconds)
    }

    static func frame(promptHash: UInt64, seed: UInt64, index: Int, format: NativeVideoFormat) -> VideoFrame {
        let (w, h) = (format.width, format.height)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    rgb[(y * w + x) * 3 + c] = PatternEngine.pixel(promptHash: promptHash, seed: seed, index: index,
                                                                   x: x, y: y, channel: c)
                }
            }
        }
        return VideoFrame(index: index, width: w, height: h, rgb: rgb)
    }
}
