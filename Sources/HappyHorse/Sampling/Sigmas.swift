// Sigma schedules of spec 3.1 (rectified flow, shift), computed in Double.
//   s_i = linspace(sigma_max, 0, n+1)[:-1];  sigma_i = shift·s_i / (1 + (shift−1)·s_i);  then append 0.
// 8 steps, shift 5 → 0.999800 0.972006 0.937265 0.892602 0.833055 0.749700 0.624687 0.416389 0 (spec 3.2).

public enum Sigmas {
    /// σ_max of the MagiHuman training table.
    public static let sigmaMax = 0.999

    /// n+1 values: the shifted grid followed by 0.
    public static func shifted(steps: Int, shift: Double, sigmaMax: Double = Sigmas.sigmaMax) -> [Double] {
        guard steps > 0 else { return [0] }
        var out: [Double] = []
        out.reserveCapacity(steps + 1)
        for i in 0..<steps {
            let s = sigmaMax * Double(steps - i) / Double(steps)  // linspace(sigma_max, 0, n+1)[i]
            out.append(shift * s / (1 + (shift - 1) * s))
        }
        out.append(0)
        return out
    }

    /// The integer timestep of a sigma (`int(σ·1000)`, used only for CFG switches).
    public static func timestep(_ sigma: Double) -> Int { Int(sigma * 1000) }

    /// Checks an explicit schedule: ≥ 2 finite values in [0, 1], non-increasing, ending in 0.
    public static func validate(_ sigmas: [Double], field: String = "sigmas") throws {
        func bad(_ reason: String) -> HappyHorseError { .invalidConfig(field: field, reason: reason) }
        guard sigmas.count >= 2, sigmas.count <= 1001 else { throw bad("needs 2...1001 values, got \(sigmas.count)") }
        guard sigmas.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else { throw bad("values must lie in [0, 1]") }
        guard zip(sigmas, sigmas.dropFirst()).allSatisfy({ $0 >= $1 }) else { throw bad("values must not increase") }
        guard sigmas.last == 0 else { throw bad("the last value must be 0") }
    }
}
