extension PipelineConfiguration {
    /// `pipeline.sampler`.
    public enum SamplerKind: String, Codable, Sendable {
        /// Spec 3.2 re-noising sampler (distilled models).
        case distilled
        /// Rectified-flow Euler with shift (undistilled models, no CFG).
        case euler
    }
}
