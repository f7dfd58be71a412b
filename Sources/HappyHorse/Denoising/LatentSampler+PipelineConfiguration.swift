extension LatentSampler {
    /// The sampler config.json's `pipeline.sampler` names.
    public init(_ kind: PipelineConfiguration.SamplerKind) {
        switch kind {
        case .distilled: self = .distilled
        case .euler: self = .euler
        }
    }
}
