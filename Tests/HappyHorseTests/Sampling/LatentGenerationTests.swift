import Foundation
import XCTest
@testable import HappyHorse

final class LatentGenerationTests: XCTestCase {
    private func model() throws -> DiT { try DiTParityTests.loadModel("h64_222_v2") }

    private func request(text: Int = 5, audio: Int = 0, frames: Int = 2) -> LatentGenerationRequest {
        var g = NoiseGenerator(seed: 99)
        return LatentGenerationRequest(text: g.normalTensor(shape: [text, 24]), audioLength: audio, latentFrames: frames,
                                       latentHeight: 4, latentWidth: 6, sigmas: Sigmas.shifted(steps: 3, shift: 5))
    }

    func testSameSeedIdenticalBytesAndProgressPerStep() throws {
        let dit = try model()
        var reports: [Int] = []
        let a = try LatentGeneration.generate(dit: dit, request: request(), noise: .seed(5), progress: { reports.append($0.step) })
        let b = try LatentGeneration.generate(dit: dit, request: request(), noise: .seed(5))
        let c = try LatentGeneration.generate(dit: dit, request: request(), noise: .seed(6))
        XCTAssertEqual(reports, [1, 2, 3])
        XCTAssertEqual(a.video.shape, [4, 2, 4, 6])
        XCTAssertEqual(a.audio.shape, [0, 8])
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.video, c.video)
        XCTAssertTrue(a.video.storage.allSatisfy { $0.isFinite })
    }

    func testAudioAndNoTextAndEuler() throws {
        let dit = try model()
        // A = 9 → T = (9 − 1)/4 + 1 = 3 (spec 1.2); L = 0
        var r = request(text: 0, audio: 9, frames: 3)
        r.sampler = .euler
        let out = try LatentGeneration.generate(dit: dit, request: r, noise: .seed(1))
        XCTAssertEqual(out.video.shape, [4, 3, 4, 6])
        XCTAssertEqual(out.audio.shape, [9, 8])
        XCTAssertTrue(out.audio.storage.allSatisfy { $0.isFinite })
    }

    func testAudioLengthRule() throws {
        XCTAssertEqual(LatentGeneration.audioLength(seconds: 5), 126)
        XCTAssertEqual(LatentGeneration.latentFrames(audioLength: 126), 32)
        XCTAssertEqual(LatentGeneration.latentFrames(audioLength: 101), 26)
        let error = IOTestSupport.thrownError { _ = try LatentGeneration.generate(dit: try self.model(), request: self.request(audio: 9, frames: 2), noise: .seed(1)) }
        XCTAssertTrue(error?.description.contains("(A−1)/4 + 1 = 3") ?? false, "\(String(describing: error))")
    }

    /// Autoguidance by the model itself changes nothing (the two passes agree), and a guide text embedding of the
    /// wrong width or a scale below 1 is refused by name instead of reaching the DiT.
    func testAutoguideSelfGuidedAndBadInput() throws {
        let dit = try model()
        let plain = try LatentGeneration.generate(dit: dit, request: request(), noise: .seed(5))
        var r = request()
        r.autoguide = LatentAutoguide(dit: dit, text: r.text, scale: 3, threshold: 0)
        XCTAssertEqual(try LatentGeneration.generate(dit: dit, request: r, noise: .seed(5)), plain)
        r.autoguide = LatentAutoguide(dit: dit, text: Tensor(shape: [2, 23]), scale: 3, threshold: 0)
        let wide = IOTestSupport.thrownError { _ = try LatentGeneration.generate(dit: dit, request: r, noise: .seed(5)) }
        XCTAssertTrue(wide?.description.contains("autoguidance text embedding") ?? false, "\(String(describing: wide))")
        r.autoguide = LatentAutoguide(dit: dit, text: r.text, scale: 0.5, threshold: 0)
        let low = IOTestSupport.thrownError { _ = try LatentGeneration.generate(dit: dit, request: r, noise: .seed(5)) }
        XCTAssertTrue(low?.description.contains("autoguidance") ?? false, "\(String(describing: low))")
    }

    func testConditioningFramesAreKept() throws {
        var r = request(frames: 3)
        var g = NoiseGenerator(seed: 4)
        let frame = g.normalTensor(shape: [4, 1, 4, 6])
        r.conditioningFrames = frame
        let out = try LatentGeneration.generate(dit: try model(), request: r, noise: .seed(2))
        XCTAssertEqual(Array(out.video.storage[0..<24]), Array(frame.storage[0..<24]))  // channel 0, frame 0
        XCTAssertEqual(Array(out.video.storage[72..<96]), Array(frame.storage[24..<48]))  // channel 1, frame 0
        r.conditioningFrames = g.normalTensor(shape: [4, 1, 4, 4])
        XCTAssertNotNil(IOTestSupport.thrownError { _ = try LatentGeneration.generate(dit: try self.model(), request: r, noise: .seed(2)) })
    }

    func testCancellationStopsWithinAStep() throws {
        let token = CancellationToken()
        var steps = 0
        let error = IOTestSupport.thrownError {
            _ = try LatentGeneration.generate(dit: try self.model(), request: self.request(), noise: .seed(1), cancellation: token,
                                              progress: { _ in steps += 1; token.cancel() })
        }
        XCTAssertEqual(error, .cancelled)
        XCTAssertEqual(steps, 1)
        // a forward with an already-cancelled token stops before the first layer
        let dit = try model()
        XCTAssertEqual(IOTestSupport.thrownError {
            _ = try dit.forward(video: Tensor(shape: [4, 1, 4, 6]), audio: Tensor(shape: [0, 8]), text: Tensor(shape: [0, 24]),
                                cancellation: token)
        }, .cancelled)
    }

    func testInjectedNoiseShapesChecked() throws {
        let bad = Latents(video: Tensor(shape: [4, 1, 4, 6]), audio: Tensor(shape: [0, 8]))
        XCTAssertNotNil(IOTestSupport.thrownError {
            _ = try LatentGeneration.generate(dit: try self.model(), request: self.request(), noise: .injected(initial: bad, steps: []))
        })
    }
}
