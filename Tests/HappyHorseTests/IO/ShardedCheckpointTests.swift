import Foundation
import XCTest
@testable import HappyHorse

/// The Hugging Face sharded layout: model.safetensors.index.json + shards (spec 4.1).
final class ShardedCheckpointTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = try IOTestSupport.temporaryDirectory(self)
        var first = SafeTensorsWriter()
        first.add("a", Tensor(shape: [2, 3], storage: IOTestSupport.seq(6)))
        first.add("b", Tensor(shape: [4], storage: IOTestSupport.seq(4)), dtype: .bf16)
        try first.write(to: dir.appendingPathComponent("model-00001-of-00002.safetensors"))
        var second = SafeTensorsWriter()
        second.add("c", Tensor(shape: [3], storage: [7, 8, 9]), dtype: .f16)
        try second.write(to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
    }

    private func writeIndex(_ map: [String: String]) throws {
        let json = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": map])
        try json.write(to: dir.appendingPathComponent(SafeTensorsCheckpoint.indexFileName))
    }

    private let goodMap = ["a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                           "c": "model-00002-of-00002.safetensors"]

    func testOpensDirectoryAndIndexPath() throws {
        try writeIndex(goodMap)
        for url in [dir!, dir.appendingPathComponent(SafeTensorsCheckpoint.indexFileName)] {
            let checkpoint = try SafeTensorsCheckpoint(url: url)
            XCTAssertEqual(checkpoint.keys, ["a", "b", "c"])
            XCTAssertEqual(checkpoint.files.count, 2)
            let store = WeightStore(checkpoint: checkpoint)
            XCTAssertEqual(try store.tensor("c", shape: [3]).storage, [7, 8, 9])
            XCTAssertEqual(try store.tensor("a", shape: [2, 3]).storage, IOTestSupport.seq(6))
            XCTAssertEqual(try store.tensor("b", shape: [4]).storage, IOTestSupport.seq(4))
        }
    }

    func testSingleModelSafetensorsInADirectory() throws {
        let single = try IOTestSupport.temporaryDirectory(self)
        var writer = SafeTensorsWriter()
        writer.add("x", Tensor(shape: [1], storage: [1]))
        try writer.write(to: single.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(try SafeTensorsCheckpoint(url: single).keys, ["x"])
    }

    func testIndexNamesAKeyTheShardLacks() throws {
        var map = goodMap
        map["d"] = "model-00002-of-00002.safetensors"
        try writeIndex(map)
        let error = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }
        XCTAssertEqual(error, .missingTensor(key: "d", file: dir.appendingPathComponent("model-00002-of-00002.safetensors").path))
    }

    func testIndexPutsAKeyInTheWrongShard() throws {
        var map = goodMap
        map["a"] = "model-00002-of-00002.safetensors"
        try writeIndex(map)
        let text = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }?.description ?? ""
        XCTAssertTrue(text.contains("'a'") && text.contains("stored in model-00001"), text)
    }

    func testMissingShardFile() throws {
        var map = goodMap
        map["c"] = "model-00003-of-00002.safetensors"
        try writeIndex(map)
        let error = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }
        guard case .io(let path, _) = error else { return XCTFail("expected io, got \(String(describing: error))") }
        XCTAssertTrue(path.hasSuffix("model-00003-of-00002.safetensors"))
    }

    func testShardPathsMayNotLeaveTheDirectory() throws {
        var map = goodMap
        map["c"] = "../model-00002-of-00002.safetensors"
        try writeIndex(map)
        let text = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }?.description ?? ""
        XCTAssertTrue(text.contains("plain file names"), text)
    }

    func testKeyStoredInTwoShards() throws {
        var dup = SafeTensorsWriter()
        dup.add("a", Tensor(shape: [1], storage: [1]))
        try dup.write(to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
        try writeIndex(["a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                        "x": "model-00002-of-00002.safetensors"])
        let text = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }?.description ?? ""
        XCTAssertTrue(text.contains("'a'") && text.contains("both"), text)
    }

    func testBadIndexJSON() throws {
        try Data("{\"weight_map\": [1]}".utf8).write(to: dir.appendingPathComponent(SafeTensorsCheckpoint.indexFileName))
        let text = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }?.description ?? ""
        XCTAssertTrue(text.contains("weight_map"), text)
    }
}
