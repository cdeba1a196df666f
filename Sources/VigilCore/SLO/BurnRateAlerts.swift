import Foundation

/// The burn-rate alerts of an objective, after the SRE Workbook's
/// multi-window, multi-burn-rate table: each pair fires when the error
/// ratio over a long and a short window both exceed `factor × budget`.
/// The windows are fixed; the factors scale with the objective's window
/// so that each pair means the same share of the budget spent in its long
/// window (for 30 days: 14.4 = 2% in an hour, 6 = 5% in 6 hours, 1 = 10%
/// in 3 days), as Sloth and Pyrra scale theirs.
public enum BurnRateAlerts {
    public struct Pair: Sendable, Equatable {
        public var page: Bool
        public var longMs: Int64
        public var shortMs: Int64
        /// The share of the budget spent in the long window at the threshold.
        public var budgetShare: Double
        public var holdMs: Int64

        /// The burn rate that spends `budgetShare` of a window of `windowMs` in `longMs`.
        public func factor(windowMs: Int64) -> Double { budgetShare * Double(windowMs) / Double(longMs) }
    }

    public static let pairs: [Pair] = [
        Pair(page: true, longMs: 3_600_000, shortMs: 300_000, budgetShare: 0.02, holdMs: 120_000),
        Pair(page: true, longMs: 21_600_000, shortMs: 1_800_000, budgetShare: 0.05, holdMs: 900_000),
        Pair(page: false, longMs: 259_200_000, shortMs: 21_600_000, budgetShare: 0.10, holdMs: 3_600_000),
    ]

    public static var longestWindowMs: Int64 { pairs.map(\.longMs).max()! }
    /// What memory keeps for the objectives' rules in scrape mode: the
    /// pages' longest window. The ticket reads the ledger instead.
    public static let memoryCapMs: Int64 = 21_600_000

    /// The rule name: `Availability budget burn (page, 1h/5m)`.
    public static func name(_ o: Objective, _ p: Pair) -> String {
        "\(o.name) budget burn (\(p.page ? "page" : "ticket"), \(PromDuration(milliseconds: p.longMs))/\(PromDuration(milliseconds: p.shortMs)))"
    }

    /// The pair's condition as PromQL over the raw series (no recording
    /// rules): Vigil's engine and Prometheus evaluate the same text.
    public static func expression(_ o: Objective, _ p: Pair, speedup: Int64 = 1) -> String {
        // Twelve digits: 14.4 × 0.001 is 0.0144, not 0.014399999999998414.
        // The burn rate itself is compared (and shown as the alert's
        // value): the error ratio over the budget.
        let factor = String(format: "%.12g", p.factor(windowMs: o.window.lengthMs))
        let budget = String(format: "%.12g", o.budget)
        let long = o.errorRatio(PromDuration(milliseconds: p.longMs / speedup).description)
        let short = o.errorRatio(PromDuration(milliseconds: p.shortMs / speedup).description)
        return "(\(long)) / \(budget) > \(factor) and (\(short)) / \(budget) > \(factor)"
    }

    /// The series Vigil writes into its own store in scrape mode: an
    /// objective's error ratio over the ticket's windows from its ledger
    /// (3 days reach back past memory, into the history).
    public static let ledgerMetric = "vigil_slo_error_ratio"

    /// The ticket's condition over those series (scrape mode).
    public static func ledgerExpression(_ o: Objective, _ p: Pair) -> String {
        let factor = String(format: "%.12g", p.factor(windowMs: o.window.lengthMs))
        let budget = String(format: "%.12g", o.budget)
        func series(_ which: String) -> String {
            "\(ledgerMetric){objective=\"\(escapeLabelValue(o.id))\", window=\"\(which)\"}"
        }
        // `max`: one series each, without labels, as the pages' sums are.
        return "max(\(series("long"))) / \(budget) > \(factor) and max(\(series("short"))) / \(budget) > \(factor)"
    }

    /// The rules for one objective, with the severities given; windows and
    /// holds run `o.speedup` times faster (the demo's compressed day). In
    /// scrape mode the ticket reads the ledger's ratios (its 3 days are not
    /// in memory); the pages read the raw series.
    public static func rules(_ o: Objective, remote: Bool) -> [AlertRule] {
        let speedup = o.speedup
        return pairs.compactMap { p in
            let fromLedger = !remote && p.longMs > memoryCapMs
            let promql = fromLedger ? ledgerExpression(o, p) : expression(o, p, speedup: speedup)
            guard let expr = try? QueryParser.parse(promql) else { return nil }
            let factor = formatSampleValue((p.factor(windowMs: o.window.lengthMs) * 100).rounded() / 100)
            var rule = AlertRule(
                name: name(o, p), condition: promql, metric: nil, expr: expr,
                holdFor: PromDuration(milliseconds: p.holdMs / speedup), keepFiringFor: nil,
                severity: p.page ? o.pageSeverity : o.ticketSeverity,
                description:
                    "\(o.name) is spending its error budget \(factor) times faster than the \(o.window.description) window allows (\(Int(p.budgetShare * 100))% of it in \(PromDuration(milliseconds: p.longMs)))",
                action: p.page
                    ? "find what fails now: the budget is going fast" : "plan a fix this week: the budget will not last"
            )
            rule.promql = promql
            rule.remote = remote
            rule.builtIn = true
            rule.objective = o.id
            // The ledger's ratios come from the history: no wait for data.
            rule.coverageOverrideMs = fromLedger ? 0 : p.shortMs / speedup
            return rule
        }
    }
}
