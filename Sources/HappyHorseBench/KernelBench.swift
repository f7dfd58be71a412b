import COpenBLAS
import Foundation
import HappyHorse

/// `happyhorse-bench kernels`: GFLOP/s (GEMM, attention) and GB/s (memory-bound kernels), medians of repeats.
func runKernelBenchmarks(_ args: [String]) throws {
    let threads = Int(Bench.option("--threads", in: args) ?? "") ?? 2
    let quick = args.contains("--quick")
    let only = Bench.option("--only", in: args)
    let report = Runtime.configure(threads: threads) { print("# \($0)") }
    print("# happyhorse-bench kernels  date \(ISO8601DateFormatter().string(from: Date()))")
    print("# OpenBLAS core \(report.coreName), threads \(report.threads), loadavg \(Bench.loadAverage())")
    if only == nil || only == "gemm" { gemmBenchmarks(quick: quick, threads: report.threads) }
    var tiling = Attention.Tiling.default
    if let spec = Bench.option("--tiles", in: args) {   // e.g. --tiles 192x512 (query rows x key block)
        let parts = spec.split(separator: "x").compactMap { Int($0) }
        if parts.count == 2 { tiling = Attention.Tiling(queryRows: parts[0], keyBlock: parts[1]) }
    }
    if only == nil || only == "attention" { try attentionBenchmarks(quick: quick, tiling: tiling) }
    if only == nil || only == "elementwise" { try elementwiseBenchmarks(quick: quick) }
    print("# loadavg at end \(Bench.loadAverage())")
}

// MARK: GEMM

/// DiT shapes: proj (H→H), qkv (H→(Hq+2Hkv)·64+Hq, Hq = H/64, Hkv = Hq/2), ffn_up (H→4H), ffn_dn (4H→H).
/// 'sgemm' is a raw cblas_sgemm with OpenBLAS's own threads set to the bench's thread count (how the engine ran its
/// products before 2026-12-03; not bit-reproducible across thread counts); 'linear' is the engine's GEMM.linear
/// (OpenBLAS single-threaded, the shape-only tile grid on the engine's workers).
private func gemmBenchmarks(quick: Bool, threads: Int) {
    print("\n## GEMM  y[M,N] = x[M,K]·W[N,K]ᵀ   (GF/s; 'sgemm' = raw cblas_sgemm with \(threads) OpenBLAS threads)")
    print(Bench.pad("shape", 26) + Bench.pad("M", 6) + Bench.pad("K", 6) + Bench.pad("N", 6)
          + Bench.pad("sgemm", 9) + Bench.pad("linear", 9) + Bench.pad("lin/sg", 8) + Bench.pad("bf16", 9) + "bf16/sg")
    let hiddens = [256, 1024]
    let rows = quick ? [1024] : [256, 1024, 4096]
    var sums = (sgemm: 0.0, linear: 0.0, bf16: 0.0, flops: 0.0)
    var cpuSums = (sgemm: 0.0, linear: 0.0, bf16: 0.0)
    for h in hiddens {
        let hq = h / 64, hkv = max(1, hq / 2)
        let kinds: [(String, Int, Int)] = [("proj", h, h), ("qkv", h, (hq + 2 * hkv) * 64 + hq), ("ffn_up", h, 4 * h),
                                            ("ffn_dn", 4 * h, h)]
        for (name, k, n) in kinds {
            let w = Bench.random([n, k], seed: 2)
            let bits = UnsafeMutablePointer<UInt16>.allocate(capacity: n * k)
            defer { bits.deallocate() }
            for i in 0..<(n * k) { bits[i] = UInt16(w.storage[i].bitPattern >> 16) }
            let bf16 = LinearWeight.bf16(rows: n, cols: k, data: UnsafeRawPointer(bits), owner: w.storage as AnyObject)
            for m in rows {
                let x = Bench.random([m, k], seed: 1)
                var y = Tensor(shape: [m, n])
                let flops = 2.0 * Double(m) * Double(n) * Double(k)
                openblas_set_num_threads(Int32(threads))
                let mSgemm = Bench.medians {
                    x.storage.withUnsafeBufferPointer { xp in
                        w.storage.withUnsafeBufferPointer { wp in
                            y.storage.withUnsafeMutableBufferPointer { yp in
                                // [M, K] x [N, K]ᵀ → [M, N]
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(k), 1,
                                            xp.baseAddress!, blasint(k), wp.baseAddress!, blasint(k), 0, yp.baseAddress!,
                                            blasint(n))
                            }
                        }
                    }
                }
                openblas_set_num_threads(1)  // the engine's setting (GEMM.linear would restore it anyway)
                let mLinear = Bench.medians { GEMM.linear(x, .dense(w), into: &y) }
                let mBF16 = Bench.medians { GEMM.linear(x, bf16, into: &y) }
                let (tSgemm, tLinear, tBF16) = (mSgemm.wall, mLinear.wall, mBF16.wall)
                sums.sgemm += tSgemm; sums.linear += tLinear; sums.bf16 += tBF16; sums.flops += flops
                cpuSums.sgemm += mSgemm.cpu; cpuSums.linear += mLinear.cpu; cpuSums.bf16 += mBF16.cpu
                print(Bench.pad("H=\(h) \(name)", 26) + Bench.pad("\(m)", 6) + Bench.pad("\(k)", 6) + Bench.pad("\(n)", 6)
                      + Bench.pad(Bench.fmt(flops / tSgemm / 1e9), 9) + Bench.pad(Bench.fmt(flops / tLinear / 1e9), 9)
                      + Bench.pad(Bench.fmt(tSgemm / tLinear, 2), 8) + Bench.pad(Bench.fmt(flops / tBF16 / 1e9), 9)
                      + Bench.fmt(tSgemm / tBF16, 2))
            }
        }
    }
    print("aggregate: sgemm \(Bench.fmt(sums.flops / sums.sgemm / 1e9)) GF/s, linear \(Bench.fmt(sums.flops / sums.linear / 1e9)) GF/s, "
          + "bf16 linear \(Bench.fmt(sums.flops / sums.bf16 / 1e9)) GF/s (\(Bench.fmt(100 * sums.sgemm / sums.bf16, 0)) % of sgemm)")
    print("per CPU-second (all threads): sgemm \(Bench.fmt(sums.flops / cpuSums.sgemm / 1e9)), linear "
          + "\(Bench.fmt(sums.flops / cpuSums.linear / 1e9)), bf16 linear \(Bench.fmt(sums.flops / cpuSums.bf16 / 1e9)) GF/s")
}

// MARK: attention

private func attentionBenchmarks(quick: Bool, tiling: Attention.Tiling) throws {
    print("\n## Attention (bidirectional, fp32; flops = 4·N²·D·Hq; tiles \(tiling.queryRows) query rows x \(tiling.keyBlock) keys)")
    print("# GF/s = flops / median wall time; 'per-core' = flops / median process CPU time (what one busy core delivers)")
    print(Bench.pad("N", 7) + Bench.pad("Hq/Hkv", 8) + Bench.pad("D", 5) + Bench.pad("ms", 10) + Bench.pad("GF/s", 8)
          + Bench.pad("per-core", 9) + "sgemm 1024x1024x(D·8) GF/s, per-core (same run)")
    var cases: [(Int, Int, Int, Int)] = [(256, 4, 2, 64), (1024, 16, 16, 64), (1024, 16, 16, 128), (4096, 16, 16, 64),
                                         (4096, 16, 16, 128), (4096, 16, 4, 128)]
    if quick { cases = [(1024, 16, 16, 64), (4096, 16, 16, 128)] }
    for (n, hq, hkv, d) in cases {
        let q = Bench.random([n, hq, d], seed: 3), k = Bench.random([n, hkv, d], seed: 4), v = Bench.random([n, hkv, d], seed: 5)
        var out = Tensor(shape: [n, hq, d])
        let t = try Bench.medians(repeats: 3, minimumSeconds: 0.3) {
            out = try Attention.forward(q: q, k: k, v: v, scale: 1 / Float(d).squareRoot(), tiling: tiling)
        }
        _ = out
        let flops = 4.0 * Double(n) * Double(n) * Double(d) * Double(hq)
        // a plain sgemm right after, as the yardstick for this moment's machine state
        let (gm, gn, gk) = (1024, 1024, 8 * d)
        let a = Bench.random([gm, gk], seed: 6), b = Bench.random([gn, gk], seed: 7)
        var c = Tensor(shape: [gm, gn])
        let g = Bench.medians(repeats: 3, minimumSeconds: 0.2) {
            a.storage.withUnsafeBufferPointer { ap in
                b.storage.withUnsafeBufferPointer { bp in
                    c.storage.withUnsafeMutableBufferPointer { cp in
                        // [1024, 8D] x [1024, 8D]ᵀ → [1024, 1024]
                        GEMM.sgemm(transB: true, m: gm, n: gn, k: gk, a: ap.baseAddress!, lda: gk, b: bp.baseAddress!,
                                   ldb: gk, c: cp.baseAddress!, ldc: gn)
                    }
                }
            }
        }
        let gf = 2.0 * Double(gm * gn * gk)
        print(Bench.pad("\(n)", 7) + Bench.pad("\(hq)/\(hkv)", 8) + Bench.pad("\(d)", 5) + Bench.pad(Bench.fmt(t.wall * 1e3, 2), 10)
              + Bench.pad(Bench.fmt(flops / t.wall / 1e9), 8) + Bench.pad(Bench.fmt(flops / t.cpu / 1e9), 9)
              + Bench.fmt(gf / g.wall / 1e9) + ", " + Bench.fmt(gf / g.cpu / 1e9))
    }
}

// MARK: memory-bound kernels

private func elementwiseBenchmarks(quick: Bool) throws {
    print("\n## Memory-bound kernels (GB/s = bytes read + written / time)")
    print(Bench.pad("kernel", 50) + Bench.pad("ms", 10) + Bench.pad("GB/s", 8) + "GB/s per CPU-second")
    let (n, h) = (4096, 1024)
    let x = Bench.random([n, h], seed: 6), w = Bench.random([h], seed: 7)
    let count = Double(n * h)
    func row(_ name: String, bytes: Double, _ body: () throws -> Void) rethrows {
        let t = try Bench.medians(repeats: 5, minimumSeconds: quick ? 0.1 : 0.3, body)
        print(Bench.pad(name, 50) + Bench.pad(Bench.fmt(t.wall * 1e3, 3), 10) + Bench.pad(Bench.fmt(bytes / t.wall / 1e9), 8)
              + Bench.fmt(bytes / t.cpu / 1e9))
    }
    var y = x
    // pointer-level calls into preallocated outputs: the kernels, not the allocation of result tensors
    row("rmsNorm (1+w) [4096, 1024]", bytes: 8 * count) {
        x.storage.withUnsafeBufferPointer { xp in
            w.storage.withUnsafeBufferPointer { wp in
                y.storage.withUnsafeMutableBufferPointer { yp in
                    Norm.rmsNorm(xp.baseAddress!, rows: n, dim: h, weight: wp.baseAddress!, eps: 1e-6, into: yp.baseAddress!)
                }
            }
        }
    }
    var heads = Bench.random([n, 16, 64], seed: 8)
    let w64 = Bench.random([64], seed: 9)
    row("headRMSNorm in place [4096, 16, 64]", bytes: 8 * count) { Norm.headRMSNorm(&heads, weight: w64, eps: 1e-6) }
    let vae = Bench.random([128, 4, 64, 64], seed: 10)
    var vaeOut = vae
    row("channelRMSNorm [128, 4, 64, 64]", bytes: 8 * Double(vae.count)) {
        vae.storage.withUnsafeBufferPointer { xp in
            vaeOut.storage.withUnsafeMutableBufferPointer { yp in
                Norm.channelRMSNorm(xp.baseAddress!, channels: 128, positions: vae.count / 128, eps: 1e-6, into: yp.baseAddress!)
            }
        }
    }
    var coords = Tensor(shape: [n, 3])
    for t in 0..<n { coords.storage[3 * t] = Float(t / 256); coords.storage[3 * t + 1] = Float((t / 16) % 16) - 7.5; coords.storage[3 * t + 2] = Float(t % 16) - 7.5 }
    let table = RoPE.Table(angles: RoPE.angles3Axis(coordinates: coords, bands: RoPE.bands(headDim: 64, theta: 10000)))
    row("RoPE 3-axis in place [4096, 16, 64] (48 of 64)", bytes: 8 * count) { RoPE.apply(&heads, table: table) }
    y = x
    row("gelu7 in place [4096, 1024]", bytes: 8 * count) { Activation.gelu7(&y) }
    row("silu in place [4096, 1024]", bytes: 8 * count) { Activation.silu(&y) }
    let z = Bench.random([n, 2 * h], seed: 11)
    var sw = Tensor(shape: [n, h])
    row("swiglu7 [4096, 2048] → [4096, 1024]", bytes: 12 * count) {
        z.storage.withUnsafeBufferPointer { zp in
            sw.storage.withUnsafeMutableBufferPointer { Activation.swiglu7(zp.baseAddress!, rows: n, features: h, into: $0.baseAddress!) }
        }
    }
    let gates = Bench.random([n, 16], seed: 12)
    row("sigmoidHeadGate [4096, 16, 64]", bytes: 8 * count) { Activation.sigmoidHeadGate(&heads, gates: gates) }
    row("residual add [4096, 1024]", bytes: 12 * count) { Activation.add(x, into: &y) }
    let latent = Bench.random([16, 8, 64, 64], seed: 13)
    try row("patchify [16, 8, 64, 64] (allocates its output)", bytes: 8 * Double(latent.count)) { y = try Patchify.patchify(latent) }
    _ = (y, sw, vaeOut)
}
