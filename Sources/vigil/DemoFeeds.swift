import Foundation

/// The demo's log side: a security event stream (NDJSON), a vulnerability
/// scan document (a JSON array) and an application log file (plain text,
/// served with `Range:` support and rotated when it grows past 4 MiB).
/// Written by the simulation task, read by the HTTP handlers: a lock.
final class DemoFeeds: @unchecked Sendable {
    let lock = NSLock()
    var events: [(ms: Int64, line: String)] = []
    var log: [UInt8] = []
    var scanCritical = false
    /// Fractions of events and lines carried between ticks.
    var carry: [String: Double] = [:]
    var sequence = 0
    static let maxEvents = 500

    /// A few events from before the demo started, so the table is never
    /// empty on the first screen.
    init() {
        let now = Date()
        let seeds: [(Double, String, String, String, String)] = [
            (-240, "config_change", "low", "deploy-bot", "api.replicas scaled by deploy-bot (4 → 6)"),
            (-180, "login_failure", "high", "auth-service", "failed login for user u1031 from 203.0.113.7"),
            (-95, "rate_limited", "medium", "api-gateway", "rate limit exceeded for client c1044 (203.0.113.21)"),
            (-40, "permission_denied", "medium", "api", "user u1012 denied admin:write on /v1/admin (3)"),
        ]
        for (offset, type, severity, source, message) in seeds {
            let t = now.addingTimeInterval(offset)
            events.append(
                (
                    Int64(t.timeIntervalSince1970 * 1000),
                    Self.json([
                        ("timestamp", Self.iso.string(from: t)), ("event_type", type), ("severity", severity),
                        ("source", source), ("message", message),
                    ])
                ))
        }
    }
    static let rotateAt = 4 << 20

    /// Used only while holding `lock`.
    nonisolated(unsafe) static let iso: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    /// `n` as a whole count per tick, carrying the fraction.
    func count(_ key: String, _ expected: Double) -> Int {
        let total = (carry[key] ?? 0) + expected
        let n = Int(total)
        carry[key] = total - Double(n)
        return n
    }

    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\":\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// One simulation step: events at a tenth of the security counters'
    /// rates (a readable table), log lines for requests and the incident.
    func tick(now: Date, dt: Double, burst: Bool, incident: Double, scanNewCVE: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let ms = Int64(now.timeIntervalSince1970 * 1000)
        let stamp = Self.iso.string(from: now)
        let kinds: [(String, String, String, Double, String)] = [
            (
                "login_failure", "high", "auth-service", burst ? 4.5 : 0.04,
                "failed login for user u%d from 203.0.113.%d"
            ),
            (
                "rate_limited", "medium", "api-gateway", burst ? 0.8 : 0.02,
                "rate limit exceeded for client c%d (203.0.113.%d)"
            ),
            (
                "permission_denied", "medium", "api", burst ? 0.15 : 0.01,
                "user u%d denied admin:write on /v1/admin (%d)"
            ),
            ("config_change", "low", "deploy-bot", 0.01, "api.replicas scaled by deploy-bot (%d → %d)"),
        ]
        for (type, severity, source, rate, template) in kinds {
            for _ in 0..<count(type, rate * dt) {
                sequence += 1
                let message = String(format: template, 1000 + sequence % 97, sequence % 250)
                events.append(
                    (
                        ms,
                        Self.json([
                            ("timestamp", stamp), ("event_type", type), ("severity", severity), ("source", source),
                            ("message", message),
                        ])
                    ))
            }
        }
        if events.count > Self.maxEvents { events.removeFirst(events.count - Self.maxEvents) }
        var lines = ""
        for _ in 0..<count("requests", 6 * dt) {
            sequence += 1
            let route = ["/v1/tracks", "/v1/checkout", "/", "/artist", "/login"][sequence % 5]
            if incident >= 1 && sequence % 3 == 0 {
                lines += "\(stamp) ERROR api upstream timeout after 5000ms route=\(route) request_id=r\(sequence)\n"
            } else if incident > 0 && sequence % 4 == 0 {
                lines += "\(stamp) WARN  api slow response \(2000 + sequence % 900)ms route=\(route)\n"
            } else {
                lines += "\(stamp) INFO  api GET \(route) 200 \(8 + sequence % 40)ms request_id=r\(sequence)\n"
            }
        }
        if burst && count("burstlog", 0.5 * dt) > 0 {
            lines += "\(stamp) WARN  auth-service failed-login burst: 45/s from 203.0.113.0/24\n"
        }
        log += Array(lines.utf8)
        // Rotation, as logrotate's copytruncate would do it.
        if log.count > Self.rotateAt { log = Array("\(stamp) INFO  log rotated\n".utf8) }
        scanCritical = scanNewCVE
    }

    /// Events newer than `since` (an ISO time, exclusive), oldest first.
    func events(since: String?) -> String {
        lock.lock()
        defer { lock.unlock() }
        let from = since.flatMap { Self.iso.date(from: $0) }.map { Int64($0.timeIntervalSince1970 * 1000) }
        return events.filter { from == nil || $0.ms > from! }.map { $0.line + "\n" }.joined()
    }

    func scan() -> String {
        lock.lock()
        let critical = scanCritical
        lock.unlock()
        var rows = [
            ("CVE-2026-1042", "medium", "patched", "2026-11-25T03:00Z", "libxml2"),
            ("CVE-2026-2210", "low", "open", "2026-11-25T03:00Z", "openssl"),
            ("CVE-2025-9931", "high", "mitigated", "2026-11-25T03:00Z", "nginx"),
        ]
        if critical { rows.append(("CVE-2026-31337", "critical", "open", "2026-11-25T04:15Z", "swift-nio-ssl")) }
        return "["
            + rows.map {
                Self.json([
                    ("cve_id", $0.0), ("severity", $0.1), ("status", $0.2), ("last_scan", $0.3), ("package", $0.4),
                ])
            }.joined(separator: ",") + "]\n"
    }

    /// The log file, or the part a `Range: bytes=N-` / `bytes=-N` asks for.
    func logFile(range: String?) -> (status: Int, contentRange: String?, body: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        let size = log.count
        guard let range, range.hasPrefix("bytes=") else { return (200, nil, log) }
        let spec = range.dropFirst(6)
        let parts = spec.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return (200, nil, log) }
        var start: Int
        if parts[0].isEmpty {
            start = max(0, size - (Int(parts[1]) ?? size))
        } else {
            start = Int(parts[0]) ?? 0
        }
        guard start < size || (start == 0 && size == 0) else { return (416, "bytes */\(size)", []) }
        start = min(start, size)
        return (206, "bytes \(start)-\(max(start, size - 1))/\(size)", Array(log[start...]))
    }
}
