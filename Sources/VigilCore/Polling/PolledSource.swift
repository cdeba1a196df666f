/// One request a polled source wants made, and the tag its answer comes
/// back under (the source's own name for it: a target's index, a query's
/// sequence number).
public struct Poll: Sendable {
    public var tag: String
    public var request: FetchRequest

    public init(tag: String, request: FetchRequest) {
        self.tag = tag
        self.request = request
    }
}

/// Which of the application's polled sources a request belongs to.
public enum SourceID: String, Hashable, Sendable, CaseIterable {
    case targets, logs, prometheus, alertmanager, probes, notify
}

/// A request on its way out, addressed back to its source.
public struct SourcePoll: Sendable {
    public var source: SourceID
    public var poll: Poll

    public init(_ source: SourceID, _ poll: Poll) {
        self.source = source
        self.poll = poll
    }
}

/// Everything Vigil polls has this shape: a value that says what to fetch
/// now and takes the answers, with time handed in. The network is one
/// driver (VigilNet's `PollDriver`) that runs any of them, so scheduling,
/// back-off and parsing are tested without a socket.
public protocol PolledSource: Sendable {
    /// The requests to start now; they count as in flight until taken.
    mutating func due(now: Int64) -> [Poll]
    /// When the next request falls due (milliseconds since the epoch;
    /// `.max` when nothing will until an answer or an action).
    var nextDueMs: Int64 { get }
    /// The answer to a request this source asked for. True when what the
    /// source shows changed.
    @discardableResult
    mutating func take(tag: String, _ outcome: FetchOutcome, now: Int64) -> Bool
    /// Makes everything due now (the `r` key).
    mutating func pollNow()
    /// Requests asked for and not yet answered.
    var inFlight: Int { get }
}
