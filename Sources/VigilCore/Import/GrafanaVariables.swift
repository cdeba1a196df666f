import Foundation
import Yams

/// A dashboard's template variables and Grafana's built-in ones, and
/// their substitution into titles and queries: `$var`, `${var}`,
/// `${var:format}`, `[[var]]`, multi-value and All.
struct GrafanaVariables {
    struct Value {
        var values: [String]
        var text: String
        /// More than one value is possible (multi or All): PromQL gets a
        /// regex alternative.
        var multi: Bool
    }

    var values: [String: Value] = [:]
    /// The dashboard's own variables in order, for the picker.
    var list: [DashboardVariable] = []
    var used: [(String, String)] = []
    var notes: [String] = []
    var scrapeIntervalMs: Int64 = 15_000
    var rangeMs: Int64 = 300_000

    static func read(_ templating: Node?, reader: ConfigReader, settings: GrafanaImportSettings) -> GrafanaVariables {
        var v = GrafanaVariables()
        v.scrapeIntervalMs = settings.scrapeIntervalMs
        v.rangeMs = settings.rangeMs
        let list = templating?.mapping?["list"]?.sequence.map(Array.init) ?? []
        for item in list {
            guard let name = item.mapping?["name"]?.scalar?.string, !name.isEmpty else { continue }
            let type = item.mapping?["type"]?.scalar?.string ?? "custom"
            let multi = item.mapping?["multi"]?.scalar?.string == "true"
            let includeAll = item.mapping?["includeAll"]?.scalar?.string == "true"
            let allText: String? = item.mapping?["allValue"]?.scalar?.string
            let allValue = allText.flatMap { $0 == "null" || $0.isEmpty ? nil : $0 }
            var options: [String] = (item.mapping?["options"]?.sequence.map(Array.init) ?? []).compactMap {
                $0.mapping?["value"]?.scalar?.string
            }.filter { $0 != "$__all" }
            let query = Self.queryText(item.mapping?["query"])
            if options.isEmpty, type == "custom" || type == "interval" {
                options = query.split(separator: ",").map {
                    // `key : value` in a custom list: the value is after the colon.
                    let part = $0.split(separator: ":", maxSplits: 1)
                    return (part.count == 2 && type == "custom" ? part[1] : part[0]).trimmingCharacters(
                        in: .whitespaces)
                }.filter { !$0.isEmpty }
            }
            var current: [String] = []
            let currentNode = item.mapping?["current"]?.mapping?["value"]
            if let seq = currentNode?.sequence {
                current = seq.compactMap { $0.scalar?.string }
            } else if let s = currentNode?.scalar?.string, s != "null" {
                current = [s]
            }
            if let given = settings.vars[name] {
                current = given.split(separator: ",").map { String($0) }
            }
            switch type {
            case "constant", "textbox":
                if current.isEmpty { current = [query] }
            case "datasource", "adhoc":
                continue
            case "query":
                if settings.vars[name] == nil && current.isEmpty {
                    v.notes.append(
                        "variable \(name): no saved value; All is used until one is chosen (v on screen, or --var \(name)=VALUE)"
                    )
                }
            default:
                break
            }
            if current.isEmpty { current = options.first.map { [$0] } ?? [] }
            var value: Value
            if current == ["$__all"] || (current.isEmpty && includeAll) || (current.isEmpty && type == "query") {
                if let allValue {
                    value = Value(values: [allValue], text: "All", multi: false)
                } else if options.isEmpty {
                    value = Value(values: [".*"], text: "All", multi: false)
                } else {
                    value = Value(values: options, text: "All", multi: true)
                }
            } else {
                value = Value(
                    values: current, text: current.joined(separator: " + "), multi: multi || current.count > 1)
            }
            v.values[name] = value
            if type != "interval" || !options.isEmpty {
                let label = item.mapping?["label"]?.scalar?.string ?? ""
                v.list.append(
                    DashboardVariable(
                        name: name, label: label.isEmpty || label == "null" ? name : label,
                        type: type, options: options, includeAll: includeAll, multi: multi, query: query,
                        current: value.text == "All" ? [DashboardVariable.all] : current))
            }
            v.used.append((name, value.text == "All" ? "All" : current.joined(separator: ",")))
        }
        return v
    }

    static func queryText(_ n: Node?) -> String {
        if let s = n?.scalar?.string { return s == "null" ? "" : s }
        return n?.mapping?["query"]?.scalar?.string ?? ""
    }

    /// Text with every variable replaced; a variable whose value leads
    /// back to itself is an error at `at`.
    /// `title`: text for people (a title, a row), where several values
    /// read `api + checkout` as Grafana shows them, not as a regex.
    func substitute(_ text: String, reader: ConfigReader, at: Node, minIntervalMs: Int64? = nil, title: Bool = false)
        -> String
    {
        var seen: [String] = []
        return substitute(text, reader: reader, at: at, minIntervalMs: minIntervalMs, title: title, seen: &seen)
    }

    private func substitute(
        _ text: String, reader: ConfigReader, at: Node, minIntervalMs: Int64?, title: Bool, seen: inout [String]
    ) -> String {
        guard text.contains("$") || text.contains("[[") else { return text }
        let interval = max(scrapeIntervalMs, minIntervalMs ?? 0)
        // Grafana's: at least four scrapes, and one more than the interval.
        let rateInterval = max(interval + scrapeIntervalMs, 4 * scrapeIntervalMs)
        let builtins: [String: String] = [
            "__interval": PromDuration(milliseconds: interval).description, "__interval_ms": String(interval),
            "__rate_interval": PromDuration(milliseconds: rateInterval).description,
            "__range": PromDuration(milliseconds: rangeMs).description, "__range_s": String(rangeMs / 1000),
            "__range_ms": String(rangeMs),
        ]
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            var name: String?
            var fmt: String?
            var end = i
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{",
                let close = chars[(i + 2)...].firstIndex(of: "}")
            {
                let inner = String(chars[(i + 2)..<close])
                let parts = inner.split(separator: ":", maxSplits: 1).map(String.init)
                name = parts.first
                fmt = parts.count > 1 ? parts[1] : nil
                end = close + 1
            } else if chars[i] == "[", i + 1 < chars.count, chars[i + 1] == "[",
                let close = chars[(i + 2)...].firstIndex(of: "]"), close + 1 < chars.count, chars[close + 1] == "]"
            {
                name = String(chars[(i + 2)..<close])
                end = close + 2
            } else if chars[i] == "$" {
                var j = i + 1
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                if j > i + 1 {
                    name = String(chars[(i + 1)..<j])
                    end = j
                }
            }
            guard let n = name,
                let replacement = builtins[n] ?? values[n].map({ format(n, $0, fmt ?? (title ? "text" : nil)) })
            else {
                out.append(chars[i])
                i += 1
                continue
            }
            if seen.contains(n) {
                reader.error(
                    at, "variable \(Sanitizer.quote(n)) refers to itself (\((seen + [n]).joined(separator: " → ")))")
                return out
            }
            seen.append(n)
            out += substitute(
                replacement, reader: reader, at: at, minIntervalMs: minIntervalMs, title: title, seen: &seen)
            seen.removeLast()
            i = end
        }
        return out
    }

    /// A value as Grafana writes it into a query: one value as it is,
    /// several as a regex alternative, or in the format asked.
    func format(_ name: String, _ v: Value, _ format: String?) -> String {
        switch format {
        case nil:
            guard v.multi, v.values.count > 1 else { return v.values.first ?? "" }
            return "(" + v.values.map { Self.escape($0, backslashes: "\\\\") }.joined(separator: "|") + ")"
        case "raw": return v.values.joined(separator: ",")
        case "regex":
            let escaped = v.values.map { Self.escape($0, backslashes: "\\") }
            return escaped.count == 1 ? escaped[0] : "(" + escaped.joined(separator: "|") + ")"
        case "pipe": return v.values.joined(separator: "|")
        case "csv": return v.values.joined(separator: ",")
        case "json":
            return "["
                + v.values.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",")
                + "]"
        case "text": return v.text
        case "singlequote":
            return v.values.map { "'\($0.replacingOccurrences(of: "'", with: "\\'"))'" }.joined(separator: ",")
        case "doublequote":
            return v.values.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ",")
        case "glob": return v.values.count == 1 ? v.values[0] : "{" + v.values.joined(separator: ",") + "}"
        case "queryparam": return v.values.map { "var-\(name)=\($0)" }.joined(separator: "&")
        default: return v.values.joined(separator: ",")
        }
    }

    /// Regex metacharacters escaped, with `backslashes` before each (two
    /// inside a PromQL string, where one is eaten by the string).
    static func escape(_ s: String, backslashes: String) -> String {
        var out = ""
        for c in s {
            if "\\^$.|?*+()[]{}".contains(c) { out += backslashes }
            out.append(c)
        }
        return out
    }
}
