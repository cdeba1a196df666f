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
        let seconds = String(max(60, (end - start) / 1000))
        let key = "slo:" + o.id + ":"
        let minute = o.errorRatio("1m")
        // Minutes with a ratio (traffic, or a gauge with samples).
        var out = [Query(key: key + "covered", promql: "count_over_time((\(minute))[\(range):1m])", window: true)]
        if o.budgeting == .timeslices {
            let budget = String(format: "%.12g", o.budget)
            out.append(
                Query(
                    key: key + "bad", promql: "sum_over_time(((\(minute)) > bool \(budget))[\(range):1m])", window: true
                ))
        } else if let rates = o.eventRates(range) {
            out.append(Query(key: key + "total", promql: "(\(rates.total)) * \(seconds)", window: true))
            out.append(
                Query(key: key + "bad", promql: "((\(rates.total)) - (\(rates.good))) * \(seconds)", window: true))
        }
        for (suffix, r) in [("5m", "5m"), ("1h", "1h"), ("6h", "6h")] {
            out.append(Query(key: key + suffix, promql: o.errorRatio(r), window: false))
        }
        return out
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
