import Foundation
import XCTest
@testable import HappyHorse

/// The Swift pipeline against tools/reference/pipeline.py on the tiny random model of Fixtures/pipeline/tiny, from
/// the same seed (NoiseGenerator has a Python twin, so no noise is injected). Dump:
/// `PYTHONPATH=tools python3 -m reference.dump_pipeline`.
final class PipelineParityTests: XCTestCase {
    struct Request: Decodable { var prompt: String; var seed: UInt64; var duration_s: Double; var frames: Int }

    func testTinyModelMatchesReference() throws {
        let request = try JSONDecoder().decode(Request.self, from: Data(contentsOf: ParityTestSupport.fixture("pipeline/generation.json")))
        let io = try ParityTestSupport.load("pipeline/generation.safetensors")
        var logs: [String] = []
        let pipeline = try TextToVideoPipeline(modelDirectory: PipelineTestSupport.tinyFixture, threads: 1) { logs.append($0) }
        let text = try pipeline.encodePrompt(request.prompt)
        ParityTestSupport.assertClose(text.embedding, io["text"], "text")
        XCTAssertEqual(text.unknown, ["mars"])

        let stream = try pipeline.startGeneration(GenerationRequest(prompt: request.prompt, seed: request.seed,
                                                                    durationSeconds: request.duration_s),
                                                  cancellation: CancellationToken(), progress: { _ in })
        let generation = try XCTUnwrap(stream as? ChunkedGeneration)
        generation.chunkObserver = { k, latent, pixels in
            ParityTestSupport.assertClose(latent, io["chunk\(k).latent"], "chunk\(k).latent", tolerance: 1e-4)
            ParityTestSupport.assertClose(pixels, io["chunk\(k).pixels"], "chunk\(k).pixels", tolerance: 1e-4)
        }
        let frames = try PipelineTestSupport.frames(stream)
        XCTAssertEqual(frames.count, request.frames)
        XCTAssertTrue(logs.contains { $0.contains("unknown words ignored: mars") }, "\(logs)")
        let rgb = try XCTUnwrap(io["rgb8"])  // [N, H, W, 3]
        let per = frames[0].rgb.count
        var differing = 0
        for frame in frames {
            for i in 0..<per where Float(frame.rgb[i]) != rgb.storage[frame.index * per + i] {
                XCTAssertLessThanOrEqual(abs(Float(frame.rgb[i]) - rgb.storage[frame.index * per + i]), 1)
                differing += 1
            }
        }
        XCTAssertLessThanOrEqual(differing, frames.count * per / 200, "\(differing) bytes differ by one")
    }
}
