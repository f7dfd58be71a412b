/* Internal to the shim: shared between plugin.c and gsthappyhorsesrc.c. */
#ifndef GST_HAPPY_HORSE_INTERNAL_H
#define GST_HAPPY_HORSE_INTERNAL_H

#include <glib.h>

G_BEGIN_DECLS

/* Remembers the directory of the loaded plugin file (NULL for static registration); the element searches the
 * built-in model in <that dir>/happyhorse/builtin. */
G_GNUC_INTERNAL void gst_happy_horse_src_set_plugin_file (const gchar * filename);

/* ---- Live mode (gsthappyhorsesrc-live.c; docs/live.md) ---------------------------------------------------- */
#include "gsthappyhorsesrc.h"
#include "happyhorse_cabi.h"

typedef struct _GstHappyHorseLive GstHappyHorseLive;

/* Settings in force (copies; free prompt and negative_prompt with g_free). revision changes with any of them. */
typedef struct
{
  gchar *prompt;
  gchar *negative_prompt;
  gint steps;                   /* 0 = the model's default */
  gdouble guidance;
  gint64 revision;
} GstHappyHorseLiveSettings;

/* What gst_happy_horse_live_pop() hands out with a frame. applied_prompt: owned by the caller (g_free), non-NULL on
 * the first frame of a new settings revision. */
typedef struct
{
  gint64 index;
  gint64 chunk;
  gint64 revision;
  gint steps;
  gdouble chunk_seconds;
  gchar *applied_prompt;
} GstHappyHorseLiveFrameInfo;

/* gsthappyhorsesrc.c, for the live code */
G_GNUC_INTERNAL void gst_happy_horse_src_get_live_settings (GstHappyHorseSrc * self, GstHappyHorseLiveSettings * out);
G_GNUC_INTERNAL void gst_happy_horse_src_set_prompt_from_text (GstHappyHorseSrc * self, const gchar * text);
G_GNUC_INTERNAL gsize gst_happy_horse_src_native_size (GstHappyHorseSrc * self);
G_GNUC_INTERNAL GstHappyHorseLive *gst_happy_horse_src_get_live (GstHappyHorseSrc * self);

/* gsthappyhorsesrc-live.c */
G_GNUC_INTERNAL void gst_happy_horse_live_class_init (GstElementClass * element_class);
G_GNUC_INTERNAL GstHappyHorseLive *gst_happy_horse_live_new (GstHappyHorseSrc * src);
G_GNUC_INTERNAL void gst_happy_horse_live_free (GstHappyHorseLive * live);
G_GNUC_INTERNAL gboolean gst_happy_horse_live_start (GstHappyHorseLive * live, hh_engine * engine, guint64 seed,
    gint fps_n, gint fps_d, guint latency_ms, gint default_steps);
G_GNUC_INTERNAL void gst_happy_horse_live_stop (GstHappyHorseLive * live);
G_GNUC_INTERNAL void gst_happy_horse_live_unlock (GstHappyHorseLive * live);
G_GNUC_INTERNAL void gst_happy_horse_live_unlock_stop (GstHappyHorseLive * live);
G_GNUC_INTERNAL void gst_happy_horse_live_flushed (GstHappyHorseLive * live);
G_GNUC_INTERNAL GstFlowReturn gst_happy_horse_live_pop (GstHappyHorseLive * live, GstBuffer * native,
    GstHappyHorseLiveFrameInfo * info);
G_GNUC_INTERNAL GstClockTime gst_happy_horse_live_running_time (GstHappyHorseLive * live, gint64 index,
    gboolean * discont);
G_GNUC_INTERNAL void gst_happy_horse_live_handed_out (GstHappyHorseLive * live,
    const GstHappyHorseLiveFrameInfo * info, GstClockTime running_time, GstClockTime pts);
G_GNUC_INTERNAL GstClockTime gst_happy_horse_live_latency (GstHappyHorseLive * live);
G_GNUC_INTERNAL GstClockTime gst_happy_horse_live_query_latency (GstHappyHorseLive * live);
G_GNUC_INTERNAL void gst_happy_horse_live_qos_event (GstHappyHorseLive * live, GstEvent * event);

G_END_DECLS

#endif
