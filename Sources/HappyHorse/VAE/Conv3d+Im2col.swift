// im2col of Conv3d: column matrices of a stride-1 conv with replicate temporal and zero spatial padding, written row
// segment by row segment (contiguous copies, explicit zeros: the buffers come from Scratch).
// Blocked form: work items of (frame, block of output rows) whose column matrix stays in cache; each worker runs its
// own (single-threaded) sgemm on it, so im2col and GEMM share the cache.

extension Conv3d {
    /// Floats of one work item's column matrix (≈ 512 KiB, a core's share of L2).
    static let blockFloats = 1 << 17

    /// Column matrix [Cin·kt·kh·kw, rows·W] of output rows rowStart ..< rowStart + rows of output frame `frame`:
    /// row (ci, dt, dy, dx), column (oy − rowStart, ox) = x[ci, s, oy + dy + rowBase, ox + dx + colBase] with
    /// s = clamp(frame + dt − (kt−1)/2, 0, T−1) (replicate padding in time), zero outside [0, H)×[0, W).
    /// x: channel ci's frames at x + ci·channelStride, frame s at + s·H·W. Serial.
    static func im2colRows(_ x: UnsafePointer<Float>, channels: Int, channelStride: Int, frames t: Int, frame: Int,
                           kt: Int, h: Int, w: Int, rowStart: Int, rows: Int, kh: Int, kw: Int, rowBase: Int, colBase: Int,
                           into cols: UnsafeMutablePointer<Float>) {
        let rowLength = rows * w
        let pad = (kt - 1) / 2
        for r in 0..<(channels * kt * kh * kw) {
            let ci = r / (kt * kh * kw), dt = (r / (kh * kw)) % kt
            let dy = (r / kw) % kh + rowBase, dx = r % kw + colBase
            let x0 = max(0, -dx), x1 = min(w, w - dx)  // ox with 0 ≤ ox + dx < W
            let plane = x + ci * channelStride + min(max(frame + dt - pad, 0), t - 1) * h * w
            let out = cols + r * rowLength
            for i in 0..<rows {
                let dst = out + i * w
                let sy = rowStart + i + dy
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

    /// Runs `body(frame, rowStart, rows, scratch)` over (frame, row block) items split among the workers (each
    /// item runs its own single-threaded sgemm); `scratch` holds `floats(rows)` floats, private to the worker.
    /// Once `isCancelled` returns true, the items not started yet are skipped.
    static func forEachRowBlock(frames: Int, h: Int, w: Int, floatsPerRow: Int, extraFloatsPerRow: Int = 0,
                                isCancelled: (@Sendable () -> Bool)? = nil,
                                _ body: @escaping (Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let rowsPerBlock = max(1, min(h, blockFloats / max(1, floatsPerRow)))
        let blocks = (h + rowsPerBlock - 1) / rowsPerBlock
        let items = frames * blocks
        let perItem = rowsPerBlock * (floatsPerRow + extraFloatsPerRow)
        Parallel.forEachRange(items) { range in
            Scratch.with(perItem) { scratch in
                for item in range {
                    if let isCancelled, isCancelled() { return }
                    let (f, b) = (item / blocks, item % blocks)
                    let r0 = b * rowsPerBlock
                    body(f, r0, min(rowsPerBlock, h - r0), scratch)
                }
            }
        }
    }
}
