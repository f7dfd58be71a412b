import Foundation

/// How the OpenBLAS core type was chosen.
///
/// Debian's OpenBLAS 0.3.21 misdetects recent Xeons as Prescott (SSE3, ~5x slow). It reads OPENBLAS_CORETYPE only
/// while it initialises, so after deciding we set the variable and re-run its dynamic-arch initialisation.
public struct CoreSelection: Sendable, CustomStringConvertible {
    public enum Source: String, Sendable {
        /// OPENBLAS_CORETYPE was set by the user; left alone.
        case user
        /// Chosen here from the CPU's features and applied.
        case cpuFeatures = "cpu-features"
        /// Nothing to choose (no AVX2/AVX-512) or the library could not be re-initialised; OpenBLAS's own pick stands.
        case library
    }

    public var source: Source
    /// The core type asked for ("SkylakeX", "Haswell"), nil when OpenBLAS's own detection stands.
    public var coreType: String?
    /// Human-readable reason, for the debug log.
    public var reason: String

    public var description: String {
        "\(coreType ?? "auto-detected") from \(source.rawValue): \(reason)"
    }

    /// The decision only (pure; tested): what core type to ask for given the environment and features.
    public static func decide(environment: [String: String], features: CPUFeatures) -> CoreSelection {
        if let user = environment["OPENBLAS_CORETYPE"], !user.isEmpty {
            return CoreSelection(source: .user, coreType: user, reason: "OPENBLAS_CORETYPE=\(user) set by the user")
        }
        if features.hasAVX512SkylakeX {
            return CoreSelection(source: .cpuFeatures, coreType: "SkylakeX",
                                 reason: "CPU has AVX-512 F/BW/DQ/VL")
        }
        if features.hasAVX2FMA {
            return CoreSelection(source: .cpuFeatures, coreType: "Haswell", reason: "CPU has AVX2 and FMA")
        }
        let why = features.flags.isEmpty ? "CPU features unknown" : "CPU has neither AVX-512 nor AVX2+FMA"
        return CoreSelection(source: .library, coreType: nil, reason: "\(why); OpenBLAS detection kept")
    }

    /// Decides, then applies: setenv + re-initialise OpenBLAS's dynamic arch (when the build exports the hooks).
    static func perform(environment: [String: String], features: CPUFeatures) -> CoreSelection {
        var selection = decide(environment: environment, features: features)
        guard selection.source == .cpuFeatures, let core = selection.coreType else { return selection }
        if OpenBLASControl.coreName().lowercased() == core.lowercased() {
            selection.reason += "; OpenBLAS already runs it"
            return selection
        }
        setenv("OPENBLAS_CORETYPE", core, 1)
        if OpenBLASControl.reinitialiseDynamicArch() {
            selection.reason += "; OpenBLAS re-initialised"
        } else {
            selection.source = .library
            selection.reason += "; this OpenBLAS cannot be re-initialised at run time (no dynamic-arch hooks), "
                + "its own choice stands"
        }
        return selection
    }
}
