import Foundation
import XCTest
@testable import HappyHorse

/// Cancelling during the video decode (docs/reliability.md §3): the decoder checks the token before every layer that
/// mixes frames and before every frame group of the frame-by-frame layers, so a state change to NULL does not wait
/// for a whole chunk's decode; the decoder and the engine stay usable afterwards.
final class DecodeCancellationTests: XCTestCase {
    static let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pipeline/tiny")

    func decoder() throws -> VideoDecoder {
        let config = try VideoDecoderConfiguration.decode(json: ParityTestSupport.section("vae/config.json", "vae"))
        return try VideoDecoder(configuration: config, url: ParityTestSupport.fixture("vae/vae_decoder.safetensors"))
    }

    func testFrameGroupsEqualTheWholeWindow() throws {
        let vae = try decoder()
        let z = try XCTUnwrap(try ParityTestSupport.load("vae/window.safetensors")["z"])  // [C, 6, h, w]
        for first in [true, false] {
            let whole = try vae.decode(z, firstChunk: first, keep: nil, cancellation: nil, trace: nil, framesPerGroup: 1000)
            for group in [1, 2, 3] {
                var groups = 0
                let grouped = try vae.decode(z, firstChunk: first, keep: nil, cancellation: nil, trace: nil,
                                             framesPerGroup: group, afterGroup: { groups = $0 })
                XCTAssertEqual(grouped, whole, "first \(first), \(group) frame(s) per group")
                XCTAssertEqual(groups, (whole.shape[1] + group - 1) / group)
            }
        }
    }

    func testCancelBetweenFrameGroupsStopsAtTheNextGroupAndTheDecoderIsReusable() throws {
        let vae = try decoder()
        let z = try XCTUnwrap(try ParityTestSupport.load("vae/window.safetensors")["z"])
        let expected = try vae(z, firstChunk: true)
        let token = CancellationToken()
        var groups = 0
        XCTAssertThrowsError(try vae.decode(z, firstChunk: true, keep: nil, cancellation: token, trace: nil,
                                            framesPerGroup: 1, afterGroup: { groups = $0; if $0 == 2 { token.cancel() } })) {
            XCTAssertEqual($0 as? HappyHorseError, .cancelled)
        }
        XCTAssertEqual(groups, 2, "no frame group may start after the cancel")
        XCTAssertEqual(try vae(z, firstChunk: true, cancellation: CancellationToken()), expected)
    }

    func testAConvolutionStopsPollingOnceCancelled() throws {
        let vae = try decoder()
        let conv = vae.convOut  // 1×3×3 or 3×3×3: the im2col path, one poll per (frame, row block)
        let x = Tensor(shape: [conv.inChannels, 3, 24, 20], storage: (0..<(conv.inChannels * 3 * 24 * 20)).map { Float($0 % 7) - 3 })
        let full = conv(x)
        XCTAssertEqual(conv(x, isCancelled: { false }), full, "polling changes nothing while not cancelled")
        let polls = LockedBox(value: 0)
        let cut = conv(x, isCancelled: { polls.write { $0 += 1; return $0 > 1 } })
        XCTAssertNotEqual(cut, full, "the items after the cancel were skipped")
        XCTAssertLessThanOrEqual(polls.read { $0 }, 1 + Parallel.width, "each worker stops at its next poll")
    }

    func testCancelDuringAGenerationsDecodeLeavesTheEngineReusable() throws {
        let engine = try TextToVideoPipeline(modelDirectory: Self.tiny, threads: 1, log: { _ in })
        let request = GenerationRequest(prompt: "a brown horse", negativePrompt: "", seed: 3, numInferenceSteps: 2,
                                        guidanceScale: 1, durationSeconds: 1)
        func frames(_ stream: any VideoGenerationStream) throws -> [[UInt8]] {
            var out: [[UInt8]] = []
            while let f = try stream.nextFrame() { out.append(f.rgb) }
            return out
        }
        let expected = try frames(try engine.startGeneration(request, cancellation: CancellationToken(), progress: { _ in }))
        let token = CancellationToken()
        let decoding = LockedBox(value: 0)
        let stream = try engine.startGeneration(request, cancellation: token) { progress in
            if progress.stage == .decoding { decoding.write { $0 += 1 }; token.cancel() }
        }
        XCTAssertThrowsError(try frames(stream)) { XCTAssertEqual($0 as? HappyHorseError, .cancelled) }
        XCTAssertEqual(decoding.read { $0 }, 1, "cancelled in the first chunk's decode")
        XCTAssertEqual(try frames(try engine.startGeneration(request, cancellation: CancellationToken(), progress: { _ in })),
                       expected)
    }
}
