import Foundation
import XCTest
@testable import HappyHorse

/// Loading a DiT checkpoint: missing / shape / unused tensors and the bands check, on copies of the fixture
/// checkpoint; sharded loading gives the same forward.
final class DiTLoadingTests: XCTestCase {
    private let caseName = "h64_222_v2"

    private func fixture() throws -> (DiTConfiguration, SafeTensorsFile) {
        let dir = DiTParityTests.caseDirectory(caseName)
        let config = try DiTConfiguration.decode(json: try Data(contentsOf: dir.appendingPathComponent("config.json")))
        return (config, try SafeTensorsFile(path: dir.appendingPathComponent("weights.safetensors").path))
    }

    /// Writes the fixture's tensors after `edit` (key → tensor; nil removes) to a temporary file.
    private func rewritten(_ edit: (inout [String: Tensor]) -> Void) throws -> URL {
        let (_, file) = try fixture()
        var tensors: [String: Tensor] = [:]
        for key in file.keys { tensors[key] = try file.tensor(key) }
        edit(&tensors)
        var writer = SafeTensorsWriter()
        for key in tensors.keys.sorted() { writer.add(key, tensors[key]!) }
        let url = try IOTestSupport.temporaryDirectory(self).appendingPathComponent("dit.safetensors")
        try writer.write(to: url)
        return url
    }

    private func loadError(_ url: URL) throws -> HappyHorseError? {
        let (config, _) = try fixture()
        return IOTestSupport.thrownError { _ = try DiT(config: config, checkpoint: url) }
    }

    func testMissingTensor() throws {
        let url = try rewritten { $0["block.layers.3.mlp.down_proj.weight"] = nil }
        XCTAssertEqual(try loadError(url), .missingTensor(key: "block.layers.3.mlp.down_proj.weight", file: url.path))
    }

    func testWrongShape() throws {
        let url = try rewritten { $0["block.layers.4.attention.linear_qkv.weight"] = Tensor(shape: [3 * 132, 63]) }
        XCTAssertEqual(try loadError(url), .shapeMismatch(key: "block.layers.4.attention.linear_qkv.weight",
                                                          expected: [3 * 132, 64], found: [3 * 132, 63]))
    }

    func testUnusedTensors() throws {
        let url = try rewritten {
            $0["block.layers.6.attention.pre_norm.weight"] = Tensor(shape: [64])
            $0["lm_head.weight"] = Tensor(shape: [2, 2])
        }
        XCTAssertEqual(try loadError(url), .unusedTensors(keys: ["block.layers.6.attention.pre_norm.weight", "lm_head.weight"], file: url.path))
    }

    func testBandsMustMatchConfig() throws {
        let url = try rewritten { $0["adapter.rope.bands"] = Tensor(shape: [2], storage: [1, 0.5]) }
        let text = try loadError(url)?.description ?? ""
        XCTAssertTrue(text.contains("adapter.rope.bands"), text)
    }

    func testNaNWeightRejected() throws {
        let url = try rewritten { $0["block.layers.2.mlp.pre_norm.weight"]?.storage[5] = .nan }
        let text = try loadError(url)?.description ?? ""
        XCTAssertTrue(text.contains("block.layers.2.mlp.pre_norm.weight") && text.contains("non-finite"), text)
    }

    func testShardedCheckpointGivesTheSameForward() throws {
        let (config, file) = try fixture()
        let dir = try IOTestSupport.temporaryDirectory(self)
        var shards = [SafeTensorsWriter(), SafeTensorsWriter()]
        var map: [String: String] = [:]
        for (i, key) in file.keys.enumerated() {
            let s = i % 2
            shards[s].add(key, try file.tensor(key), dtype: .bf16)
            map[key] = "model-0000\(s + 1)-of-00002.safetensors"
        }
        for s in 0..<2 { try shards[s].write(to: dir.appendingPathComponent("model-0000\(s + 1)-of-00002.safetensors")) }
        try JSONSerialization.data(withJSONObject: ["weight_map": map]).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let sharded = try DiT(config: config, checkpoint: dir, residency: .mapped)
        let single = try DiTParityTests.loadModel(caseName)
        let dump = try SafeTensorsFile(path: DiTParityTests.caseDirectory(caseName).appendingPathComponent("forward.safetensors").path)
        let inputs = (try dump.tensor("in.video"), try dump.tensor("in.audio"), try dump.tensor("in.text"))
        let a = try sharded.forward(video: inputs.0, audio: inputs.1, text: inputs.2)
        let b = try single.forward(video: inputs.0, audio: inputs.1, text: inputs.2)
        // BF16 storage of the fixture's fp32 weights: close, not equal
        XCTAssertLessThan(DiTParityTests.relativeError(a.video, b.video), 0.05)
        XCTAssertGreaterThan(DiTParityTests.relativeError(a.video, b.video), 0)
    }

    func testAbsurdTokenCountIsAnErrorNotAnAllocation() throws {
        let model = try DiTParityTests.loadModel(caseName)
        // 2^40 text rows would need petabytes of activations: refused before any buffer is allocated
        // (the tensor itself is a 0-column stand-in, so the shape check on text_in fires first; use the layout path)
        let layout = DiTTokenLayout(grid: (1 << 20, 1 << 10, 1 << 10), audio: 0, text: 0)
        XCTAssertGreaterThan(DiTWorkspace.bytes(tokens: layout.total, config: model.config),
                             Int(clamping: ProcessInfo.processInfo.physicalMemory))
    }

    func testBadInputShapes() throws {
        let model = try DiTParityTests.loadModel(caseName)
        for (video, audio, text) in [([4, 3, 5, 6], [0, 8], [0, 24]), ([3, 3, 4, 6], [0, 8], [0, 24]),
                                     ([4, 3, 4, 6], [2, 7], [0, 24]), ([4, 3, 4, 6], [0, 8], [1, 25]), ([4, 0, 4, 6], [0, 8], [0, 24])] {
            let error = IOTestSupport.thrownError {
                _ = try model.forward(video: Tensor(shape: video), audio: Tensor(shape: audio), text: Tensor(shape: text))
            }
            guard case .invalidArgument? = error else { return XCTFail("\(video) \(audio) \(text): \(String(describing: error))") }
        }
    }
}
