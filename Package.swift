// swift-tools-version:6.0
// happyhorsesrc: a GStreamer source element that turns a text prompt into generated video.
// No unsafeFlags anywhere, so this package can be used as a dependency.
import PackageDescription

let gstreamerProviders: [SystemPackageProvider] = [
    .apt(["libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev", "libglib2.0-dev"]),
]

let package = Package(
    name: "happyhorse-gst",
    products: [
        // libgsthappyhorse.so: the GStreamer plugin (name fixed by GStreamer's file-name rule).
        .library(name: "gsthappyhorse", type: .dynamic, targets: ["GstHappyHorse", "HappyHorseCABI"]),
        // The engine, usable without GStreamer.
        .library(name: "HappyHorse", targets: ["HappyHorse"]),
        .executable(name: "happyhorse-bench", targets: ["HappyHorseBench"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGStreamer", path: "Sources/CGStreamer", pkgConfig: "gstreamer-video-1.0",
                       providers: gstreamerProviders),
        // Tests only, so the plugin itself does not link libgstapp / libgstcheck.
        .systemLibrary(name: "CGstApp", path: "Sources/CGstApp", pkgConfig: "gstreamer-check-1.0",
                       providers: gstreamerProviders),
        // The engine: never imports GStreamer.
        .target(name: "HappyHorse", dependencies: ["COpenBLAS"], path: "Sources/HappyHorse"),
        // The C ABI's header (structs and prototypes), shared by the shim and the Swift side that implements it.
        .target(name: "CHappyHorseABI", path: "Sources/CHappyHorseABI"),
        // The narrow C ABI the shim calls (@_cdecl functions only).
        .target(name: "HappyHorseCABI", dependencies: ["HappyHorse", "CHappyHorseABI"], path: "Sources/HappyHorseCABI"),
        // All GObject/GStreamer glue, in C.
        .target(name: "GstHappyHorse", dependencies: ["CGStreamer", "HappyHorseCABI"], path: "CShim",
                cSettings: [.define("PACKAGE", to: "\"happyhorse\"")]),
        .executableTarget(name: "HappyHorseBench", dependencies: ["HappyHorse", "COpenBLAS"], path: "Sources/HappyHorseBench"),
        .testTarget(name: "HappyHorseTests", dependencies: ["HappyHorse"], path: "Tests/HappyHorseTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "GstHappyHorseTests", dependencies: ["GstHappyHorse", "HappyHorseCABI", "CHappyHorseABI", "CGstApp", "CGStreamer"],
                    path: "Tests/GstHappyHorseTests"),
    ]
)
