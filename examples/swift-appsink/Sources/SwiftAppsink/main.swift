// Pulls generated frames from happyhorsesrc through an appsink and prints a line per frame.
//   swift run -c release SwiftAppsink [frames] ["prompt"] [extra happyhorsesrc properties]
// With GST_PLUGIN_PATH pointing at the folder holding libgsthappyhorse.so (bash run.sh does it).
import CGstAppSink
import Foundation

let args = CommandLine.arguments
let frames = args.count > 1 ? Int(args[1]) ?? 10 : 10
let prompt = args.count > 2 ? args[2] : "a brown horse gallops across a green meadow"
let extra = args.count > 3 ? args[3...].joined(separator: " ") : ""

gst_init(nil, nil)
var error: UnsafeMutablePointer<GError>?
let description = "happyhorsesrc name=src is-live=true prompt=\"\(prompt)\" num-buffers=\(frames) \(extra) "
    + "! video/x-raw,format=RGB ! appsink name=sink sync=false"
guard let pipeline = gst_parse_launch(description, &error) else {
    print("could not build the pipeline: \(error.map { String(cString: $0.pointee.message) } ?? "?")")
    exit(1)
}
let bin = UnsafeMutableRawPointer(pipeline).assumingMemoryBound(to: GstBin.self)
let sinkElement = gst_bin_get_by_name(bin, "sink")!
let appsink = UnsafeMutableRawPointer(sinkElement).assumingMemoryBound(to: GstAppSink.self)

gst_element_set_state(pipeline, GST_STATE_PLAYING)
var count = 0
let started = Date()
while let sample = gst_app_sink_pull_sample(appsink) {
    if let buffer = gst_sample_get_buffer(sample) {
        var map = GstMapInfo()
        if gst_buffer_map(buffer, &map, GST_MAP_READ) != 0 {
            var sum: UInt64 = 0
            for i in stride(from: 0, to: Int(map.size), by: 97) { sum &+= UInt64(map.data[i]) }
            let pts = Double(buffer.pointee.pts) / 1e9
            print(String(format: "frame %3d  pts %7.3f s  %6d bytes  checksum %llu  (%.2f s since start)",
                         count, pts, Int(map.size), sum, Date().timeIntervalSince(started)))
            gst_buffer_unmap(buffer, &map)
        }
    }
    gst_mini_object_unref(UnsafeMutableRawPointer(sample).assumingMemoryBound(to: GstMiniObject.self))
    count += 1
}
// nil: EOS (or an error: look on the bus).
let bus = gst_element_get_bus(pipeline)!
var failed = false
while let message = gst_bus_pop(bus) {
    if message.pointee.type == GST_MESSAGE_ERROR {
        var err: UnsafeMutablePointer<GError>?
        gst_message_parse_error(message, &err, nil)
        print("error: \(err.map { String(cString: $0.pointee.message) } ?? "?")")
        g_error_free(err)
        failed = true
    }
    gst_mini_object_unref(UnsafeMutableRawPointer(message).assumingMemoryBound(to: GstMiniObject.self))
}
gst_element_set_state(pipeline, GST_STATE_NULL)
gst_object_unref(UnsafeMutableRawPointer(bus))
gst_object_unref(UnsafeMutableRawPointer(sinkElement))
gst_object_unref(UnsafeMutableRawPointer(pipeline))
print("\(count) frames")
exit(failed || count != frames ? 1 : 0)
