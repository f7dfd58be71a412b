import Foundation

// The DiT's tensors under the MagiHuman checkpoint keys (spec 4.2). Each key string appears once, beside the
// property it fills; shapes come from the configuration, and the WeightStore checks missing / shape / unused.

/// A per-expert set of linear weights (1 entry in shared layers, 3 in multimodal-expert layers).
public struct ExpertLinear: @unchecked Sendable {
    public var experts: [LinearWeight]

    /// Takes `key` with shape [experts·out, in] and splits it into row blocks.
    init(_ store: WeightStore, _ key: String, experts: Int, out: Int, in inFeatures: Int) throws {
        let stacked = try store.linear(key, shape: [experts * out, inFeatures])  // [E·out, in]
        self.experts = (0..<experts).map { stacked.expertBlock($0, of: experts) }  // E × [out, in]
    }

    func callAsFunction(_ e: Int) -> LinearWeight { experts[experts.count == 1 ? 0 : e] }
}

/// Per-expert RMSNorm offsets (scale 1 + w).
public struct ExpertNorm: Sendable {
    public var experts: [Tensor]

    init(_ store: WeightStore, _ key: String, experts: Int, dim: Int) throws {
        let stacked = try store.tensor(key, shape: [experts * dim])  // [E·dim]
        self.experts = (0..<experts).map { stacked.expertBlock($0, of: experts) }  // E × [dim]
    }

    func callAsFunction(_ e: Int) -> Tensor { experts[experts.count == 1 ? 0 : e] }
}

public struct DiTLayerWeights: @unchecked Sendable {
    public var experts: Int
    public var gelu7: Bool
    public var attentionPreNorm: ExpertNorm
    public var qkv: ExpertLinear
    public var qNorm: ExpertNorm
    public var kNorm: ExpertNorm
    public var proj: ExpertLinear
    public var mlpPreNorm: ExpertNorm
    public var upGate: ExpertLinear
    public var down: ExpertLinear

    init(_ store: WeightStore, config c: DiTConfiguration, layer i: Int) throws {
        let p = "block.layers.\(i)."
        let e = c.experts(layer: i), h = c.hiddenSize
        experts = e
        gelu7 = c.isGELU7(layer: i)
        attentionPreNorm = try ExpertNorm(store, p + "attention.pre_norm.weight", experts: e, dim: h)
        qkv = try ExpertLinear(store, p + "attention.linear_qkv.weight", experts: e, out: c.qkvWidth, in: h)
        qNorm = try ExpertNorm(store, p + "attention.q_norm.weight", experts: e, dim: c.headDim)
        kNorm = try ExpertNorm(store, p + "attention.k_norm.weight", experts: e, dim: c.headDim)
        proj = try ExpertLinear(store, p + "attention.linear_proj.weight", experts: e, out: h, in: c.queryWidth)
        mlpPreNorm = try ExpertNorm(store, p + "mlp.pre_norm.weight", experts: e, dim: h)
        upGate = try ExpertLinear(store, p + "mlp.up_gate_proj.weight", experts: e, out: c.upRows(layer: i), in: h)
        down = try ExpertLinear(store, p + "mlp.down_proj.weight", experts: e, out: h, in: c.intermediateSize(layer: i))
    }
}

public struct DiTWeights: @unchecked Sendable {
    public var videoEmbedder: LinearWeight
    public var videoEmbedderBias: Tensor
    public var audioEmbedder: LinearWeight
    public var audioEmbedderBias: Tensor
    public var textEmbedder: LinearWeight
    public var textEmbedderBias: Tensor
    /// ω_j = θ^(−j/B), the stored `adapter.rope.bands` buffer (checked against the config at load).
    public var ropeBands: [Float]
    public var layers: [DiTLayerWeights]
    public var finalNormVideo: Tensor
    public var finalNormAudio: Tensor
    public var finalLinearVideo: LinearWeight
    public var finalLinearAudio: LinearWeight

    /// Takes every tensor of the configuration from `store`, then checks that none is left unused.
    public init(_ store: WeightStore, config c: DiTConfiguration) throws {
        let h = c.hiddenSize
        videoEmbedder = try store.linear("adapter.video_embedder.weight", shape: [h, c.videoInChannels])
        videoEmbedderBias = try store.tensor("adapter.video_embedder.bias", shape: [h])
        audioEmbedder = try store.linear("adapter.audio_embedder.weight", shape: [h, c.audioInChannels])
        audioEmbedderBias = try store.tensor("adapter.audio_embedder.bias", shape: [h])
        textEmbedder = try store.linear("adapter.text_embedder.weight", shape: [h, c.textInChannels])
        textEmbedderBias = try store.tensor("adapter.text_embedder.bias", shape: [h])
        ropeBands = try store.tensor("adapter.rope.bands", shape: [c.ropeBands]).storage
        layers = try (0..<c.numLayers).map { try DiTLayerWeights(store, config: c, layer: $0) }
        finalNormVideo = try store.tensor("final_norm_video.weight", shape: [h])
        finalNormAudio = try store.tensor("final_norm_audio.weight", shape: [h])
        finalLinearVideo = try store.linear("final_linear_video.weight", shape: [c.videoInChannels, h])
        finalLinearAudio = try store.linear("final_linear_audio.weight", shape: [c.audioInChannels, h])
        try store.verifyAllUsed()
        try Self.checkBands(ropeBands, config: c, file: store.checkpoint.path)
    }

    /// The stored bands must equal θ^(−j/B) of the configuration, or the config does not match the checkpoint.
    /// Tolerance: relative 2^-8, so BF16-stored bands (rounding ≤ 2^-9) pass; the stored values are used as they are.
    static func checkBands(_ bands: [Float], config c: DiTConfiguration, file: String) throws {
        for (j, stored) in bands.enumerated() {
            let expected = Foundation.pow(c.ropeTheta, -Double(j) / Double(c.ropeBands))
            if !(abs(Double(stored) - expected) <= expected / 256) {
                throw HappyHorseError.invalidFile(path: file, reason: "tensor 'adapter.rope.bands' element \(j) is \(stored), "
                    + "but rope_theta \(c.ropeTheta) with \(c.ropeBands) bands gives \(expected)")
            }
        }
    }
}
