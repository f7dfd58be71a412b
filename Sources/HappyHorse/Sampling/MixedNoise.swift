// Mixed noise prior (docs/design.md "Noise"): noise shared across a chunk's latent frames to a fraction ρ,
// config.json `pipeline.noise_correlation` (the built-in model is trained with the same draws, flow.objective.mixed_noise in tools/).
//   ε = √ρ · shared + √(1−ρ) · own,  own [C, K, h, w] drawn first, then shared [C, 1, h, w] broadcast over K.
// Every element stays a standard normal; two frames of a chunk correlate by ρ. ρ = 0 draws `own` alone, so models
// without the field keep their streams.

extension NoiseGenerator {
    /// A [C, K, h, w] noise tensor whose frames share the fraction `correlation` (ρ ∈ [0, 1]) of their noise.
    public mutating func mixedNormalTensor(shape: [Int], correlation: Double) -> Tensor {
        precondition(shape.count == 4, "mixed noise is drawn per chunk, [C, K, h, w]")
        var own = normalTensor(shape: shape)  // [C, K, h, w]
        guard correlation > 0 else { return own }
        let (channels, frames, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let shared = normals(count: channels * plane)  // [C, 1, h, w]
        let a = Float(correlation.squareRoot()), b = Float((1 - correlation).squareRoot())
        for c in 0..<channels {
            for k in 0..<frames {
                let base = (c * frames + k) * plane
                for i in 0..<plane {
                    own.storage[base + i] = a * shared[c * plane + i] + b * own.storage[base + i]
                }
            }
        }
        return own
    }
}
