import XCTest
@testable import HappyHorse

final class SigmasTests: XCTestCase {
    /// Spec 3.2: 8 steps, shift 5.
    func testDistilledSchedule() {
        let expected = [0.999800, 0.972006, 0.937265, 0.892602, 0.833055, 0.749700, 0.624687, 0.416389, 0]
        let sigmas = Sigmas.shifted(steps: 8, shift: 5)
        XCTAssertEqual(sigmas.count, 9)
        for (a, b) in zip(sigmas, expected) { XCTAssertEqual(a, b, accuracy: 5e-7) }
        XCTAssertEqual(sigmas.dropLast().map(Sigmas.timestep), [999, 972, 937, 892, 833, 749, 624, 416])
    }

    /// Spec 3.3 (first and last of the 32-step base schedule) and 3.4 (SR, 5 steps).
    func testBaseAndSRSchedules() {
        let base = Sigmas.shifted(steps: 32, shift: 5)
        XCTAssertEqual(base[1], 0.993386, accuracy: 5e-7)
        XCTAssertEqual(base[31], 0.138765, accuracy: 5e-7)
        let sr = Sigmas.shifted(steps: 5, shift: 5)
        for (a, b) in zip(sr, [0.9998, 0.952154, 0.882093, 0.768935, 0.555247, 0]) { XCTAssertEqual(a, b, accuracy: 5e-7) }
    }

    func testExplicitScheduleValidation() {
        XCTAssertNoThrow(try Sigmas.validate([0.9, 0.5, 0]))
        for bad in [[0.5], [0.9, 0.95, 0], [1.5, 0], [0.9, 0.1], [Double.nan, 0]] {
            XCTAssertThrowsError(try Sigmas.validate(bad), "\(bad)")
        }
    }
}

final class UniPCTests: XCTestCase {
    /// With a denoiser that knows x0 exactly (v = ε − x0 on the straight path), every step lands on the path and the
    /// result is x0 — for any order.
    func testExactDenoiserReturnsX0() throws {
        var g = NoiseGenerator(seed: 11)
        let x0 = g.normalTensor(shape: [2, 3, 2, 2]), eps = g.normalTensor(shape: [2, 3, 2, 2])
        let sigmas = Sigmas.shifted(steps: 7, shift: 5)
        let start = Samplers.combine([(sigmas[0], Latents(video: eps, audio: Tensor(shape: [0, 1]))),
                                      (1 - sigmas[0], Latents(video: x0, audio: Tensor(shape: [0, 1])))])
        for order in 1...3 {
            let out = try Samplers.uniPC(initial: start, sigmas: sigmas, order: order, denoise: { x, _, s in
                // ε implied by x on the path through x0: ε = (x − (1−σ)x0)/σ; v = ε − x0
                let e = Samplers.combine([(1 / s, x), (-(1 - s) / s, Latents(video: x0, audio: x.audio))])
                return Samplers.combine([(1, e), (-1, Latents(video: x0, audio: x.audio))])
            })
            XCTAssertLessThan(DiTParityTests.relativeError(out.video, x0), 1e-5, "order \(order)")
        }
    }

    func testGuidanceSchedule() {
        let s = Sigmas.shifted(steps: 32, shift: 5)
        XCTAssertEqual((0..<32).filter { Samplers.magiGuidance(sigma: s[$0]).video == 5 }.count, 27)  // steps 0–26 (spec 3.3)
        XCTAssertEqual(Samplers.magiGuidance(sigma: s[31]).audio, 5)
    }

    func testSolve() throws {
        let x = try Samplers.solve([[2, 1], [1, 3]], [3, 5])
        XCTAssertEqual(x[0], 0.8, accuracy: 1e-12)
        XCTAssertEqual(x[1], 1.4, accuracy: 1e-12)
        XCTAssertThrowsError(try Samplers.solve([[1, 1], [1, 1]], [1, 2]))
    }
}
