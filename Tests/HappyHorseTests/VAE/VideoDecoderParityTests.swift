import Foundation
import XCTest
@testable import HappyHorse

/// Parity with tools/reference/vae.py (VideoDecoder) on a tiny random config (latent 5, widths 12/8/6/6, 3d/3d/2d/none,
/// kt 3/3/1/1, latent 2×3 → 32×48 pixels). Dump: `PYTHONPATH=tools python3 -m reference.dump_te_vae`.
final class VideoDecoderParityTests: XCTestCase {
    func decoder() throws -> VideoDecoder {
        let config = try VideoDecoderConfiguration.decode(json: ParityTestSupport.section("vae/config.json", "vae"))
        return try VideoDecoder(configuration: config, url: ParityTestSupport.fixture("vae/vae_decoder.safetensors"))
    }

    func check(_ dump: String, firstChunk: Bool) throws {
        let vae = try decoder()
        let io = try ParityTestSupport.load("vae/\(dump).safetensors")
        var seen: [String: Tensor] = [:]
        let pixels = try vae(try XCTUnwrap(io["z"]), firstChunk: firstChunk) { name, value in seen[name] = value }
        let names = io.keys.filter { $0 != "z" && $0 != "rgb8" }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 8)
        for name in names {
            ParityTestSupport.assertClose(try XCTUnwrap(seen[name], "Swift did not report '\(name)'"), io[name], "\(dump) \(name)")
        }
        // RGB8: exact up to float rounding at the truncation boundary.
        let rgb = try XCTUnwrap(io["rgb8"])  // [F, H, W, 3]
        let (f, hw) = (pixels.shape[1], pixels.shape[2] * pixels.shape[3])
        var off = 0
        for t in 0..<f {
            let bytes = VideoDecoder.rgb8(pixels, frame: t)
            for i in 0..<(hw * 3) where Float(bytes[i]) != rgb.storage[t * hw * 3 + i] {
                XCTAssertLessThanOrEqual(abs(Float(bytes[i]) - rgb.storage[t * hw * 3 + i]), 1)
                off += 1
            }
        }
        XCTAssertLessThanOrEqual(off, f * hw * 3 / 1000, "\(off) bytes differ by one")
    }

    func testFirstChunkMatchesReference() throws { try check("first", firstChunk: true) }

    func testLaterChunkMatchesReference() throws { try check("later", firstChunk: false) }

    func testWindowsMatchReference() throws {
        let vae = try decoder()
        let io = try ParityTestSupport.load("vae/window.safetensors")
        let z = try XCTUnwrap(io["z"])
        for key in io.keys where key.hasPrefix("window_") {
            let p = key.split(separator: "_").dropFirst().compactMap { Int($0) }  // start, end, left, right
            let out = try vae.decodeWindow(z, start: p[0], end: p[1], left: p[2], right: p[3])
            XCTAssertEqual(out.shape[1], vae.configuration.pixelFrames(latentFrames: p[0]..<p[1]))
            ParityTestSupport.assertClose(out, io[key], key)
        }
    }

    func testKeptFramesEqualCroppingTheOutput() throws {
        let vae = try decoder()
        let z = try XCTUnwrap(try ParityTestSupport.load("vae/window.safetensors")["z"])  // [C, 6, h, w]
        for first in [true, false] {
            let full = try vae(z, firstChunk: first)
            for keep in [0..<5, 4..<9, 7..<full.shape[1], 0..<full.shape[1]] {
                XCTAssertEqual(try vae(z, firstChunk: first, keep: keep), full.slicingFrames(keep), "first \(first) keep \(keep)")
            }
        }
        XCTAssertThrowsError(try vae(z, firstChunk: true, keep: 0..<100))
    }

    func testRGB8MappingClampsAndMapsNaNToZero() {
        let pixels = Tensor(shape: [3, 1, 1, 3], storage: [-2, 0, 2, .nan, .infinity, -.infinity, 0.999, -0.999, 1])
        XCTAssertEqual(VideoDecoder.rgb8(pixels, frame: 0), [0, 0, 254, 127, 255, 0, 255, 0, 255])  // RGB per pixel
    }

    func testWrongConfigurationIsReported() throws {
        var config = try VideoDecoderConfiguration.decode(json: ParityTestSupport.section("vae/config.json", "vae"))
        config.layersPerBlock[0] = 2
        XCTAssertThrowsError(try VideoDecoder(configuration: config, url: ParityTestSupport.fixture("vae/vae_decoder.safetensors"))) { error in
            guard case .missingTensor = (error as? HappyHorseError)?.root else { return XCTFail("\(error)") }
        }
        config.layersPerBlock = [1, 1]
        XCTAssertThrowsError(try config.validate())
    }

    /// The fixture's up blocks 1 and 2 use the depth-to-space form: reading them as nearest upsamplers finds their
    /// convs 4× too wide, and a list of the wrong length is refused with the field named.
    func testSpatialUpsampleFormIsCheckedAgainstTheWeights() throws {
        var config = try VideoDecoderConfiguration.decode(json: ParityTestSupport.section("vae/config.json", "vae"))
        XCTAssertEqual(config.spatialUpsample, [.nearest, .shuffle, .shuffle, .nearest])
        config.spatialUpsample = [.nearest, .nearest, .nearest, .nearest]
        XCTAssertThrowsError(try VideoDecoder(configuration: config, url: ParityTestSupport.fixture("vae/vae_decoder.safetensors"))) { error in
            guard case .shapeMismatch = (error as? HappyHorseError)?.root else { return XCTFail("\(error)") }
        }
        config.spatialUpsample = [.shuffle]
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertTrue("\(error)".contains("spatial_upsample"), "\(error)")
        }
    }
}
