import Foundation
import XCTest
@testable import HappyHorse

/// Helpers of the text-encoder, VAE and pipeline suites (prefixed so they cannot clash with other suites' helpers).
enum ParityTestSupport {
    /// Tests/HappyHorseTests/Fixtures/<name>
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// Every tensor of a safetensors file, as fp32.
    static func load(_ name: String) throws -> [String: Tensor] {
        let file = try SafeTensorsFile(path: fixture(name).path)
        var out: [String: Tensor] = [:]
        for key in file.keys { out[key] = try file.tensor(key) }
        return out
    }

    /// The JSON object `section` of a config.json fixture, as bytes.
    static func section(_ name: String, _ section: String) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture(name))) as? [String: Any]
        let value = try XCTUnwrap(object?[section], "no '\(section)' in \(name)")
        return try JSONSerialization.data(withJSONObject: value)
    }

    /// max_i |a_i − b_i| / max_i |b_i| (b is the reference); the parity measure of the suites.
    static func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.count == b.count, a.count > 0 else { return a.count == b.count ? 0 : .infinity }
        var diff: Float = 0, scale: Float = 0
        for i in 0..<a.count {
            diff = max(diff, abs(a.storage[i] - b.storage[i]))
            scale = max(scale, abs(b.storage[i]))
        }
        return diff / max(scale, 1e-30)
    }

    static func assertClose(_ a: Tensor, _ b: Tensor?, _ name: String, tolerance: Float = 1e-4,
                            file: StaticString = #filePath, line: UInt = #line) {
        guard let b else { return XCTFail("reference has no '\(name)'", file: file, line: line) }
        XCTAssertEqual(a.shape, b.shape, "\(name) shape", file: file, line: line)
        let err = maxRelativeError(a, b)
        if ProcessInfo.processInfo.environment["HH_PARITY_VERBOSE"] != nil { print("parity \(name): \(err)") }
        XCTAssertLessThanOrEqual(err, tolerance, "\(name): max relative error \(err)", file: file, line: line)
    }

    /// A fresh temporary directory, removed by the test's teardown block.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hh-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
