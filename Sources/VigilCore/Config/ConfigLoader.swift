import Foundation
import Yams

/// One configuration problem with its position.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(file):\(line):\(column): \(message)" }

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }
}

/// Every problem found in one file; the loader keeps going after the
/// first so `vigil check config` can list them all.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Loads and validates a Vigil configuration from YAML.
public enum ConfigLoader {
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigErrors) -> VigilConfig
    {
        try parse(try text(of: path), file: path, environment: environment)
    }

    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(ConfigErrors)
        -> VigilConfig
    {
        let node = try compose(text, file: file)
        // Decode, then tie the parts together; every problem of both steps
        // is listed.
        let reader = ConfigReader(file: file, environment: environment)
        let document = reader.document(node)
        let (config, unresolved) = ConfigResolver.resolve(document)
        let errors = reader.errors + unresolved
        if !errors.isEmpty { throw ConfigErrors(errors: inFileOrder(errors)) }
        return config
    }

    /// The YAML tree of a file, or its syntax error with the position.
    static func compose(_ text: String, file: String) throws(ConfigErrors) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ConfigErrors(errors: [yamlError(e, file: file)])
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, column: 1, message: "\(error)")])
        }
        guard let node else {
            throw ConfigErrors(errors: [ConfigError(file: file, line: 1, column: 1, message: "the file is empty")])
        }
        return node
    }

    /// Reads a file as UTF-8 text, or says why it cannot.
    static func text(of path: String) throws(ConfigErrors) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [
                ConfigError(file: path, line: 1, column: 1, message: "cannot read the file (\(unreadable(path)))")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(file: path, line: 1, column: 1, message: "the file is not UTF-8")])
        }
        return text
    }

    /// In file order (files apart), which is how a person fixes them.
    static func inFileOrder(_ errors: [ConfigError]) -> [ConfigError] {
        var files: [String: Int] = [:]
        for e in errors where files[e.file] == nil { files[e.file] = files.count }
        return errors.enumerated().sorted {
            (files[$0.element.file] ?? 0, $0.element.line, $0.element.column, $0.offset)
                < (files[$1.element.file] ?? 0, $1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
    }

    /// Why a file could not be read, in a few words.
    static func unreadable(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "read error"
    }

    static func yamlError(_ e: YamlError, file: String) -> ConfigError {
        // Never the library's own description: it repeats the document
        // (control characters and all) after the problem.
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            var message = "YAML: \(problem)"
            if let hint = hint(for: problem) { message += "; \(hint)" }
            return ConfigError(file: file, line: mark.line, column: mark.column, message: Sanitizer.clean(message))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { Sanitizer.quote($0) }.joined(separator: ", ")
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys) in one mapping")
        case .reader(let problem, let offset, _, let yaml):
            var line = 1
            var column = 1
            if let offset {
                for ch in yaml.prefix(offset) {
                    if ch == "\n" {
                        line += 1
                        column = 1
                    } else {
                        column += 1
                    }
                }
            }
            return ConfigError(file: file, line: line, column: column, message: Sanitizer.clean("YAML: \(problem)"))
        default:
            return ConfigError(file: file, line: 1, column: 1, message: Sanitizer.clean("YAML: \(e)", maxLength: 200))
        }
    }

    /// What libyaml's jargon usually means in a hand-written file.
    static func hint(for problem: String) -> String? {
        if problem.contains("mapping values are not allowed") {
            return "check the indentation (a key indented deeper than its siblings, or a value with an unquoted ': ')"
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected '-' indicator") {
            return "check the indentation of this line against the lines above it"
        }
        if problem.contains("found character that cannot start any token") {
            return "YAML does not allow tabs for indentation; quote values that start with '@' or '`'"
        }
        return nil
    }
}

/// `64MiB`, `1MB`, `1000` → bytes.
public func parseByteSize(_ s: String) -> Int? {
    let units: [(String, Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("B", 1),
    ]
    for (suffix, size) in units where s.hasSuffix(suffix) {
        return Int(s.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)).map { $0 * size }
    }
    return Int(s)
}
