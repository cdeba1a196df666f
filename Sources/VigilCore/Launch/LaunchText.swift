import Foundation

/// The launch in words: the lines the Launch and Checklist screens draw
/// (with a tone each), `vigil launch status` prints, and the Markdown of
/// `vigil launch report`. One place, so the screen and the command line
/// never disagree.
public struct LaunchText: Sendable {
    public enum Tone: Sendable, Equatable { case ok, warning, critical, dim, title, plain }
    public struct Line: Sendable, Equatable {
        public var text: String
        public var tone: Tone
        public init(_ text: String, _ tone: Tone) {
            self.text = text
            self.tone = tone
        }
    }

    public var plan: LaunchPlan
    public var book: LaunchBook
    public var gate: GateStatus?
    public var checklist: [ChecklistStatus]
    public var now: Int64
    /// `14:32:07` in the reader's time zone.
    public var clock: @Sendable (Int64) -> String

    public init(
        plan: LaunchPlan, book: LaunchBook, gate: GateStatus?, checklist: [ChecklistStatus], now: Int64,
        clock: @escaping @Sendable (Int64) -> String
    ) {
        self.plan = plan
        self.book = book
        self.gate = gate
        self.checklist = checklist
        self.now = now
        self.clock = clock
    }

    static func span(_ ms: Int64) -> String { IncidentHistory.span(ms) }

    /// "internal_launch 10%", "complete", "rolled back (no traffic)", "not
    /// started": the screen's title and the first line of `status`.
    public var standing: String {
        if let name = book.current {
            return "\(name) \(GateText.number(plan.phases.first { $0.name == name }?.traffic ?? 0))%"
        }
        if book.completedAt != nil { return "complete" }
        return book.startedAt != nil ? "rolled back (no traffic)" : "not started"
    }

    /// "HELD since 14:02:11 by alice@bastion: why", while a hold stands.
    public var holdLine: Line? {
        guard let h = book.hold else { return nil }
        let why = h.decision.reason.isEmpty ? "" : ": " + Sanitizer.clean(h.decision.reason, maxLength: 200)
        return Line("HELD since \(clock(h.at)) by \(Sanitizer.clean(h.decision.by, maxLength: 80))\(why)", .warning)
    }

    /// "GO", "HOLD: error_rate 1.4% > 1%", "GO possible at 14:32:00".
    public var decisionLine: Line {
        if book.completedAt != nil, book.current == nil {
            return Line("COMPLETE: every phase done at \(clock(book.completedAt!))", .ok)
        }
        guard let gate else {
            let failed = checklist.filter { $0.state == .fail }.count
            let open = checklist.filter { $0.state == .notChecked || $0.state == .stale }.count
            if plan.phases.isEmpty { return Line("no phases configured (launch.phases)", .dim) }
            let state = book.startedAt != nil ? "ROLLED BACK" : "NOT STARTED"
            if failed > 0 { return Line("\(state): \(failed) checklist item(s) failed", .critical) }
            return Line(
                "\(state): P starts \(plan.phases[0].name)"
                    + (open > 0 ? " (\(open) checklist item(s) not checked)" : ""), open > 0 ? .warning : .plain)
        }
        switch gate.decision {
        case .go: return Line("GO: every check passed; P promotes", .ok)
        case .noGo(let why): return Line("NO-GO: " + why, .critical)
        case .hold(let why, let goAt?): return Line("GO possible at \(clock(goAt)) (\(why))", .warning)
        case .hold(let why, nil): return Line("HOLD: " + why, .warning)
        }
    }

    /// The phases as a timeline: done, current (elapsed and remaining),
    /// next.
    public var phaseLines: [Line] {
        let current = book.currentIndex(in: plan)
        return plan.phases.enumerated().map { i, p in
            let head =
                "\(pad(p.name, 22)) \(pad(GateText.number(p.traffic) + "%", 5)) min \(pad(Self.span(p.minDurationMs), 7))"
            if i == current, let entered = book.enteredAt {
                let elapsed = now - entered
                let left = max(0, p.minDurationMs - elapsed)
                return Line(
                    "▶ \(head) since \(clock(entered)), \(Self.span(elapsed)) in"
                        + (left > 0 ? ", \(Self.span(left)) to its minimum" : ", minimum reached"), .title)
            }
            if let span = book.spans.last(where: { $0.phase == p.name && $0.leftAt != nil }) {
                let how = span.endedBy == .rollback ? "rolled back" : span.endedBy == .override ? "overridden" : "done"
                return Line(
                    "\(span.endedBy == .rollback ? "↺" : "✓") \(head) \(clock(span.enteredAt))–\(clock(span.leftAt!)) "
                        + "(\(Self.span(span.leftAt! - span.enteredAt))) \(how)",
                    span.endedBy == .rollback ? .warning : .ok)
            }
            return Line("○ \(head) next", .dim)
        }
    }

    /// The current phase's checks: verdict, value, bound, samples, passes.
    public var checkLines: [Line] {
        guard let gate else { return [] }
        var out = [
            Line(
                "\(pad("VERDICT", 9))\(pad("CHECK", 22))\(pad("VALUE", 12))\(pad("BOUND", 12))\(pad("SAMPLES", 10))"
                    + "\(pad("PASSES", 9))QUERY", .title)
        ]
        for s in gate.checks {
            let value: String
            switch s.track.last {
            case .value(let v)?: value = GateText.number(v) + s.check.unit
            case .noData?, nil: value = "–"
            case .down?: value = "down"
            case .error?: value = "error"
            }
            let bound = s.track.state == .critical ? s.check.bound(.critical) : s.check.bound(.warning)
            let tone: Tone =
                s.verdict == .go ? .ok : s.verdict == .noGo ? .critical : s.verdict.grey ? .dim : .warning
            out.append(
                Line(
                    pad(s.verdict.rawValue, 9) + pad(s.check.name, 22) + pad(value, 12) + pad(bound, 12)
                        + pad("\(s.track.samples)/\(s.check.minSamples)", 10)
                        + pad("\(s.track.passes)/\(s.check.consecutive)", 9)
                        + Sanitizer.clean(s.check.query, maxLength: 200),
                    tone))
            if s.verdict.grey { out.append(Line("         " + s.summary, .dim)) }
        }
        return out
    }

    /// Every decision, newest first.
    public var decisionLines: [Line] {
        book.decisions.reversed().map { d in
            let x = d.decision
            let move: String
            switch x.action {
            case .hold: move = "hold \(x.from ?? "")"
            case .rollback: move = "roll back \(x.from ?? "") → \(x.to ?? "no traffic")"
            default: move = "\(x.action.rawValue) \(x.from ?? "(start)") → \(x.to ?? "complete")"
            }
            let why = x.reason.isEmpty ? "" : ": " + Sanitizer.clean(x.reason, maxLength: 200)
            let tone: Tone = x.action == .override || x.action == .rollback ? .warning : .plain
            return Line("\(clock(d.at)) \(move) by \(Sanitizer.clean(x.by, maxLength: 80))\(why)", tone)
        }
    }

    /// The checklist by category.
    public func checklistLines(ascii: Bool = false, ids: Bool = false) -> [Line] {
        var out: [Line] = []
        for category in plan.categories {
            let items = checklist.filter { $0.item.category == category }
            let passed = items.filter { $0.state == .pass }.count
            out.append(Line("\(category) (\(passed) of \(items.count))", .title))
            for s in items { out.append(itemLine(s, ascii: ascii, ids: ids)) }
        }
        return out
    }

    public func itemLine(_ s: ChecklistStatus, ascii: Bool = false, ids: Bool = false) -> Line {
        let name = ids ? s.item.id : s.item.title
        var text = "  \(ascii ? s.asciiGlyph : s.glyph) \(pad(name, ids ? 52 : 40)) \(pad(s.word, 12))"
        switch s.item.kind {
        case .manual: text += pad("manual", 9)
        case .query: text += pad("promql", 9)
        case .http: text += pad("http", 9)
        }
        if let last = s.last {
            if let prev = s.previous {
                text += "\(Self.word(prev)) -> \(Self.word(last.mark.result)) \(clock(last.at))"
            } else {
                text += "\(clock(last.at))"
            }
            text += " by \(Sanitizer.clean(last.mark.by, maxLength: 60))"
            if !last.mark.note.isEmpty { text += ": " + Sanitizer.clean(last.mark.note, maxLength: 200) }
        }
        let tone: Tone
        switch s.state {
        case .pass: tone = .ok
        case .fail: tone = .critical
        case .stale, .notChecked: tone = .warning
        case .skipped: tone = .dim
        }
        return Line(text, tone)
    }

    static func word(_ r: ChecklistMark.Result) -> String {
        r == .pass ? "passed" : r == .fail ? "failed" : "skipped"
    }

    func pad(_ s: String, _ n: Int) -> String {
        let clean = Sanitizer.clean(s, maxLength: 200)
        return clean.count >= n
            ? String(clean.prefix(n - 1)) + " " : clean + String(repeating: " ", count: n - clean.count)
    }
}
