import Foundation

// Spec 3.3: UniPC (Wan's FlowUniPCMultistepScheduler, the diffusers UniPC port) for the base and SR models:
// multistep UniP predictor + UniC corrector, B(h) = expm1(h) ("bh2"), data prediction x0̂ = x − σ·v, solver order 2,
// order 1 at the first step (warm-up) and at the last (lower_order_final), final σ = 0 (the last step returns x0̂).
// Flow parameterisation: α = 1 − σ, λ = log α − log σ. Twin: tools/reference/sampler.py `unipc`.
//
// Step i (σ_i → σ_{i+1}), with model output m_i = x0̂(x_i):
//   corrector (i > 0, order p of the previous predictor): h = λ_i − λ_{i−1}, r_k = (λ_{i−1−k} − λ_{i−1})/h,
//     D_k = (m_{i−1−k} − m_{i−1})/r_k, ρ = solve(R, b) (ρ = [0.5] for p = 1),
//     x_i ← (σ_i/σ_{i−1})·x_{i−1} − α_i·φ₁·m_{i−1} − α_i·B(h)·(Σ_k ρ_k D_k + ρ_p·(m_i − m_{i−1}))
//   predictor (order p = min(order, n − i, warm-up)): h = λ_{i+1} − λ_i,
//     x_{i+1} = (σ_{i+1}/σ_i)·x_i − α_{i+1}·φ₁·m_i − α_{i+1}·B(h)·Σ_k ρ_k D_k   (ρ = [0.5] for p = 2)
//   with hh = −h, φ₁ = expm1(hh), B(h) = expm1(hh), R[k] = r^k (rows k = 0..p−1), b[k] = φ_{k+1}·k!/B(h),
//   φ_{k+1} recursion φ ← φ/hh − 1/k!.

extension Samplers {
    public static func uniPC(initial: Latents, sigmas: [Double], conditioning: Tensor? = nil, order: Int = 2,
                             denoise: DenoiseFunction, onStep: ((Int, Latents) throws -> Void)? = nil) throws -> Latents {
        try Sigmas.validate(sigmas)
        guard (1...3).contains(order) else { throw HappyHorseError.invalidArgument(name: "UniPC order", reason: "\(order) not in 1...3") }
        guard sigmas.dropLast().allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw HappyHorseError.invalidArgument(name: "sigmas", reason: "UniPC needs 0 < σ < 1 before the final 0")
        }
        let n = sigmas.count - 1
        func lambda(_ s: Double) -> Double { log(1 - s) - log(s) }
        var outputs: [Latents] = []  // x0 predictions, newest last (at most `order`)
        var last: Latents? = nil
        var thisOrder = 1, warm = 0
        var x = initial
        for i in 0..<n {
            try applyConditioning(conditioning, to: &x.video)
            let v = try checkedVelocity(try denoise(x, i, sigmas[i]), like: x)
            let m = combine([(1, x), (-sigmas[i], v)])  // x0̂ = x − σ_i·v
            if i > 0, let previous = last, let mPrev = outputs.last {
                let st = sigmas[i], s0 = sigmas[i - 1]
                let h = lambda(st) - lambda(s0)
                var rks: [Double] = [], terms: [(Double, Latents)] = []
                var diffs: [Latents] = []
                for k in 1..<thisOrder {
                    let rk = (lambda(sigmas[i - 1 - k]) - lambda(s0)) / h
                    rks.append(rk)
                    diffs.append(combine([(1 / rk, outputs[outputs.count - 1 - k]), (-1 / rk, mPrev)]))  // D_k
                }
                rks.append(1)
                let (phi1, bh, rows, b) = coefficients(h: h, rks: rks, order: thisOrder)
                let rhos = thisOrder == 1 ? [0.5] : try solve(rows, b)
                let alpha = 1 - st
                terms = [(st / s0, previous), (-alpha * phi1, mPrev)]
                for (k, d) in diffs.enumerated() { terms.append((-alpha * bh * rhos[k], d)) }
                terms.append((-alpha * bh * rhos[rhos.count - 1], combine([(1, m), (-1, mPrev)])))  // ρ_p·(m_i − m_{i−1})
                x = combine(terms)
            }
            outputs = Array((outputs + [m]).suffix(order))
            thisOrder = min(order, n - i, warm + 1)
            last = x
            let st = sigmas[i + 1], s0 = sigmas[i], m0 = outputs[outputs.count - 1]
            if st == 0 {
                x = m0
            } else {
                let h = lambda(st) - lambda(s0)
                var rks: [Double] = [], diffs: [Latents] = []
                for k in 1..<thisOrder {
                    let rk = (lambda(sigmas[i - k]) - lambda(s0)) / h
                    rks.append(rk)
                    diffs.append(combine([(1 / rk, outputs[outputs.count - 1 - k]), (-1 / rk, m0)]))
                }
                rks.append(1)
                let (phi1, bh, rows, b) = coefficients(h: h, rks: rks, order: thisOrder)
                let rhos: [Double]
                if diffs.isEmpty {
                    rhos = []
                } else if thisOrder == 2 {
                    rhos = [0.5]
                } else {
                    rhos = try solve(rows.dropLast().map { Array($0.dropLast()) }, Array(b.dropLast()))
                }
                let alpha = 1 - st
                var terms: [(Double, Latents)] = [(st / s0, x), (-alpha * phi1, m0)]
                for (k, d) in diffs.enumerated() { terms.append((-alpha * bh * rhos[k], d)) }
                x = combine(terms)
            }
            warm = min(warm + 1, order)
            try onStep?(i, x)
        }
        try applyConditioning(conditioning, to: &x.video)
        return x
    }

    /// (φ₁, B(h), R, b) of the UniPC system for hh = −h.
    static func coefficients(h: Double, rks: [Double], order: Int) -> (Double, Double, [[Double]], [Double]) {
        let hh = -h
        let phi1 = expm1(hh), bh = expm1(hh)
        var phiK = phi1 / hh - 1
        var factorial = 1.0
        var rows: [[Double]] = [], b: [Double] = []
        for i in 1...order {
            rows.append(rks.map { pow($0, Double(i - 1)) })
            b.append(phiK * factorial / bh)
            factorial *= Double(i + 1)
            phiK = phiK / hh - 1 / factorial
        }
        return (phi1, bh, rows, b)
    }

    /// Solves the small dense system A·x = b (Gaussian elimination with partial pivoting).
    static func solve(_ a: [[Double]], _ b: [Double]) throws -> [Double] {
        var m = a, y = b
        let n = y.count
        for col in 0..<n {
            guard let p = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[p][col]) > 1e-300 else {
                throw HappyHorseError.invalidArgument(name: "sigmas", reason: "UniPC system is singular (repeated sigmas?)")
            }
            m.swapAt(col, p); y.swapAt(col, p)
            for r in (col + 1)..<n where r < n {
                let f = m[r][col] / m[col][col]
                for c in col..<n { m[r][c] -= f * m[col][c] }
                y[r] -= f * y[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = y[r]
            for c in (r + 1)..<n where c < n { s -= m[r][c] * x[c] }
            x[r] = s / m[r][r]
        }
        return x
    }

    /// Σ_k c_k·x_k over latents of equal shapes (coefficients rounded to fp32).
    static func combine(_ terms: [(Double, Latents)]) -> Latents {
        func part(_ get: (Latents) -> Tensor) -> Tensor {
            var out = get(terms[0].1)
            let c0 = Float(terms[0].0)
            for i in 0..<out.count { out.storage[i] *= c0 }
            for (c, x) in terms.dropFirst() {
                let cf = Float(c), t = get(x)
                for i in 0..<out.count { out.storage[i] += cf * t.storage[i] }
            }
            return out
        }
        return Latents(video: part { $0.video }, audio: part { $0.audio })
    }
}

extension Samplers {
    /// Spec 3.3 base-model guidance scales: video 5.0 while the timestep int(1000·σ) > 500, then 2.0; audio 5.0.
    public static func magiGuidance(sigma: Double) -> (video: Float, audio: Float) {
        (Sigmas.timestep(sigma) > 500 ? 5.0 : 2.0, 5.0)
    }
}
