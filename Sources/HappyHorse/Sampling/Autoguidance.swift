// Autoguidance (Karras et al. 2024, "Guiding a diffusion model with a bad version of itself"), config.json
// `pipeline.autoguidance` (PipelineConfiguration.Autoguidance): at every step a weaker DiT of the same shapes (an
// earlier checkpoint of the same training, with its text encoder) predicts v_g on the same input, and
//   d = v − v_g,  r² = mean over channels of d² (per video latent pixel, per audio row),
//   g = r⁴ / (r⁴ + λ⁴)  (λ = threshold; g = 1 when λ = 0),  v ← v + (w − 1)·g·d  (w = scale).
// With g = 1 this is v_g + w·(v − v_g). The gate leaves the positions where the two models agree (a still
// background, whose small disagreement is noise that guidance would amplify into frame-to-frame flicker) at v and
// takes the full guided velocity where they disagree (the subject). Twin: tools/reference/sampler.py
// `autoguidance_combine`.

public enum Autoguidance {
    /// The guided velocity of video [C, T, h, w] (the gate per latent pixel, over C) or audio [A, ch] (per row,
    /// over ch); `model` and `guide` have the same shape.
    public static func combine(model: Tensor, guide: Tensor, scale: Float, threshold: Float) -> Tensor {
        precondition(model.shape == guide.shape, "autoguidance: \(model.shape) vs \(guide.shape)")
        precondition(model.rank == 4 || model.rank == 2, "autoguidance runs on video [C, T, h, w] or audio [A, ch]")
        var out = model
        let extra = scale - 1
        guard threshold > 0 else {
            for i in 0..<out.count { out.storage[i] = model.storage[i] + extra * (model.storage[i] - guide.storage[i]) }
            return out
        }
        // Video: channel stride T·h·w, positions T·h·w. Audio [A, ch]: channel stride 1, positions A, row stride ch.
        let channels = model.rank == 4 ? model.shape[0] : model.shape[1]
        let positions = model.count / max(1, channels)
        let (channelStride, positionStride) = model.rank == 4 ? (positions, 1) : (1, channels)
        let lambda4 = threshold * threshold * threshold * threshold
        for p in 0..<positions {
            var sumSquares: Float = 0
            for c in 0..<channels {
                let i = p * positionStride + c * channelStride
                let d = model.storage[i] - guide.storage[i]
                sumSquares += d * d
            }
            let r2 = sumSquares / Float(channels)
            let gate = (r2 * r2) / (r2 * r2 + lambda4)
            for c in 0..<channels {
                let i = p * positionStride + c * channelStride
                out.storage[i] = model.storage[i] + extra * gate * (model.storage[i] - guide.storage[i])
            }
        }
        return out
    }
}
