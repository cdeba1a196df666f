import Foundation

public enum HTTPAuth: Sendable, Equatable {
    case bearer(Secret)
    case basic(username: String, password: Secret)
}

/// TLS settings of a request; verification is on unless explicitly off.
public struct TLSSettings: Sendable, Equatable {
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var insecureSkipVerify = false
    public init() {}
}

/// Everything one HTTP GET needs.
public struct FetchRequest: Sendable {
    public var url: String
    public var timeoutMs: Int64 = 10_000
    public var headers: [(String, String)] = []
    public var auth: HTTPAuth?
    public var tls = TLSSettings()
    public var bodyLimit = 64 << 20
    public var accept: String? = FetchRequest.scrapeAccept
    /// A body to POST (Elasticsearch's `_search`); nil for a GET.
    public var postBody: [UInt8]?
    /// Another method (DELETE for Alertmanager silences).
    public var method: String?
    /// Hand back 4xx/5xx answers with their body (APIs that explain their
    /// errors in JSON) instead of failing with the status alone.
    public var errorBodies = false
    /// An email: `url` is `smtp://` or `smtps://`, `postBody` the message.
    public var mail: MailEnvelope?

    /// What Prometheus asks a scrape target for: OpenMetrics first, the
    /// classic text format second.
    public static let scrapeAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    public init(url: String) { self.url = url }
}

extension FetchRequest {
    /// A request with a configured endpoint's settings: timeout, headers,
    /// bearer or basic auth, TLS and body limit (targets, log sources,
    /// the Prometheus and Alertmanager servers share them). `url` replaces
    /// the endpoint's own (an API path under it, a query string).
    public init(_ endpoint: TargetConfig, url: String? = nil) {
        self.init(url: url ?? endpoint.url)
        timeoutMs = endpoint.timeout.milliseconds
        headers = endpoint.headers
        if let token = endpoint.bearerToken { auth = .bearer(token) }
        if let basic = endpoint.basicAuth { auth = .basic(username: basic.username, password: basic.password) }
        tls.caFile = endpoint.caFile
        tls.certFile = endpoint.certFile
        tls.keyFile = endpoint.keyFile
        tls.insecureSkipVerify = endpoint.insecureSkipVerify
        bodyLimit = endpoint.bodyLimit
    }
}

/// A completed HTTP exchange.
public struct FetchResponse: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]
    /// Response headers, names in lower case (the last response's, after
    /// redirects).
    public var headers: [String: String] = [:]

    public init(status: Int, contentType: String? = nil, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }
}

/// How a fetch ended, and how long it took.
public struct FetchOutcome: Sendable {
    public var result: Result<FetchResponse, FetchError>
    public var durationSeconds: Double

    public init(_ result: Result<FetchResponse, FetchError>, durationSeconds: Double = 0) {
        self.result = result
        self.durationSeconds = durationSeconds
    }
}

/// Why a fetch failed, in words an operator can act on.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(String)
    case timedOut(seconds: Double)
    case tls(String)
    case http(status: Int, reason: String)
    case bodyTooLarge(limit: Int)
    case badEncoding(String)
    case tooManyRedirects
    case resolve(String)
    case emptyReply
    case connection(String)
    case invalidURL(String)
    case other(String)

    public var description: String {
        switch self {
        case .refused(let s): return "refused (\(s))"
        case .timedOut(let s): return String(format: "timed out after %.1f s", s)
        case .tls(let s): return "TLS: \(s)"
        case .http(let status, let reason): return reason.isEmpty ? "HTTP \(status)" : "HTTP \(status) \(reason)"
        case .bodyTooLarge(let limit): return "body over \(formatBytes(limit))"
        case .badEncoding(let s): return "bad content encoding: \(s)"
        case .tooManyRedirects: return "more than 5 redirects"
        case .resolve(let s): return "cannot resolve host (\(s))"
        case .emptyReply: return "empty reply from server"
        case .connection(let s): return "connection error: \(s)"
        case .invalidURL(let s): return "invalid URL: \(s)"
        case .other(let s): return s
        }
    }
}

/// 64 MiB, 1.5 KiB, 200 B.
public func formatBytes(_ n: Int) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
    if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
    if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / 1024) }
    return "\(n) B"
}

/// Who an email is from and to, and whether the connection must be
/// upgraded with STARTTLS (`smtp://` with `starttls: true`).
public struct MailEnvelope: Sendable, Equatable {
    public var from: String
    public var to: [String]
    public var startTLS: Bool

    public init(from: String, to: [String], startTLS: Bool) {
        self.from = from
        self.to = to
        self.startTLS = startTLS
    }
}
