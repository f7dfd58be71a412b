import Foundation

// Endless generation for live mode (docs/live.md): the chunk loop over an endless ChunkLayout, each chunk continuing
// from the previous chunk's last `context_latent_frames` latent frames (spec §2.8), with the settings changeable
// between chunks. Before a chunk starts, pending settings are applied: a new recipe (ChunkRecipe) re-encodes the
// texts that changed and takes the new step count's sigma schedule; the latent continuation (previous chunk,
// undecoded latent frames, noise generator) is kept, so motion and scene carry across the change. The noise changes
// only by `reseed` (ReseedableContinuousVideoStream.swift): an update's seed is not read.
//
// Decode look-ahead: with `decode_lookahead` = 1 (the default), the frames handed out after chunk k are the
// frames up to the last-but-one latent frame of chunk k. So the first frame handed out after a chunk made with new
// settings still belongs to the previous chunk's last latent frame, decoded with the new chunk as right context:
// the change shows there first (gradually, as the continuation intends).

public final class ContinuousGenerationStream: ReseedableContinuousVideoStream {
    let pipeline: TextToVideoPipeline
    private let loop: ChunkLoop
    /// What the chunks are made with now, and the revision their frames report.
    private var recipe: ChunkRecipe
    private var revision: Int64
    /// Settings to apply before the next chunk.
    private var next: (settings: GenerationSettings, revision: Int64)?
    private var pending: ArraySlice<VideoFrame> = []
    private var failure: Error?

    init(pipeline: TextToVideoPipeline, settings: GenerationSettings, revision: Int64,
         cancellation: CancellationToken) throws {
        let settings = try settings.validated()
        let layout = pipeline.directory.chunkLayout
        self.pipeline = pipeline
        self.revision = revision
        loop = ChunkLoop(pipeline: pipeline, schedule: layout, seed: settings.seed, cancellation: cancellation)
        try cancellation.check()
        recipe = try ChunkRecipe(settings, pipeline: pipeline)
        pipeline.log("happyhorse: generating endlessly (chunks of \(layout.chunkLatentFrames) latent frames with "
            + "\(layout.contextLatentFrames) of context, \(layout.framesPerChunk) new frames each, × \(recipe.steps) steps, "
            + "\(recipe.guidanceSummary(pipeline))), seed \(settings.seed)")
    }

    public var framesPerChunk: Int { loop.schedule.layout.framesPerChunk }

    public var pendingFrames: Int { pending.count }

    public func update(_ settings: GenerationSettings, revision: Int64) {
        next = (settings, revision)
    }

    public func reseed(_ seed: UInt64) {
        loop.reseed(seed)
    }

    public func nextFrame() throws -> ContinuousFrame {
        if let failure { throw failure }
        var seconds = 0.0
        while pending.isEmpty {
            let start = Date()
            do {
                try applyPendingSettings()
                pending = try loop.produceChunk(recipe).frames[...]
            } catch {
                failure = error
                throw error
            }
            seconds += Date().timeIntervalSince(start)
        }
        return ContinuousFrame(frame: pending.removeFirst(), chunk: loop.chunksDone - 1, revision: revision,
                               steps: recipe.steps, chunkSeconds: seconds)
    }

    /// The next recipe, when settings are pending: only the texts that changed are re-encoded.
    private func applyPendingSettings() throws {
        guard let (settings, revision) = next else { return }
        next = nil
        recipe = try ChunkRecipe(settings.validatedAsLiveUpdate(), pipeline: pipeline, continuing: recipe)
        self.revision = revision
    }
}
