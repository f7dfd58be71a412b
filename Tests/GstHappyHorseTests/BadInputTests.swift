import CGStreamer
import CGstApp
import Foundation
import GstHappyHorse
import HappyHorse
import HappyHorseCABI
import Testing

/// The bad-input table of docs/reliability.md (issue 5): each row feeds the element one bad input and checks that
/// it is refused (property) or ends in a GST_ELEMENT_ERROR whose text says what was wrong and what was expected,
/// that the pipeline then goes to NULL promptly, and that the same process starts another pipeline that works.
/// Model-directory rows load a broken copy of the tiny test model (Tests/HappyHorseTests/Fixtures/pipeline/tiny)
/// through the real engine.
@Suite(.serialized)
struct BadInputTests {
    init() { #expect(gstReady, "happyhorsesrc did not register") }

    // MARK: Prompts (accepted: the engine makes video for any text)

    @Test func emptyPromptGenerates() throws {
        try expectFrames(prompt: "")
    }

    @Test func oneMegabytePromptGenerates() throws {
        let words = ["a", "brown", "horse", "gallops", "across", "green", "meadow", "zebra"]
        var text = ""
        text.reserveCapacity(1 << 20)
        var i = 0
        while text.utf8.count < 1 << 20 { text += words[i % words.count] + " "; i += 1 }
        try expectFrames(prompt: text)
    }

    @Test func controlCharactersInPromptGenerate() throws {
        try expectFrames(prompt: "a\u{1}brown\u{7}\u{8} horse\t\n\r\u{1B}[31m gallops\u{7F}\u{0085}\u{200B}")
    }

    @Test func nonUTF8PromptIsRefused() throws {
        let element = try #require(gst_element_factory_make("happyhorsesrc", nil))
        defer { gst_object_unref(UnsafeMutableRawPointer(element)) }
        for name in ["prompt", "negative-prompt"] {
            setProperty(element, name, "kept")
            // "a \xff\xfe horse \xc3\x28" — invalid UTF-8 bytes
            let bytes: [UInt8] = [0x61, 0x20, 0xFF, 0xFE, 0x20, 0x68, 0x6F, 0x72, 0x73, 0x65, 0x20, 0xC3, 0x28, 0]
            bytes.withUnsafeBufferPointer { p in
                var v = GValue()
                g_value_init(&v, GTypes.string)
                g_value_set_string(&v, UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self))
                g_object_set_property(gobject(element), name, &v)
                g_value_unset(&v)
            }
            #expect(getString(element, name) == "kept", "\(name): invalid UTF-8 must be refused, the old value kept")
        }
        try expectRecovery()
    }

    // MARK: Out-of-range numbers (refused by the param specs: the value stays what it was)

    @Test func outOfRangeNumbersAreRefused() throws {
        let element = try #require(gst_element_factory_make("happyhorsesrc", nil))
        defer { gst_object_unref(UnsafeMutableRawPointer(element)) }
        let rows: [(String, Any)] = [
            ("seed", Int64(-2)), ("seed", Int64.min),
            ("num-inference-steps", UInt32(1001)), ("num-inference-steps", UInt32.max),
            ("guidance-scale", -0.5), ("guidance-scale", 50.5), ("guidance-scale", Double.infinity),
            ("guidance-scale", -Double.infinity), ("guidance-scale", Double.nan),
            ("static-hold", -1.5), ("static-hold", 100.5), ("static-hold", Double.infinity), ("static-hold", Double.nan),
            ("autoguidance-scale", -1.5), ("autoguidance-scale", 100.5), ("autoguidance-scale", Double.infinity),
            ("autoguidance-scale", Double.nan),
            ("duration", 0.0), ("duration", 0.001), ("duration", -1.0), ("duration", 3600.5),
            ("duration", Double.infinity), ("duration", Double.nan),
            ("n-threads", UInt32(1025)), ("n-threads", UInt32.max),
            ("num-buffers", Int32(-2)), ("num-buffers", Int32.min),
        ]
        for (name, value) in rows {
            let before = read(element, name)
            setProperty(element, name, value)
            let after = read(element, name)
            #expect(after == before, "\(name)=\(value) was accepted (\(before) → \(after))")
        }
        // The extremes that are in range are accepted as they are.
        setProperty(element, "seed", Int64.max)
        #expect(getInt64(element, "seed") == Int64.max)
        setProperty(element, "timestamp-offset", Int64.min)
        #expect(getInt64(element, "timestamp-offset") == Int64.min)
        setProperty(element, "num-clips", UInt32.max)
        #expect(getUInt(element, "num-clips") == UInt32.max)
    }

    @Test func extremeTimestampOffsetsDoNotWrap() throws {
        let p = try TestPipeline(launchLine("seed=3 num-buffers=2 timestamp-offset=\(Int64.max) \(tinyModelProperty)"))
        let frames = try p.run()
        #expect(frames.count == 2)
        // PTS must stay valid clock times (not GST_CLOCK_TIME_NONE, not wrapped around) and not go backwards.
        for f in frames { #expect(f.pts != UInt.max, "PTS became GST_CLOCK_TIME_NONE") }
        if frames.count == 2 { #expect(frames[1].pts >= frames[0].pts, "PTS went backwards \(frames)") }
        try expectRecovery()
    }

    /// A negative offset puts the first frames before 0: they are skipped (with one warning), never stamped 0 side by
    /// side; the frames handed out keep increasing PTS that start at or after 0.
    @Test func negativeTimestampOffsetSkipsFramesBeforeZero() throws {
        let e = testEngine
        let offset = -Int64(e.time(2)) - 1   // frames 0, 1 and 2 fall before 0
        let p = try TestPipeline(launchLine("seed=3 timestamp-offset=\(offset) \(tinyModelProperty)"))
        let frames = try p.run()
        #expect(frames.count >= 1)
        #expect(frames.first?.offset == 3, "the first frame handed out is frame 3: \(frames.map(\.offset))")
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $1.pts > $0.pts }, "\(frames.map(\.pts))")
        let warnings = p.messages.filter { $0.pointee.type == GST_MESSAGE_WARNING }
        #expect(warnings.count == 1, "one warning for the skipped frames")
        // An offset before every frame: the run ends with no frame and no error.
        let all = try TestPipeline(launchLine("seed=3 timestamp-offset=\(Int64.min) \(tinyModelProperty)"))
        #expect(try all.run().isEmpty)
        #expect(all.errorText == nil)
        try expectRecovery()
    }

    /// Run properties (GST_PARAM_MUTABLE_READY) changed while the pipeline is PAUSED or PLAYING would apply halfway
    /// (is-live would freeze the stream, duration would end it early while DURATION says otherwise): refused, the
    /// value kept; in READY the same changes are taken.
    @Test func runPropertiesAreRefusedOutsideReady() throws {
        let p = try TestPipeline(launchLine("seed=3 duration=0.2 \(tinyModelProperty)"))
        p.setState(GST_STATE_PAUSED)
        #expect(p.waitState() != GST_STATE_CHANGE_FAILURE)
        func runProperties() -> [String] {
            ["\(getDouble(p.source, "duration"))", "\(getBool(p.source, "is-live"))", "\(getUInt(p.source, "num-clips"))",
             getString(p.source, "model-path") ?? "-", "\(getUInt(p.source, "n-threads"))",
             "\(getUInt(p.source, "latency"))", "\(getInt64(p.source, "timestamp-offset"))"]
        }
        let before = runProperties()
        for state in [GST_STATE_PAUSED, GST_STATE_PLAYING] {
            p.setState(state)
            _ = p.waitState()
            setProperty(p.source, "duration", 3.0)
            setProperty(p.source, "is-live", true)
            setProperty(p.source, "num-clips", UInt32(7))
            setProperty(p.source, "model-path", "/elsewhere")
            setProperty(p.source, "n-threads", UInt32(9))
            setProperty(p.source, "latency", UInt32(1234))
            setProperty(p.source, "timestamp-offset", Int64(-5))
            let after = runProperties()
            #expect(after == before, "in \(state): \(after), was \(before)")
        }
        // The prompt family stays changeable while PLAYING.
        setProperty(p.source, "prompt", "a white horse")
        #expect(getString(p.source, "prompt") == "a white horse")
        p.setState(GST_STATE_READY)
        _ = p.waitState()
        setProperty(p.source, "duration", 3.0)
        #expect(getDouble(p.source, "duration") == 3.0, "READY takes run properties")
        try expectRecovery()
    }

    // MARK: Model directories

    @Test func missingModelDirectory() throws {
        let missing = "/nonexistent/hh-bad-input-\(getpid())"
        try expectLoadError(missing, contains: [missing, "does not exist", "config.json"],
                            code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    @Test func emptyModelDirectory() throws {
        let dir = try scratchDirectory("empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        try expectLoadError(dir.path, contains: ["config.json", "is missing", "a model directory holds"],
                            code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    @Test func modelDirectoryThatIsASymlinkLoop() throws {
        let dir = try scratchDirectory("loop")
        defer { try? FileManager.default.removeItem(at: dir) }
        let loop = dir.appendingPathComponent("model")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        try expectLoadError(loop.path, contains: ["symbolic link that loops", "a model directory holds"],
                            code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    @Test func configThatIsADirectory() throws {
        let dir = try tinyCopy("config-dir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.json")
        try FileManager.default.removeItem(at: config)
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: false)
        try expectLoadError(dir.path, contains: ["config.json' is a directory", "expected a JSON file"],
                            code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    /// A FIFO would block open() for ever: refused before anything opens it.
    @Test func configThatIsAFIFO() throws {
        let dir = try tinyCopy("config-fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.json")
        try FileManager.default.removeItem(at: config)
        #expect(mkfifo(config.path, 0o644) == 0)
        try expectLoadError(dir.path, contains: ["not a regular file", "expected a JSON file"],
                            code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    // The model directory is a boundary (docs/reliability.md, issue #35): every file a model names lies inside it,
    // only regular files are opened, and sizes are checked before anything is read.

    /// Paths in config.json that leave the directory (`..`, absolute, a symbolic link out) are refused, naming the
    /// field; no byte of the foreign file reaches the message.
    @Test(arguments: [("text_encoder", "weights", "../../../../etc/passwd"), ("vae", "weights", "/etc/passwd"),
                      ("text_encoder", "tokenizer", "link-out")])
    func configPathOutsideTheDirectoryIsRefused(_ section: String, _ key: String, _ value: String) throws {
        let dir = try tinyCopy("outside")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link-out").path,
                                                   withDestinationPath: "/etc/passwd")
        try editConfig(dir) { config in
            var part = config[section] as! [String: Any]
            part[key] = value
            config[section] = part
        }
        try expectLoadError(dir.path, contains: ["resolves outside the model directory", "\(section).\(key)"],
                            code: GST_RESOURCE_ERROR_SETTINGS)
    }

    /// A shard of a sharded checkpoint that is a symbolic link out of the directory is refused like a config path.
    @Test func shardThatLinksOutOfTheDirectoryIsRefused() throws {
        let dir = try tinyCopy("shard-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("dit")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("shard-1.safetensors").path,
                                                   withDestinationPath: "/etc/passwd")
        let index = #"{"metadata": {}, "weight_map": {"x": "shard-1.safetensors"}}"#
        try Data(index.utf8).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        try editConfig(dir) { config in
            var dit = config["dit"] as! [String: Any]
            dit["weights"] = "dit"
            config["dit"] = dit
        }
        try expectLoadError(dir.path, contains: ["shard-1.safetensors", "resolves outside the model directory"],
                            code: GST_RESOURCE_ERROR_SETTINGS)
    }

    /// FIFOs as weight or tokenizer files made open() block for ever; a sparse config.json of gigabytes was read
    /// whole before its size was checked. Both are refused at once now.
    @Test(arguments: ["vae_decoder.safetensors", "tokenizer.json"])
    func weightOrTokenizerThatIsAFIFO(_ name: String) throws {
        let dir = try tinyCopy("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent(name)
        try FileManager.default.removeItem(at: file)
        #expect(mkfifo(file.path, 0o644) == 0)
        try expectLoadError(dir.path, contains: [name, "is a FIFO, not a regular file"], code: nil)
    }

    /// Valid JSON whose number does not fit the field is reported as that field, not as JSON that does not parse.
    @Test(arguments: [("dit", "hidden_size", 1e30), ("pipeline", "fps", 29.97)])
    func configNumberOutOfItsFieldIsNamed(_ section: String, _ key: String, _ value: Double) throws {
        let dir = try tinyCopy("number")
        defer { try? FileManager.default.removeItem(at: dir) }
        try editConfig(dir) { config in
            var part = config[section] as! [String: Any]
            part[key] = value
            config[section] = part
        }
        let p = try TestPipeline(launchLine("model-path=\"\(dir.path)\""))
        p.setState(GST_STATE_PLAYING)
        _ = p.waitForError(timeout: 30)
        let text = p.firstError?.text ?? ""
        print("bad input: config \(section).\(key)=\(value) → \(text)")
        #expect(text.contains("\(section).\(key)") && !text.contains("not valid JSON"), "\(text)")
        p.setState(GST_STATE_NULL)
        try expectRecovery()
    }

    @Test func sparseConfigOfGigabytesIsRefusedBeforeReading() throws {
        let dir = try tinyCopy("sparse-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.json")
        #expect(truncate(config.path, 3 << 30) == 0)   // 3 GiB, almost nothing on disk
        try expectLoadError(dir.path, contains: ["config.json", "bytes; refusing more than"],
                            code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test(.enabled(if: getuid() != 0, "running as root: chmod 000 does not stop root from reading"))
    func unreadableModelDirectory() throws {
        let dir = try tinyCopy("unreadable")
        defer { chmod(dir.path, 0o755); try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o000)
        try expectLoadError(dir.path, contains: [dir.path], code: nil)
    }

    @Test(.enabled(if: getuid() != 0, "running as root: chmod 000 does not stop root from reading"))
    func unreadableWeightFile() throws {
        let dir = try tinyCopy("unreadable-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.appendingPathComponent("dit.safetensors").path, 0o000)
        try expectLoadError(dir.path, contains: ["dit.safetensors", "cannot open"], code: nil)
    }

    /// What root cannot be kept from reading by permissions: a weight "file" that is a directory.
    @Test func weightFileThatIsADirectory() throws {
        let dir = try tinyCopy("dir-weight")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("text_encoder.safetensors")
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
        try expectLoadError(dir.path, contains: ["text_encoder.safetensors"], code: nil)
    }

    @Test func missingWeightFile() throws {
        let dir = try tinyCopy("missing-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("vae_decoder.safetensors"))
        try expectLoadError(dir.path, contains: ["vae_decoder.safetensors"], code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    @Test func missingTokenizer() throws {
        let dir = try tinyCopy("missing-tokenizer")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tokenizer.json"))
        try expectLoadError(dir.path, contains: ["tokenizer.json"], code: GST_RESOURCE_ERROR_NOT_FOUND)
    }

    @Test func truncatedSafetensors() throws {
        let dir = try tinyCopy("truncated")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("dit.safetensors")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(truncate(file.path, off_t(size / 2)) == 0)
        try expectLoadError(dir.path, contains: ["dit.safetensors", "truncated?"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func safetensorsTruncatedInsideTheHeader() throws {
        let dir = try tinyCopy("truncated-header")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("vae_decoder.safetensors")
        #expect(truncate(file.path, 100) == 0)
        try expectLoadError(dir.path, contains: ["vae_decoder.safetensors", "beyond the end"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    /// A model larger than the element can hand out is refused at load, before any frame is computed.
    @Test func modelLargerThanTheElementsLimit() throws {
        let dir = try tinyCopy("huge-native")
        defer { try? FileManager.default.removeItem(at: dir) }
        try editConfig(dir) { config in
            var pipeline = config["pipeline"] as! [String: Any]
            pipeline["width"] = 8192 + 64   // a multiple of the latent's 16-pixel patch, so the config checks pass
            config["pipeline"] = pipeline
        }
        try expectLoadError(dir.path, contains: ["8256x64", "at most 8192x8192"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func configContradictingTheWeights() throws {
        let dir = try tinyCopy("contradicting")
        defer { try? FileManager.default.removeItem(at: dir) }
        try editConfig(dir) { config in
            var dit = config["dit"] as! [String: Any]
            dit["gelu7_intermediate_size"] = 48   // the weights are 40 wide
            config["dit"] = dit
        }
        try expectLoadError(dir.path, contains: ["shape", "expected"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func configWithMoreLayersThanTheWeights() throws {
        let dir = try tinyCopy("more-layers")
        defer { try? FileManager.default.removeItem(at: dir) }
        try editConfig(dir) { config in
            var dit = config["dit"] as! [String: Any]
            dit["num_layers"] = 4   // the weights hold 3
            config["dit"] = dit
        }
        try expectLoadError(dir.path, contains: ["missing tensor", "dit.safetensors"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func configThatIsNotJSON() throws {
        let dir = try tinyCopy("config-garbage")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"format\": \"happyhorse-model/1\", \"dit\": {".utf8).write(to: dir.appendingPathComponent("config.json"))
        try expectLoadError(dir.path, contains: ["config.json", "not valid JSON"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func tokenizerThatIsNotJSON() throws {
        let dir = try tinyCopy("tokenizer-garbage")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF]).write(to: dir.appendingPathComponent("tokenizer.json"))
        try expectLoadError(dir.path, contains: ["tokenizer.json", "not valid JSON"], code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func tokenizerOfAnotherKind() throws {
        let dir = try tinyCopy("tokenizer-bpe")
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": null}"#
        try Data(json.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        try expectLoadError(dir.path, contains: ["tokenizer.json", "'BPE' is not supported", "expected 'WordLevel'"],
                            code: GST_RESOURCE_ERROR_SETTINGS)
    }

    @Test func modelTooLargeForMemory() throws {
        let available = try #require(MemoryBudget.availableBytes(), "no /proc/meminfo: nothing to check against")
        let dir = try tinyCopy("too-large")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A sparse dit.safetensors whose header declares one tensor of twice the available memory.
        let elements = (2 * available) / 4
        let header = #"{"huge": {"dtype": "F32", "shape": [\#(elements)], "data_offsets": [0, \#(elements * 4)]}}"#
        var bytes = [UInt8](repeating: 0, count: 8)
        var n = UInt64(header.utf8.count)
        for i in 0..<8 { bytes[i] = UInt8(n & 0xFF); n >>= 8 }
        bytes += Array(header.utf8)
        let file = dir.appendingPathComponent("dit.safetensors")
        try Data(bytes).write(to: file)
        #expect(truncate(file.path, off_t(bytes.count + elements * 4)) == 0, "the file system must allow sparse files")
        try expectLoadError(dir.path, contains: ["needs", "MiB but only", "available"], code: GST_RESOURCE_ERROR_FAILED)
    }

    // MARK: The text pad

    /// pango-markup on the text pad is reduced to its text: no tag, attribute value or entity reaches the prompt.
    /// Markup that does not parse is taken as it is.
    @Test(arguments: [
        ("<span foreground=\"white\">a black horse</span> &amp; rider", "a black horse & rider"),
        ("<b>two</b> <i>brown</i> horses", "two brown horses"),
        ("a grey horse <unclosed", "a grey horse <unclosed"),
    ])
    func pangoMarkupReachesThePromptAsText(_ markup: String, _ expected: String) throws {
        let p = try TestPipeline(launchLine("seed=3 \(tinyModelProperty)"))
        let pad = try #require(gst_element_request_pad_simple(p.source, "text_sink"))
        defer { gst_element_release_request_pad(p.source, pad); gst_object_unref(UnsafeMutableRawPointer(pad)) }
        p.setState(GST_STATE_PAUSED)
        _ = p.waitState()
        #expect(startTextStream(pad, format: "pango-markup"))
        #expect(chainText(pad, markup) == GST_FLOW_OK)
        #expect(getString(p.source, "prompt") == expected)
        p.setState(GST_STATE_NULL)
    }

    // MARK: Caps

    @Test func frameRateNobodyCanMake() throws {
        try expectStreamError(caps: "video/x-raw,framerate=13/7", contains: ["fps only", "videorate"])
    }

    @Test func sizeNobodyCanMake() throws {
        try expectStreamError(caps: "video/x-raw,width=9000,height=16", contains: ["at most 8192x8192", "9000x16"])
    }

    @Test func mediaTypeNobodyCanMake() throws {
        try expectStreamError(caps: "video/x-bayer,format=rggb", contains: ["video/x-raw", "video/x-bayer"])
    }

    @Test func formatNobodyCanMake() throws {
        try expectStreamError(caps: "video/x-raw,format=v210", contains: ["I420", "v210"])
    }

    @Test func interlacedCapsAreExplained() throws {
        try expectStreamError(caps: "video/x-raw,interlace-mode=interleaved", contains: ["progressive", "interleaved",
                                                                                      "interlace"])
    }

    /// A converter after the element takes what it cannot make: the element keeps its native rate and size and the
    /// converter (videorate, videoscale) makes the rest, though the converter offers its peer's caps first.
    @Test(arguments: ["videorate ! video/x-raw,framerate=30/1", "videoscale ! video/x-raw,width=9000,height=100",
                      "videoconvert ! videoscale ! video/x-raw,format=GRAY16_LE,width=40,height=30"])
    func convertersDownstreamAreUsed(_ chain: String) throws {
        let line = "happyhorsesrc name=src seed=3 num-buffers=3 \(tinyModelProperty) ! \(chain) ! appsink name=sink sync=false"
        let p = try TestPipeline(line)
        let frames = try p.run()
        #expect(!frames.isEmpty && p.errorText == nil, "\(chain): \(frames.count) frames, \(p.errorText ?? "")")
        try expectRecovery()
    }

    // MARK: Helpers

    /// A pipeline with `prompt` (on the tiny real model when present, so the tokenizer and text encoder see it)
    /// makes its frames; then the process is still healthy.
    private func expectFrames(prompt: String) throws {
        let p = try TestPipeline(launchLine("seed=2 num-buffers=2 \(tinyModelProperty)"))
        setProperty(p.source, "prompt", prompt)
        let frames = try p.run(timeout: 120)
        #expect(frames.count == 2, "prompt of \(prompt.utf8.count) bytes: \(frames.count) frames; \(p.errorText ?? "")")
        #expect(p.setState(GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS)
        try expectRecovery()
    }

    /// READY→PAUSED fails with an element error of the RESOURCE domain whose text holds every string of
    /// `contains` (and, with `code`, that code); NULL works; the next pipeline runs.
    private func expectLoadError(_ modelPath: String, contains: [String], code: GstResourceError?) throws {
        let p = try TestPipeline(launchLine("model-path=\"\(modelPath)\""))
        let started = Date()
        let ret = p.setState(GST_STATE_PLAYING)
        #expect(ret == GST_STATE_CHANGE_FAILURE || p.waitState(seconds: 30) == GST_STATE_CHANGE_FAILURE)
        _ = p.waitForError(timeout: 30)
        let error = try #require(p.firstError, "no error message for model-path=\(modelPath)")
        print("bad input: model-path=\(modelPath) → \(error.text)")
        for s in contains { #expect(error.text.contains(s), "error for \(modelPath) lacks \"\(s)\": \(error.text)") }
        #expect(error.domain == gst_resource_error_quark(), "\(error.text)")
        if let code { #expect(error.code == Int32(code.rawValue), "code \(error.code): \(error.text)") }
        #expect(p.setState(GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS)
        #expect(Date().timeIntervalSince(started) < 30)
        try expectRecovery()
    }

    /// Negotiation with `caps` after the source fails with an element error naming what was asked and what the
    /// element makes; NULL works; the next pipeline runs.
    private func expectStreamError(caps: String, contains: [String]) throws {
        // Set on the appsink after linking: with caps the template cannot meet, gst_parse_launch would not even
        // link (gst-launch says "could not link"); set later, they reach the element at negotiation.
        let p = try TestPipeline(launchLine("seed=1 num-buffers=3 \(tinyModelProperty)"))
        let filter = try #require(gst_caps_from_string(caps))
        gst_app_sink_set_caps(p.appsink, filter)
        gst_mini_object_unref(UnsafeMutableRawPointer(filter).assumingMemoryBound(to: GstMiniObject.self))
        p.setState(GST_STATE_PLAYING)
        _ = p.waitForError(timeout: 60)
        let error = try #require(p.firstError, "no error for caps \(caps)")
        print("bad input: caps \(caps) → \(error.text)")
        for s in contains { #expect(error.text.contains(s), "error for \(caps) lacks \"\(s)\": \(error.text)") }
        #expect(p.setState(GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS)
        try expectRecovery()
    }

    private func read(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> String {
        switch name {
        case "seed", "timestamp-offset": return "\(getInt64(element, name))"
        case "guidance-scale", "static-hold", "autoguidance-scale", "duration": return "\(getDouble(element, name))"
        case "num-buffers":
            var v = GValue()
            g_value_init(&v, GTypes.int)
            g_object_get_property(gobject(element), name, &v)
            return "\(g_value_get_int(&v))"
        default: return "\(getUInt(element, name))"
        }
    }
}

// MARK: - Shared helpers (also used by the stress tests)

/// The tiny random model of the engine tests (32×64 at 25 fps, 3 steps): loads in milliseconds.
let tinyModelDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("HappyHorseTests/Fixtures/pipeline/tiny")

/// The tiny model with a guide (pipeline.autoguidance) of the engine tests: autoguidance tests do not depend on
/// whether the built-in model ships a guide.
let tinyGuidedModelDirectory: URL = tinyModelDirectory.deletingLastPathComponent().appendingPathComponent("tiny_guided")

/// `model-path=<tiny>` when the tiny model exists, else "" (pattern engine).
var tinyModelProperty: String {
    FileManager.default.fileExists(atPath: tinyModelDirectory.appendingPathComponent("config.json").path)
        ? "model-path=\"\(tinyModelDirectory.path)\"" : ""
}

/// A fresh empty directory under the temporary directory.
func scratchDirectory(_ tag: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hh-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A copy of the tiny model in a fresh directory, to break.
func tinyCopy(_ tag: String) throws -> URL {
    let dir = try scratchDirectory(tag)
    for name in try FileManager.default.contentsOfDirectory(atPath: tinyModelDirectory.path) {
        try FileManager.default.copyItem(at: tinyModelDirectory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    return dir
}

func editConfig(_ dir: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let url = dir.appendingPathComponent("config.json")
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    edit(&config)
    try JSONSerialization.data(withJSONObject: config).write(to: url)
}

/// The process is healthy: a new pipeline (tiny model, so it is quick whatever the test engine) makes two frames
/// and goes to NULL.
func expectRecovery(sourceLocation: SourceLocation = #_sourceLocation) throws {
    let p = try TestPipeline(launchLine("seed=9 num-buffers=2 \(tinyModelProperty)"))
    let frames = try p.run(timeout: 120)
    #expect(frames.count == 2, "the next pipeline did not run: \(p.errorText ?? "no error")", sourceLocation: sourceLocation)
    #expect(p.setState(GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS, sourceLocation: sourceLocation)
}
