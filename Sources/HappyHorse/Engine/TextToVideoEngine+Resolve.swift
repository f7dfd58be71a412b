// The ONE place where the sentinels of GenerationSettings become the model's values.

extension TextToVideoEngine {
    /// Engines without autoguidance.
    public var defaultAutoguidanceScale: Float { 1 }

    /// `settings` with every "the model's" sentinel replaced by the engine's default:
    ///   steps 0 → `defaultInferenceSteps`; guidance 0 → `defaultGuidanceScale`;
    ///   static hold < 0 → `defaultStaticHoldThreshold`;
    ///   autoguidance: 1 (off) for an engine without a guide (`defaultAutoguidanceScale` ≤ 1: a guide is loaded only
    ///   when it guides by default), else < 0 → `defaultAutoguidanceScale`, ≤ 1 → 1 (off), > 1 as asked.
    public func resolve(_ settings: GenerationSettings) -> ResolvedGenerationSettings {
        let hasGuide = defaultAutoguidanceScale > 1
        let requestedAutoguidance = settings.autoguidanceScale
        return ResolvedGenerationSettings(
            prompt: settings.prompt, negativePrompt: settings.negativePrompt, seed: settings.seed,
            numInferenceSteps: settings.numInferenceSteps > 0 ? settings.numInferenceSteps : defaultInferenceSteps,
            guidanceScale: settings.guidanceScale > 0 ? settings.guidanceScale : defaultGuidanceScale,
            staticHoldThreshold: settings.staticHoldThreshold >= 0 ? settings.staticHoldThreshold : defaultStaticHoldThreshold,
            autoguidanceScale: !hasGuide ? 1
                : requestedAutoguidance >= 0 ? max(requestedAutoguidance, 1) : defaultAutoguidanceScale)
    }
}
