import Foundation
import XCTest
@testable import HappyHorse

/// CI-sized companion of the libFuzzer targets (Fuzz/FuzzEntry.swift, docs/reliability.md): the committed seed
/// corpora replayed through the parsers, and random mutations of the tiny model's config.json and tokenizer.json.
/// Each input must parse or throw a HappyHorseError — never crash or throw anything else.
/// Iterations: 1500 per file by default; `HH_FUZZ_ITERATIONS` overrides.
final class ParserMutationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = root.appendingPathComponent("Tests/HappyHorseTests/Fixtures/pipeline/tiny")
    static let corpus = root.appendingPathComponent("Fuzz/corpus")
    var iterations: Int { ProcessInfo.processInfo.environment["HH_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 1500 }

    private static let tokens: [[UInt8]] = ["0", "-1", "1e308", "-0", "null", "true", "\"\"", "[]", "{}", "\"x\"",
                                            "4096", "65537", "\u{0}", "\\ud800", "1.5", "\"v2\"", "\"none\""].map { Array($0.utf8) }

    private func mutate(_ input: [UInt8], _ rng: inout MutationRng) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + rng.below(3)) {
            switch rng.below(6) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] ^= UInt8(1 << rng.below(8))
            case 1 where !b.isEmpty:  // replace a number or literal by a token
                let i = rng.below(b.count), n = min(b.count - i, 1 + rng.below(6))
                b.replaceSubrange(i..<(i + n), with: Self.tokens[rng.below(Self.tokens.count)])
            case 2: b.insert(contentsOf: Self.tokens[rng.below(Self.tokens.count)], at: rng.below(b.count + 1))
            case 3 where b.count > 1:
                let i = rng.below(b.count), n = 1 + rng.below(min(24, b.count - i))
                b.removeSubrange(i..<(i + n))
            case 4: b = Array(b.prefix(rng.below(b.count + 1)))
            default:  // duplicate a slice
                if b.count > 2 { let i = rng.below(b.count - 1); let n = 1 + rng.below(min(32, b.count - i)); b.insert(contentsOf: b[i..<(i + n)], at: rng.below(b.count)) }
            }
        }
        return b
    }

    private func expectEngineError(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch is HappyHorseError {} catch {
            XCTFail("\(what): threw \(type(of: error)) \(error), expected a HappyHorseError")
        }
    }

    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hh-mutation-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testConfigMutations() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seed = try [UInt8](Data(contentsOf: Self.tiny.appendingPathComponent("config.json")))
        var rng = MutationRng(state: 0xC0FF_EE01)
        var parsed = 0
        for i in 0..<iterations {
            let input = mutate(seed, &rng)
            try Data(input).write(to: dir.appendingPathComponent("config.json"))
            expectEngineError("config mutation \(i)") { _ = try ModelDirectory(url: dir); parsed += 1 }
        }
        print("config mutations: \(iterations), parsed \(parsed)")
    }

    func testTokenizerMutations() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seed = try [UInt8](Data(contentsOf: Self.tiny.appendingPathComponent("tokenizer.json")))
        var rng = MutationRng(state: 0x70CE_2201)
        var parsed = 0
        let url = dir.appendingPathComponent("tokenizer.json")
        for i in 0..<iterations {
            let input = mutate(seed, &rng)
            try Data(input).write(to: url)
            expectEngineError("tokenizer mutation \(i)") {
                let t = try Tokenizer(contentsOf: url)
                _ = t.encode(String(decoding: input, as: UTF8.self))
                parsed += 1
            }
        }
        print("tokenizer mutations: \(iterations), parsed \(parsed)")
    }

    /// Every committed seed of Fuzz/corpus through its parser.
    func testSeedCorporaReplay() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var replayed = 0
        for target in ["safetensors", "index", "config", "tokenizer", "prompt"] {
            let folder = Self.corpus.appendingPathComponent(target)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                let data = try Data(contentsOf: folder.appendingPathComponent(name))
                replayed += 1
                switch target {
                case "safetensors":
                    expectEngineError(name) { _ = try data.withUnsafeBytes { try SafeTensorsHeader.parse($0, path: name) } }
                case "index":
                    try data.write(to: dir.appendingPathComponent(SafeTensorsCheckpoint.indexFileName))
                    expectEngineError(name) { _ = try SafeTensorsCheckpoint(url: dir.appendingPathComponent(SafeTensorsCheckpoint.indexFileName)) }
                case "config":
                    try data.write(to: dir.appendingPathComponent("config.json"))
                    expectEngineError(name) { _ = try ModelDirectory(url: dir) }
                case "tokenizer":
                    try data.write(to: dir.appendingPathComponent("tokenizer.json"))
                    expectEngineError(name) { _ = try Tokenizer(contentsOf: dir.appendingPathComponent("tokenizer.json")) }
                default:
                    _ = Tokenizer.preTokenize(String(decoding: data, as: UTF8.self))
                }
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 10, "the seed corpora are missing")
    }
}
