/* The plugin definition: one element, happyhorsesrc. Nothing is loaded here; the model is loaded by the
 * element in start() (READY→PAUSED). */
#include "gsthappyhorsesrc.h"
#include "gsthappyhorse-internal.h"

#ifndef PACKAGE
#define PACKAGE "happyhorse"
#endif
#define HH_VERSION "0.1.0"
/* Where the plugin comes from, as gst-inspect-1.0 shows it. Set to the published repository URL. */
#define HH_PACKAGE_NAME "happyhorse-gst"
#define HH_PACKAGE_ORIGIN "Unknown package origin"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gst_happy_horse_src_set_plugin_file (gst_plugin_get_filename (plugin));
  return GST_ELEMENT_REGISTER (happyhorsesrc, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, happyhorse,
    "Text-to-video generation (HappyHorse diffusion transformer, CPU)",
    plugin_init, HH_VERSION, "LGPL", HH_PACKAGE_NAME, HH_PACKAGE_ORIGIN)
