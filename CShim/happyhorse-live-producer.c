/* happyhorsesrc live mode (is-live=true): an endless stream generated ahead of the clock by a worker thread.
 *
 * Design (docs/live.md):
 *  - start() (READY→PAUSED) starts one endless engine generation (hh_live_*) and a worker GThread. The worker
 *    computes chunk after chunk (each continuing from the previous chunk's last latent frames) into a queue of
 *    native RGB frames, bounded by one chunk plus the `latency` budget; it never runs further ahead.
 *  - fill() (streaming thread) pops the next frame; it waits on a condition variable, and unlock() (pause, flush,
 *    state change) wakes it with FLUSHING. The worker keeps its place across pauses and flushes, so the latent
 *    continuation survives them. stop() cancels the running chunk (own hh_cancel) and joins the worker.
 *  - Chunk boundaries: before computing a chunk the worker applies the settings in force (prompt property, or the
 *    latest text buffer of the prompt timeline whose running time is at or before the chunk's first frame), and
 *    the QoS step reduction. Frames carry the settings revision of their chunk; the first frame of a new revision
 *    posts `happyhorsesrc-settings-applied` with its running time.
 *  - Time: frame n has running time anchor_rt + (t(n) − t(anchor_n)); the anchor is the running time at which the
 *    first frame is handed out, and again after a flush (the running time may restart) or a QoS resync.
 *  - LATENCY: chunk computing time (measured; a running estimate) + the latency budget. A LATENCY message is posted
 *    when the estimate grows by more than a quarter, so the pipeline re-queries.
 *  - QoS: a frame handed out later than its running time + the reported latency (or a QoS event with positive
 *    jitter) reduces the steps of the following chunks (at most once per chunk) and posts `happyhorsesrc-qos`;
 *    at 1 step and still late by more than a chunk, the timeline is re-anchored (a gap, DISCONT) instead of
 *    drifting later and later. A chunk computed in less than half its duration restores one step.
 *  - The prompt timeline: request sink pad `text_sink` (text/x-raw, utf8). GstPushSrc has no sink pad of its own;
 *    the element class gets a request pad template and request_new_pad/release_pad, and the pad's chain function
 *    only records (running time, text); it never blocks and never forwards anything downstream.
 */

#include "gsthappyhorsesrc.h"
#include "gsthappyhorse-internal.h"
#include "happyhorse_cabi.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (hh_live_debug);
#define GST_CAT_DEFAULT hh_live_debug

typedef struct
{
  GstBuffer *rgb;               /* native packed RGB */
  gint64 index;
  gint64 chunk;
  gint64 revision;
  gint steps;
  gdouble chunk_seconds;        /* > 0 on the first frame handed out by a chunk */
  gchar *applied_prompt;        /* non-NULL on the first frame of a new settings revision */
  guint64 seed;                 /* with applied_prompt: that revision's seed, guidance, static hold, autoguidance */
  gdouble guidance;
  gdouble static_hold;
  gdouble autoguidance;
} LiveFrame;

typedef struct
{
  GstClockTime running_time;    /* NONE = apply at the next chunk */
  gchar *text;
} TimedPrompt;

struct _GstHappyHorseLive
{
  GstHappyHorseSrc *src;        /* owner, not reffed */

  GMutex lock;
  GCond cond;
  GThread *thread;
  gboolean running;             /* worker should keep going */
  gboolean flushing;            /* fill() returns FLUSHING */
  gboolean failed;
  gchar *error;
  hh_cancel *cancel;            /* this run's; triggered only by stop() */
  hh_live *stream;
  GQueue frames;                /* LiveFrame* */
  guint max_frames;
  gint frames_per_chunk;

  gint fps_n, fps_d;
  guint latency_ms;
  gint default_steps;
  gdouble default_guidance;     /* the model's, which guidance-scale 0 stands for (resolved again by the engine) */
  gdouble default_static_hold;  /* the model's, which static-hold -1 stands for (resolved again by the engine) */
  gdouble default_autoguidance; /* the model's, which autoguidance-scale -1 stands for (1 = none) */

  /* What the worker sent to the engine (worker thread only, reset by start). */
  gint64 sent_revision;
  gint sent_steps;
  gchar *sent_prompt;           /* of sent_revision */
  gdouble sent_guidance;
  gdouble sent_static_hold;
  gdouble sent_autoguidance;
  gint64 seed_property;         /* seed property the noise seed came from (-1: drawn at random) */
  guint64 stream_seed;          /* seed the noise of the next chunks comes from */

  /* Timeline anchor (under lock): running time of frame anchor_index; NONE = anchor at the next frame. */
  GstClockTime anchor_rt;
  gint64 anchor_index;
  gboolean anchored_once;       /* the worker waits for the first anchor before its second chunk */
  gboolean discont;

  /* Estimates and QoS (under lock). */
  gdouble chunk_estimate;       /* seconds, 0 = not measured */
  GstClockTime reported_latency;
  gint qos_steps;               /* 0 = no reduction; else the step cap for the next chunks */
  gint configured_steps;        /* steps the settings ask for (before the QoS cap) */
  gint64 qos_chunk;             /* chunk of the last QoS decision */
  gint64 qos_late_hint;         /* jitter from a QoS event, ns; 0 = none */
  gint last_steps;
  gint64 last_reported_revision;

  /* Prompt timeline (under lock). */
  GList *timeline;              /* TimedPrompt*, sorted by running time */
  GstPad *text_pad;
  GstSegment text_segment;
};

static GstStaticPadTemplate text_sink_template = GST_STATIC_PAD_TEMPLATE ("text_sink",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static void
live_frame_free (LiveFrame * f)
{
  gst_buffer_unref (f->rgb);
  g_free (f->applied_prompt);
  g_free (f);
}

static void
timed_prompt_free (TimedPrompt * t)
{
  g_free (t->text);
  g_free (t);
}

static GstClockTime
frame_time (GstHappyHorseLive * live, gint64 n)
{
  return gst_util_uint64_scale (n, (guint64) live->fps_d * GST_SECOND, live->fps_n);
}

/* Current running time of the element's clock (NONE without a clock). Only used while the element is live-running:
 * the pipeline sets the base time before PAUSED→PLAYING reaches the element, and fill() may already run before
 * GST_STATE() reads PLAYING. */
static GstClockTime
now_running_time (GstHappyHorseLive * live)
{
  GstElement *element = GST_ELEMENT (live->src);
  GstClock *clock = gst_element_get_clock (element);
  GstClockTime now, base;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  base = gst_element_get_base_time (element);
  if (now < base)
    return GST_CLOCK_TIME_NONE;
  return now - base;
}

/* Running time of frame n (lock held); NONE before the anchor. */
static GstClockTime
frame_running_time_locked (GstHappyHorseLive * live, gint64 n)
{
  if (!GST_CLOCK_TIME_IS_VALID (live->anchor_rt))
    return GST_CLOCK_TIME_NONE;
  if (n >= live->anchor_index)
    return live->anchor_rt + frame_time (live, n) - frame_time (live, live->anchor_index);
  return live->anchor_rt;
}

GstHappyHorseLive *
gst_happy_horse_live_new (GstHappyHorseSrc * src)
{
  GstHappyHorseLive *live = g_new0 (GstHappyHorseLive, 1);

  live->src = src;
  g_mutex_init (&live->lock);
  g_cond_init (&live->cond);
  g_queue_init (&live->frames);
  gst_segment_init (&live->text_segment, GST_FORMAT_TIME);
  live->anchor_rt = GST_CLOCK_TIME_NONE;
  live->fps_n = 25;
  live->fps_d = 1;
  return live;
}

void
gst_happy_horse_live_free (GstHappyHorseLive * live)
{
  if (live == NULL)
    return;
  gst_happy_horse_live_stop (live);
  g_list_free_full (live->timeline, (GDestroyNotify) timed_prompt_free);
  g_free (live->sent_prompt);
  g_mutex_clear (&live->lock);
  g_cond_clear (&live->cond);
  g_free (live);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The worker                                                                                                */

static void
post_latency_if_grown (GstHappyHorseLive * live)
{
  GstClockTime latency = gst_happy_horse_live_latency (live);
  gboolean post;

  g_mutex_lock (&live->lock);
  post = GST_CLOCK_TIME_IS_VALID (live->reported_latency) && latency > live->reported_latency
      && latency - live->reported_latency > live->reported_latency / 4;
  g_mutex_unlock (&live->lock);
  if (post) {
    GST_INFO_OBJECT (live->src, "latency estimate grew to %" GST_TIME_FORMAT ": posting a LATENCY message",
        GST_TIME_ARGS (latency));
    gst_element_post_message (GST_ELEMENT (live->src), gst_message_new_latency (GST_OBJECT (live->src)));
  }
}

/* At a chunk boundary (worker thread): applies the timeline and the settings in force, the seed among them. */
static void
apply_settings (GstHappyHorseLive * live, gint64 next_index)
{
  GstHappyHorseLiveSettings s = { 0 };
  TimedPrompt *due = NULL;
  GstClockTime boundary;
  gint steps, cap;

  g_mutex_lock (&live->lock);
  boundary = frame_running_time_locked (live, next_index);
  if (!GST_CLOCK_TIME_IS_VALID (boundary))
    boundary = 0;               /* first chunk: what is due at the start */
  while (live->timeline) {
    TimedPrompt *t = live->timeline->data;
    if (GST_CLOCK_TIME_IS_VALID (t->running_time) && t->running_time > boundary)
      break;
    if (due)
      timed_prompt_free (due);
    due = t;
    live->timeline = g_list_delete_link (live->timeline, live->timeline);
  }
  cap = live->qos_steps;
  g_mutex_unlock (&live->lock);

  if (due) {
    GST_INFO_OBJECT (live->src, "prompt timeline: \"%s\" (due at %" GST_TIME_FORMAT ") applies at the chunk "
        "starting at %" GST_TIME_FORMAT, due->text, GST_TIME_ARGS (due->running_time), GST_TIME_ARGS (boundary));
    gst_happy_horse_src_set_prompt_from_text (live->src, due->text);
    timed_prompt_free (due);
  }

  gst_happy_horse_src_get_live_settings (live->src, &s);
  steps = s.steps > 0 ? s.steps : live->default_steps;
  g_mutex_lock (&live->lock);
  live->configured_steps = steps;
  g_mutex_unlock (&live->lock);
  if (cap > 0 && cap < steps)
    steps = cap;
  if (s.seed != live->seed_property) {
    /* -1 while playing: a new random seed, as at start. */
    guint64 seed = s.seed >= 0 ? (guint64) s.seed
        : (((guint64) g_random_int () << 32) | g_random_int ()) & G_MAXINT64;
    if (hh_live_reseed (live->stream, seed) == HH_OK) {
      GST_INFO_OBJECT (live->src, "seed %" G_GUINT64_FORMAT " from the next chunk on", seed);
      live->stream_seed = seed;
    } else {
      GST_WARNING_OBJECT (live->src, "this engine's live stream cannot change its seed: keeping %" G_GUINT64_FORMAT,
          live->stream_seed);
    }
    live->seed_property = s.seed;
  }
  if (s.revision != live->sent_revision || steps != live->sent_steps) {
    hh_live_update (live->stream, s.prompt, s.negative_prompt, steps, (float) s.guidance, s.static_hold,
        (float) s.autoguidance, s.revision);
    if (s.revision != live->sent_revision) {
      g_free (live->sent_prompt);
      live->sent_prompt = g_strdup (s.prompt);
      live->sent_guidance = s.guidance > 0 ? s.guidance : live->default_guidance;
      live->sent_static_hold = s.static_hold >= 0 ? s.static_hold : live->default_static_hold;
      /* what the engine runs: the model's for -1; without a guide (default 1) nothing; <= 1 = off */
      live->sent_autoguidance = live->default_autoguidance <= 1 ? 1.0
          : (s.autoguidance >= 0 ? MAX (s.autoguidance, 1.0) : live->default_autoguidance);
    }
    live->sent_revision = s.revision;
    live->sent_steps = steps;
  }
  g_free (s.prompt);
  g_free (s.negative_prompt);
}

static gpointer
worker (gpointer data)
{
  GstHappyHorseLive *live = data;
  gsize size = (gsize) gst_happy_horse_src_native_size (live->src);
  gint64 previous_revision = G_MININT64, produced = 0;

  for (;;) {
    LiveFrame *f;
    GstMapInfo map;
    hh_status status;
    char *error = NULL;
    int64_t index = 0, chunk = 0, revision = 0;
    int32_t steps = 0;
    double seconds = 0;

    g_mutex_lock (&live->lock);
    /* Run ahead by at most max_frames; after the first chunk wait for the anchor, so that chunk boundaries have
     * running times for the prompt timeline. */
    while (live->running && (g_queue_get_length (&live->frames) >= live->max_frames
            || (produced > 0 && !live->anchored_once
                && hh_live_pending_frames (live->stream) == 0)))
      g_cond_wait (&live->cond, &live->lock);
    if (!live->running) {
      g_mutex_unlock (&live->lock);
      break;
    }
    g_mutex_unlock (&live->lock);

    if (hh_live_pending_frames (live->stream) == 0)
      apply_settings (live, produced);

    f = g_new0 (LiveFrame, 1);
    f->rgb = gst_buffer_new_allocate (NULL, size, NULL);
    gst_buffer_map (f->rgb, &map, GST_MAP_WRITE);
    status = hh_live_next_frame (live->stream, map.data, map.size, &index, &chunk, &revision, &steps, &seconds,
        &error);
    gst_buffer_unmap (f->rgb, &map);
    if (status != HH_OK) {
      live_frame_free (f);
      g_mutex_lock (&live->lock);
      if (status != HH_ERROR_CANCELLED || live->running) {
        live->failed = TRUE;
        g_free (live->error);
        live->error = g_strdup (error ? error : "unknown error");
      }
      g_cond_broadcast (&live->cond);
      g_mutex_unlock (&live->lock);
      hh_string_free (error);
      break;
    }
    f->index = index;
    f->chunk = chunk;
    f->revision = revision;
    f->steps = steps;
    f->chunk_seconds = seconds;
    if (revision != previous_revision) {
      /* The engine reports the revision last sent (settings apply when a chunk starts, and this frame's chunk
       * started after apply_settings). */
      f->applied_prompt = g_strdup (revision == live->sent_revision && live->sent_prompt ? live->sent_prompt : "");
      f->seed = live->stream_seed;
      f->guidance = live->sent_guidance;
      f->static_hold = live->sent_static_hold;
      f->autoguidance = live->sent_autoguidance;
      previous_revision = revision;
    }
    produced = index + 1;

    g_mutex_lock (&live->lock);
    if (seconds > 0) {
      /* Running estimate: quick to grow, slow to shrink. */
      live->chunk_estimate = live->chunk_estimate <= 0 || seconds > live->chunk_estimate ? seconds
          : 0.8 * live->chunk_estimate + 0.2 * seconds;
      live->last_steps = steps;
    }
    g_queue_push_tail (&live->frames, f);
    g_cond_broadcast (&live->cond);
    g_mutex_unlock (&live->lock);
    if (seconds > 0)
      post_latency_if_grown (live);
  }
  GST_DEBUG_OBJECT (live->src, "live worker exits");
  return NULL;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Called by the element                                                                                     */

gboolean
gst_happy_horse_live_start (GstHappyHorseLive * live, hh_engine * engine, guint64 seed, gint64 seed_property,
    gint fps_n, gint fps_d, guint latency_ms, gint default_steps, gdouble default_guidance,
    gdouble default_static_hold, gdouble default_autoguidance)
{
  GstHappyHorseLiveSettings s = { 0 };
  gchar *error = NULL;
  hh_status status;

  gst_happy_horse_live_stop (live);
  g_mutex_lock (&live->lock);
  g_list_free_full (live->timeline, (GDestroyNotify) timed_prompt_free);     /* running times of a past run */
  live->timeline = NULL;
  g_mutex_unlock (&live->lock);
  live->fps_n = fps_n > 0 ? fps_n : 25;
  live->fps_d = fps_d > 0 ? fps_d : 1;
  live->latency_ms = latency_ms;
  live->default_steps = MAX (default_steps, 1);
  live->default_guidance = default_guidance;
  live->default_static_hold = default_static_hold;
  live->default_autoguidance = default_autoguidance;
  live->stream_seed = seed;
  live->seed_property = seed_property;
  live->sent_revision = G_MININT64;
  live->sent_steps = -1;
  g_clear_pointer (&live->sent_prompt, g_free);
  live->sent_guidance = 0;
  live->sent_static_hold = 0;
  live->sent_autoguidance = 1;
  live->cancel = hh_cancel_new ();

  gst_happy_horse_src_get_live_settings (live->src, &s);
  status = hh_live_start (engine, s.prompt, s.negative_prompt, seed, s.steps, (float) s.guidance, s.static_hold,
      (float) s.autoguidance,
      s.revision, live->cancel, &live->stream, &error);
  g_free (s.prompt);
  g_free (s.negative_prompt);
  if (status != HH_OK) {
    GST_ELEMENT_ERROR (live->src, LIBRARY, SETTINGS, ("Could not start the live generation: %s",
            error ? error : "unknown error"), (NULL));
    hh_string_free (error);
    hh_cancel_free (live->cancel);
    live->cancel = NULL;
    live->stream = NULL;
    return FALSE;
  }
  live->frames_per_chunk = MAX (1, hh_live_frames_per_chunk (live->stream));
  live->max_frames = live->frames_per_chunk
      + (guint) gst_util_uint64_scale_ceil (latency_ms, live->fps_n, (guint64) live->fps_d * 1000);
  live->running = TRUE;
  live->flushing = FALSE;
  live->failed = FALSE;
  live->anchor_rt = GST_CLOCK_TIME_NONE;
  live->anchor_index = 0;
  live->anchored_once = FALSE;
  live->discont = FALSE;
  live->chunk_estimate = 0;
  live->reported_latency = GST_CLOCK_TIME_NONE;
  live->qos_steps = 0;
  live->qos_chunk = -1;
  live->qos_late_hint = 0;
  live->last_steps = 0;
  live->last_reported_revision = G_MININT64;
  GST_INFO_OBJECT (live->src, "live: %d frames per chunk, up to %u frames ahead (latency budget %u ms)",
      live->frames_per_chunk, live->max_frames, latency_ms);
  live->thread = g_thread_new ("happyhorse-live", worker, live);
  return TRUE;
}

void
gst_happy_horse_live_stop (GstHappyHorseLive * live)
{
  GThread *thread;

  g_mutex_lock (&live->lock);
  live->running = FALSE;
  thread = live->thread;
  live->thread = NULL;
  if (live->cancel)
    hh_cancel_trigger (live->cancel);
  g_cond_broadcast (&live->cond);
  g_mutex_unlock (&live->lock);
  if (thread)
    g_thread_join (thread);

  g_queue_clear_full (&live->frames, (GDestroyNotify) live_frame_free);
  hh_live_free (live->stream);
  live->stream = NULL;
  hh_cancel_free (live->cancel);
  live->cancel = NULL;
  g_clear_pointer (&live->error, g_free);
  live->failed = FALSE;
}

void
gst_happy_horse_live_unlock (GstHappyHorseLive * live)
{
  g_mutex_lock (&live->lock);
  live->flushing = TRUE;
  g_cond_broadcast (&live->cond);
  g_mutex_unlock (&live->lock);
}

void
gst_happy_horse_live_unlock_stop (GstHappyHorseLive * live)
{
  g_mutex_lock (&live->lock);
  live->flushing = FALSE;
  g_mutex_unlock (&live->lock);
}

/* After a flush the running time may restart: anchor again at the next frame. */
void
gst_happy_horse_live_flushed (GstHappyHorseLive * live)
{
  g_mutex_lock (&live->lock);
  live->anchor_rt = GST_CLOCK_TIME_NONE;
  live->discont = TRUE;
  g_mutex_unlock (&live->lock);
}

GstFlowReturn
gst_happy_horse_live_pop (GstHappyHorseLive * live, GstBuffer * native, GstHappyHorseLiveFrameInfo * info)
{
  LiveFrame *f = NULL;

  g_mutex_lock (&live->lock);
  while (!live->flushing && !live->failed && g_queue_is_empty (&live->frames))
    g_cond_wait (&live->cond, &live->lock);
  if (!live->flushing)
    f = g_queue_pop_head (&live->frames);
  if (f == NULL) {
    gboolean failed = live->failed && !live->flushing;
    gchar *error = g_strdup (live->error);
    g_mutex_unlock (&live->lock);
    if (failed) {
      GST_ELEMENT_ERROR (live->src, STREAM, FAILED, ("Live generation failed: %s", error), (NULL));
      g_free (error);
      return GST_FLOW_ERROR;
    }
    g_free (error);
    return GST_FLOW_FLUSHING;
  }
  g_cond_broadcast (&live->cond);
  g_mutex_unlock (&live->lock);

  {
    GstMapInfo out;
    if (gst_buffer_map (native, &out, GST_MAP_WRITE)) {
      gst_buffer_extract (f->rgb, 0, out.data, out.size);
      gst_buffer_unmap (native, &out);
    }
  }
  info->index = f->index;
  info->chunk = f->chunk;
  info->revision = f->revision;
  info->steps = f->steps;
  info->chunk_seconds = f->chunk_seconds;
  info->applied_prompt = f->applied_prompt;
  f->applied_prompt = NULL;
  info->seed = f->seed;
  info->guidance = f->guidance;
  info->static_hold = f->static_hold;
  info->autoguidance = f->autoguidance;
  live_frame_free (f);
  return GST_FLOW_OK;
}

/* Running time of the frame being handed out (anchoring when needed); sets *discont after a re-anchor. */
GstClockTime
gst_happy_horse_live_running_time (GstHappyHorseLive * live, gint64 index, gboolean * discont)
{
  GstClockTime rt;

  g_mutex_lock (&live->lock);
  if (!GST_CLOCK_TIME_IS_VALID (live->anchor_rt)) {
    GstClockTime now = now_running_time (live);
    live->anchor_rt = GST_CLOCK_TIME_IS_VALID (now) ? now : 0;
    live->anchor_index = index;
    live->anchored_once = TRUE;
    GST_DEBUG_OBJECT (live->src, "anchor: frame %" G_GINT64_FORMAT " at running time %" GST_TIME_FORMAT,
        index, GST_TIME_ARGS (live->anchor_rt));
    g_cond_broadcast (&live->cond);
  }
  rt = frame_running_time_locked (live, index);
  *discont = live->discont;
  live->discont = FALSE;
  g_mutex_unlock (&live->lock);
  return rt;
}

/* lateness = (clock's running time when the frame was handed out) − (running_time + latency). */
static void
post_qos (GstHappyHorseLive * live, const gchar * action, gint steps, gint previous, GstClockTimeDiff lateness,
    GstClockTime running_time, GstClockTime latency, gint64 chunk)
{
  GstStructure *s = gst_structure_new ("happyhorsesrc-qos",
      "action", G_TYPE_STRING, action,
      "steps", G_TYPE_INT, steps,
      "previous-steps", G_TYPE_INT, previous,
      "lateness", G_TYPE_INT64, (gint64) lateness,
      "running-time", G_TYPE_UINT64, (guint64) running_time,
      "latency", G_TYPE_UINT64, (guint64) latency,
      "chunk", G_TYPE_INT64, chunk, NULL);
  GST_INFO_OBJECT (live->src, "QoS: %" GST_PTR_FORMAT, s);
  gst_element_post_message (GST_ELEMENT (live->src), gst_message_new_element (GST_OBJECT (live->src), s));
}

/* After a frame got its timestamps: bus messages and the QoS decision. */
void
gst_happy_horse_live_handed_out (GstHappyHorseLive * live, const GstHappyHorseLiveFrameInfo * info,
    GstClockTime running_time, GstClockTime pts)
{
  GstClockTime now = now_running_time (live);
  GstClockTime latency = gst_happy_horse_live_latency (live);
  GstClockTime chunk_duration = frame_time (live, live->frames_per_chunk);
  GstClockTimeDiff lateness = 0;
  const gchar *action = NULL;
  gint steps = 0, previous = 0;
  gint64 hint;

  if (info->applied_prompt) {
    gboolean first;
    g_mutex_lock (&live->lock);
    first = live->last_reported_revision == G_MININT64;
    live->last_reported_revision = info->revision;
    g_mutex_unlock (&live->lock);
    if (!first) {
      GstStructure *s = gst_structure_new ("happyhorsesrc-settings-applied",
          "prompt", G_TYPE_STRING, info->applied_prompt,
          "steps", G_TYPE_INT, info->steps,
          "seed", G_TYPE_UINT64, info->seed,
          "guidance-scale", G_TYPE_DOUBLE, info->guidance,
          "static-hold", G_TYPE_DOUBLE, info->static_hold,
          "autoguidance-scale", G_TYPE_DOUBLE, info->autoguidance,
          "revision", G_TYPE_INT64, info->revision,
          "chunk", G_TYPE_INT64, info->chunk,
          "frame", G_TYPE_INT64, info->index,
          "running-time", G_TYPE_UINT64, (guint64) running_time,
          "pts", G_TYPE_UINT64, (guint64) pts, NULL);
      GST_INFO_OBJECT (live->src, "settings applied: %" GST_PTR_FORMAT, s);
      gst_element_post_message (GST_ELEMENT (live->src), gst_message_new_element (GST_OBJECT (live->src), s));
    }
  }
  if (info->chunk_seconds > 0) {
    gdouble video = (gdouble) live->frames_per_chunk * live->fps_d / live->fps_n;
    GstStructure *s = gst_structure_new ("happyhorsesrc-chunk",
        "chunk", G_TYPE_INT64, info->chunk,
        "frame", G_TYPE_INT64, info->index,
        "steps", G_TYPE_INT, info->steps,
        "seconds", G_TYPE_DOUBLE, info->chunk_seconds,
        "realtime-factor", G_TYPE_DOUBLE, video / info->chunk_seconds,
        "running-time", G_TYPE_UINT64, (guint64) running_time,
        "latency", G_TYPE_UINT64, (guint64) latency, NULL);
    gst_element_post_message (GST_ELEMENT (live->src), gst_message_new_element (GST_OBJECT (live->src), s));
  }

  g_mutex_lock (&live->lock);
  hint = live->qos_late_hint;
  live->qos_late_hint = 0;
  if (GST_CLOCK_TIME_IS_VALID (now))
    lateness = GST_CLOCK_DIFF (running_time + latency, now);
  if (hint > 0 && hint + (GstClockTimeDiff) frame_time (live, 1) > lateness)
    lateness = hint + (GstClockTimeDiff) frame_time (live, 1);  /* the sink was late already: act on it */
  /* Late: more than a frame past the point where the sink renders it (a few ms of scheduling jitter is not), or a
   * QoS event from downstream said so. */
  if (lateness > (GstClockTimeDiff) frame_time (live, 1) && info->chunk > live->qos_chunk) {
    previous = live->qos_steps > 0 ? live->qos_steps : live->last_steps;
    if (previous > 1) {
      steps = MAX (1, previous - MAX (1, previous / 4));
      live->qos_steps = steps;
      live->qos_chunk = info->chunk + 1;        /* judge again once the reduced chunk is out */
      action = "reduce-steps";
    } else if ((GstClockTime) lateness > chunk_duration) {
      live->anchor_rt = GST_CLOCK_TIME_NONE;    /* resync: the next frame is stamped now */
      live->discont = TRUE;
      live->qos_chunk = info->chunk;
      steps = previous = 1;
      action = "resync";
    }
  } else if (lateness <= 0 && live->qos_steps > 0 && live->qos_steps < live->configured_steps
      && info->chunk_seconds > 0
      && info->chunk_seconds * GST_SECOND < chunk_duration / 2 && info->chunk > live->qos_chunk) {
    /* Headroom: this chunk took less than half its duration to compute (frames are handed out at their running
     * time, so the clock alone cannot tell how much faster than real time generation is). */
    previous = live->qos_steps;
    live->qos_steps = previous + 1;
    steps = live->qos_steps;
    if (steps >= live->configured_steps)
      live->qos_steps = 0;      /* back to the configured steps: no cap */
    live->qos_chunk = info->chunk;
    action = "restore-steps";
  }
  g_mutex_unlock (&live->lock);
  if (action)
    post_qos (live, action, steps, previous, lateness, running_time, latency, info->chunk);
}

GstClockTime
gst_happy_horse_live_latency (GstHappyHorseLive * live)
{
  GstClockTime latency;

  g_mutex_lock (&live->lock);
  latency = (GstClockTime) (live->chunk_estimate * GST_SECOND) + (GstClockTime) live->latency_ms * GST_MSECOND;
  if (latency == 0)
    latency = frame_time (live, 1);
  g_mutex_unlock (&live->lock);
  return latency;
}

/* The LATENCY answer: remembers what was reported, so that a larger estimate later posts a LATENCY message. */
GstClockTime
gst_happy_horse_live_query_latency (GstHappyHorseLive * live)
{
  GstClockTime latency = gst_happy_horse_live_latency (live);

  g_mutex_lock (&live->lock);
  live->reported_latency = latency;
  g_mutex_unlock (&live->lock);
  return latency;
}

void
gst_happy_horse_live_qos_event (GstHappyHorseLive * live, GstEvent * event)
{
  GstQOSType type;
  gdouble proportion;
  GstClockTimeDiff diff;
  GstClockTime timestamp;

  gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
  if (diff > 0) {
    g_mutex_lock (&live->lock);
    live->qos_late_hint = MAX (live->qos_late_hint, diff);
    g_mutex_unlock (&live->lock);
  }
}

/* ------------------------------------------------------------------------------------------------------- */
/* The prompt timeline: request pad text_sink                                                                 */

static void
timeline_add (GstHappyHorseLive * live, GstClockTime running_time, const gchar * text)
{
  TimedPrompt *t = g_new0 (TimedPrompt, 1);
  GList *l;

  t->running_time = running_time;
  t->text = g_strdup (text);
  g_mutex_lock (&live->lock);
  /* Sorted by running time; untimed (NONE) entries go first (due at the next chunk). */
  for (l = live->timeline; l; l = l->next) {
    TimedPrompt *o = l->data;
    if (GST_CLOCK_TIME_IS_VALID (running_time) && GST_CLOCK_TIME_IS_VALID (o->running_time)
        && o->running_time > running_time)
      break;
    if (!GST_CLOCK_TIME_IS_VALID (running_time) && GST_CLOCK_TIME_IS_VALID (o->running_time))
      break;
  }
  live->timeline = g_list_insert_before (live->timeline, l, t);
  g_mutex_unlock (&live->lock);
}

static GstFlowReturn
text_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstHappyHorseSrc *src = GST_HAPPY_HORSE_SRC (parent);
  GstHappyHorseLive *live = gst_happy_horse_src_get_live (src);
  GstMapInfo map;
  gchar *text;
  GstClockTime rt = GST_CLOCK_TIME_NONE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  text = g_utf8_make_valid ((const gchar *) map.data, (gssize) map.size);
  gst_buffer_unmap (buffer, &map);
  g_strstrip (text);
  g_mutex_lock (&live->lock);   /* the segment is also written by request_new_pad on the application's thread */
  if (GST_BUFFER_PTS_IS_VALID (buffer) && live->text_segment.format == GST_FORMAT_TIME)
    rt = gst_segment_to_running_time (&live->text_segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  g_mutex_unlock (&live->lock);
  gst_buffer_unref (buffer);
  if (*text == '\0') {
    g_free (text);
    return GST_FLOW_OK;
  }
  GST_INFO_OBJECT (src, "text_sink: \"%s\" at running time %" GST_TIME_FORMAT, text, GST_TIME_ARGS (rt));
  if (gst_base_src_is_live (GST_BASE_SRC (src)))
    timeline_add (live, rt, text);
  else
    gst_happy_horse_src_set_prompt_from_text (src, text);   /* non-live: the next clip */
  g_free (text);
  return GST_FLOW_OK;
}

static gboolean
text_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstHappyHorseLive *live = gst_happy_horse_src_get_live (GST_HAPPY_HORSE_SRC (parent));

  /* Nothing is forwarded: this pad only steers the prompt. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;
    gst_event_parse_segment (event, &segment);
    g_mutex_lock (&live->lock);
    gst_segment_copy_into (segment, &live->text_segment);
    g_mutex_unlock (&live->lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    g_mutex_lock (&live->lock);
    gst_segment_init (&live->text_segment, GST_FORMAT_TIME);
    g_mutex_unlock (&live->lock);
  }
  gst_event_unref (event);
  return TRUE;
}

static gboolean
text_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_caps (query, &filter);
      if (filter) {
        GstCaps *i = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = i;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS:{
      GstCaps *caps, *templ = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (query, gst_caps_is_subset (caps, templ));
      gst_caps_unref (templ);
      return TRUE;
    }
    default:
      return FALSE;
  }
}

static GstPad *
request_new_pad (GstElement * element, GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstHappyHorseLive *live = gst_happy_horse_src_get_live (GST_HAPPY_HORSE_SRC (element));
  GstPad *pad;
  gboolean active;

  HH_OBJECT_LOCK (element);
  if (live->text_pad) {
    HH_OBJECT_UNLOCK (element);
    GST_WARNING_OBJECT (element, "text_sink already requested (one prompt timeline per element)");
    return NULL;
  }
  pad = gst_pad_new_from_template (templ, "text_sink");
  live->text_pad = pad;
  active = GST_STATE (element) > GST_STATE_READY;     /* the state is written under the object lock */
  HH_OBJECT_UNLOCK (element);

  gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (text_chain));
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (text_event));
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (text_query));
  g_mutex_lock (&live->lock);
  gst_segment_init (&live->text_segment, GST_FORMAT_TIME);
  g_mutex_unlock (&live->lock);
  if (active)
    gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  return pad;
}

static void
release_pad (GstElement * element, GstPad * pad)
{
  GstHappyHorseLive *live = gst_happy_horse_src_get_live (GST_HAPPY_HORSE_SRC (element));

  HH_OBJECT_LOCK (element);
  if (live->text_pad == pad)
    live->text_pad = NULL;
  HH_OBJECT_UNLOCK (element);
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

void
gst_happy_horse_live_class_init (GstElementClass * element_class)
{
  GST_DEBUG_CATEGORY_INIT (hh_live_debug, "happyhorsesrc-live", 0, "happyhorsesrc live mode");
  gst_element_class_add_static_pad_template (element_class, &text_sink_template);
  element_class->request_new_pad = GST_DEBUG_FUNCPTR (request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (release_pad);
}
