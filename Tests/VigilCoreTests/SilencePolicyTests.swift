import Foundation
import Testing

@testable import VigilCore

/// Which Alertmanager silences stand for an acknowledgement, and the
/// requests the Alertmanager source makes for them: pure, no server.
@Suite struct SilencePolicyTests {
    static let labels = ["alertname": "HighErrorRate", "service": "api", "severity": "high"]
    static let alert = AMAlert(fingerprint: "f1", labels: labels)
    static let now: Int64 = 1_764_000_000_000
    static let hour: Int64 = 3_600_000

    static func exact(_ id: String, by: String = "alice@bastion", endsIn: Int64 = hour, state: String = "active")
        -> AMSilence
    {
        AMSilence(
            id: id, matchers: labels.map { AMSilence.Matcher(name: $0.key, value: $0.value) },
            startsAtMs: now - 1000, endsAtMs: now + endsIn, createdBy: by, comment: "ack", state: state)
    }

    @Test func onlyExactActiveSilencesAreAcknowledgements() {
        var subset = Self.exact("subset")
        subset.matchers.removeAll { $0.name == "severity" }
        var regex = Self.exact("regex")
        regex.matchers[0].isRegex = true
        var negative = Self.exact("negative")
        negative.matchers[0].isEqual = false
        var wider = Self.exact("wider")
        wider.matchers.append(AMSilence.Matcher(name: "team", value: "core"))
        let maintenance = AMSilence(
            id: "maintenance", matchers: [AMSilence.Matcher(name: "service", value: "api")], startsAtMs: Self.now,
            endsAtMs: Self.now + Self.hour, createdBy: "ops@bastion", comment: "maintenance")
        let all = [
            Self.exact("mine"), Self.exact("bobs", by: "bob@bastion"), Self.exact("old", state: "expired"),
            Self.exact("later", state: "pending"), subset, regex, negative, wider, maintenance,
        ]
        // Any operator's exact silence is an acknowledgement; nothing broader is.
        #expect(SilencePolicy.acknowledgements(of: Self.alert, in: all).map(\.id) == ["mine", "bobs"])
    }

    @Test func ownSilencesNearTheirEndAreExtendedWhileTheAlertFires() {
        let d = PromDuration(milliseconds: Self.hour)
        let silences = [
            Self.exact("soon", endsIn: 10 * 60_000),  // under a quarter of an hour left
            Self.exact("plenty", endsIn: 30 * 60_000),
            Self.exact("bobs", by: "bob@bastion", endsIn: 5 * 60_000),
            Self.exact("over", endsIn: 5 * 60_000, state: "expired"),
        ]
        let extend = SilencePolicy.toExtend(
            silences, alerts: [Self.alert], identity: "alice@bastion", duration: d, now: Self.now)
        #expect(extend.map(\.silence.id) == ["soon"])
        // Not once the alert has stopped firing.
        #expect(
            SilencePolicy.toExtend(silences, alerts: [], identity: "alice@bastion", duration: d, now: Self.now).isEmpty)
    }

    static let config: AlertmanagerConfig = {
        let c = try! ConfigLoader.parse(
            "alertmanager: {url: \"http://127.0.0.1:9093/\", interval: 30s, silence_duration: 1h}", file: "t.yaml")
        return c.alertmanager!
    }()

    static func json(_ s: String) -> FetchOutcome {
        FetchOutcome(.success(FetchResponse(status: 200, contentType: "application/json", body: Array(s.utf8))))
    }

    static func silencesJSON(_ silences: [AMSilence]) -> String {
        "["
            + silences.map { s in
                let matchers = s.matchers.map {
                    "{\"name\":\"\($0.name)\",\"value\":\"\($0.value)\",\"isRegex\":\($0.isRegex),\"isEqual\":\($0.isEqual)}"
                }.joined(separator: ",")
                return """
                    {"id":"\(s.id)","matchers":[\(matchers)],"startsAt":"\(AlertmanagerAPI.timeString(s.startsAtMs))",\
                    "endsAt":"\(AlertmanagerAPI.timeString(s.endsAtMs))","createdBy":"\(s.createdBy)",\
                    "comment":"\(s.comment)","status":{"state":"\(s.state)"}}
                    """
            }.joined(separator: ",") + "]"
    }

    static let alertsJSON = """
        [{"fingerprint":"f1","labels":{"alertname":"HighErrorRate","service":"api","severity":"high"},
          "annotations":{},"startsAt":"2025-11-24T16:00:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]
        """

    /// Reads alerts and silences, answering with these.
    static func source(silences: [AMSilence]) -> AlertmanagerSource {
        var am = AlertmanagerSource(config: config, identity: "alice@bastion")
        let reads = am.due(now: now)
        #expect(
            reads.map(\.request.url) == [
                "http://127.0.0.1:9093/api/v2/alerts", "http://127.0.0.1:9093/api/v2/silences",
            ])
        am.take(tag: reads[0].tag, json(alertsJSON), now: now)
        am.take(tag: reads[1].tag, json(silencesJSON(silences)), now: now)
        return am
    }

    @Test func acknowledgingCreatesAnExactSilenceAndUnacknowledgingExpiresOnlyThose() throws {
        var am = Self.source(silences: [
            Self.exact("mine"),
            AMSilence(
                id: "maintenance", matchers: [AMSilence.Matcher(name: "service", value: "api")],
                startsAtMs: Self.now, endsAtMs: Self.now + Self.hour, createdBy: "ops@bastion", comment: "m"),
        ])
        #expect(am.alerts.count == 1 && am.silences.count == 2)
        am.acknowledge(labels: Self.alert.labels, note: "looking", now: Self.now)
        let create = try #require(am.due(now: Self.now).first)
        #expect(create.request.method == "POST" && create.request.url == "http://127.0.0.1:9093/api/v2/silences")
        let body = try #require(
            JSONSerialization.jsonObject(with: Data(create.request.postBody ?? [])) as? [String: Any])
        #expect(body["createdBy"] as? String == "alice@bastion" && body["comment"] as? String == "looking")
        #expect((body["matchers"] as? [[String: Any]])?.count == 3)

        #expect(am.unacknowledge(Self.alert) == 1)
        let expire = am.due(now: Self.now)
        #expect(expire.map(\.request.url) == ["http://127.0.0.1:9093/api/v2/silence/mine"])
        #expect(expire.map(\.request.method) == ["DELETE"])
        am.take(tag: expire[0].tag, Self.json(""), now: Self.now)
        #expect(am.outcome == "silence expired in Alertmanager")
    }

    @Test func anExpiringAcknowledgementIsExtendedOnceWhileTheAlertFires() {
        var am = Self.source(silences: [Self.exact("soon", endsIn: 60_000)])
        let extend = am.due(now: Self.now)
        #expect(extend.count == 1 && extend.first?.request.method == "POST")
        let body = extend.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.request.postBody ?? [])) }
        #expect((body as? [String: Any])?["id"] as? String == "soon")
        #expect((body as? [String: Any])?["endsAt"] as? String == AlertmanagerAPI.timeString(Self.now + Self.hour))
        // Not asked twice while the first extension is in flight.
        am.take(tag: "0", Self.json("[]"), now: Self.now)
        #expect(am.due(now: Self.now + 1000).isEmpty)
    }

    @Test func aRefusalIsShownInAlertmanagersOwnWords() {
        var am = Self.source(silences: [])
        am.acknowledge(labels: Self.alert.labels, note: "x", now: Self.now)
        let create = am.due(now: Self.now)[0]
        let refusal = FetchOutcome(
            .success(FetchResponse(status: 400, body: Array("silence invalid: \u{1B}[31mno matchers\n".utf8))))
        am.take(tag: create.tag, refusal, now: Self.now)
        #expect(am.outcome == "Alertmanager: HTTP 400: silence invalid: \u{241B}[31mno matchers")
    }
}
