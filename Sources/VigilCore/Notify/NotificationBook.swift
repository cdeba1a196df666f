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
    /// Notifications given up on.
    public private(set) var failedCount = 0

    public init() {}

    public mutating func apply(_ r: JournalRecord) {
        switch r.entry {
        case .notifyQueued(let n):
            guard entries[n.id] == nil else { return }
            entries[n.id] = Entry(notification: n, queuedAt: r.t)
            order.append(n.id)
            pendingOrder.append(n.id)
            byAlert[n.alert, default: []].append(n.id)
        case .notifyResult(let res):
            guard entries[res.id] != nil else { return }
            if entries[res.id]?.result == nil {
                finished += 1
                if !res.delivered { failedCount += 1 }
            }
            entries[res.id]?.result = res
            entries[res.id]?.resultAt = r.t
            if finished > 64 && finished * 2 > pendingOrder.count {
                pendingOrder.removeAll { entries[$0]?.result != nil }
                finished = 0
            }
        default: break
        }
    }

    /// Queued and neither delivered nor given up on, oldest first.
    public var pending: [Entry] { pendingOrder.compactMap { entries[$0] }.filter { $0.result == nil } }
    public var failed: [Entry] { order.compactMap { entries[$0] }.filter { $0.result?.delivered == false } }

    /// An alert's notifications, newest first: where it was sent and how
    /// it went, for the Alerts screen.
    public func of(_ key: AlertKey) -> [Entry] {
        (byAlert[key] ?? []).reversed().compactMap { entries[$0] }
    }
}
