// INTERIM (main, until the engine restructure lands): the settings API the C ABI is written against.
import Foundation

/// What a generation asks for, clip or live. Sentinels mean "the model's": numInferenceSteps 0, guidanceScale 0,
/// staticHoldThreshold < 0, autoguidanceScale < 0.
public struct GenerationSettings: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    public var seed: UInt64
    public var numInferenceSteps: Int
    public var guidanceScale: Float
    public var staticHoldThreshold: Double
    public var autoguidanceScale: Float

    public init(prompt: String, negativePrompt: String = "", seed: UInt64 = 42, numInferenceSteps: Int = 0,
                guidanceScale: Float = 0, staticHoldThreshold: Double = -1, autoguidanceScale: Float = -1) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.numInferenceSteps = numInferenceSteps
        self.guidanceScale = guidanceScale
        self.staticHoldThreshold = staticHoldThreshold
        self.autoguidanceScale = autoguidanceScale
    }
}

/// The same settings with every model default filled in: what the engine runs with.
public struct ResolvedGenerationSettings: Sendable, Equatable {
    public var numInferenceSteps: Int
    public var guidanceScale: Float
    public var staticHoldThreshold: Double
    public var autoguidanceScale: Float
}

extension TextToVideoEngine {
    /// The one place the model's defaults are resolved.
    public func resolve(_ s: GenerationSettings) -> ResolvedGenerationSettings {
        ResolvedGenerationSettings(
            numInferenceSteps: s.numInferenceSteps > 0 ? s.numInferenceSteps : max(defaultInferenceSteps, 0),
            guidanceScale: s.guidanceScale > 0 ? s.guidanceScale : defaultGuidanceScale,
            staticHoldThreshold: s.staticHoldThreshold >= 0 ? s.staticHoldThreshold : defaultStaticHoldThreshold,
            autoguidanceScale: defaultAutoguidanceScale <= 1 ? 1
                : (s.autoguidanceScale >= 0 ? max(s.autoguidanceScale, 1) : defaultAutoguidanceScale))
    }
}

extension GenerationRequest {
    public init(settings s: GenerationSettings, durationSeconds: Double) {
        self.init(prompt: s.prompt, negativePrompt: s.negativePrompt, seed: s.seed,
                  numInferenceSteps: s.numInferenceSteps, guidanceScale: s.guidanceScale,
                  durationSeconds: durationSeconds, staticHoldThreshold: s.staticHoldThreshold,
                  autoguidanceScale: s.autoguidanceScale)
    }
}

extension ContinuousSettings {
    public init(settings s: GenerationSettings, revision: Int64) {
        self.init(prompt: s.prompt, negativePrompt: s.negativePrompt, numInferenceSteps: s.numInferenceSteps,
                  guidanceScale: s.guidanceScale, revision: revision, staticHoldThreshold: s.staticHoldThreshold,
                  autoguidanceScale: s.autoguidanceScale)
    }
}
