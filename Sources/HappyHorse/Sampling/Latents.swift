/// Video [C, T, h, w] and audio [A, audio_in] latents (or velocities / noise of the same shapes).
public struct Latents: Sendable, Equatable {
    public var video: Tensor
    public var audio: Tensor
    public init(video: Tensor, audio: Tensor) {
        self.video = video
        self.audio = audio
    }
}
