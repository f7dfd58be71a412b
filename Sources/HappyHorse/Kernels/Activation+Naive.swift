import Foundation

/// Naive twins of the activations: Double precision and libm, for the tests.
extension Activation {
    // MARK: naive twins (Double, libm)

    static func sigmoidNaive(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    public static func gelu7Naive(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, storage: x.storage.map { z in
            let s = min(Double(z), 7)
            return Float(s * sigmoidNaive(1.702 * s))
        })
    }

    public static func siluNaive(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, storage: x.storage.map { Float(Double($0) * sigmoidNaive(Double($0))) })
    }

    public static func reluNaive(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, storage: x.storage.map { $0 > 0 ? $0 : 0 })
    }

    public static func geluTanhNaive(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, storage: x.storage.map { v in
            let d = Double(v)
            return Float(0.5 * d * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d))))
        })
    }

    public static func swiglu7Naive(_ z: Tensor) -> Tensor {
        let twoF = z.shape.last ?? 0, f = twoF / 2
        var y = Tensor(shape: Array(z.shape.dropLast()) + [f])
        for r in 0..<(twoF == 0 ? 0 : z.count / twoF) {
            for j in 0..<f {
                let s = min(Double(z.storage[r * twoF + 2 * j]), 7)
                let l = min(max(Double(z.storage[r * twoF + 2 * j + 1]), -7), 7)
                y.storage[r * f + j] = Float(s * sigmoidNaive(1.702 * s) * (l + 1))
            }
        }
        return y
    }

    public static func sigmoidHeadGateNaive(_ o: Tensor, gates: Tensor) -> Tensor {
        let (n, h, d) = (o.shape[0], o.shape[1], o.shape[2])
        var y = o
        for t in 0..<n {
            for head in 0..<h {
                let s = sigmoidNaive(Double(gates.storage[t * h + head]))
                for i in 0..<d { y.storage[(t * h + head) * d + i] = Float(Double(o.storage[(t * h + head) * d + i]) * s) }
            }
        }
        return y
    }
}
