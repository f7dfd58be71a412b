import Foundation

/// A checkpoint made of one or more safetensors files: a single file, a directory with `model.safetensors`, or a
/// directory (or index path) with `model.safetensors.index.json` whose `weight_map` maps each key to its shard
/// (the Hugging Face sharded layout used by the MagiHuman DiT folders, spec 4.1).
public final class SafeTensorsCheckpoint: @unchecked Sendable {
    public static let indexFileName = "model.safetensors.index.json"
    public static let singleFileName = "model.safetensors"

    /// What the checkpoint is called in messages (the file, or the index path).
    public let path: String
    public let files: [SafeTensorsFile]
    /// key → index into `files`.
    public let location: [String: Int]

    public init(url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw HappyHorseError.io(path: url.path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            let index = url.appendingPathComponent(Self.indexFileName)
            if FileManager.default.fileExists(atPath: index.path) {
                (path, files, location) = try Self.openSharded(index: index)
            } else {
                let single = url.appendingPathComponent(Self.singleFileName)
                (path, files, location) = try Self.openSingle(single)
            }
        } else if url.lastPathComponent.hasSuffix(".index.json") {
            (path, files, location) = try Self.openSharded(index: url)
        } else {
            (path, files, location) = try Self.openSingle(url)
        }
    }

    /// All keys, sorted.
    public var keys: [String] { location.keys.sorted() }

    public func file(for key: String) -> SafeTensorsFile? { location[key].map { files[$0] } }

    public var totalDataBytes: Int { files.reduce(0) { $0 + $1.header.dataSize } }

    private static func openSingle(_ url: URL) throws -> (String, [SafeTensorsFile], [String: Int]) {
        let file = try SafeTensorsFile(path: url.path)
        var location: [String: Int] = [:]
        for key in file.header.entries.keys { location[key] = 0 }
        return (url.path, [file], location)
    }

    private static func openSharded(index: URL) throws -> (String, [SafeTensorsFile], [String: Int]) {
        let path = index.path
        func bad(_ reason: String) -> HappyHorseError { .invalidFile(path: path, reason: reason) }
        let data = try RegularFile.read(path, limit: 64 << 20, what: "index")
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw bad("not valid JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any], let map = root["weight_map"] as? [String: Any] else {
            throw bad("no 'weight_map' object")
        }
        var shardNames: [String] = []
        var shardIndex: [String: Int] = [:]
        var wanted: [String: String] = [:]
        for (key, value) in map {
            guard let shard = value as? String else { throw bad("weight_map value of '\(key)' is not a string") }
            guard !shard.isEmpty, !shard.contains("/"), !shard.contains("\\"), shard != ".", shard != ".." else {
                throw bad("weight_map names shard '\(shard)' for '\(key)'; shards must be plain file names beside the index")
            }
            wanted[key] = shard
            if shardIndex[shard] == nil {
                shardIndex[shard] = shardNames.count
                shardNames.append(shard)
            }
        }
        let directory = index.deletingLastPathComponent()
        // A shard that is a symbolic link must still lie beside the index (not /etc/passwd).
        let boundary = try ModelDirectoryBoundary(directory)
        let files = try shardNames.map { try SafeTensorsFile(path: boundary.path($0, field: "weight_map")) }
        var location: [String: Int] = [:]
        for (i, file) in files.enumerated() {
            for key in file.header.entries.keys {
                if let other = location[key] {
                    throw bad("tensor '\(key)' is stored in both \(files[other].path) and \(file.path)")
                }
                location[key] = i
            }
        }
        for (key, shard) in wanted.sorted(by: { $0.key < $1.key }) {
            guard let i = location[key] else {
                throw HappyHorseError.missingTensor(key: key, file: directory.appendingPathComponent(shard).path)
            }
            guard shardNames[i] == shard else {
                throw bad("weight_map puts '\(key)' in \(shard) but it is stored in \(shardNames[i])")
            }
        }
        return (path, files, location)
    }
}
