/// What one latent generation (`LatentGeneration.generate`) computes: the text, the latent sizes, the sampler with its
/// schedule, the guidance and the continuation frames.
public struct LatentGenerationRequest: Sendable {
    /// [L, text_in] text embedding (real tokens only; L may be 0).
    public var text: Tensor
    /// [L', text_in] negative-prompt embedding, used when guidanceScale > 1 or a guidance schedule is set (CFG, 3.3).
    public var negativeText: Tensor?
    /// Constant CFG scale for video and audio (1 = no guidance).
    public var guidanceScale: Float
    /// Per-step CFG scales from σ (e.g. `Samplers.magiGuidance`); overrides `guidanceScale` when set.
    public var guidanceSchedule: (@Sendable (Double) -> (video: Float, audio: Float))?
    /// A: audio latent length (0 = no audio tokens, as in the built-in model).
    public var audioLength: Int
    /// T, h, w of the video latent (h and w multiples of the patch).
    public var latentFrames: Int
    public var latentHeight: Int
    public var latentWidth: Int
    public var sampler: LatentSampler
    /// n+1 values ending in 0 (`Sigmas.shifted` or an explicit list).
    public var sigmas: [Double]
    /// [C, K, h, w] clean frames overwriting the first K latent frames (continuation / TI2V), or nil.
    public var conditioningFrames: Tensor?
    /// Autoguidance (`Autoguidance.swift`): the weaker DiT, its [L_g, text_in] text embedding, scale and threshold;
    /// applied to the model's velocity before CFG.
    public var autoguide: LatentAutoguide?

    public init(text: Tensor, negativeText: Tensor? = nil, guidanceScale: Float = 1, audioLength: Int = 0,
                latentFrames: Int, latentHeight: Int, latentWidth: Int,
                sampler: LatentSampler = .distilled,
                sigmas: [Double] = Sigmas.shifted(steps: 8, shift: 5), conditioningFrames: Tensor? = nil,
                guidanceSchedule: (@Sendable (Double) -> (video: Float, audio: Float))? = nil,
                autoguide: LatentAutoguide? = nil) {
        self.text = text
        self.negativeText = negativeText
        self.guidanceScale = guidanceScale
        self.guidanceSchedule = guidanceSchedule
        self.audioLength = audioLength
        self.latentFrames = latentFrames
        self.latentHeight = latentHeight
        self.latentWidth = latentWidth
        self.sampler = sampler
        self.sigmas = sigmas
        self.conditioningFrames = conditioningFrames
        self.autoguide = autoguide
    }

    /// Whether the denoiser runs classifier-free guidance: a scale above 1 (or a schedule) and a negative prompt.
    var usesCFG: Bool { (guidanceScale > 1 || guidanceSchedule != nil) && negativeText != nil }
}
