import Foundation

// port of tools/reference/vae.py (VideoDecoder): the built-in model's Turbo-VAED-shaped video decoder (spec §1.5 at
// tiny width). Channel-major activations [C, T, H, W], batch 1. Checkpoint keys are written once, below, beside the
// layer they fill; loading checks missing, shape and unused tensors (WeightStore).

/// Decodes normalised latents [latent_channels, T, h, w] to pixels [3, F, 16h, 16w] (unclamped, ≈[-1, 1]).
public final class VideoDecoder: @unchecked Sendable {
    public let configuration: VideoDecoderConfiguration
    let convIn: Conv3d
    let mid: [VAEResNet]
    let upBlocks: [UpBlock]
    let convOut: Conv3d

    struct UpBlock: Sendable {
        let entry: VAEResNet?
        let upsampler: VAEUpsampler?
        let resnets: [VAEResNet]
    }

    /// Loads every tensor from `store` and verifies that none is missing, misshapen or unused.
    public init(configuration c: VideoDecoderConfiguration, weights store: WeightStore) throws {
        try c.validate()
        configuration = c
        let widths = c.blockOutChannels
        convIn = try Conv3d.load(store, "conv_in", inChannels: c.latentChannels, outChannels: widths[0], kernel: (3, 3, 3))
        mid = try (0..<c.layersPerBlock[0]).map {
            try VAEResNet(store, "mid.resnets.\($0)", inChannels: widths[0], outChannels: widths[0], temporalKernel: 3, activation: .silu)
        }
        var blocks: [UpBlock] = []
        var cin = widths[0]
        for (b, cout) in widths.enumerated() {
            let key = "up_blocks.\(b)", kt = c.temporalKernel[b], kind = c.upsample[b]
            let entry = cin == cout ? nil
                : try VAEResNet(store, key + ".entry", inChannels: cin, outChannels: cout, temporalKernel: kt, activation: .silu)
            let upsampler = kind == .none ? nil
                : try VAEUpsampler(store, key + ".upsampler", channels: cout, temporal: kind == .threeD,
                                   spatial: c.spatialUpsample[b])
            let act: VAEResNet.ActivationKind = kind == .none ? .silu : .relu  // ReLU after an upsampler
            let resnets = try (0..<c.layersPerBlock[b + 1]).map {
                try VAEResNet(store, key + ".resnets.\($0)", inChannels: cout, outChannels: cout, temporalKernel: kt, activation: act)
            }
            blocks.append(UpBlock(entry: entry, upsampler: upsampler, resnets: resnets))
            cin = cout
        }
        upBlocks = blocks
        let p = c.patchSize
        convOut = try Conv3d.load(store, "conv_out", inChannels: cin, outChannels: c.outChannels * p * p,
                                  kernel: (c.temporalKernel[c.temporalKernel.count - 1], 3, 3))
        try store.verifyAllUsed()
    }

    /// Opens `url` (a .safetensors file) and loads it.
    public convenience init(configuration: VideoDecoderConfiguration, url: URL) throws {
        let store = WeightStore(checkpoint: try SafeTensorsCheckpoint(url: url), residency: .dense)
        try self.init(configuration: configuration, weights: store)
    }

    /// z [Cz, T, h, w] (normalised) → pixels [3, F, h·16, w·16]; F = 4(T−1)+1 when `firstChunk`, else 4T.
    /// `keep`: only these output frames are wanted; they are cropped right after the last layer that mixes frames
    /// (every later layer works frame by frame), so the high-resolution layers skip the others — the result equals
    /// cropping the full output. `trace` receives the named intermediates of the reference (`denormalized`,
    /// `conv_in`, `mid.resnets.{i}`, `up_blocks.{b}.entry`, `up_blocks.{b}.upsampler`, `up_blocks.{b}`, `conv_out`,
    /// `pixels`; those after the last layer that mixes frames are of the kept frames). `cancellation` is checked
    /// before every layer that mixes frames, then before every group of `framesPerGroup` output frames that runs the
    /// frame-by-frame layers (with a `trace`, all frames are one group), and polled inside every convolution.
    public func callAsFunction(_ z: Tensor, firstChunk: Bool, keep: Range<Int>? = nil,
                               cancellation: CancellationToken? = nil,
                               trace: ((String, Tensor) -> Void)? = nil) throws -> Tensor {
        try decode(z, firstChunk: firstChunk, keep: keep, cancellation: cancellation, trace: trace)
    }

    /// Output frames per cancellation check in the frame-by-frame layers (the high-resolution ones).
    static let framesPerGroup = 1

    /// `callAsFunction`, with the group size and a per-group hook for tests.
    func decode(_ z: Tensor, firstChunk: Bool, keep: Range<Int>?, cancellation: CancellationToken?,
                trace: ((String, Tensor) -> Void)?, framesPerGroup: Int = VideoDecoder.framesPerGroup,
                afterGroup: ((Int) -> Void)? = nil) throws -> Tensor {
        let c = configuration
        guard z.rank == 4, z.shape[0] == c.latentChannels, z.shape[1] > 0 else {
            throw HappyHorseError.invalidArgument(name: "latent", reason: "expected [\(c.latentChannels), T>0, h, w], got \(z.shape)")
        }
        let frames = firstChunk ? c.temporalFactor * (z.shape[1] - 1) + 1 : c.temporalFactor * z.shape[1]
        if let keep, keep.lowerBound < 0 || keep.upperBound > frames || keep.isEmpty {
            throw HappyHorseError.invalidArgument(name: "kept frames", reason: "\(keep) of \(frames) output frames")
        }
        let layers = self.layers(firstChunk: firstChunk)
        let isCancelled = Self.poll(cancellation)
        let mixing = (layers.lastIndex(where: \.mixesFrames) ?? -1) + 1  // layers [0, mixing) run on the whole window
        var x = denormalize(z)  // [Cz, T, h, w]
        trace?("denormalized", x)
        for layer in layers[..<mixing] {
            try cancellation?.check()
            x = layer.apply(x, isCancelled)
            for name in layer.traces { trace?(name, x) }
        }
        if let keep, keep != 0..<frames { x = x.slicingFrames(keep) }  // [C, kept, H, W]
        if trace != nil {
            for layer in layers[mixing...] {
                try cancellation?.check()
                x = layer.apply(x, isCancelled)
                for name in layer.traces { trace?(name, x) }
            }
        } else {
            x = try Self.runPerFrame(layers[mixing...], on: x, framesPerGroup: framesPerGroup,
                                     cancellation: cancellation, afterGroup: afterGroup)
        }
        try cancellation?.check()  // a layer cut short by the token left x incomplete
        let pixels = Self.unpatchify(x, patch: c.patchSize, channels: c.outChannels)  // [3, F, H·p, W·p]
        trace?("pixels", pixels)
        return pixels
    }

    /// mu = z·std_c + mean_c on [C, T, h, w].
    func denormalize(_ z: Tensor) -> Tensor {
        var x = z
        let per = z.count / max(1, z.shape[0])
        for ch in 0..<z.shape[0] {
            let (s, m) = (configuration.latentStd[ch], configuration.latentMean[ch])
            for i in (ch * per)..<((ch + 1) * per) { x.storage[i] = z.storage[i] * s + m }
        }
        return x
    }

    /// [C·p·p, F, H, W] → [C, F, H·p, W·p]; channel ch = c·p·p + wOff·p + hOff goes to pixel (h·p+hOff, w·p+wOff).
    static func unpatchify(_ x: Tensor, patch p: Int, channels: Int) -> Tensor {
        let (f, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(shape: [channels, f, h * p, w * p])
        for c in 0..<channels {
            for wOff in 0..<p {
                for hOff in 0..<p {
                    let src = ((c * p + wOff) * p + hOff) * f * h * w
                    for t in 0..<f {
                        for yy in 0..<h {
                            let srcRow = src + (t * h + yy) * w
                            let dstRow = ((c * f + t) * h * p + yy * p + hOff) * w * p
                            for xx in 0..<w { y.storage[dstRow + xx * p + wOff] = x.storage[srcRow + xx] }
                        }
                    }
                }
            }
        }
        return y
    }
}
