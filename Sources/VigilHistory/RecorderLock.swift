import Foundation
import VigilCore

/// One recorder a state directory: two instances writing the same history
/// would add every minute's points twice to its rollups. The first takes
/// an exclusive `flock` on `history.lock` for its whole life (the kernel
/// lets go when it dies, even by `kill -9`); the others read the history
/// but do not write it.
public enum RecorderLock {
    /// Holds the lock for this process's life and returns nil; or returns
    /// who holds it (`pid 4242`), when another process does.
    public static func claim(directory: String) -> String? {
        let path = directory + "/history.lock"
        // Another user's Vigil may have just created it and not yet shared
        // it: taking that refusal for "no lock" made two recorders.
        let fd = SharedState.open(path, O_RDWR | O_CREAT | O_CLOEXEC)
        // No lock file (a read-only directory): the store's own open will
        // say what is wrong; do not stop recording for the lock alone.
        guard fd >= 0 else { return nil }
        SharedState.share(fd: fd, in: directory)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            ftruncate(fd, 0)
            let pid = Array("\(getpid())\n".utf8)
            _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            // Kept open on purpose: closing the descriptor drops the lock.
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        var n = read(fd, &buffer, buffer.count)
        if n <= 0 {
            // The holder has the lock but has not written its pid yet.
            usleep(50_000)
            n = pread(fd, &buffer, buffer.count, 0)
        }
        close(fd)
        let pid =
            n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return Int(pid).map { "pid \($0)" } ?? "another process"
    }
}
