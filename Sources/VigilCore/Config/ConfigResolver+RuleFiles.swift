/// Rule files' rules joined to the configuration: alerting rules into the
/// alert engine with a plan severity each, recording rules evaluated
/// before them.
extension ConfigResolver {
    /// Words rule files commonly use, by the plan's severity they mean.
    static let severityWords: [String: [String]] = [
        "critical": ["critical", "page", "emergency", "fatal", "disaster", "p1"],
        "high": ["high", "error", "major", "p2"],
        "medium": ["medium", "warning", "warn", "p3"],
        "low": ["low", "info", "minor", "notice", "ticket", "none", "p4"],
    ]

    mutating func ruleFiles(_ config: inout VigilConfig, serverOnly: Bool) {
        guard let spec = document.ruleFiles else { return }
        config.alerts.ruleFileProblems = spec.problems
        let ids = document.severities.map(\.id)
        guard let least = ids.last else {
            error(spec.at, "rule files need alerts.severities to map their severity labels onto")
            return
        }
        for (word, id) in spec.severities where !ids.contains(id.value) {
            error(
                id.at,
                "severity \(Sanitizer.quote(word)) maps to unknown severity \(Sanitizer.quote(id.value)) (defined: \(ids.joined(separator: ", ")))"
            )
        }
        var fallback = least
        if let d = spec.defaultSeverity {
            if ids.contains(d.value) {
                fallback = d.value
            } else {
                error(d.at, "default_severity \(Sanitizer.quote(d.value)) is not a defined severity")
            }
        }
        let (alerting, recording) = RuleFileRules.build(
            spec.files, externalLabels: spec.externalLabels, taken: Set(config.alerts.rules.map(\.name)),
            remote: serverOnly
        ) { Self.severity($0, ids: ids, map: spec.severities, fallback: fallback) }
        config.alerts.rules += alerting
        // A server evaluates its own recording rules; the rules Vigil
        // sends it name what it recorded.
        if !serverOnly { config.alerts.recordingRules += recording }
    }

    /// The plan severity for a rule file's `severity` label: the mapping
    /// the configuration gives, the severity of that name, a common word
    /// for one, or the default.
    static func severity(_ word: String?, ids: [String], map: [String: Located<String>], fallback: String) -> String {
        guard let word else { return fallback }
        if let m = map[word], ids.contains(m.value) { return m.value }
        if ids.contains(word) { return word }
        let lower = word.lowercased()
        for (id, words) in severityWords where ids.contains(id) && words.contains(lower) { return id }
        return fallback
    }
}
