import Foundation
import XCTest
@testable import HappyHorse

/// End-to-end on tiny random model directories (64×32 pixels, 3 steps, chunks of 4 latent frames with 1 context).
final class TextToVideoPipelineTests: XCTestCase {
    func load(_ dir: URL, threads: Int = 1) throws -> TextToVideoPipeline {
        try TextToVideoPipeline(modelDirectory: dir, threads: threads, log: { _ in })
    }

    func testFrameCountSizeAndProgress() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        XCTAssertEqual(pipeline.nativeFormat, NativeVideoFormat(width: 32, height: 64, framesPerSecond: 25))
        XCTAssertEqual(pipeline.frameCount(durationSeconds: 1.0), 25)
        XCTAssertEqual(pipeline.frameCount(durationSeconds: 0.01), 1)
        let log = ProgressLog()
        let stream = try pipeline.startGeneration(GenerationRequest(prompt: "a grey horse", durationSeconds: 1.0),
                                                  cancellation: CancellationToken(), progress: log.append)
        XCTAssertEqual(stream.totalFrames, 25)
        let frames = try PipelineTestSupport.frames(stream)
        XCTAssertEqual(frames.count, 25)  // T = 7 latent frames, 2 chunks, 29 decoded frames trimmed to 25
        XCTAssertEqual(frames.map(\.index), Array(0..<25))
        for frame in frames {
            XCTAssertEqual(frame.width, 32)
            XCTAssertEqual(frame.height, 64)
            XCTAssertEqual(frame.rgb.count, 32 * 64 * 3)
        }
        let reports = log.reports
        XCTAssertEqual(reports.first?.stage, .encodingPrompt)
        let steps = reports.filter { $0.stage == .denoising }
        XCTAssertEqual(steps.map(\.step), Array(1...6))  // 2 chunks × 3 steps
        XCTAssertTrue(steps.allSatisfy { $0.totalSteps == 6 && $0.etaSeconds >= 0 })
        XCTAssertEqual(reports.filter { $0.stage == .decoding }.count, 2)
        XCTAssertNil(try stream.nextFrame())
    }

    func testFrameCountsForDurations() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        for (duration, expected) in [(0.04, 1), (0.2, 5), (0.52, 13), (0.56, 14)] {
            let stream = try pipeline.startGeneration(GenerationRequest(prompt: "horse", durationSeconds: duration),
                                                      cancellation: CancellationToken(), progress: { _ in })
            XCTAssertEqual(try PipelineTestSupport.frames(stream).count, expected, "duration \(duration)")
        }
    }

    func testSameSeedGivesIdenticalBytes() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self), threads: 2)
        func run(_ seed: UInt64) throws -> [[UInt8]] {
            let request = GenerationRequest(prompt: "a bay horse walks right", seed: seed, durationSeconds: 0.6)
            return try PipelineTestSupport.frames(pipeline.startGeneration(request, cancellation: CancellationToken(),
                                                                           progress: { _ in })).map(\.rgb)
        }
        let a = try run(5), b = try run(5), c = try run(6)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testCancellationFromProgressStopsWithinAStep() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        let token = CancellationToken()
        let log = ProgressLog()
        let stream = try pipeline.startGeneration(GenerationRequest(prompt: "horse", durationSeconds: 4), cancellation: token) { p in
            log.append(p)
            if p.stage == .denoising && p.step == 2 { token.cancel() }
        }
        XCTAssertThrowsError(try stream.nextFrame()) { XCTAssertEqual(($0 as? HappyHorseError)?.root, .cancelled) }
        XCTAssertEqual(log.reports.filter { $0.stage == .denoising }.count, 2)
        XCTAssertThrowsError(try stream.nextFrame())  // stays failed
    }

    func testCancellationFromAnotherThreadReturnsPromptly() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        let token = CancellationToken()
        let stream = try pipeline.startGeneration(GenerationRequest(prompt: "horse", durationSeconds: 3600),
                                                  cancellation: token, progress: { _ in })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { token.cancel() }
        let start = Date()
        XCTAssertThrowsError(try PipelineTestSupport.frames(stream)) { XCTAssertEqual(($0 as? HappyHorseError)?.root, .cancelled) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
    }

    func testGuidanceRunsTwoEvaluationsAndChangesOutput() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        func run(_ guidance: Float) throws -> [[UInt8]] {
            let request = GenerationRequest(prompt: "grey horse", negativePrompt: "bay horse", guidanceScale: guidance,
                                            durationSeconds: 0.2)
            return try PipelineTestSupport.frames(pipeline.startGeneration(request, cancellation: CancellationToken(),
                                                                           progress: { _ in })).map(\.rgb)
        }
        XCTAssertNotEqual(try run(1), try run(3))
    }

    /// Guidance 0 runs with config.json's `pipeline.guidance_scale`: the same bytes as asking for that scale, and
    /// no guidance (the bytes of 1) when the key is absent.
    func testGuidanceZeroMeansTheModelsGuidanceScale() throws {
        func run(_ pipeline: TextToVideoPipeline, _ guidance: Float) throws -> [[UInt8]] {
            let request = GenerationRequest(prompt: "grey horse", negativePrompt: "bay horse", guidanceScale: guidance,
                                            durationSeconds: 0.2)
            return try PipelineTestSupport.frames(pipeline.startGeneration(request, cancellation: CancellationToken(),
                                                                           progress: { _ in })).map(\.rgb)
        }
        let dir = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "guidance_scale", 2.0) }
        var logs: [String] = []
        let withDefault = try TextToVideoPipeline(modelDirectory: dir, threads: 1) { logs.append($0) }
        XCTAssertEqual(withDefault.defaultGuidanceScale, 2)
        let byDefault = try run(withDefault, 0)
        XCTAssertTrue(logs.contains { $0.contains("CFG 2.0") }, "\(logs)")
        XCTAssertTrue(byDefault == (try run(withDefault, 2)), "guidance 0 differs from the model's 2")  // (no byte dumps)
        XCTAssertTrue(byDefault != (try run(withDefault, 1)), "guidance 0 ran without guidance")

        let plain = try load(try PipelineTestSupport.writeRandomModel(self))  // no guidance_scale key
        XCTAssertEqual(plain.defaultGuidanceScale, 1)
        let plainDefault = try run(plain, 0)
        XCTAssertTrue(plainDefault == (try run(plain, 1)), "guidance 0 without the key is not 'no guidance'")
        XCTAssertTrue(plainDefault != (try run(plain, 2)), "guidance 2 changed nothing")
    }

    func testEveryDecodeLookaheadGivesTheRequestedFrames() throws {
        for lookahead in [0, 2, 5] {
            let dir = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "decode_lookahead", lookahead) }
            let pipeline = try load(dir)
            let stream = try pipeline.startGeneration(GenerationRequest(prompt: "horse", durationSeconds: 1.2),
                                                      cancellation: CancellationToken(), progress: { _ in })
            XCTAssertEqual(try PipelineTestSupport.frames(stream).map(\.index), Array(0..<30), "lookahead \(lookahead)")
        }
    }

    func testUnknownOnlyPromptEulerSamplerAndTokenLimit() throws {
        let dir = try PipelineTestSupport.writeRandomModel(self) {
            PipelineTestSupport.set(&$0, "pipeline", "sampler", "euler")
            PipelineTestSupport.set(&$0, "text_encoder", "max_tokens", 3)
        }
        var logs: [String] = []
        let pipeline = try TextToVideoPipeline(modelDirectory: dir, threads: 1) { logs.append($0) }
        XCTAssertEqual(try pipeline.encodePrompt("zebra unicorn").embedding.shape, [0, 24])
        XCTAssertEqual(try pipeline.encodePrompt("a grey horse gallops to the left").embedding.shape, [3, 24])
        let stream = try pipeline.startGeneration(GenerationRequest(prompt: "zebra unicorn", durationSeconds: 0.3),
                                                  cancellation: CancellationToken(), progress: { _ in })
        XCTAssertEqual(try PipelineTestSupport.frames(stream).count, 8)
        XCTAssertTrue(logs.contains { $0.contains("unknown words ignored: zebra unicorn") }, "\(logs)")
    }

    func testBadRequestsAreRejected() throws {
        let pipeline = try load(try PipelineTestSupport.writeRandomModel(self))
        for request in [GenerationRequest(prompt: "x", durationSeconds: 0), GenerationRequest(prompt: "x", durationSeconds: .nan),
                        GenerationRequest(prompt: "x", numInferenceSteps: -1), GenerationRequest(prompt: "x", guidanceScale: .infinity)] {
            XCTAssertThrowsError(try pipeline.startGeneration(request, cancellation: CancellationToken(), progress: { _ in }))
        }
    }
}
