import Foundation
import XCTest
@testable import HappyHorse

/// The three load-time checks (llama.cpp style): missing, wrong shape, unused.
final class WeightStoreTests: XCTestCase {
    private func store(residency: WeightStore.Residency = .automatic) throws -> (WeightStore, String) {
        let dir = try IOTestSupport.temporaryDirectory(self)
        var writer = SafeTensorsWriter()
        writer.add("block.layers.0.attention.linear_qkv.weight", Tensor(shape: [6, 4], storage: IOTestSupport.seq(24)))
        writer.add("final_norm_video.weight", Tensor(shape: [4], storage: [0, 1, 2, 3]))
        writer.add("extra.one", Tensor(shape: [1], storage: [1]))
        writer.add("extra.two", Tensor(shape: [1], storage: [2]))
        let url = dir.appendingPathComponent("w.safetensors")
        try writer.write(to: url)
        return (WeightStore(checkpoint: try SafeTensorsCheckpoint(url: url), residency: residency), url.path)
    }

    func testMissingTensor() throws {
        let (store, path) = try store()
        XCTAssertEqual(IOTestSupport.thrownError { _ = try store.tensor("final_norm_audio.weight", shape: [4]) },
                       .missingTensor(key: "final_norm_audio.weight", file: path))
    }

    func testWrongShapeNamesKeyExpectedAndFound() throws {
        let (store, _) = try store()
        let error = IOTestSupport.thrownError { _ = try store.linear("block.layers.0.attention.linear_qkv.weight", shape: [4, 6]) }
        XCTAssertEqual(error, .shapeMismatch(key: "block.layers.0.attention.linear_qkv.weight", expected: [4, 6], found: [6, 4]))
        XCTAssertTrue(error?.description.contains("[6, 4], expected [4, 6]") ?? false)
    }

    func testUnusedTensorsListed() throws {
        let (store, path) = try store()
        _ = try store.linear("block.layers.0.attention.linear_qkv.weight", shape: [6, 4])
        _ = try store.tensor("final_norm_video.weight", shape: [4])
        XCTAssertEqual(IOTestSupport.thrownError { try store.verifyAllUsed() },
                       .unusedTensors(keys: ["extra.one", "extra.two"], file: path))
        _ = try store.tensor("extra.one", shape: [1])
        _ = try store.tensor("extra.two", shape: [1])
        XCTAssertNoThrow(try store.verifyAllUsed())
    }

    func testResidencies() throws {
        let (dense, _) = try store(residency: .dense)
        guard case .dense = try dense.linear("block.layers.0.attention.linear_qkv.weight", shape: [6, 4]) else { return XCTFail() }
        let (mapped, _) = try store(residency: .mapped)
        let w = try mapped.linear("block.layers.0.attention.linear_qkv.weight", shape: [6, 4])
        guard case .f32 = w else { return XCTFail("expected a mapped weight") }
        XCTAssertEqual(w.densified().storage, IOTestSupport.seq(24))
        let (auto, _) = try store()
        XCTAssertEqual(auto.residency, .dense)
    }
}
