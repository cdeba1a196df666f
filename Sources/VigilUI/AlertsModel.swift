import Foundation
import VigilCore

/// One alert as the Alerts screen shows it.
public struct AlertRow: Sendable, Equatable {
    public var key: AlertKey
    public var title: String
    public var state: AlertState
    public var severity: String
    public var severityName: String
    /// 0 for the most severe level the config lists.
    public var severityRank: Int
    /// Since it went pending, or since it fired.
    public var sinceMs: Int64
    public var value: Double
    public var unit: String
    public var acknowledgement: Acknowledgement?
    public var silencedUntilMs: Int64?
    public var escalation: EscalationStatus
    public var condition: String
    public var description: String
    public var action: String
    public var metric: String?
    /// "vigil" for Vigil's own rules, "alertmanager" for Alertmanager's alerts.
    public var source = "vigil"
    /// The severity's configured colour (the plan: critical red, high
    /// orange, medium yellow, low blue).
    public var severityColor: String?
}

extension AlertRow {
    /// The rule and the one label that tells its alerts apart (job,
    /// service, instance, else the first), for a line that names several:
    /// `Target Down (api)`.
    public var shortTitle: String {
        let labels = key.labels
        let which =
            ["job", "service", "instance"].lazy.compactMap { labels[$0] }.first
            ?? labels.sorted { $0.key < $1.key }
            .first?.value
        return which.map { "\(key.rule) (\($0))" } ?? key.rule
    }
}

/// What the alert and incident screens, the status bar and the panel
/// markers are drawn from.
public struct AlertsModel: Sendable {
    public var nowMs: Int64 = 0
    public var rows: [AlertRow] = [] { didSet { sortOut() } }
    /// The rows sorted out once when they change, not at every frame: the
    /// status bar and each panel's marker ask, and a flood is a thousand rows.
    public private(set) var firing: [AlertRow] = []
    public private(set) var pending: [AlertRow] = []
    /// Metrics with a firing alert: their panels show a marker.
    public private(set) var firingMetrics: Set<String> = []
    public var incidents: [Incident] = []
    /// The opened incident's timeline, when one is open.
    public var history: IncidentHistory?
    public var readOnly: String?
    public var warnings: [String] = []
    public var ruleErrors: [String: String] = [:]
    /// True until the data is there to evaluate rules (after a start).
    public var warmingUp = false
    /// Alertmanager's silences (the inventory) and its read error.
    public var silences: [AMSilence] = []
    public var alertmanagerError: String?
    /// Where each alert was notified and how it went ("slack ✓ 12:01,
    /// pagerduty ✗ HTTP 500, retry in 30s").
    public var deliveries: [AlertKey: String] = [:]
    /// Where the opened incident's changes were sent ("slack ✓ 12:01").
    public var incidentNotified: String?
    /// Channels the severities name that are not configured, and
    /// notifications that failed: said on the Alerts screen.
    public var notifyProblem: String?
    /// Notifications that could not be delivered (the outbox's failed ones):
    /// the status bar says so on every screen.
    public var failedNotifications = 0
    /// Channels whose latest answer was a failure or asks for a retry, with
    /// the reason: the status bar counts them.
    public var failingChannels: [String: String] = [:]
    public var hasAlertmanager = false
    /// Labels of the alerts Alertmanager holds active, for the inventory's
    /// "expires while still firing" warning.
    public var alertmanagerAlerts: [AMAlert] = []
    /// Vigil's own rules that Alertmanager also reports by the same name
    /// (`High Error Rate` and `HighErrorRate` are one): the rule is
    /// evaluated twice, and would page twice once notifications are sent.
    public var evaluatedTwice: [(rule: String, alert: String)] = []
    /// Vigil's own running silences (`s` on the Alerts screen), in the
    /// inventory's shape: the alert's labels as matchers, who, since when.
    public var localSilences: [AMSilence] = []
    /// Alerts resolved in the last hours (`resolvedWindowMs`), newest first.
    public var resolved: [ResolvedAlert] = []
    public static let resolvedWindowMs: Int64 = 6 * 3_600_000

    public init() {}

    public init(engine: AlertEngine, config: VigilConfig, now: Int64) {
        nowMs = now
        let rules = Dictionary(engine.rules.map { ($0.name, $0) }) { first, _ in first }
        let severities = Dictionary(config.alerts.severities.map { ($0.id, $0) }) { first, _ in first }
        rows = engine.active.map { a in
            let rule = rules[a.key.rule]
            let sev = severities[a.severity]
            return AlertRow(
                key: a.key, title: Self.title(a.key), state: a.state, severity: a.severity,
                severityName: sev?.name ?? a.severity, severityRank: engine.rank(a.severity),
                sinceMs: a.state == .firing ? (a.firedAtMs ?? a.activeSinceMs) : a.activeSinceMs, value: a.value,
                unit: rule?.metric.flatMap { config.metric($0)?.unit } ?? "", acknowledgement: a.acknowledgement,
                silencedUntilMs: a.isSilenced(at: now) ? a.silencedUntilMs : nil,
                escalation: engine.escalation(of: a, at: now), condition: rule?.condition ?? "",
                description: rule?.describe(labels: a.key.labels, value: a.value) ?? "",
                action: rule?.actionText(labels: a.key.labels, value: a.value) ?? "", metric: rule?.metric,
                severityColor: sev?.color)
        }
        localSilences = engine.alerts.values.filter { $0.isSilenced(at: now) }.sorted { $0.key < $1.key }.map { a in
            let labels = ["alertname": a.key.rule].merging(a.key.labels) { x, _ in x }
            return AMSilence(
                id: "vigil",
                matchers: labels.sorted { $0.key < $1.key }.map { AMSilence.Matcher(name: $0.key, value: $0.value) },
                startsAtMs: a.silencedAtMs ?? now, endsAtMs: a.silencedUntilMs ?? now, createdBy: a.silencedBy ?? "?",
                comment: a.silenceNote.flatMap { $0.isEmpty ? nil : $0 } ?? "silenced in Vigil")
        }
        // An initialiser's assignments do not run `didSet`.
        sortOut()
    }

    /// Alertmanager's alerts as rows: firing, or acknowledged when a silence
    /// holds them (its author, start and comment are the acknowledgement).
    public mutating func addAlertmanager(_ alerts: [AMAlert], silences: [AMSilence], config: VigilConfig) {
        hasAlertmanager = true
        self.silences = silences
        alertmanagerAlerts = alerts
        func folded(_ s: String) -> String { String(s.lowercased().filter { $0.isLetter || $0.isNumber }) }
        let server = Dictionary(alerts.map { (folded($0.name), $0.name) }) { a, _ in a }
        evaluatedTwice = config.alerts.rules.filter { !$0.builtIn }.compactMap { r in
            server[folded(r.name)].map { (r.name, $0) }
        }
        var added: [AlertRow] = []
        for a in alerts {
            var labels = a.labels
            labels["alertname"] = nil
            let key = AlertKey(rule: "alertmanager/" + a.name, labels: Labels(labels))
            let sevID = a.labels["severity"] ?? ""
            let rank = config.alerts.severities.firstIndex { $0.id == sevID } ?? config.alerts.severities.count
            let sev = config.alerts.severities.first { $0.id == sevID }
            let silence =
                silences.first { a.silencedBy.contains($0.id) && $0.state == "active" }
                ?? silences.first { $0.state == "active" && $0.matches(a.labels) }
            added.append(
                AlertRow(
                    key: key, title: Self.title(key) + " [alertmanager]", state: .firing, severity: sevID,
                    severityName: sev?.name ?? (sevID.isEmpty ? "none" : sevID), severityRank: rank,
                    sinceMs: a.startsAtMs ?? nowMs, value: .nan, unit: "",
                    acknowledgement: silence.map {
                        Acknowledgement(by: $0.createdBy, atMs: $0.startsAtMs, note: $0.comment)
                    }, silencedUntilMs: nil,
                    escalation: EscalationStatus(level: nil, next: nil, nextAtMs: nil, timedOut: false),
                    condition: a.annotations["summary"] ?? "", description: a.annotations["description"] ?? "",
                    action: a.annotations["runbook_url"] ?? "", metric: nil, source: "alertmanager",
                    severityColor: sev?.color))
        }
        // One assignment: the rows are sorted out once, not once an alert.
        rows = (rows + added).sorted { a, b in
            if (a.state == .firing) != (b.state == .firing) { return a.state == .firing }
            if a.severityRank != b.severityRank { return a.severityRank < b.severityRank }
            return a.sinceMs < b.sinceMs
        }
    }

    /// `High Error Rate {service=api}`.
    public static func title(_ k: AlertKey) -> String {
        let labels = k.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return Sanitizer.clean(labels.isEmpty ? k.rule : "\(k.rule) {\(labels)}", maxLength: 200)
    }

    mutating func sortOut() {
        firing = rows.filter { $0.state == .firing }
        pending = rows.filter { $0.state == .pending }
        firingMetrics = Set(firing.compactMap(\.metric))
    }

    /// The most severe firing alert (rows come most severe first).
    public var worst: AlertRow? { firing.first }
}

extension Theme {
    /// Severity styles by rank: the top two levels red, the third yellow,
    /// the rest in the accent colour; the word is always shown too.
    func severity(rank: Int) -> Style {
        switch rank {
        case 0: return state(.critical).with(.reverse)
        case 1: return state(.critical)
        case 2: return state(.warning)
        default: return accent
        }
    }

    /// A row's severity in its configured colour, with the rank's
    /// emphasis; a theme without colours (mono) keeps the rank's style,
    /// and the word and glyph always say it too.
    func severity(_ row: AlertRow) -> Style {
        var style = severity(rank: row.severityRank)
        guard color("crit").index >= 0, let name = row.severityColor, let c = ThemeSpec.colorNames[name] else {
            return style
        }
        style.fg = TermColor(c)
        return style
    }
}
