import CGStreamer
import CGstApp
import Foundation
import GstHappyHorse
import HappyHorse
import HappyHorseCABI
import Testing

/// Live mode (is-live=true) on a GstTestClock: an endless stream of continuing chunks generated ahead by the live
/// worker. Works with the pattern engine and with a real model (checks read chunk boundaries from the element's
/// `happyhorsesrc-chunk` messages; frame contents are checked with the pattern engine only).
@Suite(.serialized) struct LiveTests {
    /// A live happyhorsesrc in a GstHarness with a test clock, a private bus and RGB caps at the native size.
    final class LiveHarness {
        let harness: UnsafeMutablePointer<GstHarness>
        let element: UnsafeMutablePointer<GstElement>
        let bus: UnsafeMutablePointer<GstBus>
        let clock: UnsafeMutablePointer<GstTestClock>
        private(set) var structures: [(name: String, s: UnsafeMutablePointer<GstStructure>)] = []

        init(_ configure: (UnsafeMutablePointer<GstElement>) -> Void = { _ in }) throws {
            precondition(gstReady)
            _ = testEngine
            let element = try #require(gst_element_factory_make("happyhorsesrc", nil))
            bus = gst_bus_new()
            gst_element_set_bus(element, bus)
            setProperty(element, "is-live", true)
            setProperty(element, "seed", Int64(3))
            setProperty(element, "latency", UInt32(0))
            setProperty(element, "num-inference-steps", UInt32(testEngine.steps))
            configure(element)
            let f = testEngine.format
            // Plays at once, with the harness's test clock (happyhorsesrc has a sink pad template).
            harness = try #require(sourceHarness(element, sinkCaps:
                "video/x-raw,format=RGB,width=\(f.width),height=\(f.height),framerate=\(f.framesPerSecond)/1"))
            gst_object_unref(UnsafeMutableRawPointer(element))   // the harness holds it
            self.element = element
            clock = gst_harness_get_testclock(harness)
        }

        deinit {
            gst_harness_teardown(harness)
            for (_, s) in structures { gst_structure_free(s) }
            gst_object_unref(UnsafeMutableRawPointer(clock))
            gst_object_unref(UnsafeMutableRawPointer(bus))
        }

        func play() {}  // the harness already plays the source

        /// Pulls `count` buffers, cranking the test clock whenever the source waits on it.
        func pull(_ count: Int, timeout: Double = 120) throws -> [LiveFrame] {
            var frames: [LiveFrame] = []
            let deadline = Date().addingTimeInterval(timeout)
            while frames.count < count {
                guard Date() < deadline else { throw TestFailure("only \(frames.count) of \(count) frames in \(timeout) s") }
                if let buffer = gst_harness_try_pull(harness) {
                    frames.append(Self.take(buffer))
                    continue
                }
                if gst_test_clock_timed_wait_for_multiple_pending_ids(clock, 1, 20, nil) != 0 {
                    _ = gst_test_clock_crank(clock)
                }
            }
            drain()
            return frames
        }

        /// The frame's timestamps, flags and checksum; unrefs the buffer.
        static func take(_ buffer: UnsafeMutablePointer<GstBuffer>) -> LiveFrame {
            var map = GstMapInfo()
            _ = gst_buffer_map(buffer, &map, GST_MAP_READ)
            let flags = buffer.pointee.mini_object.flags
            let frame = LiveFrame(pts: buffer.pointee.pts, duration: buffer.pointee.duration,
                                  offset: UInt64(buffer.pointee.offset), checksum: fnv1a(map.data, Int(map.size)),
                                  discont: flags & GST_BUFFER_FLAG_DISCONT.rawValue != 0)
            gst_buffer_unmap(buffer, &map)
            gst_mini_object_unref(UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: GstMiniObject.self))
            return frame
        }

        /// Element messages posted so far, in order.
        func drain() {
            while let m = gst_bus_pop(bus) {
                if m.pointee.type == GST_MESSAGE_ELEMENT, let s = gst_message_get_structure(m) {
                    structures.append((String(cString: gst_structure_get_name(s)), gst_structure_copy(s)))
                }
                gst_mini_object_unref(UnsafeMutableRawPointer(m).assumingMemoryBound(to: GstMiniObject.self))
            }
        }

        func messages(_ name: String) -> [UnsafeMutablePointer<GstStructure>] {
            drain()
            return structures.filter { $0.name == name }.map(\.s)
        }
    }

    struct LiveFrame {
        var pts: UInt
        var duration: UInt
        var offset: UInt64
        var checksum: UInt64
        var discont: Bool
    }

    static func uint64(_ s: UnsafeMutablePointer<GstStructure>, _ field: String) -> UInt64 {
        var v: UInt = 0
        _ = gst_structure_get_uint64(s, field, &v)
        return UInt64(v)
    }

    static func int64(_ s: UnsafeMutablePointer<GstStructure>, _ field: String) -> Int64 {
        var v: Int = 0
        _ = gst_structure_get_int64(s, field, &v)
        return Int64(v)
    }

    static func int(_ s: UnsafeMutablePointer<GstStructure>, _ field: String) -> Int32 {
        var v: Int32 = 0
        _ = gst_structure_get_int(s, field, &v)
        return v
    }

    static func double(_ s: UnsafeMutablePointer<GstStructure>, _ field: String) -> Double {
        var v = Double.nan
        _ = gst_structure_get_double(s, field, &v)
        return v
    }

    static func string(_ s: UnsafeMutablePointer<GstStructure>, _ field: String) -> String? {
        gst_structure_get_string(s, field).map { String(cString: $0) }
    }

    /// Checks a `happyhorsesrc-settings-applied` message against the frames pulled: it names a frame after the first
    /// `after` ones, with that frame's running time and PTS, at a chunk boundary (the first frame handed out by a
    /// chunk). Returns that frame's index.
    static func checkApplied(_ m: UnsafeMutablePointer<GstStructure>, _ h: LiveHarness, _ frames: [LiveFrame],
                             after: Int) -> Int {
        let frame = Int(int64(m, "frame"))
        #expect(frame >= after, "the change cannot apply to frames already pushed")
        #expect(uint64(m, "running-time") == UInt64(testEngine.time(frame)))
        #expect(frame < frames.count && uint64(m, "pts") == UInt64(frames[min(frame, frames.count - 1)].pts))
        let starts = h.messages("happyhorsesrc-chunk").map { Int(int64($0, "frame")) }
        #expect(starts.contains(frame), "frame \(frame) is not a chunk start: \(starts)")
        return frame
    }

    /// Checksum of the pattern engine's live frame `index` for `prompt` (RGB at the native size; seed 3 unless
    /// changed).
    static func patternChecksum(_ prompt: String, index: Int, seed: UInt64 = 3) -> UInt64 {
        let f = PatternContinuousStream.frame(promptHash: PatternEngine.hash(prompt), seed: seed, index: index,
                                              format: PatternEngine.format)
        return f.rgb.withUnsafeBufferPointer { fnv1a($0.baseAddress!, $0.count) }
    }

    // MARK: -

    @Test func chunkBoundariesAreContinuous() throws {
        let h = try LiveHarness { setProperty($0, "prompt", "a white horse") }
        h.play()
        let frames = try h.pull(30)
        let e = testEngine
        for (n, f) in frames.enumerated() {
            #expect(f.pts == e.time(n), "frame \(n): pts \(f.pts)")
            #expect(f.duration == e.time(n + 1) - e.time(n))
            #expect(f.offset == UInt64(n))
        }
        var duration: Int = 0
        let known = gst_element_query_duration(h.element, GST_FORMAT_TIME, &duration) != 0
        #expect(!known || duration == -1, "an endless stream has no duration (got \(duration))")
        let chunks = h.messages("happyhorsesrc-chunk")
        #expect(chunks.count >= 2, "expected several chunks in 30 frames")
        // Each chunk's first frame follows the previous chunk's last one: no gap, no duplicate.
        let starts = chunks.map { Int(Self.int64($0, "frame")) }
        #expect(starts.first == 0)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 > $0 }, "\(starts)")
        for s in chunks { #expect(Self.uint64(s, "running-time") == UInt64(e.time(Int(Self.int64(s, "frame"))))) }
        if !e.isReal {
            for (n, f) in frames.enumerated() { #expect(f.checksum == Self.patternChecksum("a white horse", index: n)) }
        }
    }

    @Test func answersLatencyWithChunkTimePlusBudget() throws {
        let h = try LiveHarness { setProperty($0, "latency", UInt32(300)) }
        h.play()
        _ = try h.pull(2)
        var live: gboolean = 0
        var minimum: GstClockTime = 0, maximum: GstClockTime = 0
        let query = gst_query_new_latency()!
        defer { gst_mini_object_unref(UnsafeMutableRawPointer(query).assumingMemoryBound(to: GstMiniObject.self)) }
        #expect(gst_element_query(h.element, query) != 0)
        gst_query_parse_latency(query, &live, &minimum, &maximum)
        #expect(live != 0)
        let chunkSeconds = try #require(h.messages("happyhorsesrc-chunk").first.map { s -> Double in
            var v = 0.0
            _ = gst_structure_get_double(s, "seconds", &v)
            return v
        })
        let budget: GstClockTime = 300_000_000
        // At least the budget plus the first chunk's generation time (the estimate only grows from there).
        #expect(minimum >= budget + GstClockTime(chunkSeconds * 0.99e9), "latency \(minimum) ns, chunk \(chunkSeconds) s")
        #expect(minimum < budget + GstClockTime((chunkSeconds + 60) * 1e9))
        #expect(maximum == GstClockTime.max)
    }

    @Test func promptChangeAppliesAtTheNextChunkAndIsReported() throws {
        let (a, b) = testEngine.distinctPrompts
        let h = try LiveHarness { setProperty($0, "prompt", a) }
        h.play()
        var frames = try h.pull(6)
        setProperty(h.element, "prompt", b)
        frames += try h.pull(30)
        let applied = h.messages("happyhorsesrc-settings-applied")
        #expect(applied.count == 1)
        let m = try #require(applied.first)
        #expect(Self.string(m, "prompt") == b)
        let frame = Self.checkApplied(m, h, frames, after: 6)
        if !testEngine.isReal {
            for n in 0..<frame { #expect(frames[n].checksum == Self.patternChecksum(a, index: n), "frame \(n)") }
            for n in frame..<frames.count { #expect(frames[n].checksum == Self.patternChecksum(b, index: n), "frame \(n)") }
        }
        #expect(getString(h.element, "prompt") == b)
    }

    /// guidance-scale 0 while PLAYING: settings-applied reports the model's default that the chunk ran with.
    @Test func guidanceZeroIsReportedAsTheModelsDefault() throws {
        let h = try LiveHarness { setProperty($0, "guidance-scale", 1.5) }
        h.play()
        var frames = try h.pull(6)
        setProperty(h.element, "guidance-scale", 0.0)
        frames += try h.pull(30)
        let m = try #require(h.messages("happyhorsesrc-settings-applied").first, "the guidance change is reported")
        _ = Self.checkApplied(m, h, frames, after: 6)
        #expect(Self.double(m, "guidance-scale") == Double(testEngine.engine.defaultGuidanceScale))
        #expect(testEngine.engine.defaultGuidanceScale != 0)
    }

    /// Sets `property` to `value` after 6 frames and back to -1 (the model's) 30 frames later; returns the two
    /// settings-applied values reported for it (nil when a change was not reported). `modelPath`: another model
    /// than the test engine's.
    private static func reportedAfterChangeAndBack(_ property: String, _ value: Double,
                                                   modelPath: URL? = nil) throws -> (Double, Double)? {
        let h = try LiveHarness { element in modelPath.map { setProperty(element, "model-path", $0.path) } }
        h.play()
        var frames = try h.pull(6)
        setProperty(h.element, property, value)
        frames += try h.pull(30)
        setProperty(h.element, property, -1.0)
        frames += try h.pull(30)
        let applied = h.messages("happyhorsesrc-settings-applied")
        #expect(applied.count >= 2, "both \(property) changes are reported")
        guard applied.count >= 2 else { return nil }
        _ = checkApplied(applied[0], h, frames, after: 6)
        return (double(applied[0], property), double(applied[1], property))
    }

    /// static-hold while PLAYING: settings-applied reports the threshold the chunk ran with (-1 = the model's).
    @Test func staticHoldChangesAreReportedResolved() throws {
        guard let (changed, back) = try Self.reportedAfterChangeAndBack("static-hold", 2.0) else { return }
        #expect(changed == 2.0)
        #expect(back == testEngine.engine.defaultStaticHoldThreshold)
        #expect(testEngine.engine.defaultStaticHoldThreshold > 0)
    }

    /// autoguidance-scale while PLAYING: settings-applied reports the scale the chunk ran with (-1 = the model's,
    /// ≤ 1 = off, reported 1; a model without a guide always 1). With the tiny guided model (scale > 1) and the
    /// test engine's model (the built-in one may have no guide).
    @Test(arguments: [true, false]) func autoguidanceChangesAreReportedResolved(guided: Bool) throws {
        let engine = guided ? try EngineFactory.load(modelDirectory: tinyGuidedModelDirectory, threads: 1,
                                                     log: { _ in }) : testEngine.engine
        guard let (changed, back) = try Self.reportedAfterChangeAndBack(
            "autoguidance-scale", 0.5, modelPath: guided ? tinyGuidedModelDirectory : nil) else { return }
        #expect(changed == 1.0)
        #expect(back == Double(engine.defaultAutoguidanceScale))
        if guided { #expect(engine.defaultAutoguidanceScale > 1) }
    }

    @Test func textPadDrivesThePromptAtItsTimestamps() throws {
        let (a, b) = testEngine.distinctPrompts
        let h = try LiveHarness { setProperty($0, "prompt", a) }
        let pad = try #require(gst_element_request_pad_simple(h.element, "text_sink"))
        defer { gst_element_release_request_pad(h.element, pad); gst_object_unref(UnsafeMutableRawPointer(pad)) }
        h.play()
        // Stream start, caps and a TIME segment, then one text buffer at 0.2 s.
        #expect(startTextStream(pad, format: "utf8"))
        let at: UInt = 200_000_000
        #expect(chainText(pad, b, pts: at) == GST_FLOW_OK)

        let frames = try h.pull(24)
        let m = try #require(h.messages("happyhorsesrc-settings-applied").first)
        #expect(Self.string(m, "prompt") == b)
        let frame = Int(Self.int64(m, "frame"))
        let rt = Self.uint64(m, "running-time")
        // The first chunk boundary at or after 0.2 s.
        let starts = h.messages("happyhorsesrc-chunk").map { Int(Self.int64($0, "frame")) }
        let expected = try #require(starts.first { UInt64(testEngine.time($0)) >= UInt64(at) })
        #expect(frame == expected, "applied at frame \(frame), chunk starts \(starts)")
        #expect(rt == UInt64(testEngine.time(expected)))
        if !testEngine.isReal {
            #expect(frames[frame - 1].checksum == Self.patternChecksum(a, index: frame - 1))
            #expect(frames[frame].checksum == Self.patternChecksum(b, index: frame))
        }
    }

    /// A pause costs nothing: after PAUSED→PLAYING the stream re-anchors once (basesrc restarts its timestamp
    /// correction there) and goes on with increasing PTS, every chunk at the configured steps, no QoS action. The
    /// clock runs on during each pause (as in a pipeline whose running time includes the pause); before the re-anchor
    /// every frame after it counted as that much late: steps fell to 1 and the timeline resynced every chunk.
    @Test func pauseCostsNoStepsAndNoResync() throws {
        let h = try LiveHarness()
        let before = try h.pull(30)
        for _ in 0..<3 {
            #expect(gst_element_set_state(h.element, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE)
            gst_test_clock_advance_time(h.clock, GstClockTimeDiff(2 * second))
            #expect(gst_element_set_state(h.element, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
            _ = try h.pull(10)
        }
        let after = try h.pull(30)
        #expect(h.messages("happyhorsesrc-qos").isEmpty, "no QoS action after a pause")
        let steps = h.messages("happyhorsesrc-chunk").map { Self.int($0, "steps") }
        #expect(Set(steps).count == 1, "every chunk at the configured steps: \(steps)")
        let pts = (before + after).map(\.pts)
        #expect(zip(pts, pts.dropFirst()).allSatisfy { $1 > $0 }, "\(pts)")
    }

    /// After downstream stalls (3 s of the clock with nothing taken), the steps are cut and the timeline resyncs once;
    /// then, the machine keeping up, every step comes back, one chunk at a time. The tiny model computes a chunk in
    /// milliseconds, so the restore is certain here; with the built-in model in real time the same path is measured
    /// by scripts/reliability/live-recovery.py stall (docs/live.md).
    @Test func stepsComeBackAfterAStall() throws {
        let h = try LiveHarness {
            setProperty($0, "model-path", tinyModelDirectory.path)
            setProperty($0, "num-inference-steps", UInt32(4))
        }
        _ = try h.pull(12)
        gst_test_clock_advance_time(h.clock, GstClockTimeDiff(3 * second))   // downstream stalls
        _ = try h.pull(240)
        let actions = h.messages("happyhorsesrc-qos").compactMap { Self.string($0, "action") }
        #expect(actions.contains("reduce-steps"), "\(actions)")
        #expect(actions.filter { $0 == "resync" }.count <= 1, "one resync at most: \(actions)")
        #expect(actions.last == "restore-steps", "\(actions)")
        let steps = h.messages("happyhorsesrc-chunk").map { Self.int($0, "steps") }
        #expect(steps.contains(1) || steps.contains(2) || steps.contains(3), "steps were cut: \(steps)")
        #expect(steps.suffix(3).allSatisfy { $0 == 4 }, "the configured steps came back: \(steps)")
    }

    @Test func keepsFlowingAfterAFlushAndAcrossPause() throws {
        let h = try LiveHarness()
        h.play()
        _ = try h.pull(5)
        #expect(gst_element_send_event(h.element, gst_event_new_flush_start()) != 0)
        #expect(gst_element_send_event(h.element, gst_event_new_flush_stop(1)) != 0)
        let after = try h.pull(8, timeout: 120)
        #expect(after.count == 8)
        // The harness sink keeps a buffer queued before the flush; the first frame made after it is DISCONT and
        // stamped with the running time at that point, and the frames after it are contiguous.
        let restart = try #require(after.firstIndex { $0.discont }, "a DISCONT frame after the flush")
        #expect(restart <= 1)
        for (x, y) in zip(after[restart...], after[(restart + 1)...]) {
            #expect(y.pts == x.pts + x.duration, "contiguous after the flush")
        }

        // PAUSED → PLAYING: the stream goes on where it was.
        let last = try #require(after.last)
        #expect(gst_element_set_state(h.element, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE)
        #expect(gst_element_set_state(h.element, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
        let resumed = try h.pull(4)
        // No stall, and time does not go back. (GstBaseSrc drops the frame that was waiting for its clock time when
        // the element paused, as for any live source, so one frame may be missing at the pause.)
        #expect(resumed.count == 4)
        #expect(resumed.allSatisfy { $0.pts >= last.pts }, "\(last.pts) then \(resumed.map(\.pts))")
    }

    @Test func qosReducesStepsAndSaysSo() throws {
        let h = try LiveHarness { setProperty($0, "num-inference-steps", UInt32(4)) }
        h.play()
        _ = try h.pull(3)
        // A sink reporting 0.5 s of lateness.
        let qos = gst_event_new_qos(GST_QOS_TYPE_UNDERFLOW, 0.5, 500_000_000, testEngine.time(2))!
        #expect(gst_harness_push_upstream_event(h.harness, qos) != 0)
        _ = try h.pull(26)
        let m = try #require(h.messages("happyhorsesrc-qos").first)
        #expect(Self.string(m, "action") == "reduce-steps")
        #expect(Self.int(m, "previous-steps") == 4)
        #expect(Self.int(m, "steps") == 3)
        #expect(h.messages("happyhorsesrc-chunk").contains { Self.int($0, "steps") == 3 }, "later chunks run 3 steps")
        if !testEngine.isReal {
            // The pattern engine computes a chunk in far less than half its duration: the steps come back.
            let restore = try #require(h.messages("happyhorsesrc-qos").first { Self.string($0, "action") == "restore-steps" })
            #expect(Self.int(restore, "steps") == 4)
            #expect(Self.int(try #require(h.messages("happyhorsesrc-chunk").last), "steps") == 4)
        }
    }

    @Test func seedAndStepsChangeAtTheNextChunkAndAreReported() throws {
        let prompt = testEngine.distinctPrompts.0
        let h = try LiveHarness { setProperty($0, "prompt", prompt) }
        var frames = try h.pull(6)
        setProperty(h.element, "seed", Int64(11))
        frames += try h.pull(30)
        let first = try #require(h.messages("happyhorsesrc-settings-applied").first, "the seed change is reported")
        #expect(h.messages("happyhorsesrc-settings-applied").count == 1)
        #expect(Self.uint64(first, "seed") == 11)
        #expect(Self.string(first, "prompt") == prompt)
        let reseeded = Self.checkApplied(first, h, frames, after: 6)
        #expect(getInt64(h.element, "last-seed") == 11)
        if !testEngine.isReal {
            for n in 0..<reseeded { #expect(frames[n].checksum == Self.patternChecksum(prompt, index: n), "frame \(n)") }
            for n in reseeded..<frames.count {
                #expect(frames[n].checksum == Self.patternChecksum(prompt, index: n, seed: 11), "frame \(n)")
            }
        }

        // Steps: the same path; the seed stays.
        let before = Self.int(try #require(h.messages("happyhorsesrc-chunk").last), "steps")
        try #require(before >= 2, "the test needs at least 2 steps to halve")
        setProperty(h.element, "num-inference-steps", UInt32(before / 2))
        frames += try h.pull(30)
        let second = try #require(h.messages("happyhorsesrc-settings-applied").dropFirst().first)
        let restepped = Self.checkApplied(second, h, frames, after: reseeded + 1)
        #expect(Self.int(second, "steps") == before / 2)
        #expect(Self.uint64(second, "seed") == 11)
        for c in h.messages("happyhorsesrc-chunk") {
            let frame = Int(Self.int64(c, "frame"))
            #expect(Self.int(c, "steps") == (frame < restepped ? before : before / 2), "chunk at frame \(frame)")
        }
        if !testEngine.isReal {
            for n in restepped..<frames.count {
                #expect(frames[n].checksum == Self.patternChecksum(prompt, index: n, seed: 11), "frame \(n)")
            }
        }

        // seed=-1 while playing draws a new random seed, reported and readable as last-seed.
        setProperty(h.element, "seed", Int64(-1))
        frames += try h.pull(30)
        let third = try #require(h.messages("happyhorsesrc-settings-applied").dropFirst(2).first)
        _ = Self.checkApplied(third, h, frames, after: restepped + 1)
        let drawn = Self.uint64(third, "seed")
        #expect(drawn != 11)
        #expect(getInt64(h.element, "last-seed") == Int64(drawn))
    }

    /// Generation slower than real time, on the test clock: each frame reaches the sink `slowdown` frame durations of
    /// clock time after the previous one, as when chunks take `slowdown` times their duration to compute whatever the
    /// steps (a decoder-bound model; the built-in one runs at 0.3–0.45× real time on the 2-core CI machine). The test moves the clock only while the streaming thread waits on it for a
    /// frame's running time, so every clock reading the element makes is known: frame n is handed out (stamped, QoS
    /// judged) at `stamped[n]`. The element must keep the frames coming, cut the steps down to 1 (`reduce-steps`),
    /// then re-anchor its timeline at the current running time (`resync`: DISCONT, a gap) rather than drift later
    /// and later.
    @Test func fallingBehindReducesStepsThenResyncsWithoutStalling() throws {
        let h = try LiveHarness()
        let clock = UnsafeMutableRawPointer(h.clock).assumingMemoryBound(to: GstClock.self)
        let frameDuration = GstClockTime(testEngine.time(1))
        let slowdown: GstClockTime = 4
        let base = gst_element_get_base_time(h.element)
        var stamped = [gst_clock_get_time(clock) - base]
        var frames: [LiveFrame] = []
        var resyncedAt: Int? = nil      // frames pulled when the first resync was seen
        while resyncedAt.map({ frames.count < $0 + 12 }) ?? true {
            try #require(frames.count < 1000, "no resync in 1000 frames")
            // Frame n has been handed out; wait until the streaming thread waits for its running time.
            let deadline = Date().addingTimeInterval(120)
            while gst_test_clock_get_next_entry_time(h.clock) == GstClockTime.max {
                guard Date() < deadline else { throw TestFailure("stalled after \(frames.count) frames") }
                _ = gst_test_clock_timed_wait_for_multiple_pending_ids(h.clock, 1, 50, nil)
            }
            let due = gst_test_clock_get_next_entry_time(h.clock)
            let next = max(gst_clock_get_time(clock) + slowdown * frameDuration, due)
            gst_test_clock_set_time(h.clock, next)
            let id = gst_test_clock_process_next_clock_id(h.clock)
            try #require(id != nil, "the wait for frame \(frames.count) is processed")
            gst_clock_id_unref(id)
            stamped.append(next - base)  // the clock stays there until frame n + 1 is handed out
            let buffer = try #require(gst_harness_pull(h.harness), "frame \(frames.count) after its clock wait")
            let f = LiveHarness.take(buffer)
            #expect(GstClockTime(f.pts) == due - base, "frame \(frames.count) waited for its own running time")
            frames.append(f)
            if resyncedAt == nil, h.messages("happyhorsesrc-qos").contains(where: { Self.string($0, "action") == "resync" }) {
                resyncedAt = frames.count
            }
        }

        let qos = h.messages("happyhorsesrc-qos")
        let chunks = h.messages("happyhorsesrc-chunk")
        let configured = Self.int(try #require(chunks.first), "steps")
        let chunkStarts = chunks.map { Int(Self.int64($0, "frame")) }
        try #require(chunkStarts.count >= 3)
        let steady = chunkStarts[2] - chunkStarts[1]  // frames per chunk (the first chunk may hand out fewer)
        let chunkDuration = GstClockTime(testEngine.time(steady))
        // The figures: each decision names the frame it judged, and its lateness is the clock's running time when that
        // frame was handed out minus (the frame's running time + the latency then reported).
        var judged: [Int] = []
        for m in qos {
            let rt = GstClockTime(Self.uint64(m, "running-time"))
            let n = try #require(frames.firstIndex { GstClockTime($0.pts) == rt }, "a frame at \(rt)")
            judged.append(n)
            let latency = Int64(Self.uint64(m, "latency"))
            #expect(Self.int64(m, "lateness") == Int64(stamped[n]) - Int64(rt) - latency, "frame \(n)")
            let chunk = try #require(chunks.last { Self.int64($0, "frame") <= Int64(n) })
            #expect(Self.int64(m, "chunk") == Self.int64(chunk, "chunk"), "frame \(n)")
        }
        // Steps cut one decision at a time down to 1, each decision on a frame late by more than a frame.
        let reductions = qos.filter { Self.string($0, "action") == "reduce-steps" }
        #expect(Self.int(try #require(reductions.first, "steps reduced"), "previous-steps") == configured)
        for m in reductions {
            #expect(Self.int(m, "steps") < Self.int(m, "previous-steps"))
            #expect(Self.int64(m, "lateness") > Int64(frameDuration))
        }
        #expect(reductions.contains { Self.int($0, "steps") == 1 })
        #expect(chunks.contains { Self.int($0, "steps") == 1 }, "chunks were computed with 1 step")
        // At 1 step and more than a chunk late: resync. The next frame is stamped with the running time of that moment
        // and flagged DISCONT; DISCONT nowhere else (frame 0 aside), and frames contiguous between resyncs.
        let resyncs = zip(qos, judged).filter { Self.string($0.0, "action") == "resync" }
        #expect(!resyncs.isEmpty)
        for (m, n) in resyncs {
            #expect(Self.int(m, "steps") == 1)
            #expect(Self.int64(m, "lateness") > Int64(chunkDuration))
        }
        print("falling behind (\(testEngine.isReal ? "real" : "pattern") engine): \(frames.count) frames, steps "
              + "\(configured) → \(reductions.map { Self.int($0, "steps") }), \(resyncs.count) resync(s) at frames "
              + "\(resyncs.map { $0.1 + 1 }), lateness then \(resyncs.map { Self.int64($0.0, "lateness") / 1_000_000 }) ms")
        let resynced = Set(resyncs.map { $0.1 + 1 })
        for n in 1..<frames.count {
            if resynced.contains(n) {
                #expect(frames[n].discont, "frame \(n) after a resync")
                #expect(GstClockTime(frames[n].pts) == stamped[n], "frame \(n) stamped with the running time then")
                #expect(frames[n].pts > frames[n - 1].pts + frames[n - 1].duration, "a gap forward at frame \(n)")
            } else {
                #expect(!frames[n].discont, "frame \(n)")
                #expect(frames[n].pts == frames[n - 1].pts + frames[n - 1].duration, "frame \(n) follows")
            }
        }
    }

    @Test func stopsPromptlyWhileGenerating() throws {
        PatternEngine.stepDelay = 0
        let h = try LiveHarness()
        h.play()
        _ = try h.pull(1)
        let t0 = Date()
        #expect(gst_element_set_state(h.element, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS)
        #expect(Date().timeIntervalSince(t0) < 10)
    }
}
