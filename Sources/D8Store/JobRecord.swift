/// One job as stored: a row of `jobs`. Its tasks carry its id; what they are now is read from
/// them, so the row itself never changes.
public struct JobRecord: Sendable, Equatable {
    public var jobID: String
    public var name: String?
    /// Name of the client key that submitted it.
    public var client: String?
    public var createdAt: Double
    /// Tasks in it.
    public var total: Int
    /// The deadline its tasks were given, if it had one.
    public var deadline: Double?

    public init(jobID: String, name: String?, client: String?, createdAt: Double, total: Int, deadline: Double?) {
        self.jobID = jobID
        self.name = name
        self.client = client
        self.createdAt = createdAt
        self.total = total
        self.deadline = deadline
    }
}

extension JobRecord {
    static let insert = "INSERT INTO jobs (job_id, name, client, created_at, total, deadline) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    static let select = "SELECT job_id, name, client, created_at, total, deadline FROM jobs"

    var bindings: [SQLiteValue] {
        [.text(jobID), SQLiteValue(name), SQLiteValue(client), .real(createdAt), SQLiteValue(total), SQLiteValue(deadline)]
    }

    init(row: SQLiteStatement) {
        self.init(jobID: row.text(0), name: row.optionalText(1), client: row.optionalText(2), createdAt: row.real(3),
                  total: Int(row.integer(4)), deadline: row.optionalReal(5))
    }
}
