import Foundation
import XCTest
@testable import HappyHorse

final class SafeTensorsRoundTripTests: XCTestCase {
    func testWriteThenReadAllDTypes() throws {
        let dir = try IOTestSupport.temporaryDirectory(self)
        var writer = SafeTensorsWriter()
        writer.metadata = ["format": "pt"]
        let values = IOTestSupport.seq(12)  // exactly representable in bf16 and f16
        writer.add("a.f32", Tensor(shape: [3, 4], storage: values))
        writer.add("a.bf16", Tensor(shape: [4, 3], storage: values), dtype: .bf16)
        writer.add("a.f16", Tensor(shape: [2, 6], storage: values), dtype: .f16)
        writer.add("empty", Tensor(shape: [0, 5]))
        writer.add("scalar", Tensor(shape: [], storage: [2.5]))
        let url = dir.appendingPathComponent("t.safetensors")
        try writer.write(to: url)

        let file = try SafeTensorsFile(path: url.path)
        XCTAssertEqual(file.keys, ["a.bf16", "a.f16", "a.f32", "empty", "scalar"])
        XCTAssertEqual(file.header.metadata, ["format": "pt"])
        XCTAssertEqual(file.header.dataOffset % 8, 0)
        for (key, shape) in [("a.f32", [3, 4]), ("a.bf16", [4, 3]), ("a.f16", [2, 6])] {
            let t = try file.tensor(key)
            XCTAssertEqual(t.shape, shape)
            XCTAssertEqual(t.storage, values, key)
            XCTAssertEqual(try file.linearWeight(key).densified().storage, values, key)
        }
        XCTAssertEqual(try file.tensor("empty").shape, [0, 5])
        XCTAssertEqual(try file.tensor("scalar").storage, [2.5])
    }

    func testBF16RoundsToNearestEven() throws {
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125 → rounds to even (1.0); 1 + 3·2^-8 → 1.015625.
        XCTAssertEqual(HalfConversion.bf16ToFloat(HalfConversion.floatToBF16(1 + 0x1p-8)), 1.0)
        XCTAssertEqual(HalfConversion.bf16ToFloat(HalfConversion.floatToBF16(1 + 3 * 0x1p-8)), 1.015625)
        XCTAssertTrue(HalfConversion.bf16ToFloat(HalfConversion.floatToBF16(.nan)).isNaN)
    }

    /// Files written by the official Python `safetensors` package (the fuzz seed corpus) read back correctly.
    func testReadsFilesFromTheReferenceWriter() throws {
        let dir = IOTestSupport.fixtures.appendingPathComponent("safetensors-corpus")
        let mixed = try SafeTensorsFile(path: dir.appendingPathComponent("mixed.safetensors").path)
        XCTAssertEqual(mixed.header.metadata["note"], "seed")
        XCTAssertEqual(mixed.entry("w.bf16")?.dtype, .bf16)
        XCTAssertEqual(Array(try mixed.tensor("w.bf16").storage.prefix(3)), [2.515625, -1.2578125, 0.81640625])
        XCTAssertEqual(Array(try mixed.tensor("w.f16").storage.prefix(3)), [-0.69482421875, 0.90625, 0.10723876953125])
        let edge = try SafeTensorsFile(path: dir.appendingPathComponent("edge.safetensors").path)
        XCTAssertEqual(try edge.tensor("x").storage, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try edge.tensor("scalar").shape, [])
    }

    func testMappedLinearWeightStaysInTheMap() throws {
        let dir = try IOTestSupport.temporaryDirectory(self)
        var writer = SafeTensorsWriter()
        writer.add("w", Tensor(shape: [6, 4], storage: IOTestSupport.seq(24)), dtype: .bf16)
        writer.add("v", Tensor(shape: [2, 4], storage: IOTestSupport.seq(8)))
        let url = dir.appendingPathComponent("m.safetensors")
        try writer.write(to: url)
        let file = try SafeTensorsFile(path: url.path)
        guard case .bf16(6, 4, _, _) = try file.linearWeight("w") else { return XCTFail("expected a mapped bf16 weight") }
        guard case .f32(2, 4, _, _) = try file.linearWeight("v") else { return XCTFail("expected a mapped f32 weight") }
        XCTAssertEqual(try file.linearWeight("w").densified().storage, IOTestSupport.seq(24))
    }
}
