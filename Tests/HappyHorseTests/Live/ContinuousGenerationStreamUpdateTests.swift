import Foundation
import Testing
@testable import HappyHorse

/// Live updates carry whole GenerationSettings: a changed seed there is a reseed from the next chunk; the revision
/// travels beside the settings and is what the frames of their chunks report.
@Suite struct ContinuousGenerationStreamUpdateTests {
    static let tiny = ParityTestSupport.fixture("pipeline/tiny")

    static func frames(_ stream: any ContinuousVideoStream, _ n: Int) throws -> [ContinuousFrame] {
        try (0..<n).map { _ in try stream.nextFrame() }
    }

    @Test func aSeedInAnUpdateIsAReseedFromTheNextChunk() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: Self.tiny, threads: 1, log: { _ in })
        let settings = GenerationSettings(prompt: "a bay horse walks right", seed: 4)
        let byUpdate = try pipeline.startContinuousGeneration(settings, revision: 1, cancellation: CancellationToken())
        var updated = try Self.frames(byUpdate, 9)  // chunk 0
        var reseeded77 = settings
        reseeded77.seed = 77
        byUpdate.update(reseeded77, revision: 2)
        updated += try Self.frames(byUpdate, 12)

        let byReseed = try #require(try pipeline.startContinuousGeneration(settings, revision: 1, cancellation: CancellationToken())
                                    as? any ReseedableContinuousVideoStream)
        var reseeded = try Self.frames(byReseed, 9)
        byReseed.reseed(77)
        reseeded += try Self.frames(byReseed, 12)

        let unchanged = try Self.frames(try pipeline.startContinuousGeneration(settings, revision: 1,
                                                                             cancellation: CancellationToken()), 21)
        #expect(updated.map(\.frame.rgb) == reseeded.map(\.frame.rgb))
        #expect(updated[0..<9].map(\.frame.rgb) == unchanged[0..<9].map(\.frame.rgb), "chunk 0 was made before the update")
        #expect(updated[20].frame.rgb != unchanged[20].frame.rgb, "chunk 1 is drawn from seed 77")
        #expect(updated.map(\.revision) == Array(repeating: 1, count: 9) + Array(repeating: 2, count: 12))
    }

    @Test func anUpdateWithTheSeedInForceKeepsTheNoise() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: Self.tiny, threads: 1, log: { _ in })
        let settings = GenerationSettings(prompt: "a bay horse walks right", seed: 4)
        let live = try pipeline.startContinuousGeneration(settings, revision: 1, cancellation: CancellationToken())
        var got = try Self.frames(live, 9)
        live.update(settings, revision: 5)
        got += try Self.frames(live, 12)
        let reference = try Self.frames(try pipeline.startContinuousGeneration(settings, revision: 1,
                                                                             cancellation: CancellationToken()), 21)
        #expect(got.map(\.frame.rgb) == reference.map(\.frame.rgb))
        #expect(got[9...].allSatisfy { $0.revision == 5 })
        #expect(got.allSatisfy { $0.steps == 3 })
    }
}
