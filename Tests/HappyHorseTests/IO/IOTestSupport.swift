import Foundation
import XCTest
@testable import HappyHorse

/// Helpers shared by the IO, Model and Sampling tests (prefixed so they cannot clash with other suites' helpers).
enum IOTestSupport {
    /// Tests/HappyHorseTests/Fixtures
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// A fresh temporary directory, removed by the test's teardown block.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hh-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes raw bytes to `name` in `dir` and returns the path.
    static func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// A safetensors file from a JSON header string and a data buffer, padded as given (no validation).
    static func rawFile(header: String, data: [UInt8]) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        var n = UInt64(json.count)
        for _ in 0..<8 { bytes.append(UInt8(n & 0xFF)); n >>= 8 }
        return bytes + json + data
    }

    /// The root HappyHorseError of whatever `body` throws (XCTFail if it does not throw one).
    static func thrownError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> HappyHorseError? {
        do {
            try body()
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as HappyHorseError {
            return error.root
        } catch {
            XCTFail("expected a HappyHorseError, got \(error)", file: file, line: line)
            return nil
        }
    }

    static func seq(_ n: Int, scale: Float = 0.25) -> [Float] { (0..<n).map { Float($0) * scale - 1 } }
}
