import VigilApp
import VigilCore
import VigilUI

/// Runs an `App` the way the run loop does, with the world simulated: a
/// clock that moves when told, fetches answered by a function of the
/// request, and every command kept for the test to read. No terminal, no
/// socket, no file.
struct Harness {
    var app: App
    /// The worker's engine, run inline: its answers go back at once.
    var engine: Engine
    /// Every piece of work handed to the engine, in order.
    var worked: [Work] = []
    /// Work the engine is slow with: kept (in order) until `release`.
    var hold: (Work) -> Bool = { _ in false }
    var held: [Work] = []
    var now: Int64
    /// Requests started and not yet answered, oldest first.
    var pending: [SourcePoll] = []
    /// Every request started, in order.
    var started: [SourcePoll] = []
    var journal: [JournalRecord] = []
    /// What went to the history writer, batch by batch.
    var recorded: [[HistoryPoint]] = []
    /// What was asked of the history reader: metrics, from, to.
    var loads: [([String], Int64, Int64)] = []
    var bells = 0
    /// One journal file two instances share: each harness appends its
    /// batches and reads everyone's with `readShared`.
    final class SharedJournal: @unchecked Sendable {
        var records: [JournalRecord] = []
    }
    var shared: SharedJournal?
    var sharedRead = 0
    /// The journal writer is slow: batches wait in `unwritten` until
    /// `writeJournal`.
    var slowJournal = false
    var unwritten: [[JournalRecord]] = []
    /// A journal write that fails, and why (a full disk, say).
    var journalFails: ([JournalRecord]) -> String? = { _ in nil }
    /// The journal writes and the notification sends, in the order the
    /// application asked for them ("journal notify_queued", "send ID").
    var order: [String] = []
    /// Every traffic share the application announced.
    var traffic: [Double?] = []
    var draws = 0
    var quit: Int32?
    /// What a request gets; the default is a refused connection.
    var answer: (SourcePoll) -> FetchOutcome = { _ in FetchOutcome(.failure(.refused("127.0.0.1:1"))) }

    init(
        _ config: VigilConfig, at now: Int64 = 1_764_000_000_000, journal: [JournalRecord] = [], bell: Bool = true,
        history: Bool = false
    ) {
        var options = AppOptions()
        options.recordHistory = history
        options.readHistory = history
        options.identity = "alice@bastion"
        options.bell = bell
        self.now = now
        app = App(
            config: config, themes: [], options: options,
            alerts: AlertCenter(config: config, identity: "alice@bastion", journal: journal))
        engine = app.makeEngine()
        send(.tick)
    }

    mutating func send(_ message: Message) {
        for command in app.update(message, now: now) {
            switch command {
            case .fetch(let polls):
                pending += polls
                started += polls
                order += polls.filter { $0.source == .notify }.map { "send " + $0.poll.tag }
            case .work(let work):
                worked += work
                for w in work {
                    if !held.isEmpty || hold(w) {
                        held.append(w)
                    } else if let answer = engine.run(w) {
                        send(.worked(answer))
                    }
                }
            case .journal(let records):
                if let reason = journalFails(records) {
                    // The disk refused: the loop says so at once.
                    order += records.filter { $0.type.hasPrefix("notify") }.map { "journal failed \($0.type)" }
                    send(.journalFailed(reason))
                    continue
                }
                if slowJournal {
                    unwritten.append(records)
                    continue
                }
                written(records)
            case .record(let points): recorded.append(points)
            case .loadHistory(let metrics, let from, let to): loads.append((metrics, from, to))
            case .traffic(let share): traffic.append(share)
            case .bell: bells += 1
            case .draw: draws += 1
            case .roundShown: break
            case .quit(let status): quit = status
            }
        }
    }

    /// The slow journal writer finishes its batches, in order.
    mutating func writeJournal() {
        let batches = unwritten
        unwritten = []
        for records in batches { written(records) }
    }

    /// A batch is on disk: the writer says so, and the loop's next read
    /// brings it back (with a shared journal, when `readShared` reads).
    mutating func written(_ records: [JournalRecord]) {
        journal += records
        order += records.filter { $0.type.hasPrefix("notify") }.map { "journal \($0.type)" }
        if let shared {
            shared.records += records
        } else {
            send(.journalRead(records, warnings: []))
        }
    }

    /// Reads what the shared journal gained since the last read, this
    /// instance's own records included, in the order they were written.
    mutating func readShared() {
        guard let shared, sharedRead < shared.records.count else { return }
        let new = Array(shared.records[sharedRead...])
        sharedRead = shared.records.count
        send(.journalRead(new, warnings: []))
    }

    /// The engine finishes what it held, in order.
    mutating func release() {
        let work = held
        held = []
        for w in work { if let answer = engine.run(w) { send(.worked(answer)) } }
    }

    mutating func press(_ keys: Key...) {
        for k in keys { send(.key(k)) }
    }

    mutating func type(_ text: String) {
        for c in text { send(.key(.char(c))) }
    }

    /// Answers every pending request (and those the answers lead to).
    mutating func answerAll() {
        while !pending.isEmpty {
            let p = pending.removeFirst()
            send(.fetched(p.source, tag: p.poll.tag, answer(p)))
        }
        send(.tick)
    }

    /// Moves the clock in one-second steps for `ms`, answering requests
    /// as they are made.
    mutating func run(forMs ms: Int64) {
        let end = now + ms
        while now < end {
            now += 1000
            send(.tick)
            answerAll()
        }
    }

    /// The screen as text lines, trailing blanks removed.
    func screen(width: Int = 100, height: Int = 30) -> [String] {
        PlainText.render(app.render(width: width, height: height), color: false)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// An exposition body, as a scrape target sends it.
func exposition(_ text: String) -> FetchOutcome {
    FetchOutcome(
        .success(
            FetchResponse(status: 200, contentType: "text/plain; version=0.0.4", body: Array(text.utf8))),
        durationSeconds: 0.01)
}
