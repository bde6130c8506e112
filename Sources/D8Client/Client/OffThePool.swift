import NIOPosix

/// Runs a blocking call (libcurl waits on its socket, up to a long-poll's 30 s) on NIO's shared
/// pool for blocking work, so it never holds one of the cooperative pool's few threads and no
/// call pays for a thread of its own. That pool has a thread per core unless the program sets
/// NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT; calls beyond that wait for a free thread.
///
/// The hop ignores the caller's cancellation, as libcurl does once a request is under way: a
/// call asked for is made and its answer (say, a submitted task's id) is never dropped. The
/// unstructured task is what keeps a cancelled caller's call in the pool's queue.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
    try await Task { try await NIOThreadPool.singleton.runIfActive(work) }.value
}
