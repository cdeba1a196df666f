import VigilCore
import VigilUI

/// Everything that happens to the application. The run loop turns keys,
/// answers, signals and the passing of time into these; tests write them
/// by hand.
public enum Message: Sendable {
    case key(Key)
    /// The terminal has a new size (the loop has already told curses).
    case resized(width: Int, height: Int)
    /// Time passed: the loop sends one after every batch of other messages
    /// and whenever its wait ends.
    case tick
    /// A polled source's request was answered (or failed).
    case fetched(SourceID, tag: String, FetchOutcome)
    /// Records other instances appended to the journal, and damaged lines
    /// skipped while reading it.
    case journalRead([JournalRecord], warnings: [String])
    /// The whole journal again, from its snapshot: a compaction folded
    /// records this instance had not read (it was stopped for minutes).
    case journalReplayed([JournalRecord], warnings: [String])
    /// Writing the journal failed: from now on nothing is saved.
    case journalFailed(String)
    /// The history store failed (damaged, locked, disk full): from now on
    /// nothing is recorded; the status line says why.
    case historyFailed(String)
    /// What the history store holds from `from` on (one-minute averages),
    /// read off the loop thread for a window longer than memory keeps.
    case historyLoaded([String: [Labels: [(Int64, Double)]]], from: Int64)
    /// Reading the history for a long window failed: the window shows
    /// what memory holds, and the status line says why.
    case historyUnreadable(String)
    /// The engine (the worker) did what it was asked.
    case worked(WorkResult)
    /// SIGINT, SIGTERM or SIGHUP arrived.
    case signal(Int32)
}

/// Everything the application asks of the world. The run loop carries
/// these out in order; it decides nothing about them.
public enum Command: Sendable {
    /// Start these requests.
    case fetch([SourcePoll])
    /// Hand this work to the engine (the worker thread), in order; each
    /// answer comes back as `worked`.
    case work([Work])
    /// Append these records to the journal (and flush them); answer
    /// `journalFailed` if that fails. What is written comes back with the
    /// next `journalRead`.
    case journal([JournalRecord])
    /// Hand these points to the history writer (off the loop thread).
    case record([HistoryPoint])
    /// Read these metrics' one-minute averages over [from, to) from the
    /// history store, off the loop thread; answer with `historyLoaded`.
    case loadHistory(metrics: [String], from: Int64, to: Int64)
    /// The launch's traffic share changed (percent; nil: no launch is
    /// running): whatever routes the traffic follows it (the demo's
    /// exporter does).
    case traffic(Double?)
    /// Ring the terminal bell.
    case bell
    /// Draw `App.render` on the screen.
    case draw
    /// A Prometheus round asked at `startedMs` is now all on screen
    /// (`VIGIL_TIMINGS`: the server-mode benchmark reads it).
    case roundShown(startedMs: Int64, sent: Int)
    /// Stop with this exit status, after carrying out the commands
    /// before this one.
    case quit(status: Int32)
}

/// What was asked of the server for an evaluation in flight: its rules'
/// answers, applied with the engine's.
struct AskedEvaluation: Sendable {
    var remote: [String: [Labels: Double]] = [:]
    var remoteErrors: [String: String] = [:]
    /// The store had data: the rules are evaluated.
    var alerting = false
    /// Rules not asked because their group's interval has not come round:
    /// not "waiting for data".
    var notDue = 0
}

/// How the executable starts the application: what it learned from the
/// command line, the terminal and the state directory.
public struct AppOptions: Sendable {
    /// Draw with ASCII only.
    public var ascii = false
    /// The width graphs are sampled for (the terminal's columns).
    public var graphColumns = 120
    /// Ring the bell when a critical or high alert fires.
    public var bell = true
    /// Colours the terminal has; 0 puts the mono theme first.
    public var colors = 256
    /// Shown at the top of the help screen: which files this is about.
    public var about: [String] = []
    /// `$USER@host`: who acknowledges and writes notes.
    public var identity = "unknown@localhost"
    /// Why the journal cannot be written, when it cannot.
    public var readOnlyReason: String?
    /// Record every configured metric's values for the history store.
    public var recordHistory = false
    /// A history store to read long windows from (this instance may not
    /// be the one recording it).
    public var readHistory = false

    public init() {}
}
