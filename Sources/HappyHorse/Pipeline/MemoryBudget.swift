import Foundation

// Checks, before any weight is loaded, that a model fits in the memory the process can still get: the weight
// bytes named by the safetensors headers (mapped, and resident once generation touches them) plus a margin for
// working buffers, against MemAvailable (/proc/meminfo) and, when lower, the cgroup v2 limit left
// (memory.max − memory.current). A model that does not fit is HappyHorseError.outOfMemory saying how much it
// needs, instead of an allocation failure or the OOM killer later.

public enum MemoryBudget {
    /// Working memory added to the weight bytes (activations, scratch, frames): 10 % of the weights + 64 MiB.
    public static func estimate(weightBytes: Int) -> Int {
        let (sum, overflow) = weightBytes.addingReportingOverflow(weightBytes / 10 + (64 << 20))
        return overflow ? Int.max : sum
    }

    /// Bytes of memory the process can still obtain; nil when the system does not say (no /proc).
    public static func availableBytes() -> Int? {
        var best: Int? = nil
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kib = Int(fields[1]) { best = kib * 1024 }
            }
        }
        if let limit = cgroupBytesLeft() { best = min(best ?? limit, limit) }
        return best
    }

    /// memory.max − memory.current of this process's cgroup (v2); nil when unlimited or unknown.
    static func cgroupBytesLeft() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let dir = "/sys/fs/cgroup" + line.dropFirst(3)
        func read(_ name: String) -> Int? {
            (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8))
                .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let max = read("memory.max"), let current = read("memory.current") else { return nil }
        return Swift.max(0, max - current)
    }

    /// Data bytes of the safetensors files of a model directory, from their headers only (nothing is read).
    /// Files that cannot be opened count 0 here: the loaders report them with their own, precise errors.
    public static func weightBytes(_ dir: ModelDirectory) -> Int {
        var urls = [dir.file(dir.dit.weights ?? "dit.safetensors"), dir.file(dir.textEncoder.weights), dir.file(dir.vae.weights)]
        if let a = dir.pipeline.activeAutoguidance {  // the guide's DiT and text encoder are loaded too
            urls += [dir.file(a.ditWeights), dir.file(a.textEncoderWeights)]
        }
        var total = 0
        for url in urls {
            guard let checkpoint = try? SafeTensorsCheckpoint(url: url) else { continue }
            let (sum, overflow) = total.addingReportingOverflow(checkpoint.totalDataBytes)
            total = overflow ? Int.max : sum
        }
        return total
    }

    /// Throws `.outOfMemory` when the model of `dir` needs more than `available` bytes (default: what the system
    /// reports; no check when it reports nothing).
    public static func check(_ dir: ModelDirectory, available: Int? = availableBytes()) throws {
        guard let available else { return }
        let weights = weightBytes(dir)
        let needed = estimate(weightBytes: weights)
        guard needed <= available else {
            throw HappyHorseError.outOfMemory(
                what: "model '\(dir.name)' (\(weights / (1 << 20)) MiB of weights in \(dir.url.path) + working memory)",
                neededBytes: needed, availableBytes: available)
        }
    }
}
