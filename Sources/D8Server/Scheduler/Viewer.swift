import D8Core
import D8Store

/// Whose tasks a caller sees: everyone's (an admin key, or a server without client keys, where
/// whoever may call is one tenant) or one client key's. Another client's task is answered
/// exactly as a task that does not exist.
enum Viewer: Sendable, Equatable {
    case everyone
    case client(String)

    /// What a key sees: an admin key everyone's tasks, a client key its own.
    init(_ key: ClientKey) {
        self = key.isAdmin ? .everyone : .client(key.name)
    }

    /// The client whose share this viewer sees; nil for everyone's.
    var client: String? { if case let .client(name) = self { name } else { nil } }

    func sees(_ record: TaskRecord) -> Bool { sees(client: record.client) }

    /// Whether this viewer sees what `client` submitted (a task, a job).
    func sees(client: String?) -> Bool {
        switch self {
        case .everyone: true
        case let .client(name): client == name
        }
    }
}

/// An idempotency key as it is unique: per client key, so one client's key never finds another
/// client's task.
struct IdempotencyScope: Hashable, Sendable {
    let client: String?
    let key: String
}

extension TaskRecord {
    var idempotencyScope: IdempotencyScope? { idempotencyKey.map { IdempotencyScope(client: client, key: $0) } }
}
