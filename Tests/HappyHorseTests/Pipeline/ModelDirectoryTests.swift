import Foundation
import XCTest
@testable import HappyHorse

/// Missing or malformed model directories give errors naming the path (and the expected layout).
final class ModelDirectoryTests: XCTestCase {
    func loadError(_ dir: URL, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try TextToVideoPipeline(modelDirectory: dir, threads: 1, log: { _ in })
            XCTFail("expected an error", file: file, line: line)
        } catch {
            XCTAssertTrue(error is HappyHorseError, "\(error)", file: file, line: line)
            return "\(error)"
        }
        return ""
    }

    func testMissingDirectory() {
        let message = loadError(URL(fileURLWithPath: "/nonexistent/model"))
        XCTAssertTrue(message.contains("/nonexistent/model") && message.contains("config.json"), message)
    }

    func testMissingConfig() throws {
        let dir = try ParityTestSupport.temporaryDirectory(self)
        let message = loadError(dir)
        XCTAssertTrue(message.contains("config.json") && message.contains("vae_decoder.safetensors"), message)
    }

    func testMalformedConfig() throws {
        let dir = try PipelineTestSupport.writeRandomModel(self)
        try Data("{ not json".utf8).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertTrue(loadError(dir).contains("not valid JSON"))
    }

    func testMissingSectionAndBadField() throws {
        let noVAE = try PipelineTestSupport.writeRandomModel(self) { $0["vae"] = nil }
        XCTAssertTrue(loadError(noVAE).contains("'vae'"))
        let badSteps = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "num_inference_steps", 0) }
        XCTAssertTrue(loadError(badSteps).contains("pipeline.num_inference_steps"))
        let mismatch = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "width", 48) }
        XCTAssertTrue(loadError(mismatch).contains("pipeline.width"))
    }

    func testBadGuidanceScale() throws {
        for value in [-1, "NaN", 101] as [Any] {
            let dir = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "guidance_scale", value) }
            let message = loadError(dir)
            XCTAssertTrue(message.contains("pipeline.guidance_scale"), "\(value): \(message)")
        }
        let edge = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "guidance_scale", 100) }
        XCTAssertEqual(try TextToVideoPipeline(modelDirectory: edge, threads: 1, log: { _ in }).defaultGuidanceScale, 100)
    }

    func testMissingAndMisshapenWeights() throws {
        let dir = try PipelineTestSupport.writeRandomModel(self)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("vae_decoder.safetensors"))
        XCTAssertTrue(loadError(dir).contains("vae_decoder.safetensors"))
        let wider = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "text_encoder", "intermediate_size", 48) }
        XCTAssertTrue(loadError(wider).contains("mlp.gate_proj.weight"))
    }
}
