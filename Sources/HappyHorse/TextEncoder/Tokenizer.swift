// port of tools/reference/text_encoder.py (WordTokenizer): a Hugging Face `tokenizers` WordLevel model with the
// Lowercase normalizer and the Whitespace pre-tokenizer (pattern `\w+|[^\w\s]+`). Unknown words are dropped and
// returned, so the caller can log them; [PAD] = 0 and [UNK] = 1 never appear in the output.

/// Word-level tokenizer of the built-in text encoder.
public struct Tokenizer: Sendable, Equatable {
    public static let padToken = "[PAD]"
    public static let unknownToken = "[UNK]"

    /// word → id; [PAD] = 0, [UNK] = 1.
    public let vocabulary: [String: Int]

    public init(vocabulary: [String: Int]) throws {
        guard vocabulary[Self.padToken] == 0, vocabulary[Self.unknownToken] == 1 else {
            throw HappyHorseError.invalidArgument(name: "tokenizer vocabulary", reason: "must map [PAD] to 0 and [UNK] to 1")
        }
        self.vocabulary = vocabulary
    }

    /// The largest id + 1 (rows the embedding table needs at least).
    public var size: Int { (vocabulary.values.max() ?? -1) + 1 }

    /// Ids of the known words of `text`, and the unknown words (dropped), in order.
    public func encode(_ text: String) -> (ids: [Int], unknown: [String]) {
        var ids: [Int] = []
        var unknown: [String] = []
        for word in Self.preTokenize(text) {
            switch vocabulary[word] {
            case nil, 1?: unknown.append(word)
            case 0?: continue
            case let id?: ids.append(id)
            }
        }
        return (ids, unknown)
    }

    /// Lowercase, then split into maximal runs of word characters and maximal runs of other non-space characters
    /// (HF Whitespace: `\w+|[^\w\s]+`). Whitespace separates runs and is dropped.
    public static func preTokenize(_ text: String) -> [String] {
        enum Kind { case word, other, space }
        var pieces: [String] = []
        var current = String.UnicodeScalarView()
        var currentKind = Kind.space
        for scalar in text.lowercased().unicodeScalars {
            let kind: Kind = isWordCharacter(scalar) ? .word : (scalar.properties.isWhitespace ? .space : .other)
            if kind != currentKind, !current.isEmpty {
                pieces.append(String(current))
                current = String.UnicodeScalarView()
            }
            currentKind = kind
            if kind != .space { current.append(scalar) }
        }
        if !current.isEmpty { pieces.append(String(current)) }
        return pieces
    }

    /// Unicode `\w`: alphabetic, marks, decimal digits, connector punctuation (`_`), join controls.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let p = scalar.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .decimalNumber, .connectorPunctuation, .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}
