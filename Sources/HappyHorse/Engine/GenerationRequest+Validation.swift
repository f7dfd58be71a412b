// Checks of a GenerationRequest against sane bounds, before any work starts.

extension GenerationRequest {
    /// The request with its values checked (the duration, then the settings); throws `invalidArgument` naming the
    /// field.
    public func validated() throws -> GenerationRequest {
        guard durationSeconds.isFinite, durationSeconds > 0, durationSeconds <= 3600 else {
            throw HappyHorseError.invalidArgument(name: "duration", reason: "\(durationSeconds) s is outside (0, 3600]")
        }
        _ = try settings.validated()
        return self
    }
}
