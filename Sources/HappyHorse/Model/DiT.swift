import Foundation

// Spec section 2: the daVinci-MagiHuman single-stream "sandwich" DiT, config-driven, fp32 on the CPU.
//   adapter (2.4) → layers (2.5, 2.6) → final norms and heads (2.7) → un-patchified video velocity.
// No timestep input (2.8). Reference: tools/reference/dit.py (same keys, same named intermediates).

/// The velocities predicted by one DiT forward.
public struct DiTOutput: Sendable {
    /// [C, T, h, w] video velocity (v = ε − x0).
    public var video: Tensor
    /// [A, audio_in] audio velocity.
    public var audio: Tensor
}

public final class DiT: @unchecked Sendable {
    public let config: DiTConfiguration
    public let weights: DiTWeights

    /// Builds the model from weights already taken from a store (see `DiTWeights.init`).
    public init(config: DiTConfiguration, weights: DiTWeights) throws {
        try config.validate()
        let p = config.patchSize
        guard p[0] == 1, p[1] == p[2] else {
            throw HappyHorseError.invalidConfig(field: "dit.patch_size", reason: "\(p) is not supported; the patchify kernel handles (1, p, p)")
        }
        self.config = config
        self.weights = weights
    }

    /// Loads a checkpoint (file, sharded directory or index path), verifying missing / shape / unused tensors.
    public convenience init(config: DiTConfiguration, checkpoint url: URL, residency: WeightStore.Residency = .automatic) throws {
        try config.validate()
        let store = try HappyHorseError.withContext("loading DiT checkpoint \(url.path)") {
            WeightStore(checkpoint: try SafeTensorsCheckpoint(url: url), residency: residency)
        }
        let weights = try HappyHorseError.withContext("loading DiT weights") { try DiTWeights(store, config: config) }
        try self.init(config: config, weights: weights)
    }

    /// The token layout of an input; throws on shapes the model cannot take.
    public func layout(video: Tensor, audio: Tensor, text: Tensor) throws -> DiTTokenLayout {
        let c = config, p = c.patchSize[1]
        guard video.rank == 4, video.shape[0] == c.latentChannels, video.shape[1] > 0,
              video.shape[2] > 0, video.shape[3] > 0, video.shape[2] % p == 0, video.shape[3] % p == 0 else {
            throw HappyHorseError.invalidArgument(name: "video latent",
                reason: "shape \(video.shape); expected [\(c.latentChannels), T ≥ 1, h, w] with h, w positive multiples of \(p)")
        }
        guard audio.rank == 2, audio.shape[1] == c.audioInChannels else {
            throw HappyHorseError.invalidArgument(name: "audio tokens", reason: "shape \(audio.shape); expected [A, \(c.audioInChannels)]")
        }
        guard text.rank == 2, text.shape[1] == c.textInChannels else {
            throw HappyHorseError.invalidArgument(name: "text embedding", reason: "shape \(text.shape); expected [L, \(c.textInChannels)]")
        }
        return DiTTokenLayout(grid: (video.shape[1], video.shape[2] / p, video.shape[3] / p),
                              audio: audio.shape[0], text: text.shape[0])
    }

    /// One forward. video [C, T, h, w] latent, audio [A, audio_in] (A may be 0), text [L, text_in] (L may be 0).
    /// - coordinates: optional [N, 3] effective RoPE coordinates overriding spec 2.3's (`DiTCoordinates`).
    /// - cancellation: checked before each layer and inside attention; throws `.cancelled`.
    /// - capture: receives the named intermediates of tools/reference/dit.py: "rope.angles" [N, 3B], "adapter",
    ///   "layers.{i}.attention", "layers.{i}" [N, hidden], "head.video" [Nv, video_in], "head.audio" [A, audio_in].
    public func forward(video: Tensor, audio: Tensor, text: Tensor, coordinates: Tensor? = nil,
                        cancellation: CancellationToken? = nil,
                        capture: ((String, Tensor) -> Void)? = nil) throws -> DiTOutput {
        let c = config, w = weights
        let layout = try self.layout(video: video, audio: audio, text: text)
        let n = layout.total, hd = c.hiddenSize
        let coords: [Double]
        if let coordinates {
            guard coordinates.shape == [n, 3] else {
                throw HappyHorseError.invalidArgument(name: "coordinates", reason: "shape \(coordinates.shape); expected [\(n), 3]")
            }
            coords = coordinates.storage.map(Double.init)
        } else {
            coords = DiTCoordinates.coordinates(layout, style: c.ropeStyle)
        }
        let angles = DiTCoordinates.angles(coordinates: coords, bands: w.ropeBands)  // [N, 3B]
        capture?("rope.angles", angles)
        let rope = RoPE.Table(angles: angles)

        // 2.4 adapter: h[video] = patchify(x_v) · W_veᵀ + b, h[audio] = x_a · W_aeᵀ + b, h[text] = x_t · W_teᵀ + b
        let needed = DiTWorkspace.bytes(tokens: n, config: c)
        let available = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard needed < available else {
            throw HappyHorseError.outOfMemory(what: "DiT forward over \(n) tokens", neededBytes: needed, availableBytes: available)
        }
        let ws = DiTWorkspace(tokens: n, config: c)
        let h = ws.hidden.pointer
        let ranges = layout.ranges
        let videoTokens = try Patchify.patchify(video, patch: c.patchSize[1])  // [Nv, C·p²], channel-major features
        let inputs: [(Tensor, LinearWeight, Tensor)] = [(videoTokens, w.videoEmbedder, w.videoEmbedderBias),
                                                       (audio, w.audioEmbedder, w.audioEmbedderBias),
                                                       (text, w.textEmbedder, w.textEmbedderBias)]
        for (e, (x, weight, bias)) in inputs.enumerated() where !ranges[e].isEmpty {
            x.storage.withUnsafeBufferPointer { xp in
                bias.storage.withUnsafeBufferPointer { bp in
                    // [n_e, in_e] x [in_e, hidden] + b → h[rows of modality e]
                    GEMM.linear(xp.baseAddress!, rows: ranges[e].count, weight: weight, bias: bp.baseAddress,
                                into: h + ranges[e].lowerBound * hd)
                }
            }
        }
        capture?("adapter", ws.hidden.tensor([n, hd]))

        // 2.5 layers
        var isCancelled: (@Sendable () -> Bool)? = nil
        if let token = cancellation { isCancelled = { token.isCancelled } }
        for (i, layer) in w.layers.enumerated() {
            try cancellation?.check()
            var after: (() -> Void)? = nil
            if let capture { after = { capture("layers.\(i).attention", ws.hidden.tensor([n, hd])) } }
            try DiTLayer.forward(layer, config: c, layout: layout, rope: rope, workspace: ws,
                                 isCancelled: isCancelled, afterAttention: after)
            capture?("layers.\(i)", ws.hidden.tensor([n, hd]))
        }
        try cancellation?.check()

        // 2.7 heads: RMSNorm(h; final_norm) · W_finalᵀ for the video and audio rows; text outputs are discarded
        let a = ws.normed.pointer
        var outputs: [Tensor] = []
        for (e, norm, weight) in [(0, w.finalNormVideo, w.finalLinearVideo), (1, w.finalNormAudio, w.finalLinearAudio)] {
            let rows = ranges[e]
            var out = Tensor(shape: [rows.count, weight.rows])
            if !rows.isEmpty {
                norm.storage.withUnsafeBufferPointer { g in
                    // [m, hidden] → [m, hidden]
                    Norm.rmsNorm(h + rows.lowerBound * hd, rows: rows.count, dim: hd, weight: g.baseAddress, eps: c.normEps,
                                 into: a + rows.lowerBound * hd)
                }
                out.storage.withUnsafeMutableBufferPointer { op in
                    // [m, hidden] x [hidden, out_e] → [m, out_e]
                    GEMM.linear(a + rows.lowerBound * hd, rows: rows.count, weight: weight, into: op.baseAddress!)
                }
            }
            outputs.append(out)
        }
        capture?("head.video", outputs[0])
        capture?("head.audio", outputs[1])
        // [Nv, p²·C] spatial-major → [C, T, h, w]
        let velocity = try Patchify.unpatchify(outputs[0], channels: c.latentChannels, frames: video.shape[1],
                                               height: video.shape[2], width: video.shape[3], patch: c.patchSize[1])
        return DiTOutput(video: velocity, audio: outputs[1])
    }
}
