import Foundation

/// Reusable fp32 scratch buffers (weight tiles, attention tiles), so hot loops do not hit malloc/mmap and
/// fresh-page faults on every call. Thread-safe; a buffer is owned by one caller between `take` and `give`.
enum Scratch {
    private static let pool = LockedBox<[(UnsafeMutablePointer<Float>, Int)]>(value: [])
    private static let keepAtMost = 8

    /// A buffer of at least `count` floats (contents undefined). Return it with `give`.
    static func take(_ count: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let found: (UnsafeMutablePointer<Float>, Int)? = pool.write { free in
            guard let index = free.indices.filter({ free[$0].1 >= count }).min(by: { free[$0].1 < free[$1].1 })
            else { return nil }
            return free.remove(at: index)
        }
        if let found { return found }
        let capacity = max(count, 1)
        return (UnsafeMutablePointer<Float>.allocate(capacity: capacity), capacity)
    }

    static func give(_ buffer: (UnsafeMutablePointer<Float>, Int)) {
        let evicted: (UnsafeMutablePointer<Float>, Int)? = pool.write { free in
            free.append(buffer)
            guard free.count > keepAtMost else { return nil }
            let smallest = free.indices.min(by: { free[$0].1 < free[$1].1 })!
            return free.remove(at: smallest)
        }
        evicted?.0.deallocate()
    }

    /// Runs `body` with a scratch buffer of at least `count` floats.
    static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(count)
        defer { give(buffer) }
        return try body(buffer.0)
    }
}
