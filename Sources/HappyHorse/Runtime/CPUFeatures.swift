import Foundation

/// The x86 SIMD features that decide which OpenBLAS kernels to use, read from the kernel's view of CPUID
/// (the `flags` line of /proc/cpuinfo on Linux, which also drops features the OS does not enable).
public struct CPUFeatures: Sendable, Equatable {
    public var flags: Set<String>

    public init(flags: Set<String>) { self.flags = flags }

    /// This machine's features; empty where /proc/cpuinfo is not readable (non-Linux, sandbox).
    public static let current: CPUFeatures = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            return CPUFeatures(flags: [])
        }
        return parse(cpuinfo: text)
    }()

    /// Parses the first `flags : ...` line of /proc/cpuinfo text.
    public static func parse(cpuinfo text: String) -> CPUFeatures {
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let words = line[line.index(after: colon)...].split(separator: " ").map(String.init)
            return CPUFeatures(flags: Set(words))
        }
        return CPUFeatures(flags: [])
    }

    public var hasAVX512SkylakeX: Bool { ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) }
    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }
}
