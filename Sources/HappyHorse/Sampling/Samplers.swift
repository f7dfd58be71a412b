// Spec section 3: samplers as pure functions over a denoise closure (rectified flow, 3.1).
//   x_σ = (1−σ)·x0 + σ·ε;  the model predicts v = ε − x0, so x0̂ = x − σ·v.
// - distilled (3.2): x0̂ = x − σ_i·v;  x ← σ_{i+1}·ε_i + (1−σ_{i+1})·x0̂ with FRESH noise ε_i every step whose
//   σ_{i+1} > 0 (the last step, σ = 0, returns x0̂). DMD-style re-noising, not an ODE step.
// - euler: x ← x + (σ_{i+1} − σ_i)·v.
// - CFG (3.3): v = v_u + s·(v_c − v_u).
// Continuation / TI2V (2.8): optional clean frames overwrite the first K latent frames of the video before every
// denoise call and after the last step.
// Video and audio are updated jointly with the same σ (3.1). Twin: tools/reference/sampler.py.

public enum Samplers {
    /// Spec 3.2 re-noising sampler. `stepNoise(i)` supplies ε_i (same shapes as the latents); it is called once per
    /// step whose next sigma is > 0, in step order. `onStep(i, x)` sees the state after step i (before conditioning).
    public static func distilled(initial: Latents, sigmas: [Double], conditioning: Tensor? = nil,
                                 stepNoise: (Int) throws -> Latents, denoise: DenoiseFunction,
                                 onStep: ((Int, Latents) throws -> Void)? = nil) throws -> Latents {
        try Sigmas.validate(sigmas)
        var x = initial
        for i in 0..<(sigmas.count - 1) {
            try applyConditioning(conditioning, to: &x.video)
            let v = try checkedVelocity(try denoise(x, i, sigmas[i]), like: x)
            let s = Float(sigmas[i]), next = sigmas[i + 1]
            // x0̂ = x − σ_i·v
            var x0 = Latents(video: axpy(-s, v.video, x.video), audio: axpy(-s, v.audio, x.audio))
            if next > 0 {
                let eps = try checkedVelocity(try stepNoise(i), like: x)
                // x ← σ_{i+1}·ε + (1 − σ_{i+1})·x0̂
                x0.video = blend(Float(next), eps.video, Float(1 - next), x0.video)
                x0.audio = blend(Float(next), eps.audio, Float(1 - next), x0.audio)
            }
            x = x0
            try onStep?(i, x)
        }
        try applyConditioning(conditioning, to: &x.video)
        return x
    }

    /// Rectified-flow Euler: x ← x + (σ_{i+1} − σ_i)·v.
    public static func euler(initial: Latents, sigmas: [Double], conditioning: Tensor? = nil, denoise: DenoiseFunction,
                             onStep: ((Int, Latents) throws -> Void)? = nil) throws -> Latents {
        try Sigmas.validate(sigmas)
        var x = initial
        for i in 0..<(sigmas.count - 1) {
            try applyConditioning(conditioning, to: &x.video)
            let v = try checkedVelocity(try denoise(x, i, sigmas[i]), like: x)
            let dt = Float(sigmas[i + 1] - sigmas[i])
            x = Latents(video: axpy(dt, v.video, x.video), audio: axpy(dt, v.audio, x.audio))
            try onStep?(i, x)
        }
        try applyConditioning(conditioning, to: &x.video)
        return x
    }

    /// Classifier-free guidance (spec 3.3): v_u + s·(v_c − v_u), element-wise.
    public static func cfgCombine(uncond: Tensor, cond: Tensor, scale: Float) -> Tensor {
        precondition(uncond.shape == cond.shape, "cfgCombine: \(uncond.shape) vs \(cond.shape)")  // both from one DiT
        var out = uncond
        for i in 0..<out.count { out.storage[i] = uncond.storage[i] + scale * (cond.storage[i] - uncond.storage[i]) }
        return out
    }

    /// Overwrites the first K latent frames of video [C, T, h, w] with frames [C, K, h, w] (K ≤ T).
    public static func applyConditioning(_ frames: Tensor?, to video: inout Tensor) throws {
        guard let frames else { return }
        let v = video.shape, f = frames.shape
        guard v.count == 4, f.count == 4, f[0] == v[0], f[2] == v[2], f[3] == v[3], f[1] <= v[1] else {
            throw HappyHorseError.invalidArgument(name: "conditioning frames",
                                                  reason: "shape \(f) does not fit the video latent \(v) ([C, K ≤ T, h, w])")
        }
        let plane = v[2] * v[3], k = f[1], t = v[1]
        for c in 0..<v[0] {
            // frames[c, 0..<K, :, :] → video[c, 0..<K, :, :]
            for j in 0..<(k * plane) { video.storage[c * t * plane + j] = frames.storage[c * k * plane + j] }
        }
    }

    // MARK: element-wise helpers

    /// a·x + y
    static func axpy(_ a: Float, _ x: Tensor, _ y: Tensor) -> Tensor {
        var out = y
        for i in 0..<out.count { out.storage[i] = y.storage[i] + a * x.storage[i] }
        return out
    }

    /// a·x + b·y
    static func blend(_ a: Float, _ x: Tensor, _ b: Float, _ y: Tensor) -> Tensor {
        var out = y
        for i in 0..<out.count { out.storage[i] = a * x.storage[i] + b * y.storage[i] }
        return out
    }

    static func checkedVelocity(_ v: Latents, like x: Latents) throws -> Latents {
        guard v.video.shape == x.video.shape, v.audio.shape == x.audio.shape else {
            throw HappyHorseError.invalidArgument(name: "denoiser output",
                reason: "shapes video \(v.video.shape) audio \(v.audio.shape), expected \(x.video.shape) and \(x.audio.shape)")
        }
        return v
    }
}
