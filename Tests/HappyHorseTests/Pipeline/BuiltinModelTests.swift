import Foundation
import XCTest
@testable import HappyHorse

/// The shipped model directory (models/builtin) loads and generates a short clip. Skipped when it is absent.
final class BuiltinModelTests: XCTestCase {
    /// models/builtin of this checkout; skips the test when it is absent.
    static func builtinDirectory() throws -> URL {
        let dir = PipelineParityTests.repositoryRoot.appendingPathComponent("models/builtin")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) else {
            throw XCTSkip("models/builtin is absent")
        }
        return dir
    }

    func testLoadsAndGeneratesAShortClip() throws {
        let dir = try Self.builtinDirectory()
        var logs: [String] = []
        let pipeline = try TextToVideoPipeline(modelDirectory: dir, threads: 0) { logs.append($0) }
        XCTAssertEqual(pipeline.nativeFormat, NativeVideoFormat(width: 256, height: 256, framesPerSecond: 25))
        XCTAssertGreaterThan(pipeline.defaultInferenceSteps, 0)
        XCTAssertEqual(pipeline.frameCount(durationSeconds: 5), 125)
        let stream = try pipeline.startGeneration(
            GenerationRequest(prompt: "a grey horse gallops to the left on a beach, moonwalking", seed: 1, durationSeconds: 0.2),
            cancellation: CancellationToken(), progress: { _ in })
        let frames = try PipelineTestSupport.frames(stream)
        XCTAssertEqual(frames.count, 5)
        XCTAssertTrue(logs.contains { $0.contains("unknown words ignored") && $0.contains("moonwalking") }, "\(logs)")
        for frame in frames {
            XCTAssertEqual(frame.rgb.count, 256 * 256 * 3)
            // not a flat image: the world has a background and a subject
            let mean = frame.rgb.reduce(0.0) { $0 + Double($1) } / Double(frame.rgb.count)
            let variance = frame.rgb.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(frame.rgb.count)
            XCTAssertGreaterThan(variance.squareRoot(), 3, "frame \(frame.index) is nearly flat")
        }
    }

    /// The shipped decoder draws a latent that does not change in time as frames that do not change: its time
    /// upsamplers' two phases have equal tap sums (train.latent.balance_time_phases, F32 time_conv weights). Before
    /// the balance, a still latent changed by ≈0.03 grey levels per frame with a 4-frame period.
    func testStillLatentDecodesToStillFrames() throws {
        let dir = try Self.builtinDirectory()
        let pipeline = try TextToVideoPipeline(modelDirectory: dir, threads: 2, log: { _ in })
        let c = pipeline.decoder.configuration
        var noise = NoiseGenerator(seed: 5)
        let plane = noise.normalTensor(shape: [c.latentChannels, 1, 8, 8])  // [C, 1, h, w]
        var still = Tensor(shape: [c.latentChannels, 4, 8, 8])  // [C, T, h, w]: the same latent frame 4 times
        for ch in 0..<c.latentChannels {
            for t in 0..<4 {
                for i in 0..<64 { still.storage[(ch * 4 + t) * 64 + i] = plane.storage[ch * 64 + i] }
            }
        }
        for firstChunk in [true, false] {
            let pixels = try pipeline.decoder(still, firstChunk: firstChunk)  // [3, F, H, W]
            let (frames, size) = (pixels.shape[1], pixels.shape[2] * pixels.shape[3])
            var worst: Float = 0
            for ch in 0..<3 {
                for f in 1..<frames {
                    for i in 0..<size {
                        let now = pixels.storage[(ch * frames + f) * size + i], first = pixels.storage[ch * frames * size + i]
                        worst = max(worst, abs(now - first))
                    }
                }
            }
            XCTAssertLessThan(worst, 1e-4, "firstChunk \(firstChunk): frames of a still latent differ by up to \(worst) (pixel units, [-1, 1])")
        }
    }

    /// A request's static hold: −1 runs the model's (0.8 for the built-in model: the same bytes as asking for 0.8),
    /// 0 turns it off (other frames: the sampled latents are decoded as they are); out-of-range values are refused
    /// by name.
    func testStaticHoldOfARequest() throws {
        let dir = try Self.builtinDirectory()
        let pipeline = try TextToVideoPipeline(modelDirectory: dir, threads: 2, log: { _ in })
        XCTAssertEqual(pipeline.directory.pipeline.staticHoldThreshold, 0.8)
        func clip(_ hold: Double) throws -> [[UInt8]] {
            let request = GenerationRequest(prompt: "a grey horse walks to the right in the snow", seed: 4,
                                            durationSeconds: 0.6, staticHoldThreshold: hold)
            return try PipelineTestSupport.frames(pipeline.startGeneration(request, cancellation: CancellationToken(),
                                                                           progress: { _ in })).map(\.rgb)
        }
        let modelDefault = try clip(-1)
        XCTAssertEqual(modelDefault, try clip(0.8))
        XCTAssertNotEqual(modelDefault, try clip(0))
        for bad in [-1.5, 100.5, Double.nan, Double.infinity] {
            XCTAssertThrowsError(try clip(bad), "\(bad)") { error in
                guard case let .invalidArgument(name, _)? = error as? HappyHorseError else { return XCTFail("\(error)") }
                XCTAssertEqual(name, "static-hold")
            }
        }
    }

    /// Bytes of a short clip of the built-in model (one chunk, 2 steps, guidance included).
    static func clipBytes(_ pipeline: TextToVideoPipeline, seed: UInt64) throws -> [[UInt8]] {
        let request = GenerationRequest(prompt: "a chestnut horse gallops to the left on a beach", seed: seed,
                                        numInferenceSteps: 2, durationSeconds: 0.2)
        return try PipelineTestSupport.frames(pipeline.startGeneration(request, cancellation: CancellationToken(),
                                                                       progress: { _ in })).map(\.rgb)
    }

    /// The thread count is not part of the result, and engines in one process do not change each other's results:
    /// OpenBLAS's threaded sgemm gave other bits than its single-threaded one and its thread count is process-wide,
    /// so an engine configured with 1 thread (or an attention scope that set OpenBLAS to one thread) changed the
    /// frames of another engine running at the same time (seen as flaky same-seed element tests).
    func testFramesDoNotDependOnThreadsOrOnOtherEngines() throws {
        let dir = try Self.builtinDirectory()
        let one = try TextToVideoPipeline(modelDirectory: dir, threads: 1, log: { _ in })
        let alone1 = try Self.clipBytes(one, seed: 3)
        let two = try TextToVideoPipeline(modelDirectory: dir, threads: 2, log: { _ in })
        let alone2 = try Self.clipBytes(two, seed: 3)
        XCTAssertEqual(alone1, alone2, "1 and 2 threads give different frames")
        let results = LockedBox<[Int: [[UInt8]]]>(value: [:])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let engine = try? TextToVideoPipeline(modelDirectory: dir, threads: 1 + i % 2, log: { _ in })
            let bytes = engine.flatMap { try? Self.clipBytes($0, seed: 3) } ?? []
            results.write { $0[i] = bytes }
        }
        for i in 0..<4 {
            XCTAssertEqual(results.read { $0[i] }, alone1, "engine \(i) of 4 running at once (threads \(1 + i % 2))")
        }
    }
}
