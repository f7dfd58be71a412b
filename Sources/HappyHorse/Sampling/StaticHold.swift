// Static hold (docs/design.md "Static hold"; tools/reference/pipeline.py `static_hold`): a motion-adaptive recursive
// filter over a chunk's sampled latent frames, config.json `pipeline.static_hold_threshold` τ (0 = off).
//   y₀ = x₀;  for t ≥ 1, per latent pixel (i, j):  d = x_t − y_{t−1},  a² = mean over C of d² (a: the RMS change),
//   g = a⁴ / (a⁴ + τ⁴),  y_t = y_{t−1} + g·d.
// The fourth power makes the gate steep: a change of a = τ/5 passes at 0.16% (a² / (a² + τ²) would pass 3.8%), so
// the held value does not creep, which the decoder and 8-bit rounding would show as flicker.
// The DiT's frame-to-frame jitter on a still background (well below τ) is held; a moving subject (well above τ)
// passes almost unchanged; a slow drift builds up against the held value until it passes. Frame 0 of a later chunk
// is its continuation context (the previous chunk's held last frame), so the hold carries across chunks.

public enum StaticHold {
    /// The held latents of one chunk, [C, K, h, w] → [C, K, h, w]. `threshold` ≤ 0 returns `latents` unchanged.
    public static func apply(_ latents: Tensor, threshold: Double) -> Tensor {
        precondition(latents.rank == 4, "the static hold runs on one chunk's latents, [C, K, h, w]")
        guard threshold > 0 else { return latents }
        let (channels, frames, plane) = (latents.shape[0], latents.shape[1], latents.shape[2] * latents.shape[3])
        let tau4 = Float(threshold * threshold * threshold * threshold)
        var held = latents
        var meanSquare = [Float](repeating: 0, count: plane)  // a² per latent pixel of frame t, [h·w]
        for t in 1..<max(1, frames) {
            for i in 0..<plane { meanSquare[i] = 0 }
            for c in 0..<channels {
                let now = (c * frames + t) * plane, before = now - plane  // [c, t, :, :] and [c, t−1, :, :]
                for i in 0..<plane {
                    let d = latents.storage[now + i] - held.storage[before + i]
                    meanSquare[i] += d * d
                }
            }
            for i in 0..<plane { meanSquare[i] /= Float(channels) }
            for c in 0..<channels {
                let now = (c * frames + t) * plane, before = now - plane
                for i in 0..<plane {
                    let a4 = meanSquare[i] * meanSquare[i]
                    let d = latents.storage[now + i] - held.storage[before + i]
                    held.storage[now + i] = held.storage[before + i] + (a4 / (a4 + tau4)) * d
                }
            }
        }
        return held
    }
}
