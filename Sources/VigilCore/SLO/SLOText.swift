import Foundation

/// A moment written by a person: RFC 3339 with a zone, or a bare date
/// (midnight UTC).
public enum Instant {
    public static func parse(_ text: String) -> Int64? {
        let withTime = ISO8601DateFormatter()
        if let d = withTime.date(from: text) { return Int64(d.timeIntervalSince1970 * 1000) }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        return dateOnly.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    /// `2026-11-30T14:05:00Z`, for JSON.
    public static func format(_ ms: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

/// Objectives and criteria as text: `vigil slo` and the reports.
public enum SLOText {
    static func word(_ s: SLOFigures.State) -> String {
        switch s {
        case .ok: return "OK"
        case .warning: return "WARN"
        case .critical: return "CRIT"
        case .noData: return "NO DATA"
        }
    }

    /// `99.95%`.
    public static func percent(_ fraction: Double) -> String {
        let p = fraction * 100
        return formatSampleValue(p >= 99 ? (p * 1000).rounded() / 1000 : (p * 10).rounded() / 10) + "%"
    }

    public static func burn(_ b: Double?) -> String {
        guard let b else { return "–" }
        return b >= 10 ? String(Int(b.rounded())) : formatSampleValue((b * 100).rounded() / 100)
    }

    /// A burn-rate threshold: `14.4`, `0.23`.
    public static func factor(_ x: Double) -> String { formatSampleValue((x * 100).rounded() / 100) }

    /// `3 m`, `5 h 20 m`, `29 d 4 h`.
    public static func span(_ minutes: Int) -> String {
        if minutes >= 2880 { return "\(minutes / 1440) d \(minutes % 1440 / 60) h" }
        if minutes >= 60 { return "\(minutes / 60) h \(minutes % 60) m" }
        return "\(minutes) m"
    }

    /// One line an objective.
    public static func line(_ f: SLOFigures) -> String {
        var text =
            "\(word(f.state)) \(f.name): SLI \(f.sli.map(percent) ?? "–") (objective \(percent(f.objective)), \(f.window)"
        text += f.budgeting == "timeslices" ? ", time slices)" : ")"
        text += "; budget \(f.budgetRemaining.map { "\(Int(($0 * 100).rounded()))%" } ?? "–"): \(f.budgetText)"
        text += "; burn 5m \(burn(f.burn5m)), 1h \(burn(f.burn1h)), 6h \(burn(f.burn6h)), window \(burn(f.burnWindow))"
        if let e = f.exhaustionMs, (f.burn1h ?? 0) > 1 {
            text += "; exhausted in \(span(Int(e / 60_000))) at the hour's burn"
        }
        return text + "; data for \(span(f.coveredMinutes)) of \(span(f.windowMinutes))"
    }

    /// A criterion's value: three decimals at most (`4162.436`).
    public static func value(_ v: Double) -> String { formatSampleValue((v * 1000).rounded() / 1000) }

    /// The objectives as a Markdown section (nothing when there are none).
    public static func markdown(_ objectives: [SLOFigures]) -> String {
        guard !objectives.isEmpty else { return "" }
        var md = "\n## Objectives\n\n| Objective | SLI | Objective | Budget left | Burn (window) | State | Data |\n"
        md += "|---|---|---|---|---|---|---|\n"
        for f in objectives {
            let left =
                f.budgetRemaining.map { "\(Int(($0 * 100).rounded()))%: \(f.budgetText)" } ?? (f.problem ?? "no data")
            md += "| \(f.name) | \(f.sli.map(percent) ?? "–") | \(percent(f.objective)) over \(f.window) | \(left) | "
            md += "\(burn(f.burnWindow)) | \(word(f.state)) | \(span(f.coveredMinutes)) of \(span(f.windowMinutes)) |\n"
        }
        return md
    }

    /// One line a criterion.
    public static func line(_ c: CriterionStatus) -> String {
        switch c.state {
        case .notMeasured:
            return "NOT MEASURED \(c.name)" + (c.detail.isEmpty ? "" : ": \(c.detail)")
        case .pass, .fail:
            return
                "\(c.state == .pass ? "PASS" : "FAIL") \(c.name): \(c.value.map(value) ?? "–") (\(c.target); \(c.detail))"
        }
    }
}
