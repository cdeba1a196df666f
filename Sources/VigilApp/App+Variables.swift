import VigilCore
import VigilUI

/// Grafana dashboards' variables chosen on screen: the dashboard is
/// imported again from the JSON the configuration kept, and the metrics
/// whose queries changed are evaluated anew.
extension App {
    /// The picker opened: its query variables' `label_values` are asked
    /// of the store (the tag is the source's index and the variable).
    mutating func askVariableValues(_ source: Int, now: Int64) {
        guard source < config.grafana.count else { return }
        for v in config.grafana[source].variables where v.type == "query" {
            guard let q = LabelValuesQuery(v.query) else { continue }
            let tag = "\(source)|\(v.name)"
            work.append(.labelValues(tag, q, now: now))
            // With a server, it is asked too: in server mode the store
            // holds only the scraped series, if any.
            if prometheus != nil {
                prometheus?.instant(key: "variable|" + tag, query: q.promQL, atMs: now)
                askedVariables[tag] = (q.label, now)
            }
        }
    }

    /// The server's answers to the picker's questions, as they come.
    mutating func takeServerLabelValues() {
        for (tag, (label, at)) in askedVariables {
            // An answer to an earlier opening is not this one's.
            guard let answer = prometheus?.instants["variable|" + tag], answer.atMs >= at else { continue }
            askedVariables[tag] = nil
            if let error = answer.error {
                state.message = "label_values from the server: \(error)"
                continue
            }
            takeLabelValues(tag, Set(answer.rows.compactMap { $0.labels[label] }).sorted())
        }
    }

    /// The store's answer to a query variable's `label_values`.
    mutating func takeLabelValues(_ tag: String, _ values: [String]) {
        let parts = tag.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let source = Int(parts[0]), source < state.variables.count, !values.isEmpty else {
            return
        }
        if let i = state.variables[source].firstIndex(where: { $0.name == parts[1] }) {
            state.variables[source][i].options = values
        }
        if let i = config.grafana[source].variables.firstIndex(where: { $0.name == parts[1] }) {
            config.grafana[source].variables[i].options = values
        }
        if state.picker?.source == source { state.picker?.offer(parts[1], values) }
        dirty = true
    }

    /// Values chosen: the metrics and titles of the dashboard as imported
    /// with them. A metric keeps its id (its panel's id and query letter),
    /// so panels, history and the engine's graphs follow it.
    mutating func setVariables(_ source: Int, _ values: [String: [String]], now: Int64) {
        guard source < config.grafana.count else { return }
        let g: GrafanaImport
        do {
            g = try config.grafana[source].reimport(values)
        } catch {
            // The picker showed the new values: they go back to those in force.
            state.variables[source] = config.grafana[source].variables
            state.message = "variables not applied: \(error.errors.first?.message ?? "the import failed")"
            return
        }
        config.grafana[source].variables = state.variables[source]
        let imported = Dictionary(g.metrics.map { ($0.id, $0) }) { a, _ in a }
        var changed: [MetricDefinition] = []
        var known = Set<String>()
        for i in config.metrics.indices {
            guard var m = imported[config.metrics[i].id] else { continue }
            known.insert(m.id)
            m.remote = config.metrics[i].remote
            guard m.queryText != config.metrics[i].queryText || m.name != config.metrics[i].name else { continue }
            config.metrics[i] = m
            changed.append(m)
        }
        // Copies of a repeated panel that the new values add: new metrics,
        // the server's when it is the only source (as the resolver says).
        let remote = config.prometheus != nil && config.targets.isEmpty
        for var m in g.metrics where !known.contains(m.id) {
            m.remote = remote
            config.metrics.append(m)
            changed.append(m)
        }
        // Titles, and the rows' names (`Details for $service`); a
        // dashboard whose repeated panels changed in number is laid out anew.
        for (k, (name, spec)) in zip(config.grafana[source].dashboards, g.dashboards).enumerated() {
            guard let d = config.dashboards.firstIndex(where: { $0.name == name }) else { continue }
            if spec.panels.count == config.dashboards[d].panels.count {
                for (j, p) in spec.panels.enumerated() { config.dashboards[d].panels[j].title = p.panel.title }
            } else {
                config.dashboards[d].panels = spec.panels.map { ps in
                    var p = ps.panel
                    p.metrics = ps.metrics.map(\.value)
                    p.source = ps.source?.value
                    return p
                }
                state.relayout(d, config.dashboards[d])
            }
            let taken = config.dashboards.indices.contains { $0 != d && config.dashboards[$0].name == spec.name }
            guard !taken else { continue }
            config.dashboards[d].name = spec.name
            config.grafana[source].dashboards[k] = spec.name
            state.dashboardNames[d] = spec.name
        }
        screens.config = config
        let local = changed.filter { !$0.remote }
        if !local.isEmpty { work.append(.requery(local)) }
        // The server's answers for the old queries are dropped, so that
        // a graph's range is asked again though its window did not move.
        for m in changed where m.remote {
            prometheus?.forget("i:" + m.id)
            prometheus?.forget("r:" + m.id)
        }
        if prometheus != nil {
            askServerForVisibleMetrics(now: now)
            askServerForRanges(now: now)
        }
        // Evaluated at once: the panels show the new values, not the old.
        lastEvaluation = 0
        lastServerRequest = 0
        dirty = true
    }
}
