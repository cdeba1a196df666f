import CShims
import Foundation
import VigilApp
import VigilCore
import VigilHistory
import VigilNet
import VigilTerminal
import VigilUI

/// The run loop: turns what happened into messages for the application
/// and carries out the commands it returns. It blocks in one place (the
/// driver's `curl_multi_poll`, with standard input and the signal pipe)
/// and decides nothing: when to evaluate, redraw, ring or quit is `App`'s.
enum RunLoop {
    static func now() -> Int64 { PollDriver.now() }

    /// The interactive dashboard; returns the exit status.
    static func interactive(
        _ app: inout App, terminal: Terminal, journal: (any JournalStore)?, writer: JournalWriter?,
        history: OpenedHistory, signalFD: Int32, timings: FileHandle?, traffic: (@Sendable (Double?) -> Void)? = nil
    ) -> Int32 {
        let driver = PollDriver()
        let worker = Worker(engine: app.makeEngine())
        let threads = [worker.readFD] + (writer.map { [$0.readFD] } ?? [])
        let inputs: [Int32] = (signalFD >= 0 ? [0, signalFD] : [0]) + threads
        var messages: [Message] = [.tick]
        var turnStart = now()
        while true {
            var i = 0
            while i < messages.count {
                for command in app.update(messages[i], now: now()) {
                    switch command {
                    case .fetch(let polls): driver.start(polls)
                    case .work(let work): worker.submit(work)
                    case .journal(let records):
                        // A read-only instance is never asked to write.
                        writer?.submit(records)
                    case .record(let points): history.writer?.enqueue(points)
                    case .loadHistory(let metrics, let from, let to):
                        history.reader?.load(HistoryReader.Request(metrics: metrics, from: from, to: to))
                    case .traffic(let share): traffic?(share)
                    case .bell: terminal.bell()
                    case .draw:
                        let (w, h) = terminal.size
                        terminal.draw(app.render(width: w, height: h))
                    case .roundShown(let start, let sent):
                        timings?.seekToEndOfFile()
                        timings?.write(Data("refresh_to_screen_ms \(now() - start) sent \(sent)\n".utf8))
                    case .quit(let status):
                        writer?.finish()
                        return status
                    }
                }
                i += 1
            }
            // VIGIL_TIMINGS: a turn that held the loop past 20 ms, with
            // what it took in (the benchmarks look for what delays keys).
            if let timings, now() - turnStart > 20 {
                timings.seekToEndOfFile()
                let kinds = Set(messages.map(\.kind))
                timings.write(
                    Data("slow_turn_ms \(now() - turnStart) messages \(messages.count) \(kinds.sorted())\n".utf8))
            }
            messages = []
            let timeout = max(0, min(app.nextWakeMs - now(), 1000))
            let (answers, _) = driver.wait(timeoutMs: Int(timeout), extraFDs: inputs)
            turnStart = now()
            let signal = vigil_last_signal()
            if signal != 0 { messages.append(.signal(signal)) }
            // Keys are read every turn, not only when standard input polled
            // ready: curses may already hold some in its own buffer. They
            // go before the answers, so a key is drawn before the turn's
            // bodies are parsed.
            for key in terminal.readKeys() {
                if key == .resize {
                    terminal.resized()
                    let (w, h) = terminal.size
                    messages.append(.resized(width: w, height: h))
                } else {
                    messages.append(.key(key))
                }
            }
            for a in answers { messages.append(.fetched(a.source, tag: a.tag, a.outcome)) }
            for answer in worker.take() { messages.append(.worked(answer)) }
            for answer in writer?.take() ?? [] {
                switch answer {
                case .failed(let reason): messages.append(.journalFailed(reason))
                case .warning(let text): messages.append(.journalRead([], warnings: [text]))
                case .read(let records, let warnings, let startedOver):
                    messages.append(
                        startedOver
                            ? .journalReplayed(records, warnings: warnings) : .journalRead(records, warnings: warnings))
                }
            }
            // The writer reads (and decodes) off this thread; a read-only
            // instance reads here, never waiting on another's lock.
            if let writer {
                writer.askRead()
            } else if let journal, case let (records, warnings)? = journal.readNew(waiting: false) {
                if journal.startedOver {
                    messages.append(.journalReplayed(records, warnings: warnings))
                } else if !records.isEmpty || !warnings.isEmpty {
                    messages.append(.journalRead(records, warnings: warnings))
                }
            }
            if let failure = history.writer?.takeFailure() { messages.append(.historyFailed(failure)) }
            for answer in history.reader?.take() ?? [] {
                switch answer {
                case .loaded(let stored, let from): messages.append(.historyLoaded(stored, from: from))
                case .failed(let reason): messages.append(.historyUnreadable(reason))
                }
            }
            messages.append(.tick)
        }
    }

    /// `--once`: the same application, until it is ready to print or
    /// `withinMs` passes. Nothing is drawn, rung or written; the engine
    /// runs on this thread (there are no keys to keep answering).
    static func once(_ app: inout App, within withinMs: Int64) {
        _ = run(&app, within: withinMs, journal: nil) { $0.readyToPrint }
    }

    /// The application without a terminal until `done` says so or
    /// `withinMs` passes, carrying out journal writes when given a journal
    /// (`vigil launch`, `vigil checklist`). Returns the first failed write.
    static func run(
        _ app: inout App, within withinMs: Int64, journal: (any JournalStore)?, until done: (App) -> Bool
    ) -> String? {
        let driver = PollDriver()
        var engine = app.makeEngine()
        let deadline = now() + withinMs
        var messages: [Message] = [.tick]
        while true {
            var i = 0
            while i < messages.count {
                for command in app.update(messages[i], now: now()) {
                    switch command {
                    case .fetch(let polls): driver.start(polls)
                    case .work(let work): messages += work.compactMap { engine.run($0).map(Message.worked) }
                    case .journal(let records):
                        guard let journal else { break }
                        do { try journal.append(records) } catch { return error.message }
                        // Read back with whatever others wrote before it:
                        // notifications go out only then.
                        let (read, warnings) = journal.readNew()
                        messages.append(.journalRead(read, warnings: warnings))
                    default: break
                    }
                }
                i += 1
            }
            if done(app) || now() >= deadline { return nil }
            let timeout = max(1, min(app.nextWakeMs - now(), deadline - now(), 200))
            messages = driver.wait(timeoutMs: Int(timeout)).answers.map { .fetched($0.source, tag: $0.tag, $0.outcome) }
            messages.append(.tick)
        }
    }
}

extension Message {
    /// The message's case alone (its payload may be a thousand records).
    var kind: String {
        switch self {
        case .key: "key"
        case .resized: "resized"
        case .tick: "tick"
        case .fetched(let source, _, _): "fetched \(source)"
        case .journalRead: "journalRead"
        case .journalReplayed: "journalReplayed"
        case .journalFailed: "journalFailed"
        case .historyFailed: "historyFailed"
        case .historyLoaded: "historyLoaded"
        case .historyUnreadable: "historyUnreadable"
        case .worked(.ingested): "ingested"
        case .worked(.evaluated): "evaluated"
        case .worked(.alertHistory): "alertHistory"
        case .worked(.labelValues): "labelValues"
        case .signal: "signal"
        }
    }
}
