import Foundation

// Spec 2.3: the effective 3-axis RoPE coordinates (t, y, x) of every token of [video ‖ audio ‖ text] and the
// angles φ = [t·ω ‖ y·ω ‖ x·ω] built from them.

/// Token counts of one DiT input, in sequence order [video ‖ audio ‖ text].
public struct DiTTokenLayout: Sendable, Equatable {
    /// Video token grid (T', H', W') after patchify.
    public var grid: (t: Int, h: Int, w: Int)
    public var audio: Int
    public var text: Int

    public init(grid: (t: Int, h: Int, w: Int), audio: Int, text: Int) {
        self.grid = grid
        self.audio = audio
        self.text = text
    }

    public var video: Int { grid.t * grid.h * grid.w }
    public var total: Int { video + audio + text }
    /// Row ranges of the modality blocks: expert e (video 0, audio 1, text 2) owns `ranges[e]`.
    public var ranges: [Range<Int>] { [0..<video, video..<(video + audio), (video + audio)..<total] }

    public static func == (a: Self, b: Self) -> Bool {
        a.grid == b.grid && a.audio == b.audio && a.text == b.text
    }
}

public enum DiTCoordinates {
    /// [N, 3] coordinates (t, y, x), row-major, in Double:
    /// - video: t = latent frame index, y = row − (H'−1)/2, x = col − (W'−1)/2 (token grid);
    /// - audio: t = a·k with k = ⌊(A−1)/4⌋/(A−1) (v2) or (T'−1)/(A−1) (v1), k = 0 when A = 1; y = x = 0;
    /// - text: v2 all zero (no positional signal); v1 t = i/(L−1) (0 when L = 1), y = x = 0.
    public static func coordinates(_ layout: DiTTokenLayout, style: DiTConfiguration.RopeStyle) -> [Double] {
        var out = [Double](repeating: 0, count: 3 * layout.total)
        let (tp, hp, wp) = layout.grid
        var n = 0
        for t in 0..<tp {
            for y in 0..<hp {
                for x in 0..<wp {
                    out[3 * n] = Double(t)
                    out[3 * n + 1] = Double(y) - Double(hp - 1) / 2
                    out[3 * n + 2] = Double(x) - Double(wp - 1) / 2
                    n += 1
                }
            }
        }
        let a = layout.audio
        if a > 1 {
            let k = style == .v2 ? Double((a - 1) / 4) / Double(a - 1) : Double(tp - 1) / Double(a - 1)
            for i in 0..<a { out[3 * (layout.video + i)] = Double(i) * k }
        }
        let l = layout.text
        if style == .v1, l > 1 {
            for i in 0..<l { out[3 * (layout.video + a + i)] = Double(i) / Double(l - 1) }
        }
        return out
    }

    /// Angles [N, 3B] = [t·ω ‖ y·ω ‖ x·ω] from coordinates [N, 3] (Double) and bands ω [B], rounded to fp32 at the end.
    public static func angles(coordinates: [Double], bands: [Float]) -> Tensor {
        let b = bands.count, n = coordinates.count / 3
        var phi = Tensor(shape: [n, 3 * b])
        for t in 0..<n {
            for axis in 0..<3 {
                let p = coordinates[3 * t + axis]
                for j in 0..<b { phi.storage[t * 3 * b + axis * b + j] = Float(p * Double(bands[j])) }
            }
        }
        return phi
    }
}
