import Foundation

/// What each kind of channel is sent, after its documented API: PagerDuty's
/// Events API v2, a Slack incoming webhook's message, Alertmanager's
/// webhook body (version 4). Secrets go into the request, never into the
/// journal or the screen.
public enum NotificationPayload {
    /// PagerDuty's severities: critical, error, warning, info.
    static func pagerDutySeverity(_ s: String) -> String {
        switch s {
        case "critical": return "critical"
        case "high": return "error"
        case "medium": return "warning"
        default: return "info"
        }
    }

    static func title(_ n: AlertNotification) -> String {
        if let id = n.incidentID { return "\(id) \(n.alert.rule)" }
        let labels = n.alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return n.alert.rule + (labels.isEmpty ? "" : " {\(labels)}")
    }

    static func json(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// An email: the message (RFC 5322, CRLF lines) as the upload of an
    /// SMTP transfer.
    static func emailRequest(_ n: AlertNotification, channel: ChannelConfig, mail: ChannelConfig.Mail, value: String)
        -> FetchRequest
    {
        let incident = n.incidentID != nil
        let state =
            incident
            ? "INCIDENT \(n.action)"
            : n.event == .resolve ? "RESOLVED" : n.level > 0 ? "ESCALATED L\(n.level)" : "FIRING"
        let subject = "[\(state) \(n.severity)] \(title(n))"
        var lines = [
            "From: Vigil <\(mail.from)>", "To: \(mail.to.joined(separator: ", "))", "Subject: \(subject)",
            "Date: \(rfc2822(n.atMs))", "Message-ID: <\(n.atMs).\(stableHash(n.id))@vigil>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
        ]
        if incident {
            lines += ["Incident \(title(n)) is \(n.action) (\(n.severity)).", "", n.description]
            lines.append("Opened: \(AlertmanagerAPI.timeString(n.startsAtMs))")
        } else {
            let what =
                n.level > 0 ? "firing and reached escalation level \(n.level) (\(n.contact))" : state.lowercased()
            lines += ["\(title(n)) is \(what) (\(n.severity)).", "", "Value: \(value)"]
            if !n.description.isEmpty { lines.append("Description: \(n.description)") }
            if !n.action.isEmpty { lines.append("Action: \(n.action)") }
            lines.append("Since: \(AlertmanagerAPI.timeString(n.startsAtMs))")
        }
        lines += ["", "-- ", "Vigil"]
        // Lines are CRLF whatever a description holds, and a line that
        // starts with a dot gets another (SMTP's dot-stuffing): a lone dot
        // would end the message early.
        let text =
            lines.flatMap {
                $0.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                    .split(separator: "\n", omittingEmptySubsequences: false)
            }.map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n") + "\r\n"
        return smtp(text, channel: channel, mail: mail)
    }

    /// A message (CRLF lines, already stuffed) as an SMTP transfer.
    static func smtp(_ message: String, channel: ChannelConfig, mail: ChannelConfig.Mail) -> FetchRequest {
        var r = FetchRequest(url: channel.url.value)
        r.postBody = Array(message.utf8)
        r.mail = MailEnvelope(from: mail.from, to: mail.to, startTLS: mail.startTLS)
        if let user = mail.username, let pw = mail.password { r.auth = .basic(username: user, password: pw) }
        r.tls.caFile = mail.caFile
        r.tls.insecureSkipVerify = mail.insecureSkipVerify
        r.timeoutMs = channel.timeoutMs
        return r
    }

    /// A JSON body POSTed to `url`; the receiver's answer (a 4xx's body
    /// says why) is the result.
    static func post(_ body: [UInt8], to url: String, channel: ChannelConfig) -> FetchRequest {
        var r = FetchRequest(url: url)
        r.method = "POST"
        r.postBody = body
        r.headers = [("Content-Type", "application/json")]
        r.accept = "*/*"
        r.timeoutMs = channel.timeoutMs
        r.bodyLimit = 64 << 10
        r.errorBodies = true
        return r
    }

    /// FNV-1a: the same for the same notification in every process.
    static func stableHash(_ s: String) -> String {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return String(h, radix: 36)
    }

    /// `Mon, 30 Nov 2026 02:55:00 +0000`.
    static func rfc2822(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// One message for many notifications (a flood past the channel's
    /// rate): the first ten by name, "and N more alerts". PagerDuty gets
    /// one incident for the flood, under a key of its own.
    public static func summary(
        _ list: [AlertNotification], channel: ChannelConfig, contact: ContactConfig? = nil, atMs: Int64
    ) -> FetchRequest? {
        guard let first = list.first else { return nil }
        let resolving = list.allSatisfy { $0.event == .resolve }
        let names = list.prefix(10).map { title($0) + ($0.event == .resolve ? " (resolved)" : "") }
        let more = list.count > 10 ? " and \(list.count - 10) more alerts" : ""
        var s = AlertNotification(
            channel: channel.name, event: resolving ? .resolve : .trigger,
            alert: AlertKey(rule: "\(list.count) alerts at once", labels: Labels()),
            severity: list.map(\.severity).min { severityRank($0) < severityRank($1) } ?? first.severity,
            value: .nan, description: names.joined(separator: "; ") + more, action: first.action,
            startsAtMs: list.map(\.startsAtMs).min() ?? atMs, atMs: atMs)
        // A resolved summary would resolve nothing in PagerDuty: a flood
        // of resolutions is a message, a trigger under its own key.
        if channel.kind == .pagerduty { s.event = .trigger }
        s.contact = first.contact
        return request(s, channel: channel, contact: contact)
    }

    static func severityRank(_ s: String) -> Int {
        ["critical": 0, "high": 1, "medium": 2, "low": 3][s] ?? 4
    }

    /// The request for one notification on one channel, or nil when the
    /// channel has nothing to say for this event (Slack is not told of an
    /// acknowledgement; PagerDuty is).
    /// `contact`: an escalation's addressee (`n.contact`), whose address
    /// replaces the channel's (routing key, recipients) or is mentioned.
    public static func request(_ n: AlertNotification, channel: ChannelConfig, contact: ContactConfig? = nil)
        -> FetchRequest?
    {
        let value = n.value.isFinite ? formatSampleValue(n.value) : "–"
        let escalated = n.level > 0 ? " (escalation level \(n.level): \(n.contact))" : ""
        var body: [UInt8]
        switch channel.kind {
        case .pagerduty:
            // The alert pages; its incident is the people's, not PagerDuty's.
            if n.event == .incident { return nil }
            var event: [String: Any] = [
                "routing_key": (contact?.pagerduty ?? channel.routingKey)?.value ?? "",
                "event_action": n.event.rawValue, "dedup_key": n.dedupKey,
            ]
            if n.event == .trigger {
                event["payload"] = [
                    "summary": "[\(n.severity.uppercased())] \(title(n)): \(value)"
                        + (n.description.isEmpty ? "" : " — \(n.description)") + escalated,
                    "source": "vigil", "severity": pagerDutySeverity(n.severity),
                    "timestamp": AlertmanagerAPI.timeString(n.startsAtMs),
                    "custom_details": ["value": value, "description": n.description, "action": n.action],
                ]
            }
            body = json(event)
        case .slack:
            let text: String
            switch n.event {
            case .trigger:
                text =
                    (n.level > 0 ? ":arrow_double_up: *ESCALATED* level \(n.level)" : ":red_circle: *FIRING*")
                    + " [\(n.severity)] \(title(n)) value \(value)"
                    + (n.description.isEmpty ? "" : "\n\(n.description)")
                    + (n.action.isEmpty ? "" : "\nAction: \(n.action)")
            case .resolve: text = ":white_check_mark: *RESOLVED* [\(n.severity)] \(title(n)) (last value \(value))"
            case .acknowledge: return nil
            case .incident:
                text =
                    (n.action == IncidentStatus.resolved.rawValue ? ":white_check_mark:" : ":rotating_light:")
                    + " *INCIDENT \(n.action.uppercased())* [\(n.severity)] \(title(n))\n\(n.description)"
            }
            body = json(["text": contact?.slack.map { "\($0) \(text)" } ?? text])
        case .email:
            guard n.event != .acknowledge, var mail = channel.mail else { return nil }
            if let to = contact?.email, !to.isEmpty { mail.to = to }
            return emailRequest(n, channel: channel, mail: mail, value: value)
        case .webhook:
            // A contact has no webhook address.
            if !n.contact.isEmpty { return nil }
            let resolved = n.event == .resolve || (n.event == .incident && n.action == IncidentStatus.resolved.rawValue)
            let status = resolved ? "resolved" : "firing"
            var labels = n.alert.labels
            labels["alertname"] = n.event == .incident ? "Incident" : n.alert.rule
            labels["severity"] = n.severity
            var annotations = ["description": n.description, "action": n.action, "value": value]
            if n.event == .incident {
                annotations = ["summary": n.alert.rule, "description": n.description, "status": n.action]
            }
            if let template = channel.template {
                // An SMS gateway's body: the template's text, as it asks.
                guard n.event != .acknowledge else { return nil }
                var all = labels.merging(annotations) { a, _ in a }
                all["status"] = status
                var r = post(
                    Array(template.render(TemplateData(labels: all, value: n.value)).utf8), to: channel.url.value,
                    channel: channel)
                r.headers = [("Content-Type", channel.contentType)]
                return r
            }
            let alert: [String: Any] = [
                "status": status, "labels": labels, "annotations": annotations,
                "startsAt": AlertmanagerAPI.timeString(n.startsAtMs),
                "endsAt": resolved ? AlertmanagerAPI.timeString(n.atMs) : "0001-01-01T00:00:00Z",
                "generatorURL": "", "fingerprint": n.dedupKey,
            ]
            if n.event == .acknowledge { return nil }
            body = json([
                "version": "4", "groupKey": n.dedupKey, "truncatedAlerts": 0, "status": status,
                "receiver": channel.name, "groupLabels": ["alertname": labels["alertname"] ?? ""],
                "commonLabels": labels,
                "commonAnnotations": annotations, "externalURL": "", "alerts": [alert],
            ])
        }
        let url =
            channel.kind == .pagerduty && channel.url.value.isEmpty ? ChannelConfig.pagerDutyURL : channel.url.value
        return post(body, to: url, channel: channel)
    }
}
