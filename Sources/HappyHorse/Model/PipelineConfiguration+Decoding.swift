// Decoding of the `pipeline` section: every key optional, absent keys take the defaults of `init()`.

extension PipelineConfiguration {
    public init(from decoder: Decoder) throws {
        let d = PipelineConfiguration()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(fps: try c.decodeIfPresent(Int.self, forKey: .fps) ?? d.fps,
                  width: try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width,
                  height: try c.decodeIfPresent(Int.self, forKey: .height) ?? d.height,
                  sampler: try c.decodeIfPresent(SamplerKind.self, forKey: .sampler) ?? d.sampler,
                  numInferenceSteps: try c.decodeIfPresent(Int.self, forKey: .numInferenceSteps) ?? d.numInferenceSteps,
                  shift: try c.decodeIfPresent(Double.self, forKey: .shift) ?? d.shift,
                  sigmas: try c.decodeIfPresent([Double].self, forKey: .sigmas),
                  chunkLatentFrames: try c.decodeIfPresent(Int.self, forKey: .chunkLatentFrames) ?? d.chunkLatentFrames,
                  contextLatentFrames: try c.decodeIfPresent(Int.self, forKey: .contextLatentFrames) ?? d.contextLatentFrames,
                  defaultDurationSeconds: try c.decodeIfPresent(Double.self, forKey: .defaultDurationSeconds) ?? d.defaultDurationSeconds,
                  // read as Double: a number past Float's range becomes inf and is refused by validate() by name
                  guidanceScale: try c.decodeIfPresent(Double.self, forKey: .guidanceScale).map { Float($0) } ?? d.guidanceScale,
                  noiseCorrelation: try c.decodeIfPresent(Double.self, forKey: .noiseCorrelation) ?? d.noiseCorrelation,
                  staticHoldThreshold: try c.decodeIfPresent(Double.self, forKey: .staticHoldThreshold) ?? d.staticHoldThreshold,
                  autoguidance: try c.decodeIfPresent(Autoguidance.self, forKey: .autoguidance))
    }
}
