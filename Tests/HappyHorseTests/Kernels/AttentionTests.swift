import Testing
@testable import HappyHorse

@Suite("Kernels.Attention")
struct AttentionTests {
    typealias S = KernelTestSupport

    struct Case: CustomTestStringConvertible, Sendable {
        var n: Int, nk: Int, hq: Int, hkv: Int, d: Int
        var tiling: Attention.Tiling
        var softCap: Float?
        var testDescription: String { "N=\(n) Nk=\(nk) heads \(hq)/\(hkv) D=\(d) tiles \(tiling.queryRows)x\(tiling.keyBlock) cap \(softCap.map { "\($0)" } ?? "-")" }
    }

    static let cases: [Case] = [
        Case(n: 37, nk: 37, hq: 3, hkv: 1, d: 24, tiling: .default, softCap: nil),
        Case(n: 37, nk: 37, hq: 3, hkv: 1, d: 24, tiling: Attention.Tiling(queryRows: 6, keyBlock: 5), softCap: nil),
        Case(n: 300, nk: 300, hq: 4, hkv: 2, d: 16, tiling: Attention.Tiling(queryRows: 16, keyBlock: 32), softCap: nil),
        Case(n: 300, nk: 300, hq: 4, hkv: 4, d: 20, tiling: Attention.Tiling(queryRows: 24, keyBlock: 64), softCap: nil),
        Case(n: 29, nk: 29, hq: 4, hkv: 2, d: 32, tiling: Attention.Tiling(queryRows: 8, keyBlock: 7), softCap: 5),
        Case(n: 13, nk: 70, hq: 2, hkv: 1, d: 8, tiling: Attention.Tiling(queryRows: 4, keyBlock: 16), softCap: nil),
        Case(n: 1, nk: 1, hq: 1, hkv: 1, d: 1, tiling: .default, softCap: nil),
    ]

    @Test("tiled GQA attention matches the naive twin", arguments: cases)
    func versusNaive(c: Case) throws {
        // scale 3 makes the softmax peaky, so the online max/rescale path is exercised
        let q = S.random([c.n, c.hq, c.d], seed: 70, scale: 3)
        let k = S.random([c.nk, c.hkv, c.d], seed: 71, scale: 3)
        let v = S.random([c.nk, c.hkv, c.d], seed: 72)
        let scale = 1 / Float(c.d).squareRoot()
        let o = try Attention.forward(q: q, k: k, v: v, scale: scale, softCap: c.softCap, tiling: c.tiling)
        let expected = Attention.naive(q: q, k: k, v: v, scale: scale, softCap: c.softCap)
        #expect(o.shape == [c.n, c.hq, c.d])
        #expect(S.nmse(o, expected) < 1e-10)
    }

    @Test("soft-cap changes the result (so the capped case is really tested)")
    func softCapMatters() {
        let q = S.random([29, 4, 32], seed: 70, scale: 3), k = S.random([29, 2, 32], seed: 71, scale: 3)
        let v = S.random([29, 2, 32], seed: 72)
        let a = Attention.naive(q: q, k: k, v: v, scale: 1, softCap: 2)
        let b = Attention.naive(q: q, k: k, v: v, scale: 1, softCap: nil)
        #expect(S.nmse(a, b) > 1e-3)
    }

    @Test("reads q/k/v straight out of a fused qkv row and writes into a strided output")
    func strided() throws {
        let (n, hq, hkv, d, extra) = (41, 4, 2, 12, 3)
        let width = (hq + 2 * hkv) * d + extra
        let fused = S.random([n, width], seed: 73, scale: 2)
        var q = Tensor(shape: [n, hq, d]), k = Tensor(shape: [n, hkv, d]), v = Tensor(shape: [n, hkv, d])
        for t in 0..<n {
            for e in 0..<(hq * d) { q.storage[t * hq * d + e] = fused.storage[t * width + e] }
            for e in 0..<(hkv * d) {
                k.storage[t * hkv * d + e] = fused.storage[t * width + hq * d + e]
                v.storage[t * hkv * d + e] = fused.storage[t * width + (hq + hkv) * d + e]
            }
        }
        let outStride = hq * d + 5
        var out = [Float](repeating: -1, count: n * outStride)
        try fused.storage.withUnsafeBufferPointer { f in
            try out.withUnsafeMutableBufferPointer { o in
                let base = f.baseAddress!
                try Attention.forward(q: base, qStride: width, k: base + hq * d, kStride: width,
                                      v: base + (hq + hkv) * d, vStride: width, into: o.baseAddress!, outStride: outStride,
                                      tokens: n, kvTokens: n, qHeads: hq, kvHeads: hkv, headDim: d, scale: 0.3,
                                      tiling: Attention.Tiling(queryRows: 8, keyBlock: 16))
            }
        }
        let expected = Attention.naive(q: q, k: k, v: v, scale: 0.3)
        var got = Tensor(shape: [n, hq, d])
        for t in 0..<n {
            for e in 0..<(hq * d) { got.storage[t * hq * d + e] = out[t * outStride + e] }
            #expect(out[(t * outStride + hq * d)..<((t + 1) * outStride)].allSatisfy { $0 == -1 })
        }
        #expect(S.nmse(got, expected) < 1e-10)
    }

    @Test("cancellation throws .cancelled")
    func cancellation() {
        let q = S.random([64, 2, 8], seed: 74), k = S.random([64, 2, 8], seed: 75)
        #expect(throws: HappyHorseError.cancelled) {
            _ = try Attention.forward(q: q, k: k, v: k, scale: 1, tiling: Attention.Tiling(queryRows: 4, keyBlock: 8),
                                      isCancelled: { true })
        }
    }

    @Test("bad head counts and shapes throw instead of trapping")
    func badShapes() {
        let q = S.random([5, 3, 8], seed: 79), k = S.random([5, 2, 8], seed: 80)
        #expect(throws: HappyHorseError.self) { _ = try Attention.forward(q: q, k: k, v: k, scale: 1) }
        #expect(throws: HappyHorseError.self) { _ = try Attention.forward(q: q, k: k, v: S.random([5, 2, 4], seed: 81), scale: 1) }
    }

    @Test("a tiny perturbation of one key is detected (the NMSE bound can fail)")
    func sensitivity() throws {
        let q = S.random([37, 3, 24], seed: 76, scale: 3), v = S.random([37, 1, 24], seed: 78)
        var k = S.random([37, 1, 24], seed: 77, scale: 3)
        let expected = Attention.naive(q: q, k: k, v: v, scale: 0.2)
        k.storage[5] += 0.5
        let o = try Attention.forward(q: q, k: k, v: v, scale: 0.2)
        #expect(S.nmse(o, expected) > 1e-8)
    }
}
