// The decoder as a list of layers in running order, so that VideoDecoder can check cancellation before each one and
// run the layers that work frame by frame one frame group at a time (a group at full resolution is a small part of
// a chunk's decode, so a cancelled generation stops within it; docs/reliability.md §3).

extension VideoDecoder {
    /// One layer of the decoder. `mixesFrames`: its output frame t depends on other input frames (kt > 1, or the
    /// "3d" upsampler's time step); `traces`: the reference's names for the intermediate right after it; `apply`
    /// polls its `isCancelled` inside the convolutions (an incomplete result once it returns true, see Conv3d).
    struct Layer {
        let mixesFrames: Bool
        var traces: [String]
        let apply: (Tensor, (@Sendable () -> Bool)?) -> Tensor
    }

    /// conv_in, mid ResNets, per up block (entry, upsampler time step, upsampler spatial step, ResNets), then
    /// norm → SiLU → conv_out. The same computation as tools/reference/vae.py, layer for layer.
    func layers(firstChunk: Bool) -> [Layer] {
        let c = configuration
        var out = [Layer(mixesFrames: true, traces: ["conv_in"]) { self.convIn($0, isCancelled: $1) }]
        for (i, resnet) in mid.enumerated() {
            out.append(Layer(mixesFrames: true, traces: ["mid.resnets.\(i)"]) { resnet($0, isCancelled: $1) })
        }
        for (b, block) in upBlocks.enumerated() {
            let temporal = c.temporalKernel[b] > 1
            var blockLayers: [Layer] = []
            if let entry = block.entry {
                blockLayers.append(Layer(mixesFrames: temporal, traces: ["up_blocks.\(b).entry"]) { entry($0, isCancelled: $1) })
            }
            if let upsampler = block.upsampler {
                if upsampler.timeConv != nil {  // [Cb, 2T(−1), H, W]
                    blockLayers.append(Layer(mixesFrames: true, traces: []) { upsampler.temporal($0, firstChunk: firstChunk, isCancelled: $1) })
                }
                blockLayers.append(Layer(mixesFrames: false, traces: ["up_blocks.\(b).upsampler"]) { upsampler.spatial($0, isCancelled: $1) })
            }
            for resnet in block.resnets {
                blockLayers.append(Layer(mixesFrames: temporal, traces: []) { resnet($0, isCancelled: $1) })
            }
            if blockLayers.isEmpty { blockLayers.append(Layer(mixesFrames: false, traces: []) { x, _ in x }) }
            blockLayers[blockLayers.count - 1].traces.append("up_blocks.\(b)")
            out += blockLayers
        }
        out.append(Layer(mixesFrames: convOut.kernel.t > 1, traces: ["conv_out"]) { x, isCancelled in
            var x = Norm.channelRMSNorm(x, eps: VAENorm.eps)
            Activation.silu(&x)
            return self.convOut(x, isCancelled: isCancelled)  // [3·p·p, F, H, W]
        })
        return out
    }

    /// The token as the convolutions poll it.
    static func poll(_ cancellation: CancellationToken?) -> (@Sendable () -> Bool)? {
        guard let token = cancellation else { return nil }
        return { token.isCancelled }
    }

    /// Runs `layers` frame by frame on `x` [C, F, H, W], `framesPerGroup` frames at a time, checking `cancellation`
    /// before each group; `afterGroup` (tests) sees the number of groups done. Exact: every layer here works frame by
    /// frame, so the groups concatenated equal the whole window run at once.
    static func runPerFrame(_ layers: ArraySlice<Layer>, on x: Tensor, framesPerGroup: Int,
                            cancellation: CancellationToken?, afterGroup: ((Int) -> Void)?) throws -> Tensor {
        let frames = x.shape[1]
        let isCancelled = poll(cancellation)
        var result: Tensor?
        var groups = 0
        for lo in stride(from: 0, to: frames, by: max(1, framesPerGroup)) {
            try cancellation?.check()
            var y = frames <= framesPerGroup ? x : x.slicingFrames(lo..<min(frames, lo + framesPerGroup))
            for layer in layers { y = layer.apply(y, isCancelled) }
            result = result.map { $0.concatenatingFrames(y) } ?? y
            groups += 1
            afterGroup?(groups)
        }
        try cancellation?.check()
        return result ?? x
    }
}
