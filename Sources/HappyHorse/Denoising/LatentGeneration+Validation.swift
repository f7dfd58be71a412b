// Checks of a LatentGenerationRequest against the DiT it runs on, before any step.

extension LatentGeneration {
    /// Throws `invalidArgument` naming what does not fit (sizes, embeddings, the guide) or `invalidConfig` for the sigmas.
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
