import Foundation
import XCTest
@testable import HappyHorse

final class DiTConfigurationTests: XCTestCase {
    private let full = """
    {"weights": "dit", "hidden_size": 5120, "num_layers": 40, "num_heads_q": 40, "num_heads_kv": 8, "head_dim": 128,
     "mm_layers": [0, 1, 2, 3, 36, 37, 38, 39], "gelu7_layers": [0, 1, 2, 3], "video_in_channels": 192,
     "audio_in_channels": 64, "text_in_channels": 3584, "gelu7_intermediate_size": 20480,
     "swiglu7_intermediate_size": 13652, "norm_eps": 1e-6, "rope_theta": 10000, "rope_style": "v2",
     "latent_channels": 48, "patch_size": [1, 2, 2], "tread_config": {"ignored": true}}
    """

    private func decode(_ json: String) throws -> DiTConfiguration { try DiTConfiguration.decode(json: Data(json.utf8)) }

    /// The full MagiHuman DiT (spec 2.1) is expressible, and its derived sizes match spec 4.2.
    func testFullMagiHumanConfig() throws {
        var c = try decode(full)
        XCTAssertEqual(c.weights, "dit")
        c.weights = nil
        XCTAssertEqual(c, .magiHuman)
        XCTAssertEqual(c.qkvWidth, 7208)
        XCTAssertEqual(c.upRows(layer: 0), 20480)
        XCTAssertEqual(c.upRows(layer: 4), 27304)
        XCTAssertEqual(c.upRows(layer: 36), 27304)
        XCTAssertEqual(c.experts(layer: 37), 3)
        XCTAssertEqual(c.experts(layer: 20), 1)
        XCTAssertEqual(c.ropeBands, 16)
        XCTAssertNoThrow(try DiTConfiguration.builtin.validate())
    }

    private func expectInvalid(_ replace: (String, String), field: String, file: StaticString = #filePath, line: UInt = #line) {
        let json = full.replacingOccurrences(of: replace.0, with: replace.1)
        XCTAssertNotEqual(json, full, "replacement did not apply", file: file, line: line)
        let error = IOTestSupport.thrownError({ _ = try self.decode(json) }, file: file, line: line)
        guard case let .invalidConfig(f, _)? = error else {
            return XCTFail("expected invalidConfig, got \(String(describing: error))", file: file, line: line)
        }
        XCTAssertEqual(f, field.isEmpty ? "dit" : "dit." + field, file: file, line: line)
    }

    func testInvalidConfigs() {
        expectInvalid(("\"hidden_size\": 5120", "\"hidden_size\": 0"), field: "hidden_size")
        expectInvalid(("\"hidden_size\": 5120", "\"hidden_size\": -3"), field: "hidden_size")
        expectInvalid(("\"hidden_size\": 5120", "\"hidden_size\": 99999999999"), field: "hidden_size")
        expectInvalid(("\"hidden_size\": 5120", "\"hidden_size\": 1e300"), field: "hidden_size")  // named since #35
        expectInvalid(("\"hidden_size\": 5120", "\"hidden_size\": \"big\""), field: "hidden_size")
        expectInvalid(("\"num_layers\": 40", "\"num_layers\": 0"), field: "num_layers")
        expectInvalid(("\"num_heads_kv\": 8", "\"num_heads_kv\": 7"), field: "num_heads_kv")
        expectInvalid(("\"head_dim\": 128", "\"head_dim\": 100"), field: "head_dim")
        expectInvalid(("[0, 1, 2, 3, 36, 37, 38, 39]", "[0, 1, 40]"), field: "mm_layers")
        expectInvalid(("[0, 1, 2, 3, 36, 37, 38, 39]", "[0, 0]"), field: "mm_layers")
        expectInvalid(("\"gelu7_layers\": [0, 1, 2, 3]", "\"gelu7_layers\": [-1]"), field: "gelu7_layers")
        expectInvalid(("\"norm_eps\": 1e-6", "\"norm_eps\": 0"), field: "norm_eps")
        expectInvalid(("\"rope_style\": \"v2\"", "\"rope_style\": \"v3\""), field: "rope_style")
        expectInvalid(("\"video_in_channels\": 192", "\"video_in_channels\": 190"), field: "video_in_channels")
        expectInvalid(("\"patch_size\": [1, 2, 2]", "\"patch_size\": [1, 2]"), field: "patch_size")
        expectInvalid(("\"swiglu7_intermediate_size\": 13652", "\"swiglu7_intermediate_size\": 0"), field: "swiglu7_intermediate_size")
        expectInvalid(("\"num_layers\": 40,", ""), field: "num_layers")
        expectInvalid(("\"tread_config\"", "\"local_attn_layers\": [0, 1], \"tread_config\""), field: "local_attn_layers")
    }

    func testInactiveUnsupportedKeysAreAccepted() throws {
        let json = full.replacingOccurrences(of: "\"tread_config\"", with: "\"local_attn_layers\": [], \"post_norm\": false, \"tread_config\"")
        XCTAssertEqual(try decode(json).hiddenSize, 5120)
    }

    func testPipelineSection() throws {
        let json = """
        {"fps": 25, "width": 256, "height": 256, "sampler": "euler", "num_inference_steps": 4, "shift": 3.0,
         "sigmas": null, "chunk_latent_frames": 4, "context_latent_frames": 1, "default_duration_s": 2.5, "other": 1}
        """
        let p = try PipelineConfiguration.decode(json: Data(json.utf8))
        XCTAssertEqual(p.sampler, .euler)
        XCTAssertEqual(p.schedule, Sigmas.shifted(steps: 4, shift: 3))
        XCTAssertEqual(try PipelineConfiguration.decode(json: Data("{}".utf8)), PipelineConfiguration())
        let explicit = try PipelineConfiguration.decode(json: Data("{\"sigmas\": [0.9, 0.4, 0]}".utf8))
        XCTAssertEqual(explicit.schedule, [0.9, 0.4, 0])
        XCTAssertEqual(p.guidanceScale, 1)  // absent: no guidance
        let guided = try PipelineConfiguration.decode(json: Data("{\"guidance_scale\": 3}".utf8))
        XCTAssertEqual(guided.guidanceScale, 3)
        for bad in ["-1", "\"NaN\"", "101", "1e39"] {
            let error = IOTestSupport.thrownError { _ = try PipelineConfiguration.decode(json: Data("{\"guidance_scale\": \(bad)}".utf8)) }
            guard case let .invalidConfig(field, _)? = error else { return XCTFail("\(bad): \(String(describing: error))") }
            XCTAssertEqual(field, "pipeline.guidance_scale", bad)
        }
        XCTAssertEqual(p.noiseCorrelation, 0)  // absent: independent noise per frame
        XCTAssertEqual(try PipelineConfiguration.decode(json: Data("{\"noise_correlation\": 0.8}".utf8)).noiseCorrelation, 0.8)
        for bad in ["-0.1", "1.5", "\"NaN\""] {
            let error = IOTestSupport.thrownError { _ = try PipelineConfiguration.decode(json: Data("{\"noise_correlation\": \(bad)}".utf8)) }
            guard case let .invalidConfig(field, _)? = error else { return XCTFail("\(bad): \(String(describing: error))") }
            XCTAssertEqual(field, "pipeline.noise_correlation", bad)
        }
        XCTAssertEqual(p.staticHoldThreshold, 0)  // absent: the sampled latents as they are
        XCTAssertEqual(try PipelineConfiguration.decode(json: Data("{\"static_hold_threshold\": 0.3}".utf8)).staticHoldThreshold, 0.3)
        for bad in ["-0.1", "1e9", "\"NaN\""] {
            let error = IOTestSupport.thrownError { _ = try PipelineConfiguration.decode(json: Data("{\"static_hold_threshold\": \(bad)}".utf8)) }
            guard case let .invalidConfig(field, _)? = error else { return XCTFail("\(bad): \(String(describing: error))") }
            XCTAssertEqual(field, "pipeline.static_hold_threshold", bad)
        }
        for bad in ["{\"fps\": 0}", "{\"sampler\": \"unipc9\"}", "{\"context_latent_frames\": 4}", "{\"sigmas\": [0.5, 0.9, 0]}",
                    "{\"num_inference_steps\": -1}", "{\"shift\": -2}", "{\"default_duration_s\": 0}"] {
            let error = IOTestSupport.thrownError { _ = try PipelineConfiguration.decode(json: Data(bad.utf8)) }
            guard case .invalidConfig? = error else { return XCTFail("\(bad): \(String(describing: error))") }
        }
    }
}
