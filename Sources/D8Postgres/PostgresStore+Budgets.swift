import D8Core
import D8Store
import Foundation
import PostgresNIO

/// Budgets a cluster shares. Spending is counted per scope and budget day in `budgets`; a
/// lease's estimate is a row of `reservations` until its result settles it. A reservation is
/// made only while its scopes' rows are locked (always in the same order, so two nodes never
/// deadlock), and only if every limit still holds with it: nodes reserving at the same moment
/// take turns at the limit, so together they never pass it.
extension PostgresStore {
    /// One limited scope of a reservation.
    public struct BudgetLimit: Sendable {
        public let scope: String
        public let limit: Double

        public init(scope: String, limit: Double) {
            self.scope = scope
            self.limit = limit
        }
    }

    /// Why a reservation did not fit: the first scope whose limit it would pass.
    public struct BudgetRefusal: Sendable, Equatable {
        public let scope: String
        public let limit: Double
        public let spent: Double
        public let reserved: Double
    }

    /// Reserves `usd` for a lease if every limit holds with it; else says which one does not.
    public func reserve(
        usd: Double, taskID: String, lease: String, client: String?, workerType: String, until: Double,
        limits: [BudgetLimit], day: Int, now: Double
    ) async throws(StoreError) -> BudgetRefusal? {
        let limits = limits.sorted { $0.scope < $1.scope }
        return try await Self.withDeadline(settings.timeout, "a budget reservation") { [pool = self.client, logger] in
            try await pool.withTransaction(logger: logger) { connection in
                for limit in limits {
                    try await connection.query("INSERT INTO budgets (scope, day) VALUES (\(limit.scope), \(day)) ON CONFLICT DO NOTHING", logger: logger)
                }
                var spent: [String: Double] = [:]
                let rows = try await connection.query(
                    "SELECT scope, spent FROM budgets WHERE day = \(day) AND scope = ANY(\(limits.map(\.scope))) ORDER BY scope FOR UPDATE", logger: logger)
                for try await (scope, usd) in rows.decode((String, Double).self) { spent[scope] = usd }
                for limit in limits {
                    let reserved = try await Self.reserved(scope: limit.scope, now: now, on: connection, logger: logger)
                    let spentHere = spent[limit.scope] ?? 0
                    if spentHere + reserved + usd > limit.limit + 1e-12 {
                        return BudgetRefusal(scope: limit.scope, limit: limit.limit, spent: spentHere, reserved: reserved)
                    }
                }
                try await connection.query("""
                    INSERT INTO reservations (lease, task_id, client, worker_type, usd, until)
                    VALUES (\(lease), \(taskID), \(client), \(workerType), \(usd), \(until))
                    ON CONFLICT (lease) DO UPDATE SET usd = excluded.usd, until = excluded.until
                    """, logger: logger)
                return nil
            }
        }
    }

    /// What open leases hold against a scope now.
    static func reserved(scope: String, now: Double, on connection: PostgresConnection, logger: Logger) async throws -> Double {
        let filter: PostgresQuery
        if scope.hasPrefix("client:") {
            filter = "SELECT coalesce(sum(usd), 0) FROM reservations WHERE until > \(now) AND client = \(String(scope.dropFirst(7)))"
        } else if scope.hasPrefix("worker_type:") {
            filter = "SELECT coalesce(sum(usd), 0) FROM reservations WHERE until > \(now) AND worker_type = \(String(scope.dropFirst(12)))"
        } else {
            filter = "SELECT coalesce(sum(usd), 0) FROM reservations WHERE until > \(now)"
        }
        var total = 0.0
        for try await value in try await connection.query(filter, logger: logger).decode(Double.self) { total = value }
        return total
    }

    /// Today's spending and the open reservations, by scope: what a node's own view of the
    /// budgets is refreshed from.
    public func budgetTotals(day: Int, now: Double) async throws(StoreError) -> (spent: [String: Double], reserved: [String: Double]) {
        let spent = try await rows("SELECT scope, spent FROM budgets WHERE day = \(day)") { try $0.decode((String, Double).self) }
        let reservations = try await rows("SELECT client, worker_type, usd FROM reservations WHERE until > \(now)") {
            try $0.decode((String?, String, Double).self)
        }
        var reserved: [String: Double] = [:]
        for (client, workerType, usd) in reservations {
            reserved["global", default: 0] += usd
            reserved["worker_type:" + workerType, default: 0] += usd
            if let client { reserved["client:" + client, default: 0] += usd }
        }
        return (Dictionary(spent) { a, b in a + b }, reserved)
    }

    /// Reservations whose worker can no longer report (the maintainer's chore).
    public func purgeReservations(before cutoff: Double) async throws(StoreError) {
        _ = try await rows("DELETE FROM reservations WHERE until < \(cutoff) RETURNING 1") { _ in () }
    }
}
