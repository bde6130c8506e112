/// Why a queue refused an operation. The orchestrator answers `full` with HTTP 503.
public enum QueueError: Error, Hashable, CustomStringConvertible {
    case full(priority: Int, capacity: Int)
    case invalidPriority(Int)
    case invalidID(UInt64)
    case invalidCapacity(Int)
    case outOfMemory

    public var description: String {
        switch self {
        case let .full(priority, capacity):
            "the queue is full at priority \(priority) (\(capacity) tasks); try again later"
        case let .invalidPriority(p):
            "priority must be an integer from \(TaskPriority.range.lowerBound) to \(TaskPriority.range.upperBound), got \(p)"
        case let .invalidID(id): "task id \(id) is reserved"
        case let .invalidCapacity(c): "queue capacity must be from 1 to 2^31, got \(c)"
        case .outOfMemory: "out of memory for the queue"
        }
    }
}
