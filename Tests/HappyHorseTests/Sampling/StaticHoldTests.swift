import XCTest
@testable import HappyHorse

final class StaticHoldTests: XCTestCase {
    /// Goldens from the Python twin (tools/reference/pipeline.py `static_hold`):
    ///   PYTHONPATH=tools python3 -c "import torch; from reference.pipeline import NoiseGenerator as N, static_hold as h;
    ///   x=N(7).normal_tensor((3,4,1,2)); x[:,2]+=torch.tensor([2.0,-1.0,0.5]).view(3,1,1)*torch.tensor([[1.0,0.0]]);
    ///   print(x.flatten().tolist()); print(h(x,1.5).flatten().tolist())"
    func testGoldenValues() {
        let x = Tensor(shape: [3, 4, 1, 2], storage: [
            -0.15157274901866913, 0.8298971056938171, 0.587099552154541, -0.0700574666261673, 2.0944719314575195,
            -0.0971522331237793, 1.8752974271774292, 1.4440109729766846, 0.7792013883590698, 1.0986261367797852,
            -0.12600766122341156, -1.1006523370742798, -0.7399952411651611, -0.2415582686662674, -1.1700849533081055,
            -0.47076213359832764, -1.6122310161590576, 0.34701767563819885, 1.2854163646697998, 1.4342609643936157,
            -0.590922474861145, -1.528754472732544, -0.17446495592594147, 0.8821189999580383])
        let want: [Float] = [
            -0.15157274901866913, 0.8298971056938171, 0.3481476902961731, 0.37469467520713806, 0.9271115064620972,
            0.16034436225891113, 1.0048717260360718, 0.36674410104751587, 0.7792013883590698, 1.0986261367797852,
            0.16681689023971558, -0.013782143592834473, -0.13382107019424438, -0.11725613474845886, -0.2188045233488083,
            -0.17409609258174896, -1.6122310161590576, 0.34701767563819885, 0.34806132316589355, 0.8969519138336182,
            0.03675737977027893, -0.20499646663665771, 0.019435148686170578, -0.03020000457763672]
        let held = StaticHold.apply(x, threshold: 1.5)
        XCTAssertEqual(held.shape, [3, 4, 1, 2])
        for (i, (got, w)) in zip(held.storage, want).enumerated() {
            XCTAssertEqual(got, w, accuracy: 1e-6, "element \(i)")
        }
    }

    /// Threshold 0 is off; frame 0 is never changed.
    func testOffAndFirstFrame() {
        var g = NoiseGenerator(seed: 3)
        let x = g.normalTensor(shape: [4, 3, 2, 2])
        XCTAssertEqual(StaticHold.apply(x, threshold: 0).storage, x.storage)
        let held = StaticHold.apply(x, threshold: 2)
        for c in 0..<4 {
            XCTAssertEqual(Array(held.storage[c * 12..<c * 12 + 4]), Array(x.storage[c * 12..<c * 12 + 4]), "channel \(c)")
        }
    }

    /// What it is for: jitter well below τ on a still latent pixel is held (the pixel stays within a small fraction
    /// of the jitter of its first value), a change well above τ passes almost whole, and each latent pixel decides
    /// on its own.
    func testHoldsJitterAndPassesMotion() {
        let (channels, frames) = (16, 6)
        var g = NoiseGenerator(seed: 21)
        let jitter = g.normalTensor(shape: [channels, frames, 1, 2])
        var x = Tensor(shape: [channels, frames, 1, 2])
        for c in 0..<channels {
            for t in 0..<frames {
                let base = (c * frames + t) * 2
                x.storage[base] = 0.02 * jitter.storage[base]  // pixel 0: a still background, jitter 0.02 ≪ τ
                x.storage[base + 1] = Float(t) * 1.0 + 0.02 * jitter.storage[base + 1]  // pixel 1: moves 1.0 ≫ τ per frame
            }
        }
        let held = StaticHold.apply(x, threshold: 0.3)
        for c in 0..<channels {
            for t in 1..<frames {
                let base = (c * frames + t) * 2
                XCTAssertEqual(held.storage[base], x.storage[c * frames * 2], accuracy: 0.002, "still pixel, c \(c) t \(t)")
                XCTAssertEqual(held.storage[base + 1], x.storage[base + 1], accuracy: 0.1, "moving pixel, c \(c) t \(t)")
            }
        }
    }
}
