import COpenBLAS

/// Matrix products. This file is the ONLY caller of `cblas_*` in the engine.
///
/// All matrices are row-major fp32. `linear` follows torch's Linear layout: y[M, N] = x[M, K] · W[N, K]ᵀ (+ b).
/// Strides (`xStride`, `yStride`, `lda`, ...) are in elements between consecutive rows, so a caller can work on a
/// column slice of a wider matrix (e.g. the q columns of a fused qkv output) or on a contiguous block of rows.
///
/// Threads and determinism: OpenBLAS always runs single-threaded (its threaded sgemm gives other bits than its
/// single-threaded one, and its thread count is process-wide, so two engines would change each other's results).
/// `parallelSgemm` and `linear` split C into a grid of tiles that depends only on the matrix shape
/// (`OutputGrid`) and hand the tiles to the engine's workers, one single-threaded sgemm per tile; every element of
/// C is therefore computed the same way whatever the thread count and whatever else runs in the process.
public enum GEMM {
    /// Target size of one up-converted weight tile (floats) for BF16/F16 weights: ~4 MiB, L2-sized.
    static let tileFloats = 1 << 20

    /// Largest output tile of the parallel products (rows x columns of C); tiles are even splits of C.
    static let maxTileRows = 512, maxTileColumns = 512
    /// Products big enough to share are split into at least this many tiles (so up to 8 workers have work), as
    /// long as a tile keeps at least `minTileSide` rows and columns and the product `minSplitWork` multiply-adds.
    static let minTiles = 8, minTileSide = 32, minSplitWork = 1 << 20

    /// An even split of C [m, n] into tiles of at most `maxTileRows` x `maxTileColumns`, split further (the longer
    /// tile side first) until there are `minTiles`: a function of (m, n, k) only, never of the thread count.
    struct OutputGrid {
        let m: Int, n: Int, rowTiles: Int, columnTiles: Int
        init(m: Int, n: Int, k: Int) {
            self.m = m
            self.n = n
            var rows = max(1, (m + GEMM.maxTileRows - 1) / GEMM.maxTileRows)
            var columns = max(1, (n + GEMM.maxTileColumns - 1) / GEMM.maxTileColumns)
            if m * n * k >= GEMM.minSplitWork {
                while rows * columns < GEMM.minTiles {
                    let (tileRows, tileColumns) = (m / rows, n / columns)
                    if tileRows >= tileColumns, tileRows >= 2 * GEMM.minTileSide {
                        rows *= 2
                    } else if tileColumns >= 2 * GEMM.minTileSide {
                        columns *= 2
                    } else if tileRows >= 2 * GEMM.minTileSide {
                        rows *= 2
                    } else {
                        break
                    }
                }
            }
            rowTiles = rows
            columnTiles = columns
        }
        var count: Int { rowTiles * columnTiles }
        /// Rows and columns of C in tile `index` (row-major over the grid).
        func tile(_ index: Int) -> (rows: Range<Int>, columns: Range<Int>) {
            let (i, j) = (index / columnTiles, index % columnTiles)
            return (m * i / rowTiles..<m * (i + 1) / rowTiles, n * j / columnTiles..<n * (j + 1) / columnTiles)
        }
    }

    // MARK: general sgemm

    /// C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, row-major, on the caller's thread (OpenBLAS is
    /// single-threaded). op(A) = A ([m, k], lda ≥ k) or Aᵀ (A is [k, m], lda ≥ m); likewise op(B) = B [k, n] or
    /// Bᵀ (B is [n, k]). For code that already runs on the engine's workers: attention tiles (S = Q·Kᵀ, O += P·V)
    /// and im2col convolution blocks. A whole product from one thread goes through `parallelSgemm`.
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

    /// The same product as `sgemm`, with C split into the shape-only `OutputGrid` and the tiles shared by the
    /// engine's workers (one single-threaded sgemm per tile): the result does not depend on the thread count.
    public static func parallelSgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                     b: UnsafePointer<Float>, ldb: Int,
                                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM.parallelSgemm: negative size \(m)x\(n)x\(k)")
        guard m > 0, n > 0 else { return }
        let grid = OutputGrid(m: m, n: n, k: k)
        let (aS, bS, cS) = (UnsafeSendablePointer(a), UnsafeSendablePointer(b), SendableMutablePointer(c))
        Runtime.prepareBLAS()
        Parallel.forEachRange(grid.count) { tiles in
            for index in tiles {
                let (rows, columns) = grid.tile(index)
                // op(A)[rows, :] starts at row i0 of A, or column i0 of A stored [k, m]
                let aTile = transA ? aS.pointer + rows.lowerBound : aS.pointer + rows.lowerBound * lda
                // op(B)[:, columns] starts at column j0 of B [k, n], or row j0 of B stored [n, k]
                let bTile = transB ? bS.pointer + columns.lowerBound * ldb : bS.pointer + columns.lowerBound
                // [rows, K] x [K, columns] → C[rows, columns]
                sgemm(transA: transA, transB: transB, m: rows.count, n: columns.count, k: k, alpha: alpha,
                      a: aTile, lda: lda, b: bTile, ldb: ldb, beta: beta,
                      c: cS.pointer + rows.lowerBound * ldc + columns.lowerBound, ldc: ldc)
            }
        }
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
                parallelSgemm(transB: true, m: m, n: n, k: k, a: x, lda: ldx, b: wp.baseAddress!, ldb: k,
                      beta: beta, c: y, ldc: ldy)
            }
        case let .f32(_, _, data, _):
            // [m, K] x [N, K]ᵀ → [m, N], straight from the mapping
            parallelSgemm(transB: true, m: m, n: n, k: k, a: x, lda: ldx, b: data.assumingMemoryBound(to: Float.self),
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
                    parallelSgemm(transB: true, m: m, n: n1 - n0, k: k, a: x, lda: ldx, b: tile, ldb: k,
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
                    parallelSgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, a: ap.baseAddress!,
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
