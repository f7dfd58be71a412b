import Foundation
import Testing
@testable import HappyHorse

/// `pipeline.supports_cfg` and `pipeline.decode_lookahead` are fields of PipelineConfiguration, decoded and checked
/// with the rest of the section (no key of the section is read from raw JSON).
@Suite struct PipelineConfigurationKeysTests {
    static func decode(_ json: String) throws -> PipelineConfiguration {
        try PipelineConfiguration.decode(json: Data(json.utf8))
    }

    static func refusal(_ json: String) -> (field: String, reason: String)? {
        do {
            _ = try decode(json)
            return nil
        } catch let error as HappyHorseError {
            guard case let .invalidConfig(field, reason) = error else { return ("not invalidConfig", "\(error)") }
            return (field, reason)
        } catch {
            return ("not a HappyHorseError", "\(error)")
        }
    }

    @Test func absentKeysTakeTheDefaults() throws {
        let p = try Self.decode("{}")
        #expect(p.supportsCFG)
        #expect(p.decodeLookahead == 1)
    }

    @Test(arguments: [("0", 0), ("2", 2), ("2.0", 2), ("8", 8), ("null", 1)])
    func lookaheadIsAnIntegerInRange(literal: String, expected: Int) throws {
        #expect(try Self.decode("{\"decode_lookahead\": \(literal)}").decodeLookahead == expected)
    }

    @Test(arguments: [("9", "got 9"), ("-1", "got -1"), ("2.5", "got 2.5"), ("1e30", "got 1e+30"),
                      ("\"x\"", "got a value that is not a number"), ("true", "got a value that is not a number")])
    func lookaheadOutsideTheRuleIsRefusedByName(literal: String, got: String) {
        let refusal = Self.refusal("{\"decode_lookahead\": \(literal)}")
        #expect(refusal?.field == "pipeline.decode_lookahead")
        #expect(refusal?.reason == "must be an integer in 0...8, \(got)")
    }

    @Test func supportsCFGIsABool() throws {
        #expect(try Self.decode("{\"supports_cfg\": false}").supportsCFG == false)
        #expect(try Self.decode("{\"supports_cfg\": true}").supportsCFG)
        for literal in ["0", "\"no\""] {
            #expect(Self.refusal("{\"supports_cfg\": \(literal)}")?.field == "pipeline.supports_cfg", "\(literal)")
        }
    }

    /// A model directory's config.json: the error names the file and the field, as every section's errors do.
    @Test func aModelDirectoryReportsTheFileAndTheField() throws {
        let tiny = ParityTestSupport.fixture("pipeline/tiny")
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hh-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: tiny.appendingPathComponent("config.json"))) as? [String: Any])
        var pipeline = try #require(config["pipeline"] as? [String: Any])
        pipeline["decode_lookahead"] = 12
        config["pipeline"] = pipeline
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        let error = #expect(throws: HappyHorseError.self) { _ = try ModelDirectory(url: dir) }
        #expect(error?.description == "\(dir.appendingPathComponent("config.json").path): invalid configuration field "
                + "'pipeline.decode_lookahead': must be an integer in 0...8, got 12")
    }
}
