/// The inner results of subqueries, by the subquery's text, its step and
/// the step's time.
///
/// A subquery `max_over_time(rate(x[1m])[1h:15s])` asks for 240 inner
/// evaluations at every evaluation; a graph evaluates it once per column
/// and a rule once per refresh, and consecutive evaluations share all but
/// the newest steps. An inner result at a step depends only on the step
/// (expressions naming `start()`/`end()` are never cached), so it can be
/// kept for as long as the data under it does not change.
///
/// A reference type on purpose: one evaluator shares it across the
/// columns and queries it evaluates. It is not shared between threads.
public final class SubqueryCache {
    public struct Key: Hashable, Sendable {
        public var text: String
        public var stepMs: Int64
        public var t: Int64
    }

    public var entries: [Key: [VectorElement]]

    public init(entries: [Key: [VectorElement]] = [:]) { self.entries = entries }

    /// How old a step must be before its result is kept for later
    /// evaluations: a scrape's samples carry its start time and arrive up
    /// to its time-out later, so a recent step may still gain samples.
    public static let settleMs: Int64 = 60_000

    /// The entries worth carrying to evaluations after `now`: settled
    /// (older than `settleMs`), and within `reach` (the longest range the
    /// queries look back, subqueries included) of `now`.
    public func carried(to now: Int64, reach: Int64) -> [Key: [VectorElement]] {
        let newest = now.minusSaturating(Self.settleMs)
        let oldest = now.minusSaturating(reach)
        return entries.filter { $0.key.t <= newest && $0.key.t >= oldest }
    }
}
