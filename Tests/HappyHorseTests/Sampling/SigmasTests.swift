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
