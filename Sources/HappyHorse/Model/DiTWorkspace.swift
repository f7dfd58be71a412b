// Activation buffers of one DiT forward, allocated once per call and reused by every layer (spec 2.5 sizes).

/// A raw fp32 buffer, zero-initialised, freed with its owner.
final class FloatBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// A copy as a Tensor of `shape` (element count must be ≤ count).
    func tensor(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, storage: Array(UnsafeBufferPointer(start: pointer, count: n)))
    }
}

final class DiTWorkspace {
    /// Residual stream h [N, hidden].
    let hidden: FloatBuffer
    /// Normed input a [N, hidden].
    let normed: FloatBuffer
    /// Fused projection u [N, q | k | v | gate].
    let qkv: FloatBuffer
    /// Attention output o [N, heads_q·head_dim].
    let attention: FloatBuffer
    /// MLP up-projection z [N, max up rows]; the activation is written in place (row stride = intermediate).
    let up: FloatBuffer

    init(tokens n: Int, config c: DiTConfiguration) {
        hidden = FloatBuffer(n * c.hiddenSize)
        normed = FloatBuffer(n * c.hiddenSize)
        qkv = FloatBuffer(n * c.qkvWidth)
        attention = FloatBuffer(n * c.queryWidth)
        let maxUp = (0..<c.numLayers).map { c.upRows(layer: $0) }.max() ?? 0
        up = FloatBuffer(n * maxUp)
    }
}
