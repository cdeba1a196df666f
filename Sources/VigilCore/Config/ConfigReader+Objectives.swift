import Foundation
import Yams

/// `objectives:` (SLOs) and `criteria:` (thresholds with a pass or fail).
/// Severities and metric references are the resolver's to check.
extension ConfigReader {
    func objectives(_ node: Node) -> [(Objective, ObjectiveRefs)] {
        var out: [(Objective, ObjectiveRefs)] = []
        for item in items(node, "objectives") {
            let fields = entries(
                item, "an objective",
                allowed: [
                    "name", "description", "ratio", "latency", "gauge", "objective", "window", "budgeting", "alerts",
                ])
            var name: String?
            var description: String?
            var indicator: Objective.Indicator?
            var thresholdAt: SourcePosition?
            var objective: Double?
            var window = SLOWindow.rolling(30 * 86_400_000)
            var windowAt = position(item)
            var budgeting = Objective.Budgeting.events
            var refs = ObjectiveRefs()
            for (key, _, v) in fields {
                switch key {
                case "name": name = string(v, "name")
                case "description": description = string(v, "description")
                case "ratio": indicator = ratio(v)
                case "latency": (indicator, thresholdAt) = latency(v)
                case "gauge":
                    if let (text, _) = query(v, "gauge"), selector(v, text, "gauge") != nil { indicator = .gauge(text) }
                case "objective":
                    guard let o = number(v, "objective") else { continue }
                    if o <= 0 || o >= 100 {
                        error(
                            v,
                            "objective must be above 0 and below 100 (a percentage; 100% leaves no error budget, so any error at all would exhaust it)"
                        )
                    } else {
                        objective = (o / 100 * 1e12).rounded() / 1e12  // 0.999, not 0.9990000000000001
                    }
                case "window":
                    windowAt = position(v)
                    window = sloWindow(v) ?? window
                case "budgeting":
                    let b = string(v, "budgeting") ?? ""
                    if let method = Objective.Budgeting(rawValue: b) {
                        budgeting = method
                    } else {
                        error(v, "budgeting must be events or timeslices")
                    }
                default:
                    for (k, _, s) in entries(v, "alerts", allowed: ["page", "ticket"]) {
                        guard let severity = string(s, k) else { continue }
                        if k == "page" {
                            refs.page = Located(severity, at: position(s))
                        } else {
                            refs.ticket = Located(severity, at: position(s))
                        }
                    }
                }
            }
            guard let name else {
                error(item, "an objective needs a name")
                continue
            }
            guard let indicator else {
                // An indicator written wrong has said why already.
                if !fields.contains(where: { ["ratio", "latency", "gauge"].contains($0.key) }) {
                    error(item, "objective \(Sanitizer.quote(name)) needs an indicator: ratio, latency or gauge")
                }
                continue
            }
            guard let objective else {
                if !fields.contains(where: { $0.key == "objective" }) {
                    error(item, "objective \(Sanitizer.quote(name)) needs objective: (a percentage such as 99.9)")
                }
                continue
            }
            if case .gauge = indicator, budgeting == .events {
                budgeting = .timeslices  // a gauge's ratio is time whatever is written
            }
            // The ticket alert looks back 3 days: a shorter window would
            // judge the budget over less time than the alert reads.
            if window.lengthMs < BurnRateAlerts.longestWindowMs {
                error(
                    fields.first { $0.key == "window" }?.value ?? item,
                    "window \(PromDuration(milliseconds: window.lengthMs)) is shorter than the longest burn-rate alert window (3d, the ticket alert's)"
                )
            }
            refs.windowAt = windowAt
            var o = Objective(
                id: Self.slug(name), name: name, indicator: indicator, objective: objective, window: window,
                budgeting: budgeting, at: position(item))
            o.description = description
            o.thresholdAt = thresholdAt
            out.append((o, refs))
        }
        return out
    }

    /// `availability`, `response-time` from the name: the id alert labels
    /// and `vigil slo` use.
    static func slug(_ name: String) -> String {
        let lowered = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(lowered).split(separator: "-").joined(separator: "-")
    }

    /// `ratio: {good: SELECTOR, total: SELECTOR}` (or `bad:`): good must be
    /// total narrowed, or it could count more than total.
    func ratio(_ node: Node) -> Objective.Indicator? {
        var good: (String, Selector, Node)?
        var bad: (String, Selector, Node)?
        var total: (String, Selector, Node)?
        let fields = entries(node, "ratio", allowed: ["good", "bad", "total"])
        var failed = false
        for (key, _, v) in fields {
            guard let (text, _) = query(v, "ratio.\(key)"), let s = selector(v, text, "ratio.\(key)") else {
                failed = true  // said already
                continue
            }
            switch key {
            case "good": good = (text, s, v)
            case "bad": bad = (text, s, v)
            default: total = (text, s, v)
            }
        }
        if failed { return nil }
        guard let total else {
            error(node, "ratio needs total: (a counter of all events) and good: or bad:")
            return nil
        }
        guard (good == nil) != (bad == nil) else {
            error(node, "ratio needs exactly one of good: and bad:")
            return nil
        }
        let part = good ?? bad!
        let missing = total.1.matchers.filter { t in
            !part.1.matchers.contains { $0.name == t.name && $0.op == t.op && $0.value == t.value }
        }
        if !missing.isEmpty {
            let which = good == nil ? "bad" : "good"
            error(
                part.2,
                "\(which) can exceed total: it lacks total's matcher \(missing.map { "\($0.name)\($0.op.rawValue)\"\($0.value)\"" }.joined(separator: ", ")) (good and bad must be total narrowed by more matchers)"
            )
            return nil
        }
        return .ratio(good: good?.0, bad: bad?.0, total: total.0)
    }

    /// `latency: {histogram: SELECTOR, threshold: 2}`: the histogram's
    /// base name (without `_bucket`), its matchers, and the threshold.
    func latency(_ node: Node) -> (Objective.Indicator?, SourcePosition?) {
        var histogram: Selector?
        var threshold: Double?
        var thresholdAt: SourcePosition?
        for (key, _, v) in entries(node, "latency", allowed: ["histogram", "threshold"]) {
            if key == "histogram" {
                if let (text, _) = query(v, "latency.histogram") { histogram = selector(v, text, "latency.histogram") }
            } else {
                threshold = number(v, "latency.threshold (seconds, a bucket boundary of the histogram)")
                thresholdAt = position(v)
                if let t = threshold, t <= 0 { error(v, "latency.threshold must be above 0") }
            }
        }
        guard let histogram, let name = histogram.metricName, let threshold else {
            if histogram != nil && histogram?.metricName == nil {
                error(node, "latency.histogram must name the histogram (http_request_duration_seconds{...})")
            } else {
                error(node, "latency needs histogram: and threshold:")
            }
            return (nil, nil)
        }
        let base = name.hasSuffix("_bucket") ? String(name.dropLast(7)) : name
        let matchers = histogram.matchers.filter { $0.name != Labels.metricName && $0.name != "le" }.map {
            "\($0.name)\($0.op.rawValue)\"\(escapeLabelValue($0.value))\""
        }
        return (.latency(histogram: base, matchers: matchers, threshold: threshold), thresholdAt)
    }

    /// The query as one plain selector (no functions, no ranges).
    func selector(_ node: Node, _ text: String, _ what: String) -> Selector? {
        guard case .selector(let s)? = try? QueryParser.parse(text) else {
            error(
                node, "\(what) must be a plain selector such as http_requests_total{code!~\"5..\"}, not an expression")
            return nil
        }
        return s
    }

    /// `30d` (rolling), `week` or `month` (calendar, UTC), or
    /// `{since: 2026-12-01T00:00:00Z, length: 30d}` (anchored at a launch).
    func sloWindow(_ node: Node) -> SLOWindow? {
        if let s = node.scalar?.string {
            switch s {
            case "week": return .calendarWeek
            case "month": return .calendarMonth
            default:
                guard let d = duration(node, "window (30d, week, month, or {since:, length:})") else { return nil }
                return .rolling(d.milliseconds)
            }
        }
        var since: Int64?
        var length: Int64 = 30 * 86_400_000
        for (key, _, v) in entries(node, "window", allowed: ["since", "length"]) {
            if key == "length" {
                length = duration(v, "window.length")?.milliseconds ?? length
            } else if let text = string(v, "window.since"), let ms = Instant.parse(text) {
                since = ms
            } else {
                error(v, "window.since must be a time such as 2026-12-01T00:00:00Z")
            }
        }
        guard let since else {
            error(node, "window needs since: (the launch) when it is a mapping")
            return nil
        }
        return .since(since, lengthMs: length)
    }

    /// `criteria:`: `{name, metric: ID, at_least: N}` or `{name,
    /// incidents: SEVERITY, at_most: 0}`, or `{name, not_measured: why}`.
    func criteria(_ node: Node) -> [(Criterion, Located<String>?)] {
        var out: [(Criterion, Located<String>?)] = []
        for item in items(node, "criteria") {
            var name: String?
            var kind: Criterion.Kind?
            var reference: Located<String>?
            var atLeast: Double?
            var atMost: Double?
            for (key, _, v) in entries(
                item, "a criterion", allowed: ["name", "metric", "incidents", "not_measured", "at_least", "at_most"])
            {
                switch key {
                case "name": name = string(v, "name")
                case "metric":
                    if let id = string(v, "metric") {
                        kind = .metric(id)
                        reference = Located(id, at: position(v))
                    }
                case "incidents":
                    if let severity = string(v, "incidents (a severity)") {
                        kind = .incidents(severity: severity)
                        reference = Located(severity, at: position(v))
                    }
                case "not_measured": kind = .notMeasured(string(v, "not_measured") ?? "")
                case "at_least": atLeast = number(v, "at_least")
                default: atMost = number(v, "at_most")
                }
            }
            guard let name, let kind else {
                error(item, "a criterion needs a name and one of metric:, incidents: or not_measured:")
                continue
            }
            if case .notMeasured = kind {
            } else if atLeast == nil && atMost == nil {
                error(item, "criterion \(Sanitizer.quote(name)) needs at_least: or at_most:")
                continue
            }
            out.append(
                (Criterion(name: name, kind: kind, atLeast: atLeast, atMost: atMost, at: position(item)), reference))
        }
        return out
    }
}

/// An objective's references, checked by the resolver: the severities its
/// alerts take.
public struct ObjectiveRefs: Sendable {
    public var page: Located<String>?
    public var ticket: Located<String>?
    public var windowAt = SourcePosition(line: 1, column: 1)
}
