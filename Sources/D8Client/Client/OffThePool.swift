import Foundation

/// Runs a blocking call (libcurl waits on its socket, up to a long-poll's 30 s) on a thread of
/// its own, so it never holds one of the cooperative pool's few threads.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
