import Testing
@testable import HappyHorse

@Suite("Kernels.Norm")
struct NormTests {
    typealias S = KernelTestSupport

    @Test("rmsNorm (1+w) matches naive on [37, 24] and [5, 1000]", arguments: [(37, 24), (5, 1000), (1, 1)])
    func rmsNormOnePlus(shape: (Int, Int)) {
        let x = S.random([shape.0, shape.1], seed: 30, scale: 3), w = S.random([shape.1], seed: 31, scale: 0.5)
        let y = Norm.rmsNorm(x, weight: w, eps: 1e-6)
        #expect(S.nmse(y, Norm.rmsNormNaive(x, weight: w, eps: 1e-6)) < 1e-12)
    }

    @Test("rmsNorm: no weight, and plain γ (offset 0)")
    func rmsNormVariants() {
        let x = S.random([11, 33], seed: 32), w = S.random([33], seed: 33)
        #expect(S.nmse(Norm.rmsNorm(x, weight: nil, eps: 1e-5), Norm.rmsNormNaive(x, weight: nil, eps: 1e-5)) < 1e-12)
        #expect(S.nmse(Norm.rmsNorm(x, weight: w, weightOffset: 0, eps: 1e-6),
                       Norm.rmsNormNaive(x, weight: w, weightOffset: 0, eps: 1e-6)) < 1e-12)
        // (1+w) and plain w really differ: the comparison can fail
        #expect(S.nmse(Norm.rmsNorm(x, weight: w, eps: 1e-6), Norm.rmsNormNaive(x, weight: w, weightOffset: 0, eps: 1e-6)) > 1e-2)
    }

    @Test("rmsNorm: a known value")
    func rmsNormKnown() {
        // x = [3, 4]: mean(x²) = 12.5; y = x / sqrt(12.5) · (1 + w), w = [0, 1]
        let y = Norm.rmsNorm(Tensor(shape: [1, 2], storage: [3, 4]), weight: Tensor(shape: [2], storage: [0, 1]), eps: 0)
        #expect(abs(y.storage[0] - 3 / Float(12.5).squareRoot()) < 1e-6)
        #expect(abs(y.storage[1] - 8 / Float(12.5).squareRoot()) < 1e-6)
    }

    @Test("QK-norm per head with a row stride inside a fused buffer (other columns untouched)")
    func headNormStrided() {
        let (n, h, d, extra) = (37, 3, 24, 5)
        let stride = h * d + extra
        let fused = S.random([n, stride], seed: 34, scale: 2), w = S.random([d], seed: 35)
        var buffer = fused.storage
        buffer.withUnsafeMutableBufferPointer { p in
            w.storage.withUnsafeBufferPointer { wp in
                Norm.headRMSNorm(p.baseAddress!, tokens: n, heads: h, headDim: d, rowStride: stride,
                                 weight: wp.baseAddress!, eps: 1e-6)
            }
        }
        var q = Tensor(shape: [n, h, d]), rest = [Float](), restBefore = [Float]()
        for t in 0..<n {
            for e in 0..<(h * d) { q.storage[t * h * d + e] = fused.storage[t * stride + e] }
            rest += buffer[(t * stride + h * d)..<((t + 1) * stride)]
            restBefore += fused.storage[(t * stride + h * d)..<((t + 1) * stride)]
        }
        let expected = Norm.headRMSNormNaive(q, weight: w, eps: 1e-6)
        var got = Tensor(shape: [n, h, d])
        for t in 0..<n { for e in 0..<(h * d) { got.storage[t * h * d + e] = buffer[t * stride + e] } }
        #expect(S.nmse(got, expected) < 1e-12)
        #expect(rest == restBefore)
        // contiguous Tensor path
        var qc = q
        Norm.headRMSNorm(&qc, weight: w, eps: 1e-6)
        #expect(S.nmse(qc, expected) < 1e-12)
    }

    @Test("channel RMS norm over axis 0 of [C, T, H, W] (more positions than one block)", arguments: [(5, 1500), (16, 7), (1, 3)])
    func channelNorm(shape: (Int, Int)) {
        let x = S.random([shape.0, 1, shape.1, 1], seed: 36, scale: 4)
        #expect(S.nmse(Norm.channelRMSNorm(x, eps: 1e-6), Norm.channelRMSNormNaive(x, eps: 1e-6)) < 1e-12)
        let g = S.random([shape.0], seed: 37)
        #expect(S.nmse(Norm.channelRMSNorm(x, weight: g, eps: 1e-6), Norm.channelRMSNormNaive(x, weight: g, eps: 1e-6)) < 1e-12)
    }
}
