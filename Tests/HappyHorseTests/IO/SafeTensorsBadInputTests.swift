import Foundation
import XCTest
@testable import HappyHorse

/// Every way a safetensors file can lie gives a thrown HappyHorseError naming the file, key and reason.
final class SafeTensorsBadInputTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try IOTestSupport.temporaryDirectory(self) }

    /// Opens `bytes` as a file and returns the description of the error it throws.
    private func openError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let url = try IOTestSupport.write(bytes, "bad.safetensors", in: dir)
        let error = IOTestSupport.thrownError({ _ = try SafeTensorsFile(path: url.path) }, file: file, line: line)
        let text = error?.description ?? ""
        XCTAssertTrue(text.contains("bad.safetensors"), "error does not name the file: \(text)", file: file, line: line)
        return text
    }

    private func entry(_ key: String, _ dtype: String, _ shape: String, _ begin: Int, _ end: Int) -> String {
        "\"\(key)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    func testShorterThanLengthField() throws {
        XCTAssertTrue(try openError([1, 2, 3, 4, 5]).contains("shorter than the 8-byte header length"))
        XCTAssertTrue(try openError([]).contains("shorter"))
    }

    func testHeaderLengthBeyondFile() throws {
        var bytes = IOTestSupport.rawFile(header: "{}", data: [])
        bytes[0] = 0xE8; bytes[1] = 0x03  // 1000
        XCTAssertTrue(try openError(bytes).contains("beyond the end"))
    }

    func testAbsurdHeaderLength() throws {
        var bytes = IOTestSupport.rawFile(header: "{}", data: [])
        bytes[5] = 0x01  // 2^40
        XCTAssertTrue(try openError(bytes).contains("exceeds"))
        bytes = [UInt8](repeating: 0xFF, count: 16)  // 2^64 - 1
        XCTAssertTrue(try openError(bytes).contains("exceeds"))
    }

    func testNotJSONAndNotAnObject() throws {
        XCTAssertTrue(try openError(IOTestSupport.rawFile(header: "{\"a\":", data: [])).contains("not valid JSON"))
        XCTAssertTrue(try openError(IOTestSupport.rawFile(header: "[1,2]", data: [])).contains("not an object"))
        XCTAssertTrue(try openError(IOTestSupport.rawFile(header: "{\"a\":5}", data: [])).contains("'a'"))
    }

    func testDeeplyNestedJSONThrows() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        XCTAssertFalse(try openError(IOTestSupport.rawFile(header: deep, data: [])).isEmpty)
    }

    func testOffsetsBeyondData() throws {
        let text = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[2]", 0, 8))}", data: [0, 0, 0, 0]))
        XCTAssertTrue(text.contains("'w'") && text.contains("beyond"), text)
    }

    func testMisorderedOffsets() throws {
        let text = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[2]", 8, 0))}", data: [UInt8](repeating: 0, count: 8)))
        XCTAssertTrue(text.contains("'w'") && text.contains("misordered"), text)
    }

    func testOverlappingRanges() throws {
        let header = "{\(entry("a", "F32", "[2]", 0, 8)),\(entry("b", "F32", "[2]", 4, 12))}"
        let text = try openError(IOTestSupport.rawFile(header: header, data: [UInt8](repeating: 0, count: 12)))
        XCTAssertTrue(text.contains("overlap") && text.contains("'a'") && text.contains("'b'"), text)
    }

    func testByteSizeNotMatchingShape() throws {
        let text = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[3]", 0, 8))}", data: [UInt8](repeating: 0, count: 8)))
        XCTAssertTrue(text.contains("'w'") && text.contains("needs 12"), text)
    }

    func testAbsurdShapeAndNegativeDimension() throws {
        let huge = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[1000000000,1000000000,1000]", 0, 8))}", data: [UInt8](repeating: 0, count: 8)))
        XCTAssertTrue(huge.contains("absurd"), huge)
        let negative = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[-2]", 0, 8))}", data: [UInt8](repeating: 0, count: 8)))
        XCTAssertTrue(negative.contains("negative"), negative)
        let fractional = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[2.5]", 0, 8))}", data: [UInt8](repeating: 0, count: 8)))
        XCTAssertTrue(fractional.contains("non-integer"), fractional)
        let deep = try openError(IOTestSupport.rawFile(header: "{\(entry("w", "F32", "[1,1,1,1,1,1,1,1,1,2]", 0, 8))}", data: [UInt8](repeating: 0, count: 8)))
        XCTAssertTrue(deep.contains("rank"), deep)
    }

    func testUnknownDType() throws {
        let url = try IOTestSupport.write(IOTestSupport.rawFile(header: "{\(entry("w", "I64", "[1]", 0, 8))}", data: [UInt8](repeating: 0, count: 8)),
                                          "bad.safetensors", in: dir)
        let error = IOTestSupport.thrownError { _ = try SafeTensorsFile(path: url.path) }
        XCTAssertEqual(error, .unsupportedDType(key: "w", dtype: "I64", file: url.path))
    }

    func testNaNAndInfinityInWeights() throws {
        for (name, bad) in [("nan", Float.nan), ("inf", -Float.infinity)] {
            var writer = SafeTensorsWriter()
            writer.add("ok", Tensor(shape: [2], storage: [1, 2]))
            writer.add("w", Tensor(shape: [2, 2], storage: [0, 1, bad, 3]), dtype: name == "nan" ? .bf16 : .f32)
            let url = dir.appendingPathComponent("\(name).safetensors")
            try writer.write(to: url)
            let file = try SafeTensorsFile(path: url.path)
            XCTAssertNoThrow(try file.tensor("ok"))
            let text = IOTestSupport.thrownError { _ = try file.tensor("w") }?.description ?? ""
            XCTAssertTrue(text.contains("'w'") && text.contains("non-finite") && text.contains("element 2"), text)
            // through the WeightStore (dense residency) the same check applies to matrices
            let store = WeightStore(checkpoint: try SafeTensorsCheckpoint(url: url), residency: .dense)
            XCTAssertNotNil(IOTestSupport.thrownError { _ = try store.linear("w", shape: [2, 2]) })
        }
    }

    func testTruncatedFile() throws {
        var writer = SafeTensorsWriter()
        writer.add("a", Tensor(shape: [4, 4], storage: IOTestSupport.seq(16)))
        writer.add("b", Tensor(shape: [8], storage: IOTestSupport.seq(8)))
        let bytes = try writer.serialized()
        for cut in [1, 20, bytes.count - 9, bytes.count - 3] {
            let text = try openError(Array(bytes.prefix(bytes.count - cut)))
            XCTAssertTrue(text.contains("beyond") || text.contains("JSON") || text.contains("shorter"), "cut \(cut): \(text)")
        }
    }

    /// A (sparse) tensor larger than physical memory: the fp32 copy is refused, the mapped weight is fine.
    func testCopyLargerThanMemoryIsRefused() throws {
        let rows = Int(ProcessInfo.processInfo.physicalMemory / 4 / 1024) + 1024
        var header = "{\(entry("w", "F32", "[\(rows),1024]", 0, rows * 1024 * 4))}"
        while header.utf8.count % 8 != 0 { header += " " }  // 8-aligned data, so the weight can stay mapped
        let url = try IOTestSupport.write(IOTestSupport.rawFile(header: header, data: []), "big.safetensors", in: dir)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(8 + header.utf8.count + rows * 1024 * 4))
        try handle.close()
        let file = try SafeTensorsFile(path: url.path)
        guard case .outOfMemory? = IOTestSupport.thrownError({ _ = try file.tensor("w") }) else { return XCTFail("expected outOfMemory") }
        XCTAssertEqual(try file.linearWeight("w").rows, rows)
    }

    func testMissingFileAndDirectoryWithoutCheckpoint() throws {
        let missing = dir.appendingPathComponent("nope.safetensors")
        XCTAssertEqual(IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: missing) },
                       .io(path: missing.path, reason: "no such file or directory"))
        let text = IOTestSupport.thrownError { _ = try SafeTensorsCheckpoint(url: self.dir) }?.description ?? ""
        XCTAssertTrue(text.contains("model.safetensors"), text)
    }
}
