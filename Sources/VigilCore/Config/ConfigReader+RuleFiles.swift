import Foundation
import Yams

/// `rule_files:` names Prometheus rule files (globs allowed, relative to
/// the configuration): a list, or a mapping with the list under `files:`
/// and how their `severity` labels map onto the plan's severities.
///
/// ```yaml
/// rule_files:
///   files: [rules/*.yml]
///   severities: {page: critical, ticket: low}
///   default_severity: medium
///   external_labels: {cluster: launch}
/// ```
public struct RuleFilesSpec: Sendable {
    public var files: [RuleFile] = []
    /// A file's severity word → a configured severity id.
    public var severities: [String: Located<String>] = [:]
    public var defaultSeverity: Located<String>?
    public var externalLabels: [String: String] = [:]
    /// Mistakes in the files: those rules are left out, the rest load.
    public var problems: [ConfigError] = []
    public var at: SourcePosition

    public init(at: SourcePosition) { self.at = at }
}

extension ConfigReader {
    func ruleFiles(_ node: Node) -> RuleFilesSpec {
        var spec = RuleFilesSpec(at: position(node))
        var patterns: [(String, Node)] = []
        if node.sequence != nil {
            patterns = items(node, "rule_files").compactMap { n in string(n, "a rule file").map { ($0, n) } }
        } else {
            for (key, _, value) in entries(
                node, "rule_files", allowed: ["files", "severities", "default_severity", "external_labels"])
            {
                switch key {
                case "files":
                    patterns = items(value, "files").compactMap { n in string(n, "a rule file").map { ($0, n) } }
                case "severities":
                    for (word, _, v) in entries(value, "severities", allowed: []) {
                        if let id = string(v, "the severity for \(word)") {
                            spec.severities[word] = Located(id, at: position(v))
                        }
                    }
                case "default_severity":
                    if let id = string(value, key) { spec.defaultSeverity = Located(id, at: position(value)) }
                default:
                    for (k, keyNode, v) in entries(value, "external_labels", allowed: []) {
                        if !RuleFileLoader.isLabelName(k) { error(keyNode, "invalid label name \(Sanitizer.quote(k))") }
                        spec.externalLabels[k] = string(v, "external label \(k)") ?? ""
                    }
                }
            }
        }
        let base = FileLocations.parent(file)
        for (pattern, n) in patterns {
            let paths = Self.glob(FileLocations.absolute(pattern, relativeTo: base))
            if paths.isEmpty {
                error(n, "rule file \(Sanitizer.quote(pattern)) matches no file")
                continue
            }
            for path in paths {
                let (rules, problems) = RuleFileLoader.loadKeepingGoodRules(path: path)
                spec.files.append(rules)
                spec.problems += problems
            }
        }
        return spec
    }

    /// The files a pattern names, sorted (as Prometheus loads them).
    static func glob(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
