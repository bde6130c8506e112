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
    /// Not leased before its deadline: it never reached a worker or a budget.
    public static let expired = TaskState(rawValue: "expired")

    /// Nothing will change any more.
    public var isFinished: Bool { [.completed, .failed, .dead, .cancelled, .expired].contains(self) }

    /// The state in the words D8's clients know (`pending`, `assigned`, `completed`, `failed`):
    /// they poll until they see `completed` or `failed`, so every other final state reads
    /// `failed` to them, and a held task `pending`. Answers carry it as `status` and d8's own
    /// word as `d8_status`.
    public var olderWord: TaskState {
        switch self {
        case .held: .pending
        case .pending, .assigned, .completed, .failed: self
        default: isFinished ? .failed : self
        }
    }
    /// Finished without a result: failed, dead or cancelled.
    public var isUnsuccessful: Bool { isFinished && self != .completed }

    public var description: String { rawValue }
}
