import XCTest
@testable import HappyHorse

/// Conv3d (im2col + sgemm per temporal tap, fused nearest upsample) against its naive twin, odd shapes.
final class Conv3dTests: XCTestCase {
    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 1000 - 1
        }
        return Tensor(shape: shape, storage: values)
    }

    func testMatchesNaiveTwin() throws {
        let kernels = [(3, 3, 3), (1, 3, 3), (3, 1, 1), (1, 1, 1)]
        for (n, kernel) in kernels.enumerated() {
            for (t, upsample) in [(1, 1), (4, 1), (3, 2), (2, 2)] {
                let (cin, cout) = (3, 5)
                let conv = try Conv3d(weight: random([cout, cin, kernel.0, kernel.1, kernel.2], seed: UInt64(n)),
                                      bias: random([cout], seed: 99))
                let x = random([cin, t, 5, 7], seed: UInt64(t * 10 + upsample))
                let fast = conv(x, upsample: upsample)
                let slow = conv.forwardNaive(x, upsample: upsample)
                XCTAssertEqual(fast.shape, [cout, t, 5 * upsample, 7 * upsample])
                let err = ParityTestSupport.maxRelativeError(fast, slow)
                XCTAssertLessThanOrEqual(err, 1e-5, "kernel \(kernel) T \(t) u \(upsample)")
            }
        }
    }

    func testFrameGroupsLargerThanOneGEMM() throws {
        // 240×280 > Conv3d.groupColumns positions: one GEMM per frame.
        let conv = try Conv3d(weight: random([3, 2, 1, 3, 3], seed: 7), bias: random([3], seed: 8))
        let x = random([2, 3, 240, 280], seed: 9)
        XCTAssertLessThanOrEqual(ParityTestSupport.maxRelativeError(conv(x), conv.forwardNaive(x)), 1e-5)
    }

    func testSubPixelUpsampleMatchesExplicitUpsample() throws {
        let conv = try Conv3d(weight: random([4, 3, 1, 3, 3], seed: 3), bias: random([4], seed: 4))
        let x = random([3, 3, 6, 5], seed: 5)
        let fused = conv(x, upsample: 2)
        let explicit = conv(Conv3d.upsampleNearest(x, 2))
        XCTAssertLessThanOrEqual(ParityTestSupport.maxRelativeError(fused, explicit), 1e-5)
    }

    func testRejectsEvenKernels() {
        XCTAssertThrowsError(try Conv3d(weight: Tensor(shape: [2, 2, 2, 3, 3]), bias: Tensor(shape: [2])))
        XCTAssertThrowsError(try Conv3d(weight: Tensor(shape: [2, 2, 1, 3, 3]), bias: Tensor(shape: [3])))
    }
}
