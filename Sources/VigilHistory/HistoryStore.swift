import CSQLite
import Foundation
import VigilCore

/// Why the history cannot be used: the file, and SQLite's own words.
public struct HistoryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

/// The history on disk: one SQLite file in the state directory, in WAL
/// mode. Raw points at the refresh resolution, a minute of a series in one
/// row (12 bytes a point: the millisecond within the minute and the
/// value; a row a point cost twice that), one-minute rollups (min, max,
/// sum, last, count) updated as points arrive, both pruned by
/// retention. A batch is one transaction: a `kill -9` loses at most the
/// batch being written. Not thread-safe: one writer thread owns it.
public final class HistoryStore {
    public let path: String
    var db: OpaquePointer?
    var seriesIDs: [String: Int64] = [:]

    /// Opens (creating) the file. A damaged or locked file is an error
    /// that says so; the caller goes on without history.
    public init(path: String) throws(HistoryError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        // In a team's shared directory the file is made group-writable
        // first: SQLite gives its -wal and -shm files the database's mode.
        SharedState.prepare(path)
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let why = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw HistoryError("\(path): \(why)")
        }
        db = handle
        // Another Vigil writing: wait a little rather than fail at once.
        sqlite3_busy_timeout(handle, 2000)
        do {
            try exec("PRAGMA journal_mode=WAL")
            try exec("PRAGMA synchronous=NORMAL")
            try exec(
                """
                CREATE TABLE IF NOT EXISTS series(
                  id INTEGER PRIMARY KEY, metric TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE(metric, labels));
                CREATE TABLE IF NOT EXISTS chunks(
                  series INTEGER NOT NULL, minute INTEGER NOT NULL, data BLOB NOT NULL,
                  PRIMARY KEY(series, minute)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS rollups(
                  series INTEGER NOT NULL, minute INTEGER NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
                  sum REAL NOT NULL, last REAL NOT NULL, lastT INTEGER NOT NULL, count INTEGER NOT NULL,
                  PRIMARY KEY(series, minute)) WITHOUT ROWID;
                """)
            // A file that is not a database, or a damaged one, fails here.
            try exec("SELECT count(*) FROM series")
        } catch {
            sqlite3_close(handle)
            db = nil
            throw error
        }
    }

    deinit { sqlite3_close(db) }

    func exec(_ sql: String) throws(HistoryError) {
        var err: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &err) == SQLITE_OK else {
            let why = err.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(err)
            throw HistoryError("\(path): \(why)")
        }
    }

    /// A prepared statement, run by `body`, always finalised.
    func statement<T>(_ sql: String, _ body: (OpaquePointer) throws(HistoryError) -> T) throws(HistoryError) -> T {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw HistoryError("\(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(stmt) }
        return try body(stmt)
    }

    func step(_ stmt: OpaquePointer) throws(HistoryError) {
        let rc = sqlite3_step(stmt)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw HistoryError("\(path): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    /// The series' labels as stored: a JSON object with sorted keys.
    static func key(_ labels: Labels) -> String {
        let pairs = labels.pairs.sorted { $0.name < $1.name }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Dictionary(pairs.map { ($0.name, $0.value) }) { a, _ in a })) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func labels(_ key: String) -> Labels {
        Labels((try? JSONDecoder().decode([String: String].self, from: Data(key.utf8))) ?? [:])
    }

    func seriesID(_ metric: String, _ labels: String) throws(HistoryError) -> Int64 {
        let k = metric + "\u{0}" + labels
        if let id = seriesIDs[k] { return id }
        try statement("INSERT OR IGNORE INTO series(metric, labels) VALUES(?, ?)") { (s) throws(HistoryError) in
            vigil_sqlite_bind_text(s, 1, metric)
            vigil_sqlite_bind_text(s, 2, labels)
            try step(s)
        }
        let id = try statement("SELECT id FROM series WHERE metric = ? AND labels = ?") { (s) throws(HistoryError) in
            vigil_sqlite_bind_text(s, 1, metric)
            vigil_sqlite_bind_text(s, 2, labels)
            guard sqlite3_step(s) == SQLITE_ROW else { throw HistoryError("\(path): series vanished") }
            return sqlite3_column_int64(s, 0)
        }
        seriesIDs[k] = id
        return id
    }

    /// Writes a batch in one transaction: the points, and each one folded
    /// into its minute's rollup.
    public func write(_ batch: [HistoryPoint]) throws(HistoryError) {
        guard !batch.isEmpty else { return }
        try exec("BEGIN IMMEDIATE")
        do {
            try statement(
                """
                INSERT INTO chunks(series, minute, data) VALUES(?, ?, ?)
                ON CONFLICT(series, minute) DO UPDATE SET data = CAST(data || excluded.data AS BLOB)
                """
            ) { (points) throws(HistoryError) in
                try statement(
                    """
                    INSERT INTO rollups(series, minute, min, max, sum, last, lastT, count) VALUES(?, ?, ?, ?, ?, ?, ?, 1)
                    ON CONFLICT(series, minute) DO UPDATE SET
                      min = min(min, excluded.min), max = max(max, excluded.max), sum = sum + excluded.sum,
                      last = CASE WHEN excluded.lastT >= lastT THEN excluded.last ELSE last END,
                      lastT = max(lastT, excluded.lastT), count = count + 1
                    """
                ) { (rollups) throws(HistoryError) in
                    for p in batch where p.v.isFinite {
                        let id = try seriesID(p.metric, Self.key(p.labels))
                        let minute = p.t - ((p.t % 60_000) + 60_000) % 60_000
                        let bytes = Self.encode(offset: Int32(p.t - minute), value: p.v)
                        sqlite3_bind_int64(points, 1, id)
                        sqlite3_bind_int64(points, 2, minute)
                        bytes.withUnsafeBytes { _ = vigil_sqlite_bind_blob(points, 3, $0.baseAddress, Int32($0.count)) }
                        try step(points)
                        sqlite3_reset(points)
                        sqlite3_bind_int64(rollups, 1, id)
                        sqlite3_bind_int64(rollups, 2, minute)
                        for i in Int32(3)...Int32(6) { sqlite3_bind_double(rollups, i, p.v) }
                        sqlite3_bind_int64(rollups, 7, p.t)
                        try step(rollups)
                        sqlite3_reset(rollups)
                    }
                }
            }
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    /// Drops raw points older than `retention.rawMs` and rollups older than
    /// `retention.rollupMs`, then series with nothing left.
    public func prune(now: Int64, retention: HistoryRetention = HistoryRetention()) throws(HistoryError) {
        // Whole minutes: a minute goes once all of it is past retention.
        try statement("DELETE FROM chunks WHERE minute + 60000 <= ?") { (s) throws(HistoryError) in
            sqlite3_bind_int64(s, 1, now - retention.rawMs)
            try step(s)
        }
        try statement("DELETE FROM rollups WHERE minute < ?") { (s) throws(HistoryError) in
            sqlite3_bind_int64(s, 1, now - retention.rollupMs)
            try step(s)
        }
        try exec(
            """
            DELETE FROM series WHERE id NOT IN (SELECT series FROM chunks) AND id NOT IN (SELECT series FROM rollups)
            """)
        seriesIDs = [:]
    }

    /// A metric's raw points from `from` to `to`, by series.
    public func points(metric: String, from: Int64, to: Int64) throws(HistoryError) -> [Labels: [(Int64, Double)]] {
        try statement(
            """
            SELECT s.labels, c.minute, c.data FROM chunks c JOIN series s ON s.id = c.series
            WHERE s.metric = ? AND c.minute >= ? AND c.minute <= ? ORDER BY c.series, c.minute
            """
        ) { (s) throws(HistoryError) in
            vigil_sqlite_bind_text(s, 1, metric)
            sqlite3_bind_int64(s, 2, from - 60_000)
            sqlite3_bind_int64(s, 3, to)
            var out: [Labels: [(Int64, Double)]] = [:]
            var decoded = LabelCache()
            var rc = sqlite3_step(s)
            while rc == SQLITE_ROW {
                let labels = decoded.labels(String(cString: sqlite3_column_text(s, 0)))
                let minute = sqlite3_column_int64(s, 1)
                let count = Int(sqlite3_column_bytes(s, 2))
                if let blob = sqlite3_column_blob(s, 2) {
                    let points = Self.decode(UnsafeRawBufferPointer(start: blob, count: count), minute: minute)
                    out[labels, default: []] += points.filter { $0.0 >= from && $0.0 <= to }
                }
                rc = sqlite3_step(s)
            }
            guard rc == SQLITE_DONE else { throw HistoryError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
            return out
        }
    }

    /// A metric's one-minute rollups from `from` to `to`, by series.
    public func rollups(metric: String, from: Int64, to: Int64) throws(HistoryError) -> [Labels: [HistoryRollup]] {
        try statement(
            """
            SELECT s.labels, r.minute, r.min, r.max, r.sum, r.last, r.count FROM rollups r
            JOIN series s ON s.id = r.series WHERE s.metric = ? AND r.minute >= ? AND r.minute <= ?
            ORDER BY r.series, r.minute
            """
        ) { (s) throws(HistoryError) in
            vigil_sqlite_bind_text(s, 1, metric)
            sqlite3_bind_int64(s, 2, from)
            sqlite3_bind_int64(s, 3, to)
            var out: [Labels: [HistoryRollup]] = [:]
            var decoded = LabelCache()
            var rc = sqlite3_step(s)
            while rc == SQLITE_ROW {
                let labels = decoded.labels(String(cString: sqlite3_column_text(s, 0)))
                out[labels, default: []].append(
                    HistoryRollup(
                        minute: sqlite3_column_int64(s, 1), min: sqlite3_column_double(s, 2),
                        max: sqlite3_column_double(s, 3), sum: sqlite3_column_double(s, 4),
                        last: sqlite3_column_double(s, 5), count: Int(sqlite3_column_int64(s, 6))))
                rc = sqlite3_step(s)
            }
            guard rc == SQLITE_DONE else { throw HistoryError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
            return out
        }
    }

    /// A metric's minute averages from `from` to `to`, by series, each at
    /// the time of the minute's last point: what a long window draws.
    public func minuteAverages(metric: String, from: Int64, to: Int64) throws(HistoryError) -> [Labels: [(
        Int64, Double
    )]] {
        try statement(
            """
            SELECT s.labels, r.lastT, r.sum / r.count FROM rollups r JOIN series s ON s.id = r.series
            WHERE s.metric = ? AND r.minute >= ? AND r.minute < ? AND r.count > 0 ORDER BY r.series, r.minute
            """
        ) { (s) throws(HistoryError) in
            vigil_sqlite_bind_text(s, 1, metric)
            sqlite3_bind_int64(s, 2, from)
            sqlite3_bind_int64(s, 3, to)
            var out: [Labels: [(Int64, Double)]] = [:]
            var decoded = LabelCache()
            var rc = sqlite3_step(s)
            while rc == SQLITE_ROW {
                let labels = decoded.labels(String(cString: sqlite3_column_text(s, 0)))
                out[labels, default: []].append((sqlite3_column_int64(s, 1), sqlite3_column_double(s, 2)))
                rc = sqlite3_step(s)
            }
            guard rc == SQLITE_DONE else { throw HistoryError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
            return out
        }
    }

    /// What is stored: metrics, series, rows, span and bytes on disk.
    public func summary() throws(HistoryError) -> HistorySummary {
        func int(_ sql: String) throws(HistoryError) -> Int64? {
            try statement(sql) { (s) throws(HistoryError) in
                guard sqlite3_step(s) == SQLITE_ROW, sqlite3_column_type(s, 0) != SQLITE_NULL else { return nil }
                return sqlite3_column_int64(s, 0)
            }
        }
        let metrics = try statement("SELECT DISTINCT metric FROM series ORDER BY metric") { (s) throws(HistoryError) in
            var out: [String] = []
            while sqlite3_step(s) == SQLITE_ROW { out.append(String(cString: sqlite3_column_text(s, 0))) }
            return out
        }
        let pages = try int("PRAGMA page_count") ?? 0
        let size = try int("PRAGMA page_size") ?? 0
        let wal =
            ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber)?.int64Value ?? 0
        // The exact first and last point: decode the chunks of the first
        // and the last minute.
        func edge(_ which: String) throws(HistoryError) -> [Int64] {
            try statement("SELECT minute, data FROM chunks WHERE minute = (SELECT \(which)(minute) FROM chunks)") {
                (s) throws(HistoryError) in
                var times: [Int64] = []
                while sqlite3_step(s) == SQLITE_ROW {
                    guard let blob = sqlite3_column_blob(s, 1) else { continue }
                    let bytes = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(s, 1)))
                    times += Self.decode(bytes, minute: sqlite3_column_int64(s, 0)).map(\.0)
                }
                return times
            }
        }
        let firstPoint = try edge("min").min()
        let firstRollup = try int("SELECT min(minute) FROM rollups")
        let lastPoint = try edge("max").max()
        let lastRollup = try int("SELECT max(minute) FROM rollups")
        return HistorySummary(
            metrics: metrics, series: Int(try int("SELECT count(*) FROM series") ?? 0),
            // `||` makes text of blobs: lengths are taken of the bytes.
            points: Int(try int("SELECT sum(length(CAST(data AS BLOB))) / 12 FROM chunks") ?? 0),
            rollups: Int(try int("SELECT count(*) FROM rollups") ?? 0),
            // The raw points' span while there are any, else the rollups'.
            firstMs: firstPoint ?? firstRollup, lastMs: lastPoint ?? lastRollup,
            bytes: pages * size + wal)
    }
}

extension HistoryStore {
    /// A point in a chunk: the millisecond within the minute (Int32) and
    /// the value (Float64), little-endian.
    static func encode(offset: Int32, value: Double) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(12)
        withUnsafeBytes(of: offset.littleEndian) { out += $0 }
        withUnsafeBytes(of: value.bitPattern.littleEndian) { out += $0 }
        return out
    }

    /// A chunk's points in time order; a time written twice keeps its last
    /// value (a batch written again after a crash).
    static func decode(_ bytes: UnsafeRawBufferPointer, minute: Int64) -> [(Int64, Double)] {
        var byTime: [Int64: Double] = [:]
        var i = 0
        while i + 12 <= bytes.count {
            let offset = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: Int32.self))
            let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt64.self))
            byTime[minute + Int64(offset)] = Double(bitPattern: bits)
            i += 12
        }
        return byTime.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Each distinct stored label set decoded once: a week of rollups is
/// hundreds of thousands of rows over a handful of series.
struct LabelCache {
    var known: [String: Labels] = [:]

    mutating func labels(_ key: String) -> Labels {
        if let l = known[key] { return l }
        let l = HistoryStore.labels(key)
        known[key] = l
        return l
    }
}
