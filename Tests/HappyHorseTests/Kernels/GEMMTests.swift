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

    @Test("parallelSgemm matches a naive product, every transpose, tiles of uneven size",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func parallelSgemm(transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        let (m, n, k) = (301, 530, 37)  // a 2 x 3 grid of uneven tiles
        let a = S.random(ta ? [k, m] : [m, k], seed: 40), b = S.random(tb ? [n, k] : [k, n], seed: 41)
        let c0 = S.random([m, n], seed: 42)
        var c = c0
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    // C = 0.5 · op(A) · op(B) + 2 · C0
                    GEMM.parallelSgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!,
                                       lda: ta ? m : k, b: bp.baseAddress!, ldb: tb ? k : n, beta: 2,
                                       c: cp.baseAddress!, ldc: n)
                }
            }
        }
        var expected = Tensor(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = Double(ta ? a.storage[p * m + i] : a.storage[i * k + p])
                    let y = Double(tb ? b.storage[j * k + p] : b.storage[p * n + j])
                    s += x * y
                }
                expected.storage[i * n + j] = Float(0.5 * s + 2 * Double(c0.storage[i * n + j]))
            }
        }
        #expect(S.nmse(c, expected) < 1e-12)
    }

    @Test("output grid: even tiles that cover C once, enough of them to share, a function of the shape only")
    func outputGrid() {
        for (m, n, k) in [(1, 1, 1), (256, 192, 192), (257, 513, 64), (270, 1024, 192), (5000, 7, 3), (14, 192, 192),
                          (16, 65536, 64)] {
            let grid = GEMM.OutputGrid(m: m, n: n, k: k)
            var covered = [Int](repeating: 0, count: m * n)
            for t in 0..<grid.count {
                let (rows, columns) = grid.tile(t)
                #expect(rows.count <= GEMM.maxTileRows && columns.count <= GEMM.maxTileColumns)
                #expect(!rows.isEmpty && !columns.isEmpty)
                for i in rows { for j in columns { covered[i * n + j] += 1 } }
            }
            #expect(covered.allSatisfy { $0 == 1 }, "\(m)x\(n)")
            if m * n * k >= GEMM.minSplitWork, m >= 2 * GEMM.minTileSide || n >= 2 * GEMM.minTileSide {
                #expect(grid.count > 1, "\(m)x\(n)x\(k) is not shared")
            }
        }
        #expect(GEMM.OutputGrid(m: 256, n: 192, k: 192).count >= GEMM.minTiles)  // a built-in model linear
        #expect(GEMM.OutputGrid(m: 14, n: 192, k: 192).count == 1)  // the caption's rows: one call
    }

    /// Before the products were split by the engine, OpenBLAS ran them with its own threads, and 1 vs 2 OpenBLAS
    /// threads gave other bits for shapes like the built-in model's (270 tokens x 192): the result depended on
    /// `n-threads` and on other engines in the process.
    @Test("linear gives the same bits with 1, 2 and 3 workers, dense and F16 weights")
    func sameBitsForAnyWorkerCount() {
        let before = Runtime.configuredThreads
        defer { Runtime.configure(threads: before) }
        let x = S.random([270, 192], seed: 43), w = S.random([1024, 192], seed: 44)
        let f16 = S.f16Weight(w).0
        var outputs: [[Float]] = []
        for threads in [1, 2, 3] {
            Runtime.configure(threads: threads)
            #expect(Runtime.blasThreads == 1)
            outputs.append(GEMM.linear(x, .dense(w)).storage)
            outputs.append(GEMM.linear(x, f16).storage)
        }
        for i in stride(from: 2, to: outputs.count, by: 2) {
            #expect(outputs[i] == outputs[0], "dense, \(i / 2 + 1) threads")
            #expect(outputs[i + 1] == outputs[1], "F16, \(i / 2 + 1) threads")
        }
    }
}
