import ArgumentParser
import Foundation
import VigilCore
import VigilNet

/// `vigil notify`: the outbox and the channels, for the operator who
/// wants to know whether a page went out, and for setting a channel up.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "The notification outbox, and a test message to a channel.",
        discussion: """
            vigil notify outbox [--all] [--json]   pending and failed notifications (--all: delivered ones too)
            vigil notify test CHANNEL              send a test message to a configured channel and print its answer

            The outbox is the journal's: a notification is written before it is sent and marked delivered \
            or failed with the receiver's reason. A PagerDuty test is a trigger followed by its resolve. \
            Secrets (URLs, routing keys) are never printed. Exit status 1 when a notification failed \
            (outbox) or the channel did not accept the test.
            """)

    @Argument(help: "outbox or test.") var action: String = "outbox"
    @Argument(help: "The channel, for test.") var channel: String?
    @Flag(help: "outbox: delivered notifications too.") var all = false
    @Flag(help: "outbox: print JSON.") var json = false
    @OptionGroup var journal: JournalOptions

    func run() throws {
        switch action {
        case "outbox": try outbox()
        case "test": try test()
        default:
            printError("vigil notify: unknown action '\(action)' (outbox or test CHANNEL)")
            throw ExitStatus.usage
        }
    }

    func outbox() throws {
        guard let center = try journal.open() else {
            say("the outbox is empty: \(journal.noJournal)")
            return
        }
        let book = center.notifications
        let entries = book.order.compactMap { book.entries[$0] }.filter { all || $0.result?.delivered != true }
        if json {
            say(
                "["
                    + entries.map { e in
                        let n = e.notification
                        let state = e.result.map { $0.delivered ? "delivered" : "failed" } ?? "pending"
                        return "{\"id\":\(jsonString(n.id)),\"channel\":\(jsonString(n.channel)),"
                            + "\"event\":\(jsonString(n.event.rawValue)),\"alert\":\(jsonString(n.dedupKey)),"
                            + "\"queued_at\":\(jsonString(Instant.format(e.queuedAt))),\"state\":\(jsonString(state)),"
                            + "\"detail\":\(e.result.map { jsonString($0.detail) } ?? "null")}"
                    }.joined(separator: ",") + "]")
        } else if entries.isEmpty {
            say(all ? "the outbox is empty" : "nothing pending or failed (--all lists the delivered)")
        } else {
            for e in entries {
                let n = e.notification
                let state = e.result.map { $0.delivered ? "delivered" : "FAILED" } ?? "pending"
                var line =
                    "\(IncidentHistory.time(e.queuedAt))  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                line += "\(n.channel) \(n.event.rawValue) \(n.dedupKey)"
                if let r = e.result { line += ": \(r.detail)" }
                say(safeLine(line))
            }
        }
        if !book.failed.isEmpty { throw ExitStatus.failed }
    }

    func test() throws {
        guard let name = channel else {
            printError("vigil notify test: which channel? (the names under channels:)")
            throw ExitStatus.usage
        }
        let cfg = try loadConfig(FileLocations.current.requireConfig(option: journal.config))
        guard let ch = cfg.channels.first(where: { $0.name == name }) else {
            printError(
                "vigil notify test: no channel \(Sanitizer.quote(name)) (configured: \(cfg.channels.map(\.name).joined(separator: ", ")))"
            )
            throw ExitStatus.usage
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let key = AlertKey(rule: "Vigil test", labels: Labels(["channel": name]))
        var events: [AlertNotification.Event] = [.trigger]
        if ch.kind == .pagerduty { events.append(.resolve) }
        var ok = true
        for event in events {
            let n = AlertNotification(
                channel: name, event: event, alert: key, severity: "low", value: 1,
                description: "A test from \(AlertCenter.defaultIdentity()) with vigil notify test", action: "none",
                startsAtMs: now, atMs: now)
            guard let request = NotificationPayload.request(n, channel: ch) else { continue }
            let (delivered, said) = Self.send(request, on: ch)
            say("\(name) \(event.rawValue): \(said)")
            ok = ok && delivered
        }
        if !ok { throw ExitStatus.failed }
    }

    /// Sends one request now, judged as the outbox judges a notification;
    /// says the receiver's whole answer ("SMTP 250", "HTTP 400 invalid key").
    static func send(_ request: FetchRequest, on ch: ChannelConfig) -> (delivered: Bool, said: String) {
        let fetcher = Fetcher()
        _ = fetcher.start(request)
        guard let answer = fetcher.finishAll(within: Double(ch.timeoutMs) / 1000 + 5).first else {
            return (false, "no answer")
        }
        let verdict = NotificationSender.judge(FetchOutcome(answer.result), kind: ch.kind)
        guard case .success(let r) = answer.result else { return (false, verdict.reason) }
        let body = Sanitizer.clean(String(decoding: r.body.prefix(300), as: UTF8.self), maxLength: 300)
        return (
            verdict.isDelivered, "\(ch.kind == .email ? "SMTP" : "HTTP") \(r.status)\(body.isEmpty ? "" : " " + body)"
        )
    }
}
