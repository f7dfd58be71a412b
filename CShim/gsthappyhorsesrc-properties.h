/* happyhorsesrc's properties: their specs (short blurbs; the details are in the element's documentation and the
 * README) and their reading and writing through the settings store. */
#ifndef GST_HAPPY_HORSE_SRC_PROPERTIES_H
#define GST_HAPPY_HORSE_SRC_PROPERTIES_H

#include <gst/gst.h>
#include "happyhorse-settings.h"

G_BEGIN_DECLS

/* Installs the properties and the set/get handlers on the class. The instance struct must provide its settings
 * store through `store_of` (it is the element's). */
void gst_happy_horse_src_install_properties (GObjectClass * gobject_class,
    HhSettingsStore * (*store_of) (GObject * object));

G_END_DECLS

#endif
