import Foundation

// The `dit` section of config.json (docs/design.md "DiT section"; spec 2.1 for the meaning of each field).
// Unknown keys are ignored: the optional upstream fields (tread_config, ref_audio_offset, ...) do not change the
// inference math (spec 2.8). Keys that WOULD change it and that this engine does not implement (`unsupportedKeys`,
// e.g. the SR-1080 local-attention layers of spec 1.7) are an error when set to anything but null / false / [] / 0.

public struct DiTConfiguration: Codable, Sendable, Equatable {
    public enum RopeStyle: String, Codable, Sendable { case v1, v2 }

    /// Relative path of the weights (a .safetensors file, an index.json, or a directory), if given.
    public var weights: String?
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeadsQ: Int
    public var numHeadsKV: Int
    public var headDim: Int
    /// Layers with three modality experts (video 0, audio 1, text 2).
    public var mmLayers: [Int]
    /// Layers with the non-gated GELU7 MLP; all others use SwiGLU7.
    public var gelu7Layers: [Int]
    public var videoInChannels: Int
    public var audioInChannels: Int
    public var textInChannels: Int
    public var gelu7IntermediateSize: Int
    public var swiglu7IntermediateSize: Int
    public var normEps: Float
    public var ropeTheta: Double
    public var ropeStyle: RopeStyle
    public var latentChannels: Int
    /// (t, h, w) patch of the video latent; the engine supports any positive sizes, the models use (1, 2, 2).
    public var patchSize: [Int]

    enum CodingKeys: String, CodingKey {
        case weights
        case hiddenSize = "hidden_size", numLayers = "num_layers", numHeadsQ = "num_heads_q", numHeadsKV = "num_heads_kv"
        case headDim = "head_dim", mmLayers = "mm_layers", gelu7Layers = "gelu7_layers"
        case videoInChannels = "video_in_channels", audioInChannels = "audio_in_channels", textInChannels = "text_in_channels"
        case gelu7IntermediateSize = "gelu7_intermediate_size", swiglu7IntermediateSize = "swiglu7_intermediate_size"
        case normEps = "norm_eps", ropeTheta = "rope_theta", ropeStyle = "rope_style"
        case latentChannels = "latent_channels", patchSize = "patch_size"
    }

    public init(hiddenSize: Int, numLayers: Int, numHeadsQ: Int, numHeadsKV: Int, headDim: Int, mmLayers: [Int],
                gelu7Layers: [Int], videoInChannels: Int, audioInChannels: Int, textInChannels: Int,
                gelu7IntermediateSize: Int, swiglu7IntermediateSize: Int, normEps: Float = 1e-6, ropeTheta: Double = 10000,
                ropeStyle: RopeStyle = .v2, latentChannels: Int? = nil, patchSize: [Int] = [1, 2, 2], weights: String? = nil) {
        self.weights = weights
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeadsQ = numHeadsQ
        self.numHeadsKV = numHeadsKV
        self.headDim = headDim
        self.mmLayers = mmLayers
        self.gelu7Layers = gelu7Layers
        self.videoInChannels = videoInChannels
        self.audioInChannels = audioInChannels
        self.textInChannels = textInChannels
        self.gelu7IntermediateSize = gelu7IntermediateSize
        self.swiglu7IntermediateSize = swiglu7IntermediateSize
        self.normEps = normEps
        self.ropeTheta = ropeTheta
        self.ropeStyle = ropeStyle
        let volume = patchSize.reduce(1, *)
        self.latentChannels = latentChannels ?? (volume > 0 ? videoInChannels / volume : 0)
        self.patchSize = patchSize
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let patch = try c.decodeIfPresent([Int].self, forKey: .patchSize) ?? [1, 2, 2]
        self.init(
            hiddenSize: try c.decode(Int.self, forKey: .hiddenSize),
            numLayers: try c.decode(Int.self, forKey: .numLayers),
            numHeadsQ: try c.decode(Int.self, forKey: .numHeadsQ),
            numHeadsKV: try c.decode(Int.self, forKey: .numHeadsKV),
            headDim: try c.decode(Int.self, forKey: .headDim),
            mmLayers: try c.decodeIfPresent([Int].self, forKey: .mmLayers) ?? [],
            gelu7Layers: try c.decodeIfPresent([Int].self, forKey: .gelu7Layers) ?? [],
            videoInChannels: try c.decode(Int.self, forKey: .videoInChannels),
            audioInChannels: try c.decode(Int.self, forKey: .audioInChannels),
            textInChannels: try c.decode(Int.self, forKey: .textInChannels),
            gelu7IntermediateSize: try c.decode(Int.self, forKey: .gelu7IntermediateSize),
            swiglu7IntermediateSize: try c.decode(Int.self, forKey: .swiglu7IntermediateSize),
            normEps: try c.decodeIfPresent(Float.self, forKey: .normEps) ?? 1e-6,
            ropeTheta: try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? 10000,
            ropeStyle: try c.decodeIfPresent(RopeStyle.self, forKey: .ropeStyle) ?? .v2,
            latentChannels: try c.decodeIfPresent(Int.self, forKey: .latentChannels),
            patchSize: patch,
            weights: try c.decodeIfPresent(String.self, forKey: .weights))
    }

    /// Decodes the `dit` object (JSON bytes of that object) and validates it. Decoding problems become
    /// `invalidConfig(field, reason)`.
    /// Keys that change the math and are not implemented.
    public static let unsupportedKeys = ["local_attn_layers", "local_attention_layers", "attention_window", "post_norm",
                                         "timestep_embedding", "linear_bias", "cross_attention"]

    public static func decode(json: Data) throws -> DiTConfiguration {
        if let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] {
            for key in unsupportedKeys {
                guard let value = object[key], !(value is NSNull) else { continue }
                let inactive = (value as? [Any])?.isEmpty == true || (value as? NSNumber)?.doubleValue == 0
                if !inactive {
                    throw HappyHorseError.invalidConfig(field: "dit." + key, reason: "changes the model's math and is not supported by this engine")
                }
            }
        }
        let config = try decodeConfigSection(DiTConfiguration.self, from: json, section: "dit")
        try config.validate()
        return config
    }

    // MARK: derived sizes

    /// RoPE frequency bands per axis (head_dim / 8); 3 axes × bands angles rotate 6·bands of the head dims.
    public var ropeBands: Int { headDim / 8 }
    public var queryWidth: Int { numHeadsQ * headDim }
    public var kvWidth: Int { numHeadsKV * headDim }
    /// Output rows of linear_qkv per expert: q | k | v | gate (gate LAST, spec 4.2).
    public var qkvWidth: Int { queryWidth + 2 * kvWidth + numHeadsQ }
    public var patchVolume: Int { patchSize.reduce(1, *) }
    public func isMultimodal(layer: Int) -> Bool { mmLayers.contains(layer) }
    public func isGELU7(layer: Int) -> Bool { gelu7Layers.contains(layer) }
    public func experts(layer: Int) -> Int { isMultimodal(layer: layer) ? 3 : 1 }
    /// MLP intermediate width of a layer (SwiGLU7's up projection has twice this many rows).
    public func intermediateSize(layer: Int) -> Int { isGELU7(layer: layer) ? gelu7IntermediateSize : swiglu7IntermediateSize }
    public func upRows(layer: Int) -> Int { isGELU7(layer: layer) ? gelu7IntermediateSize : 2 * swiglu7IntermediateSize }
}

extension DiTConfiguration {
    /// daVinci-MagiHuman base/distill DiT (spec 2.1).
    public static let magiHuman = DiTConfiguration(
        hiddenSize: 5120, numLayers: 40, numHeadsQ: 40, numHeadsKV: 8, headDim: 128,
        mmLayers: [0, 1, 2, 3, 36, 37, 38, 39], gelu7Layers: [0, 1, 2, 3],
        videoInChannels: 192, audioInChannels: 64, textInChannels: 3584,
        gelu7IntermediateSize: 20480, swiglu7IntermediateSize: 13652, latentChannels: 48)

    /// The built-in model's starting point (docs/design.md "Built-in model").
    public static let builtin = DiTConfiguration(
        hiddenSize: 256, numLayers: 8, numHeadsQ: 4, numHeadsKV: 2, headDim: 64,
        mmLayers: [0, 1, 6, 7], gelu7Layers: [0, 1],
        videoInChannels: 64, audioInChannels: 16, textInChannels: 128,
        gelu7IntermediateSize: 1024, swiglu7IntermediateSize: 680, latentChannels: 16)
}

extension DecodingError {
    /// "a.b[2]"-style path of the offending field.
    var fieldPath: String {
        let path: [CodingKey]
        switch self {
        case let .keyNotFound(key, context): path = context.codingPath + [key]
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context): path = context.codingPath
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    var reason: String {
        switch self {
        case .keyNotFound: return "required key is missing"
        case let .typeMismatch(type, context): return "expected \(type): \(context.debugDescription)"
        case let .valueNotFound(type, context): return "expected \(type), found null: \(context.debugDescription)"
        case let .dataCorrupted(context): return context.debugDescription
        @unknown default: return "\(self)"
        }
    }
}
