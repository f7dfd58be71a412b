import Foundation

// Spec 2.5 / 2.6: one transformer layer ℓ, fp32 throughout (the reference's bf16 casts are not emulated, 2.9).
// Multimodal-expert layers apply expert e's weights to the contiguous row block of modality e (video, audio,
// text; spec 2.2: no permutation needed); shared layers run one GEMM over all rows.

enum DiTLayer {
    /// h [N, hidden] ← h + Attn(h) ; h ← h + MLP(h), in the workspace. `afterAttention` sees h after the first residual.
    static func forward(_ w: DiTLayerWeights, config c: DiTConfiguration, layout: DiTTokenLayout, rope: RoPE.Table,
                        workspace ws: DiTWorkspace, isCancelled: (@Sendable () -> Bool)?,
                        afterAttention: (() -> Void)?) throws {
        let n = layout.total, hd = c.hiddenSize, d = c.headDim
        let hq = c.numHeadsQ, hkv = c.numHeadsKV
        let qkvW = c.qkvWidth, qW = c.queryWidth, kvW = c.kvWidth
        let blocks: [(expert: Int, rows: Range<Int>)] = w.experts == 1
            ? [(0, 0..<n)]
            : layout.ranges.enumerated().map { ($0.offset, $0.element) }.filter { !$0.1.isEmpty }
        let h = ws.hidden.pointer, a = ws.normed.pointer, u = ws.qkv.pointer, o = ws.attention.pointer, z = ws.up.pointer

        // 1–3: a = RMSNorm(h; pre_norm[e]); u = a · W_qkv[e]ᵀ; QK-norm of the q and k columns
        for (e, r) in blocks {
            let m = r.count, r0 = r.lowerBound
            w.attentionPreNorm(e).storage.withUnsafeBufferPointer { g in
                // [m, hidden] → [m, hidden]
                Norm.rmsNorm(h + r0 * hd, rows: m, dim: hd, weight: g.baseAddress, eps: c.normEps, into: a + r0 * hd)
            }
            // [m, hidden] x [hidden, q|k|v|gate]ᵀ → u[r, qkvW]
            GEMM.linear(a + r0 * hd, rows: m, weight: w.qkv(e), into: u + r0 * qkvW)
            w.qNorm(e).storage.withUnsafeBufferPointer { g in
                // q [m, hq, d] inside u (row stride qkvW), one [d] weight shared by all heads
                Norm.headRMSNorm(u + r0 * qkvW, tokens: m, heads: hq, headDim: d, rowStride: qkvW,
                                 weight: g.baseAddress, eps: c.normEps)
            }
            w.kNorm(e).storage.withUnsafeBufferPointer { g in
                // k [m, hkv, d] at column qW of u
                Norm.headRMSNorm(u + r0 * qkvW + qW, tokens: m, heads: hkv, headDim: d, rowStride: qkvW,
                                 weight: g.baseAddress, eps: c.normEps)
            }
        }
        // 4: RoPE on q [N, hq, d] and k [N, hkv, d], pairs (i, i + 3B), dims ≥ 6B untouched
        RoPE.apply(u, tokens: n, heads: hq, headDim: d, rowStride: qkvW, table: rope)
        RoPE.apply(u + qW, tokens: n, heads: hkv, headDim: d, rowStride: qkvW, table: rope)
        // 5: o [N, hq, d] = softmax(q kᵀ / √d) v over all N tokens, query head i uses kv head i / (hq/hkv)
        try Attention.forward(q: u, qStride: qkvW, k: u + qW, kStride: qkvW, v: u + qW + kvW, vStride: qkvW,
                              into: o, outStride: qW, tokens: n, kvTokens: n, qHeads: hq, kvHeads: hkv, headDim: d,
                              scale: 1 / Float(d).squareRoot(), isCancelled: isCancelled)
        // 6: o[n, h, :] *= σ(gate[n, h]); the gate logits are the LAST hq columns of u
        Activation.sigmoidHeadGate(o, tokens: n, heads: hq, headDim: d, outStride: qW, gates: u + qW + 2 * kvW, gateStride: qkvW)
        // 7: h[r] += o[r] · W_proj[e]ᵀ   ([m, hq·d] x [hq·d, hidden])
        for (e, r) in blocks {
            GEMM.linear(o + r.lowerBound * qW, rows: r.count, weight: w.proj(e), into: h + r.lowerBound * hd, accumulate: true)
        }
        afterAttention?()

        // 8–10: a = RMSNorm(h; mlp.pre_norm[e]); z = a · W_up[e]ᵀ; y = act(z); h += y · W_down[e]ᵀ
        let upRows = w.upGate.experts[0].rows, inner = w.down.experts[0].cols
        for (e, r) in blocks {
            let m = r.count, r0 = r.lowerBound
            w.mlpPreNorm(e).storage.withUnsafeBufferPointer { g in
                Norm.rmsNorm(h + r0 * hd, rows: m, dim: hd, weight: g.baseAddress, eps: c.normEps, into: a + r0 * hd)  // [m, hidden]
            }
            let zr = z + r0 * upRows
            GEMM.linear(a + r0 * hd, rows: m, weight: w.upGate(e), into: zr)  // [m, hidden] x [hidden, upRows]ᵀ → [m, upRows]
            let y: UnsafeMutablePointer<Float>
            if w.gelu7 {
                Activation.gelu7(zr, count: m * upRows)  // [m, inner], inner == upRows, in place
                y = zr
            } else {
                y = ws.activated.pointer + r0 * inner
                Activation.swiglu7(zr, rows: m, features: inner, into: y)  // [m, 2·inner] interleaved → [m, inner]
            }
            // [m, inner] x [inner, hidden]ᵀ → h[r] (+=)
            GEMM.linear(y, rows: m, weight: w.down(e), into: h + r0 * hd, accumulate: true)
        }
    }
}
