/// The reports as one self-contained HTML file: no external assets, no
/// scripts; a headline table of the figures against their thresholds in
/// green, yellow and red, a small inline SVG chart a figure (thresholds
/// drawn), the incidents, and everything the Markdown says. It prints on
/// white and opens in a browser or a mail client.
public enum ReportHTML {
    public static func daily(_ r: DailyReport) -> String {
        var body = "<h1>Daily report \(escape(r.date))</h1>\n"
        body += "<p class=\"meta\">From \(IncidentHistory.time(r.fromMs)) to \(IncidentHistory.time(r.toMs)); "
        body += "source: \(escape(r.source)).</p>\n"
        body += headline(r.sections.map { ($0.title, $0.figures) })
        for s in r.sections {
            body += "<h2>\(escape(s.title))</h2>\n<table>\n<tr><th>Figure</th><th>Value</th><th>State</th>"
            body += "<th>Computed as</th><th>Coverage</th></tr>\n"
            for f in s.figures {
                body += "<tr><td>\(escape(f.name))</td><td>\(value(f))</td>\(stateCell(f.state))"
                body += "<td>\(escape(f.how))</td><td>\(coverage(f))</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += objectives(r.objectives)
        body += incidents(r.incidents, bySeverity: nil)
        return page(title: "Daily report \(r.date)", body: body)
    }

    public static func weekly(_ r: WeeklyReport) -> String {
        var body = "<h1>Weekly report, week of \(escape(r.weekOf))</h1>\n"
        body += "<p class=\"meta\">From \(IncidentHistory.time(r.fromMs)) to \(IncidentHistory.time(r.toMs)); "
        body += "source: \(escape(r.source)).</p>\n"
        body += headline(r.sections.map { ($0.title, $0.figures.map(\.week)) })
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        for s in r.sections {
            body += "<h2>\(escape(s.title))</h2>\n<table>\n<tr><th>Figure</th><th>Week</th><th>State</th>"
            body += "<th>Previous week</th><th>Change</th>" + days.map { "<th>\($0)</th>" }.joined()
            body += "<th>Coverage</th></tr>\n"
            for f in s.figures {
                let w = f.week
                func v(_ x: Double?) -> String { x.map { escape(DailyReport.format($0, unit: w.unit)) } ?? "–" }
                let change = f.change.map { ($0 >= 0 ? "+" : "") + String(Int(($0 * 100).rounded())) + "%" } ?? "–"
                body += "<tr><td>\(escape(w.name))</td><td>\(value(w))</td>\(stateCell(w.state))"
                body += "<td>\(v(f.previous))</td><td>\(change)</td>"
                body += f.daily.map { "<td>\(v($0))</td>" }.joined() + "<td>\(coverage(w))</td></tr>\n"
            }
            body += "</table>\n"
        }
        body += objectives(r.objectives)
        body += incidents(r.incidents, bySeverity: r.bySeverity)
        body += "<h2>Root causes</h2>\n"
        body += list(r.rootCauses, empty: "None written in the week's post-mortems.")
        body += "<h2>Recommendations</h2>\n"
        body += list(r.recommendations, empty: "None: no rule applies.")
        body += "<p class=\"meta\">Rules: \(escape(WeeklyReport.rules.joined(separator: "; "))).</p>\n"
        return page(title: "Weekly report, week of \(r.weekOf)", body: body)
    }

    /// The objectives' budgets, each row in its state's colour.
    static func objectives(_ list: [SLOFigures]) -> String {
        guard !list.isEmpty else { return "" }
        var out = "<h2>Objectives</h2>\n<table>\n<tr><th>Objective</th><th>SLI</th><th>Objective</th>"
        out += "<th>Budget left</th><th>Burn (window)</th><th>State</th><th>Data</th></tr>\n"
        for f in list {
            let state: String? =
                switch f.state {
                case .ok: "ok"
                case .warning: "warning"
                case .critical: "critical"
                case .noData: nil
                }
            let left =
                f.budgetRemaining.map { "\(Int(($0 * 100).rounded()))%: \(f.budgetText)" } ?? (f.problem ?? "no data")
            out += "<tr><td>\(escape(f.name))</td><td>\(f.sli.map(SLOText.percent) ?? "–")</td>"
            out += "<td>\(escape(SLOText.percent(f.objective))) over \(escape(f.window))</td><td>\(escape(left))</td>"
            out += "<td>\(SLOText.burn(f.burnWindow))</td>\(stateCell(state))"
            out += "<td>\(SLOText.span(f.coveredMinutes)) of \(SLOText.span(f.windowMinutes))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    /// Every measured figure with its state colour and its chart.
    static func headline(_ sections: [(String, [ReportFigure])]) -> String {
        var out = "<h2>Headline</h2>\n<table class=\"headline\">\n"
        out += "<tr><th>Figure</th><th>Value</th><th>State</th><th>Over the period</th></tr>\n"
        for (_, figures) in sections {
            for f in figures where f.value != nil {
                out += "<tr><td>\(escape(f.name))</td><td>\(value(f))</td>\(stateCell(f.state))"
                out += "<td>\(svg(f))</td></tr>\n"
            }
        }
        return out + "</table>\n"
    }

    static func incidents(_ i: IncidentFigures, bySeverity: [String: Int]?) -> String {
        var out = "<h2>Incidents</h2>\n<table>\n"
        out += "<tr><th>Total</th><td>\(i.total)</td></tr>\n"
        if let bySeverity, !bySeverity.isEmpty {
            let text = bySeverity.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            out += "<tr><th>By severity</th><td>\(escape(text))</td></tr>\n"
        } else {
            out += "<tr><th>Critical</th><td>\(i.critical)</td></tr>\n"
        }
        out += "<tr><th>Resolved</th><td>\(i.resolved)</td></tr>\n"
        out +=
            "<tr><th>Mean time to resolve</th><td>\(i.meanTimeToResolveMs.map(IncidentHistory.span) ?? "none resolved")</td></tr>\n"
        out +=
            "<tr><th>Median time to resolve</th><td>\(i.medianTimeToResolveMs.map(IncidentHistory.span) ?? "none resolved")</td></tr>\n"
        if !i.ids.isEmpty { out += "<tr><th>Incidents</th><td>\(escape(i.ids.joined(separator: ", ")))</td></tr>\n" }
        return out + "</table>\n"
    }

    /// A 240×48 line of the figure over the period, its thresholds dashed.
    static func svg(_ f: ReportFigure) -> String {
        let known = f.chart.compactMap { $0 }.filter(\.isFinite)
        guard let dataLo = known.min(), let dataHi = known.max(), f.chart.count > 1 else { return "" }
        let marks = [f.warning, f.critical].compactMap { $0 }
        let scale = AxisScale(lo: dataLo, hi: dataHi, marks: marks, rows: 12)
        let (w, h) = (240.0, 48.0)
        func x(_ i: Int) -> String { fmt(Double(i) / Double(f.chart.count - 1) * w) }
        func y(_ v: Double) -> String { fmt(h - 2 - scale.fraction(v) * (h - 4)) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"48\" viewBox=\"0 0 240 48\">"
        out += "<rect width=\"240\" height=\"48\" fill=\"#fafafa\" stroke=\"#ddd\"/>"
        for (v, color) in [(f.warning, "#d4a000"), (f.critical, "#c62828")] {
            guard let v, v >= scale.lo, v <= scale.hi else { continue }
            out +=
                "<line x1=\"0\" x2=\"240\" y1=\"\(y(v))\" y2=\"\(y(v))\" stroke=\"\(color)\" stroke-dasharray=\"4 3\"/>"
        }
        // A line a run of known values: a gap where nothing was recorded.
        var run: [String] = []
        func flush() {
            if run.count > 1 {
                out +=
                    "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"\(run.joined(separator: " "))\"/>"
            } else if let p = run.first {
                let xy = p.split(separator: ",")
                out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"1.5\" fill=\"#1565c0\"/>"
            }
            run = []
        }
        for (i, v) in f.chart.enumerated() {
            if let v, v.isFinite { run.append("\(x(i)),\(y(v))") } else { flush() }
        }
        flush()
        return out + "</svg>"
    }

    static func value(_ f: ReportFigure) -> String {
        f.value.map { escape(DailyReport.format($0, unit: f.unit)) }
            ?? "<span class=\"missing\">\(escape(f.missing ?? "not measured"))</span>"
    }

    static func coverage(_ f: ReportFigure) -> String { escape(f.coverage) }

    static func stateCell(_ state: String?) -> String {
        switch state {
        case "ok": return "<td class=\"ok\">OK</td>"
        case "warning": return "<td class=\"warn\">WARN</td>"
        case "critical": return "<td class=\"crit\">CRIT</td>"
        default: return "<td class=\"none\">–</td>"
        }
    }

    static func list(_ items: [String], empty: String) -> String {
        items.isEmpty
            ? "<p>\(escape(empty))</p>\n" : "<ul>\n" + items.map { "<li>\(escape($0))</li>\n" }.joined() + "</ul>\n"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Text into HTML: the five characters that could start markup.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 24px; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 24px; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: middle; }
        th { background: #f3f3f3; } .meta { color: #666; } .missing { color: #888; font-style: italic; }
        td.ok { background: #c8e6c9; } td.warn { background: #fff59d; } td.crit { background: #ef9a9a; } td.none { color: #888; }
        @media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
        </style></head><body>
        \(body)</body></html>

        """
    }
}
