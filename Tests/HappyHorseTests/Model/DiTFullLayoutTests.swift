import Foundation
import XCTest
@testable import HappyHorse

/// The full 15.3 B-parameter MagiHuman layout (spec 4.2: 331 tensors, BF16, 30.6 GB) loads from a memory-mapped
/// checkpoint without being copied: the test writes a SPARSE file (header + the RoPE bands; every other byte is a
/// hole that reads as zero), loads it with `.mapped` residency, checks every key and shape, and checks that the
/// resident memory grew by far less than the file size.
final class DiTFullLayoutTests: XCTestCase {
    private func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }

    /// (key, shape) of every tensor of a configuration, in checkpoint order.
    static func layout(_ c: DiTConfiguration) -> [(String, [Int])] {
        let h = c.hiddenSize
        var out: [(String, [Int])] = [
            ("adapter.video_embedder.weight", [h, c.videoInChannels]), ("adapter.video_embedder.bias", [h]),
            ("adapter.audio_embedder.weight", [h, c.audioInChannels]), ("adapter.audio_embedder.bias", [h]),
            ("adapter.text_embedder.weight", [h, c.textInChannels]), ("adapter.text_embedder.bias", [h]),
            ("adapter.rope.bands", [c.ropeBands]),
        ]
        for i in 0..<c.numLayers {
            let p = "block.layers.\(i).", e = c.experts(layer: i)
            out += [(p + "attention.pre_norm.weight", [e * h]), (p + "attention.linear_qkv.weight", [e * c.qkvWidth, h]),
                    (p + "attention.q_norm.weight", [e * c.headDim]), (p + "attention.k_norm.weight", [e * c.headDim]),
                    (p + "attention.linear_proj.weight", [e * h, c.queryWidth]), (p + "mlp.pre_norm.weight", [e * h]),
                    (p + "mlp.up_gate_proj.weight", [e * c.upRows(layer: i), h]),
                    (p + "mlp.down_proj.weight", [e * h, c.intermediateSize(layer: i)])]
        }
        out += [("final_norm_video.weight", [h]), ("final_norm_audio.weight", [h]),
                ("final_linear_video.weight", [c.videoInChannels, h]), ("final_linear_audio.weight", [c.audioInChannels, h])]
        return out
    }

    func testFullMagiHumanLayoutLoadsMappedWithoutCopying() throws {
        let c = DiTConfiguration.magiHuman
        let tensors = Self.layout(c)
        XCTAssertEqual(tensors.count, 331)
        XCTAssertEqual(tensors.reduce(0) { $0 + $1.1.reduce(1, *) }, 15_299_419_152)  // spec 2.10

        var entries: [String: Any] = [:]
        var offset = 0, bandsOffset = 0
        for (key, shape) in tensors {
            let size = shape.reduce(1, *) * 2
            if key == "adapter.rope.bands" { bandsOffset = offset }
            entries[key] = ["dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        var head = [UInt8]()
        var n = UInt64(json.count)
        for _ in 0..<8 { head.append(UInt8(n & 0xFF)); n >>= 8 }
        head += json
        let url = try IOTestSupport.temporaryDirectory(self).appendingPathComponent("model.safetensors")
        guard FileManager.default.createFile(atPath: url.path, contents: Data(head)) else { return XCTFail("cannot create") }
        let handle = try FileHandle(forWritingTo: url)
        // the bands, BF16, at their offset; everything else stays a hole
        try handle.seek(toOffset: UInt64(head.count + bandsOffset))
        var bands = [UInt8]()
        for j in 0..<c.ropeBands {
            let bits = HalfConversion.floatToBF16(Float(pow(c.ropeTheta, -Double(j) / Double(c.ropeBands))))
            bands += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        try handle.write(contentsOf: Data(bands))
        try handle.truncate(atOffset: UInt64(head.count + offset))
        try handle.close()

        let before = residentBytes()
        let dit = try DiT(config: c, checkpoint: url, residency: .mapped)
        let grown = residentBytes() - before
        XCTAssertEqual(dit.weights.layers.count, 40)
        XCTAssertEqual(dit.weights.layers[0].qkv.experts.count, 3)
        XCTAssertEqual(dit.weights.layers[37].upGate.experts[2].shape, [27304, 5120])  // text expert of an MM SwiGLU layer
        XCTAssertEqual(dit.weights.layers[20].down.experts[0].shape, [5120, 13652])
        guard case .bf16 = dit.weights.layers[39].proj.experts[1] else { return XCTFail("expected a mapped BF16 weight") }
        XCTAssertLessThan(grown, 1 << 30, "loading grew RSS by \(grown) bytes for a \(offset)-byte checkpoint")
        print("full MagiHuman layout: \(offset) bytes mapped, RSS grew by \(grown / (1 << 20)) MiB")
    }
}
