import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What one compaction did.
public struct JournalCompactionResult: Sendable, Equatable {
    /// Records in the snapshot and tail before, and kept in the snapshot.
    public var recordsBefore: Int
    public var snapshotRecords: Int
    /// Bytes copied as they were into the new tail.
    public var carriedBytes: Int
    public var generation: Int
}

extension Journal {
    /// Folds the tail's records older than `carryMs` into a new snapshot
    /// and starts the next generation of the tail with the rest, copied
    /// byte for byte. The slow part (decoding, choosing, encoding) runs
    /// without the lock; the lock is held only to copy what was appended
    /// meanwhile and to rename the two files. Nil when there was nothing
    /// to fold, or another instance compacted first.
    public static func compact(
        directory: String, carryMs: Int64, nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) throws(JournalError) -> JournalCompactionResult? {
        let j = try Journal(directory: directory)
        removeStaleTemporaries(in: directory)
        // A consistent picture: the snapshot and the tail, read under the
        // tail's shared lock, with where each tail record starts.
        j.lock(LOCK_SH)
        let inode = j.inode
        var snapshot: [JournalRecord] = []
        var warnings: [String] = []
        let first = j.startOffset(into: &snapshot, &warnings)
        let generation = j.generation
        let size = Int(lseek(j.fd, 0, SEEK_END))
        var data = [UInt8](repeating: 0, count: max(0, size - first))
        let n = data.isEmpty ? 0 : pread(j.fd, &data, data.count, off_t(first))
        flock(j.fd, LOCK_UN)
        var tail: [(record: JournalRecord, at: Int)] = []
        var start = 0
        while n > 0, let nl = data[start..<n].firstIndex(of: UInt8(ascii: "\n")) {
            if nl > start, let r = try? j.decoder.decode(JournalRecord.self, from: Data(data[start..<nl])) {
                tail.append((r, first + start))
            }
            start = nl + 1
        }
        let cutoff = nowMs - carryMs
        let folded = tail.firstIndex { $0.record.t >= cutoff } ?? tail.count
        let through = folded < tail.count ? tail[folded].at : first + start
        guard through > first else { return nil }
        let all = snapshot + tail.map(\.record)
        let kept = JournalCompaction.keep(all, prefix: snapshot.count + folded, nowMs: nowMs)

        var snapshotData = try header(
            JournalHeader(type: JournalHeader.snapshotType, t: nowMs, covers: generation, through: through), j)
        for r in kept {
            do { snapshotData += try j.encoder.encode(r) } catch {
                throw JournalError(message: "cannot encode a journal record: \(error)")
            }
            snapshotData.append(UInt8(ascii: "\n"))
        }
        let suffix = "\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let snapshotTemp = j.snapshotPath + ".tmp." + suffix
        let tailTemp = j.path + ".tmp." + suffix
        try writeSynced(snapshotData, to: snapshotTemp, in: directory)

        // Under the exclusive lock: still the tail that was read (else
        // another instance compacted first), copy what follows `through`.
        flock(j.fd, LOCK_EX)
        defer { flock(j.fd, LOCK_UN) }
        var st = stat()
        guard stat(j.path, &st) == 0, st.st_ino == inode else {
            unlink(snapshotTemp)
            return nil
        }
        let end = Int(lseek(j.fd, 0, SEEK_END))
        var carried = [UInt8](repeating: 0, count: max(0, end - through))
        let c = carried.isEmpty ? 0 : pread(j.fd, &carried, carried.count, off_t(through))
        var tailData = try header(
            JournalHeader(
                type: JournalHeader.generationType, t: nowMs, n: generation + 1, from: generation, at: through),
            j)
        tailData.append(contentsOf: carried[0..<max(0, c)])
        do {
            try writeSynced(tailData, to: tailTemp, in: directory)
        } catch {
            unlink(snapshotTemp)
            throw error
        }
        // The snapshot first: with it in place and the old tail still
        // there, a replay skips the part of the tail it holds.
        guard rename(snapshotTemp, j.snapshotPath) == 0, rename(tailTemp, j.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(snapshotTemp)
            unlink(tailTemp)
            throw JournalError(message: "cannot replace the journal in \(directory): \(reason)")
        }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
        return JournalCompactionResult(
            recordsBefore: all.count, snapshotRecords: kept.count, carriedBytes: max(0, c), generation: generation + 1)
    }

    static func header(_ h: JournalHeader, _ j: Journal) throws(JournalError) -> Data {
        do {
            var d = try j.encoder.encode(h)
            d.append(UInt8(ascii: "\n"))
            return d
        } catch {
            throw JournalError(message: "cannot encode a journal header: \(error)")
        }
    }

    /// Writes a whole file and flushes it, with the state directory's
    /// sharing mode, before it is renamed into place.
    static func writeSynced(_ data: Data, to path: String, in directory: String) throws(JournalError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw JournalError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        SharedState.share(fd: fd, in: directory)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw JournalError(message: "cannot write \(path): \(reason)")
        }
    }

    /// Temporaries a compaction killed mid-way left behind.
    static func removeStaleTemporaries(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("journal.") && name.contains(".tmp.") {
            let path = (directory as NSString).appendingPathComponent(name)
            // Another compaction's file is young; one killed is not.
            if let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                date.timeIntervalSinceNow < -60
            {
                unlink(path)
            }
        }
    }
}
