import D8Core
/// Connection settings and the versioned schema.
extension TaskStore {
    /// Migration `i` takes the schema from version `i` (PRAGMA user_version) to `i + 1`.
    /// Append new ones; never edit one that has shipped.
    static let migrations = [
        """
        CREATE TABLE tasks (
            seq INTEGER PRIMARY KEY,
            task_id TEXT NOT NULL,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            priority INTEGER NOT NULL,
            status TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            assigned_to TEXT,
            worker_type TEXT,
            lease TEXT,
            lease_expires_at REAL,
            created_at REAL NOT NULL,
            assigned_at REAL,
            completed_at REAL,
            not_before REAL,
            result TEXT,
            errors TEXT NOT NULL,
            idempotency_key TEXT,
            client TEXT,
            cost_usd REAL
        ) STRICT;
        CREATE UNIQUE INDEX tasks_task_id ON tasks (task_id);
        CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX tasks_status ON tasks (status);
        CREATE INDEX tasks_type_status ON tasks (type, status);
        CREATE INDEX tasks_completed_at ON tasks (completed_at);
        """,
        // Budgets: a submit's own ceiling, the estimate reserved while a lease lives (kept past
        // a restart until the lease would have expired), why a task is held, and every cost.
        """
        ALTER TABLE tasks ADD COLUMN max_cost_usd REAL;
        ALTER TABLE tasks ADD COLUMN reserved_usd REAL;
        ALTER TABLE tasks ADD COLUMN reserved_until REAL;
        ALTER TABLE tasks ADD COLUMN held_reason TEXT;
        CREATE TABLE spend (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            task_id TEXT NOT NULL,
            client TEXT,
            worker_type TEXT NOT NULL,
            usd REAL NOT NULL
        ) STRICT;
        CREATE INDEX spend_at ON spend (at);
        """,
        // Tenants: idempotency keys are unique per client key, and a client's tasks are found
        // without scanning everyone's.
        """
        DROP INDEX tasks_idempotency_key;
        CREATE UNIQUE INDEX tasks_client_idempotency_key ON tasks (coalesce(client, ''), idempotency_key)
            WHERE idempotency_key IS NOT NULL;
        CREATE INDEX tasks_client_type_status ON tasks (client, type, status);
        """,
        // Jobs (a handle on many tasks), deadlines, and the result cache: a completed task is
        // found by its cache key; a hit names the task it copies and what that one cost.
        """
        CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            name TEXT,
            client TEXT,
            created_at REAL NOT NULL,
            total INTEGER NOT NULL,
            deadline REAL
        ) STRICT;
        ALTER TABLE tasks ADD COLUMN job_id TEXT;
        ALTER TABLE tasks ADD COLUMN deadline REAL;
        ALTER TABLE tasks ADD COLUMN cache_key TEXT;
        ALTER TABLE tasks ADD COLUMN cached_from TEXT;
        ALTER TABLE tasks ADD COLUMN saved_usd REAL;
        CREATE INDEX tasks_job ON tasks (job_id, seq) WHERE job_id IS NOT NULL;
        CREATE INDEX tasks_cache ON tasks (cache_key, completed_at) WHERE cache_key IS NOT NULL AND status = 'completed';
        """,
    ]

    /// How long a connection waits for another one's lock (another process, a checkpoint).
    static let busyTimeoutMilliseconds = 5_000

    /// WAL so reads go on while the writer commits; synchronous=FULL (durability `.disk`) so a
    /// commit is fsync'd before `write` returns, or NORMAL (`.process`) so it reaches the OS.
    /// Then brings the schema up to date.
    static func prepareWriter(_ db: SQLiteConnection, durability: Durability) throws(StoreError) {
        try db.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        let mode = try db.withStatement("PRAGMA journal_mode = WAL") { row throws(StoreError) in
            try row.step() ? row.text(0) : ""
        }
        guard mode.lowercased() == "wal" else {
            throw .schema("cannot switch to WAL journaling (journal mode stays '\(mode)')", path: db.path)
        }
        try db.execute(durability == .disk ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        try migrate(db)
    }

    static func prepareReader(_ db: SQLiteConnection) throws(StoreError) {
        try db.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
    }

    private static func migrate(_ db: SQLiteConnection) throws(StoreError) {
        let version = try db.withStatement("PRAGMA user_version") { row throws(StoreError) in
            try row.step() ? Int(row.integer(0)) : 0
        }
        guard version <= migrations.count else {
            throw .schema(
                "schema version \(version) is newer than this d8 understands (\(migrations.count)); upgrade d8",
                path: db.path)
        }
        for next in version..<migrations.count {
            // Each step and its version number commit together or not at all.
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute(migrations[next])
                try db.execute("PRAGMA user_version = \(next + 1)")
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }
}
