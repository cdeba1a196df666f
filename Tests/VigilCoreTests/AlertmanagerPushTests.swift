import Foundation
import Testing

@testable import VigilCore

/// Vigil's own alerts sent to Alertmanager (issue 15, item 1) as Prometheus
/// sends its: when they fire, again every resend interval with `endsAt`
/// four intervals ahead, and once resolved with `endsAt` at the resolution,
/// again for 15 minutes; only the alerts of the engine's own rules.
@Suite struct AlertmanagerPushTests {
    static let t0: Int64 = 1_764_000_000_000

    static func rule(_ name: String) -> AlertRule {
        AlertRule(
            name: name, condition: "error_rate > 5", metric: "error_rate",
            expr: try! QueryParser.parse("error_rate > 5"), holdFor: PromDuration(milliseconds: 60_000),
            keepFiringFor: nil, severity: "high", description: "High error rate detected", action: "notify_team")
    }

    static func alert(_ rule: String, _ state: AlertState, firedAt: Int64? = t0, resolvedAt: Int64? = nil) -> Alert {
        var a = Alert(
            key: AlertKey(rule: rule, labels: Labels(["service": "api"])), severity: "high", state: state,
            activeSinceMs: t0 - 60_000, lastTrueMs: t0, value: 7.25)
        a.firedAtMs = firedAt
        a.resolvedAtMs = resolvedAt
        return a
    }

    @Test func aFiringAlertIsSentAndSentAgainEveryInterval() {
        var p = AlertmanagerPush(resendMs: 60_000)
        let rules = [Self.rule("High Error Rate"), Self.rule("Pending Rule")]
        let firing = [
            Self.alert("High Error Rate", .firing), Self.alert("Not A Rule Here", .firing),
            Self.alert("Pending Rule", .pending, firedAt: nil),
        ]
        let first = p.due(firing, rules: rules, now: Self.t0)
        #expect(
            first == [
                AlertmanagerPush.Posted(
                    labels: ["alertname": "High Error Rate", "severity": "high", "service": "api"],
                    annotations: [
                        "value": "7.25", "description": "High error rate detected", "action": "notify_team",
                        "summary": "High Error Rate: error_rate > 5",
                    ], startsAtMs: Self.t0, endsAtMs: Self.t0 + 240_000)
            ])
        #expect(p.due(firing, rules: rules, now: Self.t0 + 30_000).isEmpty)
        #expect(p.due(firing, rules: rules, now: Self.t0 + 60_000).map(\.endsAtMs) == [Self.t0 + 300_000])
        #expect(p.ours == [["alertname": "High Error Rate", "severity": "high", "service": "api"]])
    }

    @Test func aResolvedAlertEndsThereAndIsRepeatedForAQuarterHour() {
        var p = AlertmanagerPush(resendMs: 60_000)
        let rules = [Self.rule("High Error Rate")]
        _ = p.due([Self.alert("High Error Rate", .firing)], rules: rules, now: Self.t0)
        let resolvedAt = Self.t0 + 90_000
        let resolved = [Self.alert("High Error Rate", .resolved, resolvedAt: resolvedAt)]
        #expect(p.due(resolved, rules: rules, now: resolvedAt).map(\.endsAtMs) == [resolvedAt])
        #expect(p.due(resolved, rules: rules, now: resolvedAt + 30_000).isEmpty)
        #expect(p.due(resolved, rules: rules, now: resolvedAt + 60_000).map(\.endsAtMs) == [resolvedAt])
        #expect(p.due(resolved, rules: rules, now: resolvedAt + 16 * 60_000).isEmpty)
        // Firing again: sent at once.
        #expect(p.due([Self.alert("High Error Rate", .firing)], rules: rules, now: resolvedAt + 17 * 60_000).count == 1)
        // A resolved alert never sent firing is not sent.
        var fresh = AlertmanagerPush()
        #expect(fresh.due(resolved, rules: rules, now: resolvedAt).isEmpty)
    }

    @Test func theBodyIsAlertmanagersPostableAlerts() throws {
        let body = AlertmanagerPush.body([
            AlertmanagerPush.Posted(
                labels: ["alertname": "X", "severity": "high"], annotations: ["value": "1"], startsAtMs: Self.t0,
                endsAtMs: Self.t0 + 1000)
        ])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list[0]["labels"] as? [String: String] == ["alertname": "X", "severity": "high"])
        #expect(list[0]["startsAt"] as? String == AlertmanagerAPI.timeString(Self.t0))
        #expect(list[0]["endsAt"] as? String == AlertmanagerAPI.timeString(Self.t0 + 1000))
    }
}
