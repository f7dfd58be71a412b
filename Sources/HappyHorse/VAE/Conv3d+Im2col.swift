// im2col of Conv3d: for a group of frames, the column matrix [Cin·kh·kw, g·H·W] of a stride-1 spatial conv with zero
// padding, written row segment by row segment (contiguous copies, explicit zeros: the buffer comes from Scratch).

extension Conv3d {
    /// The conv's own kernel, centred (offsets −kh/2 … +kh/2).
    func im2col(_ src: UnsafePointer<Float>, channelStride: Int, h: Int, w: Int, frames: Int,
                into cols: UnsafeMutablePointer<Float>) {
        Self.im2col(src, channels: inChannels, channelStride: channelStride, h: h, w: w, frames: frames,
                    kh: kernel.h, kw: kernel.w, rowBase: -(kernel.h / 2), colBase: -(kernel.w / 2), into: cols)
    }

    /// Row (ci, dy, dx), column (f, oy, ox) = src[ci, f, oy + dy + rowBase, ox + dx + colBase], zero outside [0, H)×[0, W).
    /// src frames are contiguous within a channel (frame f at src + ci·channelStride + f·H·W).
    static func im2col(_ src: UnsafePointer<Float>, channels: Int, channelStride: Int, h: Int, w: Int, frames: Int,
                       kh: Int, kw: Int, rowBase: Int, colBase: Int, into cols: UnsafeMutablePointer<Float>) {
        let hw = h * w, rowLength = frames * hw
        let rows = channels * kh * kw
        let colBasePointer = SendableMutablePointer(cols), srcBase = SendableMutablePointer(UnsafeMutablePointer(mutating: src))
        Parallel.forEachRange(rows, minimumPerChunk: max(1, 32768 / max(1, rowLength))) { range in
            for r in range {
                let ci = r / (kh * kw), dy = (r / kw) % kh + rowBase, dx = r % kw + colBase
                let x0 = max(0, -dx), x1 = min(w, w - dx)  // ox with 0 ≤ ox + dx < W
                for f in 0..<frames {
                    let plane = srcBase.pointer + ci * channelStride + f * hw
                    let out = colBasePointer.pointer + r * rowLength + f * hw
                    for oy in 0..<h {
                        let dst = out + oy * w
                        let sy = oy + dy
                        guard sy >= 0, sy < h, x0 < x1 else {
                            dst.update(repeating: 0, count: w)
                            continue
                        }
                        if x0 > 0 { dst.update(repeating: 0, count: x0) }
                        (dst + x0).update(from: plane + sy * w + x0 + dx, count: x1 - x0)
                        if x1 < w { (dst + x1).update(repeating: 0, count: w - x1) }
                    }
                }
            }
        }
    }
}
