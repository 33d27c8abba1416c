// swift-tools-version:6.1
// xenarm: a Xen-ARM style hypervisor as a multi-process emulator. See ../shared/DESIGN.md §6 (source layout).
import PackageDescription

// The interpreter's hot loop relies on exclusivity checks being off; everything else keeps them.
let fastCore: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "xenarm",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "xenarm", targets: ["xenarm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // The system libzmq (Debian libzmq3-dev), found by pkg-config. Only Wire imports it.
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .target(name: "Wire", dependencies: ["CZMQ", .product(name: "Logging", package: "swift-log")],
                exclude: ["README.md"]),
        .target(name: "ARMCore", swiftSettings: fastCore),
        // Guest-visible layouts and constants mirrored from the Xen public headers and Guests/include/xenarm-pv.h.
        .target(name: "XenABI"),
        .target(name: "Hypervisor", dependencies: [
            "ARMCore", "XenABI", "Wire", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: fastCore),
        // Dom0's services and backend drivers: xenstored, blkback, netback, console backend (DESIGN.md §2).
        .target(name: "Dom0Backend", dependencies: [
            "Wire", "XenABI", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "DeviceModels", dependencies: ["Wire", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Launcher", dependencies: [
            "Wire", "Yams", .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "xenarm", dependencies: [
            "ARMCore", "Wire", "DeviceModels", "Launcher", "XenABI", "Hypervisor", "Dom0Backend",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "ARMCoreTests", dependencies: ["ARMCore"]),
        .testTarget(name: "LauncherTests", dependencies: ["Launcher"], exclude: ["Fixtures"]),
        .testTarget(name: "XenABITests", dependencies: ["XenABI"]),
        .testTarget(name: "HypervisorTests", dependencies: ["Hypervisor", "ARMCore", "XenABI", "Wire"]),
        .testTarget(name: "Dom0BackendTests", dependencies: ["Dom0Backend", "Wire", "XenABI"]),
        .testTarget(name: "DeviceModelsTests", dependencies: ["DeviceModels", "Wire"]),
    ]
)
