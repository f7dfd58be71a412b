import CGStreamer
import CGstApp
import Foundation
import Testing

/// The element's output, byte for byte, for fixed seeds and prompts: every frame's bytes, PTS, duration and offset
/// of a few clip and live runs, hashed and compared with a record.
///
/// Recorded before the restructuring of issue #27 so that refactors of the element, the C ABI and the engine can
/// prove they changed no output byte. Floating-point results depend on the OpenBLAS kernel, so records are kept per
/// engine, kernel choice (`OPENBLAS_CORETYPE`) and CPU model; where none exists for this machine the test is skipped
/// and says so. To record: `HH_RECORD_GOLDEN=1 swift test --filter GoldenFrames` prints the lines to paste into
/// `GoldenFrames.records`.
@Suite(.serialized) struct GoldenFramesTests {
    @Test(.enabled(if: GoldenFrames.shouldRun, "no golden record for \(GoldenFrames.machineKey)"),
          arguments: GoldenFrames.clipCases)
    func clipOutputIsUnchanged(_ golden: GoldenFrames.Case) throws {
        let pipeline = try TestPipeline("happyhorsesrc name=src \(golden.properties) ! \(golden.caps) "
                                        + "! appsink name=sink sync=false")
        let frames = try pipeline.run()
        try GoldenFrames.check(golden.name, frames.count, GoldenFrames.digest(frames))
    }

    @Test(.enabled(if: GoldenFrames.shouldRun, "no golden record for \(GoldenFrames.machineKey)"))
    func liveOutputIsUnchanged() throws {
        let h = try LiveTests.LiveHarness { setProperty($0, "prompt", "a grey horse trots along a sandy beach") }
        let frames = try h.pull(24).map {
            Frame(pts: $0.pts, duration: $0.duration, offset: $0.offset, size: 0, checksum: $0.checksum)
        }
        try GoldenFrames.check("live", frames.count, GoldenFrames.digest(frames))
    }
}

enum GoldenFrames {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var properties: String
        var caps: String
        var description: String { name }
    }

    static let clipCases: [Case] = [
        Case(name: "two-clips-rgb", properties: "seed=3 duration=0.4 num-clips=2",
             caps: "video/x-raw,format=RGB"),
        Case(name: "i420-scaled", properties: "seed=5 duration=0.3 prompt=\"a black horse walks through the snow\"",
             caps: "video/x-raw,format=I420,width=320,height=180"),
        Case(name: "nv12-steps-guidance",
             properties: "seed=11 duration=0.3 num-inference-steps=2 guidance-scale=2.0 negative-prompt=blurry "
                 + "static-hold=0 prompt=\"two white horses gallop to the left in a stable\"",
             caps: "video/x-raw,format=NV12"),
        Case(name: "offset-bgra", properties: "seed=7 duration=0.2 timestamp-offset=1000000",
             caps: "video/x-raw,format=BGRA,width=128,height=128"),
    ]

    /// Engine, kernel and CPU: what the bytes depend on besides the element.
    static let machineKey: String = {
        guard testEngine.isReal else { return "pattern" }   // integer arithmetic: the same everywhere
        let engine = "real:\(testEngine.engine.modelName)"
        let kernel = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "auto"
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown cpu"
        return "\(engine)|\(kernel)|\(cpu)"
    }()

    static var recording: Bool { ProcessInfo.processInfo.environment["HH_RECORD_GOLDEN"] == "1" }
    static var shouldRun: Bool { recording || records.keys.contains { $0.hasPrefix(machineKey + "|") } }

    /// One FNV-1a over every frame's checksum and timestamps, in order.
    static func digest(_ frames: [Frame]) -> String {
        var words: [UInt64] = []
        for f in frames { words += [f.checksum, UInt64(f.pts), UInt64(f.duration), f.offset] }
        let h = words.withUnsafeBytes { fnv1a($0.baseAddress!.assumingMemoryBound(to: UInt8.self), $0.count) }
        return String(format: "%016llx", h)
    }

    static func check(_ name: String, _ count: Int, _ digest: String) throws {
        let key = "\(machineKey)|\(name)"
        let got = "\(count) frames \(digest)"
        if recording {
            print("golden record: \"\(key)\": \"\(got)\",")
            return
        }
        let expected = try #require(records[key], "no golden record for \(key)")
        #expect(got == expected, "\(name): output changed (\(got), recorded \(expected))")
    }

    /// machine key | case → "N frames digest". Recorded at 8d86da1 (before issue #27's restructuring), the real
    /// engine twice with the environment's OPENBLAS_CORETYPE and twice without it (the same digests), on the
    /// 2-vCPU AMD EPYC development machine.
    static let records: [String: String] = [
        "real:happyhorse-builtin|Haswell|AMD EPYC|two-clips-rgb": "20 frames 8a7ca6539341524d",
        "real:happyhorse-builtin|Haswell|AMD EPYC|i420-scaled": "8 frames 786d9c0ca3ca6fc0",
        "real:happyhorse-builtin|Haswell|AMD EPYC|nv12-steps-guidance": "8 frames e6ed1b97458f8eba",
        "real:happyhorse-builtin|Haswell|AMD EPYC|offset-bgra": "5 frames 8dd33b466e5168e8",
        "real:happyhorse-builtin|Haswell|AMD EPYC|live": "24 frames f9685f9f9af8d6c7",
        "pattern|two-clips-rgb": "20 frames 190fc4a30f09b33a",
        "pattern|i420-scaled": "8 frames 986768392f97283c",
        "pattern|nv12-steps-guidance": "8 frames b8b4653f2f86cf77",
        "pattern|offset-bgra": "5 frames c2e608b8eeee0055",
        "pattern|live": "24 frames a091e37e3b0a82ad",
    ]
}
