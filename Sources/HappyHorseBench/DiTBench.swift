func runDiTBenchmark(_ args: [String]) throws { print("dit benchmark: not yet implemented") }
