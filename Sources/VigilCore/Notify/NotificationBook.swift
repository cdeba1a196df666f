/// The outbox as the journal tells it: every notification queued, and
/// what became of it. What is queued and has no result is pending: sent
/// (again) by whichever Vigil starts next, so a crash loses nothing.
public struct NotificationBook: Sendable {
    public struct Entry: Sendable, Equatable {
        public var notification: AlertNotification
        public var queuedAt: Int64
        public var result: NotificationResult?
        public var resultAt: Int64?
    }
    /// By id, and the ids in the order they were queued.
    public private(set) var entries: [String: Entry] = [:]
    public private(set) var order: [String] = []
    /// The ids still pending, oldest first (compacted as results come), and
    /// each alert's ids: a flood is thousands of entries, read every turn.
    var pendingOrder: [String] = []
    var finished = 0
    var byAlert: [AlertKey: [String]] = [:]
    /// An incident's notifications (its key carries its title, which an
    /// operator may change).
    var byIncident: [String: [String]] = [:]
    /// Notifications given up on.
    public private(set) var failedCount = 0
    /// Counts the changes: what is pending is worked out again (thousands
    /// of entries in a flood) only when this has moved.
    public private(set) var revision = 0
    /// Each channel's latest answer (a contact's address on a channel is
    /// the channel's): a channel whose latest notification failed is
    /// failing until one gets through.
    public private(set) var latestByChannel: [String: (delivered: Bool, detail: String, atMs: Int64)] = [:]

    public init() {}

    public mutating func apply(_ r: JournalRecord) {
        switch r.entry {
        case .notifyQueued, .notifyResult: revision += 1
        default: return
        }
        switch r.entry {
        case .notifyQueued(let n):
            guard entries[n.id] == nil else { return }
            entries[n.id] = Entry(notification: n, queuedAt: r.t)
            order.append(n.id)
            pendingOrder.append(n.id)
            byAlert[n.alert, default: []].append(n.id)
            if let incident = n.incidentID { byIncident[incident, default: []].append(n.id) }
        case .notifyResult(let res):
            guard entries[res.id] != nil else { return }
            if entries[res.id]?.result == nil {
                finished += 1
                if !res.delivered { failedCount += 1 }
            }
            entries[res.id]?.result = res
            entries[res.id]?.resultAt = r.t
            if r.t >= latestByChannel[res.channel]?.atMs ?? .min {
                latestByChannel[res.channel] = (res.delivered, res.detail, r.t)
            }
            if finished > 64 && finished * 2 > pendingOrder.count {
                pendingOrder.removeAll { entries[$0]?.result != nil }
                finished = 0
            }
        default: break
        }
    }

    /// Channels whose latest answer was a failure, with its reason.
    public var failingChannels: [String: String] {
        latestByChannel.filter { !$0.value.delivered }.mapValues(\.detail)
    }

    /// Queued and neither delivered nor given up on, oldest first.
    public var pending: [Entry] { pendingOrder.compactMap { entries[$0] }.filter { $0.result == nil } }
    public var failed: [Entry] { order.compactMap { entries[$0] }.filter { $0.result?.delivered == false } }

    /// An alert's notifications, newest first: where it was sent and how
    /// it went, for the Alerts screen.
    public func of(_ key: AlertKey) -> [Entry] {
        (byAlert[key] ?? []).reversed().compactMap { entries[$0] }
    }

    /// An incident's notifications, newest first.
    public func of(incident id: String) -> [Entry] {
        (byIncident[id] ?? []).reversed().compactMap { entries[$0] }
    }

    // MARK: - Which instance sends what

    /// The notifications this instance sends: those it queued, and those
    /// pending when it started (a Vigil that died left them). Another live
    /// instance's are its own to send; they are not sent twice.
    public private(set) var mine: Set<String> = []
    /// This instance's notifications not yet read back from the journal.
    /// They wait: two Vigils that see an alert fire in the same refresh
    /// both queue it, and the one whose record comes first in the journal
    /// (which both read in the same order) sends it; the other stands down.
    public private(set) var unconfirmed: Set<String> = []
    /// Unconfirmed ids by what makes two notifications the same.
    var unconfirmedBySameness: [String: [String]] = [:]
    /// Two instances' records of one notification are at most this far
    /// apart (their refreshes' phases differ).
    static let sameWithinMs: Int64 = 60_000

    static func sameness(_ n: AlertNotification) -> String {
        "\(n.channel)|\(n.contact)|\(n.event.rawValue)|\(n.dedupKey)"
    }

    /// The pending notifications this instance sends, oldest first.
    public var pendingMine: [Entry] { pending.filter { mine.contains($0.notification.id) } }

    /// At start: what the journal left pending is this instance's to send.
    public mutating func adoptPending() {
        revision += 1
        for e in pending { mine.insert(e.notification.id) }
    }

    /// This instance queued `n` (applied already); it waits for its read-back.
    public mutating func queuedHere(_ n: AlertNotification) {
        revision += 1
        mine.insert(n.id)
        unconfirmed.insert(n.id)
        unconfirmedBySameness[Self.sameness(n), default: []].append(n.id)
    }

    /// This instance's record of `id` came back from the journal.
    public mutating func readBack(_ id: String) {
        revision += 1
        guard unconfirmed.remove(id) != nil, let n = entries[id]?.notification else { return }
        let key = Self.sameness(n)
        unconfirmedBySameness[key]?.removeAll { $0 == id }
        if unconfirmedBySameness[key]?.isEmpty == true { unconfirmedBySameness[key] = nil }
    }

    /// Another instance's `n`, read before this instance's own record of
    /// the same notification: those of this instance's it makes redundant.
    /// They are no longer this instance's to send.
    public mutating func standDown(for n: AlertNotification) -> [AlertNotification] {
        revision += 1
        let ids = (unconfirmedBySameness[Self.sameness(n)] ?? []).filter { id in
            guard let m = entries[id]?.notification, entries[id]?.result == nil else { return false }
            return abs(m.atMs - n.atMs) <= Self.sameWithinMs
        }
        var out: [AlertNotification] = []
        for id in ids {
            readBack(id)
            mine.remove(id)
            if let m = entries[id]?.notification { out.append(m) }
        }
        return out
    }
}
