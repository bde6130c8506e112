import D8Core

/// A lane holds the tasks that share a task type and the same eligible worker types in the same
/// preference order. Tasks whose plans differ (a per-submit ceiling, a prompt too large for a
/// pricey type) wait in different lanes, so a head that one worker type may not take never
/// blocks the tasks behind it.
enum Lane {
    struct Key: Hashable, Sendable {
        let taskType: String
        let eligible: [String]
    }
}

/// The budget one lease of a task holds until its result settles it, or until `until` (epoch
/// seconds) when its worker may no longer report.
struct Reservation: Sendable, Equatable {
    let workerType: String
    let usd: Double
    let until: Double
}
