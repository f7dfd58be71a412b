import Foundation

/// Naive twin of attention: full score rows and a Double softmax, for the tests.
extension Attention {
    // MARK: naive twin

    /// Full score rows, Double softmax: q [N, Hq, D], k/v [Nk, Hkv, D] → [N, Hq, D].
    public static func naive(q: Tensor, k: Tensor, v: Tensor, scale: Float, softCap: Float? = nil) -> Tensor {
        let (n, hq, d) = (q.shape[0], q.shape[1], q.shape[2])
        let (nk, hkv) = (k.shape[0], k.shape[1])
        let g = hq / hkv
        var o = Tensor(shape: [n, hq, d])
        var scores = [Double](repeating: 0, count: nk)
        for t in 0..<n {
            for h in 0..<hq {
                let kvh = h / g
                var best = -Double.infinity
                for m in 0..<nk {
                    var dot = 0.0
                    for e in 0..<d { dot += Double(q.storage[(t * hq + h) * d + e]) * Double(k.storage[(m * hkv + kvh) * d + e]) }
                    var s = dot * Double(scale)
                    if let cap = softCap { s = Double(cap) * Foundation.tanh(s / Double(cap)) }
                    scores[m] = s
                    best = max(best, s)
                }
                var total = 0.0
                for m in 0..<nk { scores[m] = Foundation.exp(scores[m] - best); total += scores[m] }
                for e in 0..<d {
                    var acc = 0.0
                    for m in 0..<nk { acc += scores[m] * Double(v.storage[(m * hkv + kvh) * d + e]) }
                    o.storage[(t * hq + h) * d + e] = Float(acc / total)
                }
            }
        }
        return o
    }
}
