// What the chunks of a generation are made with while its settings hold: the settings resolved for the pipeline
// (`TextToVideoEngine.resolve`), the sigma schedule and the text embeddings the DiT and the autoguidance guide read.
// A live stream builds the next recipe from the one in force, re-encoding only the texts whose words changed; the
// warnings about settings the model ignores are logged once, when a generation starts.

struct ChunkRecipe {
    let settings: ResolvedGenerationSettings
    /// n+1 values ending in 0.
    let sigmas: [Double]
    /// [L, text_in]: the prompt through the model's text encoder.
    let text: Tensor
    /// [L', text_in]: the negative prompt, while CFG runs (guidance > 1 and `pipeline.supports_cfg`).
    let negativeText: Tensor?
    /// [L_g, text_in]: the prompt through the guide's text encoder, while autoguidance runs.
    let guideText: Tensor?

    /// Denoising steps per chunk.
    var steps: Int { sigmas.count - 1 }

    /// The recipe of `requested`; `previous` (a live stream's recipe in force) lends the embeddings of unchanged texts.
    init(_ requested: GenerationSettings, pipeline: TextToVideoPipeline, continuing previous: ChunkRecipe? = nil) throws {
        let s = pipeline.resolve(requested)
        settings = s
        sigmas = Self.sigmas(for: requested, pipeline: pipeline)
        if let previous, previous.settings.prompt == s.prompt {
            text = previous.text
        } else {
            text = try pipeline.encodePromptLoggingUnknownWords(s.prompt)
        }
        if previous == nil, requested.autoguidanceScale > 1, pipeline.guide == nil {
            pipeline.log("happyhorse: model has no autoguidance guide; autoguidance-scale ignored")
        }
        guideText = s.autoguidanceScale <= 1 ? nil
            : try Self.reuse(previous?.guideText, encodedFrom: previous?.settings.prompt, for: s.prompt) {
                try pipeline.encodeGuidePrompt(s.prompt)
            }
        if s.guidanceScale > 1, pipeline.directory.pipeline.supportsCFG {
            negativeText = try Self.reuse(previous?.negativeText, encodedFrom: previous?.settings.negativePrompt,
                                          for: s.negativePrompt) { try pipeline.encodePrompt(s.negativePrompt).embedding }
        } else {
            if previous == nil, s.guidanceScale > 1 {
                pipeline.log("happyhorse: model does not support guidance; guidance-scale ignored")
            }
            negativeText = nil
        }
    }

    /// The sigma schedule `requested` runs with (known before any text is encoded).
    static func sigmas(for requested: GenerationSettings, pipeline: TextToVideoPipeline) -> [Double] {
        pipeline.directory.pipeline.schedule(steps: pipeline.resolve(requested).numInferenceSteps)
    }

    /// `kept` when it was encoded from `text`, else `encode()`.
    private static func reuse(_ kept: Tensor?, encodedFrom keptText: String?, for text: String,
                              encode: () throws -> Tensor?) rethrows -> Tensor? {
        if let kept, keptText == text { return kept }
        return try encode()
    }

    /// "CFG s" or "no CFG", then ", autoguidance w (threshold λ)" while the guide runs: for a generation's log line.
    func guidanceSummary(_ pipeline: TextToVideoPipeline) -> String {
        let cfg = negativeText != nil ? "CFG \(settings.guidanceScale)" : "no CFG"
        guard guideText != nil, let a = pipeline.directory.pipeline.autoguidance else { return cfg }
        return cfg + ", autoguidance \(settings.autoguidanceScale) (threshold \(a.threshold))"
    }
}
