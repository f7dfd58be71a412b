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

    /// pipeline.autoguidance: bad numbers and a missing guide file name the field or the file; scale 1 does not load
    /// the guide at all (its files may be absent).
    func testAutoguidanceConfig() throws {
        func guide(_ scale: Any, _ threshold: Any, dit: String = "dit.safetensors") -> [String: Any] {
            ["dit_weights": dit, "text_encoder_weights": "text_encoder.safetensors", "scale": scale, "threshold": threshold]
        }
        for (value, field) in [(guide(0.5, 0), "autoguidance.scale"), (guide("NaN", 0), "autoguidance.scale"),
                               (guide(3, -1), "autoguidance.threshold"), (guide(3, 101), "autoguidance.threshold"),
                               (["scale": 3] as [String: Any], "autoguidance.dit_weights")] {
            let dir = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "autoguidance", value) }
            let message = loadError(dir)
            XCTAssertTrue(message.contains(field), "\(value): \(message)")
        }
        let missing = try PipelineTestSupport.writeRandomModel(self) {
            PipelineTestSupport.set(&$0, "pipeline", "autoguidance", guide(3, 0.4, dit: "guide_dit.safetensors"))
        }
        let message = loadError(missing)
        XCTAssertTrue(message.contains("guide_dit.safetensors") && message.contains("autoguidance"), message)
        let off = try PipelineTestSupport.writeRandomModel(self) {
            PipelineTestSupport.set(&$0, "pipeline", "autoguidance", guide(1, 0, dit: "guide_dit.safetensors"))
        }
        XCTAssertNil(try TextToVideoPipeline(modelDirectory: off, threads: 1, log: { _ in }).guide)
        // The model's own weights as its guide: the two passes agree, so the frames are the unguided model's.
        let selfGuided = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "pipeline", "autoguidance", guide(3, 0)) }
        let plain = try PipelineTestSupport.writeRandomModel(self)
        func frames(_ dir: URL) throws -> [[UInt8]] {
            let pipeline = try TextToVideoPipeline(modelDirectory: dir, threads: 1, log: { _ in })
            let stream = try pipeline.startGeneration(GenerationRequest(prompt: "a grey horse", seed: 5, durationSeconds: 0.2),
                                                      cancellation: CancellationToken(), progress: { _ in })
            return try PipelineTestSupport.frames(stream).map(\.rgb)
        }
        XCTAssertNotNil(try TextToVideoPipeline(modelDirectory: selfGuided, threads: 1, log: { _ in }).guide)
        XCTAssertEqual(try frames(selfGuided), try frames(plain))
    }

    func testMissingAndMisshapenWeights() throws {
        let dir = try PipelineTestSupport.writeRandomModel(self)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("vae_decoder.safetensors"))
        XCTAssertTrue(loadError(dir).contains("vae_decoder.safetensors"))
        let wider = try PipelineTestSupport.writeRandomModel(self) { PipelineTestSupport.set(&$0, "text_encoder", "intermediate_size", 48) }
        XCTAssertTrue(loadError(wider).contains("mlp.gate_proj.weight"))
    }
}
