import Foundation

// Endless generation for live mode (docs/live.md): chunk after chunk, each continuing from the previous chunk's last
// `context_latent_frames` latent frames (spec §2.8), with the prompt, steps and guidance changeable between chunks.
//
// It reuses ChunkedGeneration's chunk machinery as is (noise draws, LatentGeneration.generate with continuation
// conditioning, the decode with right context): a ChunkedGeneration over an unbounded clip plan, driven one chunk at a
// time. Before a chunk starts, pending settings are applied: a new prompt is re-encoded (text rows replaced), a new
// step count gives a new sigma schedule; the latent continuation (previous chunk, undecoded latent frames, noise
// generator) is kept, so motion and scene carry across the change.
//
// Decode look-ahead: with `decode_lookahead` = 1 (the default), the frames handed out after chunk k are the clip
// frames up to the last-but-one latent frame of chunk k. So the first frame handed out after a chunk made with new
// settings still belongs to the previous chunk's last latent frame, decoded with the new chunk as right context:
// the change shows there first (gradually, as the continuation intends).

/// Settings of a continuous generation that can change between chunks.
public struct ContinuousSettings: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    /// 0 = the model's default.
    public var numInferenceSteps: Int
    /// Classifier-free guidance scale; 0 = the model's default (`pipeline.guidance_scale`), ≤ 1 = no guidance.
    public var guidanceScale: Float
    /// Caller's tag for this set of settings; frames report the revision of the chunk that made them.
    public var revision: Int64
    /// Static hold threshold; negative = the model's (`pipeline.static_hold_threshold`), 0 = off.
    public var staticHoldThreshold: Double
    /// Autoguidance scale; negative = the model's (`pipeline.autoguidance.scale`), ≤ 1 = off.
    public var autoguidanceScale: Float

    public init(prompt: String, negativePrompt: String = "", numInferenceSteps: Int = 0, guidanceScale: Float = 0,
                revision: Int64 = 0, staticHoldThreshold: Double = -1, autoguidanceScale: Float = -1) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.revision = revision
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidanceScale = autoguidanceScale
    }
}

/// One frame of a continuous generation.
public struct ContinuousFrame: Sendable {
    public var frame: VideoFrame
    /// Index of the chunk whose decode handed out this frame.
    public var chunk: Int
    /// `ContinuousSettings.revision` in force for that chunk.
    public var revision: Int64
    /// Denoising steps used for that chunk.
    public var steps: Int
    /// Wall time of computing that chunk (prompt re-encode + denoise + decode), seconds; > 0 only on the chunk's
    /// first frame (the call that computed it), 0 on the others.
    public var chunkSeconds: Double

    public init(frame: VideoFrame, chunk: Int, revision: Int64, steps: Int, chunkSeconds: Double) {
        self.frame = frame
        self.chunk = chunk
        self.revision = revision
        self.steps = steps
        self.chunkSeconds = chunkSeconds
    }
}

/// An endless generation: `nextFrame()` never returns nil; it computes the next chunk when no frame is pending.
public protocol ContinuousVideoStream: AnyObject {
    /// Frames handed out per chunk in steady state (after the first chunk).
    var framesPerChunk: Int { get }
    /// Frames ready without computing (0 = the next `nextFrame()` computes a chunk: a chunk boundary).
    var pendingFrames: Int { get }
    /// Settings for the next chunk (and later ones). Called on the thread that calls `nextFrame()`.
    func update(_ settings: ContinuousSettings)
    func nextFrame() throws -> ContinuousFrame
}

/// Engines that can generate endlessly (the real pipeline; test engines may conform too).
public protocol ContinuousTextToVideoEngine: TextToVideoEngine {
    func startContinuousGeneration(_ settings: ContinuousSettings, seed: UInt64,
                                   cancellation: CancellationToken) throws -> any ContinuousVideoStream
}

public final class ContinuousGenerationStream: ContinuousVideoStream {
    let generation: ChunkedGeneration
    let pipeline: TextToVideoPipeline
    private var current: ContinuousSettings
    private var next: ContinuousSettings?
    private var chunkRevision: Int64
    private var chunkSteps: Int
    private var lastChunkSeconds = 0.0
    private var handedOutOfChunk = 0
    private var failure: Error?

    /// Unbounded clip: Int32.max frames (about 2.7 years at 25 fps); only the latent frames still needed are kept.
    static let endlessSeconds = 1e12

    init(pipeline: TextToVideoPipeline, settings: ContinuousSettings, seed: UInt64, cancellation: CancellationToken) throws {
        self.pipeline = pipeline
        current = settings
        var request = try GenerationRequest(prompt: settings.prompt, negativePrompt: settings.negativePrompt, seed: seed,
                                            numInferenceSteps: settings.numInferenceSteps,
                                            guidanceScale: settings.guidanceScale, durationSeconds: 1,
                                            staticHoldThreshold: settings.staticHoldThreshold,
                                            autoguidanceScale: settings.autoguidanceScale).validated()
        request.durationSeconds = Self.endlessSeconds  // past validated()'s clip limit on purpose
        generation = try ChunkedGeneration(pipeline: pipeline, request: request, cancellation: cancellation,
                                           progress: { _ in })
        chunkRevision = settings.revision
        chunkSteps = generation.sigmas.count - 1
    }

    public var framesPerChunk: Int {
        let p = generation.plan
        return (p.chunkLatentFrames - p.contextLatentFrames) * p.temporalFactor
    }

    public var pendingFrames: Int { generation.pending.count - generation.pendingIndex }

    public func update(_ settings: ContinuousSettings) { next = settings }

    public func nextFrame() throws -> ContinuousFrame {
        if let failure { throw failure }
        var seconds = 0.0
        while pendingFrames == 0 {
            let start = Date()
            do {
                try applyPendingSettings()
                try generation.produceChunk()
            } catch {
                failure = error
                throw error
            }
            seconds += Date().timeIntervalSince(start)
            handedOutOfChunk = 0
        }
        if seconds > 0 { lastChunkSeconds = seconds }
        let frame = generation.pending[generation.pendingIndex]
        generation.pendingIndex += 1
        handedOutOfChunk += 1
        return ContinuousFrame(frame: frame, chunk: generation.chunk - 1, revision: chunkRevision, steps: chunkSteps,
                               chunkSeconds: seconds)
    }

    /// Re-encodes the text and/or recomputes the sigma schedule when the settings changed.
    func applyPendingSettings() throws {
        guard let settings = next else { return }
        next = nil
        try GenerationRequest.checkStaticHold(settings.staticHoldThreshold)
        try GenerationRequest.checkAutoguidance(settings.autoguidanceScale)
        let dir = pipeline.directory, p = dir.pipeline
        if settings.prompt != current.prompt {
            let (embedding, unknown) = try pipeline.encodePrompt(settings.prompt)
            if !unknown.isEmpty { pipeline.log("happyhorse: unknown words ignored: \(unknown.joined(separator: " "))") }
            generation.text = embedding
        }
        let autoguidance = pipeline.resolvedAutoguidanceScale(settings.autoguidanceScale)  // −1 = the model's
        if autoguidance > 1, settings.prompt != current.prompt || generation.guideText == nil {
            generation.guideText = try pipeline.encodeGuidePrompt(settings.prompt)
        } else if autoguidance <= 1 {
            generation.guideText = nil
        }
        generation.autoguidanceScale = autoguidance
        let guidance = p.resolvedGuidanceScale(settings.guidanceScale)  // 0 = the model's guidance_scale
        let cfg = guidance > 1 && dir.supportsCFG
        if cfg, settings.negativePrompt != current.negativePrompt || generation.negativeText == nil {
            generation.negativeText = try pipeline.encodePrompt(settings.negativePrompt).embedding
        } else if !cfg {
            generation.negativeText = nil
        }
        generation.guidanceScale = guidance
        generation.staticHoldThreshold = p.resolvedStaticHoldThreshold(settings.staticHoldThreshold)  // −1 = the model's
        if settings.numInferenceSteps != current.numInferenceSteps {
            let steps = settings.numInferenceSteps > 0 ? settings.numInferenceSteps : p.numInferenceSteps
            generation.sigmas = (p.sigmas != nil && steps == p.numInferenceSteps) ? p.schedule
                : Sigmas.shifted(steps: steps, shift: p.shift)
        }
        current = settings
        chunkRevision = settings.revision
        chunkSteps = generation.sigmas.count - 1
    }
}

extension TextToVideoPipeline: ContinuousTextToVideoEngine {
    public func startContinuousGeneration(_ settings: ContinuousSettings, seed: UInt64,
                                          cancellation: CancellationToken) throws -> any ContinuousVideoStream {
        try ContinuousGenerationStream(pipeline: self, settings: settings, seed: seed, cancellation: cancellation)
    }
}
