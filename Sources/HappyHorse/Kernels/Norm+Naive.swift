/// Naive twins of the norms: simple loops with Double accumulation, for the tests.
extension Norm {
    // MARK: naive twins (Double accumulation, simple loops)

    public static func rmsNormNaive(_ x: Tensor, weight: Tensor?, weightOffset: Float = 1, eps: Float) -> Tensor {
        let dim = x.shape.last ?? 0
        var y = Tensor(shape: x.shape)
        guard dim > 0 else { return y }
        for r in 0..<(x.count / dim) {
            var ss = 0.0
            for i in 0..<dim { ss += Double(x.storage[r * dim + i]) * Double(x.storage[r * dim + i]) }
            let inv = 1 / (ss / Double(dim) + Double(eps)).squareRoot()
            for i in 0..<dim {
                let scale = weight.map { Double(weightOffset) + Double($0.storage[i]) } ?? 1
                y.storage[r * dim + i] = Float(Double(x.storage[r * dim + i]) * inv * scale)
            }
        }
        return y
    }

    public static func headRMSNormNaive(_ x: Tensor, weight: Tensor?, weightOffset: Float = 1, eps: Float) -> Tensor {
        // [tokens, heads, D] → [tokens·heads, D] → norm → back
        rmsNormNaive(x.reshaped([x.count / max(1, x.shape.last ?? 1), x.shape.last ?? 0]), weight: weight,
                     weightOffset: weightOffset, eps: eps).reshaped(x.shape)
    }

    public static func channelRMSNormNaive(_ x: Tensor, weight: Tensor? = nil, eps: Float) -> Tensor {
        let c = x.shape.first ?? 0
        var y = Tensor(shape: x.shape)
        guard c > 0 else { return y }
        let s = x.count / c
        for p in 0..<s {
            var ss = 0.0
            for ch in 0..<c { ss += Double(x.storage[ch * s + p]) * Double(x.storage[ch * s + p]) }
            let inv = 1 / (ss / Double(c) + Double(eps)).squareRoot()
            for ch in 0..<c {
                let g = weight.map { Double($0.storage[ch]) } ?? 1
                y.storage[ch * s + p] = Float(Double(x.storage[ch * s + p]) * inv * g)
            }
        }
        return y
    }
}
