import Foundation
import Yams

/// `channels:`: where Vigil sends notifications itself. Their URLs and keys
/// are secrets (`${ENV}` or a file), never printed.
extension ConfigReader {
    func channels(_ node: Node) -> [ChannelConfig] {
        var out: [ChannelConfig] = []
        for item in items(node, "channels") {
            var name: String?
            var kind: ChannelConfig.Kind?
            var url: Secret?
            var key: Secret?
            var rate = 20
            var timeout: Int64 = 10_000
            var deadline: Int64 = 3_600_000
            var mail = ChannelConfig.Mail(from: "", to: [])
            var mailKeys = false
            var template: (AlertTemplate, Node)?
            var contentType: String?
            for (k, _, v) in entries(
                item, "a channel",
                allowed: [
                    "name", "kind", "url", "url_file", "routing_key", "routing_key_file", "rate_per_minute",
                    "timeout", "deadline", "from", "to", "starttls", "username", "password", "password_file",
                    "ca_file", "insecure_skip_verify", "template", "content_type",
                ])
            {
                if [
                    "from", "to", "starttls", "username", "password", "password_file", "ca_file",
                    "insecure_skip_verify",
                ]
                .contains(k) {
                    mailKeys = true
                }
                switch k {
                case "from": mail.from = string(v, "from") ?? ""
                case "to": mail.to = strings(v, "to")
                case "starttls": mail.startTLS = bool(v, "starttls") ?? false
                case "username": mail.username = string(v, "username")
                case "password": mail.password = secret(v, "password")
                case "password_file": mail.password = secretFile(v, "password_file")
                case "ca_file": mail.caFile = string(v, "ca_file")
                case "insecure_skip_verify": mail.insecureSkipVerify = bool(v, "insecure_skip_verify") ?? false
                case "name": name = string(v, "name")
                case "kind":
                    let s = string(v, "kind") ?? ""
                    kind = ChannelConfig.Kind(rawValue: s)
                    if kind == nil {
                        error(
                            v,
                            "kind must be one of \(ChannelConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                case "url", "url_file":
                    url = k == "url" ? secret(v, "url") : secretFile(v, "url_file")
                    if let u = url, ReaderURL.problem(u.value) != nil && ReaderURL.mailProblem(u.value) != nil {
                        // The URL is a secret: the message must not repeat it.
                        error(v, "\(k) is not an http://, https://, smtp:// or smtps:// URL")
                        url = nil
                    }
                case "routing_key": key = secret(v, "routing_key")
                case "routing_key_file": key = secretFile(v, "routing_key_file")
                case "rate_per_minute":
                    if let n = integer(v, "rate_per_minute") {
                        if n < 1 { error(v, "rate_per_minute must be at least 1") } else { rate = n }
                    }
                case "timeout": timeout = duration(v, "timeout")?.milliseconds ?? timeout
                case "template":
                    guard let text = string(v, "template") else { break }
                    do { template = (try AlertTemplate(text), v) } catch let e {
                        error(v, "template: \(e.message) (line \(e.line), column \(e.column) of it)")
                    }
                case "content_type": contentType = string(v, "content_type")
                default: deadline = duration(v, "deadline")?.milliseconds ?? deadline
                }
            }
            guard let name, let kind else {
                if name == nil { error(item, "a channel needs a name") }
                if kind == nil && !(item.mapping?.keys.contains { $0.string == "kind" } ?? false) {
                    error(item, "a channel needs a kind: pagerduty, slack or webhook")
                }
                continue
            }
            if out.contains(where: { $0.name == name }) {
                error(item, "two channels are named \(Sanitizer.quote(name))")
                continue
            }
            if kind == .pagerduty && key == nil {
                error(item, "channel \(Sanitizer.quote(name)): pagerduty needs routing_key: (or routing_key_file:)")
                continue
            }
            guard url != nil || kind == .pagerduty else {
                error(item, "channel \(Sanitizer.quote(name)) needs url: (or url_file:)")
                continue
            }
            let isMailURL = url.map { ReaderURL.mailProblem($0.value) == nil } ?? false
            if kind == .email {
                guard isMailURL else {
                    error(
                        item, "channel \(Sanitizer.quote(name)): email needs url: smtp://host:port or smtps://host:port"
                    )
                    continue
                }
                guard !mail.from.isEmpty, !mail.to.isEmpty else {
                    error(item, "channel \(Sanitizer.quote(name)): email needs from: and to:")
                    continue
                }
            } else if isMailURL || mailKeys {
                error(item, "channel \(Sanitizer.quote(name)): from, to, starttls and smtp:// are for kind: email")
                continue
            }
            if let t = template, kind != .webhook {
                error(t.1, "channel \(Sanitizer.quote(name)): template is for kind: webhook")
                continue
            }
            var c = ChannelConfig(name: name, kind: kind, url: url ?? Secret(""), routingKey: key)
            if kind == .email { c.mail = mail }
            c.template = template?.0
            if let contentType { c.contentType = contentType }
            c.ratePerMinute = rate
            c.timeoutMs = timeout
            c.deadlineMs = deadline
            out.append(c)
        }
        return out
    }

    /// `contacts:`: a mapping from the names the escalation policy uses to
    /// their addresses: `email` (one or a list), `slack` (a mention),
    /// `pagerduty` (a routing key, or `pagerduty_file`).
    func contacts(_ node: Node) -> [ContactConfig] {
        var out: [ContactConfig] = []
        for (name, keyNode, value) in entries(node, "contacts", allowed: []) {
            var c = ContactConfig(name: name)
            for (k, _, v) in entries(
                value, "contact \(Sanitizer.quote(name))", allowed: ["email", "slack", "pagerduty", "pagerduty_file"])
            {
                switch k {
                case "email":
                    c.email = strings(v, "email")
                    for a in c.email where !a.contains("@") || a.contains(where: { $0.isWhitespace || $0 == "<" }) {
                        error(v, "\(Sanitizer.quote(a)) is not an email address")
                    }
                case "slack": c.slack = string(v, "slack")
                case "pagerduty": c.pagerduty = secret(v, "pagerduty")
                default: c.pagerduty = secretFile(v, "pagerduty_file")
                }
            }
            // Said only when no address was even tried (a bad one is said as such).
            let tried = value.mapping?.keys.contains {
                ["email", "slack", "pagerduty", "pagerduty_file"].contains($0.string ?? "")
            }
            if c.email.isEmpty && c.slack == nil && c.pagerduty == nil && tried != true {
                error(keyNode, "contact \(Sanitizer.quote(name)) needs an address: email, slack or pagerduty")
                continue
            }
            out.append(c)
        }
        return out
    }
}
