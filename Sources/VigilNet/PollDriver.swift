import Foundation
import VigilCore

/// The one driver for everything polled: starts the requests sources ask
/// for on the shared `Fetcher` and hands each answer back addressed to
/// its source and tag. It decides nothing.
public final class PollDriver {
    public let fetcher: Fetcher
    var owners: [Int: (SourceID, String)] = [:]

    /// An answer, for the source that asked.
    public struct Answer: Sendable {
        public var source: SourceID
        public var tag: String
        public var outcome: FetchOutcome
    }

    public init(fetcher: Fetcher = Fetcher()) { self.fetcher = fetcher }

    public var inFlight: Int { owners.count }

    public func start(_ polls: [SourcePoll]) {
        for p in polls { owners[fetcher.start(p.poll.request)] = (p.source, p.poll.tag) }
    }

    /// Waits up to `timeoutMs` for an answer or for one of `extraFDs`
    /// (keyboard, signal pipe) to become readable: the loop's one
    /// blocking call. Returns the answers and which descriptors are ready.
    public func wait(timeoutMs: Int, extraFDs: [Int32] = []) -> (answers: [Answer], ready: [Bool]) {
        let (completions, ready) = fetcher.poll(timeoutMs: timeoutMs, extraFDs: extraFDs)
        let answers = completions.compactMap { c -> Answer? in
            guard let (source, tag) = owners.removeValue(forKey: c.id) else { return nil }
            return Answer(source: source, tag: tag, outcome: FetchOutcome(c.result, durationSeconds: c.durationSeconds))
        }
        return (answers, ready)
    }

    /// Runs one source alone for `durationMs` (its own schedule), then
    /// waits for what it still has in flight: `vigil scrape`, `vigil query
    /// --target`.
    public func run<S: PolledSource>(
        _ source: inout S, as id: SourceID, forMs durationMs: Int64, clock: () -> Int64 = PollDriver.now
    ) {
        let end = clock() + durationMs
        while clock() < end {
            start(source.due(now: clock()).map { SourcePoll(id, $0) })
            let wait = min(max(0, source.nextDueMs - clock()), end - clock())
            for a in self.wait(timeoutMs: Int(max(1, min(wait, 1000)))).answers where a.source == id {
                source.take(tag: a.tag, a.outcome, now: clock())
            }
        }
        while source.inFlight > 0 {
            for a in self.wait(timeoutMs: 100).answers where a.source == id {
                source.take(tag: a.tag, a.outcome, now: clock())
            }
        }
    }

    /// The wall clock in milliseconds since the epoch: the one clock the
    /// executable hands to everything.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
