import Foundation
import Testing
import VigilApp
import VigilCore
import VigilUI

/// Where a rule is evaluated (issue 21): a team whose alerts live in
/// Prometheus or vmalert sees them from Alertmanager, and Vigil does not
/// evaluate the same rule a second time by accident.
@Suite struct RuleDatasourceTests {
    static let yaml =
        AppTests.yaml + """

            prometheus: {url: "http://127.0.0.1:9090"}
            alertmanager: {url: "http://127.0.0.1:9093", interval: 2s}
            """

    /// Alertmanager's answer: the server's own HighErrorRate, firing.
    static func answer(_ p: SourcePoll) -> FetchOutcome {
        let url = p.poll.request.url
        let body: String
        if url.hasSuffix("/api/v2/alerts") {
            body = #"""
                [{"labels":{"alertname":"HighErrorRate","severity":"critical","service":"api"},
                  "annotations":{"summary":"Error rate above 5%"},"startsAt":"2025-11-24T16:00:00Z",
                  "endsAt":"2025-11-24T17:00:00Z","fingerprint":"a1","status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]
                """#
        } else if url.hasSuffix("/api/v2/silences") {
            body = "[]"
        } else if p.source == .targets {
            return AppTests.errors(1)(p)
        } else {
            body = #"{"status":"success","data":{"resultType":"vector","result":[]}}"#
        }
        return FetchOutcome(
            .success(FetchResponse(status: 200, contentType: "application/json", body: Array(body.utf8))))
    }

    @Test func aRuleAlsoFiringFromAlertmanagerIsSaidToBeEvaluatedTwice() {
        var h = Harness(try! ConfigLoader.parse(Self.yaml, file: "t.yaml"))
        h.answer = Self.answer
        h.run(forMs: 6_000)
        h.press(.char("A"))
        let screen = h.screen(width: 150, height: 12)
        #expect(
            screen[5].hasPrefix("┃>FIRING   critical  6s                    alertmanager/HighErrorRate {service=api …"))
        #expect(
            screen[9]
                == "┃ evaluated twice: Vigil's rule High Error Rate is also the server's alertmanager/HighErrorRate (datasource: alertmanager on the rule keeps the ser… ┃"
        )
    }

    @Test func aServersRuleIsNotEvaluatedHere() throws {
        let yaml = Self.yaml.replacingOccurrences(
            of: "severity: critical, description: Errors}",
            with: "severity: critical, description: Errors, datasource: alertmanager}")
        let config = try ConfigLoader.parse(yaml, file: "t.yaml")
        #expect(!config.alerts.rules.contains { $0.name == "High Error Rate" })
        #expect(config.alerts.onServer == ["High Error Rate"])
        var h = Harness(config)
        h.answer = { p in p.source == .targets ? AppTests.errors(9)(p) : Self.answer(p) }
        h.run(forMs: 120_000)
        // Errors at 9% for two minutes: only the server's alert fires.
        #expect(h.app.alerts.engine.alerts.isEmpty)
        h.press(.char("A"))
        let screen = h.screen(width: 150, height: 12)
        #expect(!screen.joined().contains("evaluated twice"))
        #expect(
            screen[5].hasPrefix("┃>FIRING   critical  2m00s                 alertmanager/HighErrorRate {service=api …"))
        #expect(screen.filter { $0.hasPrefix("┃>FIRING") || $0.hasPrefix("┃ FIRING") }.count == 1)
    }

    @Test func aRulesDatasourceIsChecked() {
        func errors(_ replacement: String, extra: String = "") -> [String] {
            let yaml = (AppTests.yaml + extra).replacingOccurrences(
                of: "severity: critical, description: Errors}",
                with: "severity: critical, description: Errors, datasource: \(replacement)}")
            do {
                _ = try ConfigLoader.parse(yaml, file: "t.yaml")
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        #expect(errors("remote") == ["t.yaml:17:120: a rule's datasource must be local, prometheus or alertmanager"])
        #expect(errors("prometheus") == ["t.yaml:17:120: datasource prometheus needs a prometheus: section"])
        #expect(
            errors("alertmanager") == [
                "t.yaml:17:120: datasource alertmanager needs an alertmanager: section to show the server's alerts"
            ])
        #expect(errors("prometheus", extra: "\nprometheus: {url: \"http://127.0.0.1:9090\"}\n").isEmpty)
    }
}
