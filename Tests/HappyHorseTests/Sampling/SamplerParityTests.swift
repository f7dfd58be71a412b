import Foundation
import XCTest
@testable import HappyHorse

/// The samplers driven by the Swift DiT reproduce the reference's latents (tools/reference/sampler.py run by
/// dump_dit.py on the same model) given the same injected noise: distilled, Euler, and UniPC bh2 with CFG; every
/// per-step state within relative 1e-4
/// (max|a−b| / max|b|, see DiTParityTests).
final class SamplerParityTests: XCTestCase {
    private func run(_ name: String) throws {
        let model = try DiTParityTests.loadModel(name)
        let dir = DiTParityTests.caseDirectory(name)
        let forward = try SafeTensorsFile(path: dir.appendingPathComponent("forward.safetensors").path)
        let dump = try SafeTensorsFile(path: dir.appendingPathComponent("sampler.safetensors").path)
        let text = try forward.tensor("in.text")
        let initial = Latents(video: try dump.tensor("init.video"), audio: try dump.tensor("init.audio"))
        let denoise: DenoiseFunction = { x, _, _ in
            let out = try model.forward(video: x.video, audio: x.audio, text: text)
            return Latents(video: out.video, audio: out.audio)
        }
        var worst: Float = 0
        func compare(_ prefix: String, _ i: Int, _ x: Latents) throws {
            for (part, mine) in [("video", x.video), ("audio", x.audio)] {
                let reference = try dump.tensor("\(prefix).\(i).\(part)")
                XCTAssertEqual(mine.shape, reference.shape)
                let e = DiTParityTests.relativeError(mine, reference)
                worst = max(worst, e)
                XCTAssertLessThanOrEqual(e, DiTParityTests.tolerance, "\(name) \(prefix) step \(i) \(part)")
            }
        }

        // distilled, 8 steps shift 5, one conditioning frame
        let sigmas = try dump.tensor("sigmas.distilled").storage.map(Double.init)
        for (a, b) in zip(sigmas, Sigmas.shifted(steps: 8, shift: 5)) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let distilledSigmas = Sigmas.shifted(steps: 8, shift: 5)
        var steps = 0
        let final = try Samplers.distilled(
            initial: initial, sigmas: distilledSigmas, conditioning: try dump.tensor("cond.video"),
            stepNoise: { i in Latents(video: try dump.tensor("noise.\(i).video"), audio: try dump.tensor("noise.\(i).audio")) },
            denoise: denoise, onStep: { i, x in steps += 1; try compare("distilled", i, x) })
        XCTAssertEqual(steps, 8)
        XCTAssertLessThanOrEqual(DiTParityTests.relativeError(final.video, try dump.tensor("final.distilled.video")), DiTParityTests.tolerance)

        // the generation API with the same injected noise gives the same final latents
        let noise = try (0..<7).map { i in
            Latents(video: try dump.tensor("noise.\(i).video"), audio: try dump.tensor("noise.\(i).audio"))
        }
        let request = LatentGenerationRequest(
            text: text, audioLength: initial.audio.shape[0], latentFrames: initial.video.shape[1],
            latentHeight: initial.video.shape[2], latentWidth: initial.video.shape[3], sampler: .distilled,
            sigmas: distilledSigmas, conditioningFrames: try dump.tensor("cond.video"))
        if request.audioLength == 0 || request.latentFrames == LatentGeneration.latentFrames(audioLength: request.audioLength) {
            let generated = try LatentGeneration.generate(dit: model, request: request, noise: .injected(initial: initial, steps: noise))
            XCTAssertLessThanOrEqual(DiTParityTests.relativeError(generated.video, try dump.tensor("final.distilled.video")),
                                     DiTParityTests.tolerance)
            XCTAssertLessThanOrEqual(DiTParityTests.relativeError(generated.audio, try dump.tensor("final.distilled.audio")),
                                     DiTParityTests.tolerance)
        }

        // Euler, 6 steps shift 3, no conditioning
        let euler = Sigmas.shifted(steps: 6, shift: 3)
        for (a, b) in zip(try dump.tensor("sigmas.euler").storage, euler) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        _ = try Samplers.euler(initial: initial, sigmas: euler, denoise: denoise, onStep: { i, x in try compare("euler", i, x) })
        // UniPC bh2, 8 steps shift 5, CFG with the negative text (spec 3.3 scales), one conditioning frame
        let negative = try dump.tensor("neg.text")
        let guided: DenoiseFunction = { x, _, sigma in
            let c = try model.forward(video: x.video, audio: x.audio, text: text)
            let u = try model.forward(video: x.video, audio: x.audio, text: negative)
            let scales = Samplers.magiGuidance(sigma: sigma)
            return Latents(video: Samplers.cfgCombine(uncond: u.video, cond: c.video, scale: scales.video),
                           audio: Samplers.cfgCombine(uncond: u.audio, cond: c.audio, scale: scales.audio))
        }
        let unipc = try Samplers.uniPC(initial: initial, sigmas: distilledSigmas, conditioning: try dump.tensor("cond.video"),
                                       denoise: guided, onStep: { i, x in try compare("unipc", i, x) })
        XCTAssertLessThanOrEqual(DiTParityTests.relativeError(unipc.video, try dump.tensor("final.unipc.video")), DiTParityTests.tolerance)
        // the same through the generation API (no step noise for UniPC)
        var unipcRequest = request
        unipcRequest.sampler = .uniPC
        unipcRequest.negativeText = negative
        unipcRequest.guidanceSchedule = { Samplers.magiGuidance(sigma: $0) }
        if request.audioLength == 0 || request.latentFrames == LatentGeneration.latentFrames(audioLength: request.audioLength) {
            let generated = try LatentGeneration.generate(dit: model, request: unipcRequest, noise: .injected(initial: initial, steps: []))
            XCTAssertLessThanOrEqual(DiTParityTests.relativeError(generated.video, try dump.tensor("final.unipc.video")),
                                     DiTParityTests.tolerance)
        }
        print("sampler parity \(name): worst relative error over all steps \(worst)")
    }

    func testDistilledAndEulerWithAudio() throws { try run("h64_222_v2") }
    func testDistilledAndEulerWithoutAudio() throws { try run("h64_121_noaudio") }
}
