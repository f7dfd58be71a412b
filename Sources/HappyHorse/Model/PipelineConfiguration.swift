import Foundation

// The `pipeline` section of config.json (docs/design.md "Model directory"): output format, sampler and chunking.

public struct PipelineConfiguration: Codable, Sendable, Equatable {
    public enum SamplerKind: String, Codable, Sendable {
        /// Spec 3.2 re-noising sampler (distilled models).
        case distilled
        /// Rectified-flow Euler with shift (undistilled models, no CFG).
        case euler
    }

    public var fps: Int
    public var width: Int
    public var height: Int
    public var sampler: SamplerKind
    public var numInferenceSteps: Int
    public var shift: Double
    /// Explicit schedule (n+1 values, decreasing, ending in 0); overrides the computed one.
    public var sigmas: [Double]?
    /// Latent frames per generated chunk, including the context frames.
    public var chunkLatentFrames: Int
    /// Latent frames carried over from the previous chunk (continuation conditioning, spec 2.8).
    public var contextLatentFrames: Int
    public var defaultDurationSeconds: Double
    /// Classifier-free guidance scale used when a request asks for 0 ("the model's default"); 1 = no guidance.
    public var guidanceScale: Float
    /// Fraction of a chunk's noise shared by its latent frames (mixed noise prior, `MixedNoise.swift`); 0 = none.
    public var noiseCorrelation: Double
    /// Threshold τ of the static hold over each chunk's sampled latents (`StaticHold.swift`; normalised latent RMS
    /// change per latent pixel); 0 = off.
    public var staticHoldThreshold: Double
    /// Autoguidance by a weaker DiT (`Sampling/Autoguidance.swift`); nil = none.
    public var autoguidance: Autoguidance?
    /// `autoguidance` when it guides (scale > 1): the guide the engine loads and the memory check counts.
    public var activeAutoguidance: Autoguidance? { autoguidance.flatMap { $0.scale > 1 ? $0 : nil } }

    /// `pipeline.autoguidance`: the guide's weights (the model's `dit` and `text_encoder` configurations, other
    /// files in the same directory) and the gated combination's scale w and threshold λ.
    public struct Autoguidance: Codable, Sendable, Equatable {
        public var ditWeights: String
        public var textEncoderWeights: String
        /// w: v_g + w·(v − v_g) where the models disagree; 1 = no guidance (the guide is then not loaded).
        public var scale: Float
        /// λ of the gate r⁴ / (r⁴ + λ⁴) on the RMS disagreement r per latent pixel; 0 = guide everywhere.
        public var threshold: Float

        enum CodingKeys: String, CodingKey {
            case scale, threshold
            case ditWeights = "dit_weights", textEncoderWeights = "text_encoder_weights"
        }

        public init(ditWeights: String, textEncoderWeights: String, scale: Float, threshold: Float = 0) {
            self.ditWeights = ditWeights
            self.textEncoderWeights = textEncoderWeights
            self.scale = scale
            self.threshold = threshold
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // scale and threshold read as Double: a number past Float's range becomes inf and is refused by name
            self.init(ditWeights: try c.decode(String.self, forKey: .ditWeights),
                      textEncoderWeights: try c.decode(String.self, forKey: .textEncoderWeights),
                      scale: Float(try c.decode(Double.self, forKey: .scale)),
                      threshold: Float(try c.decodeIfPresent(Double.self, forKey: .threshold) ?? 0))
        }
    }

    enum CodingKeys: String, CodingKey {
        case fps, width, height, sampler, shift, sigmas
        case numInferenceSteps = "num_inference_steps"
        case chunkLatentFrames = "chunk_latent_frames", contextLatentFrames = "context_latent_frames"
        case defaultDurationSeconds = "default_duration_s"
        case guidanceScale = "guidance_scale"
        case noiseCorrelation = "noise_correlation"
        case staticHoldThreshold = "static_hold_threshold"
        case autoguidance
    }

    public init(fps: Int = 25, width: Int = 256, height: Int = 256, sampler: SamplerKind = .distilled,
                numInferenceSteps: Int = 8, shift: Double = 5.0, sigmas: [Double]? = nil, chunkLatentFrames: Int = 4,
                contextLatentFrames: Int = 1, defaultDurationSeconds: Double = 5.0, guidanceScale: Float = 1.0,
                noiseCorrelation: Double = 0, staticHoldThreshold: Double = 0, autoguidance: Autoguidance? = nil) {
        self.fps = fps
        self.width = width
        self.height = height
        self.sampler = sampler
        self.numInferenceSteps = numInferenceSteps
        self.shift = shift
        self.sigmas = sigmas
        self.chunkLatentFrames = chunkLatentFrames
        self.contextLatentFrames = contextLatentFrames
        self.defaultDurationSeconds = defaultDurationSeconds
        self.guidanceScale = guidanceScale
        self.noiseCorrelation = noiseCorrelation
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidance = autoguidance
    }

    public init(from decoder: Decoder) throws {
        let d = PipelineConfiguration()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(fps: try c.decodeIfPresent(Int.self, forKey: .fps) ?? d.fps,
                  width: try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width,
                  height: try c.decodeIfPresent(Int.self, forKey: .height) ?? d.height,
                  sampler: try c.decodeIfPresent(SamplerKind.self, forKey: .sampler) ?? d.sampler,
                  numInferenceSteps: try c.decodeIfPresent(Int.self, forKey: .numInferenceSteps) ?? d.numInferenceSteps,
                  shift: try c.decodeIfPresent(Double.self, forKey: .shift) ?? d.shift,
                  sigmas: try c.decodeIfPresent([Double].self, forKey: .sigmas),
                  chunkLatentFrames: try c.decodeIfPresent(Int.self, forKey: .chunkLatentFrames) ?? d.chunkLatentFrames,
                  contextLatentFrames: try c.decodeIfPresent(Int.self, forKey: .contextLatentFrames) ?? d.contextLatentFrames,
                  defaultDurationSeconds: try c.decodeIfPresent(Double.self, forKey: .defaultDurationSeconds) ?? d.defaultDurationSeconds,
                  // read as Double: a number past Float's range becomes inf and is refused by validate() by name
                  guidanceScale: try c.decodeIfPresent(Double.self, forKey: .guidanceScale).map { Float($0) } ?? d.guidanceScale,
                  noiseCorrelation: try c.decodeIfPresent(Double.self, forKey: .noiseCorrelation) ?? d.noiseCorrelation,
                  staticHoldThreshold: try c.decodeIfPresent(Double.self, forKey: .staticHoldThreshold) ?? d.staticHoldThreshold,
                  autoguidance: try c.decodeIfPresent(Autoguidance.self, forKey: .autoguidance))
    }

    /// Decodes the `pipeline` object (its JSON bytes) and validates it.
    public static func decode(json: Data) throws -> PipelineConfiguration {
        let config = try decodeConfigSection(PipelineConfiguration.self, from: json, section: "pipeline")
        try config.validate()
        return config
    }

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
    }

    /// The guidance scale a request runs with: its own when > 0, else the model's `guidance_scale` (0 = the model's
    /// default). Either way, a scale ≤ 1 means no guidance.
    public func resolvedGuidanceScale(_ requested: Float) -> Float {
        requested > 0 ? requested : guidanceScale
    }

    /// The static hold threshold a request runs with: its own when ≥ 0 (0 = off), else the model's.
    public func resolvedStaticHoldThreshold(_ requested: Double) -> Double {
        requested >= 0 ? requested : staticHoldThreshold
    }

    /// The schedule this configuration asks for: the explicit `sigmas`, or the shifted grid of spec 3.1.
    public var schedule: [Double] {
        sigmas ?? Sigmas.shifted(steps: numInferenceSteps, shift: shift)
    }
}
