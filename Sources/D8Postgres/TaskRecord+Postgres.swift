import D8Store
import PostgresNIO

/// The mapping between `TaskRecord` and a row of the shared `tasks` table: SQLite's column list
/// (`TaskRecord.columns`, in its order) serves `SELECT`, the insert and the bindings.
extension TaskRecord {
    /// The row's values in `columns` order.
    func appendBindings(to binds: inout PostgresBindings) {
        binds.append(Int64(seq))
        binds.append(taskID)
        binds.append(type)
        binds.append(data)
        binds.append(priority)
        binds.append(status.rawValue)
        binds.append(attempt)
        binds.append(maxAttempts)
        binds.append(assignedTo)
        binds.append(workerType)
        binds.append(lease)
        binds.append(leaseExpiresAt)
        binds.append(createdAt)
        binds.append(assignedAt)
        binds.append(completedAt)
        binds.append(notBefore)
        binds.append(result)
        binds.append(errors)
        binds.append(idempotencyKey)
        binds.append(client)
        binds.append(costUSD)
        binds.append(maxCostUSD)
        binds.append(reservedUSD)
        binds.append(reservedUntil)
        binds.append(heldReason)
        binds.append(jobID)
        binds.append(deadline)
        binds.append(cacheKey)
        binds.append(cachedFrom)
        binds.append(savedUSD)
    }

    /// Reads a row that selected `columns`.
    init(postgres row: PostgresRow) throws(StoreError) {
        var cells = RowCursor(row)
        try self.init(cells: &cells)
    }

    /// Reads `columns` from where `cells` stands.
    init(cells: inout RowCursor) throws(StoreError) {
        do {
            let seq: Int64 = try cells.next()
            let (taskID, type, data): (String, String, String) = (try cells.next(), try cells.next(), try cells.next())
            let priority: Int = try cells.next()
            let rawStatus: String = try cells.next()
            guard let status = Status(rawValue: rawStatus) else {
                throw StoreError.corruptRow("unknown status '\(rawStatus)' at seq \(seq)", path: "postgres")
            }
            self.init(
                seq: UInt64(seq), taskID: taskID, type: type, data: data, priority: priority, status: status,
                attempt: try cells.next(), maxAttempts: try cells.next(),
                assignedTo: try cells.next(), workerType: try cells.next(), lease: try cells.next(), leaseExpiresAt: try cells.next(),
                createdAt: try cells.next(), assignedAt: try cells.next(), completedAt: try cells.next(), notBefore: try cells.next(),
                result: try cells.next(), errors: try cells.next(), idempotencyKey: try cells.next(), client: try cells.next(),
                costUSD: try cells.next(), maxCostUSD: try cells.next(), reservedUSD: try cells.next(), reservedUntil: try cells.next(),
                heldReason: try cells.next(), jobID: try cells.next(), deadline: try cells.next(), cacheKey: try cells.next(),
                cachedFrom: try cells.next(), savedUSD: try cells.next())
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.corruptRow("\(error)", path: "postgres")
        }
    }
}

/// The cells of a row, read in order.
struct RowCursor {
    private var iterator: PostgresRow.Iterator

    init(_ row: PostgresRow) { iterator = row.makeIterator() }

    mutating func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        guard let cell = iterator.next() else { throw StoreError.corruptRow("a row has fewer columns than expected", path: "postgres") }
        return try cell.decode(T.self)
    }
}
