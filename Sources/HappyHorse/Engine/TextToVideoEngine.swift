/// A loaded text-to-video engine, as the C ABI (and so the element) sees it.
/// `TextToVideoPipeline` is the real implementation; tests of the element glue may supply another.
public protocol TextToVideoEngine: AnyObject, Sendable {
    var nativeFormat: NativeVideoFormat { get }
    /// Name shown in tags and logs (the model's `name` in config.json).
    var modelName: String { get }
    /// The inputs of `resolve(_:)` (TextToVideoEngine+Resolve.swift), which callers use instead:
    /// default number of denoising steps of the loaded model.
    var defaultInferenceSteps: Int { get }
    /// Guidance scale a request of 0 runs with (the model's `pipeline.guidance_scale`; 1 = no guidance).
    var defaultGuidanceScale: Float { get }
    /// Static hold threshold a request of −1 runs with (the model's `pipeline.static_hold_threshold`; 0 = none).
    var defaultStaticHoldThreshold: Double { get }
    /// Autoguidance scale a request of −1 runs with (the model's `pipeline.autoguidance.scale`); 1 = the engine has
    /// no guide (a guide is loaded only when it guides by default).
    var defaultAutoguidanceScale: Float { get }
    /// Number of frames a clip of `durationSeconds` produces (the model's frame rules, e.g. 4(T−1)+1).
    func frameCount(durationSeconds: Double) -> Int
    func startGeneration(_ request: GenerationRequest, cancellation: CancellationToken,
                         progress: @escaping @Sendable (GenerationProgress) -> Void) throws -> any VideoGenerationStream
}
