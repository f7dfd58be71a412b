/// The guide of a latent generation (pipeline.autoguidance).
public struct LatentAutoguide: @unchecked Sendable {
    public var dit: DiT
    /// [L_g, text_in]: the prompt through the guide's text encoder.
    public var text: Tensor
    public var scale: Float
    public var threshold: Float

    public init(dit: DiT, text: Tensor, scale: Float, threshold: Float) {
        self.dit = dit
        self.text = text
        self.scale = scale
        self.threshold = threshold
    }
}
