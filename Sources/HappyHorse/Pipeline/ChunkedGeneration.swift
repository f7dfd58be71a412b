import Foundation

// One running generation (tools/reference/pipeline.py `generate`): per chunk, noise from the generation's
// NoiseGenerator(seed) (initial [C, K, h, w], then one tensor per re-noising step, each a mixed draw when
// pipeline.noise_correlation > 0: MixedNoise.swift), LatentGeneration.generate with
// continuation conditioning on the previous chunk's last context frames (spec §2.8), the static hold when
// pipeline.static_hold_threshold > 0 (StaticHold.swift; the held latents are the next chunk's context), then the decode of the clip
// latent frames that have their right context; frames are handed out one by one. Everything runs on the caller's
// thread in nextFrame().

/// Wall time per stage of one generation, in seconds (read it from `ChunkedGeneration.timings`; logged at the end).
public struct GenerationTimings: Sendable, Equatable {
    public var encodingPrompt = 0.0
    public var denoising = 0.0
    public var decoding = 0.0
    /// From the start of `startGeneration` to the first frame being available.
    public var firstFrame: Double?
    public var total = 0.0
    /// Process CPU time (all threads of the process) spent in the denoising and decoding stages: on a loaded machine
    /// a steadier measure of the work than wall time.
    public var denoisingCPU = 0.0
    public var decodingCPU = 0.0

    /// CPU seconds used by this process so far.
    static func processCPUSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }
}

public final class ChunkedGeneration: VideoGenerationStream {
    let pipeline: TextToVideoPipeline
    let plan: ClipPlan
    // `var` so that ContinuousGenerationStream can change them between chunks (prompt, steps, guidance).
    var sigmas: [Double]
    var text: Tensor  // [L, text_in]
    var negativeText: Tensor?  // [L', text_in] when CFG runs
    var guideText: Tensor?  // [L, text_in] through the autoguidance guide's text encoder, while autoguidance runs
    var autoguidanceScale: Float  // resolved: ≤ 1 = off
    var guidanceScale: Float
    var staticHoldThreshold: Double  // resolved: 0 = off
    let cancellation: CancellationToken
    let progress: @Sendable (GenerationProgress) -> Void
    let latentShape: [Int]  // [C, K, h, w]
    var noise: NoiseGenerator

    var chunk = 0
    var previousChunk: Tensor?  // [C, K, h, w], final latents of the previous chunk
    var clip: Tensor?  // [C, n, h, w]: clip latent frames clipOffset ..< clipOffset + n (left context + undecoded)
    var clipOffset = 0
    var decoded = 0  // clip latent frames decoded so far
    var pending: [VideoFrame] = []
    var pendingIndex = 0
    var stepsDone = 0
    var failure: Error?
    let started = Date()
    /// Test hook: sees (chunk, final latents [C, K, h, w], decoded pixels [3, F, H, W]) of every chunk.
    var chunkObserver: ((Int, Tensor, Tensor) -> Void)?

    public private(set) var timings = GenerationTimings()

    public var totalFrames: Int { plan.frames }
    var totalSteps: Int { plan.chunkCount * (sigmas.count - 1) }

    init(pipeline: TextToVideoPipeline, request: GenerationRequest, cancellation: CancellationToken,
         progress: @escaping @Sendable (GenerationProgress) -> Void) throws {
        let dir = pipeline.directory, p = dir.pipeline
        self.pipeline = pipeline
        self.cancellation = cancellation
        self.progress = progress
        plan = ClipPlan(frames: ClipPlan.frameCount(durationSeconds: request.durationSeconds, fps: p.fps),
                        chunkLatentFrames: p.chunkLatentFrames, contextLatentFrames: p.contextLatentFrames,
                        temporalFactor: dir.vae.temporalFactor)
        let steps = request.numInferenceSteps > 0 ? request.numInferenceSteps : p.numInferenceSteps
        sigmas = (p.sigmas != nil && steps == p.numInferenceSteps) ? p.schedule : Sigmas.shifted(steps: steps, shift: p.shift)
        let cell = dir.vae.spatialFactor
        latentShape = [dir.vae.latentChannels, p.chunkLatentFrames, p.height / cell, p.width / cell]
        noise = NoiseGenerator(seed: request.seed)
        guidanceScale = p.resolvedGuidanceScale(request.guidanceScale)  // request 0 = the model's guidance_scale
        staticHoldThreshold = p.resolvedStaticHoldThreshold(request.staticHoldThreshold)  // request −1 = the model's
        autoguidanceScale = pipeline.resolvedAutoguidanceScale(request.autoguidanceScale)  // request −1 = the model's

        progress(GenerationProgress(stage: .encodingPrompt, step: 0, totalSteps: plan.chunkCount * (sigmas.count - 1),
                                    elapsedSeconds: 0, etaSeconds: 0))
        try cancellation.check()
        let encodeStart = Date()
        let (embedding, unknown) = try pipeline.encodePrompt(request.prompt)
        text = embedding
        if !unknown.isEmpty { pipeline.log("happyhorse: unknown words ignored: \(unknown.joined(separator: " "))") }
        if request.autoguidanceScale > 1, pipeline.guide == nil {
            pipeline.log("happyhorse: model has no autoguidance guide; autoguidance-scale ignored")
        }
        guideText = autoguidanceScale > 1 ? try pipeline.encodeGuidePrompt(request.prompt) : nil
        if guidanceScale > 1, dir.supportsCFG {
            negativeText = try pipeline.encodePrompt(request.negativePrompt).embedding
        } else {
            if guidanceScale > 1 { pipeline.log("happyhorse: model does not support guidance; guidance-scale ignored") }
            negativeText = nil
        }
        timings.encodingPrompt = Date().timeIntervalSince(encodeStart)
        pipeline.log("happyhorse: generating \(plan.frames) frames (\(plan.latentFrames) latent frames, \(plan.chunkCount) "
            + "chunk(s) × \(sigmas.count - 1) steps, \(negativeText != nil ? "CFG \(guidanceScale)" : "no CFG")"
            + "\(autoguidanceSummary)), seed \(request.seed)")
    }

    /// ", autoguidance w (threshold λ)" when the model has a loaded guide, else "".
    var autoguidanceSummary: String {
        guard guideText != nil, let a = pipeline.directory.pipeline.autoguidance else { return "" }
        return ", autoguidance \(autoguidanceScale) (threshold \(a.threshold))"
    }

    public func nextFrame() throws -> VideoFrame? {
        if let failure { throw failure }
        while pendingIndex == pending.count {  // a chunk may decode no frame (its frames wait for right context)
            guard chunk < plan.chunkCount else { return nil }
            do {
                try produceChunk()
            } catch {
                failure = error
                throw error
            }
            timings.total = Date().timeIntervalSince(started)
            if timings.firstFrame == nil, pendingIndex < pending.count { timings.firstFrame = timings.total }
            if chunk == plan.chunkCount {
                let t = timings
                pipeline.log(String(format: "happyhorse: %d frames in %.2f s (prompt %.3f s, denoising %.2f s, decoding %.2f s, "
                                    + "first frame after %.2f s)", plan.frames, t.total, t.encodingPrompt, t.denoising,
                                    t.decoding, t.firstFrame ?? 0))
            }
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    // MARK: one chunk

    func produceChunk() throws {
        try cancellation.check()
        let k = chunk
        let context = plan.contextLatentFrames
        let conditioning = (k == 0 || context == 0) ? nil
            : previousChunk?.slicingFrames((plan.chunkLatentFrames - context)..<plan.chunkLatentFrames)  // [C, c, h, w]
        let sampler = LatentSampler(pipeline.directory.pipeline.sampler)
        // This chunk's draws from the generation's generator: initial [C, K, h, w], then ε_i for every re-noising step.
        let audio = Tensor(shape: [0, pipeline.dit.config.audioInChannels])  // no audio tokens (A = 0)
        let rho = pipeline.directory.pipeline.noiseCorrelation  // frames share this fraction of each draw
        let initial = Latents(video: noise.mixedNormalTensor(shape: latentShape, correlation: rho), audio: audio)
        let renoising = sampler == .distilled ? (1..<sigmas.count).filter { sigmas[$0] > 0 }.count : 0
        let steps = (0..<renoising).map { _ in
            Latents(video: noise.mixedNormalTensor(shape: latentShape, correlation: rho), audio: audio)
        }
        var autoguide: LatentAutoguide?
        if autoguidanceScale > 1, let guide = pipeline.guide, let guideText, let a = pipeline.directory.pipeline.autoguidance {
            autoguide = LatentAutoguide(dit: guide.dit, text: guideText, scale: autoguidanceScale, threshold: a.threshold)
        }
        let request = LatentGenerationRequest(
            text: text, negativeText: negativeText, guidanceScale: negativeText == nil ? 1 : guidanceScale,
            audioLength: 0, latentFrames: latentShape[1], latentHeight: latentShape[2], latentWidth: latentShape[3],
            sampler: sampler, sigmas: sigmas, conditioningFrames: conditioning, autoguide: autoguide)
        let (denoiseStart, denoiseCPU) = (Date(), GenerationTimings.processCPUSeconds())
        let sampled = try LatentGeneration.generate(dit: pipeline.dit, request: request,
                                                    noise: .injected(initial: initial, steps: steps),
                                                    cancellation: cancellation, progress: { _ in self.stepFinished() })
        // [C, K, h, w]; also the next chunk's context
        let video = StaticHold.apply(sampled.video, threshold: staticHoldThreshold)
        timings.denoising += Date().timeIntervalSince(denoiseStart)
        timings.denoisingCPU += GenerationTimings.processCPUSeconds() - denoiseCPU
        let (decodeStart, decodeCPU) = (Date(), GenerationTimings.processCPUSeconds())
        try decode(video)
        timings.decoding += Date().timeIntervalSince(decodeStart)
        timings.decodingCPU += GenerationTimings.processCPUSeconds() - decodeCPU
        chunk += 1
    }

    func stepFinished() {
        stepsDone += 1
        let elapsed = Date().timeIntervalSince(started)
        let eta = elapsed / Double(stepsDone) * Double(totalSteps - stepsDone)
        progress(GenerationProgress(stage: .denoising, step: stepsDone, totalSteps: totalSteps,
                                    elapsedSeconds: elapsed, etaSeconds: eta))
    }

    /// Appends the chunk's new latent frames to the clip and decodes every clip latent frame that has its right
    /// context (`ModelDirectory.decodeLookahead`) into `pending` (tools/reference/pipeline.py step 4).
    func decode(_ latent: Tensor) throws {
        let k = chunk
        let lookahead = pipeline.directory.decodeLookahead
        let fresh = k == 0 ? latent : latent.slicingFrames(plan.contextLatentFrames..<plan.chunkLatentFrames)  // [C, new, h, w]
        let buffer = clip.map { $0.concatenatingFrames(fresh) } ?? fresh  // clip frames clipOffset ..< covered
        let covered = clipOffset + buffer.shape[1]
        let end = plan.latentsDecoded(afterChunk: k, lookahead: lookahead)
        let elapsed = Date().timeIntervalSince(started)
        progress(GenerationProgress(stage: .decoding, step: stepsDone, totalSteps: totalSteps, elapsedSeconds: elapsed,
                                    etaSeconds: elapsed / Double(max(1, stepsDone)) * Double(totalSteps - stepsDone)))
        var pixels = Tensor(shape: [3, 0, pipeline.directory.pipeline.height, pipeline.directory.pipeline.width])
        if end > decoded {
            let lo = max(0, decoded - 1)  // one latent frame of left context
            let hi = min(covered, end + lookahead)  // `lookahead` frames of right context
            let window = buffer.slicingFrames((lo - clipOffset)..<(hi - clipOffset))  // clip frames [lo, hi)
            pixels = try pipeline.decoder.decodeWindow(window, start: decoded - lo, end: end - lo, left: 1, right: lookahead,
                                                       offset: lo, cancellation: cancellation)  // [3, F, H, W]
        }
        chunkObserver?(k, latent, pixels)
        let first = plan.firstPixel(ofLatent: decoded), last = plan.firstPixel(ofLatent: end)
        let (h, w) = (pixels.shape[2], pixels.shape[3])
        pending = (first..<max(first, last)).enumerated().map { offset, index in
            VideoFrame(index: index, width: w, height: h, rgb: VideoDecoder.rgb8(pixels, frame: offset))
        }
        pendingIndex = 0
        decoded = max(decoded, end)
        // keep one frame of left context and the undecoded frames
        let keepFrom = max(clipOffset, decoded - 1)
        clip = buffer.slicingFrames((keepFrom - clipOffset)..<buffer.shape[1])
        clipOffset = keepFrom
        previousChunk = latent
    }
}
