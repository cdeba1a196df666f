import Foundation

/// Vigil's own alerts as Prometheus and vmalert send them to Alertmanager
/// (`POST /api/v2/alerts`): a firing alert is sent when it fires and again
/// every resend interval with `endsAt` four intervals ahead (so Alertmanager
/// resolves it by itself if Vigil stops); a resolved alert is sent with
/// `endsAt` at its resolution, and again every interval for 15 minutes (a
/// lost post must not leave it firing there). A team keeps its routing and
/// receivers, and an alert with the same labels from Prometheus is the same
/// alert to Alertmanager.
public struct AlertmanagerPush: Sendable {
    /// One alert as posted.
    public struct Posted: Sendable, Equatable {
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAtMs: Int64
        public var endsAtMs: Int64
    }

    public var resendMs: Int64
    /// How long a resolved alert keeps being sent (Prometheus' 15 minutes).
    public var resolvedForMs: Int64 = 15 * 60_000
    /// When each alert was last sent, and whether as resolved.
    var lastSent: [AlertKey: (at: Int64, resolved: Bool)] = [:]
    /// The label sets this instance sends: when Alertmanager's list is read
    /// back, these are Vigil's own alerts, already on the Alerts screen.
    public private(set) var ours: Set<[String: String]> = []

    public init(resendMs: Int64 = 60_000) { self.resendMs = max(1000, resendMs) }

    /// The labels Alertmanager knows the alert by: the series' labels, the
    /// rule's name as `alertname`, and its severity.
    public static func labels(_ a: Alert) -> [String: String] {
        var labels = a.key.labels
        labels["alertname"] = a.key.rule
        labels["severity"] = a.severity
        return labels
    }

    /// A rule file's alert keeps its own name and severity word: the
    /// team's Alertmanager routes on them.
    public static func labels(_ a: Alert, rule: AlertRule) -> [String: String] {
        guard rule.imported != nil else { return labels(a) }
        var labels = a.key.labels
        labels["alertname"] = rule.alertName
        if labels["severity"] == nil { labels["severity"] = a.severity }
        return labels
    }

    /// What to post now, from the alert engine's alerts and its rules. A
    /// rule whose expression the Prometheus server answers is still Vigil's
    /// alert (its holds and state are Vigil's); a rule Alertmanager already
    /// holds (`datasource: alertmanager`) is not in the engine at all.
    public mutating func due(_ alerts: [Alert], rules: [AlertRule], now: Int64) -> [Posted] {
        let local = Dictionary(rules.map { ($0.name, $0) }) { a, _ in a }
        var out: [Posted] = []
        for a in alerts {
            guard let rule = local[a.key.rule] else { continue }
            let last = lastSent[a.key]
            var annotations: [String: String] = ["value": formatSampleValue(a.value)]
            if let d = rule.description { annotations["description"] = d }
            if let action = rule.action { annotations["action"] = action }
            annotations["summary"] = "\(rule.name): \(rule.condition)"
            if rule.imported != nil {
                annotations = rule.annotations(labels: a.key.labels, value: a.value)
                annotations["value"] = annotations["value"] ?? formatSampleValue(a.value)
            }
            switch a.state {
            case .firing:
                // New, back from resolved, or due again.
                guard last == nil || last!.resolved || now - last!.at >= resendMs else { continue }
                lastSent[a.key] = (now, false)
                let posted = Posted(
                    labels: Self.labels(a, rule: rule), annotations: annotations,
                    startsAtMs: a.firedAtMs ?? a.activeSinceMs,
                    endsAtMs: now + 4 * resendMs)
                ours.insert(posted.labels)
                out.append(posted)
            case .resolved:
                // Only what was sent firing, and for a while after.
                guard let last, let resolvedAt = a.resolvedAtMs else { continue }
                if now - resolvedAt > resolvedForMs {
                    lastSent[a.key] = nil
                    continue
                }
                guard !last.resolved || now - last.at >= resendMs else { continue }
                lastSent[a.key] = (now, true)
                out.append(
                    Posted(
                        labels: Self.labels(a, rule: rule), annotations: annotations,
                        startsAtMs: a.firedAtMs ?? a.activeSinceMs, endsAtMs: resolvedAt))
            case .pending, .inactive:
                continue
            }
        }
        return out
    }

    /// Alertmanager's `postableAlerts` JSON.
    public static func body(_ alerts: [Posted]) -> [UInt8] {
        let list: [[String: Any]] = alerts.map {
            [
                "labels": $0.labels, "annotations": $0.annotations,
                "startsAt": AlertmanagerAPI.timeString($0.startsAtMs),
                "endsAt": AlertmanagerAPI.timeString($0.endsAtMs),
            ]
        }
        return Array((try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data())
    }
}
