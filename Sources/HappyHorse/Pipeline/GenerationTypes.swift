import Foundation

/// What the caller (the element, a CLI, a test) asks for. Values are validated by `validated()`.
public struct GenerationRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    /// The seed actually used; callers that want a random seed draw it before building the request.
    public var seed: UInt64
    /// 0 = the model's default.
    public var numInferenceSteps: Int
    /// Classifier-free guidance scale; 0 = the model's default (config.json `pipeline.guidance_scale`, 1.0 when
    /// absent), (0, 1] = no guidance, > 1 = CFG at that scale.
    public var guidanceScale: Float
    /// Clip length in seconds of video at the model's frame rate.
    public var durationSeconds: Double
    /// Threshold of the static hold over sampled latents (`StaticHold.swift`); negative = the model's
    /// (`pipeline.static_hold_threshold`), 0 = off.
    public var staticHoldThreshold: Double
    /// Autoguidance scale (`Autoguidance.swift`); negative = the model's (`pipeline.autoguidance.scale`), ≤ 1 = off
    /// (one DiT pass per step), > 1 = that scale (with the model's guide and threshold; none without a guide).
    public var autoguidanceScale: Float

    public init(prompt: String, negativePrompt: String = "", seed: UInt64 = 42, numInferenceSteps: Int = 0,
                guidanceScale: Float = 0, durationSeconds: Double = 5.0, staticHoldThreshold: Double = -1,
                autoguidanceScale: Float = -1) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.durationSeconds = durationSeconds
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidanceScale = autoguidanceScale
    }
}

/// Stages reported through the progress callback, in the order they happen.
public enum GenerationStage: String, Sendable {
    case loading, encodingPrompt = "encoding-prompt", denoising, decoding
}

/// One progress report. `step`/`totalSteps` count denoising steps over the whole clip (all chunks).
public struct GenerationProgress: Sendable {
    public var stage: GenerationStage
    public var step: Int
    public var totalSteps: Int
    public var elapsedSeconds: Double
    public var etaSeconds: Double
    public init(stage: GenerationStage, step: Int, totalSteps: Int, elapsedSeconds: Double, etaSeconds: Double) {
        self.stage = stage
        self.step = step
        self.totalSteps = totalSteps
        self.elapsedSeconds = elapsedSeconds
        self.etaSeconds = etaSeconds
    }
}

/// One decoded frame: packed RGB, 8 bits per channel, `width * 3` bytes per row, no padding.
public struct VideoFrame: Sendable {
    public var index: Int
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]
    public init(index: Int, width: Int, height: Int, rgb: [UInt8]) {
        self.index = index
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}

/// Native output format of a loaded model.
public struct NativeVideoFormat: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    public init(width: Int, height: Int, framesPerSecond: Int) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }
}

/// A thread-safe cancellation flag, checked between denoising steps and inside long loops (per layer).
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    public init() {}
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    public func reset() { lock.lock(); cancelled = false; lock.unlock() }
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
    /// Throws `HappyHorseError.cancelled` when cancelled.
    public func check() throws { if isCancelled { throw HappyHorseError.cancelled } }
}

extension TextToVideoEngine {
    /// Engines without autoguidance.
    public var defaultAutoguidanceScale: Float { 1 }
}

/// A loaded text-to-video engine, as the C ABI (and so the element) sees it.
/// `TextToVideoPipeline` is the real implementation; tests of the element glue may supply another.
public protocol TextToVideoEngine: AnyObject, Sendable {
    var nativeFormat: NativeVideoFormat { get }
    /// Name shown in tags and logs (the model's `name` in config.json).
    var modelName: String { get }
    /// Default number of denoising steps of the loaded model.
    var defaultInferenceSteps: Int { get }
    /// Guidance scale a request of 0 runs with (the model's `pipeline.guidance_scale`; 1 = no guidance).
    var defaultGuidanceScale: Float { get }
    /// Static hold threshold a request of −1 runs with (the model's `pipeline.static_hold_threshold`; 0 = none).
    var defaultStaticHoldThreshold: Double { get }
    /// Autoguidance scale a request of −1 runs with (the model's `pipeline.autoguidance.scale`; 1 = none).
    var defaultAutoguidanceScale: Float { get }
    /// Number of frames a clip of `durationSeconds` produces (the model's frame rules, e.g. 4(T−1)+1).
    func frameCount(durationSeconds: Double) -> Int
    func startGeneration(_ request: GenerationRequest, cancellation: CancellationToken,
                         progress: @escaping @Sendable (GenerationProgress) -> Void) throws -> any VideoGenerationStream
}

/// One running generation. `nextFrame()` computes on the caller's thread, chunk by chunk; nil after the last frame.
public protocol VideoGenerationStream: AnyObject {
    var totalFrames: Int { get }
    func nextFrame() throws -> VideoFrame?
}
