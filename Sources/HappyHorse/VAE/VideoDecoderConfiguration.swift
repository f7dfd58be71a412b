import Foundation

// The `vae` section of config.json (docs/design.md "Built-in model"; tools/reference/vae.py is the definition).
// Keys used only by training (encoder_*) are ignored.

public struct VideoDecoderConfiguration: Codable, Sendable, Equatable {
    public enum Upsample: String, Codable, Sendable {
        /// time ×2 (first frame dropped on the first chunk) and space ×2
        case threeD = "3d"
        /// space ×2
        case twoD = "2d"
        case none
    }

    /// How an upsampler doubles height and width (tools/reference/vae.py `spatial_upsample`).
    public enum SpatialUpsample: String, Codable, Sendable {
        /// nearest ×2, then a 1×3×3 conv C → C
        case nearest
        /// a 1×3×3 conv C → 4C at the low resolution, then depth-to-space ×2 (channel (dy·2 + dx)·C + c → pixel
        /// (2h + dy, 2w + dx) of channel c): places what a latent position says about its own sub-blocks
        case shuffle
    }

    /// Relative path of the decoder weights.
    public var weights: String
    public var latentChannels: Int
    public var outChannels: Int
    public var patchSize: Int
    /// Width of each up block, in decoding order (block 0 also sets conv_in's and mid's width).
    public var blockOutChannels: [Int]
    /// [mid] + one entry per up block: ResNets after the block's upsampler.
    public var layersPerBlock: [Int]
    public var upsample: [Upsample]
    /// Per up block: the form of its upsampler's spatial ×2 (ignored for `none`).
    public var spatialUpsample: [SpatialUpsample]
    /// kt (3 or 1) of each up block's ResNets (and of conv_out for the last block).
    public var temporalKernel: [Int]
    public var latentMean: [Float]
    public var latentStd: [Float]

    enum CodingKeys: String, CodingKey {
        case weights, upsample
        case latentChannels = "latent_channels", outChannels = "out_channels", patchSize = "patch_size"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case temporalKernel = "temporal_kernel", spatialUpsample = "spatial_upsample", latentMean = "latent_mean", latentStd = "latent_std"
    }

    public init(weights: String = "vae_decoder.safetensors", latentChannels: Int = 16, outChannels: Int = 3,
                patchSize: Int = 2, blockOutChannels: [Int] = [64, 32, 16, 16], layersPerBlock: [Int] = [2, 1, 1, 0, 1],
                upsample: [Upsample] = [.threeD, .threeD, .twoD, .none], temporalKernel: [Int] = [3, 1, 1, 1],
                spatialUpsample: [SpatialUpsample]? = nil, latentMean: [Float]? = nil, latentStd: [Float]? = nil) {
        self.weights = weights
        self.latentChannels = latentChannels
        self.outChannels = outChannels
        self.patchSize = patchSize
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.upsample = upsample
        self.temporalKernel = temporalKernel
        self.spatialUpsample = spatialUpsample ?? [SpatialUpsample](repeating: .nearest, count: blockOutChannels.count)
        self.latentMean = latentMean ?? [Float](repeating: 0, count: max(0, latentChannels))
        self.latentStd = latentStd ?? [Float](repeating: 1, count: max(0, latentChannels))
    }

    public init(from decoder: Decoder) throws {
        let d = VideoDecoderConfiguration()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(weights: try c.decodeIfPresent(String.self, forKey: .weights) ?? d.weights,
                  latentChannels: try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? d.latentChannels,
                  outChannels: try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? d.outChannels,
                  patchSize: try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? d.patchSize,
                  blockOutChannels: try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? d.blockOutChannels,
                  layersPerBlock: try c.decodeIfPresent([Int].self, forKey: .layersPerBlock) ?? d.layersPerBlock,
                  upsample: try c.decodeIfPresent([Upsample].self, forKey: .upsample) ?? d.upsample,
                  temporalKernel: try c.decodeIfPresent([Int].self, forKey: .temporalKernel) ?? d.temporalKernel,
                  spatialUpsample: try c.decodeIfPresent([SpatialUpsample].self, forKey: .spatialUpsample),
                  latentMean: try c.decode([Float].self, forKey: .latentMean),
                  latentStd: try c.decode([Float].self, forKey: .latentStd))
    }

    /// Decodes the `vae` object (its JSON bytes) and validates it.
    public static func decode(json: Data) throws -> VideoDecoderConfiguration {
        let config = try decodeConfigSection(VideoDecoderConfiguration.self, from: json, section: "vae")
        try config.validate()
        return config
    }

    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw HappyHorseError.invalidConfig(field: "vae." + field, reason: reason()) }
        }
        let maxWidth = 1 << 14
        try check(latentChannels > 0 && latentChannels <= maxWidth, "latent_channels", "must be in 1...\(maxWidth), got \(latentChannels)")
        try check(outChannels > 0 && outChannels <= 4, "out_channels", "must be in 1...4, got \(outChannels)")
        try check(patchSize > 0 && patchSize <= 8, "patch_size", "must be in 1...8, got \(patchSize)")
        try check(!blockOutChannels.isEmpty && blockOutChannels.count <= 16, "block_out_channels", "must list 1...16 widths")
        for width in blockOutChannels {
            try check(width > 0 && width <= maxWidth, "block_out_channels", "widths must be in 1...\(maxWidth), got \(width)")
        }
        let n = blockOutChannels.count
        try check(upsample.count == n, "upsample", "needs \(n) entries (one per up block), got \(upsample.count)")
        try check(spatialUpsample.count == n, "spatial_upsample", "needs \(n) entries (one per up block), got \(spatialUpsample.count)")
        try check(temporalKernel.count == n, "temporal_kernel", "needs \(n) entries, got \(temporalKernel.count)")
        try check(temporalKernel.allSatisfy { $0 == 1 || $0 == 3 }, "temporal_kernel", "entries must be 1 or 3, got \(temporalKernel)")
        try check(layersPerBlock.count == n + 1, "layers_per_block", "needs \(n + 1) entries ([mid] + one per up block), got \(layersPerBlock.count)")
        try check(layersPerBlock.allSatisfy { $0 >= 0 && $0 <= 64 }, "layers_per_block", "entries must be in 0...64")
        try check(latentMean.count == latentChannels, "latent_mean", "needs \(latentChannels) values, got \(latentMean.count)")
        try check(latentStd.count == latentChannels, "latent_std", "needs \(latentChannels) values, got \(latentStd.count)")
        try check(latentMean.allSatisfy(\.isFinite), "latent_mean", "values must be finite")
        try check(latentStd.allSatisfy { $0.isFinite && $0 > 0 }, "latent_std", "values must be finite and positive")
    }

    // MARK: derived sizes

    /// Pixel frames per latent frame (after the first): 2 per "3d" upsampler.
    public var temporalFactor: Int { 1 << upsample.filter { $0 == .threeD }.count }
    /// Pixels per latent position along height and width.
    public var spatialFactor: Int { patchSize << upsample.filter { $0 != .none }.count }

    /// Pixel frames of latent frames [start, end) of a clip: latent frame 0 owns one frame, every later one
    /// `temporalFactor` (so T latent frames give 4(T−1)+1 frames).
    public func pixelFrames(latentFrames range: Range<Int>) -> Int {
        guard !range.isEmpty else { return 0 }
        let first = range.lowerBound == 0 ? 1 : 0
        return first + temporalFactor * (range.count - first)
    }
}
