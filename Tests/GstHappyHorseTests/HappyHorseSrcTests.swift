import CGStreamer
import CGstApp
import Foundation
import GstHappyHorse
import HappyHorse
import HappyHorseCABI
import Testing

/// Element tests: in-process registration, appsink pipelines and GstHarness.
/// Serialized: the pattern engine's step delay is process-wide, and 2 cores are plenty busy.
@Suite(.serialized)
struct HappyHorseSrcTests {
    init() { #expect(gstReady, "happyhorsesrc did not register") }

    // MARK: Properties

    @Test func propertyRoundTrips() throws {
        let element = try #require(gst_element_factory_make("happyhorsesrc", nil))
        defer { gst_object_unref(UnsafeMutableRawPointer(element)) }

        #expect(getString(element, "prompt") == "a brown horse gallops across a green meadow")
        #expect(getInt64(element, "seed") == -1)
        #expect(getInt64(element, "last-seed") == -1)
        #expect(getUInt(element, "num-inference-steps") == 0)
        #expect(getDouble(element, "guidance-scale") == 0.0)  // the model's default
        #expect(getDouble(element, "static-hold") == -1.0)  // the model's default
        #expect(getDouble(element, "autoguidance-scale") == -1.0)  // the model's default
        #expect(getDouble(element, "duration") == 5.0)
        #expect(getUInt(element, "num-clips") == 1)
        #expect(getString(element, "model-path") == nil)
        #expect(getUInt(element, "n-threads") == 0)
        #expect(getBool(element, "is-live") == false)
        #expect(getInt64(element, "timestamp-offset") == 0)

        setProperty(element, "prompt", "a red ball bounces")
        setProperty(element, "negative-prompt", "blurry")
        setProperty(element, "seed", Int64(1234))
        setProperty(element, "num-inference-steps", UInt32(12))
        setProperty(element, "guidance-scale", 3.5)
        setProperty(element, "static-hold", 0.0)
        setProperty(element, "autoguidance-scale", 1.0)
        setProperty(element, "duration", 2.5)
        setProperty(element, "num-clips", UInt32(3))
        setProperty(element, "model-path", "/tmp/some-model")
        setProperty(element, "n-threads", UInt32(2))
        setProperty(element, "is-live", true)
        setProperty(element, "timestamp-offset", Int64(-5))
        setProperty(element, "num-buffers", Int32(7))

        #expect(getString(element, "prompt") == "a red ball bounces")
        #expect(getString(element, "negative-prompt") == "blurry")
        #expect(getInt64(element, "seed") == 1234)
        #expect(getUInt(element, "num-inference-steps") == 12)
        #expect(getDouble(element, "guidance-scale") == 3.5)
        #expect(getDouble(element, "static-hold") == 0.0)
        #expect(getDouble(element, "autoguidance-scale") == 1.0)
        #expect(getDouble(element, "duration") == 2.5)
        #expect(getUInt(element, "num-clips") == 3)
        #expect(getString(element, "model-path") == "/tmp/some-model")
        #expect(getUInt(element, "n-threads") == 2)
        #expect(getBool(element, "is-live") == true)
        #expect(getInt64(element, "timestamp-offset") == -5)

        // The prompt family is changeable while PLAYING; model-path only up to READY.
        let mutablePlaying = UInt32(1) << 12   // GST_PARAM_MUTABLE_PLAYING
        let mutableReady = UInt32(1) << 10     // GST_PARAM_MUTABLE_READY
        for name in ["prompt", "negative-prompt", "seed", "num-inference-steps", "guidance-scale"] {
            #expect(paramFlags(element, name) & mutablePlaying != 0, "\(name) should be mutable in PLAYING")
        }
        for name in ["model-path", "n-threads", "duration", "is-live"] {
            #expect(paramFlags(element, name) & mutableReady != 0, "\(name) should be mutable in READY")
        }
        #expect(paramFlags(element, "last-seed") & 2 == 0, "last-seed must be read-only")
    }

    /// What gst-inspect shows for guidance-scale: default 0 (the model's default), range 0 … 50.
    /// The element class's spec of property `name` (the class outlives the test).
    static func paramSpec(_ name: String) throws -> UnsafeMutablePointer<GParamSpec> {
        let element = try #require(gst_element_factory_make("happyhorsesrc", nil))
        defer { gst_object_unref(UnsafeMutableRawPointer(element)) }
        let klass = UnsafeMutableRawPointer(gobject(element).pointee.g_type_instance.g_class!)
            .assumingMemoryBound(to: GObjectClass.self)
        return try #require(g_object_class_find_property(klass, name))
    }

    @Test func guidanceScaleDefaultsToTheModels() throws {
        let spec = try Self.paramSpec("guidance-scale")
        #expect(g_value_get_double(g_param_spec_get_default_value(spec)) == 0)
        let range = UnsafeMutableRawPointer(spec).assumingMemoryBound(to: GParamSpecDouble.self).pointee
        #expect(range.minimum == 0 && range.maximum == 50)
        let blurb = String(cString: g_param_spec_get_blurb(spec))
        #expect(blurb.contains("0 = the model's default (config.json pipeline.guidance_scale"), "\(blurb)")
    }

    /// The blurbs that quote the built-in model's defaults quote what its config.json says (they drift when the
    /// model is re-exported with another schedule or hold).
    @Test func blurbsQuoteTheBuiltinModelsDefaults() throws {
        let data = try Data(contentsOf: ModelLocator.sourceCheckoutBuiltin.appendingPathComponent("config.json"))
        let config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let pipeline = try #require(config["pipeline"] as? [String: Any])
        let steps = try #require(pipeline["num_inference_steps"] as? Int)
        let hold = try #require(pipeline["static_hold_threshold"] as? Double)
        let stepsBlurb = String(cString: g_param_spec_get_blurb(try Self.paramSpec("num-inference-steps")))
        #expect(stepsBlurb.contains("; \(steps) for the built-in model"), "\(stepsBlurb)")
        let holdBlurb = String(cString: g_param_spec_get_blurb(try Self.paramSpec("static-hold")))
        #expect(holdBlurb.contains("; \(hold) for the built-in model"), "\(holdBlurb)")
        // A model without pipeline.autoguidance runs one DiT pass: the blurb says "none".
        let autoguidance = ((pipeline["autoguidance"] as? [String: Any])?["scale"] as? Double).map { "\($0)" } ?? "none"
        let autoguidanceBlurb = String(cString: g_param_spec_get_blurb(try Self.paramSpec("autoguidance-scale")))
        #expect(autoguidanceBlurb.contains("; \(autoguidance) for the built-in model"), "\(autoguidanceBlurb)")
    }

    /// A double property whose range is -1 … 100 with -1 (the model's default, named by `configKey`) as default,
    /// and frames that differ between the two settings `a` and `b`, with the model at `modelPath` (always the real
    /// engine) or the test engine (the pattern engine has neither latents to hold nor a guide, so only the spec is
    /// checked with it).
    private func expectModelDefaultProperty(_ name: String, configKey: String, _ a: String, _ b: String,
                                            modelPath: URL? = nil) throws {
        let spec = try Self.paramSpec(name)
        let range = UnsafeMutableRawPointer(spec).assumingMemoryBound(to: GParamSpecDouble.self).pointee
        #expect(range.minimum == -1 && range.maximum == 100 && range.default_value == -1, "\(name)")
        let blurb = String(cString: g_param_spec_get_blurb(spec))
        #expect(blurb.contains("-1 = the model's default (config.json \(configKey)"), "\(blurb)")
        guard testEngine.isReal || modelPath != nil else { return }
        let model = modelPath.map { "model-path=\"\($0.path)\" " } ?? ""
        let first = try TestPipeline(launchLine("seed=42 \(model)\(a)")).run()
        let second = try TestPipeline(launchLine("seed=42 \(model)\(b)")).run()
        #expect(!first.isEmpty && first.count == second.count)
        #expect(first.map(\.checksum) != second.map(\.checksum), "\(a) and \(b) gave the same frames")
    }

    /// autoguidance-scale reaches the engine: with it off a model with a guide (the tiny guided fixture) gives other
    /// frames than with its default.
    @Test func autoguidanceScaleReachesTheEngine() throws {
        try expectModelDefaultProperty("autoguidance-scale", configKey: "pipeline.autoguidance.scale",
                                       "autoguidance-scale=-1", "autoguidance-scale=1",
                                       modelPath: tinyGuidedModelDirectory)
    }

    /// static-hold reaches the engine: a strong hold gives other frames than none.
    @Test func staticHoldReachesTheEngine() throws {
        try expectModelDefaultProperty("static-hold", configKey: "pipeline.static_hold_threshold",
                                       "static-hold=0", "static-hold=50")
    }

    // MARK: Caps

    @Test func fixatesToTheNativeFormat() throws {
        let p = try TestPipeline(launchLine("seed=1 num-buffers=1"))
        let frames = try p.run()
        #expect(frames.count == 1)
        let f = testEngine.format
        let caps = try #require(p.sinkCaps)
        #expect(caps.contains("format=(string)I420"), "\(caps)")
        #expect(caps.contains("width=(int)\(f.width)") && caps.contains("height=(int)\(f.height)"), "\(caps)")
        #expect(caps.contains("framerate=(fraction)\(f.framesPerSecond)/1"), "\(caps)")
        #expect(frames[0].size == f.width * f.height * 3 / 2)
    }

    @Test(arguments: ["I420", "NV12", "RGB", "RGBA", "BGRA", "BGRx", "GRAY8", "YUY2", "Y444"])
    func negotiatesEachFormatWithScaling(format: String) throws {
        // An odd size forces the converter to scale and to honour strides.
        let (w, h) = (37, 21)
        // The harness plays happyhorsesrc as soon as it is added (it has a sink pad template: text_sink), so the
        // properties are set first and the caps are on the harness template (LiveHarnessSupport.swift).
        _ = testEngine
        let element = try #require(gst_element_factory_make("happyhorsesrc", nil))
        setProperty(element, "duration", testEngine.shortDuration)
        setProperty(element, "num-buffers", Int32(2))
        setProperty(element, "seed", Int64(5))
        setProperty(element, "num-inference-steps", UInt32(testEngine.steps))
        let harness = try #require(sourceHarness(element, sinkCaps: "video/x-raw,format=\(format),width=\(w),height=\(h)"))
        gst_object_unref(UnsafeMutableRawPointer(element))   // the harness holds it
        defer { gst_harness_teardown(harness) }

        let buffer = try #require(gst_harness_pull(harness))
        defer { gst_mini_object_unref(UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: GstMiniObject.self)) }
        var info = GstVideoInfo()
        let caps = try #require(gst_pad_get_current_caps(harness.pointee.sinkpad))
        defer { gst_mini_object_unref(UnsafeMutableRawPointer(caps).assumingMemoryBound(to: GstMiniObject.self)) }
        #expect(gst_video_info_from_caps(&info, caps) != 0)
        #expect(String(cString: gst_video_format_to_string(info.finfo.pointee.format)) == format)
        #expect(info.width == Int32(w) && info.height == Int32(h))
        #expect(info.fps_n == Int32(testEngine.format.framesPerSecond) && info.fps_d == 1)
        #expect(gst_buffer_get_size(buffer) == info.size)
        #expect(buffer.pointee.pts == 0)
    }

    @Test func prefersI420WhenDownstreamListsOtherFormatsFirst() throws {
        // x264enc's sink template starts with Y444; I420 gives a widely playable High-profile stream.
        let p = try TestPipeline(launchLine("seed=1 num-buffers=1", caps: "video/x-raw,format={Y444,Y42B,I420,NV12}"))
        _ = try p.run()
        let caps = try #require(p.sinkCaps)
        #expect(caps.contains("format=(string)I420"), "\(caps)")
    }

    @Test func keepsTheAspectRatioWhenOnlyTheWidthIsGiven() throws {
        let p = try TestPipeline(launchLine("seed=1 num-buffers=1", caps: "video/x-raw,width=128"))
        _ = try p.run()
        let f = testEngine.format
        let expectedHeight = Int((128.0 * Double(f.height) / Double(f.width)).rounded())
        let caps = try #require(p.sinkCaps)
        #expect(caps.contains("width=(int)128") && caps.contains("height=(int)\(expectedHeight)"), "\(caps)")
    }

    @Test func refusesAnotherFrameRate() throws {
        let p = try TestPipeline(launchLine("seed=1", caps: "video/x-raw,framerate=30/1"))
        p.setState(GST_STATE_PLAYING)
        let error = try #require(p.waitForError(timeout: 60))
        #expect(error.contains("videorate"), "\(error)")
        #expect(error.contains("30/1"), "\(error)")
    }

    @Test func refusesAnAbsurdSize() throws {
        let p = try TestPipeline(launchLine("seed=1", caps: "video/x-raw,width=20000,height=20000"))
        p.setState(GST_STATE_PLAYING)
        let error = try #require(p.waitForError(timeout: 60))
        #expect(error.contains("at most 8192"), "\(error)")
    }

    // MARK: Timestamps, EOS, num-buffers, duration

    @Test func timestampsDurationsOffsetsAndEOS() throws {
        let p = try TestPipeline(launchLine("seed=3"))
        let frames = try p.run()
        let n = testEngine.frames(testEngine.shortDuration)
        #expect(frames.count == n)
        #expect(gst_app_sink_is_eos(p.appsink) != 0)
        for (i, f) in frames.enumerated() {
            #expect(f.pts == testEngine.time(i), "pts of frame \(i)")
            #expect(f.duration == testEngine.time(i + 1) - testEngine.time(i), "duration of frame \(i)")
            #expect(f.offset == UInt64(i))
        }
        #expect(p.errorText == nil)
    }

    @Test func timestampOffsetShiftsEveryPTS() throws {
        let p = try TestPipeline(launchLine("seed=3 num-buffers=2 timestamp-offset=1000000000"))
        let frames = try p.run()
        #expect(frames.map(\.pts) == [second + testEngine.time(0), second + testEngine.time(1)])
    }

    @Test func numBuffersStopsEarly() throws {
        let p = try TestPipeline(launchLine("seed=3 num-buffers=3 duration=1.0"))
        let frames = try p.run()
        #expect(frames.count == 3)
        #expect(gst_app_sink_is_eos(p.appsink) != 0)
    }

    @Test func answersDurationQueries() throws {
        let p = try TestPipeline(launchLine("seed=3 num-clips=2", sink: "sync=false max-buffers=1"))
        p.setState(GST_STATE_PAUSED)
        #expect(p.waitState() == GST_STATE_CHANGE_SUCCESS)
        let n = testEngine.frames(testEngine.shortDuration) * 2
        var value: Int = -1
        #expect(gst_element_query_duration(p.pipeline, GST_FORMAT_TIME, &value) != 0)
        #expect(value == Int(testEngine.time(n)))
        #expect(gst_element_query_duration(p.source, GST_FORMAT_DEFAULT, &value) != 0)
        #expect(value == n)
    }

    // MARK: Determinism, prompt changes, seeking

    @Test func sameSeedGivesIdenticalFrames() throws {
        let a = try TestPipeline(launchLine("seed=42")).run()
        let b = try TestPipeline(launchLine("seed=42")).run()
        let c = try TestPipeline(launchLine("seed=43")).run()
        #expect(!a.isEmpty)
        #expect(a.map(\.checksum) == b.map(\.checksum))
        #expect(a.map(\.checksum) != c.map(\.checksum))
    }

    @Test func randomSeedIsReported() throws {
        let p = try TestPipeline(launchLine("num-buffers=1"))
        _ = try p.run()
        let used = getInt64(p.source, "last-seed")
        #expect(used >= 0)
        #expect(p.stringTags("comment").contains { $0.contains("seed=\(used) ") }, "\(p.stringTags("comment"))")
    }

    @Test func promptChangeInPlayingChangesTheNextClip() throws {
        let n = testEngine.frames(testEngine.shortDuration)
        let (firstPrompt, secondPrompt) = testEngine.distinctPrompts
        func twoClips(changeTo newPrompt: String?) throws -> ([Frame], TestPipeline) {
            let p = try TestPipeline(launchLine("seed=9 num-clips=2 prompt=\"\(firstPrompt)\"",
                                                sink: "sync=false max-buffers=1"))
            p.setState(GST_STATE_PLAYING)
            var frames: [Frame] = []
            while let f = p.pull(timeout: 60) {
                frames.append(f)
                if frames.count == 1, let newPrompt { setProperty(p.source, "prompt", newPrompt) }
            }
            p.drainBus()
            return (frames, p)
        }
        let (unchanged, _) = try twoClips(changeTo: nil)
        let (changed, p) = try twoClips(changeTo: secondPrompt)
        #expect(unchanged.count == 2 * n && changed.count == 2 * n)
        #expect(Array(changed.prefix(n)).map(\.checksum) == Array(unchanged.prefix(n)).map(\.checksum),
                "the running clip keeps its prompt")
        #expect(Array(changed.suffix(n)).map(\.checksum) != Array(unchanged.suffix(n)).map(\.checksum),
                "the next clip uses the new prompt")
        #expect(changed.map(\.pts) == (0..<(2 * n)).map { testEngine.time($0) }, "timestamps run on across clips")
        #expect(p.stringTags("description") == [firstPrompt, secondPrompt])
    }

    @Test func seekRegeneratesFromTheSeed() throws {
        let reference = try TestPipeline(launchLine("seed=11")).run()
        #expect(reference.count >= 4)
        let p = try TestPipeline(launchLine("seed=11", sink: "sync=false max-buffers=1"))
        p.setState(GST_STATE_PAUSED)
        #expect(p.waitState() == GST_STATE_CHANGE_SUCCESS)
        let flags = GstSeekFlags(rawValue: GST_SEEK_FLAG_FLUSH.rawValue | GST_SEEK_FLAG_ACCURATE.rawValue)
        #expect(gst_element_seek_simple(p.pipeline, GST_FORMAT_TIME, flags, Int(testEngine.time(3))) != 0)
        #expect(p.waitState() == GST_STATE_CHANGE_SUCCESS)
        p.setState(GST_STATE_PLAYING)
        var frames: [Frame] = []
        while let f = p.pull(timeout: 60) { frames.append(f) }
        #expect(frames.first?.pts == testEngine.time(3))
        #expect(frames.map(\.checksum) == Array(reference.dropFirst(3)).map(\.checksum))
    }

    /// A reverse seek is refused before anything is flushed: the stream goes on from where it was, whole.
    @Test func reverseSeekIsRefusedWithoutFlushing() throws {
        func prerolledThenPlayed(seeking: Bool) throws -> (frames: [Frame], seekTaken: Bool, error: String?) {
            let p = try TestPipeline(launchLine("seed=11"))
            p.setState(GST_STATE_PAUSED)
            #expect(p.waitState() == GST_STATE_CHANGE_SUCCESS)
            let flags = GstSeekFlags(rawValue: GST_SEEK_FLAG_FLUSH.rawValue)
            let taken = seeking && gst_element_seek(p.pipeline, -1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_SET, 0,
                                                    GST_SEEK_TYPE_NONE, -1) != 0
            return (try p.run(), taken, p.errorText)
        }
        let control = try prerolledThenPlayed(seeking: false)
        let refused = try prerolledThenPlayed(seeking: true)
        #expect(!refused.seekTaken, "reverse playback must be refused")
        #expect(refused.frames == control.frames, "the stream went on as if no seek had been asked")
        #expect(refused.error == nil)
    }

    /// A seek relative to the end lands that far before the end of the run.
    @Test func seekRelativeToTheEndLandsBeforeTheEnd() throws {
        let reference = try TestPipeline(launchLine("seed=11")).run()
        #expect(reference.count >= 3)
        let p = try TestPipeline(launchLine("seed=11"))
        p.setState(GST_STATE_PAUSED)
        #expect(p.waitState() == GST_STATE_CHANGE_SUCCESS)
        let flags = GstSeekFlags(rawValue: GST_SEEK_FLAG_FLUSH.rawValue | GST_SEEK_FLAG_ACCURATE.rawValue)
        #expect(gst_element_seek(p.pipeline, 1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_END,
                                 -Int(testEngine.time(2)), GST_SEEK_TYPE_NONE, -1) != 0)
        #expect(p.waitState() == GST_STATE_CHANGE_SUCCESS)
        let frames = try p.run()
        #expect(frames.map(\.checksum) == Array(reference.suffix(2)).map(\.checksum), "\(frames.map(\.offset))")
    }

    /// Clip seeds stay within what last-seed shows: past 2^63-1 they wrap to 0, and the clip made with the wrapped
    /// seed is the clip that seed=0 makes.
    @Test func clipSeedsWrapWithinTheSeedRange() throws {
        let p = try TestPipeline(launchLine("seed=\(Int64.max) num-clips=2"))
        let frames = try p.run()
        #expect(getInt64(p.source, "last-seed") == 0)
        let zero = try TestPipeline(launchLine("seed=0")).run()
        #expect(Array(frames.suffix(zero.count)).map(\.checksum) == zero.map(\.checksum))
    }

    // MARK: Cancellation

    @Test func stateChangeToNullCancelsARunningGeneration() throws {
        if !testEngine.isReal { PatternEngine.stepDelay = 2.0 }
        defer { PatternEngine.stepDelay = 0 }
        let p = try TestPipeline(launchLine("seed=1 duration=4.0 num-inference-steps=50"))
        p.setState(GST_STATE_PLAYING)
        // Wait until denoising runs.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !p.progress.contains(where: { $0.1 == "denoising" }) {
            Thread.sleep(forTimeInterval: 0.05)
            p.drainBus()
        }
        #expect(p.progress.contains { $0.1 == "denoising" }, "generation never started")
        let t0 = Date()
        #expect(p.setState(GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS)
        let took = Date().timeIntervalSince(t0)
        #expect(took < 1.5, "state change to NULL took \(took) s")
        // The element can start again after a cancel.
        PatternEngine.stepDelay = 0
        setProperty(p.source, "num-buffers", Int32(1))
        setProperty(p.source, "duration", testEngine.shortDuration)
        setProperty(p.source, "num-inference-steps", UInt32(testEngine.steps))
        let frames = try p.run()
        #expect(frames.count == 1)
    }

    /// What gst-launch-1.0 -e does on Ctrl-C: an EOS event sent to the pipeline must end a running generation.
    @Test func eosEventDuringGenerationEndsPromptly() throws {
        if !testEngine.isReal { PatternEngine.stepDelay = 1.0 }
        defer { PatternEngine.stepDelay = 0 }
        let p = try TestPipeline(launchLine("seed=1 duration=4.0 num-inference-steps=50"))
        p.setState(GST_STATE_PLAYING)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !p.progress.contains(where: { $0.1 == "denoising" }) {
            Thread.sleep(forTimeInterval: 0.05)
            p.drainBus()
        }
        let t0 = Date()
        #expect(gst_element_send_event(p.pipeline, gst_event_new_eos()) != 0)
        let message = gst_bus_timed_pop_filtered(p.bus, 10 * second, messageTypes(GST_MESSAGE_EOS, GST_MESSAGE_ERROR))
        let took = Date().timeIntervalSince(t0)
        #expect(message?.pointee.type == GST_MESSAGE_EOS, "no EOS after the EOS event")
        #expect(took < 2.5, "EOS took \(took) s")
        if let message { gst_mini_object_unref(UnsafeMutableRawPointer(message).assumingMemoryBound(to: GstMiniObject.self)) }
        p.setState(GST_STATE_NULL)
    }

    @Test func flushingSeekDuringGenerationReturnsPromptly() throws {
        if !testEngine.isReal { PatternEngine.stepDelay = 0.5 }
        defer { PatternEngine.stepDelay = 0 }
        let p = try TestPipeline(launchLine("seed=1 duration=2.0 num-inference-steps=20", sink: "sync=false max-buffers=1"))
        p.setState(GST_STATE_PLAYING)
        Thread.sleep(forTimeInterval: 0.3)
        let t0 = Date()
        let flags = GstSeekFlags(rawValue: GST_SEEK_FLAG_FLUSH.rawValue)
        #expect(gst_element_seek_simple(p.pipeline, GST_FORMAT_TIME, flags, 0) != 0)
        #expect(Date().timeIntervalSince(t0) < 1.5)
        p.setState(GST_STATE_NULL)
    }

    // MARK: Progress, tags, errors

    @Test func postsProgressAndElementMessages() throws {
        let p = try TestPipeline(launchLine("seed=2"))
        _ = try p.run()
        let progress = p.progress
        let codes = Set(progress.map(\.1))
        #expect(codes.isSuperset(of: ["loading", "encoding-prompt", "denoising", "decoding"]), "\(codes)")
        #expect(progress.first?.0 == GST_PROGRESS_TYPE_START && progress.first?.1 == "loading")
        #expect(progress.contains { $0.0 == GST_PROGRESS_TYPE_COMPLETE && $0.1 == "loading" })
        #expect(progress.contains { $0.0 == GST_PROGRESS_TYPE_CONTINUE && $0.1 == "denoising" && $0.2.hasPrefix("step 1/") })
        // Every stage that starts is closed again.
        let starts = progress.filter { $0.0 == GST_PROGRESS_TYPE_START }.count
        let ends = progress.filter { $0.0 == GST_PROGRESS_TYPE_COMPLETE }.count
        #expect(starts == ends)

        let steps = p.elementMessages("happyhorsesrc-progress")
        #expect(!steps.isEmpty)
        var step: Int32 = 0, total: Int32 = 0
        var eta = -1.0, elapsed = -1.0
        let last = try #require(steps.last)
        #expect(gst_structure_get_int(last, "step", &step) != 0 && gst_structure_get_int(last, "total", &total) != 0)
        #expect(gst_structure_get_double(last, "eta", &eta) != 0 && gst_structure_get_double(last, "elapsed", &elapsed) != 0)
        #expect(total > 0 && step <= total && elapsed >= 0 && eta >= 0)
        #expect(gst_structure_get_string(last, "stage") != nil)
        var rtf = -1.0
        var rss: UInt = 0
        #expect(gst_structure_get_double(last, "realtime-factor", &rtf) != 0 && rtf >= 0)
        #expect(gst_structure_get_uint64(last, "peak-rss", &rss) != 0 && rss > 0)
        // The last denoising step reaches the total.
        #expect(steps.contains { s in
            var st: Int32 = 0, tt: Int32 = 0
            return gst_structure_get_int(s, "step", &st) != 0 && gst_structure_get_int(s, "total", &tt) != 0
                && st == tt && String(cString: gst_structure_get_string(s, "stage")) == "denoising"
        })
    }

    @Test func sendsTags() throws {
        let p = try TestPipeline(launchLine("seed=77 prompt=\"a grey horse\""))
        _ = try p.run()
        #expect(p.stringTags("description") == ["a grey horse"])
        let comment = try #require(p.stringTags("comment").first)
        #expect(comment.hasPrefix("seed=77 steps="), "\(comment)")
        #expect(comment.contains("model=\(testEngine.engine.modelName)"), "\(comment)")
        #expect(p.stringTags("keywords") == ["ai-generated"])
        #expect(p.stringTags("application-name") == ["happyhorsesrc"])
    }

    @Test func missingModelDirectoryIsAnElementErrorNamingThePath() throws {
        let missing = "/nonexistent/happyhorse-model-\(getpid())"
        let p = try TestPipeline(launchLine("model-path=\(missing)"))
        #expect(p.setState(GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE)
        p.drainBus()
        let error = try #require(p.firstError)
        #expect(error.text.contains(missing), "\(error.text)")
        #expect(error.text.contains("config.json"), "the message describes the expected layout")
        #expect(error.domain == gst_resource_error_quark())
        #expect(error.code == Int32(GST_RESOURCE_ERROR_NOT_FOUND.rawValue))
    }

    @Test func directoryWithoutConfigIsNotAModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hh-empty-model-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try TestPipeline(launchLine("model-path=\(dir.path)"))
        #expect(p.setState(GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE)
        p.drainBus()
        let error = try #require(p.firstError)
        #expect(error.text.contains(dir.appendingPathComponent("config.json").path), "\(error.text)")
    }

    @Test func tagsAndDurationReachAnMP4() throws {
        guard gst_element_factory_find("x264enc") != nil, gst_element_factory_find("mp4mux") != nil,
              let discoverer = which("gst-discoverer-1.0") else {
            print("skipping: x264enc, mp4mux or gst-discoverer-1.0 missing"); return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hh-tags-\(getpid()).mp4")
        defer { try? FileManager.default.removeItem(at: file) }
        var error: UnsafeMutablePointer<GError>?
        let line = "happyhorsesrc seed=5 prompt=\"a spotted horse\" duration=\(testEngine.shortDuration) "
            + "num-inference-steps=\(testEngine.steps) ! x264enc ! mp4mux ! filesink location=\(file.path)"
        let pipeline = try #require(gst_parse_launch(line, &error))
        defer { gst_element_set_state(pipeline, GST_STATE_NULL); gst_object_unref(UnsafeMutableRawPointer(pipeline)) }
        gst_element_set_state(pipeline, GST_STATE_PLAYING)
        let bus = gst_element_get_bus(pipeline)!
        defer { gst_object_unref(UnsafeMutableRawPointer(bus)) }
        let message = try #require(gst_bus_timed_pop_filtered(bus, 120 * second, messageTypes(GST_MESSAGE_EOS, GST_MESSAGE_ERROR)))
        #expect(message.pointee.type == GST_MESSAGE_EOS)
        gst_mini_object_unref(UnsafeMutableRawPointer(message).assumingMemoryBound(to: GstMiniObject.self))
        gst_element_set_state(pipeline, GST_STATE_NULL)

        let output = try runTool(discoverer, ["-v", file.path])
        #expect(output.contains("video/x-h264"), "\(output)")
        #expect(output.contains("a spotted horse"), "description tag missing: \(output)")
        #expect(output.contains("seed=5 steps="), "comment tag missing: \(output)")
        #expect(output.contains("ai-generated"), "keywords tag missing: \(output)")
        #expect(output.contains("happyhorsesrc"), "application name tag missing: \(output)")
        let n = testEngine.frames(testEngine.shortDuration)
        let seconds = Double(n) / Double(testEngine.format.framesPerSecond)
        #expect(output.contains(String(format: "Duration: 0:00:%02d.%03d", Int(seconds), Int((seconds * 1000).rounded()) % 1000)),
                "\(output)")
    }

    // MARK: Live

    @Test func liveModeTimestampsInRunningTime() throws {
        let p = try TestPipeline(launchLine("seed=4 is-live=true num-buffers=3", sink: "sync=true"))
        let frames = try p.run()
        #expect(frames.count == 3)
        let d = testEngine.time(1)
        #expect(frames.count == 3 && frames[1].pts == frames[0].pts + d && frames[2].pts == frames[1].pts + d)
        let query = gst_query_new_latency()!
        defer { gst_mini_object_unref(UnsafeMutableRawPointer(query).assumingMemoryBound(to: GstMiniObject.self)) }
        p.setState(GST_STATE_PLAYING)
    }
}
