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
    /// Reaching an escalation level notifies that level's contacts on the
    /// alert's channels that reach them; their pages are acknowledged and
    /// resolved with the alert, and their emails hear of the resolution.
    mutating func queueNotifications(_ events: [AlertEvent], now: Int64) {
        guard !config.channels.isEmpty, alerts.readOnlyReason == nil else { return }
        let configured = Dictionary(config.channels.map { ($0.name, $0.kind) }) { a, _ in a }
        for e in events {
            let key: AlertKey
            let event: AlertNotification.Event
            var by = ""
            var escalation: (level: Int, contacts: [String])?
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
            case .escalated(let k, let level, let contacts, _):
                key = k
                event = .trigger
                escalation = (level, contacts)
            default: continue
            }
            guard let a = alerts.engine.alerts[key] else { continue }
            let rule = alerts.engine.rules.first { $0.name == key.rule }
            let description = rule?.describe(labels: key.labels, value: a.value) ?? ""
            let action = rule?.actionText(labels: key.labels, value: a.value) ?? ""
            func notification(_ channel: String) -> AlertNotification {
                AlertNotification(
                    channel: channel, event: event, alert: key, severity: a.severity, value: a.value,
                    description: description, action: action, startsAtMs: a.firedAtMs ?? a.activeSinceMs, by: by,
                    atMs: now)
            }
            func queue(_ n: AlertNotification) { alerts.write(.notifyQueued(n), at: now) }
            if let escalation {
                for name in escalation.contacts {
                    guard let contact = config.contacts.first(where: { $0.name == name }) else { continue }
                    for channel in channels(reaching: contact, severity: a.severity) {
                        queue(notification(channel).addressed(to: name, level: escalation.level))
                    }
                }
                continue
            }
            // An acknowledgement is PagerDuty's to know (it stops the paging);
            // a chat channel hears of the firing and the resolution.
            for channel in channelNames(a.severity) where configured[channel] != nil {
                if event == .acknowledge && configured[channel] != .pagerduty { continue }
                queue(notification(channel))
            }
            // The contacts paged or mailed on escalation hear the rest:
            // a page is acknowledged and resolved, a mail gets the resolution.
            guard event != .trigger else { continue }
            var told: Set<String> = []
            for entry in alerts.notifications.of(key).reversed() {
                let n = entry.notification
                guard !n.contact.isEmpty, n.event == .trigger, n.level > 0, let kind = configured[n.channel],
                    kind == .pagerduty || (kind == .email && event == .resolve),
                    told.insert(n.channel + "|" + n.contact).inserted
                else { continue }
                queue(notification(n.channel).addressed(to: n.contact, level: 0))
            }
        }
    }

    /// The channels an escalation reaches `contact` on: the severity's
    /// channels of the kinds the contact has an address for, or else the
    /// first configured channel of such a kind.
    func channels(reaching contact: ContactConfig, severity: String) -> [String] {
        var out: [String] = []
        for kind in ChannelConfig.Kind.allCases where contact.reachable(by: kind) {
            let ofKind = config.channels.filter { $0.kind == kind }.map(\.name)
            let named = channelNames(severity).filter { ofKind.contains($0) }
            out += named.isEmpty ? Array(ofKind.prefix(1)) : named
        }
        return out
    }

    /// The plan's `notifyStakeholders`: an incident this instance opened,
    /// moved to another status, noted or resolved is told to the chat,
    /// email and webhook channels of its severity. PagerDuty is not: it
    /// pages for the alert, and a note is not a page. Field edits (the
    /// assignee, a post-mortem section) and joins are the incident page's.
    mutating func queueIncidentNotifications(now: Int64) {
        guard !config.channels.isEmpty, alerts.readOnlyReason == nil else { return }
        let kinds = Dictionary(config.channels.map { ($0.name, $0.kind) }) { a, _ in a }
        for r in alerts.outbox {
            let id: String
            let what: String
            var text: String
            let by: String
            switch r.entry {
            case .incidentOpened(let o):
                (id, what, by) = (o.id, "opened", o.by)
                text = "Opened by \(o.by)" + (o.description.map { ": \($0)" } ?? "")
                if let a = o.assignee, !a.isEmpty { text += "\nAssigned to \(a)" }
            case .incidentUpdated(let u) where u.section == nil && u.joined == nil:
                guard u.status != nil || !u.note.isEmpty else { continue }
                (id, what, by) = (u.id, u.status?.rawValue ?? "note", u.by)
                text =
                    (u.status.map { "\($0.rawValue.capitalized) by \(u.by)" } ?? "Note by \(u.by)")
                    + (u.note.isEmpty ? "" : ": \(u.note)")
            default: continue
            }
            guard let incident = alerts.incidents[id] else { continue }
            for channel in channelNames(incident.severity) where kinds[channel].map({ $0 != .pagerduty }) ?? false {
                alerts.write(
                    .notifyQueued(
                        .incident(incident, channel: channel, what: what, text: text, by: by, atMs: now)), at: now)
            }
        }
    }

    /// The sender's answers go to the journal.
    mutating func takeNotificationResults(now: Int64) {
        for r in sender.takeResults() { alerts.write(.notifyResult(r), at: now) }
    }

    /// What the Alerts screen and the status bar say of the channels: those
    /// not configured, those failing, the notifications given up on.
    mutating func refreshNotifyStatus() {
        alertsModel.notifyProblem = notifyProblem
        alertsModel.failedNotifications = alerts.notifications.failedCount
        alertsModel.failingChannels = alerts.notifications.failingChannels.merging(sender.retryingChannels) { _, b in b
        }
    }

    /// Where the selected alert was notified, for the Alerts screen's
    /// details: only that one (a flood is a thousand alerts, and the clock
    /// text of each would be computed for nothing).
    mutating func refreshDeliveries(now: Int64) {
        alertsModel.deliveries = [:]
        alertsModel.incidentNotified = alertsModel.history.flatMap {
            deliveryText(alerts.notifications.of(incident: $0.incident.id), now: now)
        }
        guard state.screen == .alerts, state.alerts.selected < alertsModel.rows.count else { return }
        let key = alertsModel.rows[state.alerts.selected].key
        if let text = deliveryText(alerts.notifications.of(key), now: now) { alertsModel.deliveries[key] = text }
    }

    /// "pagerduty ✗ HTTP 500, retry in 8s, slack ✓ 12:01".
    func deliveryText(_ entries: [NotificationBook.Entry], now: Int64) -> String? {
        guard !entries.isEmpty else { return nil }
        var latest: [String: NotificationBook.Entry] = [:]
        var channels: [String] = []
        // `of` is newest first: the first seen per channel is its latest.
        // An escalation's contact on a channel is a line of its own.
        for e in entries {
            let n = e.notification
            let ch = n.contact.isEmpty ? n.channel : "\(n.channel)@\(n.contact)"
            guard latest[ch] == nil else { continue }
            channels.append(ch)
            latest[ch] = e
        }
        return channels.reversed().map { ch -> String in
            let e = latest[ch]!
            let what = [.trigger, .incident].contains(e.notification.event) ? "" : " \(e.notification.event.rawValue)"
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
