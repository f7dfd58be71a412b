/* Every bus message and tag happyhorsesrc posts, in one place; docs/live.md and the README cite these schemas.
 *
 *  GST_MESSAGE_PROGRESS  codes "loading", "encoding-prompt", "denoising" (CONTINUE: "step i/N"), "decoding";
 *                        every stage is closed (COMPLETE, CANCELED or ERROR) before a frame is pushed.
 *  happyhorsesrc-progress  stage (string), step, total (int), elapsed, eta (double, s), clip (int64),
 *                        seed (uint64), frames-done (int64), realtime-factor (double), peak-rss (uint64, bytes)
 *  happyhorsesrc-clip    clip (int64), prompt (string), seed (uint64), steps (uint), frames (int64), model (string)
 *  happyhorsesrc-chunk   (live) chunk, frame (int64), steps (int), seconds, realtime-factor (double),
 *                        running-time, latency (uint64, ns)
 *  happyhorsesrc-settings-applied  (live) prompt (string), steps (int), seed (uint64), guidance-scale,
 *                        static-hold, autoguidance-scale (double, resolved), revision, chunk, frame (int64),
 *                        running-time, pts (uint64, ns)
 *  happyhorsesrc-qos     (live) action ("reduce-steps", "restore-steps", "resync"), steps, previous-steps (int),
 *                        lateness (int64, ns), running-time, latency (uint64, ns), chunk (int64)
 *  GST_EVENT_TAG         (global scope) description = prompt, comment = "seed=… steps=… model=…",
 *                        keywords = ai-generated, application-name = happyhorsesrc
 */
#ifndef HAPPYHORSE_MESSAGES_H
#define HAPPYHORSE_MESSAGES_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* The open progress stage of a generation (a hh_stage, -1 = none). */
typedef struct
{
  GstElement *element;
  gint stage;
} HhProgress;

/* What the engine reported, with the clip it belongs to. */
typedef struct
{
  gint stage;
  gint step, total;
  gdouble elapsed, eta;
  gint64 clip;
  guint64 seed;
  gint64 frames_done;
  gint fps_n, fps_d;
} HhProgressReport;

void hh_post_progress (GstElement * element, GstProgressType type, const gchar * code, const gchar * text);
/* Closes the open stage (COMPLETE, CANCELED or ERROR); nothing when none is open. */
void hh_progress_close (HhProgress * progress, GstProgressType type);
/* Opens the report's stage when it changes (closing the last one), then posts its step and happyhorsesrc-progress. */
void hh_progress_report (HhProgress * progress, const HhProgressReport * report);

void hh_post_clip (GstElement * element, gint64 clip, const gchar * prompt, guint64 seed, guint steps,
    gint64 frames, const gchar * model);
void hh_push_tags (GstElement * element, const gchar * prompt, guint64 seed, guint steps, const gchar * model);

typedef struct
{
  const gchar *prompt;
  gint steps;
  guint64 seed;
  gdouble guidance, static_hold, autoguidance;
  gint64 revision, chunk, frame;
  GstClockTime running_time, pts;
} HhSettingsApplied;

void hh_post_settings_applied (GstElement * element, const HhSettingsApplied * applied);
void hh_post_chunk (GstElement * element, gint64 chunk, gint64 frame, gint steps, gdouble seconds,
    gdouble realtime_factor, GstClockTime running_time, GstClockTime latency);
void hh_post_qos (GstElement * element, const gchar * action, gint steps, gint previous, GstClockTimeDiff lateness,
    GstClockTime running_time, GstClockTime latency, gint64 chunk);

G_END_DECLS

#endif
