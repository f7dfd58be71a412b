import XCTest
@testable import HappyHorse

/// Frame and chunk rules (ClipPlan; the same numbers as tools/reference/pipeline.py).
final class ClipPlanTests: XCTestCase {
    func testFiveSecondsAtTwentyFive() {
        let n = ClipPlan.frameCount(durationSeconds: 5, fps: 25)
        XCTAssertEqual(n, 125)
        let plan = ClipPlan(frames: n, chunkLatentFrames: 4, contextLatentFrames: 1, temporalFactor: 4)
        XCTAssertEqual(plan.latentFrames, 32)  // 4·31 + 1 = 125
        XCTAssertEqual(plan.chunkCount, 11)  // 4 + 3·10 = 34 ≥ 32
        XCTAssertEqual(plan.latentsDecoded(afterChunk: 0, lookahead: 1), 3)
        XCTAssertEqual(plan.latentsDecoded(afterChunk: 1, lookahead: 1), 6)
        XCTAssertEqual(plan.latentsDecoded(afterChunk: 10, lookahead: 1), 32)
        XCTAssertEqual(plan.firstPixel(ofLatent: 3), 9)
        XCTAssertEqual(plan.firstPixel(ofLatent: 32), 125)
    }

    func testFrameCountRounding() {
        XCTAssertEqual(ClipPlan.frameCount(durationSeconds: 0.001, fps: 25), 1)
        XCTAssertEqual(ClipPlan.frameCount(durationSeconds: 0.5, fps: 25), 12)  // 12.5 → 12 (half to even)
        XCTAssertEqual(ClipPlan.frameCount(durationSeconds: 0.54, fps: 25), 14)  // 13.5 → 14
        XCTAssertEqual(ClipPlan.frameCount(durationSeconds: -1, fps: 25), 1)
        XCTAssertEqual(ClipPlan.frameCount(durationSeconds: .nan, fps: 25), 1)
        // Frames not of the form 4(T−1)+1 are trimmed from the next larger one.
        let plan = ClipPlan(frames: 14, chunkLatentFrames: 4, contextLatentFrames: 1, temporalFactor: 4)
        XCTAssertEqual(plan.latentFrames, 5)
        XCTAssertEqual(plan.chunkCount, 2)
    }

    func testSingleChunkClips() {
        let plan = ClipPlan(frames: 1, chunkLatentFrames: 4, contextLatentFrames: 1, temporalFactor: 4)
        XCTAssertEqual(plan.latentFrames, 1)
        XCTAssertEqual(plan.chunkCount, 1)
        XCTAssertEqual(plan.latentsDecoded(afterChunk: 0, lookahead: 1), 1)
    }
}
