/* What the clip producer and the live producer share: the run they serve and the "next frame" shape that fill()
 * calls, whatever the mode (produce into the native buffer, then fill() converts and stamps). */
#ifndef HAPPYHORSE_PRODUCER_H
#define HAPPYHORSE_PRODUCER_H

#include <gst/gst.h>
#include "happyhorse-settings.h"
#include "happyhorse_cabi.h"

G_BEGIN_DECLS

/* One run of the element, from start() to stop(): what was loaded and snapshot when it started. */
typedef struct
{
  GstElement *element;
  HhSettingsStore *store;
  hh_engine *engine;
  hh_cancel *cancel;            /* the element's: triggered by unlock() */
  const gchar *model_name;
  gint fps_n, fps_d;
  gsize native_size;            /* bytes of one packed RGB frame at the model's size */
  gint64 frames_per_clip;
  guint num_clips;              /* 0 = unlimited */
  gdouble duration;
  guint latency_ms;
  guint64 base_seed;            /* clip k uses base_seed + k (a fixed seed, or one drawn at start) */
  gint64 seed_property;         /* the seed setting at start (-1 = random) */
} HhRun;

/* A produced frame, before conversion and timestamp-offset. */
typedef struct
{
  gint64 index;                 /* running index over the whole stream */
  GstClockTime time;            /* stream time (clips) or running time (live) */
  gboolean discont;
} HhFrame;

typedef struct
{
  /* Writes the next frame into `native` (packed RGB); EOS, FLUSHING or ERROR (with an error posted). */
  GstFlowReturn (*next) (gpointer producer, const GstSegment * segment, GstBuffer * native, HhFrame * frame);
  /* After fill() stamped the frame with `pts`: messages and decisions that need it (may be NULL). */
  void (*handed_out) (gpointer producer, const HhFrame * frame, GstClockTime pts);
} HhProducerInterface;

/* Time of frame n at fps_n/fps_d. */
static inline GstClockTime
hh_frame_time (gint fps_n, gint fps_d, gint64 n)
{
  return gst_util_uint64_scale (n, (guint64) fps_d * GST_SECOND, fps_n);
}

/* A seed from the system's generator, as a non-negative gint64. */
static inline guint64
hh_random_seed (void)
{
  return (((guint64) g_random_int () << 32) | g_random_int ()) & G_MAXINT64;
}

G_END_DECLS

#endif
