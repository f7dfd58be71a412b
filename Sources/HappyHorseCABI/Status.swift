// hh_status: how an engine error reaches C (happyhorse_cabi.h), and the error-out helpers.
import CHappyHorseABI
import Foundation
import HappyHorse
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Status codes (hh_status)

enum HHStatus: Int32 {
    case ok = 0, end = 1, notFound = 2, settings = 3, runtime = 4, cancelled = 5, noMemory = 6
    case notAModelDirectory = 7
}

/// Maps an error to a status and its text. A path that is no model directory → NOT_A_MODEL_DIRECTORY; missing files
/// → NOT_FOUND; malformed model or request → SETTINGS.
func classify(_ error: Error) -> (HHStatus, String) {
    if let failure = error as? ModelLocator.Failure { return (.notAModelDirectory, failure.description) }
    guard let hh = error as? HappyHorseError else { return (.runtime, String(describing: error)) }
    switch hh.root {
    case .cancelled: return (.cancelled, hh.description)
    case .io: return (.notFound, hh.description)
    case .missingTensor, .shapeMismatch, .unusedTensors, .unsupportedDType, .invalidConfig, .invalidFile:
        return (.settings, hh.description)
    case .invalidArgument: return (.settings, hh.description)
    case .outOfMemory: return (.noMemory, hh.description)
    case .context: return (.runtime, hh.description)   // unreachable: root strips contexts
    }
}

func setError(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ text: String) {
    out?.pointee = strdup(text)
}

func fail(_ error: Error, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let (status, text) = classify(error)
    setError(out, text)
    return status.rawValue
}

func string(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }


/// The text of a failed load, complete for the user: a missing or malformed model is told what a model directory
/// holds, unless the engine's message says so already.
func loadFailure(_ error: Error) -> (HHStatus, String) {
    let (status, text) = classify(error)
    let describesLayout = status == .notAModelDirectory || text.contains(ModelDirectory.expectedLayout)
    guard status == .notFound || status == .settings, !describesLayout else { return (status, text) }
    return (status, "\(text); expected: \(ModelLocator.layout)")
}
