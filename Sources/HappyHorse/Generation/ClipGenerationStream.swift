import Foundation

// One clip (tools/reference/pipeline.py `generate`): the settings resolved and the prompt encoded once (ChunkRecipe),
// then the chunk loop over the clip's ClipPlan, its frames handed out one by one, with progress reports over the
// whole clip. Everything runs on the caller's thread in nextFrame().

public final class ClipGenerationStream: VideoGenerationStream {
    let pipeline: TextToVideoPipeline
    let plan: ClipPlan
    let recipe: ChunkRecipe
    private let loop: ChunkLoop
    private let progress: @Sendable (GenerationProgress) -> Void
    private let started = Date()
    private var pending: ArraySlice<VideoFrame> = []
    private var stepsDone = 0
    private var failure: Error?
    /// Test hook: sees (chunk, final latents [C, K, h, w], decoded pixels [3, F, H, W]) of every chunk.
    var chunkObserver: ((Int, Tensor, Tensor) -> Void)?

    public private(set) var timings = GenerationTimings()

    public var totalFrames: Int { plan.frames }
    var totalSteps: Int { plan.chunkCount * recipe.steps }

    /// Encodes the prompt (and, with CFG, the negative prompt) of a validated request; the chunks are computed by
    /// `nextFrame()`.
    init(pipeline: TextToVideoPipeline, request: GenerationRequest, cancellation: CancellationToken,
         progress: @escaping @Sendable (GenerationProgress) -> Void) throws {
        let settings = request.settings
        self.pipeline = pipeline
        self.progress = progress
        plan = ClipPlan(frames: pipeline.frameCount(durationSeconds: request.durationSeconds),
                        layout: pipeline.directory.chunkLayout)
        loop = ChunkLoop(pipeline: pipeline, schedule: plan, seed: settings.seed, cancellation: cancellation)
        let steps = ChunkRecipe.sigmas(for: settings, pipeline: pipeline).count - 1
        progress(GenerationProgress(stage: .encodingPrompt, step: 0, totalSteps: plan.chunkCount * steps,
                                    elapsedSeconds: 0, etaSeconds: 0))
        try cancellation.check()
        let encodeStart = Date()
        recipe = try ChunkRecipe(settings, pipeline: pipeline)
        timings.encodingPrompt = Date().timeIntervalSince(encodeStart)
        pipeline.log("happyhorse: generating \(plan.frames) frames (\(plan.latentFrames) latent frames, \(plan.chunkCount) "
            + "chunk(s) × \(recipe.steps) steps, \(recipe.guidanceSummary(pipeline))), seed \(settings.seed)")
    }

    public func nextFrame() throws -> VideoFrame? {
        if let failure { throw failure }
        while pending.isEmpty {  // a chunk may decode no frame (its frames wait for right context)
            guard loop.chunksDone < plan.chunkCount else { return nil }
            do {
                try produceChunk()
            } catch {
                failure = error
                throw error
            }
            timings.total = Date().timeIntervalSince(started)
            if timings.firstFrame == nil, !pending.isEmpty { timings.firstFrame = timings.total }
            if loop.chunksDone == plan.chunkCount {
                let t = timings
                pipeline.log(String(format: "happyhorse: %d frames in %.2f s (prompt %.3f s, denoising %.2f s, decoding %.2f s, "
                                    + "first frame after %.2f s)", plan.frames, t.total, t.encodingPrompt, t.denoising,
                                    t.decoding, t.firstFrame ?? 0))
            }
        }
        return pending.removeFirst()
    }

    private func produceChunk() throws {
        let chunk = try loop.produceChunk(recipe, stepFinished: { self.stepFinished() }, decodingStarts: reportDecoding)
        timings.add(chunk)
        chunkObserver?(chunk.index, chunk.latents, chunk.pixels)
        pending = chunk.frames[...]
    }

    private func stepFinished() {
        stepsDone += 1
        let elapsed = Date().timeIntervalSince(started)
        let eta = elapsed / Double(stepsDone) * Double(totalSteps - stepsDone)
        progress(GenerationProgress(stage: .denoising, step: stepsDone, totalSteps: totalSteps,
                                    elapsedSeconds: elapsed, etaSeconds: eta))
    }

    private func reportDecoding() {
        let elapsed = Date().timeIntervalSince(started)
        progress(GenerationProgress(stage: .decoding, step: stepsDone, totalSteps: totalSteps, elapsedSeconds: elapsed,
                                    etaSeconds: elapsed / Double(max(1, stepsDone)) * Double(totalSteps - stepsDone)))
    }
}
