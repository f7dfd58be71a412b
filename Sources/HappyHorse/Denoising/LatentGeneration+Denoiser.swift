// The denoise closure of a latent generation: the DiT's velocity, gated by the autoguidance guide's, then CFG.

extension LatentGeneration {
    /// The velocity of `dit` (and the request's guide and negative prompt) at each step, checking `cancellation`
    /// before every call (and the DiT before every layer).
    static func denoiser(dit: DiT, request r: LatentGenerationRequest, cancellation: CancellationToken?) -> DenoiseFunction {
        let useCFG = r.usesCFG
        return { x, step, sigma in
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
    }
}
