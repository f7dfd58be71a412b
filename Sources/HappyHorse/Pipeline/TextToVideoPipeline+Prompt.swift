// The prompt side of the pipeline: the tokenizer's ids through the text encoder (or the autoguidance guide's).

extension TextToVideoPipeline {
    /// Most tokens the text encoder sees: 8 × max_tokens (1024 for max_tokens 128).
    public var encodedTokenLimit: Int { 8 * directory.textEncoder.maxTokens }

    /// The prompt through the autoguidance guide's text encoder ([L, text_in]), or nil without a guide.
    public func encodeGuidePrompt(_ text: String) throws -> Tensor? {
        guard let guide else { return nil }
        return try encodePrompt(text, encoder: guide.textEncoder).embedding
    }

    /// [L, text_in] rows for the DiT (the known words, trimmed to `max_tokens`; L may be 0) and the unknown words.
    /// `encoder` (default the model's) turns the tokenizer's ids into rows: the guide's for autoguidance.
    public func encodePrompt(_ text: String, encoder: TextEncoder? = nil) throws -> (embedding: Tensor, unknown: [String]) {
        var (ids, unknown) = tokenizer.encode(text)
        // The encoder attends over every token (O(L²), not cancellable), so an enormous prompt would stall the
        // streaming thread for minutes: encode at most `encodedTokenLimit` tokens. Prompts up to that length give
        // exactly the reference's result (it encodes all tokens, then keeps max_tokens rows).
        let limit = encodedTokenLimit
        if ids.count > limit {
            log("happyhorse: prompt has \(ids.count) known words; only the first \(limit) are encoded "
                + "(the model uses \(directory.textEncoder.maxTokens))")
            ids.removeSubrange(limit...)
        }
        if unknown.count > 64 { unknown = Array(unknown.prefix(64)) + ["… (\(unknown.count - 64) more)"] }
        let hidden = try (encoder ?? textEncoder)(ids)  // [L, H]
        let rows = min(hidden.shape[0], directory.textEncoder.maxTokens)
        return (rows == hidden.shape[0] ? hidden : hidden.rows(0..<rows), unknown)  // [min(L, max_tokens), H]
    }

    /// The prompt's [L, text_in] rows for the DiT; its unknown words are logged.
    func encodePromptLoggingUnknownWords(_ text: String) throws -> Tensor {
        let (embedding, unknown) = try encodePrompt(text)
        if !unknown.isEmpty { log("happyhorse: unknown words ignored: \(unknown.joined(separator: " "))") }
        return embedding
    }
}
