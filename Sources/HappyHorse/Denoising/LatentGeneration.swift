// Latent generation (spec 1.2 sizes, 3.1–3.4 sampling, 2.8 continuation): text embedding + latent shape + sampler
// settings + noise → denoised video latent [C, T, h, w] (and audio latent [A, audio_in]).
//
// Noise order with `.seed` (one NoiseGenerator per call): initial video [C,T,h,w], initial audio [A,audio_in] (when
// A > 0), then for every step whose next sigma is > 0 (distilled only): video ε_i, audio ε_i (when A > 0).
// With A = 0 this is exactly the order of tools/reference/pipeline.py's per-chunk draws.

import Foundation

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
        var draws = try LatentNoiseDraws(noise, videoShape: [c.latentChannels, r.latentFrames, r.latentHeight, r.latentWidth],
                                         audioShape: [r.audioLength, c.audioInChannels])
        let denoise = denoiser(dit: dit, request: r, cancellation: cancellation)
        let total = r.sigmas.count - 1
        let onStep: (Int, Latents) throws -> Void = { step, _ in
            progress?(LatentGenerationProgress(step: step + 1, totalSteps: total, sigma: r.sigmas[step + 1]))
        }
        switch r.sampler {
        case .distilled:
            return try Samplers.distilled(initial: draws.initial, sigmas: r.sigmas, conditioning: r.conditioningFrames,
                                          stepNoise: { try draws.next(step: $0) }, denoise: denoise, onStep: onStep)
        case .euler:
            return try Samplers.euler(initial: draws.initial, sigmas: r.sigmas, conditioning: r.conditioningFrames,
                                      denoise: denoise, onStep: onStep)
        case .uniPC:
            return try Samplers.uniPC(initial: draws.initial, sigmas: r.sigmas, conditioning: r.conditioningFrames,
                                      denoise: denoise, onStep: onStep)
        }
    }
}
