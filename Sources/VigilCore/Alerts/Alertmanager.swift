import Foundation

/// An alert as Alertmanager's `GET /api/v2/alerts` gives it.
public struct AMAlert: Sendable, Equatable {
    public var fingerprint: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAtMs: Int64?
    /// active, suppressed or unprocessed.
    public var state: String
    public var silencedBy: [String]
    public var inhibitedBy: [String]

    public var name: String { labels["alertname"] ?? fingerprint }

    public init(
        fingerprint: String, labels: [String: String], annotations: [String: String] = [:], startsAtMs: Int64? = nil,
        state: String = "active", silencedBy: [String] = [], inhibitedBy: [String] = []
    ) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.annotations = annotations
        self.startsAtMs = startsAtMs
        self.state = state
        self.silencedBy = silencedBy
        self.inhibitedBy = inhibitedBy
    }
}

/// A silence as `GET /api/v2/silences` gives it.
public struct AMSilence: Sendable, Equatable {
    public struct Matcher: Sendable, Equatable {
        public var name: String
        public var value: String
        public var isRegex: Bool
        public var isEqual: Bool

        public init(name: String, value: String, isRegex: Bool = false, isEqual: Bool = true) {
            self.name = name
            self.value = value
            self.isRegex = isRegex
            self.isEqual = isEqual
        }
    }

    public var id: String
    public var matchers: [Matcher]
    public var startsAtMs: Int64
    public var endsAtMs: Int64
    public var createdBy: String
    public var comment: String
    /// active, pending or expired.
    public var state: String

    public init(
        id: String, matchers: [Matcher], startsAtMs: Int64, endsAtMs: Int64, createdBy: String, comment: String,
        state: String = "active"
    ) {
        self.id = id
        self.matchers = matchers
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.createdBy = createdBy
        self.comment = comment
        self.state = state
    }

    /// Whether the silence's matchers select these labels.
    public func matches(_ labels: [String: String]) -> Bool {
        matchers.allSatisfy { m in
            let v = labels[m.name] ?? ""
            var hit: Bool
            if m.isRegex {
                hit =
                    (try? NSRegularExpression(pattern: "^(?:\(m.value))$")).map {
                        $0.firstMatch(in: v, range: NSRange(v.startIndex..., in: v)) != nil
                    } ?? false
            } else {
                hit = v == m.value
            }
            return m.isEqual ? hit : !hit
        }
    }
}

public struct AlertmanagerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// Alertmanager's API v2: parsing its answers and building the silence
/// that stands for an acknowledgement.
public enum AlertmanagerAPI {
    nonisolated(unsafe) static let iso: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
    nonisolated(unsafe) static let isoPlain = ISO8601DateFormatter()

    static func time(_ v: Any?) -> Int64? {
        guard let s = v as? String, let d = iso.date(from: s) ?? isoPlain.date(from: s) else { return nil }
        return Int64(d.timeIntervalSince1970 * 1000)
    }

    public static func timeString(_ ms: Int64) -> String {
        iso.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func strings(_ v: Any?) -> [String: String] {
        (v as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    public static func alerts(_ body: [UInt8]) throws(AlertmanagerError) -> [AMAlert] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw AlertmanagerError("Alertmanager: /api/v2/alerts did not answer with a JSON array")
        }
        return array.map { a in
            let status = a["status"] as? [String: Any] ?? [:]
            return AMAlert(
                fingerprint: a["fingerprint"] as? String ?? "", labels: strings(a["labels"]),
                annotations: strings(a["annotations"]), startsAtMs: time(a["startsAt"]),
                state: status["state"] as? String ?? "active", silencedBy: status["silencedBy"] as? [String] ?? [],
                inhibitedBy: status["inhibitedBy"] as? [String] ?? [])
        }
    }

    public static func silences(_ body: [UInt8]) throws(AlertmanagerError) -> [AMSilence] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw AlertmanagerError("Alertmanager: /api/v2/silences did not answer with a JSON array")
        }
        return array.map { s in
            let matchers = (s["matchers"] as? [[String: Any]] ?? []).map { m in
                AMSilence.Matcher(
                    name: m["name"] as? String ?? "", value: m["value"] as? String ?? "",
                    isRegex: m["isRegex"] as? Bool ?? false, isEqual: m["isEqual"] as? Bool ?? true)
            }
            return AMSilence(
                id: s["id"] as? String ?? "", matchers: matchers, startsAtMs: time(s["startsAt"]) ?? 0,
                endsAtMs: time(s["endsAt"]) ?? 0, createdBy: s["createdBy"] as? String ?? "",
                comment: s["comment"] as? String ?? "",
                state: (s["status"] as? [String: Any])?["state"] as? String ?? "")
        }
    }

    /// The body of `POST /api/v2/silences` silencing exactly these labels
    /// (every label an equality matcher). With `id`, it updates that
    /// silence (extending it).
    public static func silenceBody(
        labels: [String: String], startsAtMs: Int64, endsAtMs: Int64, createdBy: String, comment: String,
        id: String? = nil
    ) -> [UInt8] {
        var body: [String: Any] = [
            "matchers": labels.sorted { $0.key < $1.key }.map {
                ["name": $0.key, "value": $0.value, "isRegex": false, "isEqual": true]
            },
            "startsAt": timeString(startsAtMs), "endsAt": timeString(endsAtMs), "createdBy": createdBy,
            // Alertmanager refuses an empty comment.
            "comment": comment.isEmpty ? "acknowledged in Vigil" : comment,
        ]
        if let id { body["id"] = id }
        return Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }

    /// `{"silenceID": "…"}` from a POST.
    public static func silenceID(_ body: [UInt8]) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["silenceID"] as? String
    }
}
