import Foundation

// The `text_encoder` section of config.json (docs/design.md "Built-in model"; tools/reference/text_encoder.py).

public struct TextEncoderConfiguration: Codable, Sendable, Equatable {
    /// Relative paths of the weights and of the tokenizer.json.
    public var weights: String
    public var tokenizer: String
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var normEps: Float
    public var ropeTheta: Float
    /// Attention logit soft-cap (tanh(s/cap)·cap); 0 or absent = none.
    public var attnLogitSoftcap: Float
    /// Rows handed to the DiT at most (the prompt is encoded whole, then trimmed, like spec §1.3's 640).
    public var maxTokens: Int

    enum CodingKeys: String, CodingKey {
        case weights, tokenizer
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numLayers = "num_layers", numHeads = "num_heads"
        case numKVHeads = "num_kv_heads", headDim = "head_dim", intermediateSize = "intermediate_size"
        case normEps = "norm_eps", ropeTheta = "rope_theta", attnLogitSoftcap = "attn_logit_softcap"
        case maxTokens = "max_tokens"
    }

    public init(weights: String = "text_encoder.safetensors", tokenizer: String = "tokenizer.json", vocabSize: Int,
                hiddenSize: Int = 128, numLayers: Int = 2, numHeads: Int = 4, numKVHeads: Int = 2, headDim: Int = 32,
                intermediateSize: Int = 384, normEps: Float = 1e-6, ropeTheta: Float = 10000,
                attnLogitSoftcap: Float = 50, maxTokens: Int = 128) {
        self.weights = weights
        self.tokenizer = tokenizer
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.numKVHeads = numKVHeads
        self.headDim = headDim
        self.intermediateSize = intermediateSize
        self.normEps = normEps
        self.ropeTheta = ropeTheta
        self.attnLogitSoftcap = attnLogitSoftcap
        self.maxTokens = maxTokens
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TextEncoderConfiguration(vocabSize: 0)
        self.init(weights: try c.decodeIfPresent(String.self, forKey: .weights) ?? d.weights,
                  tokenizer: try c.decodeIfPresent(String.self, forKey: .tokenizer) ?? d.tokenizer,
                  vocabSize: try c.decode(Int.self, forKey: .vocabSize),
                  hiddenSize: try c.decode(Int.self, forKey: .hiddenSize),
                  numLayers: try c.decode(Int.self, forKey: .numLayers),
                  numHeads: try c.decode(Int.self, forKey: .numHeads),
                  numKVHeads: try c.decode(Int.self, forKey: .numKVHeads),
                  headDim: try c.decode(Int.self, forKey: .headDim),
                  intermediateSize: try c.decode(Int.self, forKey: .intermediateSize),
                  normEps: try c.decodeIfPresent(Float.self, forKey: .normEps) ?? d.normEps,
                  ropeTheta: try c.decodeIfPresent(Float.self, forKey: .ropeTheta) ?? d.ropeTheta,
                  attnLogitSoftcap: try c.decodeIfPresent(Float.self, forKey: .attnLogitSoftcap) ?? 0,
                  maxTokens: try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens)
    }

    /// Decodes the `text_encoder` object (its JSON bytes) and validates it.
    public static func decode(json: Data) throws -> TextEncoderConfiguration {
        let config = try decodeConfigSection(TextEncoderConfiguration.self, from: json, section: "text_encoder")
        try config.validate()
        return config
    }

    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw HappyHorseError.invalidConfig(field: "text_encoder." + field, reason: reason()) }
        }
        func bounded(_ value: Int, _ field: String, max: Int) throws {
            try check(value > 0 && value <= max, field, "must be in 1...\(max), got \(value)")
        }
        try bounded(vocabSize, "vocab_size", max: 1 << 22)
        try bounded(hiddenSize, "hidden_size", max: 1 << 16)
        try bounded(numLayers, "num_layers", max: 512)
        try bounded(numHeads, "num_heads", max: 1024)
        try bounded(numKVHeads, "num_kv_heads", max: 1024)
        try bounded(headDim, "head_dim", max: 4096)
        try bounded(intermediateSize, "intermediate_size", max: 1 << 20)
        try bounded(maxTokens, "max_tokens", max: 1 << 16)
        try check(numHeads % numKVHeads == 0, "num_kv_heads", "\(numKVHeads) does not divide num_heads \(numHeads)")
        try check(headDim % 2 == 0, "head_dim", "must be even (rotate-half RoPE), got \(headDim)")
        try check(normEps.isFinite && normEps > 0 && normEps < 1, "norm_eps", "must be in (0, 1), got \(normEps)")
        try check(ropeTheta.isFinite && ropeTheta > 1, "rope_theta", "must be > 1, got \(ropeTheta)")
        try check(attnLogitSoftcap.isFinite && attnLogitSoftcap >= 0, "attn_logit_softcap", "must be ≥ 0, got \(attnLogitSoftcap)")
    }
}
