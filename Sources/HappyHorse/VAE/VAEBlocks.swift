// port of tools/reference/vae.py (ResNet, Upsample): the decoder's building blocks on channel-major [C, T, H, W].

/// Channel RMS norms of the VAE (no weight): x / sqrt(mean_c x² + eps).
enum VAENorm {
    static let eps: Float = 1e-8
    static let shortcutEps: Float = 1e-6
}

/// x → norm → act → conv1 → norm → SiLU → conv2, plus x (or norm(eps 1e-6) → 1×1×1 conv_shortcut when widths differ).
struct VAEResNet: Sendable {
    enum ActivationKind: Sendable { case silu, relu }
    let activation: ActivationKind
    let conv1: Conv3d
    let conv2: Conv3d
    let shortcut: Conv3d?

    init(_ store: WeightStore, _ key: String, inChannels cin: Int, outChannels cout: Int, temporalKernel kt: Int,
         activation: ActivationKind) throws {
        self.activation = activation
        conv1 = try Conv3d.load(store, key + ".conv1", inChannels: cin, outChannels: cout, kernel: (kt, 3, 3))
        conv2 = try Conv3d.load(store, key + ".conv2", inChannels: cout, outChannels: cout, kernel: (kt, 3, 3))
        shortcut = cin == cout ? nil
            : try Conv3d.load(store, key + ".conv_shortcut", inChannels: cin, outChannels: cout, kernel: (1, 1, 1))
    }

    /// `isCancelled`: see Conv3d (an incomplete result once it returns true).
    func callAsFunction(_ x: Tensor, isCancelled: (@Sendable () -> Bool)? = nil) -> Tensor {
        var h = Norm.channelRMSNorm(x, eps: VAENorm.eps)  // [Cin, T, H, W]
        switch activation {
        case .silu: Activation.silu(&h)
        case .relu: Activation.relu(&h)
        }
        h = conv1(h, isCancelled: isCancelled)  // [Cout, T, H, W]
        h = Norm.channelRMSNorm(h, eps: VAENorm.eps)
        Activation.silu(&h)
        h = conv2(h, isCancelled: isCancelled)  // [Cout, T, H, W]
        let residual = shortcut.map { $0(Norm.channelRMSNorm(x, eps: VAENorm.shortcutEps)) } ?? x
        Activation.add(residual, into: &h)
        return h
    }
}

/// "3d": time_conv (C → 2C, k (3,1,1)), halves interleaved in time (first half at even t), first frame dropped on
/// the first chunk; then the spatial ×2: nearest ×2 and conv (1,3,3), or (`shuffle`) conv (1,3,3) C → 4C and
/// depth-to-space ×2. "2d": only the spatial part.
struct VAEUpsampler: Sendable {
    let timeConv: Conv3d?
    let conv: Conv3d
    let form: VideoDecoderConfiguration.SpatialUpsample

    init(_ store: WeightStore, _ key: String, channels c: Int, temporal: Bool,
         spatial form: VideoDecoderConfiguration.SpatialUpsample = .nearest) throws {
        self.form = form
        timeConv = temporal ? try Conv3d.load(store, key + ".time_conv", inChannels: c, outChannels: 2 * c, kernel: (3, 1, 1)) : nil
        conv = try Conv3d.load(store, key + ".conv", inChannels: c, outChannels: form == .shuffle ? 4 * c : c, kernel: (1, 3, 3))
    }

    func callAsFunction(_ x: Tensor, firstChunk: Bool) -> Tensor {
        spatial(timeConv == nil ? x : temporal(x, firstChunk: firstChunk))
    }

    /// The "3d" time step: [C, T, H, W] → [C, 2T(−1), H, W].
    func temporal(_ x: Tensor, firstChunk: Bool, isCancelled: (@Sendable () -> Bool)? = nil) -> Tensor {
        guard let timeConv else { return x }
        let (c, t, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let y = timeConv(x, isCancelled: isCancelled)  // [2C, T, H, W]
        let drop = firstChunk ? 1 : 0
        let t2 = 2 * t - drop
        var z = Tensor(shape: [c, t2, x.shape[2], x.shape[3]])  // [C, 2T(−1), H, W]
        y.storage.withUnsafeBufferPointer { yp in
            z.storage.withUnsafeMutableBufferPointer { zp in
                for ch in 0..<c {
                    for tt in drop..<(2 * t) {
                        // frame tt of the interleave = frame tt/2 of half (tt % 2): channel (tt % 2)·C + ch
                        let src = yp.baseAddress! + (((tt % 2) * c + ch) * t + tt / 2) * hw
                        let dst = zp.baseAddress! + (ch * t2 + tt - drop) * hw
                        dst.update(from: src, count: hw)
                    }
                }
            }
        }
        return z
    }

    /// [C, T, H, W] → [C, T, 2H, 2W]: nearest ×2 fused into the conv, or the conv then depth-to-space ×2.
    func spatial(_ x: Tensor, isCancelled: (@Sendable () -> Bool)? = nil) -> Tensor {
        switch form {
        case .nearest: return conv(x, upsample: 2, isCancelled: isCancelled)
        case .shuffle: return Self.depthToSpace(conv(x, isCancelled: isCancelled))  // [4C, T, H, W] → [C, T, 2H, 2W]
        }
    }

    /// [4C, T, H, W] → [C, T, 2H, 2W]: channel (dy·2 + dx)·C + c goes to pixel (2h + dy, 2w + dx) of channel c.
    static func depthToSpace(_ y: Tensor) -> Tensor {
        let (c, t, h, w) = (y.shape[0] / 4, y.shape[1], y.shape[2], y.shape[3])
        var z = Tensor(shape: [c, t, 2 * h, 2 * w])
        y.storage.withUnsafeBufferPointer { yp in
            z.storage.withUnsafeMutableBufferPointer { zp in
                for phase in 0..<4 {
                    let (dy, dx) = (phase / 2, phase % 2)
                    for ch in 0..<c {
                        for f in 0..<t {
                            let src = yp.baseAddress! + ((phase * c + ch) * t + f) * h * w
                            let dst = zp.baseAddress! + (ch * t + f) * 4 * h * w
                            for i in 0..<h {
                                let row = dst + (2 * i + dy) * 2 * w + dx
                                for j in 0..<w { row[2 * j] = src[i * w + j] }
                            }
                        }
                    }
                }
            }
        }
        return z
    }
}
