import Testing
@testable import HappyHorse

@Suite("Kernels.GEMM")
struct GEMMTests {
    typealias S = KernelTestSupport

    @Test("dense linear matches a naive triple loop on odd shapes", arguments: [(37, 29, 19), (1, 7, 3), (64, 96, 130)])
    func denseLinear(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        let x = S.random([m, k], seed: 1), w = S.random([n, k], seed: 2), b = S.random([n], seed: 3)
        let y = GEMM.linear(x, .dense(w), bias: b)
        #expect(y.shape == [m, n])
        #expect(S.nmse(y, GEMM.linearNaive(x, .dense(w), bias: b)) < 1e-12)
    }

    @Test("linear keeps leading axes: [2, 5, K] → [2, 5, N]")
    func leadingAxes() {
        let x = S.random([2, 5, 11], seed: 4), w = S.random([6, 11], seed: 5)
        let y = GEMM.linear(x, .dense(w))
        #expect(y.shape == [2, 5, 6])
        #expect(S.nmse(y, GEMM.linearNaive(x, .dense(w))) < 1e-12)
    }

    @Test("accumulate adds to y (residual add)")
    func accumulate() {
        let x = S.random([9, 13], seed: 6), w = S.random([7, 13], seed: 7)
        let start = S.random([9, 7], seed: 8)
        var y = start
        GEMM.linear(x, .dense(w), into: &y, accumulate: true)
        let product = GEMM.linearNaive(x, .dense(w))
        let expected = Tensor(shape: [9, 7], storage: zip(start.storage, product.storage).map { $0 + $1 })
        #expect(S.nmse(y, expected) < 1e-12)
    }

    @Test("row block: only rows [lo, hi) of y change")
    func rowBlock() {
        let x = S.random([20, 10], seed: 9), w = S.random([6, 10], seed: 10)
        let sentinel = S.random([20, 6], seed: 11)
        var y = sentinel
        GEMM.linear(x, rows: 5..<12, .dense(w), into: &y)
        let full = GEMM.linearNaive(x, .dense(w))
        #expect(S.nmse(y.rows(5..<12), full.rows(5..<12)) < 1e-12)
        #expect(y.rows(0..<5) == sentinel.rows(0..<5))
        #expect(y.rows(12..<20) == sentinel.rows(12..<20))
    }

    @Test("BF16 weights, several up-cast tiles (incl. a ragged last tile)")
    func bf16Weights() {
        let x = S.random([37, 29], seed: 12), w = S.random([45, 29], seed: 13)
        let (weight, exact) = S.bf16Weight(w)
        #expect(weight.shape == [45, 29])
        var y = Tensor(shape: [37, 45])
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                GEMM.linear(xp.baseAddress!, rows: 37, weight: weight, into: yp.baseAddress!, upcastBlockRows: 16)
            }
        }
        #expect(S.nmse(y, GEMM.linearNaive(x, .dense(exact))) < 1e-12)
        // the Tensor path (one tile) agrees too
        #expect(S.nmse(GEMM.linear(x, weight), GEMM.linearNaive(x, .dense(exact))) < 1e-12)
        // and BF16 rounding itself is visible against the fp32 weights (the test can tell them apart)
        #expect(S.nmse(GEMM.linear(x, weight), GEMM.linearNaive(x, .dense(w))) > 1e-8)
    }

    @Test("F16 weights, several up-cast tiles, with bias and accumulate")
    func f16Weights() {
        let x = S.random([23, 31], seed: 14), w = S.random([40, 31], seed: 15), b = S.random([40], seed: 16)
        let (weight, exact) = S.f16Weight(w)
        let start = S.random([23, 40], seed: 17)
        var y = start
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                b.storage.withUnsafeBufferPointer { bp in
                    GEMM.linear(xp.baseAddress!, rows: 23, weight: weight, bias: bp.baseAddress!, into: yp.baseAddress!,
                                accumulate: true, upcastBlockRows: 16)
                }
            }
        }
        let product = GEMM.linearNaive(x, .dense(exact), bias: b)
        let expected = Tensor(shape: [23, 40], storage: zip(start.storage, product.storage).map { $0 + $1 })
        #expect(S.nmse(y, expected) < 1e-12)
    }

    @Test("mapped F32 weights go straight to sgemm")
    func mappedF32() {
        let x = S.random([17, 12], seed: 18), w = S.random([9, 12], seed: 19)
        let owner = S.Owner(count: w.count * 4)
        w.storage.withUnsafeBytes { owner.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let weight = LinearWeight.f32(rows: 9, cols: 12, data: UnsafeRawPointer(owner.bytes), owner: owner)
        #expect(S.nmse(GEMM.linear(x, weight), GEMM.linearNaive(x, .dense(w))) < 1e-12)
    }

    @Test("F16 → fp32 conversion is exact for all 65536 bit patterns")
    func f16Exhaustive() {
        var bits = [UInt16](repeating: 0, count: 65536)
        for i in 0..<65536 { bits[i] = UInt16(i) }
        var out = [Float](repeating: 0, count: 65536)
        bits.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { Precision.f16ToFloat(b.baseAddress!, $0.baseAddress!, count: 65536) }
        }
        var mismatches = 0
        for i in 0..<65536 {
            let expected = Float(Float16(bitPattern: UInt16(i)))
            if expected.isNaN ? !out[i].isNaN : expected.bitPattern != out[i].bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("BF16 round trip and rounding to nearest even")
    func bf16Rounding() {
        #expect(Precision.floatToBF16(1.0) == 0x3F80)
        #expect(Precision.floatToBF16(-2.0) == 0xC000)
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even → 1.0
        #expect(Precision.floatToBF16(1 + 0x1p-8) == 0x3F80)
        #expect(Precision.floatToBF16(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(Precision.floatToBF16(.nan) & 0x7F80 == 0x7F80)
    }

    @Test("sgemm with all transpose combinations", arguments: [(false, false), (false, true), (true, false), (true, true)])
    func sgemmTransposes(flags: (Bool, Bool)) {
        let (ta, tb) = flags
        let (m, n, k) = (13, 17, 19)
        let a = S.random(ta ? [k, m] : [m, k], seed: 20), b = S.random(tb ? [n, k] : [k, n], seed: 21)
        let c = GEMM.matmul(a, transposeA: ta, b, transposeB: tb)
        #expect(c.shape == [m, n])
        #expect(S.nmse(c, GEMM.matmulNaive(a, transposeA: ta, b, transposeB: tb)) < 1e-12)
    }

    @Test("sgemm with k = 0 scales C by beta")
    func sgemmEmptyInner() {
        var c: [Float] = [1, 2, 3, 4]
        let empty: [Float] = [0]
        empty.withUnsafeBufferPointer { e in
            c.withUnsafeMutableBufferPointer { cp in
                GEMM.sgemm(m: 2, n: 2, k: 0, a: e.baseAddress!, lda: 1, b: e.baseAddress!, ldb: 2, beta: 0.5,
                           c: cp.baseAddress!, ldc: 2)
            }
        }
        #expect(c == [0.5, 1, 1.5, 2])
    }
}
