// swift-tools-version:6.0
// A small Swift program embedding a GStreamer pipeline with happyhorsesrc and an appsink.
// It uses the plugin the way an application uses any installed plugin (GST_PLUGIN_PATH or the system plugin folder),
// so building it does not rebuild the engine: see README.md here.
import PackageDescription

let package = Package(
    name: "swift-appsink",
    targets: [
        .systemLibrary(name: "CGstAppSink", path: "Sources/CGstAppSink", pkgConfig: "gstreamer-app-1.0",
                       providers: [.apt(["libgstreamer-plugins-base1.0-dev"])]),
        .executableTarget(name: "SwiftAppsink", dependencies: ["CGstAppSink"], path: "Sources/SwiftAppsink"),
    ]
)
