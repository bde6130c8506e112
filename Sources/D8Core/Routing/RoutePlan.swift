/// Where one task may run: the eligible worker types in the order the strategy prefers them,
/// each with its cost estimate, and why the others are out.
public struct RoutePlan: Sendable, Equatable {
    public struct Candidate: Sendable, Equatable {
        public let workerType: String
        /// nil: the price is unknown (possible only without a ceiling).
        public let estimateUSD: Double?

        public init(workerType: String, estimateUSD: Double?) {
            self.workerType = workerType
            self.estimateUSD = estimateUSD
        }

        /// Free to run: a known price of zero.
        public var isFree: Bool { estimateUSD == 0 }
    }

    public struct Exclusion: Sendable, Equatable {
        public let workerType: String
        public let reason: String

        public init(workerType: String, reason: String) {
            self.workerType = workerType
            self.reason = reason
        }
    }

    public var candidates: [Candidate]
    public var excluded: [Exclusion]

    public init(candidates: [Candidate], excluded: [Exclusion]) {
        self.candidates = candidates
        self.excluded = excluded
    }

    /// No route at all (an unknown task type).
    public static let empty = RoutePlan(candidates: [], excluded: [])

    public var eligible: [String] { candidates.map(\.workerType) }

    public func candidate(_ workerType: String) -> Candidate? { candidates.first { $0.workerType == workerType } }

    /// Why nothing is eligible, in words for a 422.
    public var refusal: String {
        let reasons = excluded.map { "\($0.workerType): \($0.reason)" }.joined(separator: "; ")
        return "no worker type of the route can take this task" + (reasons.isEmpty ? " (the route is empty)" : ": \(reasons)")
    }
}
