// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "d8",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "d8", targets: ["d8"]),
        .executable(name: "d8-bench", targets: ["d8-bench"]),
        .library(name: "D8Core", targets: ["D8Core"]),
        .library(name: "D8Server", targets: ["D8Server"]),
        // Provider plugins: shared objects with the C entry point, staged into Plugins/ by `make plugins`.
        .library(name: "d8_groq", type: .dynamic, targets: ["GroqPlugin"]),
        .library(name: "d8_gemini", type: .dynamic, targets: ["GeminiPlugin"]),
        .library(name: "d8_claude", type: .dynamic, targets: ["ClaudePlugin"]),
        .library(name: "d8_ollama", type: .dynamic, targets: ["OllamaPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The hot path in C11: lock-free priority queues and the worker table.
        .target(name: "CCore", path: "CCore"),
        // The plugin ABI, header only: what the worker and every plugin build against.
        .target(name: "D8PluginABI"),
        // JSON values with a strict hand-written parser and writer: shared by d8 and its Swift plugins.
        .target(name: "D8JSON"),
        // What a result of a built-in task type must carry; plugins and the orchestrator both check it.
        .target(name: "D8Contracts", dependencies: ["D8JSON"]),
        // Domain model, configuration and the Swift face of CCore. No I/O beyond reading the config.
        // The repository's config.yaml is compiled in as the default configuration.
        .target(
            name: "D8Core", dependencies: ["CCore", "D8JSON", .product(name: "Yams", package: "Yams")],
            resources: [.embedInCode("Config/config.yaml")]
        ),
        // The wire: every route (method, path, role) and the bodies both sides exchange, as types
        // the server answers with and the client reads.
        .target(name: "D8Wire", dependencies: ["D8Core"]),
        // The system's SQLite (Debian: libsqlite3-dev).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // The durable task store: SQLite in WAL mode with group commit.
        .target(
            name: "D8Store",
            dependencies: ["CSQLite", "D8Core", .product(name: "Logging", package: "swift-log")]
        ),
        // The shared task store of a cluster: PostgreSQL through postgres-nio, for several
        // orchestrators on one database (claims, fencing, the maintainer's lease).
        .target(
            name: "D8Postgres",
            dependencies: [
                "D8Core",
                "D8Store",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The orchestrator: HTTP API over the scheduler.
        .target(
            name: "D8Server",
            dependencies: [
                "D8Contracts",
                "D8Core",
                "D8Postgres",
                "D8Store",
                "D8Wire",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // docs/openapi.yaml, served at /openapi.yaml; the dashboard's templates and assets.
            resources: [.embedInCode("HTTP/openapi.yaml")] + ["layout", "login", "overview", "queues", "tasks", "task", "workers", "costs", "message"].map {
                .embedInCode("UI/Templates/\($0).mustache")
            } + [.embedInCode("UI/Assets/app.js"), .embedInCode("UI/Assets/app.css")]
        ),
        // libcurl (Debian: libcurl4-openssl-dev) behind typed wrappers: curl_easy_setopt is variadic.
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // HTTP with libcurl (pooled handles, keep-alive, timeouts) and the client of d8's API; the
        // async client runs its blocking calls on NIO's shared pool for blocking work.
        .target(name: "D8Client", dependencies: ["CCurl", "D8Core", "D8Wire", .product(name: "NIOPosix", package: "swift-nio")]),
        // The worker runtime: the plugin loader (dlopen), the host callbacks, the lease loop, and
        // the route report (what the plugins here say of the config's routes).
        .target(
            name: "D8Worker",
            dependencies: [
                "D8Contracts",
                "D8PluginABI",
                "D8Client",
                "D8Core",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What every Swift provider plugin shares: the C table behind a Swift protocol, HTTP through
        // the host, prompts for the built-in task types, prices and cost, evolution genome checks.
        .target(name: "D8PluginKit", dependencies: ["D8PluginABI", "D8JSON", "D8Contracts"]),
        .target(name: "GroqPlugin", dependencies: ["D8PluginKit"], path: "Plugins/Groq", exclude: ["README.md"]),
        .target(name: "GeminiPlugin", dependencies: ["D8PluginKit"], path: "Plugins/Gemini", exclude: ["README.md"]),
        .target(name: "ClaudePlugin", dependencies: ["D8PluginKit"], path: "Plugins/Claude", exclude: ["README.md"]),
        .target(name: "OllamaPlugin", dependencies: ["D8PluginKit"], path: "Plugins/Ollama", exclude: ["README.md"]),
        .executableTarget(
            name: "d8",
            dependencies: [
                "D8Client",
                "D8Server",
                "D8Worker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The harness the tests and d8-bench share: d8 serve / d8 worker launchers, a raw HTTP
        // connection, fake providers and plugin fixtures, /proc readings, a seeded generator.
        .target(name: "D8Harness", dependencies: ["D8Core"]),
        .executableTarget(
            name: "d8-bench",
            dependencies: [
                "D8Client",
                "D8Core",
                "D8Harness",
                "D8Postgres",
                "D8Store",
                "D8Worker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .testTarget(name: "D8CoreTests", dependencies: ["D8Core", "D8Harness"]),
        .testTarget(name: "D8StoreTests", dependencies: ["D8Store", "D8Postgres", "D8Core"]),
        .testTarget(name: "D8WireTests", dependencies: ["D8Wire", "D8Core"]),
        .testTarget(name: "D8WorkerTests", dependencies: ["D8Worker", "D8Client", "D8Core", "D8Harness"]),
        .testTarget(
            name: "D8ServerTests",
            dependencies: [
                "D8Server", "D8Core", "D8Harness", "D8Wire",
                .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "D8PluginKitTests", dependencies: ["D8PluginKit", "D8Contracts"]),
        .testTarget(name: "ProviderPluginTests", dependencies: ["D8Worker", "D8Core", "D8Harness"]),
        .testTarget(name: "WorkerEndToEndTests", dependencies: ["D8Worker", "D8Core", "D8Harness"]),
        .testTarget(name: "D8ClientTests", dependencies: ["D8Client", "D8Core", "D8Harness"]),
        // Several `d8 serve` nodes on one PostgreSQL, with real workers: skipped without one.
        .testTarget(name: "ClusterTests", dependencies: ["D8Client", "D8Core", "D8Harness"]),
    ],
    cLanguageStandard: .c11
)
