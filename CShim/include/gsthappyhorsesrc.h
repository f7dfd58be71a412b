/* happyhorsesrc: a GStreamer source element that turns a text prompt into generated video.
 * Public header of the C shim (CShim/): the element type, its registration, and the plugin's static
 * registration entry point (used by in-process tests). */
#ifndef GST_HAPPY_HORSE_SRC_H
#define GST_HAPPY_HORSE_SRC_H

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_HAPPY_HORSE_SRC (gst_happy_horse_src_get_type ())
G_DECLARE_FINAL_TYPE (GstHappyHorseSrc, gst_happy_horse_src, GST, HAPPY_HORSE_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE (happyhorsesrc);

/* Emitted by GST_PLUGIN_DEFINE in plugin.c: registers the plugin statically (no .so lookup), for tests and
 * applications that link the plugin in. Call after gst_init(), once per process. */
void gst_plugin_happyhorse_register (void);

G_END_DECLS

#endif /* GST_HAPPY_HORSE_SRC_H */
