import Foundation
import Testing

@testable import VigilCore

/// The outbox's policy and the channels' payloads (issue 15): delivered on
/// 2xx, failed on 4xx with the receiver's reason, retried with back-off on
/// 5xx and time-outs until the deadline, a rate per channel, and bodies
/// shaped after PagerDuty's, Slack's and Alertmanager's documented APIs.
@Suite struct NotificationTests {
    static let t0: Int64 = 1_764_000_000_000
    static let key = AlertKey(rule: "High Error Rate", labels: Labels(["service": "api"]))

    static var pagerduty: ChannelConfig {
        ChannelConfig(
            name: "pagerduty", kind: .pagerduty, url: Secret("http://127.0.0.1:9/v2/enqueue"),
            routingKey: Secret("R0UT1NG"))
    }
    static var slack: ChannelConfig {
        ChannelConfig(name: "slack", kind: .slack, url: Secret("http://127.0.0.1:9/hooks/T0K3N"))
    }
    static var hook: ChannelConfig { ChannelConfig(name: "sms", kind: .webhook, url: Secret("http://127.0.0.1:9/sms")) }

    static func note(_ channel: String, _ event: AlertNotification.Event, at: Int64 = t0) -> AlertNotification {
        AlertNotification(
            channel: channel, event: event, alert: key, severity: "high", value: 7.25,
            description: "High error rate detected", action: "notify_team", startsAtMs: t0, by: "alice@bastion",
            atMs: at)
    }

    static func entry(_ n: AlertNotification, at: Int64 = t0) -> NotificationBook.Entry {
        var b = NotificationBook()
        b.apply(JournalRecord(t: at, .notifyQueued(n)))
        return b.pending[0]
    }

    static func answer(_ status: Int, _ body: String = "") -> FetchOutcome {
        FetchOutcome(.success(FetchResponse(status: status, body: Array(body.utf8))))
    }

    func body(_ r: FetchRequest?) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r?.postBody ?? [])) as? [String: Any])
    }

    @Test func pagerDutyHearsTriggerAcknowledgeAndResolveUnderOneKey() throws {
        let trigger = try body(NotificationPayload.request(Self.note("pagerduty", .trigger), channel: Self.pagerduty))
        #expect(trigger["routing_key"] as? String == "R0UT1NG")
        #expect(trigger["event_action"] as? String == "trigger")
        #expect(trigger["dedup_key"] as? String == #"High Error Rate{service="api"}"#)
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "error")
        #expect(payload["source"] as? String == "vigil")
        #expect(
            payload["summary"] as? String == "[HIGH] High Error Rate {service=api}: 7.25 — High error rate detected")
        for event in [AlertNotification.Event.acknowledge, .resolve] {
            let b = try body(NotificationPayload.request(Self.note("pagerduty", event), channel: Self.pagerduty))
            #expect(b["event_action"] as? String == event.rawValue)
            #expect(b["dedup_key"] as? String == trigger["dedup_key"] as? String)
            #expect(b["payload"] == nil)
        }
        // Without url:, PagerDuty's own endpoint.
        var bare = Self.pagerduty
        bare.url = Secret("")
        #expect(
            NotificationPayload.request(Self.note("pagerduty", .trigger), channel: bare)?.url
                == ChannelConfig.pagerDutyURL)
    }

    @Test func slackAndWebhookBodies() throws {
        let slack = try body(NotificationPayload.request(Self.note("slack", .trigger), channel: Self.slack))
        #expect(
            slack["text"] as? String
                == ":red_circle: *FIRING* [high] High Error Rate {service=api} value 7.25\nHigh error rate detected\nAction: notify_team"
        )
        #expect(NotificationPayload.request(Self.note("slack", .acknowledge), channel: Self.slack) == nil)
        let resolved = try body(
            NotificationPayload.request(Self.note("sms", .resolve, at: Self.t0 + 60_000), channel: Self.hook))
        #expect(resolved["version"] as? String == "4")
        #expect(resolved["status"] as? String == "resolved")
        #expect(resolved["receiver"] as? String == "sms")
        let alert = try #require((resolved["alerts"] as? [[String: Any]])?.first)
        #expect(
            alert["labels"] as? [String: String] == [
                "alertname": "High Error Rate", "severity": "high", "service": "api",
            ])
        #expect(alert["endsAt"] as? String == AlertmanagerAPI.timeString(Self.t0 + 60_000))
        #expect(alert["startsAt"] as? String == AlertmanagerAPI.timeString(Self.t0))
    }

    /// An incident's change (the plan's `notifyStakeholders`) for each
    /// kind of channel: Slack a message, email a message with the status
    /// in the subject, a webhook Alertmanager's body resolved with the
    /// incident; PagerDuty nothing (the alert pages).
    @Test func incidentBodies() throws {
        let incident = Incident(
            id: "INC-20251124-1", title: "High Error Rate (service=api)", severity: "critical", description: "",
            services: ["api"], status: .resolved, assignee: "", openedAtMs: Self.t0, openedBy: "alice@bastion")
        let n = AlertNotification.incident(
            incident, channel: "slack", what: "resolved", text: "Resolved by bob@bastion: pool resized",
            by: "bob@bastion", atMs: Self.t0 + 60_000)
        #expect(n.incidentID == "INC-20251124-1")
        let slack = try body(NotificationPayload.request(n, channel: Self.slack))
        #expect(
            slack["text"] as? String
                == ":white_check_mark: *INCIDENT RESOLVED* [critical] INC-20251124-1 High Error Rate (service=api)\n"
                + "Resolved by bob@bastion: pool resized")
        #expect(NotificationPayload.request(n, channel: Self.pagerduty) == nil)
        let hook = try body(NotificationPayload.request(n, channel: Self.hook))
        #expect(hook["status"] as? String == "resolved")
        let alert = try #require((hook["alerts"] as? [[String: Any]])?.first)
        #expect(
            alert["labels"] as? [String: String] == [
                "alertname": "Incident", "severity": "critical", "incident": "INC-20251124-1",
            ])
        #expect(alert["endsAt"] as? String == AlertmanagerAPI.timeString(Self.t0 + 60_000))
        let mail = String(
            decoding: try #require(NotificationPayload.request(n, channel: Self.email)?.postBody), as: UTF8.self)
        #expect(mail.contains("Subject: [INCIDENT resolved critical] INC-20251124-1 High Error Rate (service=api)\r\n"))
        #expect(
            mail.contains(
                "\r\n\r\nIncident INC-20251124-1 High Error Rate (service=api) is resolved (critical).\r\n\r\n"
                    + "Resolved by bob@bastion: pool resized\r\n"))
        // Two changes in one millisecond are two notifications.
        var later = incident
        later.updates.append(IncidentUpdate(atMs: Self.t0 + 60_000, by: "bob@bastion", status: nil, note: "more"))
        let second = AlertNotification.incident(
            later, channel: "slack", what: "note", text: "", by: "bob@bastion", atMs: Self.t0 + 60_000)
        #expect(second.id != n.id)
    }

    /// An escalation's contact is reached at their own address: their
    /// PagerDuty service's routing key, a mention in Slack, their email;
    /// a webhook has no address for them.
    @Test func aContactIsReachedAtTheirAddress() throws {
        var lead = ContactConfig(name: "tech_lead")
        lead.email = ["lead@example.test"]
        lead.slack = "<@U024BE7LH>"
        lead.pagerduty = Secret("L3ADK3Y")
        let n = Self.note("x", .trigger).addressed(to: "tech_lead", level: 2)
        #expect(n.id.hasSuffix("|@tech_lead"))
        let pd = try body(NotificationPayload.request(n, channel: Self.pagerduty, contact: lead))
        #expect(pd["routing_key"] as? String == "L3ADK3Y")
        #expect(pd["dedup_key"] as? String == #"High Error Rate{service="api"}"#)
        #expect(
            (pd["payload"] as? [String: Any])?["summary"] as? String
                == "[HIGH] High Error Rate {service=api}: 7.25 — High error rate detected (escalation level 2: tech_lead)"
        )
        let slack = try body(NotificationPayload.request(n, channel: Self.slack, contact: lead))
        #expect(
            slack["text"] as? String
                == "<@U024BE7LH> :arrow_double_up: *ESCALATED* level 2 [high] High Error Rate {service=api} value 7.25"
                + "\nHigh error rate detected\nAction: notify_team")
        let mail = try #require(NotificationPayload.request(n, channel: Self.email, contact: lead))
        #expect(mail.mail?.to == ["lead@example.test"])
        let text = String(decoding: mail.postBody ?? [], as: UTF8.self)
        #expect(
            text.contains("\r\nTo: lead@example.test\r\nSubject: [ESCALATED L2 high] High Error Rate {service=api}\r\n")
        )
        #expect(
            text.contains(
                "\r\n\r\nHigh Error Rate {service=api} is firing and reached escalation level 2 (tech_lead) (high).\r\n"
            ))
        #expect(NotificationPayload.request(n, channel: Self.hook, contact: lead) == nil)
        // The journal holds the name, never the key.
        let line = String(
            decoding: try JSONEncoder().encode(JournalRecord(t: Self.t0, .notifyQueued(n))), as: UTF8.self)
        #expect(line.contains(#""contact":"tech_lead""#) && line.contains(#""level":2"#) && !line.contains("L3ADK3Y"))
        let back = try JSONDecoder().decode(JournalRecord.self, from: Data(line.utf8))
        #expect(back.entry == .notifyQueued(n))
        // A contact removed from the configuration since: failed, said so.
        var s = NotificationSender(channels: [Self.pagerduty])
        s.sync([Self.entry(Self.note("pagerduty", .trigger).addressed(to: "gone", level: 2))])
        #expect(s.due(now: Self.t0).isEmpty)
        #expect(s.takeResults().map(\.detail) == ["contact gone is no longer in contacts:"])
    }

    /// An SMS gateway is a webhook with its own body: the channel's
    /// template over the alert's labels and value, as its content type.
    @Test func anSMSGatewayGetsItsTemplate() throws {
        var sms = Self.hook
        sms.template = try AlertTemplate(
            #"{"to": "+15550100", "text": "{{ $labels.status | toUpper }} {{ $labels.alertname }} "#
                + #"({{ $labels.severity }}): {{ $value }} on {{ $labels.service }}"}"#)
        sms.contentType = "application/json"
        let r = try #require(NotificationPayload.request(Self.note("sms", .trigger), channel: sms))
        #expect(
            String(decoding: r.postBody ?? [], as: UTF8.self)
                == #"{"to": "+15550100", "text": "FIRING High Error Rate (high): 7.25 on api"}"#)
        #expect(r.headers.map(\.1) == ["application/json"])
        let resolved = try #require(NotificationPayload.request(Self.note("sms", .resolve), channel: sms))
        #expect(String(decoding: resolved.postBody ?? [], as: UTF8.self).contains(#""text": "RESOLVED High"#))
        #expect(NotificationPayload.request(Self.note("sms", .acknowledge), channel: sms) == nil)
    }

    @Test func answersDecideDeliveredFailedOrRetried() {
        var s = NotificationSender(channels: [Self.pagerduty, Self.slack])
        let a = Self.note("pagerduty", .trigger)
        let b = Self.note("slack", .trigger)
        s.sync([Self.entry(a), Self.entry(b)])
        let polls = s.due(now: Self.t0)
        #expect(polls.map(\.tag) == [a.id, b.id])
        #expect(s.due(now: Self.t0).isEmpty)  // in flight: not twice
        s.take(tag: a.id, Self.answer(202, #"{"status":"success"}"#), now: Self.t0 + 10)
        s.take(tag: b.id, Self.answer(500, "internal error"), now: Self.t0 + 10)
        #expect(
            s.takeResults() == [NotificationResult(id: a.id, channel: "pagerduty", delivered: true, detail: "HTTP 202")]
        )
        let retry = try! #require(s.retrying(b.id, now: Self.t0 + 10))
        #expect(retry.last == "HTTP 500: internal error")
        #expect(retry.inMs == NotificationSender.retryDelay(attempt: 1, id: b.id))
        #expect((3750...6250).contains(retry.inMs))
        s.sync([Self.entry(b)])
        #expect(s.due(now: Self.t0 + 10 + retry.inMs - 1).isEmpty)
        #expect(s.due(now: Self.t0 + 10 + retry.inMs).map(\.tag) == [b.id])
        // A 4xx is the request's fault: failed at once, with the reason.
        s.take(tag: b.id, Self.answer(400, #"{"message":"invalid payload"}"#), now: Self.t0 + 20_000)
        #expect(
            s.takeResults() == [
                NotificationResult(
                    id: b.id, channel: "slack", delivered: false, detail: #"HTTP 400: {"message":"invalid payload"}"#)
            ])
    }

    @Test func retriesBackOffUntilTheDeadline() {
        var channel = Self.hook
        channel.deadlineMs = 60_000
        var s = NotificationSender(channels: [channel])
        let n = Self.note("sms", .trigger)
        s.sync([Self.entry(n)])
        var now = Self.t0
        var delays: [Int64] = []
        var results: [NotificationResult] = []
        for _ in 0..<10 {
            guard !s.due(now: now).isEmpty else { break }
            s.take(tag: n.id, FetchOutcome(.failure(.timedOut(seconds: 10))), now: now)
            results = s.takeResults()
            guard results.isEmpty, let r = s.retrying(n.id, now: now) else { break }
            delays.append(r.inMs)
            now += r.inMs
        }
        // 5 s, 10 s, 20 s (each ±25%), and the next would pass the minute.
        #expect(delays.count == 3)
        #expect(zip(delays, [5000, 10_000, 20_000]).allSatisfy { abs(Double($0) / Double($1) - 1) <= 0.25 })
        #expect(results.count == 1 && results.first?.delivered == false)
        #expect(results.first?.detail == "gave up after 4 attempts: timed out after 10.0 s")
    }

    /// A flood: a channel sends at most its rate in a minute, the last of
    /// them a summary of the rest ("and N more alerts"); the others are
    /// not held up behind it.
    @Test func aFloodIsRateLimitedAndSummarised() throws {
        var channel = Self.slack
        channel.ratePerMinute = 3
        var s = NotificationSender(channels: [channel, Self.pagerduty])
        let many = (0..<15).map { i in
            var n = Self.note("slack", .trigger, at: Self.t0 + Int64(i))
            n.alert = AlertKey(rule: "Alert \(i)", labels: Labels())
            n.id = "slack|trigger|\(i)"
            return n
        }
        let page = Self.note("pagerduty", .trigger)
        s.sync(many.map { Self.entry($0) } + [Self.entry(page)])
        let first = s.due(now: Self.t0)
        #expect(first.map(\.tag) == [many[0].id, many[1].id, "summary|slack|\(many[2].id)", page.id])
        // All in flight, alone or summarised: nothing is due (the loop sleeps).
        #expect(s.nextDueMs == .max)
        let summary = try body(first[2].request)
        #expect(
            summary["text"] as? String
                == ":red_circle: *FIRING* [high] 13 alerts at once value –\n"
                + (2..<12).map { "Alert \($0)" }.joined(separator: "; ") + " and 3 more alerts\nAction: notify_team")
        for p in first { s.take(tag: p.tag, Self.answer(200, "ok"), now: Self.t0 + 100) }
        let results = s.takeResults()
        #expect(results.count == 16 && results.allSatisfy(\.delivered))
        #expect(results.filter { $0.detail == "HTTP 200 (in a summary of 13)" }.count == 13)
        // Nothing more on Slack this minute.
        s.sync([])
        #expect(s.due(now: Self.t0 + 30_000).isEmpty)
    }

    @Test func theOutboxIsJournalledAndPendingUntilAResult() throws {
        let n = Self.note("pagerduty", .trigger)
        let records = [
            JournalRecord(t: Self.t0, .notifyQueued(n)),
            JournalRecord(
                t: Self.t0 + 5,
                .notifyResult(
                    NotificationResult(id: n.id, channel: "pagerduty", delivered: false, detail: "HTTP 400: bad key"))),
        ]
        let lines = try records.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        #expect(lines[0].contains(#""type":"notify_queued""#) && !lines[0].contains("R0UT1NG"))
        #expect(lines[1].contains(#""type":"notify_failed""#))
        let back = try lines.map { try JSONDecoder().decode(JournalRecord.self, from: Data($0.utf8)) }
        #expect(back == records)
        var book = NotificationBook()
        book.apply(back[0])
        #expect(book.pending.map(\.notification) == [n])
        book.apply(back[1])
        #expect(book.pending.isEmpty && book.failed.count == 1)
        // Compaction keeps a finished notification for a week, a pending one
        // for as long as it is pending.
        #expect(JournalCompaction.keep(records, prefix: 2, nowMs: Self.t0 + 6 * 86_400_000) == records)
        #expect(JournalCompaction.keep(records, prefix: 2, nowMs: Self.t0 + 8 * 86_400_000).isEmpty)
        #expect(JournalCompaction.keep([records[0]], prefix: 1, nowMs: Self.t0 + 90 * 86_400_000) == [records[0]])
    }

    static var email: ChannelConfig {
        var c = ChannelConfig(name: "email", kind: .email, url: Secret("smtp://127.0.0.1:2525"))
        var m = ChannelConfig.Mail(from: "vigil@example.test", to: ["oncall@example.test"])
        m.startTLS = true
        c.mail = m
        return c
    }

    @Test func anEmailIsAMessageForSMTP() throws {
        let r = try #require(NotificationPayload.request(Self.note("email", .trigger), channel: Self.email))
        #expect(r.url == "smtp://127.0.0.1:2525")
        #expect(r.mail == MailEnvelope(from: "vigil@example.test", to: ["oncall@example.test"], startTLS: true))
        let text = String(decoding: r.postBody ?? [], as: UTF8.self)
        #expect(text.contains("Subject: [FIRING high] High Error Rate {service=api}\r\n"))
        #expect(text.contains("\r\n\r\nHigh Error Rate {service=api} is firing (high).\r\n\r\nValue: 7.25\r\n"))
        // A description of several lines, one a lone dot: CRLF throughout,
        // the dot doubled so the message does not end there.
        var dotted = Self.note("email", .trigger)
        dotted.description = "first line\n.\n.hidden\r\nlast"
        let body = String(
            decoding: try #require(NotificationPayload.request(dotted, channel: Self.email)?.postBody), as: UTF8.self)
        #expect(body.contains("\r\nDescription: first line\r\n..\r\n..hidden\r\nlast\r\n"))
        #expect(!body.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!body.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(NotificationPayload.request(Self.note("email", .acknowledge), channel: Self.email) == nil)
        // SMTP's codes: 5xx is permanent, 4xx is tried again.
        var s = NotificationSender(channels: [Self.email])
        let a = Self.note("email", .trigger)
        let b = Self.note("email", .resolve, at: Self.t0 + 1)
        s.sync([Self.entry(a), Self.entry(b)])
        _ = s.due(now: Self.t0)
        s.take(tag: a.id, Self.answer(550, "MAIL failed: 550"), now: Self.t0)
        s.take(tag: b.id, Self.answer(451, "try later"), now: Self.t0)
        #expect(
            s.takeResults() == [
                NotificationResult(id: a.id, channel: "email", delivered: false, detail: "SMTP 550: MAIL failed: 550")
            ])
        #expect(s.retrying(b.id, now: Self.t0)?.last == "SMTP 451: try later")
    }

    @Test(arguments: [
        (
            "channels:\n  - {name: x, kind: fax, url: 'http://127.0.0.1:9/'}\n",
            "t.yaml:2:21: kind must be one of pagerduty, slack, webhook, email"
        ),
        (
            "channels:\n  - {name: pd, kind: pagerduty}\n",
            "t.yaml:2:5: channel 'pd': pagerduty needs routing_key: (or routing_key_file:)"
        ),
        (
            "channels:\n  - {name: mail, kind: email, url: 'smtp://127.0.0.1:25'}\n",
            "t.yaml:2:5: channel 'mail': email needs from: and to:"
        ),
        (
            "channels:\n  - {name: mail, kind: email, url: 'http://127.0.0.1:25', from: a@b, to: c@d}\n",
            "t.yaml:2:5: channel 'mail': email needs url: smtp://host:port or smtps://host:port"
        ),
        (
            "channels:\n  - {name: s, kind: slack, url: 'ftp://127.0.0.1/T0K3N'}\n",
            "t.yaml:2:33: url is not an http://, https://, smtp:// or smtps:// URL"
        ),
        (
            "channels:\n  - {name: s, kind: slack, url: '${NOPE}'}\n",
            "t.yaml:2:33: url: environment variable NOPE is not set"
        ),
        (
            "channels:\n  - {name: s, kind: slack, url: 'http://127.0.0.1:9/', template: 'x'}\n",
            "t.yaml:2:66: channel 's': template is for kind: webhook"
        ),
        (
            "channels:\n  - {name: sms, kind: webhook, url: 'http://127.0.0.1:9/', template: 'hi {{ if }}'}\n",
            "t.yaml:2:70: template: missing value for command (line 1, column 4 of it)"
        ),
        ("contacts:\n  tech_lead: {}\n", "t.yaml:2:3: contact 'tech_lead' needs an address: email, slack or pagerduty"),
        ("contacts:\n  lead: {email: [a@b, 'Lead <x@y>']}\n", "t.yaml:2:17: 'Lead <x@y>' is not an email address"),
        (
            "contacts:\n  lead: {phone: 555}\n",
            "t.yaml:2:10: unknown key 'phone' in contact 'lead' (expected one of: email, slack, pagerduty, pagerduty_file)"
        ),
        ("contacts:\n  lead: {pagerduty: '${NOPE}'}\n", "t.yaml:2:21: pagerduty: environment variable NOPE is not set"),
    ])
    func channelMistakesAreRefused(_ yaml: String, _ expected: String) {
        var errors: [String] = []
        do { _ = try ConfigLoader.parse(yaml, file: "t.yaml") } catch { errors = error.errors.map(\.description) }
        #expect(errors.contains(expected), "\(errors)")
        #expect(!errors.joined().contains("T0K3N"))
    }

    /// One judgement of an answer, for the outbox and `vigil notify test`.
    @Test func answersAreJudgedOneWay() {
        func judge(_ status: Int, _ body: String = "", email: Bool = false) -> NotificationSender.Verdict {
            NotificationSender.judge(
                FetchOutcome(.success(FetchResponse(status: status, body: Array(body.utf8)))),
                kind: email ? .email : .slack)
        }
        #expect(judge(202) == .delivered("HTTP 202"))
        #expect(judge(400, "invalid_payload") == .failed("HTTP 400: invalid_payload"))
        #expect(judge(429) == .retry("HTTP 429"))
        #expect(judge(503) == .retry("HTTP 503"))
        #expect(judge(354, email: true) == .delivered("SMTP 354"))
        #expect(judge(451, email: true) == .retry("SMTP 451"))
        #expect(judge(550, "no such user", email: true) == .failed("SMTP 550: no such user"))
        #expect(
            NotificationSender.judge(FetchOutcome(.failure(.refused("127.0.0.1:9"))), kind: .slack)
                == .retry("refused (127.0.0.1:9)"))
        #expect(
            NotificationSender.judge(
                FetchOutcome(.failure(.invalidURL("https://hooks.example/T0/secret"))), kind: .slack)
                == .failed("the channel's URL is not valid"))
    }
}
