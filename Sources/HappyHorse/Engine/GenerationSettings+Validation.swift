// Checks of GenerationSettings against sane bounds, before any work starts.

extension GenerationSettings {
    /// The settings with their values checked; throws `invalidArgument` naming the element property.
    public func validated() throws -> GenerationSettings {
        guard numInferenceSteps >= 0, numInferenceSteps <= 1000 else {
            throw HappyHorseError.invalidArgument(name: "num-inference-steps", reason: "\(numInferenceSteps) is outside 0...1000 (0 = model default)")
        }
        guard guidanceScale.isFinite, guidanceScale >= 0, guidanceScale <= 100 else {
            throw HappyHorseError.invalidArgument(name: "guidance-scale", reason: "\(guidanceScale) is outside [0, 100]")
        }
        return try validatedAsLiveUpdate()
    }

    /// The checks a live stream makes of an update before the chunk that uses it: the static hold and the
    /// autoguidance scale. (Steps and guidance are checked at the start only; the element's property ranges keep
    /// them in bounds.)
    public func validatedAsLiveUpdate() throws -> GenerationSettings {
        guard staticHoldThreshold.isFinite, staticHoldThreshold >= -1, staticHoldThreshold <= 100 else {
            throw HappyHorseError.invalidArgument(name: "static-hold",
                                                  reason: "\(staticHoldThreshold) is outside [-1, 100] (-1 = the model's, 0 = off)")
        }
        guard autoguidanceScale.isFinite, autoguidanceScale >= -1, autoguidanceScale <= 100 else {
            throw HappyHorseError.invalidArgument(name: "autoguidance-scale",
                                                  reason: "\(autoguidanceScale) is outside [-1, 100] (-1 = the model's, ≤ 1 = off)")
        }
        return self
    }
}
