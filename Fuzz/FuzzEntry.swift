// libFuzzer entry for the engine's file parsers. Built by scripts/fuzz.sh together with the engine sources
// (Sources/HappyHorse/**.swift) into one binary with `swiftc -sanitize=fuzzer,address -parse-as-library`;
// not part of Package.swift. The parser under test is picked by HH_FUZZ_TARGET:
//   safetensors  the input is a whole .safetensors file: header parse, then every tensor read as fp32
//   index        the input is model.safetensors.index.json beside one valid shard "a.safetensors"
//   config       the input is config.json of a model directory (ModelDirectory: all four sections)
//   tokenizer    the input is tokenizer.json; a parsed tokenizer then encodes a fixed prompt and the input
//   prompt       the input is a prompt (any bytes): pre-tokenisation and encoding with the tiny vocabulary
// Contract checked: every input either parses or throws a HappyHorseError (any other error type is a finding);
// crashes, sanitizer reports, leaks and timeouts are reported by libFuzzer itself.
import Foundation

private enum FuzzTarget: String { case safetensors, index, config, tokenizer, prompt }

private final class FuzzState: @unchecked Sendable {
    let target: FuzzTarget
    let directory: URL
    let vocabulary: Tokenizer
    init() {
        let name = ProcessInfo.processInfo.environment["HH_FUZZ_TARGET"] ?? "safetensors"
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("HH_FUZZ_TARGET=\(name): expected safetensors, index, config, tokenizer or prompt")
        }
        self.target = target
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        directory = URL(fileURLWithPath: base).appendingPathComponent("hh-fuzz-\(target.rawValue)-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // One valid shard for the index target: a single 2x2 F32 tensor named "w".
        var shard = SafeTensorsWriter()
        shard.add("w", Tensor(shape: [2, 2], storage: [1, 2, 3, 4]))
        try! shard.write(to: directory.appendingPathComponent("a.safetensors"))
        vocabulary = try! Tokenizer(vocabulary: ["[PAD]": 0, "[UNK]": 1, "a": 2, "horse": 3, "brown": 4, ",": 5, "é": 6])
    }
}

private let state = FuzzState()

private func expectEngineError(_ body: () throws -> Void) {
    do { try body() } catch is HappyHorseError {
        // the documented way to refuse an input
    } catch {
        fatalError("parser threw a non-HappyHorseError: \(type(of: error)) \(error)")
    }
}

private func write(_ data: Data, _ name: String) -> URL {
    let url = state.directory.appendingPathComponent(name)
    try! data.write(to: url)
    return url
}

private func runOne(_ data: Data) {
    switch state.target {
    case .safetensors:
        expectEngineError {
            // In memory first (no file), then through the mmap path with every tensor converted.
            _ = try data.withUnsafeBytes { try SafeTensorsHeader.parse($0, path: "fuzz") }
            let file = try SafeTensorsFile(path: write(data, "t.safetensors").path)
            for key in file.keys {
                let entry = file.entry(key)!
                precondition(entry.byteRange.upperBound <= file.header.dataSize, "entry beyond data buffer")
                let t = try file.tensor(key)
                precondition(t.storage.count == entry.elementCount)
                if entry.shape.count == 2 { _ = try file.linearWeight(key) }
            }
        }
    case .index:
        expectEngineError {
            let checkpoint = try SafeTensorsCheckpoint(url: write(data, SafeTensorsCheckpoint.indexFileName))
            for key in checkpoint.keys { precondition(checkpoint.file(for: key) != nil) }
        }
    case .config:
        expectEngineError {
            _ = write(data, "config.json")
            let model = try ModelDirectory(url: state.directory)
            _ = model.pipeline.schedule
        }
    case .tokenizer:
        expectEngineError {
            let tokenizer = try Tokenizer(contentsOf: write(data, "tokenizer.json"))
            _ = tokenizer.size
            _ = tokenizer.encode("A brown horse, galloping é")
            _ = tokenizer.encode(String(decoding: data.prefix(4096), as: UTF8.self))
        }
    case .prompt:
        let text = String(decoding: data, as: UTF8.self)
        let (ids, unknown) = state.vocabulary.encode(text)
        precondition(ids.allSatisfy { $0 >= 2 && $0 <= 6 })
        _ = unknown
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runOne(Data(bytes: bytes, count: size))
    return 0
}
