/// Video latent ↔ DiT tokens, patch (1, p, p) (spec §2.2). The two directions use DIFFERENT feature orders:
/// - patchify (input, channel-major, UnfoldNd order): latent [C, T, H, W] → tokens [T·(H/p)·(W/p), C·p·p],
///   token index (t·H' + h')·W' + w', feature c·p² + ph·p + pw.
/// - unpatchify (output head, spatial-major): tokens [T·H'·W', p²·C] with feature (ph·p + pw)·C + c → [C, T, H, W].
public enum Patchify {
    /// [C, T, H, W] → [T·(H/p)·(W/p), C·p²]. Throws when H or W is not a multiple of p.
    public static func patchify(_ latent: Tensor, patch p: Int = 2) throws -> Tensor {
        let (c, t, h, w) = try dims(latent.shape, patch: p)
        let hp = h / p, wp = w / p, features = c * p * p
        var tokens = Tensor(shape: [t * hp * wp, features])
        latent.storage.withUnsafeBufferPointer { src in
            tokens.storage.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<c {
                    for f in 0..<t {
                        for y in 0..<h {
                            // latent row (ch, f, y, :) → tokens (f, y/p, :) feature ch·p² + (y%p)·p + (x%p)
                            let srcRow = src.baseAddress! + ((ch * t + f) * h + y) * w
                            let tokenRow = (f * hp + y / p) * wp
                            let featureBase = ch * p * p + (y % p) * p
                            for xq in 0..<wp {
                                let out = dst.baseAddress! + (tokenRow + xq) * features + featureBase
                                for b in 0..<p { out[b] = srcRow[xq * p + b] }
                            }
                        }
                    }
                }
            }
        }
        return tokens
    }

    /// [T·H'·W', p²·C] (spatial-major features) → [C, T, H'·p, W'·p].
    public static func unpatchify(_ tokens: Tensor, channels c: Int, frames t: Int, height h: Int, width w: Int,
                                  patch p: Int = 2) throws -> Tensor {
        let (_, _, _, _) = try dims([c, t, h, w], patch: p)
        let hp = h / p, wp = w / p, features = c * p * p
        guard tokens.shape == [t * hp * wp, features] else {
            throw HappyHorseError.invalidArgument(name: "unpatchify tokens",
                reason: "shape \(tokens.shape), expected \([t * hp * wp, features]) for [C,T,H,W] = \([c, t, h, w])")
        }
        var latent = Tensor(shape: [c, t, h, w])
        tokens.storage.withUnsafeBufferPointer { src in
            latent.storage.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<c {
                    for f in 0..<t {
                        for y in 0..<h {
                            // latent row (ch, f, y, :) ← tokens (f, y/p, :) feature ((y%p)·p + x%p)·C + ch
                            let dstRow = dst.baseAddress! + ((ch * t + f) * h + y) * w
                            let tokenRow = (f * hp + y / p) * wp
                            for xq in 0..<wp {
                                let token = src.baseAddress! + (tokenRow + xq) * features + (y % p) * p * c + ch
                                for b in 0..<p { dstRow[xq * p + b] = token[b * c] }
                            }
                        }
                    }
                }
            }
        }
        return latent
    }

    // MARK: naive twins: loop over the output, index with the spec's formulas

    public static func patchifyNaive(_ latent: Tensor, patch p: Int = 2) throws -> Tensor {
        let (c, t, h, w) = try dims(latent.shape, patch: p)
        let hp = h / p, wp = w / p
        var tokens = Tensor(shape: [t * hp * wp, c * p * p])
        for f in 0..<t { for i in 0..<hp { for j in 0..<wp {
            let token = (f * hp + i) * wp + j
            for ch in 0..<c { for a in 0..<p { for b in 0..<p {
                let feature = ch * p * p + a * p + b
                tokens.storage[token * c * p * p + feature] =
                    latent.storage[((ch * t + f) * h + i * p + a) * w + j * p + b]
            } } }
        } } }
        return tokens
    }

    public static func unpatchifyNaive(_ tokens: Tensor, channels c: Int, frames t: Int, height h: Int, width w: Int,
                                       patch p: Int = 2) throws -> Tensor {
        _ = try dims([c, t, h, w], patch: p)
        let hp = h / p, wp = w / p
        var latent = Tensor(shape: [c, t, h, w])
        for f in 0..<t { for i in 0..<hp { for j in 0..<wp {
            let token = (f * hp + i) * wp + j
            for a in 0..<p { for b in 0..<p { for ch in 0..<c {
                let feature = (a * p + b) * c + ch
                latent.storage[((ch * t + f) * h + i * p + a) * w + j * p + b] =
                    tokens.storage[token * c * p * p + feature]
            } } }
        } } }
        return latent
    }

    private static func dims(_ shape: [Int], patch p: Int) throws -> (Int, Int, Int, Int) {
        guard shape.count == 4 else {
            throw HappyHorseError.invalidArgument(name: "latent shape", reason: "\(shape) is not [C, T, H, W]")
        }
        guard p > 0, shape.allSatisfy({ $0 >= 0 }), shape[2] % p == 0, shape[3] % p == 0 else {
            throw HappyHorseError.invalidArgument(name: "latent shape",
                                                  reason: "\(shape): H and W must be multiples of the patch size \(p)")
        }
        return (shape[0], shape[1], shape[2], shape[3])
    }
}
