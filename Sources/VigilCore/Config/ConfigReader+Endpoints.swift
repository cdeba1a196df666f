import Foundation
import Yams

/// Targets and servers: URLs with their HTTP settings (auth, TLS,
/// timeouts, body limits).
extension ConfigReader {
    func targets(_ node: Node) -> [TargetConfig] {
        let seq = items(node, "targets")
        var out: [TargetConfig] = []
        var names = Set<String>()
        for item in seq {
            var t = TargetConfig(name: "", url: "")
            var sawURL = false
            var nameNode: Node?
            var tokenNode: Node?
            var tokenFileNode: Node?
            for (key, _, value) in entries(
                item, "a target",
                allowed: [
                    "name", "url", "interval", "timeout", "headers", "bearer_token", "bearer_token_file",
                    "basic_auth", "tls", "body_limit", "format", "series_limit",
                ])
            {
                if httpKey(
                    key, value, &t, sawURL: &sawURL, tokenNode: &tokenNode, tokenFileNode: &tokenFileNode)
                {
                    continue
                }
                switch key {
                case "name":
                    t.name = string(value, "name") ?? ""
                    nameNode = value
                case "series_limit":
                    if let n = integer(value, "series_limit"), n >= 1 {
                        t.seriesLimit = n
                    } else {
                        error(value, "series_limit must be a whole number of series, at least 1")
                    }
                default:  // format
                    switch string(value, "format") {
                    case "auto": t.format = nil
                    case "prometheus": t.format = .prometheus
                    case "openmetrics": t.format = .openMetrics
                    default: error(value, "format must be auto, prometheus or openmetrics")
                    }
                }
            }
            if let tokenFileNode, tokenNode != nil {
                error(tokenFileNode, "give bearer_token or bearer_token_file, not both")
            }
            if t.bearerToken != nil && t.basicAuth != nil { error(item, "give a bearer token or basic_auth, not both") }
            if !sawURL { error(item, "a target needs a url") }
            if t.name.isEmpty { t.name = URLComponents(string: t.url)?.host ?? "target\(out.count + 1)" }
            if !names.insert(t.name).inserted {
                error(nameNode ?? item, "duplicate target name \(Sanitizer.quote(t.name))")
            }
            if t.timeout > t.interval { error(item, "timeout (\(t.timeout)) must not exceed interval (\(t.interval))") }
            out.append(t)
        }
        return out
    }

    /// The HTTP keys targets and log sources share (url, interval,
    /// timeout, headers, auth, tls, body_limit). False for any other key.
    func httpKey(
        _ key: String, _ value: Node, _ t: inout TargetConfig, sawURL: inout Bool, tokenNode: inout Node?,
        tokenFileNode: inout Node?
    ) -> Bool {
        switch key {
        case "url":
            t.url = string(value, "url") ?? ""
            sawURL = true
            if let c = URLComponents(string: t.url), c.scheme == "http" || c.scheme == "https", c.host != nil {
            } else {
                error(value, "url must be an http:// or https:// URL")
            }
        case "interval": t.interval = duration(value, "interval") ?? t.interval
        case "timeout": t.timeout = duration(value, "timeout") ?? t.timeout
        case "headers":
            for (name, _, v) in entries(value, "headers", allowed: []) {
                if let s = string(v, "header \(name)") { t.headers.append((name, s)) }
            }
        case "bearer_token":
            t.bearerToken = secret(value, "bearer_token")
            tokenNode = value
        case "bearer_token_file":
            t.bearerToken = secretFile(value, "bearer_token_file")
            tokenFileNode = value
        case "basic_auth":
            var user = ""
            var password: Secret?
            for (k, _, v) in entries(value, "basic_auth", allowed: ["username", "password", "password_file"]) {
                switch k {
                case "username": user = string(v, "username") ?? ""
                case "password": password = secret(v, "password")
                default: password = secretFile(v, "password_file")
                }
            }
            if let password {
                t.basicAuth = (user, password)
            } else {
                error(value, "basic_auth needs a password or password_file")
            }
        case "tls":
            for (k, _, v) in entries(
                value, "tls", allowed: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"])
            {
                switch k {
                case "ca_file": t.caFile = string(v, k)
                case "cert_file": t.certFile = string(v, k)
                case "key_file": t.keyFile = string(v, k)
                default: t.insecureSkipVerify = bool(v, k) ?? false
                }
            }
        case "body_limit":
            if let s = value.scalar?.string, let n = parseByteSize(s), n > 0 {
                t.bodyLimit = n
            } else {
                error(value, "body_limit must be a size like 64MiB or 1000000")
            }
        default:
            return false
        }
        return true
    }

    /// `prometheus:` / `alertmanager:`: a URL with the target HTTP keys.
    func server(_ node: Node, _ what: String, extra: [String]) -> TargetConfig? {
        var t = TargetConfig(name: what, url: "")
        var sawURL = false
        var tokenNode: Node?
        var tokenFileNode: Node?
        for (key, _, value) in entries(
            node, what,
            allowed: [
                "url", "interval", "timeout", "headers", "bearer_token", "bearer_token_file", "basic_auth", "tls",
                "body_limit",
            ] + extra)
        {
            if extra.contains(key) { continue }
            _ = httpKey(key, value, &t, sawURL: &sawURL, tokenNode: &tokenNode, tokenFileNode: &tokenFileNode)
        }
        if !sawURL {
            error(node, "\(what) needs a url")
            return nil
        }
        if node.mapping?["timeout"] == nil { t.timeout = PromDuration(milliseconds: 10_000) }
        return t
    }
}
