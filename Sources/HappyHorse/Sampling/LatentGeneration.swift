// Latent generation (spec 1.2 sizes, 3.1–3.4 sampling, 2.8 continuation): text embedding + latent shape + sampler
// settings + noise → denoised video latent [C, T, h, w] (and audio latent [A, audio_in]).
//
// Noise order with `.seed` (one NoiseGenerator per call): initial video [C,T,h,w], initial audio [A,audio_in] (when
// A > 0), then for every step whose next sigma is > 0 (distilled only): video ε_i, audio ε_i (when A > 0).
// With A = 0 this is exactly the order of tools/reference/pipeline.py's per-chunk draws.

import Foundation

/// The sampler of a latent generation (spec 3.2, 3.3; Euler for undistilled flow models without UniPC).
public enum LatentSampler: Sendable, Equatable {
    case distilled, euler, uniPC

    public init(_ kind: PipelineConfiguration.SamplerKind) {
        switch kind {
        case .distilled: self = .distilled
        case .euler: self = .euler
        }
    }
}

public struct LatentGenerationRequest: Sendable {
    /// [L, text_in] text embedding (real tokens only; L may be 0).
    public var text: Tensor
    /// [L', text_in] negative-prompt embedding, used when guidanceScale > 1 or a guidance schedule is set (CFG, 3.3).
    public var negativeText: Tensor?
    /// Constant CFG scale for video and audio (1 = no guidance).
    public var guidanceScale: Float
    /// Per-step CFG scales from σ (e.g. `Samplers.magiGuidance`); overrides `guidanceScale` when set.
    public var guidanceSchedule: (@Sendable (Double) -> (video: Float, audio: Float))?
    /// A: audio latent length (0 = no audio tokens, as in the built-in model).
    public var audioLength: Int
    /// T, h, w of the video latent (h and w multiples of the patch).
    public var latentFrames: Int
    public var latentHeight: Int
    public var latentWidth: Int
    public var sampler: LatentSampler
    /// n+1 values ending in 0 (`Sigmas.shifted` or an explicit list).
    public var sigmas: [Double]
    /// [C, K, h, w] clean frames overwriting the first K latent frames (continuation / TI2V), or nil.
    public var conditioningFrames: Tensor?
    /// Autoguidance (`Autoguidance.swift`): the weaker DiT, its [L_g, text_in] text embedding, scale and threshold;
    /// applied to the model's velocity before CFG.
    public var autoguide: LatentAutoguide?

    public init(text: Tensor, negativeText: Tensor? = nil, guidanceScale: Float = 1, audioLength: Int = 0,
                latentFrames: Int, latentHeight: Int, latentWidth: Int,
                sampler: LatentSampler = .distilled,
                sigmas: [Double] = Sigmas.shifted(steps: 8, shift: 5), conditioningFrames: Tensor? = nil,
                guidanceSchedule: (@Sendable (Double) -> (video: Float, audio: Float))? = nil,
                autoguide: LatentAutoguide? = nil) {
        self.text = text
        self.negativeText = negativeText
        self.guidanceScale = guidanceScale
        self.guidanceSchedule = guidanceSchedule
        self.audioLength = audioLength
        self.latentFrames = latentFrames
        self.latentHeight = latentHeight
        self.latentWidth = latentWidth
        self.sampler = sampler
        self.sigmas = sigmas
        self.conditioningFrames = conditioningFrames
        self.autoguide = autoguide
    }
}

/// The guide of a latent generation (pipeline.autoguidance).
public struct LatentAutoguide: @unchecked Sendable {
    public var dit: DiT
    /// [L_g, text_in]: the prompt through the guide's text encoder.
    public var text: Tensor
    public var scale: Float
    public var threshold: Float

    public init(dit: DiT, text: Tensor, scale: Float, threshold: Float) {
        self.dit = dit
        self.text = text
        self.scale = scale
        self.threshold = threshold
    }
}

/// Where the random draws come from.
public enum LatentNoise: Sendable {
    /// A fresh NoiseGenerator(seed), drawn in the documented order.
    case seed(UInt64)
    /// Injected tensors (parity tests): the initial latents and ε_i for each step with σ_{i+1} > 0, in step order.
    case injected(initial: Latents, steps: [Latents])
}

/// One progress report of `LatentGeneration.generate`: step `step` (1-based) of `totalSteps` is done.
public struct LatentGenerationProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var sigma: Double
}

public enum LatentGeneration {
    /// Audio latent length of a clip (spec 1.2): A = fps·seconds + 1 (audio latents run at the video fps).
    public static func audioLength(seconds: Int, fps: Int = 25) -> Int { fps * seconds + 1 }

    /// Video latent frames for an audio length A > 0 (spec 1.2): T = (A − 1)/4 + 1.
    public static func latentFrames(audioLength a: Int) -> Int { (a - 1) / 4 + 1 }

    /// Runs the sampler of the request with `dit` as the denoiser. Checks `cancellation` before every step (and the
    /// DiT checks it before every layer); `progress` is called after every step.
    public static func generate(dit: DiT, request r: LatentGenerationRequest, noise: LatentNoise,
                                cancellation: CancellationToken? = nil,
                                progress: ((LatentGenerationProgress) -> Void)? = nil) throws -> Latents {
        let c = dit.config
        try validate(r, config: c)
        let videoShape = [c.latentChannels, r.latentFrames, r.latentHeight, r.latentWidth]
        let audioShape = [r.audioLength, c.audioInChannels]
        let useCFG = (r.guidanceScale > 1 || r.guidanceSchedule != nil) && r.negativeText != nil

        // Noise: the initial latents now, step noise lazily in step order (same stream order as drawing up front).
        var generator: NoiseGenerator?
        let initial: Latents
        var injectedSteps: [Latents] = []
        switch noise {
        case let .seed(seed):
            var g = NoiseGenerator(seed: seed)
            let video = g.normalTensor(shape: videoShape)
            let audio = g.normalTensor(shape: audioShape)
            initial = Latents(video: video, audio: audio)
            generator = g
        case let .injected(start, steps):
            guard start.video.shape == videoShape, start.audio.shape == audioShape else {
                throw HappyHorseError.invalidArgument(name: "injected noise",
                    reason: "initial shapes \(start.video.shape), \(start.audio.shape); expected \(videoShape), \(audioShape)")
            }
            initial = start
            injectedSteps = steps
        }
        var drawn = 0
        let stepNoise: (Int) throws -> Latents = { step in
            defer { drawn += 1 }
            if var g = generator {
                let video = g.normalTensor(shape: videoShape)  // [C, T, h, w]
                let audio = g.normalTensor(shape: audioShape)  // [A, audio_in]
                generator = g
                return Latents(video: video, audio: audio)
            }
            guard drawn < injectedSteps.count else {
                throw HappyHorseError.invalidArgument(name: "injected noise", reason: "no noise tensor for step \(step)")
            }
            return injectedSteps[drawn]
        }

        let total = r.sigmas.count - 1
        let denoise: DenoiseFunction = { x, step, sigma in
            try cancellation?.check()
            var cond = try dit.forward(video: x.video, audio: x.audio, text: r.text, cancellation: cancellation)
            if let g = r.autoguide {  // the weaker DiT on the same input, then the gated combination
                let weak = try g.dit.forward(video: x.video, audio: x.audio, text: g.text, cancellation: cancellation)
                cond.video = Autoguidance.combine(model: cond.video, guide: weak.video, scale: g.scale, threshold: g.threshold)
                cond.audio = Autoguidance.combine(model: cond.audio, guide: weak.audio, scale: g.scale, threshold: g.threshold)
            }
            guard useCFG, let negative = r.negativeText else { return Latents(video: cond.video, audio: cond.audio) }
            let uncond = try dit.forward(video: x.video, audio: x.audio, text: negative, cancellation: cancellation)
            let scales: (video: Float, audio: Float) = r.guidanceSchedule?(sigma) ?? (r.guidanceScale, r.guidanceScale)
            return Latents(video: Samplers.cfgCombine(uncond: uncond.video, cond: cond.video, scale: scales.video),
                           audio: Samplers.cfgCombine(uncond: uncond.audio, cond: cond.audio, scale: scales.audio))
        }
        let onStep: (Int, Latents) throws -> Void = { step, _ in
            progress?(LatentGenerationProgress(step: step + 1, totalSteps: total, sigma: r.sigmas[step + 1]))
        }
        switch r.sampler {
        case .distilled:
            return try Samplers.distilled(initial: initial, sigmas: r.sigmas, conditioning: r.conditioningFrames,
                                          stepNoise: stepNoise, denoise: denoise, onStep: onStep)
        case .euler:
            return try Samplers.euler(initial: initial, sigmas: r.sigmas, conditioning: r.conditioningFrames,
                                      denoise: denoise, onStep: onStep)
        case .uniPC:
            return try Samplers.uniPC(initial: initial, sigmas: r.sigmas, conditioning: r.conditioningFrames,
                                      denoise: denoise, onStep: onStep)
        }
    }

    static func validate(_ r: LatentGenerationRequest, config c: DiTConfiguration) throws {
        func bad(_ name: String, _ reason: String) -> HappyHorseError { .invalidArgument(name: name, reason: reason) }
        let p = c.patchSize[1]
        guard r.latentFrames > 0, r.latentFrames <= 4096 else { throw bad("latent frames", "\(r.latentFrames) not in 1...4096") }
        guard r.latentHeight > 0, r.latentWidth > 0, r.latentHeight % p == 0, r.latentWidth % p == 0,
              r.latentHeight <= 4096, r.latentWidth <= 4096 else {
            throw bad("latent size", "\(r.latentHeight)×\(r.latentWidth) must be positive multiples of \(p) (≤ 4096)")
        }
        guard r.audioLength >= 0, r.audioLength <= 1 << 20 else { throw bad("audio length", "\(r.audioLength) not in 0...\(1 << 20)") }
        if r.audioLength > 0, r.latentFrames != latentFrames(audioLength: r.audioLength) {
            throw bad("latent frames", "\(r.latentFrames) with audio length \(r.audioLength); spec 1.2 needs T = (A−1)/4 + 1 = "
                + "\(latentFrames(audioLength: r.audioLength))")
        }
        guard r.text.rank == 2, r.text.shape[1] == c.textInChannels else {
            throw bad("text embedding", "shape \(r.text.shape); expected [L, \(c.textInChannels)]")
        }
        if let n = r.negativeText, n.rank != 2 || n.shape[1] != c.textInChannels {
            throw bad("negative text embedding", "shape \(n.shape); expected [L, \(c.textInChannels)]")
        }
        guard r.guidanceScale.isFinite, r.guidanceScale >= 0 else { throw bad("guidance scale", "\(r.guidanceScale)") }
        if let g = r.autoguide {
            guard g.dit.config.latentChannels == c.latentChannels, g.dit.config.patchSize == c.patchSize,
                  g.dit.config.audioInChannels == c.audioInChannels else {
                throw bad("autoguidance DiT", "its latent channels, patch or audio channels differ from the model's")
            }
            guard g.text.rank == 2, g.text.shape[1] == g.dit.config.textInChannels else {
                throw bad("autoguidance text embedding", "shape \(g.text.shape); expected [L, \(g.dit.config.textInChannels)]")
            }
            guard g.scale.isFinite, g.scale >= 1, g.threshold.isFinite, g.threshold >= 0 else {
                throw bad("autoguidance", "scale \(g.scale) must be ≥ 1 and threshold \(g.threshold) ≥ 0")
            }
        }
        try Sigmas.validate(r.sigmas, field: "sigmas")
    }
}
