import CGStreamer
import CGstApp
import Foundation

/// A GstHarness around an already configured happyhorsesrc, with `sinkCaps` on the harness sink pad from the start.
///
/// happyhorsesrc has a sink pad template (the `text_sink` request pad of the prompt timeline), so GstHarness treats
/// it as an element with a sink pad and sets it to PLAYING as soon as it is added: properties must be set before,
/// and the harness sink pad's template must already carry the caps wanted (set_sink_caps afterwards would race with
/// the first negotiation).
func sourceHarness(_ element: UnsafeMutablePointer<GstElement>, sinkCaps: String) -> UnsafeMutablePointer<GstHarness>? {
    // Templates must outlive the harness: allocated per call and never freed (tests only). The harness src pad
    // (required because of the sink pad template) stays unlinked.
    func template(_ name: String, _ direction: GstPadDirection, _ caps: String) -> UnsafeMutablePointer<GstStaticPadTemplate> {
        let t = UnsafeMutablePointer<GstStaticPadTemplate>.allocate(capacity: 1)
        t.initialize(to: GstStaticPadTemplate())
        t.pointee.name_template = UnsafePointer(strdup(name))
        t.pointee.direction = direction
        t.pointee.presence = GST_PAD_ALWAYS
        t.pointee.static_caps.string = UnsafePointer(strdup(caps))
        return t
    }
    return gst_harness_new_full(element, template("src", GST_PAD_SRC, "text/x-raw,format=utf8"), nil,
                                template("sink", GST_PAD_SINK, sinkCaps), "src")
}
