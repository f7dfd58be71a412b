import Foundation
import XCTest
@testable import HappyHorse

/// Property test of the header parser: random mutations of the seed corpus (Fixtures/safetensors-corpus, written by
/// the official Python package) must only ever parse or throw a HappyHorseError — never crash, hang or allocate
/// by a lying size. Whenever a mutant parses, every tensor in it is read as well.
/// Iterations: 4000 per corpus file by default; `HH_FUZZ_ITERATIONS` overrides.
final class SafeTensorsFuzzTests: XCTestCase {
    private static let interesting: [UInt8] = Array("0123456789-.e\"[]{},: ".utf8) + [0, 0x7F, 0x80, 0xFF]

    private func mutate(_ input: [UInt8], _ rng: inout MutationRng) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + rng.below(4)) {
            switch rng.below(9) {
            case 0 where !b.isEmpty:  // flip a bit
                let i = rng.below(b.count); b[i] ^= UInt8(1 << rng.below(8))
            case 1 where !b.isEmpty:  // interesting byte
                b[rng.below(b.count)] = Self.interesting[rng.below(Self.interesting.count)]
            case 2:  // insert bytes
                let i = rng.below(b.count + 1)
                b.insert(contentsOf: (0..<(1 + rng.below(8))).map { _ in Self.interesting[rng.below(Self.interesting.count)] }, at: i)
            case 3 where b.count > 1:  // delete a range
                let i = rng.below(b.count), n = 1 + rng.below(min(16, b.count - i))
                b.removeSubrange(i..<(i + n))
            case 4:  // truncate
                b = Array(b.prefix(rng.below(b.count + 1)))
            case 5 where b.count >= 8:  // rewrite the length field
                let options: [UInt64] = [0, 1, 2, UInt64(b.count), UInt64(b.count - 8), UInt64.max, UInt64(Int.max), rng.next()]
                var v = options[rng.below(options.count)]
                for k in 0..<8 { b[k] = UInt8(v & 0xFF); v >>= 8 }
            case 6 where b.count > 8:  // replace one digit inside the header with another (offsets, shapes)
                let digits = b.indices.filter { $0 >= 8 && b[$0] >= 0x30 && b[$0] <= 0x39 }
                if let i = digits.isEmpty ? nil : digits[rng.below(digits.count)] { b[i] = UInt8(0x30 + rng.below(10)) }
            case 7 where b.count > 8:  // duplicate a chunk
                let i = rng.below(b.count), n = 1 + rng.below(min(32, b.count - i))
                b.insert(contentsOf: b[i..<(i + n)], at: rng.below(b.count))
            default:  // lengthen a number: insert a digit next to a digit
                let digits = b.indices.filter { $0 >= 8 && b[$0] >= 0x30 && b[$0] <= 0x39 }
                if let i = digits.isEmpty ? nil : digits[rng.below(digits.count)] { b.insert(UInt8(0x30 + rng.below(10)), at: i) }
            }
        }
        return b
    }

    func testMutatedHeadersOnlyEverThrow() throws {
        let corpusDir = IOTestSupport.fixtures.appendingPathComponent("safetensors-corpus")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpusDir.path).filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 4)
        let iterations = ProcessInfo.processInfo.environment["HH_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 4000
        let tmp = try IOTestSupport.temporaryDirectory(self)
        var parsed = 0, rejected = 0
        for (n, name) in names.enumerated() {
            let seed = [UInt8](try Data(contentsOf: corpusDir.appendingPathComponent(name)))
            XCTAssertNoThrow(try seed.withUnsafeBytes { try SafeTensorsHeader.parse($0, path: name) }, name)
            var rng = MutationRng(state: UInt64(n + 1) &* 0x1234_5678_9ABC)
            for _ in 0..<iterations {
                let mutant = mutate(seed, &rng)
                do {
                    let header = try mutant.withUnsafeBytes { try SafeTensorsHeader.parse($0, path: name) }
                    parsed += 1
                    for entry in header.entries.values {
                        XCTAssertLessThanOrEqual(entry.byteRange.upperBound, header.dataSize)
                    }
                    // read every tensor of a parsing mutant through the mapped file
                    let url = try IOTestSupport.write(mutant, "mutant.safetensors", in: tmp)
                    let file = try SafeTensorsFile(path: url.path)
                    for key in file.keys {
                        do { _ = try file.tensor(key) } catch is HappyHorseError {}
                    }
                } catch is HappyHorseError {
                    rejected += 1
                }
            }
        }
        XCTAssertGreaterThan(rejected, 0)
        print("safetensors fuzz: \(names.count) seeds × \(iterations) mutants: \(parsed) parsed, \(rejected) rejected")
    }
}
