import Foundation

// A model directory (docs/design.md "Model directory"): config.json with the sections dit, text_encoder, vae and
// pipeline, and the files they name (paths relative to the directory).

public struct ModelDirectory: Sendable {
    public static let formatTag = "happyhorse-model/1"
    /// What a model directory must hold; appended to errors about a missing or malformed directory.
    public static let expectedLayout = "a model directory holds config.json (sections \"dit\", \"text_encoder\", \"vae\", "
        + "\"pipeline\"), dit.safetensors (or a sharded folder), text_encoder.safetensors, tokenizer.json and "
        + "vae_decoder.safetensors; see docs/design.md"

    public let url: URL
    public let name: String
    public let dit: DiTConfiguration
    public let textEncoder: TextEncoderConfiguration
    public let vae: VideoDecoderConfiguration
    public let pipeline: PipelineConfiguration

    /// Reads and validates `<url>/config.json` (the files it names are opened by the loaders).
    public init(url: URL) throws {
        self.url = url
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HappyHorseError.io(path: url.path, reason: "not a directory; \(Self.expectedLayout)")
        }
        let configURL = url.appendingPathComponent("config.json")
        let data: Data
        do { data = try RegularFile.read(configURL.path, limit: 16 << 20, what: "config.json") } catch let HappyHorseError.io(path, reason) {
            throw HappyHorseError.io(path: path, reason: "cannot read (\(reason)); \(Self.expectedLayout)")
        }
        func bad(_ reason: String) -> HappyHorseError { .invalidFile(path: configURL.path, reason: reason) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw bad("not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw bad("top level is not a JSON object; \(Self.expectedLayout)") }
        if let format = root["format"] as? String, format != Self.formatTag {
            throw bad("format '\(format)' is not supported; expected '\(Self.formatTag)'")
        }
        func section(_ key: String) throws -> Data {
            guard let value = root[key] as? [String: Any] else {
                throw bad("no '\(key)' section; \(Self.expectedLayout)")
            }
            return try JSONSerialization.data(withJSONObject: value)
        }
        do {
            dit = try DiTConfiguration.decode(json: try section("dit"))
            textEncoder = try TextEncoderConfiguration.decode(json: try section("text_encoder"))
            vae = try VideoDecoderConfiguration.decode(json: try section("vae"))
            pipeline = try PipelineConfiguration.decode(json: try section("pipeline"))
        } catch let error as HappyHorseError {
            throw HappyHorseError.context(configURL.path, error)
        }
        name = root["name"] as? String ?? url.lastPathComponent
        try checkConsistency()
        try checkFilesStayInside()
    }

    /// Every file the config names (weights, tokenizer, the guide's files) lies inside the directory, symbolic links
    /// included: the directory is a boundary (issue #35). Files that do not exist are left to the loaders to report.
    func checkFilesStayInside() throws {
        let boundary = try ModelDirectoryBoundary(url)
        var named: [(String, String)] = [("dit.weights", dit.weights ?? "dit.safetensors"),
                                         ("text_encoder.weights", textEncoder.weights),
                                         ("text_encoder.tokenizer", textEncoder.tokenizer),
                                         ("vae.weights", vae.weights)]
        if let a = pipeline.autoguidance {
            named += [("pipeline.autoguidance.dit_weights", a.ditWeights),
                      ("pipeline.autoguidance.text_encoder_weights", a.textEncoderWeights)]
        }
        for (field, name) in named {
            do { _ = try boundary.path(name, field: field) } catch let error as HappyHorseError {
                throw HappyHorseError.context(url.appendingPathComponent("config.json").path, error)
            }
        }
    }

    /// Sizes that must agree between the sections.
    func checkConsistency() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw HappyHorseError.context(url.appendingPathComponent("config.json").path,
                                                   .invalidConfig(field: field, reason: reason)) }
        }
        try check(dit.latentChannels == vae.latentChannels, "vae.latent_channels",
                  "\(vae.latentChannels) differs from dit.latent_channels \(dit.latentChannels)")
        try check(dit.textInChannels == textEncoder.hiddenSize, "text_encoder.hidden_size",
                  "\(textEncoder.hiddenSize) differs from dit.text_in_channels \(dit.textInChannels)")
        try check(dit.patchSize[0] == 1, "dit.patch_size", "the pipeline needs a temporal patch of 1, got \(dit.patchSize)")
        let cell = vae.spatialFactor
        try check(pipeline.width % (cell * dit.patchSize[2]) == 0, "pipeline.width",
                  "\(pipeline.width) is not a multiple of \(cell * dit.patchSize[2]) (VAE ×\(cell) × DiT patch)")
        try check(pipeline.height % (cell * dit.patchSize[1]) == 0, "pipeline.height",
                  "\(pipeline.height) is not a multiple of \(cell * dit.patchSize[1]) (VAE ×\(cell) × DiT patch)")
    }

    /// How the model's generations cut latent frames into chunks (`pipeline` chunk sizes, the VAE's time factor).
    public var chunkLayout: ChunkLayout {
        ChunkLayout(chunkLatentFrames: pipeline.chunkLatentFrames, contextLatentFrames: pipeline.contextLatentFrames,
                    temporalFactor: vae.temporalFactor)
    }

    /// A file named by the config, relative to the directory.
    public func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}
