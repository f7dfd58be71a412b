/// Stages reported through the progress callback, in the order they happen.
public enum GenerationStage: String, Sendable {
    case loading, encodingPrompt = "encoding-prompt", denoising, decoding
}
