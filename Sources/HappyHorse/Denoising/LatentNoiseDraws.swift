// The draws of one latent generation, in the documented order (LatentGeneration.swift): with `.seed`, the initial
// video [C, T, h, w] and audio [A, audio_in] now, then video ε_i and audio ε_i per re-noising step, lazily in step
// order (the same stream as drawing up front); with `.injected`, the given tensors.

struct LatentNoiseDraws {
    let initial: Latents
    private var generator: NoiseGenerator?
    private let injectedSteps: [Latents]
    private let videoShape: [Int]
    private let audioShape: [Int]
    private var drawn = 0

    /// `videoShape` [C, T, h, w], `audioShape` [A, audio_in]; injected initial latents must have them.
    init(_ noise: LatentNoise, videoShape: [Int], audioShape: [Int]) throws {
        self.videoShape = videoShape
        self.audioShape = audioShape
        switch noise {
        case let .seed(seed):
            var g = NoiseGenerator(seed: seed)
            let video = g.normalTensor(shape: videoShape)
            let audio = g.normalTensor(shape: audioShape)
            initial = Latents(video: video, audio: audio)
            generator = g
            injectedSteps = []
        case let .injected(start, steps):
            guard start.video.shape == videoShape, start.audio.shape == audioShape else {
                throw HappyHorseError.invalidArgument(name: "injected noise",
                    reason: "initial shapes \(start.video.shape), \(start.audio.shape); expected \(videoShape), \(audioShape)")
            }
            initial = start
            injectedSteps = steps
        }
    }

    /// ε of re-noising step `step` (called once per such step, in step order).
    mutating func next(step: Int) throws -> Latents {
        defer { drawn += 1 }
        if var g = generator {
            let video = g.normalTensor(shape: videoShape)  // [C, T, h, w]
            let audio = g.normalTensor(shape: audioShape)  // [A, audio_in]
            generator = g
            return Latents(video: video, audio: audio)
        }
        guard drawn < injectedSteps.count else {
            throw HappyHorseError.invalidArgument(name: "injected noise", reason: "no noise tensor for step \(step)")
        }
        return injectedSteps[drawn]
    }
}
