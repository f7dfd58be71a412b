import Foundation

// port of tools/reference/text_encoder.py (TextEncoder): a bidirectional T5Gemma-style encoder (spec §1.3 at tiny
// size), matches HF `T5GemmaEncoderModel`'s layer order: x += post_attn_norm(attn(pre_attn_norm(x))),
// x += post_ff_norm(down(gelu_tanh(gate(h))·up(h))) with h = pre_ff_norm(x); RMSNorm scale (1 + w); output = norm(x).

/// Token ids → hidden states [L, hidden] (the real tokens only, no padding).
public final class TextEncoder: @unchecked Sendable {
    public let configuration: TextEncoderConfiguration
    let embedTokens: Tensor  // [V, H]
    let layers: [Layer]
    let finalNorm: Tensor  // [H]

    struct Layer {
        let preAttentionNorm, postAttentionNorm, preFeedForwardNorm, postFeedForwardNorm: Tensor  // [H] each
        let q, k, v, o: LinearWeight  // [Hq·D, H], [Hkv·D, H], [Hkv·D, H], [H, Hq·D]
        let gate, up, down: LinearWeight  // [I, H], [I, H], [H, I]
    }

    /// Loads every tensor from `store` and verifies that none is missing, misshapen or unused.
    public init(configuration c: TextEncoderConfiguration, weights store: WeightStore) throws {
        try c.validate()
        configuration = c
        let (h, qw, kvw, i) = (c.hiddenSize, c.numHeads * c.headDim, c.numKVHeads * c.headDim, c.intermediateSize)
        embedTokens = try store.tensor("encoder.embed_tokens.weight", shape: [c.vocabSize, h])
        layers = try (0..<c.numLayers).map { n in
            let key = "encoder.layers.\(n)."
            return Layer(
                preAttentionNorm: try store.tensor(key + "pre_self_attn_layernorm.weight", shape: [h]),
                postAttentionNorm: try store.tensor(key + "post_self_attn_layernorm.weight", shape: [h]),
                preFeedForwardNorm: try store.tensor(key + "pre_feedforward_layernorm.weight", shape: [h]),
                postFeedForwardNorm: try store.tensor(key + "post_feedforward_layernorm.weight", shape: [h]),
                q: try store.linear(key + "self_attn.q_proj.weight", shape: [qw, h]),
                k: try store.linear(key + "self_attn.k_proj.weight", shape: [kvw, h]),
                v: try store.linear(key + "self_attn.v_proj.weight", shape: [kvw, h]),
                o: try store.linear(key + "self_attn.o_proj.weight", shape: [h, qw]),
                gate: try store.linear(key + "mlp.gate_proj.weight", shape: [i, h]),
                up: try store.linear(key + "mlp.up_proj.weight", shape: [i, h]),
                down: try store.linear(key + "mlp.down_proj.weight", shape: [h, i]))
        }
        finalNorm = try store.tensor("encoder.norm.weight", shape: [h])
        try store.verifyAllUsed()
    }

    /// Opens `url` (a .safetensors file) and loads it.
    public convenience init(configuration: TextEncoderConfiguration, url: URL) throws {
        let store = WeightStore(checkpoint: try SafeTensorsCheckpoint(url: url), residency: .dense)
        try self.init(configuration: configuration, weights: store)
    }

    /// ids [L] → [L, hidden]. `trace` receives `embeddings`, `layers.{i}.attention`, `layers.{i}`, `output`.
    public func callAsFunction(_ ids: [Int], trace: ((String, Tensor) -> Void)? = nil) throws -> Tensor {
        let c = configuration
        let (n, h) = (ids.count, c.hiddenSize)
        if let bad = ids.first(where: { $0 < 0 || $0 >= c.vocabSize }) {
            throw HappyHorseError.invalidArgument(name: "token id", reason: "\(bad) is outside the vocabulary 0..<\(c.vocabSize)")
        }
        guard n > 0 else { return Tensor(shape: [0, h]) }
        let scale = Float(Double(h).squareRoot())
        var x = Tensor(shape: [n, h])  // [L, H]
        for (row, id) in ids.enumerated() {
            for j in 0..<h { x.storage[row * h + j] = embedTokens.storage[id * h + j] * scale }
        }
        trace?("embeddings", x)
        let angles = RoPE.anglesRotateHalf(positions: (0..<n).map(Float.init), headDim: c.headDim, theta: c.ropeTheta)
        let table = RoPE.Table(angles: angles)  // [L, D/2]
        for (index, layer) in layers.enumerated() {
            let attentionOut = trace.map { report in { (x: Tensor) in report("layers.\(index).attention", x) } }
            x = try forward(layer, x, table: table, attentionOut: attentionOut)
            trace?("layers.\(index)", x)
        }
        let out = Norm.rmsNorm(x, weight: finalNorm, eps: c.normEps)  // [L, H]
        trace?("output", out)
        return out
    }

    /// One encoder layer on x [L, H].
    func forward(_ layer: Layer, _ x: Tensor, table: RoPE.Table, attentionOut: ((Tensor) -> Void)? = nil) throws -> Tensor {
        let c = configuration
        let n = x.shape[0]
        var x = x
        let h = Norm.rmsNorm(x, weight: layer.preAttentionNorm, eps: c.normEps)  // [L, H]
        var q = GEMM.linear(h, layer.q).reshaped([n, c.numHeads, c.headDim])  // [L, H] x [Hq·D, H]ᵀ → [L, Hq, D]
        var k = GEMM.linear(h, layer.k).reshaped([n, c.numKVHeads, c.headDim])  // [L, H] x [Hkv·D, H]ᵀ → [L, Hkv, D]
        let v = GEMM.linear(h, layer.v).reshaped([n, c.numKVHeads, c.headDim])  // [L, Hkv, D]
        RoPE.apply(&q, table: table)
        RoPE.apply(&k, table: table)
        let cap: Float? = c.attnLogitSoftcap > 0 ? c.attnLogitSoftcap : nil
        let o = try Attention.forward(q: q, k: k, v: v, scale: 1 / Float(c.headDim).squareRoot(), softCap: cap)
            .reshaped([n, c.numHeads * c.headDim])  // [L, Hq, D] → [L, Hq·D]
        let a = Norm.rmsNorm(GEMM.linear(o, layer.o), weight: layer.postAttentionNorm, eps: c.normEps)  // [L, H]
        Activation.add(a, into: &x)
        attentionOut?(x)
        let f = Norm.rmsNorm(x, weight: layer.preFeedForwardNorm, eps: c.normEps)  // [L, H]
        let gated = Activation.gegluTanh(gate: GEMM.linear(f, layer.gate), up: GEMM.linear(f, layer.up))  // [L, I]
        let m = Norm.rmsNorm(GEMM.linear(gated, layer.down), weight: layer.postFeedForwardNorm, eps: c.normEps)  // [L, H]
        Activation.add(m, into: &x)
        return x
    }
}
