import Foundation
import XCTest
@testable import HappyHorse

/// The shipped model directory (models/builtin) loads and generates a short clip. Skipped when it is absent.
final class BuiltinModelTests: XCTestCase {
    func testLoadsAndGeneratesAShortClip() throws {
        let dir = PipelineParityTests.repositoryRoot.appendingPathComponent("models/builtin")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) else {
            throw XCTSkip("models/builtin is absent")
        }
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
}
