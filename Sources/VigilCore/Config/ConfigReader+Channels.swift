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
            for (k, _, v) in entries(
                item, "a channel",
                allowed: [
                    "name", "kind", "url", "url_file", "routing_key", "routing_key_file", "rate_per_minute",
                    "timeout", "deadline",
                ])
            {
                switch k {
                case "name": name = string(v, "name")
                case "kind":
                    let s = string(v, "kind") ?? ""
                    kind = ChannelConfig.Kind(rawValue: s)
                    if kind == nil {
                        error(
                            v,
                            "kind must be one of \(ChannelConfig.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (email is not built yet)"
                        )
                    }
                case "url", "url_file":
                    url = k == "url" ? secret(v, "url") : secretFile(v, "url_file")
                    if let u = url, ReaderURL.problem(u.value) != nil {
                        // The URL is a secret: the message must not repeat it.
                        error(v, "\(k) is not an http:// or https:// URL")
                        url = nil
                    }
                case "routing_key": key = secret(v, "routing_key")
                case "routing_key_file": key = secretFile(v, "routing_key_file")
                case "rate_per_minute":
                    if let n = integer(v, "rate_per_minute") {
                        if n < 1 { error(v, "rate_per_minute must be at least 1") } else { rate = n }
                    }
                case "timeout": timeout = duration(v, "timeout")?.milliseconds ?? timeout
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
            var c = ChannelConfig(name: name, kind: kind, url: url ?? Secret(""), routingKey: key)
            c.ratePerMinute = rate
            c.timeoutMs = timeout
            c.deadlineMs = deadline
            out.append(c)
        }
        return out
    }
}
