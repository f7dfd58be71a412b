import Foundation

/// Decodes one section of config.json ("dit", "pipeline", "text_encoder", "vae"), turning a decoding failure
/// into `invalidConfig` whose field is "section.path.to.field" (or just "section" when no field is known).
func decodeConfigSection<T: Decodable>(_ type: T.Type, from json: Data, section: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: json)
    } catch let error as DecodingError {
        let path = error.fieldPath
        throw HappyHorseError.invalidConfig(field: path.isEmpty ? section : section + "." + path, reason: error.reason)
    } catch let error as HappyHorseError {
        throw error  // a field refused by name while decoding
    } catch {
        throw HappyHorseError.invalidConfig(field: section, reason: "\(error)")
    }
}
