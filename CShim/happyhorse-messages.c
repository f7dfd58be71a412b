/* Bus messages and tags (schemas in happyhorse-messages.h). */
#include "happyhorse-messages.h"
#include "happyhorse_cabi.h"

#include <gst/base/gstbasesrc.h>

#include <sys/resource.h>

GST_DEBUG_CATEGORY_EXTERN (gst_happy_horse_src_debug);
#define GST_CAT_DEFAULT gst_happy_horse_src_debug

static const gchar *const stage_codes[] = { "loading", "encoding-prompt", "denoising", "decoding" };
static const gchar *const stage_names[] = { "Loading", "Encoding the prompt", "Denoising", "Decoding" };

static void
post_structure (GstElement * element, GstStructure * s)
{
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element), s));
}

void
hh_post_progress (GstElement * element, GstProgressType type, const gchar * code, const gchar * text)
{
  gst_element_post_message (element, gst_message_new_progress (GST_OBJECT (element), type, code, text));
}

void
hh_progress_close (HhProgress * progress, GstProgressType type)
{
  gchar *text;

  if (progress->stage < 0)
    return;
  text = g_strdup_printf ("%s %s", stage_names[progress->stage],
      type == GST_PROGRESS_TYPE_COMPLETE ? "done" : type == GST_PROGRESS_TYPE_CANCELED ? "cancelled" : "failed");
  hh_post_progress (progress->element, type, stage_codes[progress->stage], text);
  g_free (text);
  progress->stage = -1;
}

static void
open_stage (HhProgress * progress, const HhProgressReport * r)
{
  gchar *text;

  hh_progress_close (progress, GST_PROGRESS_TYPE_COMPLETE);
  if (r->stage == HH_STAGE_ENCODING_PROMPT)
    text = g_strdup_printf ("Encoding the prompt (clip %" G_GINT64_FORMAT ", seed %" G_GUINT64_FORMAT ")",
        r->clip, r->seed);
  else
    text = g_strdup_printf ("%s", stage_names[r->stage]);
  hh_post_progress (progress->element, GST_PROGRESS_TYPE_START, stage_codes[r->stage], text);
  g_free (text);
  progress->stage = r->stage;
}

/* Frames of the clip returned so far, video seconds made per wall-clock second, peak memory. */
static void
post_generation_progress (GstElement * element, const HhProgressReport * r)
{
  struct rusage usage;
  guint64 peak_rss = 0;
  gdouble rtf = 0.0;

  if (getrusage (RUSAGE_SELF, &usage) == 0)
    peak_rss = (guint64) usage.ru_maxrss * 1024;
  if (r->elapsed > 0 && r->fps_n > 0)
    rtf = (gdouble) r->frames_done * r->fps_d / r->fps_n / r->elapsed;
  post_structure (element, gst_structure_new ("happyhorsesrc-progress",
          "stage", G_TYPE_STRING, stage_codes[r->stage],
          "step", G_TYPE_INT, r->step,
          "total", G_TYPE_INT, r->total,
          "elapsed", G_TYPE_DOUBLE, r->elapsed,
          "eta", G_TYPE_DOUBLE, r->eta,
          "clip", G_TYPE_INT64, r->clip,
          "seed", G_TYPE_UINT64, r->seed,
          "frames-done", G_TYPE_INT64, r->frames_done,
          "realtime-factor", G_TYPE_DOUBLE, rtf, "peak-rss", G_TYPE_UINT64, peak_rss, NULL));
}

void
hh_progress_report (HhProgress * progress, const HhProgressReport * r)
{
  if (r->stage < HH_STAGE_LOADING || r->stage > HH_STAGE_DECODING)
    return;
  if (r->stage != progress->stage)
    open_stage (progress, r);
  if (r->stage == HH_STAGE_DENOISING) {
    gchar *text = g_strdup_printf ("step %d/%d", r->step, r->total);
    hh_post_progress (progress->element, GST_PROGRESS_TYPE_CONTINUE, stage_codes[r->stage], text);
    g_free (text);
  }
  post_generation_progress (progress->element, r);
}

void
hh_post_clip (GstElement * element, gint64 clip, const gchar * prompt, guint64 seed, guint steps, gint64 frames,
    const gchar * model)
{
  post_structure (element, gst_structure_new ("happyhorsesrc-clip",
          "clip", G_TYPE_INT64, clip,
          "prompt", G_TYPE_STRING, prompt,
          "seed", G_TYPE_UINT64, seed,
          "steps", G_TYPE_UINT, steps, "frames", G_TYPE_INT64, frames, "model", G_TYPE_STRING, model, NULL));
}

void
hh_push_tags (GstElement * element, const gchar * prompt, guint64 seed, guint steps, const gchar * model)
{
  gchar *comment = g_strdup_printf ("seed=%" G_GUINT64_FORMAT " steps=%u model=%s", seed, steps, model);
  GstTagList *tags = gst_tag_list_new (GST_TAG_DESCRIPTION, prompt,
      GST_TAG_COMMENT, comment,
      GST_TAG_KEYWORDS, "ai-generated",
      GST_TAG_APPLICATION_NAME, "happyhorsesrc", NULL);

  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_GLOBAL);
  g_free (comment);
  GST_DEBUG_OBJECT (element, "pushing tags %" GST_PTR_FORMAT, tags);
  gst_pad_push_event (GST_BASE_SRC_PAD (element), gst_event_new_tag (tags));
}

void
hh_post_settings_applied (GstElement * element, const HhSettingsApplied * a)
{
  GstStructure *s = gst_structure_new ("happyhorsesrc-settings-applied",
      "prompt", G_TYPE_STRING, a->prompt,
      "steps", G_TYPE_INT, a->steps,
      "seed", G_TYPE_UINT64, a->seed,
      "guidance-scale", G_TYPE_DOUBLE, a->guidance,
      "static-hold", G_TYPE_DOUBLE, a->static_hold,
      "autoguidance-scale", G_TYPE_DOUBLE, a->autoguidance,
      "revision", G_TYPE_INT64, a->revision,
      "chunk", G_TYPE_INT64, a->chunk,
      "frame", G_TYPE_INT64, a->frame,
      "running-time", G_TYPE_UINT64, (guint64) a->running_time,
      "pts", G_TYPE_UINT64, (guint64) a->pts, NULL);

  GST_INFO_OBJECT (element, "settings applied: %" GST_PTR_FORMAT, s);
  post_structure (element, s);
}

void
hh_post_chunk (GstElement * element, gint64 chunk, gint64 frame, gint steps, gdouble seconds,
    gdouble realtime_factor, GstClockTime running_time, GstClockTime latency)
{
  post_structure (element, gst_structure_new ("happyhorsesrc-chunk",
          "chunk", G_TYPE_INT64, chunk,
          "frame", G_TYPE_INT64, frame,
          "steps", G_TYPE_INT, steps,
          "seconds", G_TYPE_DOUBLE, seconds,
          "realtime-factor", G_TYPE_DOUBLE, realtime_factor,
          "running-time", G_TYPE_UINT64, (guint64) running_time, "latency", G_TYPE_UINT64, (guint64) latency, NULL));
}

void
hh_post_qos (GstElement * element, const gchar * action, gint steps, gint previous, GstClockTimeDiff lateness,
    GstClockTime running_time, GstClockTime latency, gint64 chunk)
{
  GstStructure *s = gst_structure_new ("happyhorsesrc-qos",
      "action", G_TYPE_STRING, action,
      "steps", G_TYPE_INT, steps,
      "previous-steps", G_TYPE_INT, previous,
      "lateness", G_TYPE_INT64, (gint64) lateness,
      "running-time", G_TYPE_UINT64, (guint64) running_time,
      "latency", G_TYPE_UINT64, (guint64) latency, "chunk", G_TYPE_INT64, chunk, NULL);

  GST_INFO_OBJECT (element, "QoS: %" GST_PTR_FORMAT, s);
  post_structure (element, s);
}
