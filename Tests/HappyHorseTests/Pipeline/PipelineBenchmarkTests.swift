import Foundation
import XCTest
@testable import HappyHorse

/// Wall time of a generation per stage; skipped unless HH_BENCH_MODEL_DIR names a model directory, e.g.
///   HH_BENCH_MODEL_DIR=models/builtin swift test --filter PipelineBenchmarkTests
/// (a random model at the built-in sizes: `PYTHONPATH=tools python3 -m reference.dump_pipeline --random-builtin-sized DIR`).
/// HH_BENCH_DURATION (seconds, default 5), HH_BENCH_THREADS (default all cores), HH_BENCH_GUIDANCE (default 0 = the
/// model's default guidance) and HH_BENCH_REPEATS (default 3; the median total is printed last) tune it.
final class PipelineBenchmarkTests: XCTestCase {
    func testGenerationTimings() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["HH_BENCH_MODEL_DIR"] else { throw XCTSkip("set HH_BENCH_MODEL_DIR to run") }
        let duration = Double(env["HH_BENCH_DURATION"] ?? "") ?? 5
        let threads = Int(env["HH_BENCH_THREADS"] ?? "") ?? 0
        let guidance = Float(env["HH_BENCH_GUIDANCE"] ?? "") ?? 0
        let repeats = max(1, Int(env["HH_BENCH_REPEATS"] ?? "") ?? 3)
        let loadStart = Date()
        let pipeline = try TextToVideoPipeline(modelDirectory: URL(fileURLWithPath: path), threads: threads) { print($0) }
        print(String(format: "load: %.2f s", Date().timeIntervalSince(loadStart)))
        var totals: [Double] = []
        for _ in 0..<repeats {
            let stream = try pipeline.startGeneration(
                GenerationRequest(prompt: "a chestnut horse gallops to the left on a snowy field at dusk", seed: 42,
                                  guidanceScale: guidance, durationSeconds: duration),
                cancellation: CancellationToken(), progress: { _ in })
            let frames = try PipelineTestSupport.frames(stream)
            let t = try XCTUnwrap(stream as? ClipGenerationStream).timings
            totals.append(t.total)
            print(String(format: "%d frames %dx%d: total %.2f s, real-time factor %.2f; prompt %.3f s, denoising %.2f s "
                         + "(%.2f CPU-s), decoding %.2f s (%.2f CPU-s), first frame %.2f s", frames.count,
                         pipeline.nativeFormat.width, pipeline.nativeFormat.height, t.total, t.total / duration,
                         t.encodingPrompt, t.denoising, t.denoisingCPU, t.decoding, t.decodingCPU, t.firstFrame ?? 0))
        }
        let median = totals.sorted()[totals.count / 2]
        print(String(format: "median of %d: total %.2f s, real-time factor %.2f", repeats, median, median / duration))
    }
}

/// Decoder time per block for one chunk of 3 new latent frames (+1 context) at the model's size; same gate.
final class VideoDecoderBenchmarkTests: XCTestCase {
    func testDecoderBlockTimings() throws {
        guard let path = ProcessInfo.processInfo.environment["HH_BENCH_MODEL_DIR"] else { throw XCTSkip("set HH_BENCH_MODEL_DIR to run") }
        let dir = try ModelDirectory(url: URL(fileURLWithPath: path))
        Runtime.configure(threads: Int(ProcessInfo.processInfo.environment["HH_BENCH_THREADS"] ?? "") ?? 0)
        let decoder = try VideoDecoder(configuration: dir.vae, url: dir.file(dir.vae.weights))
        let cell = dir.vae.spatialFactor
        var rng = NoiseGenerator(seed: 1)
        let z = rng.normalTensor(shape: [dir.vae.latentChannels, 4, dir.pipeline.height / cell, dir.pipeline.width / cell])
        // CPU time of the process (all threads): less sensitive to other load on the machine than wall time.
        func cpu() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }
        for run in 0..<3 {
            var (last, lastCPU) = (Date(), cpu())
            var lines: [String] = []
            let (start, startCPU) = (last, lastCPU)
            _ = try decoder(z, firstChunk: false) { name, value in
                let (now, nowCPU) = (Date(), cpu())
                lines.append(String(format: "  %-26@ %7.1f ms wall %7.1f ms cpu  %@", name as NSString,
                                    now.timeIntervalSince(last) * 1000, (nowCPU - lastCPU) * 1000, "\(value.shape)"))
                (last, lastCPU) = (now, nowCPU)
            }
            print(String(format: "run %d: decode of 4 latent frames (16 pixel frames): %.0f ms wall, %.0f ms cpu", run,
                         Date().timeIntervalSince(start) * 1000, (cpu() - startCPU) * 1000))
            if run == 2 { print(lines.joined(separator: "\n")) }
        }
    }
}
