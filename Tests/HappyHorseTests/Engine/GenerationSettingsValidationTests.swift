import Testing
@testable import HappyHorse

/// Checks of settings and requests name the element property at fault.
@Suite struct GenerationSettingsValidationTests {
    static func refusedName(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as HappyHorseError {
            if case let .invalidArgument(name, _) = error { return name }
            return "\(error)"
        } catch { return "\(error)" }
        return nil
    }

    @Test(arguments: [
        (GenerationSettings(prompt: "p", numInferenceSteps: -1), "num-inference-steps"),
        (GenerationSettings(prompt: "p", numInferenceSteps: 1001), "num-inference-steps"),
        (GenerationSettings(prompt: "p", guidanceScale: .nan), "guidance-scale"),
        (GenerationSettings(prompt: "p", guidanceScale: 101), "guidance-scale"),
        (GenerationSettings(prompt: "p", staticHoldThreshold: -2), "static-hold"),
        (GenerationSettings(prompt: "p", autoguidanceScale: .infinity), "autoguidance-scale"),
    ])
    func outOfRangeSettingsAreRefused(settings: GenerationSettings, name: String) {
        #expect(Self.refusedName { _ = try settings.validated() } == name)
        #expect(Self.refusedName { _ = try GenerationRequest(settings: settings, durationSeconds: 1).validated() } == name)
    }

    @Test func theDurationIsCheckedFirst() {
        let request = GenerationRequest(settings: GenerationSettings(prompt: "p", numInferenceSteps: -1), durationSeconds: 0)
        #expect(Self.refusedName { _ = try request.validated() } == "duration")
    }

    /// A live update is checked for the static hold and the autoguidance scale only (as before the restructuring).
    @Test func aLiveUpdateChecksTheHoldAndTheAutoguidance() throws {
        let update = GenerationSettings(prompt: "p", numInferenceSteps: 2000, guidanceScale: 200)
        #expect(try update.validatedAsLiveUpdate() == update)
        #expect(Self.refusedName { _ = try GenerationSettings(prompt: "p", staticHoldThreshold: .nan).validatedAsLiveUpdate() }
                == "static-hold")
    }

    @Test func theConvenienceRequestIsTheSettingsAndTheDuration() {
        let request = GenerationRequest(prompt: "a", negativePrompt: "b", seed: 3, numInferenceSteps: 4, guidanceScale: 2,
                                        durationSeconds: 1.5, staticHoldThreshold: 0.5, autoguidanceScale: 3)
        #expect(request == GenerationRequest(settings: GenerationSettings(prompt: "a", negativePrompt: "b", seed: 3,
                                                                          numInferenceSteps: 4, guidanceScale: 2,
                                                                          staticHoldThreshold: 0.5, autoguidanceScale: 3),
                                             durationSeconds: 1.5))
        #expect(GenerationRequest(prompt: "a") == GenerationRequest(settings: GenerationSettings(prompt: "a"), durationSeconds: 5))
    }
}
