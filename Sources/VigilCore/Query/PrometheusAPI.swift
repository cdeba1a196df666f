import Foundation

/// A Prometheus HTTP API answer (`/api/v1/query`, `/api/v1/query_range`),
/// as Prometheus, Thanos, Mimir and VictoriaMetrics give it.
public enum PromAPIData: Sendable, Equatable {
    case vector([QueryResultRow])
    case matrix([SeriesPoints])
    case scalar(Double, timeMs: Int64)
}

public struct PromAPIResponse: Sendable {
    public var data: PromAPIData
    /// The server's warnings (partial responses, dropped series …).
    public var warnings: [String]
}

public struct PromAPIError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

extension SeriesPoints: Equatable {
    public static func == (a: SeriesPoints, b: SeriesPoints) -> Bool { a.labels == b.labels && a.points == b.points }
}

public enum PrometheusAPI {
    /// `base` + `/api/v1/query?query=…&time=…`.
    public static func instantURL(base: String, query: String, atMs: Int64) -> String {
        url(base, "/api/v1/query", [("query", query), ("time", seconds(atMs))])
    }

    /// `base` + `/api/v1/query_range?query=…&start=…&end=…&step=…`.
    public static func rangeURL(base: String, query: String, startMs: Int64, endMs: Int64, stepMs: Int64) -> String {
        url(
            base, "/api/v1/query_range",
            [("query", query), ("start", seconds(startMs)), ("end", seconds(endMs)), ("step", seconds(stepMs))])
    }

    static func seconds(_ ms: Int64) -> String { String(format: "%.3f", Double(ms) / 1000) }

    static func url(_ base: String, _ path: String, _ items: [(String, String)]) -> String {
        var c = URLComponents(string: base.hasSuffix("/") ? String(base.dropLast()) : base) ?? URLComponents()
        c.path += path
        c.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        // '+' reads as a space to Prometheus' form parser: PromQL uses it.
        return (c.url?.absoluteString ?? base).replacingOccurrences(of: "+", with: "%2B")
    }

    /// The reason of an error message without what the operator already
    /// knows: VictoriaMetrics writes `error when executing query="Q" for
    /// (time=…, step=…): cannot evaluate "Q": REASON`, and a panel
    /// that cuts the line would show only the query.
    static func errorWords(_ message: String) -> String {
        var rest = Substring(message)
        if rest.hasPrefix("error when executing query="), let r = rest.range(of: ", step=") {
            rest = rest[r.upperBound...]
            if let close = rest.range(of: "): ") { rest = rest[close.upperBound...] }
        }
        // The query is quoted with its own quotes escaped: the first
        // unescaped quote ends it.
        if rest.hasPrefix("cannot evaluate \"") {
            var i = rest.index(rest.startIndex, offsetBy: 17)
            var escaped = false
            while i < rest.endIndex, escaped || rest[i] != "\"" {
                escaped = !escaped && rest[i] == "\\"
                i = rest.index(after: i)
            }
            if rest[i...].hasPrefix("\": ") { rest = rest[rest.index(i, offsetBy: 3)...] }
        }
        return rest.isEmpty ? message : String(rest)
    }

    /// Parses an answer, successful or not: an error answer (`"status":
    /// "error"`, with any HTTP status) throws the server's own message.
    public static func parse(_ body: [UInt8]) throws(PromAPIError) -> PromAPIResponse {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            throw PromAPIError("not a Prometheus API answer: \(text)")
        }
        let warnings = (root["warnings"] as? [String] ?? []) + (root["infos"] as? [String] ?? [])
        guard (root["status"] as? String) == "success" else {
            // VictoriaMetrics puts the HTTP status in errorType (which the
            // caller already names) and the query itself in the message.
            let type = (root["errorType"] as? String).flatMap { Int($0) == nil ? $0 : nil }
            let message = errorWords(root["error"] as? String ?? "status is not success")
            throw PromAPIError(type.map { "\($0): \(message)" } ?? message)
        }
        guard let data = root["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw PromAPIError("the answer has no data.resultType")
        }
        func labels(_ o: Any?) -> Labels { Labels((o as? [String: String]) ?? [:]) }
        func point(_ v: Any?) throws(PromAPIError) -> Point {
            guard let pair = v as? [Any], pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue,
                let s = pair[1] as? String, let value = parseValue(s)
            else { throw PromAPIError("a sample is not [<time>, \"<value>\"]") }
            guard let ms = QueryTime.milliseconds(fromSeconds: t) else {
                throw PromAPIError("a sample's time is out of range: \(QueryTime.outOfBounds(t))")
            }
            return Point(t: ms, v: value)
        }
        switch type {
        case "vector":
            var rows: [QueryResultRow] = []
            for item in data["result"] as? [[String: Any]] ?? [] {
                let p = try point(item["value"])
                rows.append(QueryResultRow(labels: labels(item["metric"]), value: p.v, timeMs: p.t))
            }
            return PromAPIResponse(data: .vector(rows), warnings: warnings)
        case "matrix":
            var out: [SeriesPoints] = []
            for item in data["result"] as? [[String: Any]] ?? [] {
                var points: [Point] = []
                for v in item["values"] as? [Any] ?? [] { points.append(try point(v)) }
                out.append(SeriesPoints(labels: labels(item["metric"]), points: points))
            }
            return PromAPIResponse(data: .matrix(out), warnings: warnings)
        case "scalar":
            let p = try point(data["result"])
            return PromAPIResponse(data: .scalar(p.v, timeMs: p.t), warnings: warnings)
        default:
            throw PromAPIError("unsupported resultType \(type)")
        }
    }

    /// "1.5", "NaN", "+Inf", "-Inf".
    static func parseValue(_ s: String) -> Double? {
        switch s {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(s)
        }
    }
}
