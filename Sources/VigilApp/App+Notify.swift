import VigilCore
import VigilUI

/// Notifications straight to PagerDuty, Slack and webhooks: what the
/// alert engine decided becomes outbox entries in the journal, which the
/// sender delivers. Every decision here is tested by messages.
extension App {
    /// The channels a severity names, configured or not.
    func channelNames(_ severity: String) -> [String] {
        config.alerts.severities.first { $0.id == severity }?.channels ?? []
    }

    /// Channels the severities name that no `channels:` entry defines.
    var unconfiguredChannels: [String] {
        let configured = Set(config.channels.map(\.name))
        var out: [String] = []
        for s in config.alerts.severities {
            for c in s.channels where !configured.contains(c) && !out.contains(c) { out.append(c) }
        }
        return out
    }

    /// Puts the notifications these alert events call for in the outbox
    /// (the journal): a firing alert triggers each channel of its
    /// severity, an acknowledgement acknowledges, a resolution resolves.
    mutating func queueNotifications(_ events: [AlertEvent], now: Int64) {
        guard !config.channels.isEmpty, alerts.readOnlyReason == nil else { return }
        let configured = Dictionary(config.channels.map { ($0.name, $0.kind) }) { a, _ in a }
        for e in events {
            let key: AlertKey
            let event: AlertNotification.Event
            var by = ""
            switch e {
            case .transition(let k, _, .firing, _, _):
                key = k
                event = .trigger
            case .transition(let k, .firing, .resolved, _, _):
                key = k
                event = .resolve
            case .acknowledged(let k, let ack):
                key = k
                event = .acknowledge
                by = ack.by
            default: continue
            }
            guard let a = alerts.engine.alerts[key] else { continue }
            let rule = alerts.engine.rules.first { $0.name == key.rule }
            // An acknowledgement is PagerDuty's to know (it stops the paging);
            // a chat channel hears of the firing and the resolution.
            for channel in channelNames(a.severity) where configured[channel] != nil {
                if event == .acknowledge && configured[channel] != .pagerduty { continue }
                alerts.write(
                    .notifyQueued(
                        AlertNotification(
                            channel: channel, event: event, alert: key, severity: a.severity, value: a.value,
                            description: rule?.describe(labels: key.labels, value: a.value) ?? "",
                            action: rule?.actionText(labels: key.labels, value: a.value) ?? "",
                            startsAtMs: a.firedAtMs ?? a.activeSinceMs, by: by, atMs: now)), at: now)
            }
        }
    }

    /// The sender's answers go to the journal.
    mutating func takeNotificationResults(now: Int64) {
        for r in sender.takeResults() { alerts.write(.notifyResult(r), at: now) }
    }

    /// Where the selected alert was notified, for the Alerts screen's
    /// details: only that one (a flood is a thousand alerts, and the clock
    /// text of each would be computed for nothing).
    mutating func refreshDeliveries(now: Int64) {
        alertsModel.deliveries = [:]
        guard state.screen == .alerts, state.alerts.selected < alertsModel.rows.count else { return }
        let key = alertsModel.rows[state.alerts.selected].key
        if let text = deliveryText(key, now: now) { alertsModel.deliveries[key] = text }
    }

    /// "pagerduty ✗ HTTP 500, retry in 8s, slack ✓ 12:01".
    func deliveryText(_ key: AlertKey, now: Int64) -> String? {
        let entries = alerts.notifications.of(key)
        guard !entries.isEmpty else { return nil }
        var latest: [String: NotificationBook.Entry] = [:]
        var channels: [String] = []
        // `of` is newest first: the first seen per channel is its latest.
        for e in entries where latest[e.notification.channel] == nil {
            channels.append(e.notification.channel)
            latest[e.notification.channel] = e
        }
        return channels.reversed().map { ch -> String in
            let e = latest[ch]!
            let what = e.notification.event == .trigger ? "" : " \(e.notification.event.rawValue)"
            if let r = e.result {
                let at = TimeText.clock(e.resultAt ?? e.queuedAt).prefix(5)
                return r.delivered ? "\(ch)\(what) ✓ \(at)" : "\(ch)\(what) ✗ \(r.detail)"
            }
            if let retry = sender.retrying(e.notification.id, now: now) {
                return "\(ch)\(what) ✗ \(retry.last), retry in \(TimeText.age(retry.inMs))"
            }
            return "\(ch)\(what) sending…"
        }.joined(separator: ", ")
    }

    /// What the Alerts screen says of notifications that cannot go out.
    /// Without `channels:` the severities' channel names are Alertmanager's
    /// routing (or documentation), not a mistake.
    var notifyProblem: String? {
        var parts: [String] = []
        let missing = config.channels.isEmpty ? [] : unconfiguredChannels
        if !missing.isEmpty {
            parts.append(
                "not sent: channel\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) of the severities "
                    + (missing.count > 1 ? "are" : "is") + " not configured (channels:)")
        }
        let failed = alerts.notifications.failedCount
        if failed > 0 { parts.append("\(failed) notification\(failed > 1 ? "s" : "") failed (vigil notify outbox)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
