import Foundation
import Testing
@testable import HappyHorse

@Suite("Kernels.RoPE")
struct RoPETests {
    typealias S = KernelTestSupport

    @Test("bands: ω_j = θ^(−j/B), B = D/8")
    func bands() {
        let b = RoPE.bands(headDim: 128, theta: 10000)
        #expect(b.count == 16)
        #expect(b[0] == 1)
        #expect(abs(b[8] - 0.01) < 1e-7)        // 10000^(−1/2)
        #expect(abs(b[15] - Float(pow(10000.0, -15.0 / 16))) < 1e-9)
    }

    @Test("3-axis angles are [t·ω ‖ y·ω ‖ x·ω]")
    func anglesLayout() {
        let coords = Tensor(shape: [2, 3], storage: [1, 2, 3, -0.5, 0, 4])
        let bands: [Float] = [1, 0.5]
        let phi = RoPE.angles3Axis(coordinates: coords, bands: bands)
        #expect(phi.shape == [2, 6])
        #expect(phi.storage == [1, 0.5, 2, 1, 3, 1.5, -0.5, -0.25, 0, 0, 4, 2])
    }

    @Test("3-axis rotation (D=24: 9 pairs, dims 18..23 pass) matches naive, passthrough bit-exact")
    func threeAxis() {
        let (n, h, d) = (37, 3, 24)
        let bands = RoPE.bands(headDim: d, theta: 10000)
        #expect(bands.count == 3)
        var coords = Tensor(shape: [n, 3])
        for t in 0..<n { coords.storage[t * 3] = Float(t % 4); coords.storage[t * 3 + 1] = Float(t / 4) - 4.5; coords.storage[t * 3 + 2] = Float(t % 7) - 3 }
        let angles = RoPE.angles3Axis(coordinates: coords, bands: bands)
        let x = S.random([n, h, d], seed: 40)
        var y = x
        RoPE.apply(&y, table: RoPE.Table(angles: angles))
        #expect(S.nmse(y, RoPE.applyNaive(x, angles: angles)) < 1e-12)
        for t in 0..<n { for head in 0..<h { for e in 18..<24 {
            #expect(y.storage[(t * h + head) * d + e] == x.storage[(t * h + head) * d + e])
        } } }
        // the rotation is not the identity (the check can fail)
        #expect(S.nmse(y, x) > 1e-3)
    }

    @Test("rotation pairs are (i, i+P), not adjacent: a unit vector in dim 0 moves into dim P")
    func pairing() {
        var x = Tensor(shape: [1, 1, 16])
        x.storage[0] = 1
        let angles = Tensor(shape: [1, 6], storage: [Float.pi / 2, 0, 0, 0, 0, 0])
        RoPE.apply(&x, table: RoPE.Table(angles: angles))
        #expect(abs(x.storage[0]) < 1e-6)
        #expect(abs(x.storage[6] - 1) < 1e-6)     // b' = b·cos + a·sin = 1
        #expect(abs(x.storage[1]) < 1e-6)
    }

    @Test("rotate-half (Gemma) over the full head dim, with a row stride")
    func rotateHalf() {
        let (n, h, d) = (11, 2, 32)
        let positions = (0..<n).map(Float.init)
        let angles = RoPE.anglesRotateHalf(positions: positions, headDim: d, theta: 10000)
        #expect(angles.shape == [n, 16])
        #expect(abs(angles.storage[1 * 16 + 1] - Float(pow(10000.0, -2.0 / 32))) < 1e-7)
        let x = S.random([n, h, d], seed: 41)
        let stride = h * d + 3
        var fused = [Float](repeating: 7, count: n * stride)
        for t in 0..<n { for e in 0..<(h * d) { fused[t * stride + e] = x.storage[t * h * d + e] } }
        fused.withUnsafeMutableBufferPointer {
            RoPE.apply($0.baseAddress!, tokens: n, heads: h, headDim: d, rowStride: stride, table: RoPE.Table(angles: angles))
        }
        var got = Tensor(shape: [n, h, d])
        for t in 0..<n {
            for e in 0..<(h * d) { got.storage[t * h * d + e] = fused[t * stride + e] }
            #expect(fused[(t * stride + h * d)..<((t + 1) * stride)].allSatisfy { $0 == 7 })
        }
        #expect(S.nmse(got, RoPE.applyNaive(x, angles: angles)) < 1e-12)
    }
}
