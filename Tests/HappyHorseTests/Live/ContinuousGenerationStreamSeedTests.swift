import Foundation
import XCTest
@testable import HappyHorse

/// Seed changes of the endless stream, on tiny random models (chunks of 4 latent frames with 1 of context: 9 frames
/// from the first chunk, 12 from each later one).
final class ContinuousGenerationStreamSeedTests: XCTestCase {
    func start(_ pipeline: TextToVideoPipeline, seed: UInt64) throws -> any ReseedableContinuousVideoStream {
        let stream = try pipeline.startContinuousGeneration(GenerationSettings(prompt: "a bay horse walks right", seed: seed),
                                                            revision: 0, cancellation: CancellationToken())
        return try XCTUnwrap(stream as? any ReseedableContinuousVideoStream, "the real stream can be reseeded")
    }

    func rgb(_ stream: any ContinuousVideoStream, _ n: Int) throws -> [[UInt8]] {
        try (0..<n).map { _ in try stream.nextFrame().frame.rgb }
    }

    /// Reseeding before the first chunk is starting with that seed: the noise source is all a seed sets.
    func testReseedBeforeTheFirstChunkIsStartingWithThatSeed() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: try PipelineTestSupport.writeRandomModel(self), threads: 1,
                                               log: { _ in })
        let reseeded = try start(pipeline, seed: 1)
        reseeded.reseed(2)
        let direct = try start(pipeline, seed: 2)
        let other = try start(pipeline, seed: 1)
        let (a, b, c) = (try rgb(reseeded, 9), try rgb(direct, 9), try rgb(other, 9))
        for n in 0..<9 { XCTAssertTrue(a[n] == b[n], "frame \(n)") }
        XCTAssertTrue(a[8] != c[8], "seeds 1 and 2 give different frames")
    }

    /// A reseed after chunk 0 leaves chunk 0 alone and changes the chunks after it; the same reseed at the same
    /// chunk gives the same frames.
    func testReseedAppliesFromTheNextChunk() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: try PipelineTestSupport.writeRandomModel(self), threads: 1,
                                               log: { _ in })
        let reference = try rgb(try start(pipeline, seed: 4), 21)
        var runs: [[[UInt8]]] = []
        for _ in 0..<2 {
            let live = try start(pipeline, seed: 4)
            var got = try rgb(live, 9)  // chunk 0
            XCTAssertEqual(live.pendingFrames, 0)
            live.reseed(77)
            got += try rgb(live, 12)  // chunk 1
            runs.append(got)
        }
        for n in 0..<9 { XCTAssertTrue(runs[0][n] == reference[n], "frame \(n) (chunk 0) must not change") }
        XCTAssertTrue(runs[0][20] != reference[20], "chunk 1 is drawn from the new seed")
        for n in 0..<21 { XCTAssertTrue(runs[0][n] == runs[1][n], "frame \(n): same reseed, same frames") }
    }
}
