import Foundation

/// One HTTP request a log source wants made next.
public struct LogRequest: Sendable {
    public var url: String
    public var headers: [(String, String)] = []
    /// A JSON body to POST (Elasticsearch); nil for a GET.
    public var body: [UInt8]?

    public init(url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What a poll brought: lines to add to the tail, or the whole table.
public enum LogUpdate: Sendable, Equatable {
    case append([LogRecord])
    case replace([LogRecord])

    public var records: [LogRecord] {
        switch self {
        case .append(let r), .replace(let r): return r
        }
    }
}

public struct LogSourceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// The protocol logic of every source kind, without the network: the
/// request to make next, and what a response means. `again` asks for the
/// next request at once (a full page, or a rotated file to re-read).
public struct LogFollower: Sendable {
    public let config: LogSourceConfig
    var text = TextTail()
    var rows = JSONRows()
    var loki = LokiCursor()
    var elastic = ElasticCursor()

    public init(config: LogSourceConfig) { self.config = config }

    public mutating func request(now: Int64) -> LogRequest {
        switch config.kind {
        case .text: return LogRequest(url: config.http.url, headers: text.rangeHeader.map { [("Range", $0)] } ?? [])
        case .ndjson, .json: return rows.request(config, now: now)
        case .loki: return loki.request(config, now: now)
        case .elasticsearch: return elastic.request(config, now: now)
        }
    }

    /// A response with its status and (lower-cased) headers.
    public mutating func consume(status: Int, headers: [String: String], body: [UInt8], now: Int64)
        throws(LogSourceError) -> (update: LogUpdate, again: Bool)
    {
        switch config.kind {
        case .text:
            let (lines, again) = text.consume(status: status, headers: headers, body: body)
            return (.append(lines.map { LogRecord(level: config.level(of: $0), message: $0) }), again)
        case .ndjson: return (.append(try rows.consume(body, config, dedupe: true)), false)
        case .json: return (.replace(try rows.consume(body, config, dedupe: false)), false)
        case .loki: return try loki.consume(body, config)
        case .elasticsearch: return try elastic.consume(body, config)
        }
    }

    /// An HTTP error status. 416 from a text source means the file is now
    /// shorter than where Vigil was: truncated or rotated; read it again.
    public mutating func failed(status: Int) -> Bool {
        guard config.kind == .text, status == 416 else { return false }
        text.startOver()
        return true
    }
}

// MARK: - text

/// Follows a growing file over HTTP. The first request asks for its last
/// 64 KiB (`Range: bytes=-65536`); later ones for everything from 64
/// bytes before the end of the last complete line, so those 64 bytes
/// prove it is still the same file. A mismatch, or 416, means truncation
/// or rotation: the file is read again from its start, and nothing is
/// doubled because nothing of the old file is kept as position. A server
/// that ignores `Range` (200) gets the fallback: the same check on the
/// whole body, else the new lines after the last lines seen (a
/// sliding-window endpoint), else all lines (a new file).
public struct TextTail: Sendable {
    /// Bytes of the file consumed (up to the end of the last complete line).
    var offset: Int?
    /// The bytes just before `offset`.
    var fingerprint: [UInt8] = []
    /// The last complete lines seen, for servers without ranges.
    var lastLines: [[UInt8]] = []
    var rangeSupported: Bool?
    var fromStart = false
    static let tailBytes = 65_536
    static let fingerprintBytes = 64

    public init() {}

    var rangeHeader: String? {
        if rangeSupported == false { return nil }
        guard let offset else { return fromStart ? "bytes=0-" : "bytes=-\(Self.tailBytes)" }
        return "bytes=\(offset - fingerprint.count)-"
    }

    mutating func startOver() {
        offset = nil
        fingerprint = []
        fromStart = true
    }

    /// `bytes 100-199/1234` → 100.
    static func rangeStart(_ header: String?) -> Int? {
        guard let h = header, h.hasPrefix("bytes ") else { return nil }
        return Int(h.dropFirst(6).prefix { $0 != "-" })
    }

    mutating func consume(status: Int, headers: [String: String], body: [UInt8]) -> ([String], Bool) {
        let nl = UInt8(ascii: "\n")
        if status == 206, let start = Self.rangeStart(headers["content-range"]) {
            rangeSupported = true
            var data = body[...]
            if let offset {
                let fp = fingerprint.count
                guard start == offset - fp, data.count >= fp, data.prefix(fp).elementsEqual(fingerprint) else {
                    // Not the file we were reading: start over from its beginning.
                    startOver()
                    return ([], true)
                }
                data = data.dropFirst(fp)
                return (take(data, base: offset), false)
            }
            // The first read: from the end of the file, or (after a
            // rotation) from its start. A read that began mid-file drops
            // its first, partial line.
            if start > 0, !fromStart, let first = data.firstIndex(of: nl) {
                let skipped = first + 1 - data.startIndex
                data = data[(first + 1)...]
                fromStart = false
                return (take(data, base: start + skipped), false)
            }
            fromStart = false
            return (take(data, base: start), false)
        }
        // 200: the whole file.
        if rangeHeader != nil { rangeSupported = false }
        let all = body[...]
        if let offset, all.count >= offset, offset >= fingerprint.count,
            all[(offset - fingerprint.count)..<offset].elementsEqual(fingerprint)
        {
            return (take(all[offset...], base: offset), false)
        }
        // A sliding window or a new file: continue after the last lines
        // seen if they are there (the last occurrence), else take it all.
        let complete = all.lastIndex(of: nl).map { all[...$0] } ?? all[all.startIndex..<all.startIndex]
        let lines = complete.split(separator: nl, omittingEmptySubsequences: false).dropLast().map(Array.init)
        var startLine = 0
        if offset != nil, !lastLines.isEmpty, lines.count >= lastLines.count {
            let k = lastLines.count
            if let i = stride(from: lines.count - k, through: 0, by: -1).first(where: {
                Array(lines[$0..<$0 + k]) == lastLines
            }) {
                startLine = i + k
            }
        }
        offset = complete.count
        fingerprint = Array(complete.suffix(Self.fingerprintBytes))
        let new = Array(lines[startLine...])
        remember(new)
        return (new.map(Self.string), false)
    }

    /// Complete lines of `data` (which starts at file position `base`);
    /// a trailing partial line waits for the next read.
    mutating func take(_ data: ArraySlice<UInt8>, base: Int) -> [String] {
        let nl = UInt8(ascii: "\n")
        guard let last = data.lastIndex(of: nl) else {
            if offset == nil { offset = base }
            return []
        }
        let complete = data[data.startIndex...last]
        let lines = complete.split(separator: nl, omittingEmptySubsequences: false).dropLast().map(Array.init)
        let end = base + complete.count
        // The fingerprint: the bytes before the new offset, from this read
        // and, when it was short, the previous fingerprint.
        let previous = fingerprint
        offset = end
        fingerprint = Array((previous + Array(complete)).suffix(Self.fingerprintBytes))
        remember(lines)
        return lines.map(Self.string)
    }

    mutating func remember(_ lines: [[UInt8]]) {
        lastLines = Array((lastLines + lines).suffix(3))
    }

    static func string(_ bytes: [UInt8]) -> String {
        var b = bytes[...]
        if b.last == UInt8(ascii: "\r") { b = b.dropLast() }
        return String(decoding: b, as: UTF8.self)
    }
}

// MARK: - ndjson / json

/// Rows of JSON objects. A stream (`ndjson`) is de-duplicated against the
/// lines already seen, so an endpoint that always answers with its latest
/// events, or a cursor that repeats the boundary line, never doubles one.
public struct JSONRows: Sendable {
    var seen = Set<Int>()
    var seenOrder: [Int] = []
    var cursor: String?
    static let seenLimit = 50_000

    mutating func request(_ c: LogSourceConfig, now: Int64) -> LogRequest {
        guard let param = c.cursorParam, let cursor, var comps = URLComponents(string: c.http.url) else {
            return LogRequest(url: c.http.url, headers: [("Accept", "application/x-ndjson, application/json")])
        }
        comps.queryItems = (comps.queryItems ?? []) + [URLQueryItem(name: param, value: cursor)]
        return LogRequest(
            url: comps.string ?? c.http.url, headers: [("Accept", "application/x-ndjson, application/json")])
    }

    mutating func consume(_ body: [UInt8], _ c: LogSourceConfig, dedupe: Bool) throws(LogSourceError) -> [LogRecord] {
        var objects: [(Int, [String: Any])] = []
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.first == UInt8(ascii: "[") {
            guard let array = try? JSONSerialization.jsonObject(with: Data(trimmed)) as? [Any] else {
                throw LogSourceError("not a JSON array of objects")
            }
            for (i, item) in array.enumerated() {
                guard let o = item as? [String: Any] else { throw LogSourceError("item \(i + 1) is not a JSON object") }
                objects.append((i, o))
            }
        } else {
            var lineNo = 0
            for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNo += 1
                let l = line.last == 0x0D ? line.dropLast() : line
                if l.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                var h = Hasher()
                l.withUnsafeBytes { h.combine(bytes: $0) }
                let hash = h.finalize()
                guard let o = try? JSONSerialization.jsonObject(with: Data(l)) as? [String: Any] else {
                    throw LogSourceError("line \(lineNo): not a JSON object")
                }
                objects.append((hash, o))
            }
        }
        var out: [LogRecord] = []
        for (hash, o) in objects {
            if dedupe {
                guard seen.insert(hash).inserted else { continue }
                seenOrder.append(hash)
                if seenOrder.count > Self.seenLimit {
                    for old in seenOrder.prefix(seenOrder.count - Self.seenLimit) { seen.remove(old) }
                    seenOrder.removeFirst(seenOrder.count - Self.seenLimit)
                }
            }
            let r = LogJSON.record(o, c)
            if let tf = LogJSON.timeKey(o, c), let raw = o[tf] { cursor = LogJSON.text(raw) }
            out.append(r)
        }
        return out
    }
}

/// Turning JSON objects into records.
enum LogJSON {
    static func text(_ v: Any) -> String {
        switch v {
        case let s as String: return s
        case let n as NSNumber:
            if isBool(n) { return n.boolValue ? "true" : "false" }
            return n.stringValue
        case is NSNull: return ""
        default:
            if let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys]) {
                return String(decoding: d, as: UTF8.self)
            }
            return "\(v)"
        }
    }

    /// JSON's true and false arrive as NSNumbers of type "c".
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    static func timeKey(_ o: [String: Any], _ c: LogSourceConfig) -> String? {
        if let f = c.timeField { return o[f] == nil ? nil : f }
        return ["timestamp", "time", "ts", "@timestamp", "date"].first { o[$0] != nil }
    }

    static func record(_ o: [String: Any], _ c: LogSourceConfig) -> LogRecord {
        var fields: [String: String] = [:]
        for (k, v) in o { fields[k] = text(v) }
        let timeKey = timeKey(o, c)
        let levelKey = c.levelField ?? ["level", "severity", "lvl", "log.level"].first { o[$0] != nil }
        let messageKey = c.messageField ?? ["message", "msg", "log", "line", "event_type"].first { o[$0] != nil }
        let message =
            messageKey.flatMap { fields[$0] }
            ?? fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        let level = levelKey.flatMap { fields[$0] }.flatMap(LogLevel.init(word:)) ?? c.level(of: message)
        return LogRecord(
            timeMs: timeKey.flatMap { o[$0] }.flatMap(time), level: level, message: message, fields: fields)
    }

    nonisolated(unsafe) static let iso: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
    nonisolated(unsafe) static let isoPlain = ISO8601DateFormatter()

    /// An ISO 8601 time, or a number in seconds, milliseconds, micro- or
    /// nanoseconds since the epoch (told apart by size).
    static func time(_ v: Any) -> Int64? {
        if let n = v as? NSNumber, !isBool(n) { return number(n.doubleValue) }
        guard let s = v as? String else { return nil }
        if let d = Double(s) { return number(d) }
        if let d = iso.date(from: s) ?? isoPlain.date(from: s) { return Int64(d.timeIntervalSince1970 * 1000) }
        return nil
    }

    static func number(_ d: Double) -> Int64? {
        guard d.isFinite, d > 0 else { return nil }
        // Int64(exactly:) rather than Int64(): a hostile 1e300 is no time,
        // not a trap.
        if d > 1e17 { return Int64(exactly: (d / 1e6).rounded(.towardZero)) }
        if d > 1e14 { return Int64(exactly: (d / 1e3).rounded(.towardZero)) }
        if d > 1e11 { return Int64(exactly: d.rounded(.towardZero)) }
        return Int64(exactly: (d * 1000).rounded(.towardZero))
    }
}

// MARK: - Loki

/// `GET /loki/api/v1/query_range` with `direction=forward`: the cursor is
/// the newest nanosecond timestamp seen, sent as the (inclusive) `start`
/// of the next request; entries at exactly that timestamp that were
/// already seen are dropped, as Loki's documentation advises for paging.
public struct LokiCursor: Sendable {
    var startNs: Int64?
    /// Entries seen at `startNs`: stream labels, timestamp and line.
    var boundary = Set<String>()
    /// More entries share one timestamp than a page holds: the next page
    /// asks for this many times the limit, or paging would never get past
    /// them.
    var widen = 1

    mutating func request(_ c: LogSourceConfig, now: Int64) -> LogRequest {
        let start = startNs ?? (now - c.since.milliseconds) * 1_000_000
        var comps = URLComponents(string: c.http.url.hasSuffix("/") ? String(c.http.url.dropLast()) : c.http.url)
        comps?.path += "/loki/api/v1/query_range"
        comps?.queryItems = [
            URLQueryItem(name: "query", value: c.query ?? "{}"), URLQueryItem(name: "start", value: "\(start)"),
            URLQueryItem(name: "end", value: "\((now + 1000) * 1_000_000)"),
            URLQueryItem(name: "limit", value: "\(c.limit * widen)"),
            URLQueryItem(name: "direction", value: "forward"),
        ]
        // '+' is a space to many query parsers: LogQL uses it in regexes.
        let url = (comps?.url?.absoluteString ?? c.http.url).replacingOccurrences(of: "+", with: "%2B")
        return LogRequest(url: url)
    }

    mutating func consume(_ body: [UInt8], _ c: LogSourceConfig) throws(LogSourceError) -> (LogUpdate, Bool) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw LogSourceError("Loki: the answer is not JSON")
        }
        guard (root["status"] as? String) == "success", let data = root["data"] as? [String: Any] else {
            let err = (root["error"] as? String) ?? (root["message"] as? String) ?? "status is not success"
            throw LogSourceError("Loki: \(err)")
        }
        guard (data["resultType"] as? String) == "streams", let result = data["result"] as? [[String: Any]] else {
            throw LogSourceError("Loki: expected resultType streams (a log query, not a metric query)")
        }
        var entries: [(ns: Int64, key: String, record: LogRecord)] = []
        for stream in result {
            let labels = (stream["stream"] as? [String: Any] ?? [:]).mapValues(LogJSON.text)
            let labelKey = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            for v in stream["values"] as? [[Any]] ?? [] {
                guard v.count >= 2, let tsText = v[0] as? String, let ns = Int64(tsText), let line = v[1] as? String
                else { throw LogSourceError("Loki: a value is not [\"<ns>\", \"<line>\"]") }
                var fields = labels
                if v.count > 2, let meta = v[2] as? [String: Any] { for (k, x) in meta { fields[k] = LogJSON.text(x) } }
                let level = fields["level"].flatMap(LogLevel.init(word:)) ?? c.level(of: line)
                entries.append(
                    (
                        ns, "\(ns)|\(labelKey)|\(line)",
                        LogRecord(timeMs: ns / 1_000_000, level: level, message: line, fields: fields)
                    ))
            }
        }
        let returned = entries.count
        entries.sort { $0.ns < $1.ns }
        var out: [LogRecord] = []
        for e in entries {
            if let s = startNs, e.ns < s || (e.ns == s && boundary.contains(e.key)) { continue }
            if e.ns != startNs {
                startNs = e.ns
                boundary = []
            }
            boundary.insert(e.key)
            out.append(e.record)
        }
        // A full page: more may be waiting after it. A full page of
        // entries already seen (all at the boundary) asks for a bigger one.
        let full = returned >= c.limit * widen
        if full && out.isEmpty && widen < 64 {
            widen *= 2
            return (.append(out), true)
        }
        widen = 1
        return (.append(out), full && !out.isEmpty)
    }
}

// MARK: - Elasticsearch

/// `POST /<index>/_search` sorted ascending on the time field, paged with
/// `search_after` (the last hit's sort values), as Elasticsearch
/// documents it. With a unique tiebreaker field the sort is exact; without
/// one, the next search starts at the last timestamp itself and the hits
/// already seen there (by `_id`) are dropped.
public struct ElasticCursor: Sendable {
    /// The last hit's sort values as JSON (numbers stay numbers).
    var lastSort: Data?
    var lastTime: Int64?
    var idsAtLast = Set<String>()
    /// As for Loki: a full page of hits already seen asks for a bigger one.
    var widen = 1

    mutating func request(_ c: LogSourceConfig, now: Int64) -> LogRequest {
        let tf = c.timeField ?? "@timestamp"
        var sort: [Any] = [[tf: ["order": "asc", "format": "epoch_millis"]]]
        if let tb = c.tiebreaker { sort.append([tb: "asc"]) }
        var filter: [Any] = [
            ["range": [tf: ["gte": "\(now - c.since.milliseconds)", "format": "epoch_millis"]]]
        ]
        if let q = c.query { filter.append(["query_string": ["query": q]]) }
        var body: [String: Any] = ["size": c.limit * widen, "sort": sort, "query": ["bool": ["filter": filter]]]
        if c.tiebreaker != nil, let s = lastSort, let values = try? JSONSerialization.jsonObject(with: s) {
            body["search_after"] = values
        } else if let t = lastTime {
            body["search_after"] = [t - 1]
        }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        let base = c.http.url.hasSuffix("/") ? String(c.http.url.dropLast()) : c.http.url
        return LogRequest(
            url: base + "/" + (c.index ?? "_all") + "/_search", headers: [("Content-Type", "application/json")],
            body: Array(data))
    }

    mutating func consume(_ body: [UInt8], _ c: LogSourceConfig) throws(LogSourceError) -> (LogUpdate, Bool) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw LogSourceError("Elasticsearch: the answer is not JSON")
        }
        if let err = root["error"] {
            let reason = ((err as? [String: Any])?["reason"] as? String) ?? LogJSON.text(err)
            throw LogSourceError("Elasticsearch: \(reason)")
        }
        guard let hits = (root["hits"] as? [String: Any])?["hits"] as? [[String: Any]] else {
            throw LogSourceError("Elasticsearch: no hits.hits in the answer")
        }
        var out: [LogRecord] = []
        for hit in hits {
            let source = hit["_source"] as? [String: Any] ?? [:]
            let rawSort = hit["sort"] as? [Any] ?? []
            let sortValues = rawSort.map(LogJSON.text)
            let id = (hit["_id"] as? String) ?? ""
            let t = sortValues.first.flatMap { Int64($0) } ?? LogJSON.time(source[c.timeField ?? "@timestamp"] ?? "")
            if c.tiebreaker == nil, let t, t == lastTime, idsAtLast.contains(id) { continue }
            if let t, t != lastTime {
                lastTime = t
                idsAtLast = []
            }
            idsAtLast.insert(id)
            lastSort = try? JSONSerialization.data(withJSONObject: rawSort)
            var r = LogJSON.record(source, c)
            if r.timeMs == nil { r.timeMs = t }
            r.fields["_id"] = id
            out.append(r)
        }
        let full = hits.count >= c.limit * widen
        if full && out.isEmpty && widen < 64 {
            widen *= 2
            return (.append(out), true)
        }
        widen = 1
        return (.append(out), full && !out.isEmpty)
    }
}
