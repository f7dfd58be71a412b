import Foundation

/// Bidirectional grouped-query attention, no mask (spec §2.5.5; the text encoder adds a logit soft-cap).
///
///   o[n, h, :] = Σ_m softmax_m(score(n, m)) · v[m, h / G, :],   score = scale · q[n, h, :] · k[m, h / G, :]
///   (soft-capped: score ← cap · tanh(score / cap)), G = Hq / Hkv.
///
/// Layout: q [N, Hq, D], k and v [Nk, Hkv, D], o [N, Hq, D], token-major as they come out of the QKV projection;
/// each has a token row stride so they can be read straight out of a fused qkv output.
///
/// Flash-style: per (kv head, block of queries) the G query heads of the group form one tile Q [bq·G, D]; the
/// keys are swept in blocks: S = Q·K_blkᵀ (sgemm), online softmax (running max/sum, rescale of the accumulator),
/// O += P·V_blk (sgemm). No [N, Nk] matrix is materialised. Work items are shared by the `Parallel` workers;
/// BLAS runs single-threaded inside.
public enum Attention {
    public struct Tiling: Sendable {
        /// Query rows (tokens × group heads) per tile.
        public var queryRows: Int
        /// Keys per block of the sweep.
        public var keyBlock: Int
        public init(queryRows: Int = 192, keyBlock: Int = 512) {
            self.queryRows = max(1, queryRows)
            self.keyBlock = max(1, keyBlock)
        }
        public static let `default` = Tiling()
    }

    /// Pointer level. Throws `.cancelled` when `isCancelled` returns true (checked per work item).
    public static func forward(q: UnsafePointer<Float>, qStride: Int? = nil,
                               k: UnsafePointer<Float>, kStride: Int? = nil,
                               v: UnsafePointer<Float>, vStride: Int? = nil,
                               into out: UnsafeMutablePointer<Float>, outStride: Int? = nil,
                               tokens n: Int, kvTokens nk: Int, qHeads hq: Int, kvHeads hkv: Int, headDim d: Int,
                               scale: Float, softCap: Float? = nil, tiling: Tiling = .default,
                               isCancelled: (@Sendable () -> Bool)? = nil) throws {
        guard hq > 0, hkv > 0, hq % hkv == 0, n >= 0, nk >= 0, d >= 0 else {
            throw HappyHorseError.invalidArgument(name: "attention heads",
                reason: "\(hq) query heads, \(hkv) kv heads (must be positive, q a multiple of kv), N \(n), Nk \(nk), D \(d)")
        }
        let ldq = qStride ?? hq * d, ldk = kStride ?? hkv * d, ldv = vStride ?? hkv * d, ldo = outStride ?? hq * d
        guard n > 0, d > 0 else { return }
        let g = hq / hkv
        if nk == 0 {
            for t in 0..<n { (out + t * ldo).update(repeating: 0, count: hq * d) }
            return
        }
        let bq = max(1, tiling.queryRows / g)         // tokens per query tile
        let bk = min(tiling.keyBlock, nk)
        let queryBlocks = (n + bq - 1) / bq
        let items = WorkCounter(total: hkv * queryBlocks)
        let cancelled = LockedBox(value: false)
        let tileRows = bq * g
        let scratchPerWorker = tileRows * d * 2 + tileRows * bk + tileRows * 2
        // Scores are kept in log2 units (softmax by exp2): fold log2(e) into Q, or into the soft-cap.
        let log2e: Float = 1.442_695_04
        let qScale = softCap == nil ? scale * log2e : scale

        // K and V per kv head as contiguous [Nk, D] blocks: token-major rows are hkv·D (often 4 KiB) apart, and
        // packing a key block from such a stride thrashes L1/L2 sets. One copy, O(Nk·D) per head.
        let packKV = ldk != d || ldv != d
        let kvBuffer = packKV ? Scratch.take(2 * hkv * nk * d) : nil
        defer { if let kvBuffer { Scratch.give(kvBuffer) } }
        if let kvBuffer {
            let kPacked = kvBuffer.0, vPacked = kvBuffer.0 + hkv * nk * d
            Parallel.forEachRange(nk, minimumPerChunk: max(1, 8192 / max(1, hkv * d))) { range in
                for t in range {
                    for head in 0..<hkv {
                        // [Nk, Hkv, D] → [Hkv, Nk, D]
                        (kPacked + (head * nk + t) * d).update(from: k + t * ldk + head * d, count: d)
                        (vPacked + (head * nk + t) * d).update(from: v + t * ldv + head * d, count: d)
                    }
                }
            }
        }
        // K/V of head h, token t at kBase + t·kRow + h·kHead
        let kBase = UnsafePointer(kvBuffer?.0) ?? k, vBase = UnsafePointer(kvBuffer.map { $0.0 + hkv * nk * d }) ?? v
        let kRow = packKV ? d : ldk, vRow = packKV ? d : ldv
        let kHead = packKV ? nk * d : d, vHead = packKV ? nk * d : d

        Parallel.forEachWorker(hkv * queryBlocks) { _ in
            Scratch.with(scratchPerWorker) { scratch in
                let qTile = scratch                          // [bq·G, D] scaled queries
                let oTile = qTile + tileRows * d              // [bq·G, D] accumulator
                let sTile = oTile + tileRows * d              // [bq·G, bk] scores → probabilities
                let rowMax = sTile + tileRows * bk            // [bq·G]
                let rowSum = rowMax + tileRows                // [bq·G]
                while let item = items.take() {
                    if let isCancelled, isCancelled() {
                        cancelled.write { $0 = true }
                        return
                    }
                    let kvHead = item / queryBlocks
                    let q0 = (item % queryBlocks) * bq, q1 = min(n, q0 + bq)
                    let rows = (q1 - q0) * g
                    // Q tile row (i·G + j) = qScale · q[q0 + i, kvHead·G + j, :]; the G heads of a token are adjacent
                    for i in 0..<(q1 - q0) {
                        let src = q + (q0 + i) * ldq + kvHead * g * d
                        let dst = qTile + i * g * d
                        for e in 0..<(g * d) { dst[e] = src[e] * qScale }
                    }
                    var k0 = 0
                    while k0 < nk {
                        let k1 = min(nk, k0 + bk), width = k1 - k0
                        // [rows, D] x [width, D]ᵀ → S [rows, width]   (keys k0..<k1 of kv head kvHead)
                        GEMM.sgemm(transB: true, m: rows, n: width, k: d, a: qTile, lda: d,
                                   b: kBase + k0 * kRow + kvHead * kHead, ldb: kRow, c: sTile, ldc: width)
                        if let cap = softCap { applySoftCap(sTile, count: rows * width, cap: cap, outputScale: log2e) }
                        onlineSoftmax(scores: sTile, rows: rows, width: width, rowMax: rowMax, rowSum: rowSum,
                                      accumulator: oTile, headDim: d, first: k0 == 0)
                        // P [rows, width] x V [width, D] → O [rows, D] (+=)
                        GEMM.sgemm(m: rows, n: d, k: width, a: sTile, lda: width,
                                   b: vBase + k0 * vRow + kvHead * vHead, ldb: vRow, beta: k0 == 0 ? 0 : 1,
                                   c: oTile, ldc: d)
                        k0 = k1
                    }
                    // o[q0 + i, kvHead·G + j, :] = O row (i·G + j) / l
                    for i in 0..<(q1 - q0) {
                        let dst = out + (q0 + i) * ldo + kvHead * g * d
                        for j in 0..<g {
                            let r = i * g + j
                            let inv = 1 / rowSum[r]
                            let src = oTile + r * d
                            for e in 0..<d { dst[j * d + e] = src[e] * inv }
                        }
                    }
                }
            }
        }
        if cancelled.read({ $0 }) { throw HappyHorseError.cancelled }
    }

    /// One key block of the online softmax over S [rows, width] (log2 units), in place (S becomes P = 2^(S − m_new)).
    /// Updates the running max/sum and rescales the accumulator rows by 2^(m_old − m_new).
    @inline(__always)
    static func onlineSoftmax(scores: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                              rowMax: UnsafeMutablePointer<Float>, rowSum: UnsafeMutablePointer<Float>,
                              accumulator: UnsafeMutablePointer<Float>, headDim d: Int, first: Bool) {
        for r in 0..<rows {
            let s = scores + r * width
            let blockMax = maximum(s, width)
            let oldMax = first ? -Float.infinity : rowMax[r]
            let newMax = max(oldMax, blockMax)
            let sum = expSubtractAndSum(s, width, newMax)
            if first {
                rowSum[r] = sum
            } else {
                let alpha = FastMath.exp2NonPositive(oldMax - newMax)
                rowSum[r] = rowSum[r] * alpha + sum
                if alpha != 1 {
                    let o = accumulator + r * d
                    for e in 0..<d { o[e] *= alpha }
                }
            }
            rowMax[r] = newMax
        }
    }

    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float { FastMath.maximum(x, n) }

    /// x[i] = 2^(x[i] − m) (scores in log2 units); returns Σ. The exp loop vectorises; the sum is a separate
    /// 8-lane pass (L1-resident).
    @inline(__always)
    static func expSubtractAndSum(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ m: Float) -> Float {
        for i in 0..<n { x[i] = FastMath.exp2NonPositive(x[i] - m) }
        return FastMath.sum(x, n)
    }

    /// s ← outputScale · cap · tanh(s / cap)
    static func applySoftCap(_ s: UnsafeMutablePointer<Float>, count: Int, cap: Float, outputScale: Float) {
        let inv = 1 / cap, outer = cap * outputScale
        for i in 0..<count { s[i] = outer * FastMath.tanh(s[i] * inv) }
    }

    // MARK: Tensor level

    /// q [N, Hq, D], k/v [Nk, Hkv, D] → o [N, Hq, D].
    public static func forward(q: Tensor, k: Tensor, v: Tensor, scale: Float, softCap: Float? = nil,
                               tiling: Tiling = .default, isCancelled: (@Sendable () -> Bool)? = nil) throws -> Tensor {
        guard q.rank == 3, k.rank == 3, v.shape == k.shape, q.shape[2] == k.shape[2] else {
            throw HappyHorseError.invalidArgument(name: "attention inputs",
                                                  reason: "q \(q.shape), k \(k.shape), v \(v.shape)")
        }
        let (n, hq, d) = (q.shape[0], q.shape[1], q.shape[2])
        let (nk, hkv) = (k.shape[0], k.shape[1])
        var o = Tensor(shape: [n, hq, d])
        try q.storage.withUnsafeBufferPointer { qp in
            try k.storage.withUnsafeBufferPointer { kp in
                try v.storage.withUnsafeBufferPointer { vp in
                    try o.storage.withUnsafeMutableBufferPointer { op in
                        try forward(q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, into: op.baseAddress!,
                                    tokens: n, kvTokens: nk, qHeads: hq, kvHeads: hkv, headDim: d, scale: scale,
                                    softCap: softCap, tiling: tiling, isCancelled: isCancelled)
                    }
                }
            }
        }
        return o
    }
}
