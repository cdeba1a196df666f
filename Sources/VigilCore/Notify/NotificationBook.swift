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

    public init() {}

    public mutating func apply(_ r: JournalRecord) {
        switch r.entry {
        case .notifyQueued(let n):
            guard entries[n.id] == nil else { return }
            entries[n.id] = Entry(notification: n, queuedAt: r.t)
            order.append(n.id)
        case .notifyResult(let res):
            entries[res.id]?.result = res
            entries[res.id]?.resultAt = r.t
        default: break
        }
    }

    /// Queued and neither delivered nor given up on, oldest first.
    public var pending: [Entry] { order.compactMap { entries[$0] }.filter { $0.result == nil } }
    public var failed: [Entry] { order.compactMap { entries[$0] }.filter { $0.result?.delivered == false } }

    /// An alert's notifications, newest first: where it was sent and how
    /// it went, for the Alerts screen.
    public func of(_ key: AlertKey) -> [Entry] {
        order.reversed().compactMap { entries[$0] }.filter { $0.notification.alert == key }
    }
}
