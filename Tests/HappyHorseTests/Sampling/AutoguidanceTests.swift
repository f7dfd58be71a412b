import XCTest
@testable import HappyHorse

final class AutoguidanceTests: XCTestCase {
    /// Goldens from the Python twin (tools/reference/sampler.py `autoguidance_combine`):
    ///   PYTHONPATH=tools python3 -c "from reference.pipeline import NoiseGenerator as N;
    ///   from reference.sampler import autoguidance_combine as ag; v=N(5).normal_tensor((3,2,1,2));
    ///   g=N(6).normal_tensor((3,2,1,2)); g[:,0]=v[:,0]+0.05*g[:,0]; print(ag(g,v,3.0,0.4,0).flatten().tolist())"
    /// (latent frame 0 agrees with the guide to 0.05, frame 1 does not); audio [2, 3] from seeds 8 and 9, w 2.5, λ 0.7.
    func testGoldenValues() {
        let model = Tensor(shape: [3, 2, 1, 2], storage: [
            -1.2635341882705688, -0.9435133337974548, 0.4036991000175476, -0.8366528749465942, 0.2473224401473999,
            -1.12221360206604, 0.42183420062065125, -1.0921772718429565, -1.0441895723342896, 0.9689810276031494,
            -0.0002012159675359726, 0.05432218313217163])
        let guide = Tensor(shape: [3, 2, 1, 2], storage: [
            -1.229688286781311, -0.9569518566131592, 0.3199792504310608, 0.39490556716918945, 0.3349669277667999,
            -1.0965062379837036, 0.9206961393356323, -2.3118410110473633, -1.0311068296432495, 0.9639827013015747,
            -0.23572884500026703, 1.5695512294769287])
        let want: [Float] = [
            -1.2635579109191895, -0.9435132741928101, 0.45328405499458313, -3.279733180999756, 0.24726085364818573,
            -1.1222137212753296, 0.1263720989227295, 1.327306866645813, -1.044198751449585, 0.9689810872077942,
            0.1392952799797058, -2.951483726501465]
        let got = Autoguidance.combine(model: model, guide: guide, scale: 3, threshold: 0.4)
        XCTAssertEqual(got.shape, [3, 2, 1, 2])
        for (i, (g, w)) in zip(got.storage, want).enumerated() { XCTAssertEqual(g, w, accuracy: 1e-5, "video \(i)") }

        let audio = Tensor(shape: [2, 3], storage: [-0.4969036281108856, -0.3840145766735077, 0.9501636028289795,
                                                    -0.35239243507385254, 0.241280660033226, 1.3397932052612305])
        let audioGuide = Tensor(shape: [2, 3], storage: [-0.032304659485816956, 3.451988458633423, -0.2182011753320694,
                                                         -1.9988255500793457, -0.014288635924458504, -0.4065558612346649])
        let wantAudio: [Float] = [-1.1881769895553589, -6.091574668884277, 2.6885647773742676, 1.9694302082061768,
                                  0.601688027381897, 3.802518606185913]
        let gotAudio = Autoguidance.combine(model: audio, guide: audioGuide, scale: 2.5, threshold: 0.7)
        for (i, (g, w)) in zip(gotAudio.storage, wantAudio).enumerated() { XCTAssertEqual(g, w, accuracy: 1e-5, "audio \(i)") }
    }

    /// Threshold 0 is plain autoguidance, the CFG formula with the guide as the unconditional branch; scale 1 is
    /// the model's own velocity.
    func testUngatedIsGuidanceFormula() {
        var g = NoiseGenerator(seed: 11)
        let model = g.normalTensor(shape: [4, 3, 2, 2]), guide = g.normalTensor(shape: [4, 3, 2, 2])
        let plain = Autoguidance.combine(model: model, guide: guide, scale: 3, threshold: 0)
        let cfg = Samplers.cfgCombine(uncond: guide, cond: model, scale: 3)
        for i in 0..<plain.count { XCTAssertEqual(plain.storage[i], cfg.storage[i], accuracy: 1e-5, "element \(i)") }
        XCTAssertEqual(Autoguidance.combine(model: model, guide: guide, scale: 1, threshold: 0.4).storage, model.storage)
    }

    /// What the gate is for: a latent pixel where the two models agree to well below λ keeps the model's velocity
    /// (to a tiny fraction of the disagreement), one where they disagree by well above λ gets the full guidance,
    /// each latent pixel deciding on its own (over all its channels).
    func testGateSeparatesAgreementFromDisagreement() {
        let (channels, frames) = (16, 2)
        var g = NoiseGenerator(seed: 4)
        let model = g.normalTensor(shape: [channels, frames, 1, 2])
        let noise = g.normalTensor(shape: [channels, frames, 1, 2])
        var guide = model
        for c in 0..<channels {
            for t in 0..<frames {
                let base = (c * frames + t) * 2
                guide.storage[base] += 0.05 * noise.storage[base]  // pixel 0 agrees (r ≈ 0.05 ≪ λ 0.5)
                guide.storage[base + 1] += 2 * noise.storage[base + 1]  // pixel 1 disagrees (r ≈ 2 ≫ λ)
            }
        }
        let got = Autoguidance.combine(model: model, guide: guide, scale: 3, threshold: 0.5)
        let full = Samplers.cfgCombine(uncond: guide, cond: model, scale: 3)
        for c in 0..<channels {
            for t in 0..<frames {
                let base = (c * frames + t) * 2
                XCTAssertEqual(got.storage[base], model.storage[base], accuracy: 0.001, "agreeing pixel, c \(c) t \(t)")
                XCTAssertEqual(got.storage[base + 1], full.storage[base + 1], accuracy: 0.05, "disagreeing pixel, c \(c) t \(t)")
            }
        }
    }
}
