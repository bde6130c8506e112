import D8Store
import Logging
import PostgresNIO

/// The shared database's versioned schema. Migration `i` takes it from version `i` to `i + 1`;
/// append new ones, never edit one that has shipped. Every node applies what is missing at
/// start, inside one transaction holding an advisory lock, so nodes starting together take
/// turns instead of racing.
enum PostgresSchema {
    /// The first half of the migrations' `pg_advisory_xact_lock` key ("d8SC").
    static let migrationLock: Int32 = 0x6438_5343

    static let migrations = [
        """
        CREATE TABLE tasks (
            seq BIGINT PRIMARY KEY,
            task_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            priority INTEGER NOT NULL,
            status TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            assigned_to TEXT,
            worker_type TEXT,
            lease TEXT,
            lease_expires_at DOUBLE PRECISION,
            created_at DOUBLE PRECISION NOT NULL,
            assigned_at DOUBLE PRECISION,
            completed_at DOUBLE PRECISION,
            not_before DOUBLE PRECISION,
            result TEXT,
            errors TEXT NOT NULL,
            idempotency_key TEXT,
            client TEXT,
            cost_usd DOUBLE PRECISION,
            max_cost_usd DOUBLE PRECISION,
            reserved_usd DOUBLE PRECISION,
            reserved_until DOUBLE PRECISION,
            held_reason TEXT,
            job_id TEXT,
            deadline DOUBLE PRECISION,
            cache_key TEXT,
            cached_from TEXT,
            saved_usd DOUBLE PRECISION,
            -- The node holding the task in memory; NULL: in the shared queue, claimable.
            owner TEXT,
            -- Claim order: lower first. Enqueue time minus priority times the aging period, so
            -- that priority, FIFO within a priority and aging hold across nodes with a static key.
            rank DOUBLE PRECISION NOT NULL
        );
        CREATE UNIQUE INDEX tasks_client_idempotency_key ON tasks (coalesce(client, ''), idempotency_key)
            WHERE idempotency_key IS NOT NULL;
        -- The claim: ready rows only, in claim order, so a claim reads a handful of index entries.
        CREATE INDEX tasks_claimable ON tasks (type, rank) WHERE status = 'pending' AND owner IS NULL;
        CREATE INDEX tasks_owner ON tasks (owner) WHERE owner IS NOT NULL;
        CREATE INDEX tasks_unowned_live ON tasks (status) WHERE owner IS NULL AND status IN ('assigned', 'held');
        CREATE INDEX tasks_status ON tasks (status);
        CREATE INDEX tasks_completed_at ON tasks (completed_at);
        CREATE INDEX tasks_client_type_status ON tasks (client, type, status);
        CREATE INDEX tasks_job ON tasks (job_id, seq) WHERE job_id IS NOT NULL;
        CREATE INDEX tasks_cache ON tasks (cache_key, completed_at) WHERE cache_key IS NOT NULL AND status = 'completed';
        CREATE INDEX tasks_deadline ON tasks (deadline) WHERE deadline IS NOT NULL AND owner IS NULL AND status IN ('pending', 'held');
        -- Claims churn these rows: vacuum them sooner than the default.
        ALTER TABLE tasks SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

        CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            name TEXT,
            client TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            total INTEGER NOT NULL,
            deadline DOUBLE PRECISION
        );
        CREATE TABLE spend (
            id BIGSERIAL PRIMARY KEY,
            at DOUBLE PRECISION NOT NULL,
            task_id TEXT NOT NULL,
            client TEXT,
            worker_type TEXT NOT NULL,
            usd DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX spend_at ON spend (at);
        -- Append-only: one row per task that reached a final state. The unique key makes a second
        -- completion of the same task fail its transaction instead of landing.
        CREATE TABLE completions (
            task_id TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            status TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            node TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL
        );
        -- Live orchestrators, each renewing its row; one that stops is dead after node_timeout.
        CREATE TABLE nodes (
            node_id TEXT PRIMARY KEY,
            started_at DOUBLE PRECISION NOT NULL,
            seen_at DOUBLE PRECISION NOT NULL
        );
        -- Named leases held by one node at a time (the maintainer's).
        CREATE TABLE leaders (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            until DOUBLE PRECISION NOT NULL
        );
        -- Seqs are handed out in blocks, so nodes number tasks without asking for each one.
        CREATE SEQUENCE seq_blocks;
        """,
        // Budgets across nodes: what each scope spent per budget day (settled costs), and the
        // estimates reserved by open leases, one row per lease. A reservation is made only under
        // the lock of its scopes' rows, so nodes reserving at once take turns at the limit.
        """
        CREATE TABLE budgets (
            scope TEXT NOT NULL,
            day INTEGER NOT NULL,
            spent DOUBLE PRECISION NOT NULL DEFAULT 0,
            PRIMARY KEY (scope, day)
        );
        CREATE TABLE reservations (
            lease TEXT PRIMARY KEY,
            task_id TEXT NOT NULL,
            client TEXT,
            worker_type TEXT NOT NULL,
            usd DOUBLE PRECISION NOT NULL,
            until DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX reservations_task ON reservations (task_id);
        -- A ledger row written twice (a write retried after a deadline it met after all) counts once.
        CREATE UNIQUE INDEX spend_once ON spend (task_id, at);
        """,
    ]

    /// Brings the schema up to date under the migration lock.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            // Advisory locks span the server: the key names this database and schema too.
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock), hashtext(current_database() || '.' || current_schema()))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS d8_schema (version INTEGER NOT NULL)", logger: logger)
            var version = 0
            for try await (v) in try await connection.query("SELECT version FROM d8_schema", logger: logger).decode(Int.self) { version = v }
            guard version <= migrations.count else {
                throw StoreError.schema("schema version \(version) is newer than this d8 understands (\(migrations.count)); upgrade d8", path: "postgres")
            }
            for next in version..<migrations.count {
                // One statement per query: the extended protocol takes no more.
                for statement in migrations[next].split(separator: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
                }
                logger.info("postgres schema migrated", metadata: ["version": "\(next + 1)"])
            }
            if version == 0 {
                try await connection.query("INSERT INTO d8_schema (version) VALUES (\(migrations.count))", logger: logger)
            } else if version < migrations.count {
                try await connection.query("UPDATE d8_schema SET version = \(migrations.count)", logger: logger)
            }
        }
    }
}
