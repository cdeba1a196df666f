/// Which journal records a snapshot keeps: those that a replay needs to
/// rebuild what Vigil shows and reports, and nothing else. Alerts flap
/// and post-mortem samples arrive every minute, so a journal grows by
/// records that stop mattering once their episode is over; an incident
/// and every decision about it matters for good.
///
/// Kept:
/// - every incident record (reports, post-mortems, `vigil incidents`);
/// - every launch decision and checklist mark (`vigil launch report`);
/// - every notification still pending (the next Vigil sends it), and the
///   finished ones of the last seven days (`vigil notify outbox`);
/// - an incident's alerts' records inside its post-mortem window (from the
///   episode's start, at least an hour before it opened, to its end);
/// - an active alert's records since its episode began (pending), which
///   hold its acknowledgement, silence and escalation;
/// - the last transition of an alert that is over, and a silence still in
///   force (an operator may silence an alert that is not firing);
/// - records of kinds this build does not know (a newer Vigil's).
public enum JournalCompaction {
    /// How long a finished notification's records outlive it.
    public static let notificationsKeptMs: Int64 = 7 * 86_400_000

    /// The records of `prefix` (the part being folded into the snapshot,
    /// in journal order) to keep, judged against all of `records`
    /// (`prefix` followed by what stays in the tail): an incident opened
    /// in the tail can still need an older alert's records.
    public static func keep(_ records: [JournalRecord], prefix: Int, nowMs: Int64) -> [JournalRecord] {
        let windows = incidentWindows(records)
        var lastTransition: [AlertKey: Int] = [:]
        var episodeStart: [AlertKey: Int] = [:]
        var silence: [AlertKey: Int] = [:]
        for (i, r) in records.enumerated() {
            guard let event = r.event else { continue }
            switch event {
            case .transition(let k, _, let to, _, _):
                lastTransition[k] = i
                if to == .pending { episodeStart[k] = i }
            case .silenced(let k, _, let until, _, _):
                silence[k] = until > nowMs ? i : nil
            case .silenceExpired(let k, _), .silenceLifted(let k, _, _):
                silence[k] = nil
            default: break
            }
        }
        // The index from which each active alert's records are kept.
        var activeFrom: [AlertKey: Int] = [:]
        for (k, i) in lastTransition {
            guard case .transition(_, _, let to, _, _)? = records[i].event else { continue }
            if to == .pending || to == .firing { activeFrom[k] = episodeStart[k] ?? i }
        }
        // Notifications finished (delivered or failed) over a week ago.
        var finishedLongAgo = Set<String>()
        for r in records {
            if case .notifyResult(let res) = r.entry, nowMs - r.t > notificationsKeptMs {
                finishedLongAgo.insert(res.id)
            }
        }
        var kept: [JournalRecord] = []
        for (i, r) in records[..<min(prefix, records.count)].enumerated() {
            switch r.entry {
            case .notifyQueued(let n) where finishedLongAgo.contains(n.id): continue
            case .notifyResult(let res) where finishedLongAgo.contains(res.id): continue
            default: break
            }
            guard let k = r.key else {
                // Incident, launch and checklist records, and kinds a
                // newer Vigil wrote.
                kept.append(r)
                continue
            }
            if case .incidentOpened = r.entry {
                kept.append(r)
            } else if let from = activeFrom[k], i >= from {
                kept.append(r)
            } else if lastTransition[k] == i || silence[k] == i {
                kept.append(r)
            } else if windows[k]?.contains(where: { $0.contains(r.t) }) == true {
                kept.append(r)
            }
        }
        return kept
    }

    /// For each alert that belongs to an incident, the spans of time its
    /// post-mortems read (`Postmortem` looks an hour back for joined
    /// alerts, and to the episode's start for the incident's own).
    static func incidentWindows(_ records: [JournalRecord]) -> [AlertKey: [ClosedRange<Int64>]] {
        let book = records.reduce(into: IncidentBook()) { $0.apply($1) }
        var pendingTimes: [AlertKey: [Int64]] = [:]
        for r in records {
            if case .transition(let k, _, .pending, let at, _)? = r.event { pendingTimes[k, default: []].append(at) }
        }
        var windows: [AlertKey: [ClosedRange<Int64>]] = [:]
        for incident in book.all {
            let end = incident.resolvedAtMs ?? Int64.max
            for k in incident.alerts {
                let episode = pendingTimes[k]?.last { $0 <= incident.openedAtMs } ?? incident.openedAtMs
                let start = min(episode, incident.openedAtMs - 3_600_000)
                windows[k, default: []].append(start...max(start, end))
            }
        }
        return windows
    }
}
