/* Internal to the shim: shared between plugin.c and gsthappyhorsesrc.c. */
#ifndef GST_HAPPY_HORSE_INTERNAL_H
#define GST_HAPPY_HORSE_INTERNAL_H

#include <glib.h>
#include <gst/gst.h>

/* ---- Object lock, visible to ThreadSanitizer (docs/reliability.md §5) ------------------------------------
 * GST_OBJECT_LOCK is a GMutex, a bare futex that TSan cannot see, so two accesses both under the lock were
 * reported as races. Under TSan these macros also tell it the happens-before edge the lock gives (acquire after
 * locking, release before unlocking, on the lock's address); otherwise they are exactly GST_OBJECT_LOCK/UNLOCK.
 * Use them for every object-lock site in CShim/. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HH_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define HH_TSAN 1
#endif

#ifdef HH_TSAN
#include <sanitizer/tsan_interface.h>
#define HH_OBJECT_LOCK(obj) G_STMT_START { \
    GST_OBJECT_LOCK (obj); __tsan_acquire (&GST_OBJECT_CAST (obj)->lock); } G_STMT_END
#define HH_OBJECT_UNLOCK(obj) G_STMT_START { \
    __tsan_release (&GST_OBJECT_CAST (obj)->lock); GST_OBJECT_UNLOCK (obj); } G_STMT_END
/* A buffer handed between threads through GLib's own (invisible) locks, downstream or back through the buffer
 * pool: the writer releases on the buffer's address when it hands it over, the next owner acquires. */
#define HH_TSAN_RELEASE(addr) __tsan_release ((void *) (addr))
#define HH_TSAN_ACQUIRE(addr) __tsan_acquire ((void *) (addr))
#else
#define HH_OBJECT_LOCK(obj) GST_OBJECT_LOCK (obj)
#define HH_OBJECT_UNLOCK(obj) GST_OBJECT_UNLOCK (obj)
#define HH_TSAN_RELEASE(addr) ((void) 0)
#define HH_TSAN_ACQUIRE(addr) ((void) 0)
#endif

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
  gdouble static_hold;          /* -1 = the model's default */
  gdouble autoguidance;         /* -1 = the model's default, <= 1 = off */
  gint64 seed;                  /* the seed property: -1 = a random seed */
  gint64 revision;
} GstHappyHorseLiveSettings;

/* What gst_happy_horse_live_pop() hands out with a frame. applied_prompt: owned by the caller (g_free), non-NULL on
 * the first frame of a new settings revision; seed and guidance are that revision's then. */
typedef struct
{
  gint64 index;
  gint64 chunk;
  gint64 revision;
  gint steps;
  gdouble chunk_seconds;
  gchar *applied_prompt;
  guint64 seed;
  gdouble guidance;
  gdouble static_hold;          /* resolved: the model's for -1 */
  gdouble autoguidance;         /* resolved: the model's for -1, 1 = off */
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
    gint64 seed_property, gint fps_n, gint fps_d, guint latency_ms, gint default_steps, gdouble default_guidance,
    gdouble default_static_hold, gdouble default_autoguidance);
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
