// Seed changes of a continuous generation (live `seed` while PLAYING, docs/live.md).
//
// The noise of chunk k is drawn from the stream's NoiseGenerator when chunk k is computed (the initial latent, then
// one tensor per re-noising step; ChunkLoop.produceChunk), and nothing else draws from it. Reseeding between
// chunks therefore changes the noise from the next chunk on and nothing before it, while the latent continuation
// (previous chunk's last latent frames, undecoded latents) is kept, as for a prompt change.

/// Continuous streams whose noise source can be replaced between chunks.
public protocol ReseedableContinuousVideoStream: ContinuousVideoStream {
    /// From the next chunk computed on, noise is drawn from a fresh `NoiseGenerator(seed: seed)`. Frames already
    /// computed (pending) keep theirs. Called on the thread that calls `nextFrame()`.
    func reseed(_ seed: UInt64)
}
