import Foundation
import XCTest
@testable import HappyHorse

/// Engine-side limits found by the reliability work (docs/reliability.md): the memory check before loading, and
/// the bound on the tokens the text encoder sees (an enormous prompt must not stall generation start).
final class EngineLimitsTests: XCTestCase {
    static let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pipeline/tiny")

    func testMemoryBudgetSaysHowMuchItNeeds() throws {
        let dir = try ModelDirectory(url: Self.tiny)
        let weights = MemoryBudget.weightBytes(dir)
        XCTAssertGreaterThan(weights, 100_000, "tiny model weights counted from the headers")
        XCTAssertNoThrow(try MemoryBudget.check(dir, available: 1 << 30))
        XCTAssertThrowsError(try MemoryBudget.check(dir, available: 1 << 20)) { error in
            guard case let .outOfMemory(what, needed, available)? = error as? HappyHorseError else {
                return XCTFail("expected outOfMemory, got \(error)")
            }
            XCTAssertEqual(needed, MemoryBudget.estimate(weightBytes: weights))
            XCTAssertEqual(available, 1 << 20)
            XCTAssertTrue(what.contains("tiny-random"), what)
            XCTAssertTrue("\(error)".contains("MiB but only 1 MiB"), "\(error)")
        }
        XCTAssertNotNil(MemoryBudget.availableBytes(), "MemAvailable is readable on Linux")
    }

    func testEnormousPromptIsBoundedAndQuick() throws {
        let pipeline = try TextToVideoPipeline(modelDirectory: Self.tiny, threads: 1, log: { _ in })
        let words = Array(pipeline.tokenizer.vocabulary.keys.filter { !$0.hasPrefix("[") }).sorted()
        var text = ""
        var i = 0
        while text.utf8.count < 1 << 20 { text += words[i % words.count] + " zzqx "; i += 1 }
        let started = Date()
        let (embedding, unknown) = try pipeline.encodePrompt(text)
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(embedding.shape[0], pipeline.directory.textEncoder.maxTokens)
        XCTAssertLessThanOrEqual(unknown.count, 65)
        XCTAssertLessThan(seconds, 30, "1 MB prompt took \(seconds) s")
        // Up to the limit the result is the full encoding trimmed (reference semantics).
        let limit = pipeline.encodedTokenLimit
        let ids = Array(pipeline.tokenizer.encode(text).ids.prefix(limit))
        let full = try pipeline.textEncoder(ids)
        XCTAssertEqual(Array(full.storage.prefix(embedding.count)), embedding.storage)
    }
}
