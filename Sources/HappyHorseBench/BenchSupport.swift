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

    /// CPU seconds used by the whole process (all threads).
    static func processCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Median wall time and median process CPU time (seconds) per run. On this shared VM the CPU time shows what
    /// the work costs when it runs; wall time is what a user waits (it grows when other processes take the cores).
    static func medians(repeats: Int = 5, minimumSeconds: Double = 0.5, _ body: () throws -> Void) rethrows
        -> (wall: Double, cpu: Double) {
        try body()
        var walls: [Double] = [], cpus: [Double] = []
        let start = now()
        while walls.count < repeats || (now() - start < minimumSeconds && walls.count < 200) {
            let w0 = now(), c0 = processCPUTime()
            try body()
            walls.append(now() - w0)
            cpus.append(processCPUTime() - c0)
        }
        walls.sort()
        cpus.sort()
        return (walls[walls.count / 2], cpus[cpus.count / 2])
    }

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
