import Foundation

// The `pipeline` section of config.json (docs/design.md "Model directory"): output format, sampler and chunking.
// Every key of the section is a field here (decoded in PipelineConfiguration+Decoding.swift, checked in
// PipelineConfiguration+Validation.swift).

public struct PipelineConfiguration: Codable, Sendable, Equatable {
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
    /// `supports_cfg` (default true): whether a guidance scale > 1 may run classifier-free guidance.
    public var supportsCFG: Bool
    /// `decode_lookahead` (default 1, 0...8): latent frames of right context each decoded frame waits for.
    public var decodeLookahead: Int
    /// Fraction of a chunk's noise shared by its latent frames (mixed noise prior, `MixedNoise.swift`); 0 = none.
    public var noiseCorrelation: Double
    /// Threshold τ of the static hold over each chunk's sampled latents (`StaticHold.swift`; normalised latent RMS
    /// change per latent pixel); 0 = off.
    public var staticHoldThreshold: Double
    /// Autoguidance by a weaker DiT (`Sampling/Autoguidance.swift`); nil = none.
    public var autoguidance: Autoguidance?
    /// `autoguidance` when it guides (scale > 1): the guide the engine loads and the memory check counts.
    public var activeAutoguidance: Autoguidance? { autoguidance.flatMap { $0.scale > 1 ? $0 : nil } }

    enum CodingKeys: String, CodingKey {
        case fps, width, height, sampler, shift, sigmas
        case numInferenceSteps = "num_inference_steps"
        case chunkLatentFrames = "chunk_latent_frames", contextLatentFrames = "context_latent_frames"
        case defaultDurationSeconds = "default_duration_s"
        case guidanceScale = "guidance_scale"
        case supportsCFG = "supports_cfg"
        case decodeLookahead = "decode_lookahead"
        case noiseCorrelation = "noise_correlation"
        case staticHoldThreshold = "static_hold_threshold"
        case autoguidance
    }

    public init(fps: Int = 25, width: Int = 256, height: Int = 256, sampler: SamplerKind = .distilled,
                numInferenceSteps: Int = 8, shift: Double = 5.0, sigmas: [Double]? = nil, chunkLatentFrames: Int = 4,
                contextLatentFrames: Int = 1, defaultDurationSeconds: Double = 5.0, guidanceScale: Float = 1.0,
                supportsCFG: Bool = true, decodeLookahead: Int = 1, noiseCorrelation: Double = 0,
                staticHoldThreshold: Double = 0, autoguidance: Autoguidance? = nil) {
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
        self.supportsCFG = supportsCFG
        self.decodeLookahead = decodeLookahead
        self.noiseCorrelation = noiseCorrelation
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidance = autoguidance
    }

    /// Decodes the `pipeline` object (its JSON bytes) and validates it.
    public static func decode(json: Data) throws -> PipelineConfiguration {
        let config = try decodeConfigSection(PipelineConfiguration.self, from: json, section: "pipeline")
        try config.validate()
        return config
    }

    /// The schedule this configuration asks for: the explicit `sigmas`, or the shifted grid of spec 3.1.
    public var schedule: [Double] {
        sigmas ?? Sigmas.shifted(steps: numInferenceSteps, shift: shift)
    }

    /// The schedule of a generation with `steps` steps: `schedule` for the model's own step count, else the shifted
    /// grid of that many steps.
    public func schedule(steps: Int) -> [Double] {
        (sigmas != nil && steps == numInferenceSteps) ? schedule : Sigmas.shifted(steps: steps, shift: shift)
    }
}
