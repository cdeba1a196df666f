/// An objective's events a minute over its window: what its budget is
/// computed from. Fed once a refresh with the event rates of the moment
/// (a rate times the time since the last refresh is that stretch's
/// events), or backfilled from the history's one-minute rollups.
public struct SLOLedger: Sendable, Equatable {
    /// Good and total events in a minute; for a gauge, the sum of its
    /// values and how many were taken (the minute's share of good time).
    public struct Minute: Sendable, Equatable {
        public var good: Double
        public var total: Double

        public init(good: Double, total: Double) {
            self.good = good
            self.total = total
        }
    }

    public private(set) var minutes: [Int64: Minute] = [:]
    var lastFedMs: Int64?
    /// The oldest minute held: how far back the ledger covers.
    public private(set) var firstMinute: Int64?

    public init() {}

    /// Adds what happened since the last feed: `rates` per second, or for
    /// a gauge its value now (`gauge: true`, counted once a feed).
    public mutating func feed(good: Double, total: Double, gauge: Bool, at now: Int64) {
        defer { lastFedMs = now }
        guard good.isFinite, total.isFinite else { return }
        let minute = now - ((now % 60_000) + 60_000) % 60_000
        firstMinute = min(firstMinute ?? minute, minute)
        if gauge {
            minutes[minute, default: Minute(good: 0, total: 0)].good += good
            minutes[minute, default: Minute(good: 0, total: 0)].total += 1
            return
        }
        // A gap longer than a minute (a pause, a dead target) is not
        // filled with the rate of its end.
        guard let last = lastFedMs, now > last else { return }
        let seconds = Double(min(now - last, 60_000)) / 1000
        minutes[minute, default: Minute(good: 0, total: 0)].good += good * seconds
        minutes[minute, default: Minute(good: 0, total: 0)].total += total * seconds
    }

    /// Sets minutes read from the history (kept where this process has its own).
    public mutating func backfill(_ stored: [Int64: Minute]) {
        for (m, v) in stored where minutes[m] == nil {
            minutes[m] = v
            firstMinute = min(firstMinute ?? m, m)
        }
    }

    /// The history's name for an objective's recorded rates (a series
    /// `part="good"` and one `part="total"`).
    public static func historyID(_ o: Objective) -> String { "slo:" + o.id }

    /// Minutes from the history's minute averages of the recorded rates:
    /// a rate's average over a minute times 60 is the minute's events; a
    /// gauge's average is its good share of the minute (a total of 1).
    public static func minutes(_ o: Objective, from series: [Labels: [(Int64, Double)]]) -> [Int64: Minute] {
        let good = series[Labels(["part": "good"])] ?? []
        let total = Dictionary(
            (series[Labels(["part": "total"])] ?? []).map { ($0.0 - ($0.0 % 60_000), $0.1) },
            uniquingKeysWith: { $1 })
        let scale: Double = o.eventRates("1m") == nil ? 1 : 60
        var out: [Int64: Minute] = [:]
        for (t, g) in good {
            let m = t - (t % 60_000)
            guard let tot = total[m] else { continue }
            out[m] = Minute(good: g * scale, total: tot * scale)
        }
        return out
    }

    /// Forgets minutes before `start`.
    public mutating func trim(before start: Int64) {
        guard let first = firstMinute, first < start - 60_000 else { return }
        minutes = minutes.filter { $0.key >= start - 60_000 }
        firstMinute = minutes.keys.min()
    }

    /// The error ratio over [from, to] by the objective's budgeting
    /// (events, or the share of bad minutes), nil without data: what a
    /// burn-rate window reads when memory does not reach back that far.
    public func errorRatio(_ o: Objective, from: Int64, to: Int64) -> Double? {
        var bad = 0.0
        var total = 0.0
        var m = from - ((from % 60_000) + 60_000) % 60_000
        while m <= to {
            if let v = minutes[m] {
                let c = Self.tally(o, v)
                bad += c.bad
                total += c.total
            }
            m += 60_000
        }
        return total > 0 ? bad / total : nil
    }

    /// A minute's bad and total by the objective's budgeting: its events,
    /// or for time slices one minute, bad when its ratio is under the
    /// objective. Nothing for a minute without traffic.
    public static func tally(_ o: Objective, _ v: Minute) -> (bad: Double, total: Double) {
        guard v.total > 0 else { return (0, 0) }
        if o.budgeting == .timeslices { return (v.good / v.total < o.objective ? 1 : 0, 1) }
        return (max(0, v.total - v.good), v.total)
    }

    /// Good and total over [from, to).
    public func sum(from: Int64, to: Int64) -> Minute {
        var out = Minute(good: 0, total: 0)
        for (m, v) in minutes where m >= from && m < to {
            out.good += v.good
            out.total += v.total
        }
        return out
    }
}
