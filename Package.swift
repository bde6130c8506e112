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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // The hot path in C11: lock-free priority queues, the worker table and the plugin ABI header.
        .target(
            name: "CCore",
            path: "CCore",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // Domain model and the Swift face of CCore. No I/O.
        .target(name: "D8Core", dependencies: ["CCore"]),
        // The orchestrator: HTTP API over the scheduler.
        .target(
            name: "D8Server",
            dependencies: [
                "D8Core",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "d8",
            dependencies: [
                "D8Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "d8-bench",
            dependencies: [
                "D8Core",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .testTarget(name: "D8CoreTests", dependencies: ["D8Core"]),
        .testTarget(
            name: "D8ServerTests",
            dependencies: [
                "D8Server",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    cLanguageStandard: .c11
)
