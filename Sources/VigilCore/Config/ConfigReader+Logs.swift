import Foundation
import Yams

/// Log sources: text tails, NDJSON and JSON endpoints, Loki, Elasticsearch.
extension ConfigReader {
    func logSources(_ node: Node) -> [LogSourceConfig] {
        let seq = items(node, "logs")
        var out: [LogSourceConfig] = []
        for item in seq {
            var c = LogSourceConfig(name: "", kind: .text, http: TargetConfig(name: "", url: ""))
            c.http.interval = PromDuration(milliseconds: 2000)
            c.http.bodyLimit = 8 << 20
            var sawURL = false
            var sawKind = false
            var tokenNode: Node?
            var tokenFileNode: Node?
            var nameNode: Node?
            for (key, _, value) in entries(
                item, "a log source",
                allowed: [
                    "name", "kind", "url", "interval", "timeout", "headers", "bearer_token", "bearer_token_file",
                    "basic_auth", "tls", "body_limit", "keep", "fields", "cursor_param", "query", "index", "tiebreaker",
                    "since", "limit", "level_patterns", "ansi",
                ])
            {
                if httpKey(key, value, &c.http, sawURL: &sawURL, tokenNode: &tokenNode, tokenFileNode: &tokenFileNode) {
                    continue
                }
                switch key {
                case "name":
                    c.name = string(value, "name") ?? ""
                    nameNode = value
                case "kind":
                    sawKind = true
                    if let s = string(value, "kind") {
                        if let k = LogKind(rawValue: s) {
                            c.kind = k
                        } else {
                            error(
                                value, "kind must be one of \(LogKind.allCases.map(\.rawValue).joined(separator: ", "))"
                            )
                        }
                    }
                case "keep":
                    if let n = integer(value, "keep"), n >= 1, n <= 1_000_000 {
                        c.keep = n
                    } else {
                        error(value, "keep must be a number of lines from 1 to 1000000")
                    }
                case "fields":
                    for (k, _, v) in entries(value, "fields", allowed: ["time", "level", "message"]) {
                        switch k {
                        case "time": c.timeField = string(v, k)
                        case "level": c.levelField = string(v, k)
                        default: c.messageField = string(v, k)
                        }
                    }
                case "cursor_param": c.cursorParam = string(value, key)
                case "query": c.query = string(value, key)
                case "index": c.index = string(value, key)
                case "tiebreaker": c.tiebreaker = string(value, key)
                case "since": c.since = duration(value, key) ?? c.since
                case "limit":
                    if let n = integer(value, "limit"), n >= 1, n <= 10_000 {
                        c.limit = n
                    } else {
                        error(value, "limit must be from 1 to 10000")
                    }
                case "level_patterns":
                    for (k, _, v) in entries(value, "level_patterns", allowed: LogLevel.allCases.map(\.rawValue)) {
                        guard let pattern = string(v, k), let level = LogLevel(rawValue: k) else { continue }
                        do {
                            c.levelPatterns.append((level, try NSRegularExpression(pattern: pattern)))
                        } catch {
                            self.error(v, "level pattern for \(k) is not a valid regular expression")
                        }
                    }
                default:  // ansi
                    switch string(value, "ansi") {
                    case "escape": c.ansi = .escape
                    case "colors": c.ansi = .colors
                    default: error(value, "ansi must be escape or colors")
                    }
                }
            }
            if !sawURL { error(item, "a log source needs a url") }
            if !sawKind {
                error(item, "a log source needs a kind (\(LogKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if c.name.isEmpty { error(item, "a log source needs a name") }
            if out.contains(where: { $0.name == c.name }) {
                error(nameNode ?? item, "duplicate log source name \(Sanitizer.quote(c.name))")
            }
            if c.kind == .loki && c.query == nil { error(item, "a loki source needs a query (LogQL)") }
            if c.kind == .elasticsearch && c.index == nil { error(item, "an elasticsearch source needs an index") }
            if item.mapping?["timeout"] == nil {
                c.http.timeout = min(c.http.timeout, c.http.interval)
            } else if c.http.timeout > c.http.interval {
                error(item, "timeout (\(c.http.timeout)) must not exceed interval (\(c.http.interval))")
            }
            c.http.name = c.name
            out.append(c)
        }
        return out
    }
}
