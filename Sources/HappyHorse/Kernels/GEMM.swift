import COpenBLAS

/// Matrix products. This file is the ONLY caller of `cblas_*` in the engine.
///
/// All matrices are row-major fp32. `linear` follows torch's Linear layout: y[M, N] = x[M, K] · W[N, K]ᵀ (+ b).
/// Strides (`xStride`, `yStride`, `lda`, ...) are in elements between consecutive rows, so a caller can work on a
/// column slice of a wider matrix (e.g. the q columns of a fused qkv output) or on a contiguous block of rows.
public enum GEMM {
    /// Target size of one up-converted weight tile (floats) for BF16/F16 weights: ~4 MiB, L2-sized.
    static let tileFloats = 1 << 20

    // MARK: general sgemm

    /// C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, row-major.
    /// op(A) = A ([m, k], lda ≥ k) or Aᵀ (A is [k, m], lda ≥ m); likewise op(B) = B [k, n] or Bᵀ (B is [n, k]).
    /// Used for attention tiles (S = Q·Kᵀ, O += P·V) and im2col convolution.
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM.sgemm: negative size \(m)x\(n)x\(k)")
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // No products: C = beta · C (BLAS semantics).
            for i in 0..<m {
                let row = c + i * ldc
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        Runtime.prepareBLAS()
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    // MARK: Linear, pointer level

    /// y[m, N] (+)= x[m, K] · W[N, K]ᵀ (+ bias[N]).
    /// - x: `m` rows, row stride `xStride` (default K). y: `m` rows, row stride `yStride` (default N).
    /// - accumulate: false → y is overwritten; true → the product (and bias) is added to y (residual adds).
    /// BF16/F16/mapped weights are up-cast to fp32 in tiles of rows of W, each followed by one sgemm on the
    /// matching column block of y. `upcastBlockRows` overrides the tile height (nil: about 4 MiB per tile).
    public static func linear(_ x: UnsafePointer<Float>, rows m: Int, xStride: Int? = nil,
                              weight: LinearWeight, bias: UnsafePointer<Float>? = nil,
                              into y: UnsafeMutablePointer<Float>, yStride: Int? = nil,
                              accumulate: Bool = false, upcastBlockRows: Int? = nil) {
        let n = weight.rows, k = weight.cols
        let ldx = xStride ?? k, ldy = yStride ?? n
        precondition(ldx >= k && ldy >= n, "GEMM.linear: stride smaller than row")
        guard m > 0, n > 0 else { return }
        let beta: Float = accumulate ? 1 : 0
        switch weight {
        case let .dense(w):
            precondition(w.rank == 2, "GEMM.linear: dense weight must be [N, K], got \(w.shape)")
            w.storage.withUnsafeBufferPointer { wp in
                // [m, K] x [N, K]ᵀ → [m, N]
                sgemm(transB: true, m: m, n: n, k: k, a: x, lda: ldx, b: wp.baseAddress!, ldb: k,
                      beta: beta, c: y, ldc: ldy)
            }
        case let .f32(_, _, data, _):
            // [m, K] x [N, K]ᵀ → [m, N], straight from the mapping
            sgemm(transB: true, m: m, n: n, k: k, a: x, lda: ldx, b: data.assumingMemoryBound(to: Float.self),
                  ldb: k, beta: beta, c: y, ldc: ldy)
        case .bf16, .f16:
            let blockRows = min(n, max(1, upcastBlockRows ?? (tileFloats / max(k, 1) + 15) / 16 * 16))
            Scratch.with(blockRows * k) { tile in
                var n0 = 0
                while n0 < n {
                    let n1 = min(n, n0 + blockRows)
                    // W[n0..<n1, :] → tile [n1-n0, K] fp32, split over the workers
                    Parallel.forEachRange(n1 - n0, minimumPerChunk: max(1, 16384 / max(k, 1))) { r in
                        weight.convertRows((n0 + r.lowerBound)..<(n0 + r.upperBound), into: tile + r.lowerBound * k)
                    }
                    // [m, K] x [n1-n0, K]ᵀ → y[:, n0..<n1]
                    sgemm(transB: true, m: m, n: n1 - n0, k: k, a: x, lda: ldx, b: tile, ldb: k,
                          beta: beta, c: y + n0, ldc: ldy)
                    n0 = n1
                }
            }
        }
        if let bias {
            for i in 0..<m {
                let row = y + i * ldy
                for j in 0..<n { row[j] += bias[j] }
            }
        }
    }

    // MARK: Linear, Tensor level

    /// [..., K] x W[N, K]ᵀ (+ b[N]) → [..., N]
    public static func linear(_ x: Tensor, _ weight: LinearWeight, bias: Tensor? = nil) -> Tensor {
        let k = weight.cols
        precondition(x.rank >= 1 && x.shape.last == k, "GEMM.linear: input \(x.shape) does not end in K=\(k)")
        var y = Tensor(shape: Array(x.shape.dropLast()) + [weight.rows])
        linear(x, weight, bias: bias, into: &y, accumulate: false)
        return y
    }

    /// y[..., N] (+)= x[..., K] · W[N, K]ᵀ (+ b[N]); y must already have the right shape.
    public static func linear(_ x: Tensor, _ weight: LinearWeight, bias: Tensor? = nil, into y: inout Tensor,
                              accumulate: Bool = false) {
        let k = weight.cols, n = weight.rows
        let m = k == 0 ? 0 : x.count / k
        linear(x, rows: 0..<m, weight, bias: bias, into: &y, accumulate: accumulate)
    }

    /// The same on a contiguous block of rows only: y[rows, N] (+)= x[rows, K] · W[N, K]ᵀ (+ b).
    /// x and y are viewed as matrices [M, K] and [M, N] (all leading axes flattened). This is how the DiT applies
    /// one expert's weights to the video, audio or text rows of the token matrix.
    public static func linear(_ x: Tensor, rows: Range<Int>, _ weight: LinearWeight, bias: Tensor? = nil,
                              into y: inout Tensor, accumulate: Bool = false) {
        let k = weight.cols, n = weight.rows
        precondition(x.shape.last == k, "GEMM.linear: input \(x.shape) does not end in K=\(k)")
        precondition(y.shape.last == n, "GEMM.linear: output \(y.shape) does not end in N=\(n)")
        precondition(x.count / max(k, 1) == y.count / max(n, 1), "GEMM.linear: row counts differ")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= x.count / max(k, 1), "GEMM.linear: rows out of range")
        if let bias { precondition(bias.count == n, "GEMM.linear: bias has \(bias.count) values, expected \(n)") }
        guard !rows.isEmpty else { return }
        x.storage.withUnsafeBufferPointer { xp in
            y.storage.withUnsafeMutableBufferPointer { yp in
                withOptionalPointer(bias) { bp in
                    linear(xp.baseAddress! + rows.lowerBound * k, rows: rows.count, weight: weight, bias: bp,
                           into: yp.baseAddress! + rows.lowerBound * n, accumulate: accumulate)
                }
            }
        }
    }

    /// A[m, k] · B[k, n] (each optionally transposed as stored) → C[m, n], for 2-D tensors.
    public static func matmul(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "GEMM.matmul: rank-2 tensors only")
        let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
        let n = transposeB ? b.shape[0] : b.shape[1], kb = transposeB ? b.shape[1] : b.shape[0]
        precondition(k == kb, "GEMM.matmul: inner sizes differ (\(a.shape) x \(b.shape))")
        var c = Tensor(shape: [m, n])
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, a: ap.baseAddress!,
                          lda: a.shape[1], b: bp.baseAddress!, ldb: b.shape[1], c: cp.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}

/// Calls `body` with a pointer to the tensor's storage, or nil.
func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.storage.withUnsafeBufferPointer { body($0.baseAddress) }
}
