import Foundation
import Testing
@testable import HappyHorse

/// Serialized: these tests change the process-wide thread count. Other suites may call `Runtime.configure` at the
/// same time, so the checks compare values that are set together under one lock, not fixed numbers.
@Suite("Runtime", .serialized)
struct RuntimeTests {
    static let avx512 = CPUFeatures(flags: ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"])
    static let avx2 = CPUFeatures(flags: ["sse2", "avx", "avx2", "fma"])

    @Test("the user's OPENBLAS_CORETYPE always wins")
    func userWins() {
        let s = CoreSelection.decide(environment: ["OPENBLAS_CORETYPE": "Haswell"], features: Self.avx512)
        #expect(s.source == .user)
        #expect(s.coreType == "Haswell")
    }

    @Test("features pick SkylakeX, Haswell, or leave OpenBLAS alone")
    func featureChoice() {
        #expect(CoreSelection.decide(environment: [:], features: Self.avx512).coreType == "SkylakeX")
        #expect(CoreSelection.decide(environment: [:], features: Self.avx2).coreType == "Haswell")
        // AVX-512F alone (no BW/DQ/VL, e.g. Knights Landing) is not SkylakeX
        var knl = Self.avx2
        knl.flags.insert("avx512f")
        #expect(CoreSelection.decide(environment: [:], features: knl).coreType == "Haswell")
        let none = CoreSelection.decide(environment: ["OPENBLAS_CORETYPE": ""], features: CPUFeatures(flags: ["sse2", "avx"]))
        #expect(none.source == .library)
        #expect(none.coreType == nil)
    }

    @Test("cpuinfo flags parsing")
    func parse() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512dq avx512vl\nbogomips\t: 4600\n"
        let f = CPUFeatures.parse(cpuinfo: text)
        #expect(f.hasAVX512SkylakeX)
        #expect(f.hasAVX2FMA)
        #expect(!CPUFeatures.parse(cpuinfo: "no flags here").hasAVX2FMA)
    }

    @Test("configure is idempotent, logs the core, and gets fast kernels on this CPU unless the user chose")
    func configure() {
        let lines = LockedBox<[String]>(value: [])
        let first = Runtime.configure(threads: 2) { line in lines.write { $0.append(line) } }
        let second = Runtime.configure(threads: 2) { line in lines.write { $0.append(line) } }
        #expect(first.coreName == second.coreName)
        #expect(first.threads == 2 && second.threads == 2)
        #expect(lines.read { $0.count } >= 2)
        #expect(lines.read { $0[0].contains("OpenBLAS core \(first.coreName)") })
        // (the selection may itself have set OPENBLAS_CORETYPE by now, so ask the selection, not the environment)
        switch first.selection.source {
        case .user:
            #expect(first.selection.coreType == ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
        case .cpuFeatures:
            #expect(first.coreName.lowercased() == first.selection.coreType?.lowercased())
            if CPUFeatures.current.hasAVX512SkylakeX { #expect(first.coreName == "SkylakeX") }
        case .library:
            #expect(first.selection.coreType == nil || !first.selection.reason.isEmpty)
        }
    }

    @Test("configure from many threads at once is safe, and GEMM still agrees with naive afterwards")
    func concurrentConfigure() {
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            _ = Runtime.configure(threads: 1 + i % 2)
        }
        Runtime.configure(threads: 2)
        let x = KernelTestSupport.random([33, 40], seed: 90), w = KernelTestSupport.random([50, 40], seed: 91)
        #expect(KernelTestSupport.nmse(GEMM.linear(x, .dense(w)), GEMM.linearNaive(x, .dense(w))) < 1e-12)
    }

    @Test("attention and GEMM from several threads at once: right results, OpenBLAS left single-threaded")
    func concurrentKernels() throws {
        Runtime.configure(threads: 2)
        let q = KernelTestSupport.random([150, 4, 16], seed: 92), k = KernelTestSupport.random([150, 2, 16], seed: 93)
        let expected = Attention.naive(q: q, k: k, v: k, scale: 0.25)
        let x = KernelTestSupport.random([300, 64], seed: 94), w = KernelTestSupport.random([96, 64], seed: 95)
        let expectedLinear = GEMM.linearNaive(x, .dense(w))
        let errors = LockedBox<[Double]>(value: [])
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            let e: Double
            if i % 2 == 0 {
                let o = (try? Attention.forward(q: q, k: k, v: k, scale: 0.25, tiling: Attention.Tiling(queryRows: 16, keyBlock: 32)))
                e = o.map { KernelTestSupport.nmse($0, expected) } ?? .infinity
            } else {
                e = KernelTestSupport.nmse(GEMM.linear(x, .dense(w)), expectedLinear)
            }
            errors.write { $0.append(e) }
        }
        #expect(errors.read { $0.allSatisfy { $0 < 1e-10 } })
        // OpenBLAS stays single-threaded: the engine's workers split the products (GEMM.parallelSgemm).
        #expect(Runtime.blasThreads == 1)
    }
}
