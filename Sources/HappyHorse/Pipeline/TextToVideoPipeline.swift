import Foundation

// The engine the element calls: a loaded model directory (tokenizer, text encoder, DiT, video decoder) that turns a
// GenerationRequest into a stream of RGB frames, chunk by chunk. The procedure is tools/reference/pipeline.py's
// (see ClipPlan for the frame and chunk rules, ChunkLoop for the chunks, ClipGenerationStream for one clip).

public final class TextToVideoPipeline: TextToVideoEngine, @unchecked Sendable {
    public let directory: ModelDirectory
    public let tokenizer: Tokenizer
    public let textEncoder: TextEncoder
    public let dit: DiT
    public let decoder: VideoDecoder
    /// The weaker DiT and its text encoder of `pipeline.autoguidance` (nil without it, or with scale 1).
    public let guide: (dit: DiT, textEncoder: TextEncoder)?
    /// What `Runtime.configure` chose (OpenBLAS core, threads).
    public let runtime: Runtime.Report
    let log: (String) -> Void

    /// Reads `<modelDirectory>/config.json`, configures the runtime (OpenBLAS core + `threads`; 0 = all cores) and
    /// loads the three models, each verified for missing, misshapen and unused tensors.
    public init(modelDirectory: URL, threads: Int, log: @escaping (String) -> Void) throws {
        let started = Date()
        let dir = try ModelDirectory(url: modelDirectory)
        try MemoryBudget.check(dir)   // before any weight is touched
        directory = dir
        self.log = log
        runtime = Runtime.configure(threads: threads, log: log)
        let te = dir.textEncoder
        tokenizer = try HappyHorseError.withContext("loading tokenizer") { try Tokenizer(contentsOf: dir.file(te.tokenizer)) }
        guard tokenizer.size <= te.vocabSize else {
            throw HappyHorseError.context("loading tokenizer", .invalidConfig(field: "text_encoder.vocab_size",
                reason: "\(te.vocabSize) is smaller than the tokenizer's \(tokenizer.size) ids"))
        }
        textEncoder = try HappyHorseError.withContext("loading text encoder") {
            try TextEncoder(configuration: te, url: dir.file(te.weights))
        }
        dit = try DiT(config: dir.dit, checkpoint: dir.file(dir.dit.weights ?? "dit.safetensors"))
        decoder = try HappyHorseError.withContext("loading video decoder") {
            try VideoDecoder(configuration: dir.vae, url: dir.file(dir.vae.weights))
        }
        if let a = dir.pipeline.activeAutoguidance {
            let guideEncoder = try HappyHorseError.withContext("loading autoguidance text encoder") {
                try TextEncoder(configuration: te, url: dir.file(a.textEncoderWeights))
            }
            let guideDiT = try HappyHorseError.withContext("loading autoguidance DiT") {
                try DiT(config: dir.dit, checkpoint: dir.file(a.ditWeights))
            }
            guide = (guideDiT, guideEncoder)
        } else {
            guide = nil
        }
        log(String(format: "happyhorse: loaded model '%@' from %@ in %.2f s (%dx%d @ %d fps, %@ sampler, %d steps)",
                   dir.name, modelDirectory.path, Date().timeIntervalSince(started), dir.pipeline.width,
                   dir.pipeline.height, dir.pipeline.fps, dir.pipeline.sampler.rawValue, dir.pipeline.numInferenceSteps))
    }

    // MARK: TextToVideoEngine

    public var nativeFormat: NativeVideoFormat {
        NativeVideoFormat(width: directory.pipeline.width, height: directory.pipeline.height,
                          framesPerSecond: directory.pipeline.fps)
    }

    public var modelName: String { directory.name }

    public var defaultInferenceSteps: Int { directory.pipeline.numInferenceSteps }

    public var defaultGuidanceScale: Float { directory.pipeline.guidanceScale }
    public var defaultStaticHoldThreshold: Double { directory.pipeline.staticHoldThreshold }
    /// The model's `pipeline.autoguidance.scale` when its guide is loaded (scale > 1), else 1.
    public var defaultAutoguidanceScale: Float { guide == nil ? 1 : directory.pipeline.activeAutoguidance?.scale ?? 1 }

    /// max(1, round(duration · fps)): the stream returns exactly this many frames (ClipPlan).
    public func frameCount(durationSeconds: Double) -> Int {
        ClipPlan.frameCount(durationSeconds: durationSeconds, fps: directory.pipeline.fps)
    }

    /// Encodes the prompt (and, with CFG, the negative prompt) now; the chunks are computed by `nextFrame()`.
    public func startGeneration(_ request: GenerationRequest, cancellation: CancellationToken,
                                progress: @escaping @Sendable (GenerationProgress) -> Void) throws -> any VideoGenerationStream {
        try ClipGenerationStream(pipeline: self, request: request.validated(), cancellation: cancellation, progress: progress)
    }
}
