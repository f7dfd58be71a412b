/// Predicts the velocity of `latents` at step `step` (σ = `sigma`). Throwing (e.g. `.cancelled`) stops the sampler.
public typealias DenoiseFunction = (_ latents: Latents, _ step: Int, _ sigma: Double) throws -> Latents
