import Foundation

/// Why a secret could not be read. Never includes the secret itself.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Resolves secrets from `${ENV_VAR}` references or files, so tokens never
/// need to sit in a config file or on a command line.
public enum SecretSource {
    /// `inline` may be a literal or `${VAR}`; `file` is a path whose
    /// contents (trailing newline trimmed) are the secret.
    public static func resolve(
        inline: String?, file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SecretError) -> Secret? {
        if inline != nil && file != nil { throw SecretError(message: "give the secret inline or as a file, not both") }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SecretError(message: "cannot read secret file \(file)")
            }
            var s = String(decoding: data, as: UTF8.self)
            while s.hasSuffix("\n") || s.hasSuffix("\r") { s.removeLast() }
            return Secret(s)
        }
        guard let inline else { return nil }
        return Secret(try expand(inline, environment: environment))
    }

    /// Expands every `${VAR}`; an unset variable is an error naming it.
    public static func expand(_ s: String, environment: [String: String]) throws(SecretError) -> String {
        var out = ""
        var rest = Substring(s)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw SecretError(message: "unterminated ${ in value")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else {
                throw SecretError(message: "environment variable \(name) is not set")
            }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}

/// A secret (token, password) that never prints: not in errors, logs,
/// `--json` output or debug descriptions.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}
