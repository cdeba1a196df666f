// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-bench", targets: ["vigil-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.0"),
    ],
    targets: [
        // No pkgConfig for ncursesw: its -D_XOPEN_SOURCE flags are refused by SwiftPM
        // with a warning; the shim header defines what they would (DESIGN 4).
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CShims", dependencies: ["CNcursesw", "CCurl"]),
        .target(name: "VigilCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "VigilUI", dependencies: ["VigilCore"]),
        .target(name: "VigilApp", dependencies: ["VigilCore", "VigilUI"]),
        .target(name: "VigilTerminal", dependencies: ["VigilUI", "CNcursesw", "CShims"]),
        .target(name: "VigilNet", dependencies: ["VigilCore", "CCurl", "CShims"]),
        // The history on disk (SQLite): its own target, so only the
        // executable and its tests link SQLite.
        .target(name: "VigilHistory", dependencies: ["VigilCore", "CSQLite", "CShims"]),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore", "VigilNet", "VigilUI", "VigilApp", "VigilTerminal", "VigilHistory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        .executableTarget(name: "vigil-bench", dependencies: ["VigilCore", "VigilUI"]),
        // libFuzzer targets (scripts/fuzz.sh); built normally, a replay driver.
        .executableTarget(name: "vigil-fuzz", dependencies: ["VigilCore"]),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"], exclude: ["PromQL"]),
        .target(name: "VigilTestSupport", path: "Tests/VigilTestSupport"),
        .testTarget(
            name: "VigilNetTests", dependencies: ["VigilNet", "VigilCore", "VigilTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "VigilAppTests", dependencies: ["VigilApp", "VigilCore", "VigilUI"], exclude: ["Fixtures"]),
        .testTarget(name: "VigilUITests", dependencies: ["VigilUI", "VigilCore", "VigilTerminal", "CShims"]),
        .testTarget(name: "VigilHistoryTests", dependencies: ["VigilHistory", "VigilCore"]),
        .testTarget(
            name: "VigilIntegrationTests", dependencies: ["VigilCore", "VigilUI", "VigilHistory", "VigilTestSupport"],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
