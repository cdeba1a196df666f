import Foundation

/// A template variable as the picker offers it: what may be chosen and
/// what is chosen now.
public struct DashboardVariable: Sendable, Equatable {
    public var name: String
    /// What the picker shows (Grafana's `label`, else the name).
    public var label: String
    /// custom, constant, interval, textbox or query.
    public var type: String
    /// The values offered (a query variable's saved ones until the store
    /// answers its `label_values`).
    public var options: [String]
    public var includeAll: Bool
    public var multi: Bool
    /// A query variable's query text (`label_values(up, job)`).
    public var query: String
    /// The chosen values; `["$__all"]` for All.
    public var current: [String]

    public init(
        name: String, label: String, type: String, options: [String], includeAll: Bool, multi: Bool, query: String,
        current: [String]
    ) {
        self.name = name
        self.label = label
        self.type = type
        self.options = options
        self.includeAll = includeAll
        self.multi = multi
        self.query = query
        self.current = current
    }

    public static let all = "$__all"

    /// Constants are the dashboard author's; the rest are the operator's.
    public var changeable: Bool { type != "constant" }

    /// The picker's choices in order: All first when offered, then each
    /// value alone.
    public var choices: [[String]] {
        (includeAll || multi ? [[Self.all]] : []) + options.map { [$0] }
    }

    /// `All`, `api`, `api + checkout`.
    public var currentText: String {
        current == [Self.all] || current.isEmpty ? "All" : current.joined(separator: " + ")
    }
}

/// `label_values(metric{…}, label)` or `label_values(label)`: the series
/// whose values of `label` a query variable offers.
public struct LabelValuesQuery: Sendable {
    /// The selector's matchers (empty: every series).
    public var matchers: [LabelMatcher]
    public var label: String
    /// The same question for a Prometheus server: the series' distinct
    /// values of the label (`group by (job) (up)`).
    public var promQL: String

    /// Nil for any other query (Grafana's `query_result`, `metrics`, a
    /// selector that names another variable): the saved options stay.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("label_values("), t.hasSuffix(")"), !t.contains("$") else { return nil }
        let inner = t.dropFirst("label_values(".count).dropLast()
        // The label is after the last comma outside braces and quotes.
        var depth = 0
        var quoted = false
        var split: String.Index?
        var i = inner.startIndex
        while i < inner.endIndex {
            let c = inner[i]
            if c == "\"" { quoted.toggle() }
            if !quoted {
                if c == "{" || c == "(" { depth += 1 }
                if c == "}" || c == ")" { depth -= 1 }
                if c == "," && depth == 0 { split = i }
            }
            i = inner.index(after: i)
        }
        let labelText = split.map { inner[inner.index(after: $0)...] } ?? inner[...]
        label = labelText.trimmingCharacters(in: .whitespaces)
        guard isValidLabelName(label) else { return nil }
        guard let split else {
            matchers = []
            promQL = "group by (\(label)) ({\(label)=~\".+\"})"
            return
        }
        let selector = inner[..<split].trimmingCharacters(in: .whitespaces)
        guard case .selector(let s)? = try? QueryParser.parse(selector) else { return nil }
        matchers = s.matchers
        promQL = "group by (\(label)) (\(selector))"
    }
}

/// An imported Grafana dashboard, kept with its JSON so that a variable
/// chosen on screen imports it again (pure: no file is read then) and its
/// queries, titles and legends follow the new values.
public struct GrafanaSource: Sendable {
    public var path: String
    public var text: String
    public var settings: GrafanaImportSettings
    /// `name:` of the entry, in place of the JSON's title.
    public var name: String?
    /// The dashboards of the configuration it became, in order.
    public var dashboards: [String]
    public var variables: [DashboardVariable]

    public init(
        path: String, text: String, settings: GrafanaImportSettings, name: String?, dashboards: [String],
        variables: [DashboardVariable]
    ) {
        self.path = path
        self.text = text
        self.settings = settings
        self.name = name
        self.dashboards = dashboards
        self.variables = variables
    }

    /// The import with `values` chosen (name → values; `["$__all"]`: All).
    public func reimport(_ values: [String: [String]]) throws(ConfigErrors) -> GrafanaImport {
        var s = settings
        for (k, v) in values { s.vars[k] = v.joined(separator: ",") }
        var g = try GrafanaImporter.parse(text, path: path, settings: s)
        if let name {
            for i in g.dashboards.indices {
                g.dashboards[i].name = name + g.dashboards[i].name.dropFirst(g.title.count)
            }
        }
        return g
    }
}
