/* Internal to the shim: shared between plugin.c and gsthappyhorsesrc.c. */
#ifndef GST_HAPPY_HORSE_INTERNAL_H
#define GST_HAPPY_HORSE_INTERNAL_H

#include <glib.h>

G_BEGIN_DECLS

/* Remembers the directory of the loaded plugin file (NULL for static registration); the element searches the
 * built-in model in <that dir>/happyhorse/builtin. */
G_GNUC_INTERNAL void gst_happy_horse_src_set_plugin_file (const gchar * filename);

G_END_DECLS

#endif
