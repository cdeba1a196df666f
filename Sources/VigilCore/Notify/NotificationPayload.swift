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
        let labels = n.alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return n.alert.rule + (labels.isEmpty ? "" : " {\(labels)}")
    }

    static func json(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    /// The request for one notification on one channel, or nil when the
    /// channel has nothing to say for this event (Slack is not told of an
    /// acknowledgement; PagerDuty is).
    public static func request(_ n: AlertNotification, channel: ChannelConfig) -> FetchRequest? {
        let value = n.value.isFinite ? formatSampleValue(n.value) : "–"
        var body: [UInt8]
        switch channel.kind {
        case .pagerduty:
            var event: [String: Any] = [
                "routing_key": channel.routingKey?.value ?? "", "event_action": n.event.rawValue,
                "dedup_key": n.dedupKey,
            ]
            if n.event == .trigger {
                event["payload"] = [
                    "summary": "[\(n.severity.uppercased())] \(title(n)): \(value)"
                        + (n.description.isEmpty ? "" : " — \(n.description)"),
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
                    ":red_circle: *FIRING* [\(n.severity)] \(title(n)) value \(value)"
                    + (n.description.isEmpty ? "" : "\n\(n.description)")
                    + (n.action.isEmpty ? "" : "\nAction: \(n.action)")
            case .resolve: text = ":white_check_mark: *RESOLVED* [\(n.severity)] \(title(n)) (last value \(value))"
            case .acknowledge: return nil
            }
            body = json(["text": text])
        case .webhook:
            let status = n.event == .resolve ? "resolved" : "firing"
            var labels = n.alert.labels
            labels["alertname"] = n.alert.rule
            labels["severity"] = n.severity
            let annotations = ["description": n.description, "action": n.action, "value": value]
            let alert: [String: Any] = [
                "status": status, "labels": labels, "annotations": annotations,
                "startsAt": AlertmanagerAPI.timeString(n.startsAtMs),
                "endsAt": n.event == .resolve ? AlertmanagerAPI.timeString(n.atMs) : "0001-01-01T00:00:00Z",
                "generatorURL": "", "fingerprint": n.dedupKey,
            ]
            if n.event == .acknowledge { return nil }
            body = json([
                "version": "4", "groupKey": n.dedupKey, "truncatedAlerts": 0, "status": status,
                "receiver": channel.name, "groupLabels": ["alertname": n.alert.rule], "commonLabels": labels,
                "commonAnnotations": annotations, "externalURL": "", "alerts": [alert],
            ])
        }
        let url =
            channel.kind == .pagerduty && channel.url.value.isEmpty ? ChannelConfig.pagerDutyURL : channel.url.value
        var r = FetchRequest(url: url)
        r.method = "POST"
        r.postBody = body
        r.headers = [("Content-Type", "application/json")]
        r.accept = "*/*"
        r.timeoutMs = channel.timeoutMs
        r.bodyLimit = 64 << 10
        // The receiver's answer is the result: a 4xx says why.
        r.errorBodies = true
        return r
    }
}
