import Foundation

/// A log line's level, from a field or a pattern; nil when unknown.
public enum LogLevel: String, CaseIterable, Sendable, Comparable {
    case error, warn, info, debug

    /// `ERROR`, `err`, `fatal`, `warning`, `notice`, `trace` … → a level.
    public init?(word: String) {
        switch word.lowercased() {
        case "error", "err", "fatal", "crit", "critical", "alert", "emerg", "emergency", "panic", "high": self = .error
        case "warn", "warning", "medium": self = .warn
        case "info", "information", "notice", "low": self = .info
        case "debug", "trace", "verbose": self = .debug
        default: return nil
        }
    }

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank > b.rank }
}

/// One log line or JSON row, as received (unsanitised: the view cleans
/// text on its way to the canvas).
public struct LogRecord: Sendable, Equatable {
    /// Milliseconds since the epoch, when the source gave a time.
    public var timeMs: Int64?
    public var level: LogLevel?
    public var message: String
    /// Every other field (JSON rows) or the stream's labels (Loki).
    public var fields: [String: String]

    public init(timeMs: Int64? = nil, level: LogLevel? = nil, message: String, fields: [String: String] = [:]) {
        self.timeMs = timeMs
        self.level = level
        self.message = message
        self.fields = fields
    }

    /// A column's value: a field, or one of time, level, message.
    public func value(_ column: String) -> String? {
        if let v = fields[column] { return v }
        switch column {
        case "message", "msg", "line": return message
        case "level", "severity": return level?.rawValue
        default: return nil
        }
    }
}

/// The newest `capacity` records of a source, oldest first; `total`
/// counts every record ever appended (the view uses it to follow).
public struct LogRing: Sendable, Equatable {
    public let capacity: Int
    var storage: [LogRecord] = []
    var head = 0
    public private(set) var total = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public var count: Int { storage.count }

    public mutating func append(_ r: LogRecord) {
        total += 1
        if storage.count < capacity {
            storage.append(r)
        } else {
            storage[head] = r
            head = (head + 1) % capacity
        }
    }

    public mutating func append(contentsOf rs: [LogRecord]) { for r in rs { append(r) } }

    /// Replaces everything (a JSON document source: each poll is the table).
    public mutating func replace(with rs: [LogRecord]) {
        storage = Array(rs.suffix(capacity))
        head = 0
        total += rs.count
    }

    public subscript(i: Int) -> LogRecord { storage[(head + i) % storage.count] }

    /// Oldest first.
    public var records: [LogRecord] { (0..<storage.count).map { self[$0] } }

    /// The newest `n`, oldest first.
    public func last(_ n: Int) -> [LogRecord] {
        let k = min(n, storage.count)
        return (storage.count - k..<storage.count).map { self[$0] }
    }
}

/// How a source is read.
public enum LogKind: String, CaseIterable, Sendable {
    /// Plain lines from a URL (a log file behind a web server), followed
    /// with `Range:` requests.
    case text
    /// One JSON object per line; a stream, accumulated.
    case ndjson
    /// A JSON array of objects (or NDJSON) that is the whole table each
    /// time (scan results): each poll replaces the rows.
    case json
    /// Grafana Loki's query_range API with a LogQL query.
    case loki
    /// Elasticsearch's `_search` with `search_after` paging.
    case elasticsearch
}

/// What to do with SGR colour codes inside a line.
public enum AnsiMode: String, Sendable {
    /// Shown as visible escapes (␛[31m), like every other control.
    case escape
    /// Kept as colours; every other escape sequence is still neutralised.
    case colors
}

/// A log source of the config: an HTTP endpoint polled like a target.
public struct LogSourceConfig: Sendable {
    public var name: String
    public var kind: LogKind
    /// URL, interval, timeout, headers, auth, TLS, body limit: as targets.
    public var http: TargetConfig
    /// Lines kept (default 10,000).
    public var keep = 10_000
    public var timeField: String?
    public var levelField: String?
    public var messageField: String?
    /// ndjson/json: a query parameter carrying the newest time seen.
    public var cursorParam: String?
    /// loki: the LogQL query; elasticsearch: a query_string query.
    public var query: String?
    /// elasticsearch: the index (or pattern).
    public var index: String?
    /// elasticsearch: a unique field to break ties in the sort.
    public var tiebreaker: String?
    /// How far back the first request reaches (loki, elasticsearch).
    public var since = PromDuration(milliseconds: 300_000)
    /// Entries per request (loki, elasticsearch).
    public var limit = 1000
    /// Level from a regular expression per level, when there is no field.
    public var levelPatterns: [(LogLevel, NSRegularExpression)] = []
    public var ansi = AnsiMode.escape

    public init(name: String, kind: LogKind, http: TargetConfig) {
        self.name = name
        self.kind = kind
        self.http = http
    }

    /// The level of a plain line: the configured patterns, else a level
    /// word among the first few: in capitals (`ERROR`, `WARN`), in brackets
    /// (`[warn]`) or after `level=`. A lowercase "error" in the middle of a
    /// message is not a level.
    public func level(of line: String) -> LogLevel? {
        if !levelPatterns.isEmpty {
            let range = NSRange(line.startIndex..., in: line)
            for (level, re) in levelPatterns where re.firstMatch(in: line, range: range) != nil { return level }
            return nil
        }
        let head = line.prefix(100)
        let words = head.split(whereSeparator: { $0 == " " || $0 == "\t" }).prefix(6)
        for raw in words {
            var w = Substring(raw)
            var marked = false
            if w.hasPrefix("level=") || w.hasPrefix("lvl=") {
                w = w[w.index(after: w.firstIndex(of: "=")!)...]
                marked = true
            }
            let trimmed = w.trimmingCharacters(in: CharacterSet(charactersIn: "[]():,\"'<>|"))
            if trimmed.count != w.count { marked = true }
            guard trimmed.count >= 3, marked || trimmed == trimmed.uppercased() else { continue }
            if let l = LogLevel(word: trimmed), !["high", "medium", "low"].contains(trimmed.lowercased()) { return l }
        }
        return nil
    }
}
