import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// Vigil's own alerts posted to Alertmanager (issue 15, item 1), fed
/// messages: the post when the alert fires, again every resend interval,
/// the resolution, a refused post said on the Alerts screen, and the
/// alerts read back from Alertmanager not shown twice.
@Suite struct AlertmanagerSendTests {
    static let yaml =
        AppTests.yaml + """

            alertmanager: {url: "http://127.0.0.1:9093", interval: 2s, resend_interval: 10s}
            """

    final class AM: @unchecked Sendable {
        var errors = 9.0
        var posts: [[[String: Any]]] = []
        var status = 200
    }

    static func answer(_ am: AM) -> (SourcePoll) -> FetchOutcome {
        { p in
            let r = p.poll.request
            if p.source == .targets { return AppTests.errors(am.errors)(p) }
            var body = "[]"
            if r.method == "POST" && r.url.hasSuffix("/api/v2/alerts") {
                am.posts.append(
                    (try? JSONSerialization.jsonObject(with: Data(r.postBody ?? [])) as? [[String: Any]]) ?? [])
                body = am.status == 200 ? "" : #"{"code":400,"message":"bad labels"}"#
                return FetchOutcome(.success(FetchResponse(status: am.status, body: Array(body.utf8))))
            }
            if r.url.hasSuffix("/api/v2/alerts") {
                // What Alertmanager holds: Vigil's own alert, as posted.
                let own = am.posts.last?.first.map { a in
                    #"[{"labels":\#(String(decoding: try! JSONSerialization.data(withJSONObject: a["labels"]!, options: .sortedKeys), as: UTF8.self)),"annotations":{},"startsAt":"2025-11-24T16:00:00Z","endsAt":"2025-11-24T17:00:00Z","fingerprint":"f1","status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]"#
                }
                body = own ?? "[]"
            }
            return FetchOutcome(
                .success(FetchResponse(status: 200, contentType: "application/json", body: Array(body.utf8))))
        }
    }

    @Test func firingAndResolvedAlertsAreSentAndNotShownTwice() throws {
        let am = AM()
        var h = Harness(try ConfigLoader.parse(Self.yaml, file: "t.yaml"))
        h.answer = Self.answer(am)
        h.run(forMs: 70_000)
        let key = AppTests.key
        #expect(h.app.alerts.engine.alerts[key]?.state == .firing)
        let firedAt = try #require(h.app.alerts.engine.alerts[key]?.firedAtMs)
        let first = try #require(am.posts.first?.first)
        #expect(first["labels"] as? [String: String] == ["alertname": "High Error Rate", "severity": "critical"])
        #expect(first["startsAt"] as? String == AlertmanagerAPI.timeString(firedAt))
        #expect((first["annotations"] as? [String: String])?["description"] == "Errors")
        // Resent every 10 s while it fires.
        let before = am.posts.count
        h.run(forMs: 30_000)
        #expect(am.posts.count - before == 3)
        // Read back from Alertmanager, it is not a second alert.
        h.press(.char("A"))
        #expect(h.app.alertsModel.rows.map(\.key) == [key])
        // Resolved: sent with endsAt at the resolution.
        am.errors = 1
        h.run(forMs: 6_000)
        let resolvedAt = try #require(h.app.alerts.engine.alerts[key]?.resolvedAtMs)
        #expect(am.posts.last?.first?["endsAt"] as? String == AlertmanagerAPI.timeString(resolvedAt))
        // A refused post is said on the Alerts screen.
        am.status = 400
        am.errors = 9
        h.run(forMs: 70_000)
        let screen = h.screen(width: 120, height: 12)
        #expect(
            screen.contains { $0.contains("sending alerts: HTTP 400: {\"code\":400,\"message\":\"bad labels\"}") },
            "\(screen)")
    }

    @Test func sendFalseOnlyReads() throws {
        let am = AM()
        var h = Harness(
            try ConfigLoader.parse(
                Self.yaml.replacingOccurrences(of: "resend_interval: 10s", with: "send: false"), file: "t.yaml"))
        h.answer = Self.answer(am)
        h.run(forMs: 90_000)
        #expect(h.app.alerts.engine.alerts[AppTests.key]?.state == .firing)
        #expect(am.posts.isEmpty)
    }
}
