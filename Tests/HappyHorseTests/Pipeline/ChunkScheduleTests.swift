import Testing
@testable import HappyHorse

/// A clip's schedule (ClipPlan) is the endless one (ChunkLayout) cut at its end: the same decodes for every chunk but
/// the last, and no pixel frame past the clip.
@Suite struct ChunkScheduleTests {
    @Test(arguments: [0, 1, 2, 5])
    func aClipIsTheEndlessLayoutCutAtItsEnd(lookahead: Int) {
        let layout = ChunkLayout(chunkLatentFrames: 4, contextLatentFrames: 1, temporalFactor: 4)
        let plan = ClipPlan(frames: 125, layout: layout)
        #expect(plan.chunkCount == 11)
        for k in 0..<(plan.chunkCount - 1) {
            #expect(plan.latentsDecoded(afterChunk: k, lookahead: lookahead)
                    == min(plan.latentFrames, layout.latentsDecoded(afterChunk: k, lookahead: lookahead)), "chunk \(k)")
        }
        #expect(plan.latentsDecoded(afterChunk: plan.chunkCount - 1, lookahead: lookahead) == plan.latentFrames)
        for latent in 0...40 {
            #expect(plan.firstPixel(ofLatent: latent) == min(125, layout.firstPixel(ofLatent: latent)))
        }
    }

    @Test func theEndlessLayoutKeepsGoing() {
        let layout = ChunkLayout(chunkLatentFrames: 4, contextLatentFrames: 1, temporalFactor: 4)
        #expect(layout.framesPerChunk == 12)
        #expect(layout.latentsDecoded(afterChunk: 1_000_000, lookahead: 1) == 3_000_003)
        #expect(layout.firstPixel(ofLatent: 3_000_003) == 12_000_009)
        #expect(ChunkLayout(chunkLatentFrames: 4, contextLatentFrames: 1, temporalFactor: 4)
                .latentsDecoded(afterChunk: 0, lookahead: 8) == 0)
    }
}
