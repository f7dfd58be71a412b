/// Naive twins of the matrix products: triple loops with Double accumulation, for the tests.
extension GEMM {
    // MARK: naive twins

    /// Triple loop with Double accumulation: [..., K] x W[N, K]ᵀ (+ b) → [..., N].
    public static func linearNaive(_ x: Tensor, _ weight: LinearWeight, bias: Tensor? = nil) -> Tensor {
        let w = weight.densified()
        let n = weight.rows, k = weight.cols
        let m = k == 0 ? 0 : x.count / k
        var y = Tensor(shape: Array(x.shape.dropLast()) + [n])
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k { acc += Double(x.storage[i * k + p]) * Double(w.storage[j * k + p]) }
                if let bias { acc += Double(bias.storage[j]) }
                y.storage[i * n + j] = Float(acc)
            }
        }
        return y
    }

    /// Naive twin of `sgemm` on 2-D tensors as stored.
    public static func matmulNaive(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false) -> Tensor {
        let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
        let n = transposeB ? b.shape[0] : b.shape[1]
        var c = Tensor(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k {
                    let av = transposeA ? a.storage[p * a.shape[1] + i] : a.storage[i * a.shape[1] + p]
                    let bv = transposeB ? b.storage[j * b.shape[1] + p] : b.storage[p * b.shape[1] + j]
                    acc += Double(av) * Double(bv)
                }
                c.storage[i * n + j] = Float(acc)
            }
        }
        return c
    }
}
