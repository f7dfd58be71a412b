import Foundation

/// Decodes one section of config.json ("dit", "pipeline", "text_encoder", "vae"), turning a decoding failure
/// into `invalidConfig` whose field is "section.path.to.field" (or just "section" when no field is known).
func decodeConfigSection<T: Decodable>(_ type: T.Type, from json: Data, section: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: json)
    } catch let error as DecodingError {
        let path = error.fieldPath
        if path.isEmpty, let (field, value) = unfitNumber(type, json: json) {
            throw HappyHorseError.invalidConfig(field: section + "." + field,
                                                reason: "\(value) does not fit the field (a whole number in range is expected)")
        }
        throw HappyHorseError.invalidConfig(field: path.isEmpty ? section : section + "." + path, reason: error.reason)
    } catch let error as HappyHorseError {
        throw error  // a field refused by name while decoding
    } catch {
        throw HappyHorseError.invalidConfig(field: section, reason: "\(error)")
    }
}

/// Foundation's JSONDecoder on Linux reports a number that does not fit its field (29.97 or 1e30 for an Int) as "not
/// valid JSON" with no field. This finds the field: among the section's numbers that are not whole or too large for an
/// integer, the one whose replacement by 1 makes the failure go away. Nil when none does.
func unfitNumber<T: Decodable>(_ type: T.Type, json: Data) -> (field: String, value: String)? {
    guard let root = try? JSONSerialization.jsonObject(with: json) else { return nil }
    for (path, number) in suspiciousNumbers(root, path: []) {
        let patched = replacing(root, at: path, with: 1)
        guard let data = try? JSONSerialization.data(withJSONObject: patched) else { continue }
        do { _ = try JSONDecoder().decode(type, from: data); return (render(path), "\(number)") } catch let e as DecodingError {
            if !e.fieldPath.isEmpty { return (render(path), "\(number)") }
        } catch { return (render(path), "\(number)") }
    }
    return nil
}

private enum PathStep { case key(String), index(Int) }

private func suspiciousNumbers(_ value: Any, path: [PathStep]) -> [([PathStep], Double)] {
    if let dictionary = value as? [String: Any] {
        return dictionary.keys.sorted().flatMap { suspiciousNumbers(dictionary[$0]!, path: path + [.key($0)]) }
    }
    if let array = value as? [Any] {
        return array.enumerated().flatMap { suspiciousNumbers($1, path: path + [.index($0)]) }
    }
    if let number = value as? NSNumber {   // a boolean is 0 or 1: never suspicious
        let d = number.doubleValue
        if d != d.rounded() || abs(d) > 9.0e15 { return [(path, d)] }
    }
    return []
}

private func replacing(_ value: Any, at path: [PathStep], with replacement: Any) -> Any {
    guard let step = path.first else { return replacement }
    switch step {
    case let .key(k):
        var dictionary = value as! [String: Any]
        dictionary[k] = replacing(dictionary[k]!, at: Array(path.dropFirst()), with: replacement)
        return dictionary
    case let .index(i):
        var array = value as! [Any]
        array[i] = replacing(array[i], at: Array(path.dropFirst()), with: replacement)
        return array
    }
}

private func render(_ path: [PathStep]) -> String {
    path.map { step -> String in
        switch step { case let .key(k): return k; case let .index(i): return "[\(i)]" }
    }.joined(separator: ".")
}
