import Foundation

/// `launch:` in the configuration: the phases of a staged launch with the
/// checks that gate each promotion, and the pre-launch checklist.
public struct LaunchPlan: Sendable {
    public var phases: [LaunchPhase] = []
    public var checklist: [ChecklistItem] = []
    /// Shown on the Launch screen (the demo says its minutes stand for hours).
    public var note: String?

    public init() {}

    public func phase(named name: String) -> Int? { phases.firstIndex { $0.name == name } }

    /// Every PromQL the launch evaluates: checks and automated items.
    public var queries: [QueryExpr] {
        phases.flatMap { $0.checks.compactMap(\.expr) }
            + checklist.compactMap {
                if case .query(_, let e) = $0.kind { return e }
                return nil
            }
    }
    public func item(_ id: String) -> ChecklistItem? { checklist.first { $0.id == id } }
    /// The checklist's categories in the order they were written.
    public var categories: [String] {
        var seen: [String] = []
        for i in checklist where !seen.contains(i.category) { seen.append(i.category) }
        return seen
    }
}

/// One step of the launch: a share of the traffic, held for at least a
/// minimum time, and the checks that must pass before the next step.
public struct LaunchPhase: Sendable {
    public var name: String
    /// Percent of the traffic (10, 25, 100).
    public var traffic: Double
    public var minDurationMs: Int64
    public var checks: [GateCheck]
    public var at: SourcePosition

    public init(name: String, traffic: Double, minDurationMs: Int64, checks: [GateCheck], at: SourcePosition) {
        self.name = name
        self.traffic = traffic
        self.minDurationMs = minDurationMs
        self.checks = checks
        self.at = at
    }
}

/// A go/no-go check: a measured value against warning and critical
/// bounds, judged at most once per interval.
public struct GateCheck: Sendable {
    public enum Source: Sendable, Equatable {
        /// A PromQL expression written on the check.
        case query
        /// A configured metric: its query and its thresholds.
        case metric(String)
        /// An objective's burn rate over the last hour.
        case objective(String)
    }
    public var name: String
    public var source: Source
    /// The PromQL the check measures (empty for an objective).
    public var query: String
    public var expr: QueryExpr?
    public var threshold: Threshold
    public var unit: String
    /// Measurements with a value the phase must have before GO (Kayenta
    /// asks for 50 points per metric).
    public var minSamples: Int
    /// Passes in a row before GO: a flaky blip does not promote.
    public var consecutive: Int
    /// Critical measurements in a row before NO-GO (a lone blip holds).
    public var failureLimit = 1
    public var intervalMs: Int64
    public var at: SourcePosition
    /// Where `metric:` or `objective:` was written.
    public var refAt: SourcePosition?
    /// Bounds were written on the check (else a metric's thresholds).
    public var bounded = false

    public init(
        name: String, source: Source, query: String, expr: QueryExpr?, threshold: Threshold, unit: String = "",
        minSamples: Int = 10, consecutive: Int = 3, intervalMs: Int64 = 10_000,
        at: SourcePosition = SourcePosition(line: 1, column: 1)
    ) {
        self.name = name
        self.source = source
        self.query = query
        self.expr = expr
        self.threshold = threshold
        self.unit = unit
        self.minSamples = minSamples
        self.consecutive = consecutive
        self.intervalMs = intervalMs
        self.at = at
    }

    /// The bound a value is compared with, as words: "> 1%", "< 100".
    public func bound(_ state: Threshold.State) -> String {
        let limit = state == .critical ? threshold.critical : threshold.warning
        return (threshold.higherIsWorse ? "> " : "< ") + GateText.number(limit) + unit
    }
}

/// An item of the pre-launch checklist.
public struct ChecklistItem: Sendable {
    public enum Kind: Sendable {
        /// Ticked by a person.
        case manual
        /// Passes while the PromQL expression returns a non-zero value.
        case query(String, QueryExpr)
        /// Passes when the URL answers with this HTTP status.
        case http(url: String, status: Int)
    }
    /// `infrastructure.deploy-production-environment`: what ticks name.
    public var id: String
    public var category: String
    public var title: String
    public var kind: Kind
    /// How often an automated item runs.
    public var everyMs: Int64
    /// After this long a pass is stale and must be checked again.
    public var ttlMs: Int64?
    public var at: SourcePosition

    public init(
        id: String, category: String, title: String, kind: Kind, everyMs: Int64 = 60_000, ttlMs: Int64? = nil,
        at: SourcePosition = SourcePosition(line: 1, column: 1)
    ) {
        self.id = id
        self.category = category
        self.title = title
        self.kind = kind
        self.everyMs = everyMs
        self.ttlMs = ttlMs
        self.at = at
    }

    public var automated: Bool {
        if case .manual = kind { return false }
        return true
    }
}

/// Numbers as the launch screens and records write them: short, exact
/// enough to compare with a bound.
public enum GateText {
    public static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        let a = abs(v)
        let digits = a >= 100 ? 1 : a >= 1 ? 2 : 4
        var s = String(format: "%.\(digits)f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
