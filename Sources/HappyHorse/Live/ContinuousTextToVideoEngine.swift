/// Engines that can generate endlessly (the real pipeline; test engines may conform too).
public protocol ContinuousTextToVideoEngine: TextToVideoEngine {
    /// An endless stream with `settings` (their seed starts the noise), whose frames report `revision` until an
    /// update replaces it.
    func startContinuousGeneration(_ settings: GenerationSettings, revision: Int64,
                                   cancellation: CancellationToken) throws -> any ContinuousVideoStream
}
