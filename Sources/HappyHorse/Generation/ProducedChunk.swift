/// One chunk out of the chunk loop (ChunkLoop.produceChunk).
struct ProducedChunk {
    /// The chunk's index in its generation (0-based).
    let index: Int
    /// [C, K, h, w]: the chunk's final latents (after the static hold), the next chunk's context.
    let latents: Tensor
    /// [3, F, H, W]: the pixels decoded after this chunk (F may be 0: its frames wait for right context).
    let pixels: Tensor
    /// Those pixels as frames, numbered in the generation; for a clip, none past its end.
    let frames: [VideoFrame]
    /// Wall and process CPU seconds of the denoising (with the static hold) and of the decode.
    let denoisingSeconds: Double
    let denoisingCPUSeconds: Double
    let decodingSeconds: Double
    let decodingCPUSeconds: Double
}
