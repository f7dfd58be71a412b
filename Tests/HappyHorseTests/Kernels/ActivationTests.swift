import Foundation
import Testing
@testable import HappyHorse

@Suite("Kernels.Activation")
struct ActivationTests {
    typealias S = KernelTestSupport

    /// Values spanning the clamps (±7) and the saturation of σ.
    static let input = S.random([37, 50], seed: 50, scale: 12)

    @Test("fast exp: relative error below 1e-6 on [-87, 88]")
    func fastExp() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88.3 {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - exact) / exact)
            x += 0.0137
        }
        #expect(worst < 1e-6)
        #expect(FastMath.exp(-200) < 1e-37)
        #expect(FastMath.exp(200).isFinite)
        #expect(FastMath.exp(.nan).isNaN)
        // exp2 for the softmax (x ≤ 0)
        var worst2: Double = 0
        var y: Float = -125
        while y <= 0 {
            let exact = Foundation.exp2(Double(y))
            worst2 = max(worst2, abs(Double(FastMath.exp2NonPositive(y)) - exact) / exact)
            y += 0.00731
        }
        #expect(worst2 < 1e-6)
        #expect(FastMath.exp2NonPositive(0) == 1)
        #expect(FastMath.exp2NonPositive(-1000) > 0)
        // sigmoid and tanh (exp2-based) against libm over a wide range
        var worstSigmoid: Double = 0, worstTanh: Double = 0
        var z: Float = -40
        while z < 40 {
            worstSigmoid = max(worstSigmoid, abs(Double(FastMath.sigmoid(z)) - 1 / (1 + Foundation.exp(-Double(z)))))
            worstTanh = max(worstTanh, abs(Double(FastMath.tanh(z)) - Foundation.tanh(Double(z))))
            z += 0.0093
        }
        #expect(worstSigmoid < 1e-6)
        #expect(worstTanh < 2e-6)
        #expect(FastMath.sigmoid(-200) == 0 || FastMath.sigmoid(-200) < 1e-37)
        #expect(FastMath.sigmoid(200) == 1)
        // the 8-lane max/sum helpers, with a tail
        let values: [Float] = (0..<21).map { Float(($0 * 7) % 13) - 6.5 }
        values.withUnsafeBufferPointer { p in
            #expect(FastMath.maximum(p.baseAddress!, 21) == values.max())
            #expect(abs(FastMath.sum(p.baseAddress!, 21) - values.reduce(0, +)) < 1e-4)
            #expect(FastMath.maximum(p.baseAddress! + 3, 1) == values[3])
        }
    }

    @Test("GELU7 matches naive (incl. the clamp at 7)")
    func gelu7() {
        var y = Self.input
        Activation.gelu7(&y)
        #expect(S.nmse(y, Activation.gelu7Naive(Self.input)) < 1e-12)
        // z = 100 behaves as z = 7
        var big = Tensor(shape: [1], storage: [100])
        Activation.gelu7(&big)
        #expect(abs(big.storage[0] - Float(7 / (1 + exp(-1.702 * 7)))) < 1e-5)
    }

    @Test("SwiGLU7 on interleaved rows matches naive, and differs from concatenated halves")
    func swiglu7() {
        let y = Activation.swiglu7(Self.input)
        #expect(y.shape == [37, 25])
        let expected = Activation.swiglu7Naive(Self.input)
        #expect(S.nmse(y, expected) < 1e-12)
        // swapping gate and lin gives a different answer (the test would catch it)
        var swapped = Self.input
        for i in stride(from: 0, to: swapped.count, by: 2) { swapped.storage.swapAt(i, i + 1) }
        #expect(S.nmse(Activation.swiglu7(swapped), expected) > 1e-2)
    }

    @Test("SiLU, ReLU and GELU-tanh match naive")
    func simple() {
        var a = Self.input, b = Self.input, c = Self.input
        Activation.silu(&a)
        Activation.relu(&b)
        Activation.geluTanh(&c)
        #expect(S.nmse(a, Activation.siluNaive(Self.input)) < 1e-12)
        #expect(S.nmse(b, Activation.reluNaive(Self.input)) == 0)
        #expect(S.nmse(c, Activation.geluTanhNaive(Self.input)) < 1e-12)
    }

    @Test("SwiGLU7 in place (y aliases z), large enough to be split over workers")
    func swiglu7InPlace() {
        let z = S.random([1000, 98], seed: 57, scale: 9)
        var buffer = z.storage
        buffer.withUnsafeMutableBufferPointer { p in
            Activation.swiglu7(UnsafePointer(p.baseAddress!), rows: 1000, features: 49, into: p.baseAddress!)
        }
        #expect(S.nmse(Array(buffer[0..<(1000 * 49)]), Activation.swiglu7Naive(z).storage) < 1e-12)
    }

    @Test("GeGLU tanh = geluTanh(gate) · up")
    func geglu() {
        let gate = S.random([7, 19], seed: 51, scale: 4), up = S.random([7, 19], seed: 52)
        let y = Activation.gegluTanh(gate: gate, up: up)
        let g = Activation.geluTanhNaive(gate)
        #expect(S.nmse(y.storage, zip(g.storage, up.storage).map { $0 * $1 }) < 1e-12)
    }

    @Test("per-head sigmoid gate matches naive, incl. strided gates inside a fused row")
    func headGate() {
        let (n, h, d) = (37, 3, 24)
        let o = S.random([n, h, d], seed: 53), g = S.random([n, h], seed: 54, scale: 6)
        var y = o
        Activation.sigmoidHeadGate(&y, gates: g)
        let expected = Activation.sigmoidHeadGateNaive(o, gates: g)
        #expect(S.nmse(y, expected) < 1e-12)
        // gates as the last h columns of rows of width 10
        var fused = [Float](repeating: 0, count: n * 10)
        for t in 0..<n { for j in 0..<h { fused[t * 10 + 7 + j] = g.storage[t * h + j] } }
        var z = o
        fused.withUnsafeBufferPointer { f in
            z.storage.withUnsafeMutableBufferPointer {
                Activation.sigmoidHeadGate($0.baseAddress!, tokens: n, heads: h, headDim: d, gates: f.baseAddress! + 7, gateStride: 10)
            }
        }
        #expect(S.nmse(z, expected) < 1e-12)
    }

    @Test("residual add on a large array (split over workers)")
    func add() {
        let x = S.random([300_001], seed: 55), y0 = S.random([300_001], seed: 56)
        var y = y0
        Activation.add(x, into: &y)
        #expect(y.storage == zip(x.storage, y0.storage).map { $0 + $1 })
    }
}
