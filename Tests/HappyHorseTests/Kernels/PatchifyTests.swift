import Testing
@testable import HappyHorse

@Suite("Kernels.Patchify")
struct PatchifyTests {
    typealias S = KernelTestSupport

    @Test("patchify is channel-major: feature c·4 + ph·2 + pw (hand-made example)")
    func patchifyKnown() throws {
        // C=2, T=1, H=2, W=4 → 2 tokens of 8 features; latent value = 100·c + 10·y + x
        var latent = Tensor(shape: [2, 1, 2, 4])
        for c in 0..<2 { for y in 0..<2 { for x in 0..<4 { latent.storage[(c * 2 + y) * 4 + x] = Float(100 * c + 10 * y + x) } } }
        let tokens = try Patchify.patchify(latent)
        #expect(tokens.shape == [2, 8])
        #expect(Array(tokens.storage[0..<8]) == [0, 1, 10, 11, 100, 101, 110, 111])
        #expect(Array(tokens.storage[8..<16]) == [2, 3, 12, 13, 102, 103, 112, 113])
    }

    @Test("unpatchify is spatial-major: feature (ph·2 + pw)·C + c (hand-made example)")
    func unpatchifyKnown() throws {
        // one token, C=3: features [p00 c0..2, p01 c0..2, p10 c0..2, p11 c0..2]
        let tokens = Tensor(shape: [1, 12], storage: (0..<12).map(Float.init))
        let latent = try Patchify.unpatchify(tokens, channels: 3, frames: 1, height: 2, width: 2)
        #expect(latent.shape == [3, 1, 2, 2])
        // channel 0: (0,0)=0, (0,1)=3, (1,0)=6, (1,1)=9
        #expect(Array(latent.storage[0..<4]) == [0, 3, 6, 9])
        #expect(Array(latent.storage[8..<12]) == [2, 5, 8, 11])
    }

    @Test("optimised = naive on odd sizes (C=3, T=3, H=6, W=10)")
    func versusNaive() throws {
        let latent = S.random([3, 3, 6, 10], seed: 60)
        let tokens = try Patchify.patchify(latent)
        #expect(tokens.shape == [3 * 3 * 5, 12])
        #expect(tokens == (try Patchify.patchifyNaive(latent)))
        let back = try Patchify.unpatchify(tokens, channels: 3, frames: 3, height: 6, width: 10)
        #expect(back == (try Patchify.unpatchifyNaive(tokens, channels: 3, frames: 3, height: 6, width: 10)))
        // the asymmetry is real: unpatchify(patchify(x)) is not x for C > 1
        #expect(back != latent)
    }

    @Test("bad shapes throw instead of crashing")
    func badShapes() {
        #expect(throws: HappyHorseError.self) { try Patchify.patchify(Tensor(shape: [2, 1, 3, 4])) }
        #expect(throws: HappyHorseError.self) { try Patchify.patchify(Tensor(shape: [2, 4, 4])) }
        #expect(throws: HappyHorseError.self) {
            try Patchify.unpatchify(Tensor(shape: [3, 12]), channels: 3, frames: 1, height: 2, width: 2)
        }
    }
}
