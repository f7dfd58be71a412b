import XCTest
@testable import HappyHorse

final class MixedNoiseTests: XCTestCase {
    /// Goldens from the Python twin (tools/reference/pipeline.py `mixed_noise`):
    ///   PYTHONPATH=tools python3 -c "from reference.pipeline import NoiseGenerator as N, mixed_noise as m;
    ///   g=N(5); print(m(g,(2,3,1,2),0.8).flatten().tolist()); print(hex(g.next()))"
    func testGoldenValuesAndDrawOrder() {
        var g = NoiseGenerator(seed: 5)
        let x = g.mixedNormalTensor(shape: [2, 3, 1, 2], correlation: 0.8)
        XCTAssertEqual(x.shape, [2, 3, 1, 2])
        XCTAssertEqual(x.storage, [-0.643561065196991, -1.7087162733078003, 0.102048359811306, -1.6609268188476562,
                                   0.03211458772420883, -1.7886334657669067, 0.8521733283996582, -1.1787333488464355,
                                   0.19654759764671326, -0.25695541501045227, 0.6634333729743958, -0.6660032868385315])
        XCTAssertEqual(g.next(), 0xae45_0c5d_6e8f_17e5, "own [C, K, h, w] then shared [C, 1, h, w], nothing more")
    }

    /// ρ = 0 is the plain draw: same values, same generator state after it.
    func testZeroCorrelationIsThePlainDraw() {
        var a = NoiseGenerator(seed: 9), b = NoiseGenerator(seed: 9)
        XCTAssertEqual(a.mixedNormalTensor(shape: [3, 4, 2, 2], correlation: 0).storage, b.normalTensor(shape: [3, 4, 2, 2]).storage)
        XCTAssertEqual(a.next(), b.next())
    }

    /// Against the definition written out per element: √ρ·shared[c, i] + √(1−ρ)·own[c, k, i], and ρ = 1 gives
    /// identical frames.
    func testMatchesTheDefinition() {
        let shape = [4, 3, 2, 3], plane = 6
        for rho in [0.3, 0.9, 1.0] {
            var g = NoiseGenerator(seed: 11), twin = NoiseGenerator(seed: 11)
            let x = g.mixedNormalTensor(shape: shape, correlation: rho)
            let own = twin.normals(count: 4 * 3 * plane), shared = twin.normals(count: 4 * plane)
            for c in 0..<4 {
                for k in 0..<3 {
                    for i in 0..<plane {
                        let want = Float(rho.squareRoot()) * shared[c * plane + i] + Float((1 - rho).squareRoot()) * own[(c * 3 + k) * plane + i]
                        XCTAssertEqual(x.storage[(c * 3 + k) * plane + i], want, "rho \(rho) c \(c) k \(k) i \(i)")
                    }
                }
            }
            if rho == 1 {
                XCTAssertEqual(Array(x.storage[0..<plane]), Array(x.storage[plane..<2 * plane]))
            }
        }
    }
}
