import Foundation
import XCTest
@testable import HappyHorse

/// Parity with tools/reference/text_encoder.py on a tiny random config (hidden 40, 2 layers, 4 q / 2 kv heads × 10,
/// GeGLU 56, soft-cap 50 with logits up to ~41). Dump: `PYTHONPATH=tools python3 -m reference.dump_te_vae`.
final class TextEncoderParityTests: XCTestCase {
    func testNamedIntermediatesMatchReference() throws {
        let config = try TextEncoderConfiguration.decode(json: ParityTestSupport.section("te/config.json", "text_encoder"))
        let encoder = try TextEncoder(configuration: config, url: ParityTestSupport.fixture("te/text_encoder.safetensors"))
        let io = try ParityTestSupport.load("te/io.safetensors")
        let ids = try XCTUnwrap(io["ids"]).storage.map { Int($0) }
        var seen: [String: Tensor] = [:]
        let out = try encoder(ids) { name, value in seen[name] = value }
        var names = ["embeddings", "output"]
        for i in 0..<config.numLayers { names += ["layers.\(i).attention", "layers.\(i)"] }
        for name in names {
            ParityTestSupport.assertClose(try XCTUnwrap(seen[name], name), io[name], name)
        }
        ParityTestSupport.assertClose(out, io["output"], "output")
    }

    func testTokenizerIdsMatchDumpAndEmptyPrompt() throws {
        let config = try TextEncoderConfiguration.decode(json: ParityTestSupport.section("te/config.json", "text_encoder"))
        let encoder = try TextEncoder(configuration: config, url: ParityTestSupport.fixture("te/text_encoder.safetensors"))
        XCTAssertEqual(try encoder([]).shape, [0, config.hiddenSize])
        XCTAssertThrowsError(try encoder([config.vocabSize]))
    }

    func testMissingAndUnusedWeightsAreReported() throws {
        let config = try TextEncoderConfiguration.decode(json: ParityTestSupport.section("te/config.json", "text_encoder"))
        var fewer = config
        fewer.numLayers = 1
        XCTAssertThrowsError(try TextEncoder(configuration: fewer, url: ParityTestSupport.fixture("te/text_encoder.safetensors"))) { error in
            guard case .unusedTensors = (error as? HappyHorseError)?.root else { return XCTFail("\(error)") }
        }
        var more = config
        more.numLayers = 3
        XCTAssertThrowsError(try TextEncoder(configuration: more, url: ParityTestSupport.fixture("te/text_encoder.safetensors"))) { error in
            guard case .missingTensor = (error as? HappyHorseError)?.root else { return XCTFail("\(error)") }
        }
    }
}
