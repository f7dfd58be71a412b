// Output mapping of spec §1.5: rgb = clamp(0.5·y + 0.5, 0, 1), uint8 = trunc(rgb·255); NaN maps to 0.

extension VideoDecoder {
    /// Frame `frame` of pixels [3, F, H, W] as packed RGB8, `W·3` bytes per row.
    public static func rgb8(_ pixels: Tensor, frame: Int) -> [UInt8] {
        precondition(pixels.rank == 4 && pixels.shape[0] == 3 && frame >= 0 && frame < pixels.shape[1], "rgb8: \(pixels.shape) frame \(frame)")
        let (f, hw) = (pixels.shape[1], pixels.shape[2] * pixels.shape[3])
        var out = [UInt8](repeating: 0, count: hw * 3)
        pixels.storage.withUnsafeBufferPointer { p in
            for c in 0..<3 {
                let plane = p.baseAddress! + (c * f + frame) * hw
                for i in 0..<hw {
                    let y = 0.5 * plane[i] + 0.5
                    let v: Float = y > 0 ? (y < 1 ? y : 1) : 0  // clamp; NaN → 0 (never traps below)
                    out[i * 3 + c] = UInt8(v * 255)  // truncation toward zero
                }
            }
        }
        return out
    }
}
