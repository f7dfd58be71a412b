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
    /// Bytes the buffers of an N-token forward need (checked against physical memory before allocating).
    static func bytes(tokens n: Int, config c: DiTConfiguration) -> Int {
        let maxUp = (0..<c.numLayers).map { c.upRows(layer: $0) }.max() ?? 0
        let perToken = 2 * c.hiddenSize + c.qkvWidth + c.queryWidth + 2 * maxUp
        let (product, overflow) = n.multipliedReportingOverflow(by: perToken * 4)
        return overflow ? Int.max : product
    }

    /// Residual stream h [N, hidden].
    let hidden: FloatBuffer
    /// Normed input a [N, hidden].
    let normed: FloatBuffer
    /// Fused projection u [N, q | k | v | gate].
    let qkv: FloatBuffer
    /// Attention output o [N, heads_q·head_dim].
    let attention: FloatBuffer
    /// MLP up-projection z [N, max up rows] (GELU7 is applied to it in place).
    let up: FloatBuffer
    /// SwiGLU7 output y [N, max intermediate]. Not written into `up`: Activation.swiglu7 splits rows over workers,
    /// and an in-place [N, 2F] → [N, F] would let one worker overwrite rows another is still reading.
    let activated: FloatBuffer

    init(tokens n: Int, config c: DiTConfiguration) {
        hidden = FloatBuffer(n * c.hiddenSize)
        normed = FloatBuffer(n * c.hiddenSize)
        qkv = FloatBuffer(n * c.qkvWidth)
        attention = FloatBuffer(n * c.queryWidth)
        let maxUp = (0..<c.numLayers).map { c.upRows(layer: $0) }.max() ?? 0
        up = FloatBuffer(n * maxUp)
        let maxInner = (0..<c.numLayers).filter { !c.isGELU7(layer: $0) }.map { c.intermediateSize(layer: $0) }.max() ?? 0
        activated = FloatBuffer(n * maxInner)
    }
}
