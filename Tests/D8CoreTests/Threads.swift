import Foundation

/// Runs `body(0..<count)` on `count` real threads at once and waits for all of them.
/// (DispatchQueue.concurrentPerform would run no more at once than there are cores, which
/// deadlocks a test whose producers wait for consumers.)
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        let thread = Thread {
            body(index)
            done.leave()
        }
        thread.start()
    }
    done.wait()
}

/// A value behind an NSLock. The tests use it rather than `Synchronization.Mutex` because
/// ThreadSanitizer sees pthread locks but not the futex under `Mutex`, and would report the
/// protected accesses as races.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
