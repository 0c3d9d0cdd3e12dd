// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "tally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tally", targets: ["tally"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Pure domain: credits, money, the price catalog, SMS segments, phone numbers,
        // email addresses and every charge policy. Foundation only, no I/O.
        .target(
            name: "TallyCore",
            swiftSettings: swiftSettings
        ),
        // The Store protocol and its SQLite (GRDB) and PostgreSQL (PostgresNIO) conformances.
        .target(
            name: "TallyStore",
            dependencies: [
                "TallyCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // glibc's DNS resolver (libresolv) in one thread-safe C call, for the DNS email verifier.
        .target(
            name: "CResolv",
            linkerSettings: [.linkedLibrary("resolv")]
        ),
        // Application services (wallet, purchases, features, recharges, webhooks) and providers.
        .target(
            name: "TallyApp",
            dependencies: [
                "TallyCore",
                "TallyStore",
                "CResolv",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API, web pages, auth, metrics and the OpenAPI document, on Hummingbird 2.
        .target(
            name: "TallyServer",
            dependencies: [
                "TallyApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `tally` subcommands: serve, migrate, verify, demo, bench.
        .target(
            name: "TallyCommand",
            dependencies: [
                "TallyServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The executable: a one-line shim over TallyCommand.
        .executableTarget(
            name: "tally",
            dependencies: [
                "TallyCommand",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test databases shared by the test targets: PostgreSQL copies of a migrated
        // template, and the backend TALLY_TEST_BACKEND picks for the HTTP suite; the fake
        // bureau bridge the provider tests run on loopback.
        .target(
            name: "TallyTestSupport",
            dependencies: [
                "TallyStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TallyTestSupport",
            swiftSettings: swiftSettings
        ),
        // The fake Stripe of the tests as a process (prints its port and key, runs until
        // killed): the browser tests run `tally serve` against it.
        .executableTarget(
            name: "fake-stripe",
            dependencies: ["TallyTestSupport"],
            path: "Tests/FakeStripeServer",
            swiftSettings: swiftSettings
        ),
        // The fake Twilio of the tests as a process (prints its port and credentials, runs
        // until killed), for tests that run `tally serve` against it.
        .executableTarget(
            name: "fake-twilio",
            dependencies: ["TallyTestSupport"],
            path: "Tests/FakeTwilioServer",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TallyCoreTests",
            dependencies: ["TallyCore", "TallyTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TallyStoreTests",
            dependencies: [
                "TallyStore",
                "TallyTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TallyCommandTests",
            dependencies: [
                "TallyCommand",
                "TallyTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TallyServerTests",
            dependencies: [
                "TallyServer",
                "TallyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
