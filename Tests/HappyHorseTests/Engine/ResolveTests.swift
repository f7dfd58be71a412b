import Foundation
import Testing
@testable import HappyHorse

/// `TextToVideoEngine.resolve(_:)`: the one place where "the model's" sentinels become values.
@Suite struct ResolveTests {
    /// An engine with chosen defaults and no generation.
    final class DefaultsEngine: TextToVideoEngine, @unchecked Sendable {
        let nativeFormat = NativeVideoFormat(width: 8, height: 8, framesPerSecond: 25)
        let modelName = "defaults"
        let defaultInferenceSteps: Int
        let defaultGuidanceScale: Float
        let defaultStaticHoldThreshold: Double
        let defaultAutoguidanceScale: Float
        init(steps: Int = 6, guidance: Float = 3, staticHold: Double = 0.8, autoguidance: Float = 1) {
            (defaultInferenceSteps, defaultGuidanceScale) = (steps, guidance)
            (defaultStaticHoldThreshold, defaultAutoguidanceScale) = (staticHold, autoguidance)
        }
        func frameCount(durationSeconds: Double) -> Int { 1 }
        func startGeneration(_ request: GenerationRequest, cancellation: CancellationToken,
                             progress: @escaping @Sendable (GenerationProgress) -> Void) throws -> any VideoGenerationStream {
            throw HappyHorseError.invalidArgument(name: "engine", reason: "resolves only")
        }
    }

    @Test func sentinelsBecomeTheModelsValues() {
        let resolved = DefaultsEngine().resolve(GenerationSettings(prompt: "a grey horse", negativePrompt: "bay", seed: 7))
        #expect(resolved == ResolvedGenerationSettings(prompt: "a grey horse", negativePrompt: "bay", seed: 7,
                                                       numInferenceSteps: 6, guidanceScale: 3, staticHoldThreshold: 0.8,
                                                       autoguidanceScale: 1))
    }

    @Test func explicitValuesAreKept() {
        let settings = GenerationSettings(prompt: "p", numInferenceSteps: 2, guidanceScale: 0.5, staticHoldThreshold: 0)
        let resolved = DefaultsEngine().resolve(settings)
        #expect(resolved.numInferenceSteps == 2)
        #expect(resolved.guidanceScale == 0.5)
        #expect(resolved.staticHoldThreshold == 0)
    }

    /// Without a guide (default 1) autoguidance is off whatever is asked; with one, −1 is the model's scale, ≤ 1 off.
    @Test(arguments: [(Float(1), Float(-1), Float(1)), (1, 4, 1), (2.5, -1, 2.5), (2.5, 0.5, 1), (2.5, 0, 1), (2.5, 4, 4)])
    func autoguidance(modelScale: Float, asked: Float, expected: Float) {
        let engine = DefaultsEngine(autoguidance: modelScale)
        #expect(engine.resolve(GenerationSettings(prompt: "p", autoguidanceScale: asked)).autoguidanceScale == expected)
    }

    /// The real pipeline: its config's values are the defaults (tiny: 3 steps, no guidance, no hold, no guide;
    /// tiny_guided: autoguidance 2.5).
    @Test func thePipelinesDefaultsComeFromItsConfig() throws {
        let tiny = try TextToVideoPipeline(modelDirectory: ParityTestSupport.fixture("pipeline/tiny"), threads: 1, log: { _ in })
        let guided = try TextToVideoPipeline(modelDirectory: ParityTestSupport.fixture("pipeline/tiny_guided"), threads: 1,
                                             log: { _ in })
        let asked = GenerationSettings(prompt: "horse")
        #expect(tiny.resolve(asked) == ResolvedGenerationSettings(prompt: "horse", negativePrompt: "", seed: 42,
                                                                 numInferenceSteps: 3, guidanceScale: 1,
                                                                 staticHoldThreshold: 0, autoguidanceScale: 1))
        #expect(guided.resolve(asked).autoguidanceScale == 2.5)
        #expect(tiny.resolve(GenerationSettings(prompt: "horse", autoguidanceScale: 4)).autoguidanceScale == 1)
    }
}
