import Foundation
@testable import HappyHorse
import Testing

/// Property tests of the model directory as a boundary (issue #35): random paths and values in config.json, replayable
/// from the iteration number (MutationRng).
@Suite struct ModelDirectoryPropertyTests {
    /// A directory with a file, a subdirectory, a link inside and links out (to /etc/passwd and to the parent).
    private static func sandbox() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hh-boundary-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("model/sub"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: root.appendingPathComponent("model/weights.safetensors"))
        try Data("y".utf8).write(to: root.appendingPathComponent("outside.safetensors"))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("model/in-link").path,
                                  withDestinationPath: "weights.safetensors")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("model/out-link").path,
                                  withDestinationPath: "/etc/passwd")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("model/up-link").path, withDestinationPath: "..")
        return root
    }

    /// Whatever the name, a path the boundary lets through either resolves inside the directory or does not exist
    /// and, as written, stays inside; everything else is refused with the field named.
    @Test func pathsThatLeaveTheDirectoryAreAlwaysRefused() throws {
        let root = try Self.sandbox()
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model")
        let boundary = try ModelDirectoryBoundary(model)
        let resolvedModel = try #require(realpath(model.path, nil).map { p in defer { free(p) }; return String(cString: p) })
        let parts = ["..", ".", "sub", "weights.safetensors", "in-link", "out-link", "up-link", "missing",
                     "outside.safetensors", "", "/etc", "/tmp", model.path]
        var rng = MutationRng(state: 35)
        var accepted = 0, refused = 0
        for iteration in 0..<600 {
            let count = 1 + rng.below(4)
            var name = (0..<count).map { _ in parts[rng.below(parts.count)] }.joined(separator: "/")
            if rng.below(5) == 0 { name = "/" + name }
            do {
                let path = try boundary.path(name, field: "dit.weights")
                accepted += 1
                if let resolved = realpath(path, nil) {
                    defer { free(resolved) }
                    #expect(String(cString: resolved).hasPrefix(resolvedModel + "/"), "iteration \(iteration): '\(name)'")
                } else {
                    #expect(!name.hasPrefix("/") && !name.split(separator: "/").contains(".."),
                            "iteration \(iteration): '\(name)' was let through unresolved")
                }
            } catch let HappyHorseError.invalidConfig(field, reason) {
                refused += 1
                #expect(field == "dit.weights" && reason.contains("outside the model directory"), "\(reason)")
            }
        }
        #expect(accepted > 50 && refused > 50, "both sides exercised: \(accepted) accepted, \(refused) refused")
    }

    /// Random values (numbers of every kind, strings, nulls, nested objects) in random fields of a real config never
    /// crash the reader, and every refusal names a field or the file.
    @Test func randomConfigValuesAreRefusedByName() throws {
        let root = try Self.sandbox()
        defer { try? FileManager.default.removeItem(at: root) }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pipeline/tiny/config.json")
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
        let values: [Any] = [1e30, -1e30, 29.97, -1, 0, 2, 4097, 1.5, "text", "../../etc/passwd", NSNull(),
                             ["a": 1], [1, 2], true, Int.max, Double.leastNormalMagnitude]
        let model = root.appendingPathComponent("model")
        var rng = MutationRng(state: 2735)
        for iteration in 0..<300 {
            var config = original
            let sections = ["dit", "text_encoder", "vae", "pipeline"]
            let section = sections[rng.below(sections.count)]
            var part = config[section] as! [String: Any]
            let keys = part.keys.sorted()
            let key = keys[rng.below(keys.count)]
            part[key] = values[rng.below(values.count)]
            config[section] = part
            try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("config.json"))
            do {
                _ = try ModelDirectory(url: model)
            } catch let error as HappyHorseError {
                let text = error.description
                #expect(text.contains("config.json") && (text.contains("'\(section)") || text.contains("not valid JSON")
                                                         || text.contains("field")),
                        "iteration \(iteration) (\(section).\(key)): \(text)")
                #expect(!text.contains("The given data was not valid JSON"), "iteration \(iteration): \(text)")
            }
        }
    }
}
