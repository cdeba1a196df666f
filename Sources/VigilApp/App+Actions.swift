import VigilCore
import VigilUI

extension App {
    /// Rebuilds what the alert screens show, and the lists keys act on.
    mutating func refreshAlertsModel(now: Int64) {
        var m = AlertsModel(engine: alerts.engine, config: config, now: now)
        m.incidents = alerts.incidents.all
        m.readOnly = alerts.readOnlyReason
        m.warnings = alerts.warnings
        m.ruleErrors = alerts.ruleErrors
        // A rule file's rule Vigil left out is said with the rules that fail.
        for p in config.alerts.ruleFileProblems {
            m.ruleErrors["file \(p.file.split(separator: "/").last.map(String.init) ?? p.file):\(p.line):\(p.column)"] =
                "left out: " + p.message
        }
        m.warmingUp = warmingUp
        m.resolved = alerts.recentlyResolved(since: now - AlertsModel.resolvedWindowMs)
        if let am = alertmanager {
            m.addAlertmanager(am.alerts, silences: am.silences, config: config)
            m.alertmanagerError = am.lastError ?? am.pushError
        }
        if state.screen == .incidents && state.incidents.open, state.incidents.selected < m.incidents.count {
            m.history = alerts.history(of: m.incidents[state.incidents.selected].id, now: now)
        }
        alertsModel = m
        refreshNotifyStatus()
        state.updateLists(
            alerts: m.rows.map(\.key),
            titles: Dictionary(m.rows.map { ($0.key, $0.title) }, uniquingKeysWith: { a, _ in a }),
            urgent: alerts.engine.needingAttention(at: now).map(\.key),
            incidents: m.incidents.map { ($0.id, $0.status) })
        refreshDeliveries(now: now)
    }

    /// Carries out an operator's action on alerts or incidents: Vigil's
    /// own alerts in the journal, Alertmanager's as silences.
    mutating func perform(_ effect: Effect, now: Int64) {
        if performOnAlertmanager(effect, now: now) { return }
        switch effect {
        case .acknowledge(let key, let note):
            let done = alerts.acknowledge(key, note: note, at: now)
            state.message = done ? "acknowledged \(AlertsModel.title(key))" : "\(AlertsModel.title(key)) is not firing"
            if done, let ack = alerts.engine.alerts[key]?.acknowledgement {
                queueNotifications([.acknowledged(key, ack)], now: now)
            }
            state.unseen.remove(key)
        case .unacknowledge(let key):
            // `u` takes back what is on the alert: its acknowledgement, or
            // else its silence.
            if alerts.unacknowledge(key, at: now) {
                state.message = "acknowledgement removed"
            } else if alerts.liftSilence(key, at: now) {
                state.message = "silence lifted"
            } else {
                state.message = "\(AlertsModel.title(key)) is neither acknowledged nor silenced"
            }
        case .silence(let key, let d, let note):
            state.message =
                alerts.silence(key, for: d, note: note, at: now)
                ? "silenced for \(d)" : "\(AlertsModel.title(key)) is not firing"
        case .openIncident(let key):
            let opened = alerts.incidents.all.count
            if let id = alerts.openIncident(from: key, at: now) {
                // A new incident's post-mortem wants the metric from before
                // the alert went pending: the engine reads it from the store.
                if alerts.incidents.all.count > opened, let (rule, from) = alerts.historyBefore(key) {
                    work.append(.alertHistory(rule, key, from: from, to: now))
                }
                refreshAlertsModel(now: now)
                state.showIncident(id)
                state.message = "incident \(id)"
            } else {
                state.message = "no such alert"
            }
        case .editIncident(let id, let text):
            do {
                let edit = try alerts.editIncident(id, text, at: now)
                state.message = "\(id): \(Self.said(edit))"
            } catch {
                state.message = "not set: \(error)"
            }
        case .joinIncident(let key, let id):
            state.message =
                alerts.join(key, to: id, at: now)
                ? "\(key.rule) joined \(id)" : "not joined: no incident \(id), or it has the alert already"
        case .updateIncident(let id, let status, let note):
            let firing = status == .resolved ? alerts.firingAlert(of: id) : nil
            let done = alerts.updateIncident(id, status: status, note: note, at: now)
            state.message =
                !done ? "no change" : firing.map { "\(id) resolved, but \($0.rule) is still firing" } ?? "\(id) updated"
        case .launch(let action, let reason):
            state.message = requestLaunch(action, reason: reason, now: now)
            makeSnapshot(now: now)
            return
        case .checklist(let item, let result, let note):
            state.message = tickChecklist(item, result, note: note, now: now)
            makeSnapshot(now: now)
            return
        case .rerunChecklist:
            probes.pollNow()
            checklistRuns = [:]
            lastEvaluation = 0
            state.message = "running the automated checklist items…"
            return
        default:
            return
        }
        if let ro = alerts.readOnlyReason { state.message = "NOT SAVED: \(ro)" }
        refreshAlertsModel(now: now)
    }

    /// Acknowledging an Alertmanager alert is a silence the whole team
    /// sees. True when the effect was about an Alertmanager alert.
    mutating func performOnAlertmanager(_ effect: Effect, now: Int64) -> Bool {
        guard let am = alertmanager else { return false }
        func fromAlertmanager(_ key: AlertKey) -> Bool { key.rule.hasPrefix("alertmanager/") }
        switch effect {
        case .acknowledge(let key, let note):
            guard let a = am.alert(for: key) else { return fromAlertmanager(key) }
            alertmanager?.acknowledge(labels: a.labels, note: note, now: now)
            state.message = "silencing \(a.name) in Alertmanager for \(am.config.silenceDuration)…"
        case .unacknowledge(let key):
            guard let a = am.alert(for: key) else { return fromAlertmanager(key) }
            let n = alertmanager?.unacknowledge(a) ?? 0
            state.message =
                n == 0
                ? "no acknowledgement silence for \(a.name) (broader silences stay)"
                : "expiring \(n) silence\(n == 1 ? "" : "s")…"
        case .silence(let key, let d, let note):
            guard let a = am.alert(for: key) else { return fromAlertmanager(key) }
            alertmanager?.acknowledge(
                labels: a.labels, note: note.isEmpty ? "silenced in Vigil for \(d)" : note, duration: d, now: now)
        case .openIncident(let key):
            guard fromAlertmanager(key) else { return false }
            state.message = "incidents are opened from Vigil's own rules; acknowledge this one (a)"
        default:
            return false
        }
        return true
    }
}

extension App {
    /// An incident edit as the status line confirms it.
    static func said(_ edit: IncidentEdit) -> String {
        switch edit {
        case .assignee(let a): return "assignee \(a)"
        case .severity(let s): return "severity \(s)"
        case .services(let s): return "services \(s.joined(separator: ", "))"
        case .section(let f, _): return "\(f.rawValue) written"
        }
    }
}
