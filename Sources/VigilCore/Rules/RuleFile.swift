/// A Prometheus rule file as read: groups of alerting and recording
/// rules, each with where it was written, so `vigil check rules` and the
/// configuration's `rule_files:` point into the file a team already has.
public struct RuleFile: Sendable {
    public var path: String
    public var groups: [RuleGroup]

    public var ruleCount: Int { groups.reduce(0) { $0 + $1.rules.count } }
}

public struct RuleGroup: Sendable {
    public var name: String
    /// `interval:`; nil means every evaluation (the refresh, or a test's
    /// `evaluation_interval`).
    public var intervalMs: Int64?
    /// `limit:`: more alerts (or series) than this fails the whole rule.
    public var limit: Int
    public var rules: [PromRule]
    public var at: SourcePosition
}

public struct PromRule: Sendable {
    public enum Kind: Sendable, Equatable {
        /// `alert: Name`
        case alert
        /// `record: metric:name`
        case record
    }

    public var kind: Kind
    public var name: String
    public var exprText: String
    public var expr: QueryExpr
    public var holdFor: PromDuration
    public var keepFiringFor: PromDuration?
    /// Added to each result (templates for alerts).
    public var labels: [(String, AlertTemplate)]
    public var annotations: [(String, AlertTemplate)]
    public var at: SourcePosition

    /// The labels that do not change from one alert to the next.
    public var staticLabels: [String: String] {
        Dictionary(labels.filter(\.1.isPlain).map { ($0.0, $0.1.source) }) { a, _ in a }
    }
}
