import Foundation

// The one chunk loop of the engine (tools/reference/pipeline.py `generate`), wrapped by the clip stream
// (ClipGenerationStream, over a ClipPlan) and the live stream (ContinuousGenerationStream, over an endless
// ChunkLayout). Per chunk: noise from the loop's NoiseGenerator (initial [C, K, h, w], then one tensor per re-noising
// step, each a mixed draw when pipeline.noise_correlation > 0: MixedNoise.swift), LatentGeneration.generate with
// continuation conditioning on the previous chunk's last context frames (spec §2.8), the static hold when the
// recipe's threshold > 0 (StaticHold.swift; the held latents are the next chunk's context), then the decode of the
// latent frames that have their right context (ChunkLoop+Decode.swift). Everything runs on the caller's thread.

final class ChunkLoop {
    let pipeline: TextToVideoPipeline
    let schedule: any ChunkSchedule
    let cancellation: CancellationToken
    /// [C, K, h, w] of every chunk's latents.
    let latentShape: [Int]
    /// The source of every chunk's noise; nothing else draws from it.
    private var noise: NoiseGenerator
    /// Chunks produced so far: the index of the next one.
    private(set) var chunksDone = 0

    // Decode state (ChunkLoop+Decode.swift).
    /// [C, K, h, w]: the previous chunk's final latents.
    var previousChunk: Tensor?
    /// [C, n, h, w]: latent frames keptOffset ..< keptOffset + n (one of left context, then the undecoded ones).
    var keptLatents: Tensor?
    var keptOffset = 0
    /// Latent frames decoded so far.
    var decoded = 0

    init(pipeline: TextToVideoPipeline, schedule: any ChunkSchedule, seed: UInt64, cancellation: CancellationToken) {
        let dir = pipeline.directory, cell = dir.vae.spatialFactor
        self.pipeline = pipeline
        self.schedule = schedule
        self.cancellation = cancellation
        latentShape = [dir.vae.latentChannels, schedule.layout.chunkLatentFrames, dir.pipeline.height / cell,
                       dir.pipeline.width / cell]
        noise = NoiseGenerator(seed: seed)
    }

    /// From the next chunk on, noise is drawn from a fresh `NoiseGenerator(seed: seed)`.
    func reseed(_ seed: UInt64) {
        noise = NoiseGenerator(seed: seed)
    }

    /// Computes chunk `chunksDone` with `recipe` and decodes the latent frames that have their right context.
    /// `stepFinished` is called after every denoising step, `decodingStarts` before the decode.
    func produceChunk(_ recipe: ChunkRecipe, stepFinished: @escaping () -> Void = {},
                      decodingStarts: () -> Void = {}) throws -> ProducedChunk {
        try cancellation.check()
        let request = latentRequest(recipe)
        let (initial, renoising) = drawNoise(recipe)
        let (denoiseStart, denoiseCPU) = (Date(), GenerationTimings.processCPUSeconds())
        let sampled = try LatentGeneration.generate(dit: pipeline.dit, request: request,
                                                    noise: .injected(initial: initial, steps: renoising),
                                                    cancellation: cancellation, progress: { _ in stepFinished() })
        let latents = StaticHold.apply(sampled.video, threshold: recipe.settings.staticHoldThreshold)  // [C, K, h, w]
        let (denoised, denoisedCPU) = (Date(), GenerationTimings.processCPUSeconds())
        decodingStarts()
        let (pixels, frames) = try decode(latents)
        defer { chunksDone += 1 }
        return ProducedChunk(index: chunksDone, latents: latents, pixels: pixels, frames: frames,
                             denoisingSeconds: denoised.timeIntervalSince(denoiseStart),
                             denoisingCPUSeconds: denoisedCPU - denoiseCPU,
                             decodingSeconds: Date().timeIntervalSince(denoised),
                             decodingCPUSeconds: GenerationTimings.processCPUSeconds() - denoisedCPU)
    }

    /// The latent generation of the next chunk: continued from the previous chunk's last context frames.
    private func latentRequest(_ recipe: ChunkRecipe) -> LatentGenerationRequest {
        let layout = schedule.layout, p = pipeline.directory.pipeline
        let (k, context) = (layout.chunkLatentFrames, layout.contextLatentFrames)
        let conditioning = (chunksDone == 0 || context == 0) ? nil
            : previousChunk?.slicingFrames((k - context)..<k)  // [C, c, h, w]
        var autoguide: LatentAutoguide?
        let scale = recipe.settings.autoguidanceScale
        if scale > 1, let guide = pipeline.guide, let guideText = recipe.guideText, let a = p.autoguidance {
            autoguide = LatentAutoguide(dit: guide.dit, text: guideText, scale: scale, threshold: a.threshold)
        }
        return LatentGenerationRequest(
            text: recipe.text, negativeText: recipe.negativeText,
            guidanceScale: recipe.negativeText == nil ? 1 : recipe.settings.guidanceScale,
            audioLength: 0, latentFrames: latentShape[1], latentHeight: latentShape[2], latentWidth: latentShape[3],
            sampler: LatentSampler(p.sampler), sigmas: recipe.sigmas, conditioningFrames: conditioning, autoguide: autoguide)
    }

    /// This chunk's draws from the loop's generator: initial [C, K, h, w], then ε_i for every re-noising step.
    private func drawNoise(_ recipe: ChunkRecipe) -> (initial: Latents, renoising: [Latents]) {
        let p = pipeline.directory.pipeline, sigmas = recipe.sigmas
        let audio = Tensor(shape: [0, pipeline.dit.config.audioInChannels])  // no audio tokens (A = 0)
        let rho = p.noiseCorrelation  // frames share this fraction of each draw
        let initial = Latents(video: noise.mixedNormalTensor(shape: latentShape, correlation: rho), audio: audio)
        let renoising = LatentSampler(p.sampler) == .distilled ? (1..<sigmas.count).filter { sigmas[$0] > 0 }.count : 0
        let steps = (0..<renoising).map { _ in
            Latents(video: noise.mixedNormalTensor(shape: latentShape, correlation: rho), audio: audio)
        }
        return (initial, steps)
    }
}
