import CGStreamer
import CGstApp
import Foundation
import GstHappyHorse
import HappyHorse
import HappyHorseCABI

// MARK: - One-time set-up

/// gst_init + static registration of the plugin (no plugin path, no .so lookup). Runs once per process.
let gstReady: Bool = {
    gst_init(nil, nil)
    gst_plugin_happyhorse_register()
    return gst_element_factory_find("happyhorsesrc") != nil
}()

/// The engine the element tests run against.
///
/// `HAPPYHORSE_TEST_ENGINE=pattern` forces the deterministic pattern engine, `=real` forces the real engine
/// (via `EngineFactory.load`). Unset: the real engine when the model directory has a config.json and loads, else
/// the pattern engine. The model directory is `models/builtin` of this checkout, or `HAPPYHORSE_TEST_MODEL`
/// (e.g. Tests/HappyHorseTests/Fixtures/pipeline/tiny). The choice is made once per process.
struct TestEngine: Sendable {
    let isReal: Bool
    let engine: any TextToVideoEngine
    /// The real engine's model directory (nil for the pattern engine).
    var modelDirectory: URL? = nil
    var format: NativeVideoFormat { engine.nativeFormat }
    /// Frames of one clip of `seconds`.
    func frames(_ seconds: Double) -> Int { engine.frameCount(durationSeconds: seconds) }
    /// Time of frame `n` in nanoseconds.
    func time(_ n: Int) -> UInt { UInt(n) * 1_000_000_000 / UInt(format.framesPerSecond) }
    /// Short clip length the tests use (a single chunk of the real model).
    var shortDuration: Double { 0.2 }
    /// Steps the tests ask for (fewer with the real model to keep the suite quick).
    var steps: Int { isReal ? 2 : 0 }

    /// Two prompts the engine tells apart: with a real model, built from words of its vocabulary (unknown words
    /// are dropped by the tokenizer, so arbitrary prompts may encode the same).
    var distinctPrompts: (String, String) {
        let fallback = ("a white horse", "a black horse")
        guard let dir = modelDirectory,
              let data = try? Data(contentsOf: dir.appendingPathComponent("tokenizer.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = json["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Int] else {
            return fallback
        }
        let words = vocab.keys.filter { $0.count > 2 && $0.allSatisfy(\.isLetter) }.sorted()
        guard words.count >= 2 else { return fallback }
        return (words[0], words[words.count - 1])
    }
}

let testEngine: TestEngine = {
    let environment = ProcessInfo.processInfo.environment
    let mode = environment["HAPPYHORSE_TEST_ENGINE"] ?? "auto"
    let builtin = ModelLocator.sourceCheckoutBuiltin
    let directory = environment["HAPPYHORSE_TEST_MODEL"].map { URL(fileURLWithPath: $0) } ?? builtin
    if mode != "pattern", FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) {
        do {
            let real = try EngineFactory.load(modelDirectory: directory, threads: EngineFactory.resolveThreads(0),
                                              log: { _ in })
            if directory.standardizedFileURL == builtin.standardizedFileURL {
                EngineFactory.override = nil   // the element finds the built-in model itself
            } else {
                EngineFactory.override = { _, threads, log in
                    try EngineFactory.load(modelDirectory: directory, threads: threads, log: log)
                }
            }
            print("element tests: real engine, model \(real.modelName) from \(directory.path)")
            return TestEngine(isReal: true, engine: real, modelDirectory: directory)
        } catch {
            if mode == "real" { fatalError("HAPPYHORSE_TEST_ENGINE=real but the engine did not load: \(error)") }
            print("element tests: real engine not usable (\(error)); using the pattern engine")
        }
    } else if mode == "real" {
        fatalError("HAPPYHORSE_TEST_ENGINE=real but \(directory.path)/config.json does not exist")
    }
    // The pattern engine stands in for the built-in model only: an explicit model-path (a directory that is not
    // one of the built-in candidates) is loaded by the real engine, so bad-model-directory tests see real errors.
    EngineFactory.override = { directory, threads, log in
        if let directory, !ModelLocator.builtinCandidates(pluginDirectory: nil)
            .contains(where: { $0.0.standardizedFileURL == directory.standardizedFileURL }) {
            return try EngineFactory.load(modelDirectory: directory, threads: threads, log: log)
        }
        return PatternEngine()
    }
    return TestEngine(isReal: false, engine: PatternEngine())
}()

// MARK: - GObject helpers (G_TYPE_* are macros that Swift cannot import)

enum GTypes {
    static let boolean = GType(5 << 2)
    static let int = GType(6 << 2)
    static let uint = GType(7 << 2)
    static let int64 = GType(10 << 2)
    static let uint64 = GType(11 << 2)
    static let double = GType(15 << 2)
    static let string = GType(16 << 2)
}

/// Reads the buffer of a sample pulled from appsink, then drops the sample. For ThreadSanitizer the buffer is
/// acquired before `body` and released after it: happyhorsesrc released it after writing it and acquires it when the
/// pool hands it back, and both hand-offs go through GLib's futex-based GMutex, which TSan cannot see. No-ops
/// outside TSan builds.
func consumeSample<T>(_ sample: OpaquePointer, _ body: (UnsafeMutablePointer<GstBuffer>, OpaquePointer) -> T?) -> T? {
    defer { gst_mini_object_unref(UnsafeMutableRawPointer(sample).assumingMemoryBound(to: GstMiniObject.self)) }
    guard let buffer = gst_sample_get_buffer(sample) else { return nil }
    hh_test_tsan_acquire(buffer)
    defer { hh_test_tsan_release(buffer) }
    return body(buffer, sample)
}

func gobject(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<GObject> { p.assumingMemoryBound(to: GObject.self) }

func setProperty(_ element: UnsafeMutablePointer<GstElement>, _ name: String, _ value: Any) {
    var v = GValue()
    switch value {
    case let s as String: g_value_init(&v, GTypes.string); g_value_set_string(&v, s)
    case let b as Bool: g_value_init(&v, GTypes.boolean); g_value_set_boolean(&v, b ? 1 : 0)
    case let d as Double: g_value_init(&v, GTypes.double); g_value_set_double(&v, d)
    case let i as Int64: g_value_init(&v, GTypes.int64); g_value_set_int64(&v, Int(i))
    case let u as UInt32: g_value_init(&v, GTypes.uint); g_value_set_uint(&v, u)
    case let i as Int32: g_value_init(&v, GTypes.int); g_value_set_int(&v, i)
    default: fatalError("unsupported property value \(value)")
    }
    g_object_set_property(gobject(element), name, &v)
    g_value_unset(&v)
}

func getString(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> String? {
    var v = GValue()
    g_value_init(&v, GTypes.string)
    g_object_get_property(gobject(element), name, &v)
    defer { g_value_unset(&v) }
    return g_value_get_string(&v).map { String(cString: $0) }
}

func getInt64(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> Int64 {
    var v = GValue()
    g_value_init(&v, GTypes.int64)
    g_object_get_property(gobject(element), name, &v)
    return Int64(g_value_get_int64(&v))
}

func getUInt(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> UInt32 {
    var v = GValue()
    g_value_init(&v, GTypes.uint)
    g_object_get_property(gobject(element), name, &v)
    return g_value_get_uint(&v)
}

func getDouble(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> Double {
    var v = GValue()
    g_value_init(&v, GTypes.double)
    g_object_get_property(gobject(element), name, &v)
    return g_value_get_double(&v)
}

func getBool(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> Bool {
    var v = GValue()
    g_value_init(&v, GTypes.boolean)
    g_object_get_property(gobject(element), name, &v)
    return g_value_get_boolean(&v) != 0
}

func paramFlags(_ element: UnsafeMutablePointer<GstElement>, _ name: String) -> UInt32 {
    let klass = UnsafeMutableRawPointer(gobject(element).pointee.g_type_instance.g_class!)
        .assumingMemoryBound(to: GObjectClass.self)
    guard let spec = g_object_class_find_property(klass, name) else { return 0 }
    return UInt32(bitPattern: spec.pointee.flags.rawValue)
}

func messageTypes(_ types: GstMessageType...) -> GstMessageType {
    GstMessageType(rawValue: types.reduce(0) { $0 | $1.rawValue })
}

let second: UInt = 1_000_000_000

// MARK: - A pipeline ending in an appsink called "sink"

/// What one buffer looked like.
struct Frame: Equatable {
    var pts: UInt
    var duration: UInt
    var offset: UInt64
    var size: Int
    var checksum: UInt64
}

func fnv1a(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3 }
    return h
}

final class TestPipeline {
    let pipeline: UnsafeMutablePointer<GstElement>
    let source: UnsafeMutablePointer<GstElement>
    let sink: UnsafeMutablePointer<GstElement>
    let bus: UnsafeMutablePointer<GstBus>
    /// Messages popped from the bus so far (owned references).
    private(set) var messages: [UnsafeMutablePointer<GstMessage>] = []

    /// `description` must name the source "src" and end in `appsink name=sink`.
    init(_ description: String) throws {
        precondition(gstReady)
        _ = testEngine
        var error: UnsafeMutablePointer<GError>?
        guard let p = gst_parse_launch(description, &error) else {
            throw TestFailure("gst_parse_launch failed: \(error.map { String(cString: $0.pointee.message) } ?? "?")")
        }
        pipeline = p
        let bin = UnsafeMutableRawPointer(p).assumingMemoryBound(to: GstBin.self)
        source = gst_bin_get_by_name(bin, "src")
        sink = gst_bin_get_by_name(bin, "sink")
        bus = gst_element_get_bus(p)
    }

    deinit {
        gst_element_set_state(pipeline, GST_STATE_NULL)
        for m in messages { gst_mini_object_unref(UnsafeMutableRawPointer(m).assumingMemoryBound(to: GstMiniObject.self)) }
        gst_object_unref(UnsafeMutableRawPointer(source))
        gst_object_unref(UnsafeMutableRawPointer(sink))
        gst_object_unref(UnsafeMutableRawPointer(bus))
        gst_object_unref(UnsafeMutableRawPointer(pipeline))
    }

    var appsink: UnsafeMutablePointer<GstAppSink> {
        UnsafeMutableRawPointer(sink).assumingMemoryBound(to: GstAppSink.self)
    }

    @discardableResult
    func setState(_ state: GstState) -> GstStateChangeReturn { gst_element_set_state(pipeline, state) }

    /// Waits for a pending state change (e.g. preroll); returns the result.
    func waitState(seconds: Double = 60) -> GstStateChangeReturn {
        var current = GST_STATE_NULL, pending = GST_STATE_NULL
        return gst_element_get_state(pipeline, &current, &pending, GstClockTime(seconds * 1e9))
    }

    /// Pulls one frame (nil at EOS or after `timeout` seconds).
    func pull(timeout: Double = 60) -> Frame? {
        guard let sample = gst_app_sink_try_pull_sample(appsink, GstClockTime(timeout * 1e9)) else { return nil }
        return consumeSample(sample) { buffer, _ in
            var map = GstMapInfo()
            guard gst_buffer_map(buffer, &map, GST_MAP_READ) != 0 else { return nil }
            defer { gst_buffer_unmap(buffer, &map) }
            return Frame(pts: buffer.pointee.pts, duration: buffer.pointee.duration, offset: UInt64(buffer.pointee.offset),
                         size: Int(map.size), checksum: fnv1a(map.data, Int(map.size)))
        }
    }

    /// Plays to EOS (or error) and returns all frames.
    func run(timeout: Double = 120) throws -> [Frame] {
        setState(GST_STATE_PLAYING)
        var frames: [Frame] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let f = pull(timeout: 0.2) { frames.append(f); continue }
            if gst_app_sink_is_eos(appsink) != 0 { break }
            drainBus()
            if let e = errorText { throw TestFailure("pipeline error: \(e)") }
        }
        drainBus()
        return frames
    }

    /// Negotiated caps on the appsink's pad, as a string.
    var sinkCaps: String? {
        guard let pad = gst_element_get_static_pad(sink, "sink") else { return nil }
        defer { gst_object_unref(UnsafeMutableRawPointer(pad)) }
        guard let caps = gst_pad_get_current_caps(pad) else { return nil }
        defer { gst_mini_object_unref(UnsafeMutableRawPointer(caps).assumingMemoryBound(to: GstMiniObject.self)) }
        let s = gst_caps_to_string(caps)!
        defer { g_free(s) }
        return String(cString: s)
    }

    /// Moves everything queued on the bus into `messages`.
    func drainBus() {
        while let m = gst_bus_pop(bus) { messages.append(m) }
    }

    /// Waits for an ERROR or EOS message; returns the error text (nil at EOS or timeout).
    func waitForError(timeout: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let m = gst_bus_timed_pop(bus, GstClockTime(0.1 * 1e9)) {
                messages.append(m)
                if m.pointee.type == GST_MESSAGE_ERROR || m.pointee.type == GST_MESSAGE_EOS { break }
            }
        }
        return errorText
    }

    /// The first error on the bus: "message | debug", with its domain and code.
    var firstError: (text: String, domain: GQuark, code: Int32)? {
        for m in messages where m.pointee.type == GST_MESSAGE_ERROR {
            var error: UnsafeMutablePointer<GError>?
            var debug: UnsafeMutablePointer<gchar>?
            gst_message_parse_error(m, &error, &debug)
            defer { g_error_free(error); g_free(debug) }
            let text = String(cString: error!.pointee.message) + " | " + (debug.map { String(cString: $0) } ?? "")
            return (text, error!.pointee.domain, error!.pointee.code)
        }
        return nil
    }

    var errorText: String? { firstError?.text }

    /// (type, code, text) of each progress message.
    var progress: [(GstProgressType, String, String)] {
        messages.filter { $0.pointee.type == GST_MESSAGE_PROGRESS }.map { m in
            var type = GST_PROGRESS_TYPE_START
            var code: UnsafeMutablePointer<gchar>?
            var text: UnsafeMutablePointer<gchar>?
            gst_message_parse_progress(m, &type, &code, &text)
            defer { g_free(code); g_free(text) }
            return (type, code.map { String(cString: $0) } ?? "", text.map { String(cString: $0) } ?? "")
        }
    }

    /// Structures of element messages with `name`.
    func elementMessages(_ name: String) -> [UnsafePointer<GstStructure>] {
        messages.filter { $0.pointee.type == GST_MESSAGE_ELEMENT }.compactMap { gst_message_get_structure($0) }
            .filter { String(cString: gst_structure_get_name($0)) == name }
    }

    /// String tags seen by the sink (from TAG messages), in order: [(tag, value)].
    func stringTags(_ tag: String) -> [String] {
        messages.filter { $0.pointee.type == GST_MESSAGE_TAG }.compactMap { m -> String? in
            var list: UnsafeMutablePointer<GstTagList>?
            gst_message_parse_tag(m, &list)
            defer { if let list { gst_mini_object_unref(UnsafeMutableRawPointer(list).assumingMemoryBound(to: GstMiniObject.self)) } }
            var value: UnsafeMutablePointer<gchar>?
            guard let list, gst_tag_list_get_string(list, tag, &value) != 0, let value else { return nil }
            defer { g_free(value) }
            return String(cString: value)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The launch line of a source named "src" with `properties`, optional caps, ending in appsink "sink".
func launchLine(_ properties: String = "", caps: String? = nil, sink: String = "sync=false") -> String {
    let e = testEngine
    var line = "happyhorsesrc name=src duration=\(e.shortDuration) num-inference-steps=\(e.steps) \(properties)"
    if let caps { line += " ! \(caps)" }
    return line + " ! appsink name=sink \(sink)"
}

// MARK: - Command-line tools

/// Full path of an executable on PATH.
func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a tool and returns stdout + stderr.
func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

// MARK: - A text stream on happyhorsesrc's text_sink pad

/// Starts a text stream on `pad`: stream-start, caps `text/x-raw,format=<format>` and a TIME segment.
func startTextStream(_ pad: UnsafeMutablePointer<GstPad>, format: String) -> Bool {
    let caps = gst_caps_from_string("text/x-raw,format=\(format)")!
    defer { gst_mini_object_unref(UnsafeMutableRawPointer(caps).assumingMemoryBound(to: GstMiniObject.self)) }
    var segment = GstSegment()
    gst_segment_init(&segment, GST_FORMAT_TIME)
    return gst_pad_send_event(pad, gst_event_new_stream_start("text")) != 0
        && gst_pad_send_event(pad, gst_event_new_caps(caps)) != 0
        && gst_pad_send_event(pad, gst_event_new_segment(&segment)) != 0
}

/// Chains one text buffer (at `pts`, or untimed) into `pad`.
func chainText(_ pad: UnsafeMutablePointer<GstPad>, _ text: String, pts: UInt? = nil) -> GstFlowReturn {
    let bytes = Array(text.utf8)
    let buffer = gst_buffer_new_allocate(nil, gsize(bytes.count), nil)!
    _ = bytes.withUnsafeBytes { gst_buffer_fill(buffer, 0, $0.baseAddress, gsize(bytes.count)) }
    if let pts { buffer.pointee.pts = pts }
    return gst_pad_chain(pad, buffer)
}
