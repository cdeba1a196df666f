import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The alerting side of a running Vigil: the rules' engine and the
/// incidents, rebuilt from the journal. A value: everything that changes
/// state becomes a journal record in `outbox`, which the application hands
/// to the journal store as a command; records read from the store (at
/// start, and what other instances append) come back through `receive`.
/// So a restart, or a second instance on the same state directory,
/// rebuilds the same picture, and tests need no file.
public struct AlertCenter: Sendable {
    public internal(set) var engine: AlertEngine
    public internal(set) var incidents = IncidentBook()
    /// The launch's phases, decisions and checklist marks.
    public internal(set) var launch = LaunchBook()
    /// The notification outbox.
    public internal(set) var notifications = NotificationBook()
    public let config: VigilConfig
    /// Why this instance cannot write the journal, when it cannot (set by
    /// whoever owns the store: an unwritable directory, a failed write).
    public var readOnlyReason: String?
    /// Damaged journal lines skipped so far, each naming its line.
    public private(set) var warnings: [String] = []
    /// `$USER@host`: who acknowledgements and notes are from.
    public let identity: String
    /// Tells this instance's records from others' in a shared journal.
    public let instance: String
    /// Every record read or written, for timelines and post-mortems.
    public private(set) var records: [JournalRecord] = []
    /// Records written since the last `takeOutbox`, for the store.
    public private(set) var outbox: [JournalRecord] = []
    /// Rules not evaluated at the last refresh because the store does not
    /// cover their range yet.
    public internal(set) var waitingRules = 0
    /// Rules whose query failed at the last evaluation, with the reason.
    public internal(set) var ruleErrors: [String: String] = [:]
    /// The post-mortems' samples of active alerts' metrics.
    var sampler = PostmortemSampler()
    /// Subqueries' settled steps, carried from one refresh to the next.
    var subqueryMemo: [SubqueryCache.Key: [VectorElement]] = [:]

    /// An alert center that has replayed `journal` (the records a store
    /// held at start, with the warnings for lines it skipped).
    public init(
        config: VigilConfig, identity: String, journal: [JournalRecord] = [], warnings: [String] = [],
        instance: String = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    ) {
        self.config = config
        self.identity = identity
        self.instance = instance
        engine = AlertEngine(config: config.alerts)
        receive(journal, warnings: warnings)
        notifications.adoptPending()
        engine.restartHolds()
    }

    public static func defaultIdentity() -> String {
        let env = ProcessInfo.processInfo.environment
        var user = env["USER"] ?? env["LOGNAME"] ?? ""
        if user.isEmpty, let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { user = String(cString: name) }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(user.isEmpty ? "unknown" : user)@\(hostName.isEmpty ? "localhost" : hostName)"
    }

    /// Applies records read from the journal: at start the whole journal,
    /// later what others appended. This instance's own records (which it
    /// applied when it made them) are skipped.
    public mutating func receive(_ new: [JournalRecord], warnings warn: [String] = []) {
        warnings += warn
        for r in new {
            guard r.src != instance else {
                if case .notifyQueued(let n) = r.entry { notifications.readBack(n.id) }
                continue
            }
            records.append(r)
            incidents.apply(r)
            launch.apply(r)
            notifications.apply(r)
            if let event = r.event { engine.apply(event) }
            if case .notifyQueued(let n) = r.entry {
                // The other instance's came first in the journal: it sends.
                for mine in notifications.standDown(for: n) {
                    record(
                        JournalRecord(
                            t: r.t,
                            .notifyResult(
                                NotificationResult(
                                    id: mine.id, channel: mine.channel, delivered: true,
                                    detail: "sent by another Vigil on this state directory"))))
                }
            }
        }
    }

    /// Whether a journal read holds anything of another instance's.
    public func hasOthers(_ records: [JournalRecord]) -> Bool { records.contains { $0.src != instance } }

    /// The records to write since the last call.
    public mutating func takeOutbox() -> [JournalRecord] {
        defer { outbox = [] }
        return outbox
    }

    mutating func record(_ r: JournalRecord) { record([r]) }

    /// Keeps records and queues them for the store in one batch: a rule
    /// grouped by service can change hundreds of alerts in one refresh,
    /// and the store writes a batch with one write and one flush.
    mutating func record(_ batch: [JournalRecord]) {
        guard !batch.isEmpty else { return }
        let mine = batch.map { r -> JournalRecord in
            var r = r
            r.src = instance
            return r
        }
        records += mine
        outbox += mine
        for r in mine {
            launch.apply(r)
            notifications.apply(r)
            if case .notifyQueued(let n) = r.entry { notifications.queuedHere(n) }
        }
    }

    /// Writes a launch decision or a checklist mark (already judged by
    /// `LaunchBook.decide` or `tick`).
    public mutating func write(_ entry: JournalEntry, at t: Int64) { record(JournalRecord(t: t, entry)) }
}
