import CShims
import Foundation
import VigilApp

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the application's engine on a thread of its own: the run loop
/// hands work over (`submit` only appends under a lock) and picks the
/// answers up (`take`) when the worker's pipe, which it polls with the
/// keyboard, says there are some. So parsing and evaluating never delay a
/// key or a frame; what to evaluate, and when, is still the application's.
final class Worker: @unchecked Sendable {
    // `queue`, `answers` are guarded by `condition`; `engine` is touched
    // only by the worker thread once it has started.
    let condition = NSCondition()
    var queue: [Work] = []
    var answers: [WorkResult] = []
    var engine: Engine
    /// Knocks when answers are waiting.
    let wake = WakePipe()
    var readFD: Int32 { wake.readFD }

    init(engine: Engine) {
        self.engine = engine
        let thread = Thread { [self] in run() }
        thread.name = "vigil-engine"
        thread.start()
    }

    /// Hands work over, in order; never waits for the worker.
    func submit(_ work: [Work]) {
        condition.lock()
        queue += work
        condition.signal()
        condition.unlock()
    }

    /// The answers so far, oldest first.
    func take() -> [WorkResult] {
        wake.drain()
        condition.lock()
        defer { condition.unlock() }
        let out = answers
        answers = []
        return out
    }

    func run() {
        // Named for top and /proc: the benchmark reads this thread's CPU.
        vigil_name_this_thread("vigil-engine")
        vigil_lower_this_thread()
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let work = queue.removeFirst()
            condition.unlock()
            guard let answer = engine.run(work) else { continue }
            condition.lock()
            answers.append(answer)
            condition.unlock()
            wake.knock()
        }
    }
}
