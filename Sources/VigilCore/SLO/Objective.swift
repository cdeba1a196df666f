import Foundation

/// A success criterion written as a service level objective: an indicator
/// (good events over all events), the share that must be good, over a
/// window. Its error budget is what the rest allows; burn-rate alerts watch
/// how fast it is spent (Google's SRE Workbook, chapter 5).
public struct Objective: Sendable {
    public enum Indicator: Sendable {
        /// Counters: good (or bad) events over all events, each a selector.
        case ratio(good: String?, bad: String?, total: String)
        /// A histogram: requests at or under `threshold` (the histogram's
        /// unit, seconds as a rule) over all requests. `matchers` are the
        /// selector's other matchers as PromQL text (`service="api"`).
        case latency(histogram: String, matchers: [String], threshold: Double)
        /// A gauge of 0 and 1 averaged over time (`up`, `probe_success`).
        case gauge(String)
    }

    public enum Budgeting: String, Sendable {
        /// Every event counts: the budget is events (errors allowed).
        case events
        /// Every minute counts alike: the budget is time.
        case timeslices
    }

    public var id: String
    public var name: String
    public var description: String?
    public var indicator: Indicator
    /// The share that must be good, as a fraction (0.999).
    public var objective: Double
    public var window: SLOWindow
    public var budgeting: Budgeting
    public var pageSeverity: String
    public var ticketSeverity: String
    public var at: SourcePosition
    /// Where a latency threshold was written: a threshold that is no
    /// bucket boundary is found only when the histogram is first seen.
    public var thresholdAt: SourcePosition?
    /// How much faster than the clock its alerts' windows and holds run
    /// (the demo's compressed day: 30).
    public var speedup: Int64 = 1

    public init(
        id: String, name: String, indicator: Indicator, objective: Double, window: SLOWindow, budgeting: Budgeting,
        at: SourcePosition
    ) {
        self.id = id
        self.name = name
        self.indicator = indicator
        self.objective = objective
        self.window = window
        self.budgeting = budgeting
        self.pageSeverity = "critical"
        self.ticketSeverity = "medium"
        self.at = at
    }

    /// The error budget as a fraction of events or time (0.001).
    public var budget: Double { ((1 - objective) * 1e12).rounded() / 1e12 }

    /// The error ratio over `range` (`1h`) as PromQL: the share of events
    /// (or of time, for a gauge) that was bad.
    public func errorRatio(_ range: String) -> String {
        switch indicator {
        case .ratio(let good?, _, let total):
            return "1 - sum(rate(\(good)[\(range)])) / sum(rate(\(total)[\(range)]))"
        case .ratio(nil, let bad, let total):
            return "sum(rate(\(bad ?? total)[\(range)])) / sum(rate(\(total)[\(range)]))"
        case .latency(let histogram, let matchers, let threshold):
            return
                "1 - sum(rate(\(histogram)_bucket{\((matchers + [Self.leMatcher(threshold)]).joined(separator: ", "))}[\(range)]))"
                + " / sum(rate(\(histogram)_count\(matchers.isEmpty ? "" : "{\(matchers.joined(separator: ", "))}")[\(range)]))"
        case .gauge(let gauge):
            return "1 - avg(avg_over_time(\(gauge)[\(range)]))"
        }
    }

    /// The good and total event rates (per second) over `range` as PromQL,
    /// for what the history records and the window's arithmetic; nil for
    /// a gauge, whose ratio is time. `function: "increase"` gives the
    /// counts instead (a server's window: VictoriaMetrics' `rate` divides
    /// by the time its samples span, not by the range, so rate × range
    /// would count a young window's minutes as a month's).
    public func eventRates(_ range: String, function f: String = "rate") -> (good: String, total: String)? {
        switch indicator {
        case .ratio(let good?, _, let total):
            return ("sum(\(f)(\(good)[\(range)]))", "sum(\(f)(\(total)[\(range)]))")
        case .ratio(nil, let bad, let total):
            let t = "sum(\(f)(\(total)[\(range)]))"
            return ("\(t) - sum(\(f)(\(bad ?? total)[\(range)]))", t)
        case .latency(let histogram, let matchers, let threshold):
            let bucket = "\(histogram)_bucket{\((matchers + [Self.leMatcher(threshold)]).joined(separator: ", "))}"
            let count = "\(histogram)_count" + (matchers.isEmpty ? "" : "{\(matchers.joined(separator: ", "))}")
            return ("sum(\(f)(\(bucket)[\(range)]))", "sum(\(f)(\(count)[\(range)]))")
        case .gauge:
            return nil
        }
    }

    /// `le` as exposition formats write the boundary: `2` (Go), `2.0`
    /// (Python and Swift clients) or `2e+00`; a regex takes them all.
    static func leMatcher(_ threshold: Double) -> String {
        let text = formatSampleValue(threshold)
        let escaped = text.replacingOccurrences(of: ".", with: "\\\\.").replacingOccurrences(of: "+", with: "\\\\+")
        return "le=~\"\(escaped)(\\\\.0+)?\""
    }
}

/// The period an objective is judged over.
public enum SLOWindow: Sendable, Equatable {
    /// The last `ms` milliseconds, always.
    case rolling(Int64)
    /// The calendar week (Monday 00:00 UTC on) or month.
    case calendarWeek
    case calendarMonth
    /// From a moment (the launch) for `lengthMs`.
    case since(Int64, lengthMs: Int64)

    /// How long the window is, for the burn-rate factors (a month counts 30 days).
    public var lengthMs: Int64 {
        switch self {
        case .rolling(let ms): return ms
        case .calendarWeek: return 7 * 86_400_000
        case .calendarMonth: return 30 * 86_400_000
        case .since(_, let length): return length
        }
    }

    /// The window's start and end at `now` (the end is never after now):
    /// a rolling window ends now; an anchored one starts at its anchor.
    public func bounds(now: Int64) -> (start: Int64, end: Int64) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        switch self {
        case .rolling(let ms): return (now - ms, now)
        case .calendarWeek:
            let day = cal.startOfDay(for: date)
            let back = (cal.component(.weekday, from: day) + 5) % 7  // Monday: 0
            return (Int64(day.timeIntervalSince1970 * 1000) - Int64(back) * 86_400_000, now)
        case .calendarMonth:
            let c = cal.dateComponents([.year, .month], from: date)
            let start = cal.date(from: c).map { Int64($0.timeIntervalSince1970 * 1000) } ?? now
            return (start, now)
        case .since(let start, let length): return (start, min(now, start + length))
        }
    }

    /// The full length of the window that holds `now`: what the budget
    /// is spread over (a calendar month has its own number of days).
    public func fullLengthMs(now: Int64) -> Int64 {
        guard case .calendarMonth = self else { return lengthMs }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let days = cal.range(of: .day, in: .month, for: date)?.count ?? 30
        return Int64(days) * 86_400_000
    }

    public var description: String {
        switch self {
        case .rolling(let ms): return "rolling \(HistoryRetention.words(ms))"
        case .calendarWeek: return "calendar week"
        case .calendarMonth: return "calendar month"
        case .since(let start, let length):
            return "\(HistoryRetention.words(length)) from \(String(IncidentHistory.time(start).prefix(16))) UTC"
        }
    }
}

/// A success criterion that is a threshold, not a ratio: a metric that
/// must stay at or above (or at or below) a value, or a count of
/// incidents of a severity in the journal. Pass or fail, beside the SLOs.
public struct Criterion: Sendable {
    public enum Kind: Sendable {
        case metric(String)
        case incidents(severity: String)
        /// The plan names it; nothing measures it (NPS, weekly growth).
        case notMeasured(String)
    }

    public var name: String
    public var kind: Kind
    public var atLeast: Double?
    public var atMost: Double?
    public var at: SourcePosition

    public init(name: String, kind: Kind, atLeast: Double?, atMost: Double?, at: SourcePosition) {
        self.name = name
        self.kind = kind
        self.atLeast = atLeast
        self.atMost = atMost
        self.at = at
    }

    /// Whether `value` passes.
    public func passes(_ value: Double) -> Bool {
        (atLeast.map { value >= $0 } ?? true) && (atMost.map { value <= $0 } ?? true)
    }

    /// `≥ 100000`, `≤ 0`.
    public var target: String {
        [atLeast.map { "≥ \(formatSampleValue($0))" }, atMost.map { "≤ \(formatSampleValue($0))" }].compactMap { $0 }
            .joined(separator: " and ")
    }
}
