import Foundation
import Testing
@testable import HappyHorse

/// Pins the bytes of generation: FNV-1a hashes of the frames (and, for live streams, of the chunk, revision and
/// step count of every frame) of clips and live streams on the built-in model and the tiny fixtures, with fixed
/// seeds, prompts and settings that reach CFG, the static hold, autoguidance, live updates and reseeds.
/// The hashes were recorded before the engine's restructuring (issue #27 item 3); they must never change by a
/// refactor.
@Suite(.serialized) struct GenerationBytesTests {
    /// FNV-1a over byte sequences, 64 bits.
    struct Hash {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        }
        mutating func add(_ number: Int64) { withUnsafeBytes(of: number.littleEndian) { add($0) } }
        var hex: String { String(value, radix: 16) }
    }

    static let tiny = ParityTestSupport.fixture("pipeline/tiny")
    static let tinyGuided = ParityTestSupport.fixture("pipeline/tiny_guided")
    static let builtin = PipelineParityTests.repositoryRoot.appendingPathComponent("models/builtin")

    static func load(_ dir: URL) throws -> TextToVideoPipeline {
        try TextToVideoPipeline(modelDirectory: dir, threads: 1, log: { _ in })
    }

    static func clipHash(_ pipeline: TextToVideoPipeline, _ request: GenerationRequest) throws -> String {
        let stream = try pipeline.startGeneration(request, cancellation: CancellationToken(), progress: { _ in })
        var hash = Hash()
        while let frame = try stream.nextFrame() {
            hash.add(Int64(frame.index))
            hash.add(frame.rgb)
        }
        return hash.hex
    }

    static func add(_ frames: [ContinuousFrame], to hash: inout Hash) {
        for f in frames {
            for n in [Int64(f.frame.index), Int64(f.chunk), f.revision, Int64(f.steps)] { hash.add(n) }
            hash.add(f.frame.rgb)
        }
    }

    static func pull(_ stream: any ContinuousVideoStream, _ n: Int) throws -> [ContinuousFrame] {
        try (0..<n).map { _ in try stream.nextFrame() }
    }

    @Test func tinyClips() throws {
        let pipeline = try Self.load(Self.tiny)
        let plain = try Self.clipHash(pipeline, GenerationRequest(prompt: "a grey horse walks right", seed: 5,
                                                                  durationSeconds: 1.2))
        let guided = try Self.clipHash(pipeline, GenerationRequest(prompt: "grey horse", negativePrompt: "bay horse", seed: 6,
                                                                   numInferenceSteps: 2, guidanceScale: 3,
                                                                   durationSeconds: 0.7, staticHoldThreshold: 0.5))
        #expect(plain == "df0ace7dd706b5d6", "tiny plain clip")
        #expect(guided == "9dfaf4d3f80316da", "tiny CFG + static hold clip")
    }

    @Test func tinyGuidedClips() throws {
        let pipeline = try Self.load(Self.tinyGuided)
        let byDefault = try Self.clipHash(pipeline, GenerationRequest(prompt: "a bay horse", seed: 3, durationSeconds: 0.7))
        let explicit = try Self.clipHash(pipeline, GenerationRequest(prompt: "a bay horse", seed: 3, durationSeconds: 0.7,
                                                                     autoguidanceScale: 4))
        #expect(byDefault == "aeb060f11e7dccc4", "tiny_guided clip, the model's autoguidance")
        #expect(explicit == "9f9d13f8b30ced03", "tiny_guided clip, autoguidance 4")
    }

    @Test func builtinClip() throws {
        guard FileManager.default.fileExists(atPath: Self.builtin.appendingPathComponent("config.json").path) else { return }
        let pipeline = try Self.load(Self.builtin)
        let clip = try Self.clipHash(pipeline, GenerationRequest(prompt: "a grey horse gallops to the left on a beach",
                                                                 seed: 7, durationSeconds: 0.6))
        #expect(clip == "ae2fde9f21884854", "built-in clip")
    }

    /// The hash of a live stream's frames: `first` frames with `start`, then for each update (and reseed), its frames.
    static func liveHash(_ pipeline: TextToVideoPipeline, _ start: GenerationSettings, revision: Int64, first: Int,
                         then updates: [(settings: GenerationSettings, revision: Int64, frames: Int)],
                         reseeds: [Int: UInt64] = [:]) throws -> String {
        let live = try pipeline.startContinuousGeneration(start, revision: revision, cancellation: CancellationToken())
        var hash = Hash()
        add(try pull(live, first), to: &hash)
        for (n, update) in updates.enumerated() {
            if let seed = reseeds[n] { (live as? any ReseedableContinuousVideoStream)?.reseed(seed) }
            live.update(update.settings, revision: update.revision)
            add(try pull(live, update.frames), to: &hash)
        }
        return hash.hex
    }

    @Test func builtinLiveStream() throws {
        guard FileManager.default.fileExists(atPath: Self.builtin.appendingPathComponent("config.json").path) else { return }
        let hash = try Self.liveHash(Self.load(Self.builtin), GenerationSettings(prompt: "a bay horse walks to the right",
                                                                                  seed: 11), revision: 4, first: 5,
                                     then: [(GenerationSettings(prompt: "a grey horse in the snow", seed: 11), 5, 6)])
        #expect(hash == "8321cfacdf73f38", "built-in live stream")
    }

    @Test func tinyLiveStream() throws {
        let hash = try Self.liveHash(Self.load(Self.tiny), GenerationSettings(prompt: "a bay horse walks right", seed: 9),
                                     revision: 1, first: 5, then: [
            (GenerationSettings(prompt: "a grey horse", negativePrompt: "bay horse", seed: 9, numInferenceSteps: 2,
                                guidanceScale: 2, staticHoldThreshold: 0.5), 2, 16),
            (GenerationSettings(prompt: "a bay horse walks right", seed: 9), 3, 24),
        ], reseeds: [1: 77])
        #expect(hash == "e47bcbe030934373", "tiny live stream")
    }

    @Test func tinyGuidedLiveStream() throws {
        let hash = try Self.liveHash(Self.load(Self.tinyGuided), GenerationSettings(prompt: "grey horse", seed: 3),
                                     revision: 1, first: 5, then: [
            (GenerationSettings(prompt: "grey horse", seed: 3, autoguidanceScale: 1), 2, 16),
            (GenerationSettings(prompt: "bay horse", seed: 3, autoguidanceScale: 3), 3, 12),
        ])
        #expect(hash == "356889aa9b6179d5", "tiny_guided live stream")
    }
}
