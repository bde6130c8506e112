import Foundation
import ServiceLifecycle

/// A `WorkerRuntime` as a service of a `ServiceGroup`, which is how `d8 worker` runs it: the
/// group's graceful shutdown (its SIGTERM and SIGINT) and cancellation both start the drain, and
/// `run` returns once in-flight tasks are done (or the drain timeout passed) and the worker has
/// unregistered.
public struct WorkerService: Service {
    public let runtime: WorkerRuntime

    public init(runtime: WorkerRuntime) {
        self.runtime = runtime
    }

    public func run() async {
        let runtime = self.runtime
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                // The runtime blocks until its drain is over: on a thread of its own, like its
                // slots, not on a pool thread it would hold for the worker's whole life.
                let thread = Thread {
                    runtime.run()
                    done.resume()
                }
                thread.name = "d8 worker main"
                thread.start()
            }
        } onCancelOrGracefulShutdown: {
            runtime.drain()
        }
    }
}
