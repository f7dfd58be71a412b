// Range checks of the `pipeline` section; each failure names its field.

extension PipelineConfiguration {
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw HappyHorseError.invalidConfig(field: "pipeline." + field, reason: reason()) }
        }
        try check(fps > 0 && fps <= 1000, "fps", "must be in 1...1000, got \(fps)")
        try check(width > 0 && width <= 16384, "width", "must be in 1...16384, got \(width)")
        try check(height > 0 && height <= 16384, "height", "must be in 1...16384, got \(height)")
        try check(numInferenceSteps > 0 && numInferenceSteps <= 1000, "num_inference_steps", "must be in 1...1000, got \(numInferenceSteps)")
        try check(shift.isFinite && shift > 0 && shift <= 1000, "shift", "must be in (0, 1000], got \(shift)")
        if let sigmas {
            try Sigmas.validate(sigmas, field: "pipeline.sigmas")
        }
        try check(chunkLatentFrames > 0 && chunkLatentFrames <= 4096, "chunk_latent_frames", "must be in 1...4096, got \(chunkLatentFrames)")
        try check(contextLatentFrames >= 0 && contextLatentFrames < chunkLatentFrames, "context_latent_frames",
                  "must be in 0..<chunk_latent_frames (\(chunkLatentFrames)), got \(contextLatentFrames)")
        try check(defaultDurationSeconds.isFinite && defaultDurationSeconds > 0 && defaultDurationSeconds <= 3600,
                  "default_duration_s", "must be in (0, 3600], got \(defaultDurationSeconds)")
        try check(guidanceScale.isFinite && guidanceScale >= 0 && guidanceScale <= 100, "guidance_scale",
                  "must be in [0, 100], got \(guidanceScale)")
        try check(noiseCorrelation.isFinite && noiseCorrelation >= 0 && noiseCorrelation <= 1, "noise_correlation",
                  "must be in [0, 1], got \(noiseCorrelation)")
        try check(staticHoldThreshold.isFinite && staticHoldThreshold >= 0 && staticHoldThreshold <= 100, "static_hold_threshold",
                  "must be in [0, 100] (0 = off), got \(staticHoldThreshold)")
        if let a = autoguidance {
            try check(a.scale.isFinite && a.scale >= 1 && a.scale <= 100, "autoguidance.scale",
                      "must be in [1, 100] (1 = no guidance), got \(a.scale)")
            try check(a.threshold.isFinite && a.threshold >= 0 && a.threshold <= 100, "autoguidance.threshold",
                      "must be in [0, 100] (0 = guide every latent pixel), got \(a.threshold)")
            try check(!a.ditWeights.isEmpty && !a.textEncoderWeights.isEmpty, "autoguidance",
                      "needs dit_weights and text_encoder_weights (files in the model directory)")
        }
        try check((0...8).contains(decodeLookahead), "decode_lookahead", Self.lookaheadRule(decodeLookahead))
    }
}
