/// One figure of the weekly report: the week's value, each day's, the
/// previous week's and the change, and how long it was past its critical
/// threshold.
public struct WeeklyFigure: Sendable, Equatable, Codable {
    public var week: ReportFigure
    public var daily: [Double?]
    public var previous: Double?
    /// Relative change against the previous week (0.35 = 35% higher).
    public var change: Double?
    /// Minutes whose value was past the critical threshold.
    public var criticalMinutes: Int
}

public struct WeeklySection: Sendable, Equatable, Codable {
    public var title: String
    public var figures: [WeeklyFigure]
}

/// `vigil report weekly`: the plan's weekly report (weekly-report.js):
/// each figure's trend over the week and its change against the week
/// before, incidents by severity, resolution times, root causes from the
/// post-mortems, and recommendations by the rules stated in `rules`.
public struct WeeklyReport: Sendable, Equatable, Codable {
    public var weekOf: String
    public var fromMs: Int64
    public var toMs: Int64
    public var source: String
    public var sections: [WeeklySection]
    public var incidents: IncidentFigures
    /// The objectives' budgets at the end of the period (set by the
    /// caller, which reads their windows; empty when none are configured).
    public var objectives: [SLOFigures] = []
    public var bySeverity: [String: Int]
    public var rootCauses: [String]
    public var recommendations: [String]

    public var isEmpty: Bool { sections.allSatisfy { $0.figures.allSatisfy { $0.week.value == nil } } }

    /// The recommendation rules, in the order they are applied.
    public static let rules = [
        "a figure past its critical threshold for more than an hour of the week",
        "a figure whose week ended at warning or critical",
        "a figure more than 20% worse than the week before (worse: the direction its thresholds point)",
        "a figure watched less than half of the week",
        "incidents still open at the end of the week",
    ]

    /// `rollups` must cover the previous week too (from `from - 7 days`).
    public static func build(
        weekOf: String, from: Int64, config: VigilConfig, rollups: [String: [Labels: [HistoryRollup]]],
        problems: [String: String] = [:], incidents: [IncidentHistory], source: String
    ) -> WeeklyReport {
        let week: Int64 = 7 * 86_400_000
        let to = from + week
        var sections: [WeeklySection] = []
        var recommendations: [String] = []
        for (title, plan) in DailyReport.plan {
            var figures: [WeeklyFigure] = []
            for (name, id) in plan {
                let metric = id.flatMap { config.metric($0) }
                let all = metric.map { DailyReport.minuteValues(rollups[$0.id] ?? [:]) } ?? [:]
                let count = metric.map { rollups[$0.id]?.count ?? 0 } ?? 0
                func part(_ a: Int64, _ b: Int64) -> ReportFigure {
                    DailyReport.figure(
                        name, metric: metric, wanted: id, minutes: all.filter { $0.key >= a && $0.key < b },
                        seriesCount: count, periodMinutes: Int((b - a) / 60_000),
                        problem: metric.flatMap { problems[$0.id] })
                }
                var f = part(from, to)
                if f.value != nil { f.chart = DailyReport.chart(all, from: from, to: to, slots: 168) }
                let previous = part(from - week, from).value
                let daily = (0..<7).map { d in
                    part(from + Int64(d) * 86_400_000, from + Int64(d + 1) * 86_400_000).value
                }
                var change: Double?
                if let v = f.value, let p = previous, p != 0 { change = (v - p) / abs(p) }
                var critical = 0
                if let t = metric?.threshold {
                    critical = all.filter { $0.key >= from && $0.key < to && t.state(of: $0.value) == .critical }.count
                }
                let figure = WeeklyFigure(
                    week: f, daily: daily, previous: previous, change: change, criticalMinutes: critical)
                figures.append(figure)
                recommendations += recommend(figure, metric: metric)
            }
            sections.append(WeeklySection(title: title, figures: figures))
        }
        let open = incidents.filter { $0.incident.status != .resolved }
        if !open.isEmpty {
            recommendations.append(
                "\(open.count) incident\(open.count == 1 ? " is" : "s are") still open: "
                    + open.map(\.incident.id).joined(separator: ", "))
        }
        var rootCauses: [String] = []
        for h in incidents {
            let written =
                (h.incident.sections[.rootCause] ?? [])
                + h.incident.updates.compactMap {
                    PostmortemField.split($0.note).flatMap { $0.0 == .rootCause ? $0.1 : nil }
                }
            for cause in written { rootCauses.append("\(h.incident.id): \(cause)") }
        }
        return WeeklyReport(
            weekOf: weekOf, fromMs: from, toMs: to, source: source, sections: sections,
            incidents: DailyReport.incidentFigures(incidents, config: config),
            bySeverity: Dictionary(grouping: incidents, by: \.incident.severity).mapValues(\.count),
            rootCauses: rootCauses, recommendations: recommendations)
    }

    static func recommend(_ f: WeeklyFigure, metric: MetricDefinition?) -> [String] {
        guard let metric, f.week.value != nil else { return [] }
        var out: [String] = []
        let name = f.week.name
        if f.criticalMinutes > 60 {
            out.append(
                "\(name) was past its critical threshold for \(DailyReport.hours(f.criticalMinutes)) of the week")
        } else if let state = f.week.state, state != "ok" {
            out.append("\(name) ended the week at \(state) (\(DailyReport.format(f.week.value!, unit: f.week.unit)))")
        }
        if let change = f.change, let t = metric.threshold {
            let worse = t.higherIsWorse ? change : -change
            if worse > 0.2 {
                out.append(
                    "\(name) is \(Int((abs(change) * 100).rounded()))% \(change > 0 ? "higher" : "lower") than the week before"
                )
            }
        }
        if f.week.periodMinutes > 0, f.week.watchedMinutes * 2 < f.week.periodMinutes {
            let share = Int((Double(f.week.watchedMinutes) / Double(f.week.periodMinutes) * 100).rounded())
            out.append("\(name) was watched only \(share)% of the week: the figures are partial")
        }
        return out
    }

    public var markdown: String {
        var md = "# Weekly report, week of \(weekOf)\n\n"
        md += "From \(IncidentHistory.time(fromMs)) to \(IncidentHistory.time(toMs)); source: \(source).\n"
        for section in sections {
            md += "\n## \(section.title)\n\n"
            md += "| Figure | Week | Previous week | Change | Mon | Tue | Wed | Thu | Fri | Sat | Sun | Coverage |\n"
            md += "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            for f in section.figures {
                let w = f.week
                func v(_ x: Double?) -> String { x.map { DailyReport.format($0, unit: w.unit) } ?? "–" }
                guard w.value != nil else {
                    md += "| \(w.name) | \(w.missing ?? "not measured") | | | | | | | | | | |\n"
                    continue
                }
                let change = f.change.map { (($0 >= 0 ? "+" : "") + String(Int(($0 * 100).rounded()))) + "%" } ?? "–"
                md += "| \(w.name) | \(v(w.value))\(w.state.map { " (\($0))" } ?? "") | \(v(f.previous)) | \(change) | "
                md += f.daily.map(v).joined(separator: " | ")
                md += " | \(w.coverage) |\n"
            }
        }
        md += SLOText.markdown(objectives)
        md += "\n## Incidents\n\n"
        md += "- Total: \(incidents.total)"
        if !bySeverity.isEmpty {
            md +=
                " (" + bySeverity.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                + ")"
        }
        md += "\n- Resolved: \(incidents.resolved)\n"
        md += "- Mean time to resolve: \(incidents.meanTimeToResolveMs.map(IncidentHistory.span) ?? "none resolved")\n"
        md +=
            "- Median time to resolve: \(incidents.medianTimeToResolveMs.map(IncidentHistory.span) ?? "none resolved")\n"
        md += "\n## Root causes\n\n"
        md +=
            rootCauses.isEmpty ? "None written in the week's post-mortems.\n" : rootCauses.map { "- \($0)\n" }.joined()
        md += "\n## Recommendations\n\n"
        md += recommendations.isEmpty ? "None: no rule applies.\n" : recommendations.map { "- \($0)\n" }.joined()
        md += "\nRules: " + Self.rules.joined(separator: "; ") + ".\n"
        return md
    }
}
