import Foundation
import XCTest
@testable import HappyHorse

/// Live mode's endless stream on tiny random models (chunks of 4 latent frames with 1 of context: 9 frames from the
/// first chunk, 12 from each later one).
final class ContinuousGenerationStreamTests: XCTestCase {
    func load(_ dir: URL) throws -> TextToVideoPipeline {
        try TextToVideoPipeline(modelDirectory: dir, threads: 1, log: { _ in })
    }

    func frames(_ stream: any ContinuousVideoStream, _ n: Int) throws -> [ContinuousFrame] {
        try (0..<n).map { _ in try stream.nextFrame() }
    }

    /// The endless stream is the clip machinery run on: with the same seed and settings its frames are the frames
    /// of a long clip, byte for byte (same noise draws, same continuation, same decode with right context).
    func testMatchesALongClipByteForByte() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        let settings = GenerationSettings(prompt: "a bay horse walks right", seed: 9)
        let live = try pipeline.startContinuousGeneration(settings, revision: 0, cancellation: CancellationToken())
        XCTAssertEqual(live.framesPerChunk, 12)
        XCTAssertEqual(live.pendingFrames, 0)
        let got = try frames(live, 33)  // chunks 0, 1, 2: 9 + 12 + 12 frames
        let clip = try PipelineTestSupport.frames(pipeline.startGeneration(
            GenerationRequest(settings: settings, durationSeconds: 2.0), cancellation: CancellationToken(),
            progress: { _ in }))
        XCTAssertEqual(got.map(\.frame.index), Array(0..<33))
        for n in 0..<33 { XCTAssertEqual(got[n].frame.rgb, clip[n].rgb, "frame \(n)") }
        XCTAssertEqual(got.map(\.chunk), Array(repeating: 0, count: 9) + Array(repeating: 1, count: 12)
                       + Array(repeating: 2, count: 12))
        XCTAssertTrue(got[0].chunkSeconds > 0 && got[9].chunkSeconds > 0 && got[21].chunkSeconds > 0)
        XCTAssertEqual(got[1].chunkSeconds, 0)
        XCTAssertEqual(live.pendingFrames, 0)
    }

    /// A prompt change applies from the next chunk: frames before it are unchanged, the latent continuation is kept
    /// (the first frame after the change is close to the one the old prompt would give; later ones drift apart).
    func testPromptAndStepsChangeAtTheNextChunk() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        let a = GenerationSettings(prompt: "a bay horse walks right", seed: 4)
        let reference = try frames(pipeline.startContinuousGeneration(a, revision: 1, cancellation: CancellationToken()), 21)
        let live = try pipeline.startContinuousGeneration(a, revision: 1, cancellation: CancellationToken())
        var got = try frames(live, 5)
        live.update(GenerationSettings(prompt: "a grey horse", seed: 4, numInferenceSteps: 2), revision: 2)
        got += try frames(live, 16)
        for n in 0..<9 {
            XCTAssertEqual(got[n].frame.rgb, reference[n].frame.rgb, "frame \(n) (chunk 0) must not change")
            XCTAssertEqual(got[n].revision, 1)
            XCTAssertEqual(got[n].steps, 3)
        }
        for n in 9..<21 {
            XCTAssertEqual(got[n].revision, 2)
            XCTAssertEqual(got[n].steps, 2)
            XCTAssertEqual(got[n].chunk, 1)
        }
        XCTAssertNotEqual(got[20].frame.rgb, reference[20].frame.rgb)
    }

    /// A static hold in an update applies from the next chunk (the random model has none in its config); a value out
    /// of range fails the stream with an error naming `static-hold` instead of being used.
    func testStaticHoldChangesAtTheNextChunk() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        XCTAssertEqual(pipeline.directory.pipeline.staticHoldThreshold, 0)
        let a = GenerationSettings(prompt: "a bay horse walks right", seed: 4)
        let reference = try frames(pipeline.startContinuousGeneration(a, revision: 1, cancellation: CancellationToken()), 21)
        let live = try pipeline.startContinuousGeneration(a, revision: 1, cancellation: CancellationToken())
        var got = try frames(live, 5)
        live.update(GenerationSettings(prompt: a.prompt, seed: 4, staticHoldThreshold: 50), revision: 2)
        got += try frames(live, 16)
        for n in 0..<9 { XCTAssertEqual(got[n].frame.rgb, reference[n].frame.rgb, "frame \(n) (chunk 0) must not change") }
        XCTAssertNotEqual(got[20].frame.rgb, reference[20].frame.rgb, "a hold of 50 keeps chunk 1 at its context frame")
        live.update(GenerationSettings(prompt: a.prompt, seed: 4, staticHoldThreshold: .nan), revision: 3)
        XCTAssertEqual(live.pendingFrames, 0)  // chunk 1 handed out: the next frame starts chunk 2
        XCTAssertThrowsError(try live.nextFrame()) { error in
            guard case let .invalidArgument(name, _)? = error as? HappyHorseError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "static-hold")
        }
    }

    /// Guidance 0 in an update is resolved per chunk to the model's `pipeline.guidance_scale` (2 here): the same
    /// frames as updating to 2, different from staying at 1 (no guidance) once the changed chunk shows.
    func testGuidanceZeroAtTheNextChunkIsTheModelsScale() throws {
        let dir = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "guidance_scale", 2.0) }
        let pipeline = try load(dir)
        func run(_ next: Float) throws -> [[UInt8]] {
            let live = try pipeline.startContinuousGeneration(
                GenerationSettings(prompt: "grey horse", negativePrompt: "bay horse", seed: 3, guidanceScale: 1),
                revision: 1, cancellation: CancellationToken())
            var got = try frames(live, 5)
            live.update(GenerationSettings(prompt: "grey horse", negativePrompt: "bay horse", seed: 3, guidanceScale: next),
                        revision: 2)
            got += try frames(live, 16)
            return got.map(\.frame.rgb)
        }
        let byDefault = try run(0), explicit = try run(2), none = try run(1)
        XCTAssertTrue(byDefault == explicit, "guidance 0 differs from the model's 2")  // (no byte dumps)
        XCTAssertTrue(byDefault[0..<9] == none[0..<9], "chunk 0 was made before the update")
        XCTAssertTrue(byDefault[9...] != none[9...], "guidance 0 ran without guidance")
    }

    /// Autoguidance turned off by an update applies at the next chunk: the first chunk's frames are the guided
    /// model's, the later ones those of a stream that ran without the guide throughout (tiny_guided shares the
    /// unguided tiny model's weights; its guide differs wildly, so a guided chunk shows).
    func testAutoguidanceChangesAtTheNextChunk() throws {
        let pipeline = try load(ParityTestSupport.fixture("pipeline/tiny_guided"))
        func run(_ first: Float, _ next: Float) throws -> [[UInt8]] {
            let live = try pipeline.startContinuousGeneration(
                GenerationSettings(prompt: "grey horse", seed: 3, autoguidanceScale: first), revision: 1,
                cancellation: CancellationToken())
            var got = try frames(live, 5)
            live.update(GenerationSettings(prompt: "grey horse", seed: 3, autoguidanceScale: next), revision: 2)
            got += try frames(live, 16)
            return got.map(\.frame.rgb)
        }
        let switched = try run(-1, 1), guided = try run(-1, -1), off = try run(1, 1)
        XCTAssertTrue(switched[0..<9] == guided[0..<9], "chunk 0 was made before the update")
        XCTAssertTrue(switched[9...] != guided[9...], "the update did not turn the guide off")
        XCTAssertTrue(guided[0..<9] != off[0..<9], "the guide changed nothing")
    }

    func testCancellationStopsTheStream() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        let token = CancellationToken()
        let live = try pipeline.startContinuousGeneration(GenerationSettings(prompt: "horse", seed: 1), revision: 0,
                                                          cancellation: token)
        _ = try live.nextFrame()
        token.cancel()
        for _ in 0..<8 { _ = try? live.nextFrame() }  // the pending frames of chunk 0 may still come out
        XCTAssertThrowsError(try live.nextFrame()) { XCTAssertEqual(($0 as? HappyHorseError)?.root, .cancelled) }
    }
}
