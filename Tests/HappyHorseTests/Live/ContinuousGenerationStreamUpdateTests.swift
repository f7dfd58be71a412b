import Foundation
import Testing
@testable import HappyHorse

/// Live updates carry whole GenerationSettings beside a revision, which the frames of their chunks report; their seed
/// is not read (the element reseeds on its own, and may send an update with the seed of before a reseed).
@Suite struct ContinuousGenerationStreamUpdateTests {
    static let tiny = ParityTestSupport.fixture("pipeline/tiny")

    static func frames(_ stream: any ContinuousVideoStream, _ n: Int) throws -> [ContinuousFrame] {
        try (0..<n).map { _ in try stream.nextFrame() }
    }

    @Test func anUpdateKeepsTheNoiseAndReportsItsRevision() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: Self.tiny, threads: 1, log: { _ in })
        let settings = GenerationSettings(prompt: "a bay horse walks right", seed: 4)
        let live = try pipeline.startContinuousGeneration(settings, revision: 1, cancellation: CancellationToken())
        var got = try Self.frames(live, 9)  // chunk 0
        var otherSeed = settings
        otherSeed.seed = 77
        live.update(otherSeed, revision: 5)
        got += try Self.frames(live, 12)
        let reference = try Self.frames(try pipeline.startContinuousGeneration(settings, revision: 1,
                                                                                cancellation: CancellationToken()), 21)
        #expect(got.map(\.frame.rgb) == reference.map(\.frame.rgb), "the update's seed is not read")
        #expect(got.map(\.revision) == Array(repeating: 1, count: 9) + Array(repeating: 5, count: 12))
        #expect(got.allSatisfy { $0.steps == 3 })
    }

    /// A reseed and an update with the seed of before it, at the same chunk boundary (as the element sends them):
    /// the reseed holds.
    @Test func aReseedHoldsAgainstAnUpdateWithTheOldSeed() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: Self.tiny, threads: 1, log: { _ in })
        let settings = GenerationSettings(prompt: "a bay horse walks right", seed: 4)
        func run(update: Bool) throws -> [[UInt8]] {
            let live = try #require(try pipeline.startContinuousGeneration(settings, revision: 1,
                                                                           cancellation: CancellationToken())
                                    as? any ReseedableContinuousVideoStream)
            var got = try Self.frames(live, 9)
            live.reseed(77)
            if update { live.update(settings, revision: 2) }
            got += try Self.frames(live, 12)
            return got.map(\.frame.rgb)
        }
        let reseededAndUpdated = try run(update: true), reseeded = try run(update: false)
        #expect(reseededAndUpdated == reseeded)
    }
}
