import Foundation

/// The PostgreSQL the cluster tests use: `D8_TEST_POSTGRES_URL` (set by `make test` through
/// scripts/with-postgres.sh), or none, and then every cluster test is skipped.
enum ClusterDatabase {
    static var baseURL: String? { ProcessInfo.processInfo.environment["D8_TEST_POSTGRES_URL"] }
}
