import Foundation
import HappyHorse

// `happyhorse-bench dit [--threads N] [--repeats R] [--quick] [--only builtin|1024x8] [--no-torch] [--python python3]
//                       [--repo DIR]`   (run from the repository root, or pass --repo, so tools/reference is found)
//
// ms of one DiT forward (spec 2) for: a 1024-wide 8-layer config at ≈1k and ≈4k tokens, and the built-in config
// (docs/design.md) at ≈300 tokens. Random weights are written to a temporary safetensors file (MagiHuman keys);
// the same file and inputs are then timed in PyTorch (tools/reference/bench_dit.py, subprocess, same thread count)
// in the same run, and the table prints Swift ms, torch ms, their ratio and the relative difference of the outputs.

private struct DiTBenchCase {
    var name: String
    var config: DiTConfiguration
    /// latent frames T, latent h, w, audio length A, text length L
    var t: Int, h: Int, w: Int, a: Int, l: Int

    var tokens: Int { t * (h / 2) * (w / 2) + a + l }
}

private enum DiTBenchSupport {
    /// SwiGLU7 width rule of spec 2.1: int(H·4·2/3)//4·4.
    static func swigluWidth(_ hidden: Int) -> Int { Int(Double(hidden) * 4 * 2 / 3) / 4 * 4 }

    static let wide = DiTConfiguration(
        hiddenSize: 1024, numLayers: 8, numHeadsQ: 16, numHeadsKV: 4, headDim: 64, mmLayers: [0, 1, 6, 7],
        gelu7Layers: [0, 1], videoInChannels: 64, audioInChannels: 16, textInChannels: 128,
        gelu7IntermediateSize: 4096, swiglu7IntermediateSize: swigluWidth(1024), latentChannels: 16)

    static func cases(quick: Bool, only: String?) -> [DiTBenchCase] {
        all(quick: quick).filter { only == nil || $0.name.hasPrefix(only!) }
    }

    static func all(quick: Bool) -> [DiTBenchCase] {
        var out = [
            // built-in: one 4-latent-frame chunk at 256×256 (16×16 latent → 64 tokens/frame), no audio, 44 text tokens
            DiTBenchCase(name: "builtin ~300 tok", config: .builtin, t: 4, h: 16, w: 16, a: 0, l: 44),
            // 1024-wide: T=14 (896 video tokens) + A=53 (T = (A−1)/4+1) + L=75 = 1024 tokens
            DiTBenchCase(name: "1024x8 1k tok", config: wide, t: 14, h: 16, w: 16, a: 53, l: 75),
        ]
        if !quick {
            // T=59 (3776) + A=233 + L=87 = 4096 tokens
            out.append(DiTBenchCase(name: "1024x8 4k tok", config: wide, t: 59, h: 16, w: 16, a: 233, l: 87))
        }
        return out
    }

    /// Deterministic uniform filler in [-scale, scale).
    static func random(_ count: Int, seed: UInt64, scale: Float) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    /// Every tensor of the config under its MagiHuman key: matrices U(±1/√fan_in), vectors U(±0.1), true bands.
    static func writeWeights(_ c: DiTConfiguration, to url: URL) throws {
        var writer = SafeTensorsWriter()
        var seed: UInt64 = 1
        func matrix(_ key: String, _ rows: Int, _ cols: Int) {
            seed += 1
            writer.add(key, Tensor(shape: [rows, cols], storage: random(rows * cols, seed: seed, scale: 1 / Float(cols).squareRoot())))
        }
        func vector(_ key: String, _ n: Int) {
            seed += 1
            writer.add(key, Tensor(shape: [n], storage: random(n, seed: seed, scale: 0.1)))
        }
        let h = c.hiddenSize
        matrix("adapter.video_embedder.weight", h, c.videoInChannels); vector("adapter.video_embedder.bias", h)
        matrix("adapter.audio_embedder.weight", h, c.audioInChannels); vector("adapter.audio_embedder.bias", h)
        matrix("adapter.text_embedder.weight", h, c.textInChannels); vector("adapter.text_embedder.bias", h)
        let bands = (0..<c.ropeBands).map { Float(pow(c.ropeTheta, -Double($0) / Double(c.ropeBands))) }
        writer.add("adapter.rope.bands", Tensor(shape: [c.ropeBands], storage: bands))
        for i in 0..<c.numLayers {
            let p = "block.layers.\(i).", e = c.experts(layer: i)
            vector(p + "attention.pre_norm.weight", e * h)
            matrix(p + "attention.linear_qkv.weight", e * c.qkvWidth, h)
            vector(p + "attention.q_norm.weight", e * c.headDim)
            vector(p + "attention.k_norm.weight", e * c.headDim)
            matrix(p + "attention.linear_proj.weight", e * h, c.queryWidth)
            vector(p + "mlp.pre_norm.weight", e * h)
            matrix(p + "mlp.up_gate_proj.weight", e * c.upRows(layer: i), h)
            matrix(p + "mlp.down_proj.weight", e * h, c.intermediateSize(layer: i))
        }
        vector("final_norm_video.weight", h); vector("final_norm_audio.weight", h)
        matrix("final_linear_video.weight", c.videoInChannels, h)
        matrix("final_linear_audio.weight", c.audioInChannels, h)
        try writer.write(to: url)
    }

    /// The `dit` section as JSON (snake_case keys), for the torch side.
    static func writeConfig(_ c: DiTConfiguration, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(c).write(to: url)
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    static func option(_ name: String, _ args: [String]) -> String? {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.count == b.count else { return .infinity }
        var diff: Float = 0, scale: Float = 0
        for i in 0..<a.count {
            diff = max(diff, abs(a.storage[i] - b.storage[i]))
            scale = max(scale, abs(b.storage[i]))
        }
        return scale == 0 ? diff : diff / scale
    }

    /// Runs tools/reference/bench_dit.py; returns (median ms, torch output video) or nil with a printed reason.
    static func torchForward(python: String, repo: URL, dir: URL, threads: Int, repeats: Int) -> (Double, Tensor)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let output = dir.appendingPathComponent("torch_out.safetensors")
        process.arguments = [python, "-m", "reference.bench_dit", "--config", dir.appendingPathComponent("config.json").path,
                             "--weights", dir.appendingPathComponent("dit.safetensors").path,
                             "--inputs", dir.appendingPathComponent("inputs.safetensors").path,
                             "--threads", "\(threads)", "--repeats", "\(repeats)", "--output", output.path]
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = repo.appendingPathComponent("tools").path
        env["OMP_NUM_THREADS"] = "\(threads)"
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            print("# torch: cannot start \(python): \(error)")
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
              let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let ms = json["ms_median"] as? Double,
              let file = try? SafeTensorsFile(path: output.path), let video = try? file.tensor("out.video") else {
            print("# torch: bench_dit.py failed (status \(process.terminationStatus))")
            return nil
        }
        return (ms, video)
    }
}

func runDiTBenchmark(_ args: [String]) throws {
    let threads = Int(DiTBenchSupport.option("--threads", args) ?? "") ?? 2
    let repeats = Int(DiTBenchSupport.option("--repeats", args) ?? "") ?? 3
    let quick = args.contains("--quick"), useTorch = !args.contains("--no-torch")
    let python = DiTBenchSupport.option("--python", args) ?? "python3"
    let repo = URL(fileURLWithPath: DiTBenchSupport.option("--repo", args) ?? FileManager.default.currentDirectoryPath)
    let report = Runtime.configure(threads: threads) { print("# \($0)") }
    print("# happyhorse-bench dit  date \(ISO8601DateFormatter().string(from: Date()))  threads \(threads)  repeats \(repeats)")
    print("# OpenBLAS core \(report.coreName); loadavg at start \(DiTBenchSupport.loadAverage())")
    print("| case | tokens | params | Swift ms | torch ms | Swift/torch | out rel diff |")
    print("|---|---|---|---|---|---|---|")
    for benchCase in DiTBenchSupport.cases(quick: quick, only: DiTBenchSupport.option("--only", args)) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hh-ditbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let keep = ProcessInfo.processInfo.environment["HH_DITBENCH_KEEP"] != nil  // keep the files for debugging
        defer { if !keep { try? FileManager.default.removeItem(at: dir) } else { print("# kept \(dir.path)") } }
        let c = benchCase.config
        let weightsURL = dir.appendingPathComponent("dit.safetensors")
        try DiTBenchSupport.writeWeights(c, to: weightsURL)
        try DiTBenchSupport.writeConfig(c, to: dir.appendingPathComponent("config.json"))
        let video = Tensor(shape: [c.latentChannels, benchCase.t, benchCase.h, benchCase.w],
                           storage: DiTBenchSupport.random(c.latentChannels * benchCase.t * benchCase.h * benchCase.w, seed: 101, scale: 1.7))
        let audio = Tensor(shape: [benchCase.a, c.audioInChannels],
                           storage: DiTBenchSupport.random(benchCase.a * c.audioInChannels, seed: 102, scale: 1.7))
        let text = Tensor(shape: [benchCase.l, c.textInChannels],
                          storage: DiTBenchSupport.random(benchCase.l * c.textInChannels, seed: 103, scale: 1.7))
        var inputs = SafeTensorsWriter()
        inputs.add("in.video", video); inputs.add("in.audio", audio); inputs.add("in.text", text)
        try inputs.write(to: dir.appendingPathComponent("inputs.safetensors"))
        let params = (try SafeTensorsCheckpoint(url: weightsURL)).totalDataBytes / 4

        let dit = try DiT(config: c, checkpoint: weightsURL, residency: .dense)
        var out = try dit.forward(video: video, audio: audio, text: text)  // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DiTBenchSupport.now()
            out = try dit.forward(video: video, audio: audio, text: text)
            times.append((DiTBenchSupport.now() - t0) * 1e3)
        }
        let swiftMs = times.sorted()[times.count / 2]
        var torchText = "-", ratioText = "-", diffText = "-"
        if useTorch, let (torchMs, torchVideo) = DiTBenchSupport.torchForward(python: python, repo: repo, dir: dir, threads: threads, repeats: repeats) {
            torchText = String(format: "%.1f", torchMs)
            ratioText = String(format: "%.2f", swiftMs / torchMs)
            diffText = String(format: "%.1e", DiTBenchSupport.relativeError(out.video, torchVideo))
        }
        print("| \(benchCase.name) | \(benchCase.tokens) | \(String(format: "%.1fM", Double(params) / 1e6)) | "
              + "\(String(format: "%.1f", swiftMs)) | \(torchText) | \(ratioText) | \(diffText) |")
    }
    print("# loadavg at end \(DiTBenchSupport.loadAverage())")
}
