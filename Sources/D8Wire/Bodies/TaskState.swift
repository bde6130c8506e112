/// Where a task is in its lifecycle. A struct over the wire string rather than an
/// enum, so a state a newer orchestrator adds reads as itself instead of failing.
public struct TaskState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let pending = TaskState(rawValue: "pending")
    public static let assigned = TaskState(rawValue: "assigned")
    /// Waiting for a budget or another limit; see `TaskStatus.heldReason`.
    public static let held = TaskState(rawValue: "held")
    public static let completed = TaskState(rawValue: "completed")
    public static let failed = TaskState(rawValue: "failed")
    /// Gave up after `max_attempts`.
    public static let dead = TaskState(rawValue: "dead")
    public static let cancelled = TaskState(rawValue: "cancelled")

    /// Nothing will change any more.
    public var isFinished: Bool { [.completed, .failed, .dead, .cancelled].contains(self) }
    /// Finished without a result: failed, dead or cancelled.
    public var isUnsuccessful: Bool { isFinished && self != .completed }

    public var description: String { rawValue }
}
