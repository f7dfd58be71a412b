// happyhorse-bench: performance numbers for this machine (never run by `swift test`).
//
//   happyhorse-bench kernels [--threads N] [--quick] [--only gemm|attention|elementwise] [--tiles RxK]
//   happyhorse-bench dit [...]        (DiTBench.swift)
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: happyhorse-bench kernels [--threads N] [--quick] [--only gemm|attention|elementwise] [--tiles RxK]
           happyhorse-bench dit [options]
    """

do {
    switch arguments.first {
    case "kernels":
        try runKernelBenchmarks(Array(arguments.dropFirst()))
    case "dit":
        try runDiTBenchmark(Array(arguments.dropFirst()))
    default:
        print(usage)
        exit(arguments.isEmpty || arguments.first == "--help" ? 0 : 2)
    }
} catch {
    FileHandle.standardError.write(Data("happyhorse-bench: \(error)\n".utf8))
    exit(1)
}
