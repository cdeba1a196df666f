import Foundation

/// One figure of a report: what it is, its value, how it was computed
/// and over how much of the period; or why it is not measured (the
/// configuration does not define it, or nothing was recorded). A figure
/// is never invented.
public struct ReportFigure: Sendable, Equatable, Codable {
    public var name: String
    /// The metric it comes from (nil: the plan names it, the config has none).
    public var metric: String?
    public var value: Double?
    public var unit: String
    /// In words: `p95 of the minute averages of response_time`.
    public var how: String
    /// Minutes with data, and minutes in the period.
    public var watchedMinutes: Int
    public var periodMinutes: Int
    /// ok, warning or critical against the metric's thresholds.
    public var state: String?
    /// Why there is no value.
    public var missing: String?
    /// The figure over the period, a value a slot (nil: nothing recorded),
    /// and the thresholds: what the HTML report draws.
    public var chart: [Double?] = []
    public var warning: Double?
    public var critical: Double?
    /// What went wrong reading part of the period (Prometheus refused a
    /// day's query): the value, if any, stands on the rest.
    public var problem: String?

    /// `watched 21 h 14 m of 24 h`, and what went wrong, if anything.
    public var coverage: String {
        guard metric != nil else { return "" }
        let watched = "watched \(DailyReport.hours(watchedMinutes)) of \(DailyReport.hours(periodMinutes))"
        return problem.map { watched + "; \($0)" } ?? watched
    }
}

/// A section of the plan's report (system, users, business, …).
public struct ReportSection: Sendable, Equatable, Codable {
    public var title: String
    public var figures: [ReportFigure]
}

/// The incidents of the period, from the journal.
public struct IncidentFigures: Sendable, Equatable, Codable {
    public var total: Int
    public var critical: Int
    public var resolved: Int
    /// Firing (or opening) to resolution, of the resolved ones.
    public var meanTimeToResolveMs: Int64?
    public var medianTimeToResolveMs: Int64?
    public var ids: [String]
}

/// `vigil report daily`: the plan's daily report (daily-report.js),
/// section by section, from the history's one-minute rollups and the
/// journal's incidents.
public struct DailyReport: Sendable, Equatable, Codable {
    public var date: String
    public var fromMs: Int64
    public var toMs: Int64
    public var source: String
    public var sections: [ReportSection]
    public var incidents: IncidentFigures
    /// The objectives' budgets at the end of the period (set by the
    /// caller, which reads their windows; empty when none are configured).
    public var objectives: [SLOFigures] = []

    /// True when not a single figure could be computed.
    public var isEmpty: Bool { sections.allSatisfy { $0.figures.allSatisfy { $0.value == nil } } }

    /// The plan's figures and the shipped configuration's metric for each
    /// (nil where the plan names a figure the configuration cannot give).
    public static let plan: [(String, [(String, String?)])] = [
        (
            "System",
            [
                ("Uptime", "system.status"), ("Response time", "response_time"), ("Error rate", "error_rate"),
                ("Throughput", "throughput"),
            ]
        ),
        ("Users", [("Active users", "active_users"), ("New users", nil), ("Retention", nil), ("Engagement", nil)]),
        (
            "Business",
            [
                ("Revenue (last hour)", "revenue"), ("Transactions", nil), ("Conversion", "conversion_rate"),
                ("ARPU", nil),
            ]
        ),
        (
            "Performance",
            [
                ("CPU", "cpu_usage"), ("Memory", "memory_usage"), ("Disk", "disk_usage"),
                ("Database query time", "db.query_time"),
            ]
        ),
        (
            "Security",
            [
                ("Failed logins (per 5 minutes)", "security.failed_logins"),
                ("Access violations (per 5 minutes)", "security.access_violations"),
                ("Security events", "security.events"), ("Vulnerability findings", "security.vulnerabilities"),
            ]
        ),
    ]

    /// Builds the report for [from, to) from each metric's rollups.
    public static func build(
        date: String, from: Int64, to: Int64, config: VigilConfig, rollups: [String: [Labels: [HistoryRollup]]],
        problems: [String: String] = [:], incidents: [IncidentHistory], source: String
    ) -> DailyReport {
        let periodMinutes = Int((to - from) / 60_000)
        var sections: [ReportSection] = []
        for (title, figures) in plan {
            sections.append(
                ReportSection(
                    title: title,
                    figures: figures.map { name, id in
                        let metric = id.flatMap { config.metric($0) }
                        let minutes = metric.map { minuteValues(rollups[$0.id] ?? [:]) } ?? [:]
                        var f = figure(
                            name, metric: metric, wanted: id, minutes: minutes,
                            seriesCount: metric.map { rollups[$0.id]?.count ?? 0 } ?? 0, periodMinutes: periodMinutes,
                            problem: metric.flatMap { problems[$0.id] })
                        if f.value != nil { f.chart = chart(minutes, from: from, to: from + 86_400_000, slots: 96) }
                        return f
                    }))
        }
        return DailyReport(
            date: date, fromMs: from, toMs: to, source: source, sections: sections,
            incidents: incidentFigures(incidents, config: config))
    }

    /// A metric's value a minute: its series added up (a table's rows, a
    /// group's members), each series' minute average.
    static func minuteValues(_ series: [Labels: [HistoryRollup]]) -> [Int64: Double] {
        var byMinute: [Int64: Double] = [:]
        for (_, minutes) in series {
            for r in minutes where r.count > 0 { byMinute[r.minute, default: 0] += r.average }
        }
        return byMinute
    }

    static func figure(
        _ name: String, metric: MetricDefinition?, wanted: String?, minutes byMinute: [Int64: Double],
        seriesCount: Int, periodMinutes: Int, problem: String? = nil
    ) -> ReportFigure {
        var f = ReportFigure(
            name: name, metric: metric?.id, value: nil, unit: metric?.unit ?? "", how: "",
            watchedMinutes: 0, periodMinutes: periodMinutes, state: nil, missing: nil)
        guard let metric else {
            f.missing =
                wanted == nil
                ? "not measured: the plan names it, the configuration defines no metric for it"
                : "not measured: no metric \(wanted!) in the configuration"
            return f
        }
        f.watchedMinutes = byMinute.count
        f.problem = problem
        guard !byMinute.isEmpty else {
            f.missing =
                problem.map { "not measured: \($0)" } ?? "not measured: nothing recorded for \(metric.id) in the period"
            f.problem = nil
            f.how = "\(metric.id)"
            return f
        }
        let values = byMinute.keys.sorted().map { byMinute[$0]! }
        // A remote metric's minute is Prometheus' evaluation at that
        // minute; a local one's the average of what Vigil recorded in it.
        let minutes = metric.remote ? "one-minute evaluations" : "minute averages"
        switch metric.aggregation?.lowercased() {
        case "p95", "p99", "p90", "p50":
            let q = Double(metric.aggregation!.dropFirst())! / 100
            f.value = quantile(values.sorted(), q)
            f.how = "\(metric.aggregation!) of the \(minutes) of \(metric.id)"
        default:
            f.value = values.reduce(0, +) / Double(values.count)
            let series = seriesCount > 1 ? ", its \(seriesCount) series added up" : ""
            f.how = "average of the \(minutes) of \(metric.id)\(series)"
        }
        if let v = f.value, let t = metric.threshold { f.state = t.state(of: v).word }
        f.warning = metric.threshold?.warning
        f.critical = metric.threshold?.critical
        return f
    }

    /// Minute values averaged into `slots` equal slots of [from, to).
    static func chart(_ minutes: [Int64: Double], from: Int64, to: Int64, slots: Int) -> [Double?] {
        let width = max(1, (to - from) / Int64(slots))
        var sums = [Double](repeating: 0, count: slots)
        var counts = [Int](repeating: 0, count: slots)
        for (t, v) in minutes where t >= from && t < to {
            let i = min(slots - 1, Int((t - from) / width))
            sums[i] += v
            counts[i] += 1
        }
        return (0..<slots).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil }
    }

    /// The q-quantile of sorted values, interpolated between neighbours.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? .nan }
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down))
        let hi = min(sorted.count - 1, lo + 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
    }

    static func incidentFigures(_ histories: [IncidentHistory], config: VigilConfig) -> IncidentFigures {
        let resolved = histories.compactMap { h -> Int64? in
            guard let end = h.incident.resolvedAtMs else { return nil }
            return max(0, end - (h.firedAtMs ?? h.incident.openedAtMs))
        }.sorted()
        let median: Int64? =
            resolved.isEmpty
            ? nil
            : resolved.count % 2 == 1
                ? resolved[resolved.count / 2] : (resolved[resolved.count / 2 - 1] + resolved[resolved.count / 2]) / 2
        return IncidentFigures(
            total: histories.count, critical: histories.filter { $0.incident.severity == "critical" }.count,
            resolved: resolved.count,
            meanTimeToResolveMs: resolved.isEmpty ? nil : resolved.reduce(0, +) / Int64(resolved.count),
            medianTimeToResolveMs: median, ids: histories.map(\.incident.id))
    }

    /// The report as Markdown: a table a section, each figure with how it
    /// was computed and its coverage.
    public var markdown: String {
        var md = "# Daily report \(date)\n\n"
        md += "From \(IncidentHistory.time(fromMs)) to \(IncidentHistory.time(toMs)); source: \(source).\n"
        for section in sections {
            md +=
                "\n## \(section.title)\n\n| Figure | Value | State | Computed as | Coverage |\n|---|---|---|---|---|\n"
            for f in section.figures {
                let value = f.value.map { Self.format($0, unit: f.unit) } ?? (f.missing ?? "not measured")
                md += "| \(f.name) | \(value) | \(f.state ?? "") | \(f.how) | \(f.coverage) |\n"
            }
        }
        md += SLOText.markdown(objectives)
        md += "\n## Incidents\n\n"
        let i = incidents
        md += "- Total: \(i.total) (critical: \(i.critical))\n- Resolved: \(i.resolved)\n"
        md += "- Mean time to resolve: \(i.meanTimeToResolveMs.map(IncidentHistory.span) ?? "none resolved")\n"
        md += "- Median time to resolve: \(i.medianTimeToResolveMs.map(IncidentHistory.span) ?? "none resolved")\n"
        if !i.ids.isEmpty { md += "- Incidents: \(i.ids.joined(separator: ", "))\n" }
        return md
    }

    /// `21 h 14 m`.
    static func hours(_ minutes: Int) -> String {
        minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) m" : "\(minutes) m"
    }

    static func format(_ v: Double, unit: String) -> String {
        let rounded = (v * 1000).rounded() / 1000
        return formatSampleValue(rounded) + (unit.isEmpty || unit == "count" ? "" : " \(unit)")
    }
}

extension Threshold.State {
    var word: String {
        switch self {
        case .ok: return "ok"
        case .warning: return "warning"
        case .critical: return "critical"
        }
    }
}
