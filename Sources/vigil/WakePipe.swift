import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a thread of Vigil's wakes the run loop: a byte down a non-blocking
/// pipe whose read end the loop polls with the keyboard. Bytes are only a
/// knock; what they announce waits under the thread's own lock.
struct WakePipe: Sendable {
    /// Readable when there is something to take: the loop adds it to its poll.
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    /// Knocks (a full pipe already says so).
    func knock() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Takes every knock so far, before what they announce is taken.
    func drain() {
        var byte: UInt8 = 0
        while read(readFD, &byte, 1) == 1 {}
    }
}
