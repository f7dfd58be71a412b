import Foundation
import XCTest
@testable import HappyHorse

/// Goldens from tools/reference/text_encoder.py (WordTokenizer), written by
/// `PYTHONPATH=tools python3 -m reference.dump_te_vae` to Fixtures/te/tokenizer_cases.json.
final class TokenizerTests: XCTestCase {
    struct Case: Decodable { var text: String; var ids: [Int]; var unknown: [String] }

    func testGoldenCases() throws {
        let tokenizer = try Tokenizer(contentsOf: ParityTestSupport.fixture("te/tokenizer.json"))
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: ParityTestSupport.fixture("te/tokenizer_cases.json")))
        XCTAssertGreaterThanOrEqual(cases.count, 5)
        for c in cases {
            let (ids, unknown) = tokenizer.encode(c.text)
            XCTAssertEqual(ids, c.ids, "ids of '\(c.text)'")
            XCTAssertEqual(unknown, c.unknown, "unknown words of '\(c.text)'")
        }
    }

    func testPreTokenizeSplitsWordsAndPunctuation() {
        XCTAssertEqual(Tokenizer.preTokenize("Don't  GALLOP-left!!\tnow_2"), ["don", "'", "t", "gallop", "-", "left", "!!", "now_2"])
        XCTAssertEqual(Tokenizer.preTokenize("   "), [])
    }

    func testRejectsOtherTokenizerModels() throws {
        let dir = try ParityTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "BPE", "vocab": {}}, "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"}}"#.utf8).write(to: url)
        XCTAssertThrowsError(try Tokenizer(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("BPE"), "\(error)")
        }
        try Data(#"{"model": {"type": "WordLevel", "vocab": {"a": 0}}, "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"}}"#.utf8).write(to: url)
        XCTAssertThrowsError(try Tokenizer(contentsOf: url))
        try Data("not json".utf8).write(to: url)
        XCTAssertThrowsError(try Tokenizer(contentsOf: url))
    }
}
