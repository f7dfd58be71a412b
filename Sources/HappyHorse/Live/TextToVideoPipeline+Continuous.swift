extension TextToVideoPipeline: ContinuousTextToVideoEngine {
    public func startContinuousGeneration(_ settings: GenerationSettings, revision: Int64,
                                          cancellation: CancellationToken) throws -> any ContinuousVideoStream {
        try ContinuousGenerationStream(pipeline: self, settings: settings, revision: revision, cancellation: cancellation)
    }
}
