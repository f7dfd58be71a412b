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
                  supportsCFG: try c.decodeIfPresent(Bool.self, forKey: .supportsCFG) ?? d.supportsCFG,
                  decodeLookahead: try Self.decodeLookahead(from: c) ?? d.decodeLookahead,
                  noiseCorrelation: try c.decodeIfPresent(Double.self, forKey: .noiseCorrelation) ?? d.noiseCorrelation,
                  staticHoldThreshold: try c.decodeIfPresent(Double.self, forKey: .staticHoldThreshold) ?? d.staticHoldThreshold,
                  autoguidance: try c.decodeIfPresent(Autoguidance.self, forKey: .autoguidance))
    }

    /// `decode_lookahead`: any JSON number with an integer value (2 or 2.0); another number or value is refused by
    /// name (the range is checked by validate()).
    static func decodeLookahead(from c: KeyedDecodingContainer<CodingKeys>) throws -> Int? {
        func refused(_ value: some CustomStringConvertible) -> HappyHorseError {
            .invalidConfig(field: "pipeline.decode_lookahead", reason: lookaheadRule(value))
        }
        let number: Double?
        do { number = try c.decodeIfPresent(Double.self, forKey: .decodeLookahead) } catch DecodingError.typeMismatch {
            throw refused("a value that is not a number")
        }
        guard let number else { return nil }
        guard let value = Int(exactly: number) else { throw refused(number) }
        return value
    }

    /// The rule of `decode_lookahead`, with the value that broke it.
    static func lookaheadRule(_ value: some CustomStringConvertible) -> String {
        "must be an integer in 0...8, got \(value)"
    }
}
