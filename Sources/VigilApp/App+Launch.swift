import VigilCore
import VigilUI

/// A promotion waiting for the automated checklist items to run again.
struct PendingDecision: Sendable {
    var action: LaunchDecision.Action
    var reason: String
    var by: String
    var askedAt: Int64
}

/// The launch: its checks measured with every evaluation, the checklist's
/// automated items run on their schedules, and the operator's decisions
/// judged and journalled. Keys and `vigil launch` both come here.
extension App {
    var plan: LaunchPlan { config.launch }

    /// The current phase's checks and the checklist's PromQL items, for
    /// the engine (the server's are asked in `askServerForLaunch`).
    func launchQueries() -> [String: QueryExpr] {
        var queries: [String: QueryExpr] = [:]
        if let phase = currentPhase {
            for c in phase.checks where !onServer(c) { if let e = c.expr { queries["launch:" + c.name] = e } }
        }
        if !serverOnly {
            for item in plan.checklist { if case .query(_, let e) = item.kind { queries["checklist:" + item.id] = e } }
        }
        return queries
    }

    /// A check the Prometheus server answers: its metric is remote, or
    /// nothing is scraped here.
    func onServer(_ c: GateCheck) -> Bool {
        guard prometheus != nil else { return false }
        if case .metric(let id) = c.source, let m = config.metric(id) { return m.remote }
        return serverOnly
    }

    /// The traffic share the launch asks for now: the current phase's, all
    /// of it once complete, nil before the start or after a full roll back.
    public var launchTraffic: Double? {
        if let p = currentPhase { return p.traffic }
        return alerts.launch.completedAt != nil && alerts.launch.current == nil ? 100 : nil
    }

    var currentPhase: LaunchPhase? { alerts.launch.currentIndex(in: plan).map { plan.phases[$0] } }

    mutating func askServerForLaunch(now: Int64) {
        guard askServer, let phase = currentPhase else { return }
        for c in phase.checks where onServer(c) && c.expr != nil {
            prometheus?.instant(key: "launch:" + c.name, query: c.query, atMs: now)
        }
    }

    /// Measures the current phase's checks that are due, and runs the
    /// checklist's PromQL items that are due, from an evaluation's answers.
    mutating func measureLaunch(now: Int64, answers: [String: [Labels: Double]], errors: [String: String]) {
        guard dataSince != nil || serverOnly else { return }
        if let phase = currentPhase, let entered = alerts.launch.enteredAt {
            // A new phase starts its checks from nothing.
            if trackedPhase != phase.name || trackedSince != entered {
                launchTracks = [:]
                trackedPhase = phase.name
                trackedSince = entered
            }
            let down = targetStatus.filter { $0.up == false }
            for c in phase.checks {
                var track = launchTracks[c.name] ?? CheckTrack()
                guard track.due(c, now: now) else { continue }
                track.add(measure(c, answers: answers, errors: errors, down: down), check: c, at: now)
                launchTracks[c.name] = track
            }
        }
        for item in plan.checklist {
            guard case .query = item.kind else { continue }
            let forced = pending.map { (checklistRuns[item.id] ?? .min) < $0.askedAt } ?? false
            let due = checklistRuns[item.id].map { now - $0 >= item.everyMs } ?? true
            guard forced || due else { continue }
            let key = "checklist:" + item.id
            let result: (Bool, String)
            if let e = errors[key] {
                result = (false, "query error: " + e)
            } else if let values = answers[key], !values.isEmpty {
                let failing = values.values.filter { $0 == 0 || $0.isNaN }.count
                result = (
                    failing == 0,
                    failing == 0 ? "\(values.count) series non-zero" : "\(failing) of \(values.count) series 0"
                )
            } else if serverOnly {
                continue
            } else {
                result = (false, "no data")
            }
            checklistRuns[item.id] = now
            recordAutomated(item.id, passed: result.0, detail: result.1, now: now)
        }
    }

    func measure(_ c: GateCheck, answers: [String: [Labels: Double]], errors: [String: String], down: [TargetStatus])
        -> Measured
    {
        if case .objective(let id) = c.source {
            guard let f = objectiveFigures.first(where: { $0.id == id }) else { return .noData }
            if let p = f.problem, f.burn1h == nil { return .error(p) }
            return f.burn1h.map(Measured.value) ?? .noData
        }
        // A target down: whatever the query still returns is partial, and
        // a launch is never promoted on a partial picture.
        if let t = down.first, !onServer(c) {
            return .down(t.name + ": " + (t.lastError ?? "down"))
        }
        let key = "launch:" + c.name
        var values: [Double]
        if onServer(c) {
            guard let answer = prometheus?.instants[key] else { return .noData }
            if let e = answer.error { return .error(e) }
            values = answer.rows.map(\.value)
        } else {
            if let e = errors[key] { return .error(e) }
            values = answers[key].map { Array($0.values) } ?? []
        }
        values = values.filter { !$0.isNaN }
        guard !values.isEmpty else { return .noData }
        // The worst series decides: one bad instance is a bad phase.
        return .value(c.threshold.higherIsWorse ? values.max()! : values.min()!)
    }

    /// Takes the HTTP probes' answers: each changed result is journalled.
    mutating func takeProbeResults(now: Int64) {
        for r in probes.takeResults() {
            checklistRuns[r.item] = r.atMs
            recordAutomated(r.item, passed: r.passed, detail: r.detail, now: now)
        }
    }

    /// An automated item's result goes to the journal when it differs from
    /// the last mark (a pass every minute is not news; a change is).
    mutating func recordAutomated(_ id: String, passed: Bool, detail: String, now: Int64) {
        let result: ChecklistMark.Result = passed ? .pass : .fail
        if let last = alerts.launch.marks[id]?.last?.mark {
            // A person's skip stands: the item is not this launch's to judge.
            if last.result == .skip && !last.automated { return }
            if last.result == result && last.automated { return }
        }
        alerts.write(
            .checklist(ChecklistMark(item: id, result: result, by: "vigil", note: detail, automated: true)), at: now)
        dirty = true
    }

    /// Every check of the current phase measured once, and every automated
    /// checklist item run once (what `--once` and `vigil launch` wait for).
    public var launchMeasured: Bool {
        // A value, not a grey result: a first scrape has no rate yet.
        let checks =
            currentPhase.map { p in
                p.checks.allSatisfy {
                    if case .value? = launchTracks[$0.name]?.last { return true }
                    return false
                }
            } ?? true
        // In server mode PromQL items are not run (nothing is scraped here).
        let automated = plan.checklist.filter { item in
            if case .query = item.kind { return !serverOnly }
            return item.automated
        }
        return checks && automated.allSatisfy { checklistRuns[$0.id] != nil }
    }

    /// A start or promotion waits for the automated checklist items.
    public var launchPending: Bool { pending != nil }

    /// The current phase judged now (nil before the start or after the end).
    public func gateStatus(now: Int64) -> GateStatus? {
        guard let phase = currentPhase, let entered = alerts.launch.enteredAt else { return nil }
        let tracks = trackedPhase == phase.name && trackedSince == entered ? launchTracks : [:]
        return GateStatus.judge(phase, enteredAt: entered, tracks: tracks, now: now)
    }

    public func checklistStatus(now: Int64) -> [ChecklistStatus] {
        alerts.launch.checklist(plan, lastRuns: checklistRuns, now: now)
    }

    /// Asks for a launch decision. Hold and roll back are written at once;
    /// a start, promotion or override first runs the automated checklist
    /// items again (a promotion is judged on fresh results) and is decided
    /// when they are back, or after 15 seconds with what is there. Returns
    /// what the status line says.
    @discardableResult
    public mutating func requestLaunch(_ action: LaunchDecision.Action, reason: String, now: Int64) -> String {
        let by = options.identity
        if action == .hold || action == .rollback || !plan.checklist.contains(where: \.automated) {
            return decideLaunch(action, reason: reason, by: by, now: now)
        }
        if let p = pending { return "a \(p.action.rawValue) is already waiting for the checklist" }
        // Refuse at once what no re-run can change.
        do {
            _ = try alerts.launch.decide(
                action, plan: plan, gate: nil, checklistFailed: [], by: by, reason: reason)
        } catch {
            return error.message
        }
        pending = PendingDecision(action: action, reason: reason, by: by, askedAt: now)
        probes.pollNow()
        lastEvaluation = 0
        return "running the automated checklist items again before the \(action.rawValue)…"
    }

    /// Decides a waiting promotion once the automated items ran again.
    mutating func settlePending(now: Int64) {
        guard let p = pending else { return }
        let automated = plan.checklist.filter(\.automated)
        let fresh = automated.allSatisfy { (checklistRuns[$0.id] ?? .min) >= p.askedAt }
        guard fresh || now - p.askedAt >= 15_000 else { return }
        pending = nil
        var message = decideLaunch(p.action, reason: p.reason, by: p.by, now: now)
        if !fresh { message += " (some automated items did not answer in 15 s)" }
        state.message = message
        dirty = true
    }

    /// Judges and journals a decision now; returns what happened.
    mutating func decideLaunch(_ action: LaunchDecision.Action, reason: String, by: String, now: Int64) -> String {
        if let ro = alerts.readOnlyReason { return "not recorded: \(ro)" }
        let failed = checklistStatus(now: now).filter { $0.state == .fail }.map(\.item.id)
        do {
            let d = try alerts.launch.decide(
                action, plan: plan, gate: gateStatus(now: now), checklistFailed: failed, by: by, reason: reason)
            alerts.write(.launch(d), at: now)
            dirty = true
            lastEvaluation = 0
            switch d.action {
            case .hold: return "holding \(d.from ?? "")"
            case .rollback: return "rolled back from \(d.from ?? "") to \(d.to ?? "no traffic")"
            default: return d.to.map { "entered \($0)" } ?? "the launch is complete"
            }
        } catch {
            return error.message
        }
    }

    /// A person's checklist tick; returns what the status line says.
    @discardableResult
    public mutating func tickChecklist(_ id: String, _ result: ChecklistMark.Result, note: String, now: Int64) -> String
    {
        if let ro = alerts.readOnlyReason { return "not recorded: \(ro)" }
        do {
            let m = try alerts.launch.tick(id, result, plan: plan, by: options.identity, note: note, now: now)
            alerts.write(.checklist(m), at: now)
            dirty = true
            return "\(id): \(result == .pass ? "passed" : result == .fail ? "failed" : "skipped")"
        } catch {
            return error.message
        }
    }

    /// What the Launch and Checklist screens draw.
    func launchModel(now: Int64) -> LaunchModel? {
        guard !plan.phases.isEmpty || !plan.checklist.isEmpty else { return nil }
        var m = LaunchModel(plan: plan, book: alerts.launch, now: now)
        m.gate = gateStatus(now: now)
        m.checklist = checklistStatus(now: now)
        m.waiting = pending.map { "\($0.action.rawValue) waiting for the automated checklist items" }
        let since = alerts.launch.enteredAt ?? .max
        // Every alert active now, and which of them began in this phase.
        m.alerts = alertsModel.rows.filter { $0.state == .firing || $0.state == .pending }.map {
            "\($0.state == .firing ? "FIRING" : "pending") \($0.severity) \($0.title) since \(TimeText.clock($0.sinceMs))"
                + ($0.sinceMs >= since ? " (in this phase)" : "")
        }
        return m
    }
}
