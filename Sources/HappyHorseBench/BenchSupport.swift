import Foundation
import HappyHorse

/// Timing helpers shared by the benchmark subcommands.
enum Bench {
    /// Median wall time (seconds) of `body` over at least `repeats` runs and `minimumSeconds`, after one warm-up.
    static func median(repeats: Int = 5, minimumSeconds: Double = 0.5, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        let start = now()
        while times.count < repeats || (now() - start < minimumSeconds && times.count < 200) {
            let t0 = now()
            try body()
            times.append(now() - t0)
        }
        times.sort()
        return times[times.count / 2]
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "unavailable"
    }

    /// Parses `--name value`.
    static func option(_ name: String, in args: [String]) -> String? {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    /// Deterministic filler in [-1, 1).
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed | 1
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values[i] = Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        return Tensor(shape: shape, storage: values)
    }
}
