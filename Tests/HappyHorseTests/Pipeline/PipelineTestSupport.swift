import Foundation
import XCTest
@testable import HappyHorse

/// Tiny random model directories for the pipeline tests: the layout and config of Fixtures/pipeline/tiny (written by
/// tools/reference/dump_pipeline.py), with fresh random weights written by SafeTensorsWriter.
enum PipelineTestSupport {
    static let tinyFixture = ParityTestSupport.fixture("pipeline/tiny")

    /// A copy of the tiny model in a temporary directory: same keys and shapes, weights ~ N(0, scale²) from `seed`
    /// (1-D tensors near 0, the DiT's RoPE bands copied), config.json edited by `edit`.
    static func writeRandomModel(_ test: XCTestCase, seed: UInt64 = 1, edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        let dir = try ParityTestSupport.temporaryDirectory(test)
        var rng = NoiseGenerator(seed: seed)
        for name in ["dit", "text_encoder", "vae_decoder"] {
            let source = try SafeTensorsFile(path: tinyFixture.appendingPathComponent("\(name).safetensors").path)
            var writer = SafeTensorsWriter()
            for key in source.keys {
                let original = try source.tensor(key)
                if key.hasSuffix("rope.bands") {
                    writer.add(key, original)
                    continue
                }
                let fanIn = original.rank >= 2 ? original.shape.dropFirst().reduce(1, *) : 1
                let scale: Float = original.rank >= 2 ? 1 / Float(fanIn).squareRoot() : 0.1
                let values = rng.normals(count: original.count).map { $0 * scale }
                writer.add(key, Tensor(shape: original.shape, storage: values))
            }
            try writer.write(to: dir.appendingPathComponent("\(name).safetensors"))
        }
        try FileManager.default.copyItem(at: tinyFixture.appendingPathComponent("tokenizer.json"),
                                         to: dir.appendingPathComponent("tokenizer.json"))
        var config = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: tinyFixture.appendingPathComponent("config.json"))) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        return dir
    }

    /// Sets `section.key` of a config dictionary.
    static func set(_ config: inout [String: Any], _ section: String, _ key: String, _ value: Any) {
        var s = config[section] as? [String: Any] ?? [:]
        s[key] = value
        config[section] = s
    }

    /// All frames of a generation.
    static func frames(_ stream: any VideoGenerationStream) throws -> [VideoFrame] {
        var out: [VideoFrame] = []
        while let frame = try stream.nextFrame() { out.append(frame) }
        return out
    }
}

/// Collects progress reports from any thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [GenerationProgress] = []
    var reports: [GenerationProgress] { lock.lock(); defer { lock.unlock() }; return items }
    func append(_ p: GenerationProgress) { lock.lock(); items.append(p); lock.unlock() }
}
