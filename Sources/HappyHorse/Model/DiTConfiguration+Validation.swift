// Validation of DiTConfiguration: every dimension positive and bounded (so no size derived from a config can
// overflow or ask for an absurd allocation), heads dividing, RoPE-compatible head_dim, layer indices in range.

extension DiTConfiguration {
    /// Bounds far above the largest real model (hidden 5120, 40 layers), far below overflow.
    static let maxWidth = 1 << 17
    static let maxLayers = 1024
    static let maxHeads = 1024
    static let maxIntermediate = 1 << 20

    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw HappyHorseError.invalidConfig(field: "dit." + field, reason: reason()) }
        }
        func bounded(_ value: Int, _ field: String, max: Int) throws {
            try check(value > 0, field, "must be positive, got \(value)")
            try check(value <= max, field, "\(value) exceeds the limit \(max)")
        }
        try bounded(hiddenSize, "hidden_size", max: Self.maxWidth)
        try bounded(numLayers, "num_layers", max: Self.maxLayers)
        try bounded(numHeadsQ, "num_heads_q", max: Self.maxHeads)
        try bounded(numHeadsKV, "num_heads_kv", max: Self.maxHeads)
        try bounded(headDim, "head_dim", max: 4096)
        try bounded(videoInChannels, "video_in_channels", max: Self.maxWidth)
        try bounded(audioInChannels, "audio_in_channels", max: Self.maxWidth)
        try bounded(textInChannels, "text_in_channels", max: Self.maxWidth)
        try bounded(latentChannels, "latent_channels", max: Self.maxWidth)
        try check(numHeadsQ % numHeadsKV == 0, "num_heads_kv", "\(numHeadsKV) does not divide num_heads_q \(numHeadsQ)")
        try check(headDim % 8 == 0, "head_dim", "\(headDim) is not a multiple of 8 (3 RoPE axes × head_dim/8 bands × 2)")
        try check(queryWidth <= Self.maxWidth, "num_heads_q", "num_heads_q × head_dim = \(queryWidth) exceeds \(Self.maxWidth)")
        for (field, list) in [("mm_layers", mmLayers), ("gelu7_layers", gelu7Layers)] {
            for i in list {
                try check(i >= 0 && i < numLayers, field, "layer index \(i) is outside 0..<\(numLayers)")
            }
            try check(Set(list).count == list.count, field, "duplicate layer index in \(list)")
        }
        if gelu7Layers.isEmpty == false { try bounded(gelu7IntermediateSize, "gelu7_intermediate_size", max: Self.maxIntermediate) }
        if gelu7Layers.count < numLayers { try bounded(swiglu7IntermediateSize, "swiglu7_intermediate_size", max: Self.maxIntermediate) }
        try check(normEps.isFinite && normEps > 0 && normEps < 1, "norm_eps", "must be in (0, 1), got \(normEps)")
        try check(ropeTheta.isFinite && ropeTheta > 1, "rope_theta", "must be > 1, got \(ropeTheta)")
        try check(patchSize.count == 3, "patch_size", "must have 3 entries (t, h, w), got \(patchSize)")
        for p in patchSize { try check(p > 0 && p <= 16, "patch_size", "entries must be in 1...16, got \(patchSize)") }
        try check(latentChannels * patchVolume == videoInChannels, "video_in_channels",
                  "\(videoInChannels) != latent_channels \(latentChannels) × patch volume \(patchVolume)")
    }
}
