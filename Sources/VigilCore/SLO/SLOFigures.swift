/// What an objective's budget looks like at a moment: the figures of
/// `vigil slo`, the SLO screen and the reports.
public struct SLOFigures: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case ok, warning, critical
        case noData = "no data"
    }

    public var id: String
    public var name: String
    /// The objective as a fraction (0.999).
    public var objective: Double
    public var window: String
    public var budgeting: String
    public var windowStartMs: Int64
    public var windowEndMs: Int64
    /// The SLI over the window: the good share of events (or of minutes).
    public var sli: Double?
    /// Good and total over the window: events, or minutes for time slices.
    public var good: Double
    public var total: Double
    /// Bad events (or minutes) the budget allows over the window so far,
    /// and what is left of it (a fraction, below 0 when overspent).
    public var budgetAllowed: Double?
    public var budgetRemaining: Double?
    /// `31 min of 43 min 12 s left`, `1,234 of 5,000 errors left`.
    public var budgetText: String
    /// Burn rates over 5m, 1h, 6h and the whole window (1 spends the
    /// budget exactly over the window).
    public var burn5m: Double?
    public var burn1h: Double?
    public var burn6h: Double?
    public var burnWindow: Double?
    /// At the last hour's burn, when the budget runs out (ms from now).
    public var exhaustionMs: Int64?
    /// Minutes with data, and minutes of the window so far.
    public var coveredMinutes: Int
    public var windowMinutes: Int
    public var state: State
    /// Why there is no figure, or what is wrong with the indicator.
    public var problem: String?

    /// The burn rate at which each pair pages, for this window.
    public var pageBurn: Double
    /// The budget left (a fraction of the whole window's) at each of
    /// `burnDownSlots` moments across the full window, nil after now; and
    /// the ideal: spent evenly, from all at the start to none at the end.
    public var burnDown: [Double?] = []
    public var burnDownFullMs: Int64 = 0
    public static let burnDownSlots = 60

    /// What the figures are computed from, whatever the source: the
    /// window's bad and total (events, or minutes for time slices), the
    /// error ratio over 5m, 1h and 6h, and the minutes with data.
    public struct Counts: Sendable, Equatable {
        public var bad: Double
        public var total: Double
        public var ratio5m: Double?
        public var ratio1h: Double?
        public var ratio6h: Double?
        public var coveredMinutes: Int

        public init(
            bad: Double, total: Double, ratio5m: Double?, ratio1h: Double?, ratio6h: Double?, coveredMinutes: Int
        ) {
            self.bad = bad
            self.total = total
            self.ratio5m = ratio5m
            self.ratio1h = ratio1h
            self.ratio6h = ratio6h
            self.coveredMinutes = coveredMinutes
        }
    }

    /// Computes the figures at `now` from the ledger.
    public static func compute(_ o: Objective, ledger: SLOLedger, now: Int64, problem: String? = nil) -> SLOFigures {
        let (start, end) = o.window.bounds(now: now)
        let slices = o.budgeting == .timeslices
        func tally(_ v: SLOLedger.Minute) -> (bad: Double, total: Double) { SLOLedger.tally(o, v) }
        // The whole window: one pass over the ledger (a month is 43,200
        // minutes); the burn windows: a look-up a minute of theirs.
        var counts = Counts(bad: 0, total: 0, ratio5m: nil, ratio1h: nil, ratio6h: nil, coveredMinutes: 0)
        for (m, v) in ledger.minutes where m >= start && m < end && v.total > 0 {
            let c = tally(v)
            counts.bad += c.bad
            counts.total += c.total
            counts.coveredMinutes += 1
        }
        func ratio(_ ms: Int64) -> Double? {
            var bad = 0.0
            var total = 0.0
            let from = now - ms
            var m = from - ((from % 60_000) + 60_000) % 60_000
            while m <= now {
                if let v = ledger.minutes[m] {
                    let c = tally(v)
                    bad += c.bad
                    total += c.total
                }
                m += 60_000
            }
            return total > 0 ? bad / total : nil
        }
        counts.ratio5m = ratio(300_000)
        counts.ratio1h = ratio(3_600_000)
        counts.ratio6h = ratio(21_600_000)
        var f = compute(o, counts: counts, now: now, problem: problem)
        // The burn-down: the budget left as the window went on, by the
        // same definition as the figure: time slices against the whole
        // window's minutes; events against the errors the traffic up to
        // then allowed. One pass, no sort.
        let fullMs = o.window.fullLengthMs(now: now)
        let slots = burnDownSlots
        let width = max(60_000, fullMs / Int64(slots))
        var bad = [Double](repeating: 0, count: slots)
        var total = [Double](repeating: 0, count: slots)
        var firstSlot = slots
        for (m, v) in ledger.minutes where m >= start && m < end && v.total > 0 {
            let i = min(slots - 1, Int((m - start) / width))
            let c = tally(v)
            bad[i] += c.bad
            total[i] += c.total
            firstSlot = min(firstSlot, i)
        }
        if counts.total > 0 {
            var spent = 0.0
            var seen = 0.0
            f.burnDown = (0..<slots).map { i in
                spent += bad[i]
                seen += total[i]
                // Nothing before the first data: no data is not a full budget.
                guard i >= firstSlot, start + Int64(i) * width <= now else { return nil }
                let allowed = slices ? Double(fullMs / 60_000) * o.budget : seen * o.budget
                return allowed > 0 ? 1 - spent / allowed : nil
            }
            f.burnDownFullMs = fullMs
        }
        return f
    }

    /// The figures from window counts (the ledger's, or Prometheus' answers).
    public static func compute(_ o: Objective, counts: Counts, now: Int64, problem: String? = nil) -> SLOFigures {
        let (start, end) = o.window.bounds(now: now)
        let fullMs = o.window.fullLengthMs(now: now)
        var f = SLOFigures(
            id: o.id, name: o.name, objective: o.objective, window: o.window.description,
            budgeting: o.budgeting.rawValue, windowStartMs: start, windowEndMs: end, sli: nil, good: 0, total: 0,
            budgetAllowed: nil, budgetRemaining: nil, budgetText: "no data", burn5m: nil, burn1h: nil, burn6h: nil,
            burnWindow: nil, exhaustionMs: nil, coveredMinutes: counts.coveredMinutes,
            windowMinutes: Int((end - start) / 60_000), state: .noData, problem: problem,
            pageBurn: BurnRateAlerts.pairs[0].factor(windowMs: o.window.lengthMs))
        guard counts.total > 0 else { return f }
        let bad = min(counts.bad, counts.total)
        f.total = counts.total
        f.good = counts.total - bad
        f.sli = f.good / f.total
        f.burn5m = counts.ratio5m.map { $0 / o.budget }
        f.burn1h = counts.ratio1h.map { $0 / o.budget }
        f.burn6h = counts.ratio6h.map { $0 / o.budget }
        f.burnWindow = (bad / counts.total) / o.budget
        if o.budgeting == .timeslices {
            // Time: the whole window's minutes times the budget (30 days
            // at 99.9%: 43 min 12 s), whatever has been measured so far.
            let allowed = Double(fullMs / 60_000) * o.budget
            f.budgetAllowed = allowed
            f.budgetRemaining = 1 - bad / allowed
            f.budgetText =
                bad > allowed
                ? "overspent: \(minutes(bad)) of \(minutes(allowed))"
                : "\(minutes(allowed - bad)) of \(minutes(allowed)) left"
        } else {
            // Events: the errors the traffic so far allows.
            let allowed = counts.total * o.budget
            f.budgetAllowed = allowed
            f.budgetRemaining = allowed > 0 ? 1 - bad / allowed : nil
            f.budgetText =
                bad > allowed
                ? "overspent: \(count(bad)) of \(count(allowed)) errors"
                : "\(count(allowed - bad)) of \(count(allowed)) errors left"
        }
        // At the last hour's burn, the remaining share lasts
        // remaining × window / burn.
        if let r = f.budgetRemaining, let b = f.burn1h, b > 0 {
            f.exhaustionMs = r <= 0 ? 0 : Int64(r * Double(fullMs) / b)
        }
        let remaining = f.budgetRemaining ?? 1
        if remaining <= 0 || (f.burn1h ?? 0) >= f.pageBurn {
            f.state = .critical
        } else if (f.burnWindow ?? 0) > 1 || (f.burn1h ?? 0) > 1 {
            f.state = .warning
        } else {
            f.state = .ok
        }
        return f
    }

    /// `43 min 12 s`, `2 h 5 min`, `-3 min` (overspent).
    static func minutes(_ m: Double) -> String {
        let sign = m < 0 ? "-" : ""
        let s = Int((abs(m) * 60).rounded())
        if s >= 3600 { return "\(sign)\(s / 3600) h \(s % 3600 / 60) min" }
        if s >= 60 { return "\(sign)\(s / 60) min" + (s % 60 > 0 ? " \(s % 60) s" : "") }
        return "\(sign)\(s) s"
    }

    /// `1,234`; under ten with a decimal (`0.9 of 0.3 errors`), so a young
    /// window's first errors do not read as `0 of 0`.
    static func count(_ v: Double) -> String {
        if abs(v) < 10 { return formatSampleValue((v * 10).rounded() / 10) }
        let n = Int(v.rounded())
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return String(digits)
    }
}
