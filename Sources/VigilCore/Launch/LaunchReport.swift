import Foundation

/// `vigil launch report`: the whole launch in Markdown. Phases with start,
/// end and duration; every decision with who, why and the checks' evidence;
/// the checks that held a phase; the incidents of each phase.
public enum LaunchReport {
    public static func markdown(
        plan: LaunchPlan, book: LaunchBook, incidents: [Incident], now: Int64, clock: (Int64) -> String
    ) -> String {
        func cell(_ s: String) -> String {
            Sanitizer.clean(s, maxLength: 300).replacingOccurrences(of: "|", with: "\\|")
        }
        var out = "# Launch report\n\n"
        guard let started = book.startedAt else {
            out += "The launch has not started.\n"
            return out + checklistSection(plan: plan, book: book, now: now, clock: clock, cell: cell)
        }
        out += "Started \(clock(started))"
        if let done = book.completedAt, book.current == nil {
            out += "; complete \(clock(done)) after \(IncidentHistory.span(done - started))."
        } else if let current = book.current {
            out += "; now in **\(cell(current))** since \(clock(book.enteredAt ?? started))."
        } else {
            out += "; rolled back to no traffic."
        }
        out += "\n\n## Phases\n\n| phase | traffic | minimum | entered | left | time in phase | ended by |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for span in book.spans {
            let p = plan.phases.first { $0.name == span.phase }
            let end = span.leftAt ?? now
            out += "| \(cell(span.phase)) | \(p.map { GateText.number($0.traffic) + "%" } ?? "?") "
            out += "| \(p.map { IncidentHistory.span($0.minDurationMs) } ?? "?") | \(clock(span.enteredAt)) "
            out += "| \(span.leftAt.map(clock) ?? "(current)") | \(IncidentHistory.span(end - span.enteredAt)) "
            out += "| \(span.endedBy?.rawValue ?? "–") |\n"
        }
        out += "\n## Decisions\n\n"
        for d in book.decisions {
            let x = d.decision
            out +=
                "### \(clock(d.at)) \(x.action.rawValue): \(cell(x.from ?? "(none)")) → \(cell(x.to ?? (x.action == .rollback ? "no traffic" : "complete")))\n\n"
            out += "By \(cell(x.by))." + (x.reason.isEmpty ? "" : " Reason: \(cell(x.reason))") + "\n\n"
            if !x.evidence.isEmpty {
                out += "| check | verdict | value | bound | samples | passes | query |\n|---|---|---|---|---|---|---|\n"
                for e in x.evidence {
                    let value = e.value.map(GateText.number) ?? e.detail ?? "–"
                    out +=
                        "| \(cell(e.check)) | \(e.verdict) | \(cell(value)) | \(cell(e.bound)) | \(e.samples) | \(e.passes) | `\(cell(e.query))` |\n"
                }
                out += "\n"
            }
        }
        // Checks that held a phase: what was not GO at a hold, or at an
        // override (which went past it).
        var held: [String] = []
        for d in book.decisions where d.decision.action == .hold || d.decision.action == .override {
            for e in d.decision.evidence where e.verdict != Verdict.go.rawValue {
                held.append(
                    "- \(clock(d.at)) \(cell(d.decision.from ?? "")): \(cell(e.check)) \(e.verdict)"
                        + (e.value.map { " at \(GateText.number($0))" } ?? e.detail.map { " (\(cell($0)))" } ?? "")
                        + " (bound \(cell(e.bound)); \(d.decision.action == .override ? "overridden" : "held"))")
            }
        }
        out += "## Checks that held a phase\n\n" + (held.isEmpty ? "None.\n" : held.joined(separator: "\n") + "\n")
        out += "\n## Incidents per phase\n\n"
        var any = false
        for span in book.spans {
            let end = span.leftAt ?? now
            let these = incidents.filter { $0.openedAtMs >= span.enteredAt && $0.openedAtMs < end }
            guard !these.isEmpty else { continue }
            any = true
            out += "**\(cell(span.phase))** (\(clock(span.enteredAt))–\(span.leftAt.map(clock) ?? "now")):\n\n"
            for i in these.sorted(by: { $0.openedAtMs < $1.openedAtMs }) {
                out += "- \(i.id) \(cell(i.severity)) \(cell(i.title)), opened \(clock(i.openedAtMs))"
                out += i.resolvedAtMs.map { ", resolved after \(IncidentHistory.span($0 - i.openedAtMs))" } ?? ", open"
                out += "\n"
            }
            out += "\n"
        }
        if !any { out += "None.\n\n" }
        return out + checklistSection(plan: plan, book: book, now: now, clock: clock, cell: cell)
    }

    static func checklistSection(
        plan: LaunchPlan, book: LaunchBook, now: Int64, clock: (Int64) -> String, cell: (String) -> String
    ) -> String {
        guard !plan.checklist.isEmpty else { return "" }
        var out = "## Pre-launch checklist\n\n| item | state | last mark |\n|---|---|---|\n"
        for s in book.checklist(plan, now: now) {
            let mark =
                s.last.map {
                    "\(clock($0.at)) by \(cell($0.mark.by))" + ($0.mark.note.isEmpty ? "" : ": " + cell($0.mark.note))
                } ?? "–"
            out += "| \(cell(s.item.id)) | \(s.glyph) \(s.word) | \(mark) |\n"
        }
        return out
    }

    /// The launch around a moment, for a post-mortem: the phase then, and
    /// the decisions an hour either side.
    public static func context(book: LaunchBook, at t: Int64, clock: (Int64) -> String) -> [String] {
        guard let span = book.spans.last(where: { $0.enteredAt <= t && ($0.leftAt ?? .max) > t }) else { return [] }
        var out = ["Launch phase: \(span.phase) (entered \(clock(span.enteredAt)))"]
        for d in book.decisions where abs(d.at - t) <= 3_600_000 {
            let x = d.decision
            out.append(
                "\(clock(d.at)) \(x.action.rawValue) \(x.from ?? "(start)") → \(x.to ?? "complete") by \(x.by)"
                    + (x.reason.isEmpty ? "" : ": \(x.reason)"))
        }
        return out
    }
}
