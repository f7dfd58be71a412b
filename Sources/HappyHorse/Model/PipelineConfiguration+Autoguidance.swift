extension PipelineConfiguration {
    /// `pipeline.autoguidance`: the guide's weights (the model's `dit` and `text_encoder` configurations, other
    /// files in the same directory) and the gated combination's scale w and threshold λ.
    public struct Autoguidance: Codable, Sendable, Equatable {
        public var ditWeights: String
        public var textEncoderWeights: String
        /// w: v_g + w·(v − v_g) where the models disagree; 1 = no guidance (the guide is then not loaded).
        public var scale: Float
        /// λ of the gate r⁴ / (r⁴ + λ⁴) on the RMS disagreement r per latent pixel; 0 = guide everywhere.
        public var threshold: Float

        enum CodingKeys: String, CodingKey {
            case scale, threshold
            case ditWeights = "dit_weights", textEncoderWeights = "text_encoder_weights"
        }

        public init(ditWeights: String, textEncoderWeights: String, scale: Float, threshold: Float = 0) {
            self.ditWeights = ditWeights
            self.textEncoderWeights = textEncoderWeights
            self.scale = scale
            self.threshold = threshold
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // scale and threshold read as Double: a number past Float's range becomes inf and is refused by name
            self.init(ditWeights: try c.decode(String.self, forKey: .ditWeights),
                      textEncoderWeights: try c.decode(String.self, forKey: .textEncoderWeights),
                      scale: Float(try c.decode(Double.self, forKey: .scale)),
                      threshold: Float(try c.decodeIfPresent(Double.self, forKey: .threshold) ?? 0))
        }
    }
}
