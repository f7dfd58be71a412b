/// Where the random draws of a latent generation come from.
public enum LatentNoise: Sendable {
    /// A fresh NoiseGenerator(seed), drawn in the documented order.
    case seed(UInt64)
    /// Injected tensors (parity tests): the initial latents and ε_i for each step with σ_{i+1} > 0, in step order.
    case injected(initial: Latents, steps: [Latents])
}
