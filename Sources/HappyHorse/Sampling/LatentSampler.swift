/// The sampler of a latent generation (spec 3.2, 3.3; Euler for undistilled flow models without UniPC).
public enum LatentSampler: Sendable, Equatable {
    case distilled, euler, uniPC
}
