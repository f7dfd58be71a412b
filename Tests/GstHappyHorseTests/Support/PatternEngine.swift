import Foundation
import HappyHorse

/// A deterministic stand-in for the text-to-video engine, used to test the element glue before (or without) a
/// real model. It lives only in the test target and is installed through `EngineFactory.override`.
///
/// Frames: packed RGB at 64×48, 25 fps; every byte depends on (prompt, seed, frame index, x, y, channel), so
/// checksums tell prompts, seeds and frames apart. Generation mimics the real engine's chunking: chunks of
/// `chunkFrames` frames, each preceded by `steps` denoising progress reports (and the prompt encoding before
/// the first chunk), with an optional per-step delay that polls the cancellation token.
final class PatternEngine: TextToVideoEngine, @unchecked Sendable {
    static let format = NativeVideoFormat(width: 64, height: 48, framesPerSecond: 25)
    static let chunkFrames = 4

    /// Seconds each denoising step takes; tests of cancellation raise it. Read when a generation starts.
    nonisolated(unsafe) static var stepDelay: TimeInterval = 0

    let nativeFormat = PatternEngine.format
    let modelName = "pattern-test-engine"
    let defaultInferenceSteps = 4
    /// Not 1, so that tests can tell the resolved default from the property's 0.
    let defaultGuidanceScale: Float = 2.5
    let defaultStaticHoldThreshold = 0.25  // reported only: the pattern has no latents to hold

    func frameCount(durationSeconds: Double) -> Int {
        max(1, Int((durationSeconds * Double(nativeFormat.framesPerSecond)).rounded()))
    }

    func startGeneration(_ request: GenerationRequest, cancellation: CancellationToken,
                         progress: @escaping @Sendable (GenerationProgress) -> Void) throws -> any VideoGenerationStream {
        guard request.durationSeconds > 0 else {
            throw HappyHorseError.invalidArgument(name: "duration", reason: "must be > 0")
        }
        let steps = request.settings.numInferenceSteps > 0 ? request.settings.numInferenceSteps : defaultInferenceSteps
        return PatternStream(request: request, steps: steps, totalFrames: frameCount(durationSeconds: request.durationSeconds),
                             format: nativeFormat, cancellation: cancellation, progress: progress,
                             stepDelay: PatternEngine.stepDelay)
    }

    /// The byte the pattern engine writes at (x, y, channel) of frame `index`.
    static func pixel(promptHash: UInt64, seed: UInt64, index: Int, x: Int, y: Int, channel: Int) -> UInt8 {
        var h = promptHash ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        h = h &+ UInt64(index &* 7 &+ x &* 3 &+ y &* 5 &+ channel &* 71)
        h ^= h >> 29
        return UInt8(truncatingIfNeeded: h &+ UInt64(x + 2 * y + 9 * index))
    }

    /// FNV-1a of the prompt (stable across runs, unlike Hasher).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

final class PatternStream: VideoGenerationStream {
    let totalFrames: Int
    private let request: GenerationRequest
    private let steps: Int
    private let format: NativeVideoFormat
    private let cancellation: CancellationToken
    private let progress: @Sendable (GenerationProgress) -> Void
    private let stepDelay: TimeInterval
    private let promptHash: UInt64
    private let started = Date()
    private var next = 0
    private var decodedUpTo = 0   // frames [0, decodedUpTo) are "decoded"

    init(request: GenerationRequest, steps: Int, totalFrames: Int, format: NativeVideoFormat,
         cancellation: CancellationToken, progress: @escaping @Sendable (GenerationProgress) -> Void,
         stepDelay: TimeInterval) {
        self.request = request
        self.steps = steps
        self.totalFrames = totalFrames
        self.format = format
        self.cancellation = cancellation
        self.progress = progress
        self.stepDelay = stepDelay
        self.promptHash = PatternEngine.hash(request.settings.prompt)
    }

    private var chunkCount: Int { (totalFrames + PatternEngine.chunkFrames - 1) / PatternEngine.chunkFrames }

    private func report(_ stage: GenerationStage, step: Int) {
        let total = steps * chunkCount
        let elapsed = Date().timeIntervalSince(started)
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        progress(GenerationProgress(stage: stage, step: step, totalSteps: total, elapsedSeconds: elapsed, etaSeconds: eta))
    }

    private func wait(_ seconds: TimeInterval) throws {
        try cancellation.check()
        var left = seconds
        while left > 0 {
            let slice = min(left, 0.01)
            Thread.sleep(forTimeInterval: slice)
            left -= slice
            try cancellation.check()
        }
    }

    func nextFrame() throws -> VideoFrame? {
        guard next < totalFrames else { return nil }
        if next >= decodedUpTo {
            let chunk = next / PatternEngine.chunkFrames
            if chunk == 0 { report(.encodingPrompt, step: 0) }
            for s in 1...steps {
                try wait(stepDelay)
                report(.denoising, step: chunk * steps + s)
            }
            report(.decoding, step: (chunk + 1) * steps)
            decodedUpTo = min(totalFrames, decodedUpTo + PatternEngine.chunkFrames)
        }
        try cancellation.check()
        let w = format.width, h = format.height
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    rgb[(y * w + x) * 3 + c] = PatternEngine.pixel(promptHash: promptHash, seed: request.settings.seed,
                                                                   index: next, x: x, y: y, channel: c)
                }
            }
        }
        defer { next += 1 }
        return VideoFrame(index: next, width: w, height: h, rgb: rgb)
    }
}
