/// An objective's figures from a Prometheus server (server mode: nothing
/// is recorded locally). The window's counts are instant queries over the
/// whole window, asked once a minute (a month's subquery is not cheap);
/// the burn windows' error ratios every refresh.
public enum SLOServer {
    public struct Query: Sendable, Equatable {
        public var key: String
        public var promql: String
        /// Over the whole window: asked once a minute, not every refresh.
        public var window: Bool
    }

    /// The queries for `o` at `now`.
    public static func queries(_ o: Objective, now: Int64) -> [Query] {
        let (start, end) = o.window.bounds(now: now)
        let range = "\(max(60, (end - start) / 1000))s"
        let key = "slo:" + o.id + ":"
        let minute = o.errorRatio("1m")
        // Minutes with a ratio (traffic, or a gauge with samples).
        let span = max(60_000, end - start)
        var out = [Query(key: key + "covered", promql: overWindow("count_over_time", minute, ms: span), window: true)]
        if o.budgeting == .timeslices {
            let budget = String(format: "%.12g", o.budget)
            out.append(
                Query(
                    key: key + "bad", promql: overWindow("sum_over_time", "(\(minute)) > bool \(budget)", ms: span),
                    window: true))
        } else if let counts = o.eventRates(range, function: "increase") {
            out.append(Query(key: key + "total", promql: counts.total, window: true))
            out.append(Query(key: key + "bad", promql: "(\(counts.total)) - (\(counts.good))", window: true))
        }
        for (suffix, r) in [("5m", "5m"), ("1h", "1h"), ("6h", "6h")] {
            out.append(Query(key: key + suffix, promql: o.errorRatio(r), window: false))
        }
        return out
    }

    /// `fn((expr)[window:1m])`, asked in pieces of at most a week: a
    /// month at a point a minute is 43,200 points of one subquery, past
    /// VictoriaMetrics' default limit of 30,000 (Prometheus sets none).
    /// Each older piece ends a millisecond before the newer one starts, so
    /// no minute is counted twice, and an empty piece counts 0 (a sum with
    /// an empty side would be empty; the sum gives every piece the same
    /// empty label set).
    static func overWindow(_ fn: String, _ expr: String, ms: Int64, longest: Int64 = 7 * 86_400_000) -> String {
        let pieces = (ms + longest - 1) / longest
        guard pieces > 1 else { return "\(fn)((\(expr))[\(ms / 1000)s:1m])" }
        let piece = (ms + pieces - 1) / pieces
        var parts: [String] = []
        for i in 0..<pieces {
            let start = i * piece
            let length = min(piece, ms - start)
            let window = i == 0 ? "[\(length)ms:1m]" : "[\(length - 1)ms:1m] offset \(start + 1)ms"
            parts.append("(sum(\(fn)((\(expr))\(window))) or vector(0))")
        }
        return parts.joined(separator: " + ")
    }

    /// The counts from the answers (each query's value summed over its
    /// rows; absent: no answer yet or no data); nil until the window's
    /// queries have answered.
    public static func counts(_ o: Objective, answers: [String: Double?]) -> SLOFigures.Counts? {
        let key = "slo:" + o.id + ":"
        guard let covered = answers[key + "covered"], let bad = answers[key + "bad"] else { return nil }
        let minutes = covered ?? 0
        let total: Double? = o.budgeting == .timeslices ? minutes : answers[key + "total"] ?? nil
        func finite(_ v: Double?) -> Double? { v.flatMap { $0.isFinite ? $0 : nil } }
        return SLOFigures.Counts(
            bad: finite(bad) ?? 0, total: finite(total) ?? 0, ratio5m: finite(answers[key + "5m"] ?? nil),
            ratio1h: finite(answers[key + "1h"] ?? nil), ratio6h: finite(answers[key + "6h"] ?? nil),
            coveredMinutes: Int(minutes))
    }
}
