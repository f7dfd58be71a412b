import Foundation

extension Tokenizer {
    /// Reads a Hugging Face `tokenizer.json` whose model is WordLevel, normalizer Lowercase and pre-tokenizer
    /// Whitespace (the only combination the built-in model uses; anything else is rejected, naming the field).
    public init(contentsOf url: URL) throws {
        let path = url.path
        func bad(_ reason: String) -> HappyHorseError { .invalidFile(path: path, reason: reason) }
        let data = try RegularFile.read(path, limit: 64 << 20, what: "tokenizer")
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw bad("not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw bad("top level is not a JSON object") }
        guard let model = root["model"] as? [String: Any] else { throw bad("no 'model' object") }
        guard model["type"] as? String == "WordLevel" else {
            throw bad("model type '\(model["type"] ?? "none")' is not supported; expected 'WordLevel'")
        }
        let normalizer = (root["normalizer"] as? [String: Any])?["type"] as? String
        guard normalizer == "Lowercase" else { throw bad("normalizer '\(normalizer ?? "none")'; expected 'Lowercase'") }
        let preTokenizer = (root["pre_tokenizer"] as? [String: Any])?["type"] as? String
        guard preTokenizer == "Whitespace" else {
            throw bad("pre_tokenizer '\(preTokenizer ?? "none")'; expected 'Whitespace'")
        }
        guard let rawVocab = model["vocab"] as? [String: Any] else { throw bad("model has no 'vocab' object") }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(rawVocab.count)
        for (word, value) in rawVocab {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0, id < 1 << 24 else {
                throw bad("vocab entry '\(word)' has id \(value); expected an integer in 0..<16777216")
            }
            vocabulary[word] = id
        }
        do { try self.init(vocabulary: vocabulary) } catch { throw bad("vocab must map [PAD] to 0 and [UNK] to 1") }
    }
}
