// Checks of a GenerationRequest against sane bounds, before any work starts.

extension GenerationRequest {
    /// The request with its values checked; throws `invalidArgument` naming the field.
    public func validated() throws -> GenerationRequest {
        guard durationSeconds.isFinite, durationSeconds > 0, durationSeconds <= 3600 else {
            throw HappyHorseError.invalidArgument(name: "duration", reason: "\(durationSeconds) s is outside (0, 3600]")
        }
        guard numInferenceSteps >= 0, numInferenceSteps <= 1000 else {
            throw HappyHorseError.invalidArgument(name: "num-inference-steps", reason: "\(numInferenceSteps) is outside 0...1000 (0 = model default)")
        }
        guard guidanceScale.isFinite, guidanceScale >= 0, guidanceScale <= 100 else {
            throw HappyHorseError.invalidArgument(name: "guidance-scale", reason: "\(guidanceScale) is outside [0, 100]")
        }
        try Self.checkStaticHold(staticHoldThreshold)
        try Self.checkAutoguidance(autoguidanceScale)
        return self
    }

    /// A requested autoguidance scale: -1 (the model's), up to 1 (off) or a scale up to 100.
    static func checkAutoguidance(_ scale: Float) throws {
        guard scale.isFinite, scale >= -1, scale <= 100 else {
            throw HappyHorseError.invalidArgument(name: "autoguidance-scale",
                                                  reason: "\(scale) is outside [-1, 100] (-1 = the model's, ≤ 1 = off)")
        }
    }

    /// A requested static hold threshold: -1 (the model's), 0 (off) or a threshold up to 100.
    static func checkStaticHold(_ threshold: Double) throws {
        guard threshold.isFinite, threshold >= -1, threshold <= 100 else {
            throw HappyHorseError.invalidArgument(name: "static-hold",
                                                  reason: "\(threshold) is outside [-1, 100] (-1 = the model's, 0 = off)")
        }
    }
}
