/* The live producer (is-live=true): an endless stream generated ahead of the clock by a worker thread.
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
 *    first frame is handed out, and again after a flush (the running time may restart), a QoS resync, or
 *    PAUSED→PLAYING (basesrc restarts its timestamp correction there).
 *  - LATENCY: chunk computing time (measured; a running estimate) + the latency budget. A LATENCY message is posted
 *    when the estimate grows by more than a quarter, so the pipeline re-queries.
 *  - QoS: a frame handed out later than its running time + the latency last reported (or a QoS event with positive
 *    jitter) reduces the steps of the following chunks (at most once per chunk) and posts `happyhorsesrc-qos`;
 *    at 1 step and still late by more than a chunk, the timeline is re-anchored (a gap, DISCONT) instead of
 *    drifting later and later. A step comes back when a chunk with one more step is predicted (from the chunk times
 *    measured at each step count) to compute in under 95% of its duration.
 *  - The prompt timeline (happyhorse-prompt-timeline.c) is read at chunk boundaries.
 */

#include "happyhorse-live-producer.h"
#include "gsthappyhorse-internal.h"
#include "happyhorse-messages.h"

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

/* What pop() hands out with a frame. applied_prompt: non-NULL on the first frame of a new settings revision; seed and
 * the resolved guidance values are that revision's then. */
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
  gdouble static_hold;
  gdouble autoguidance;
} HhLiveFrameInfo;

/* Chunk times are tracked for step counts up to this (more are never restored to one at a time anyway). */
#define HH_MAX_TRACKED_STEPS 64

struct _HhLiveProducer
{
  GstElement *src;              /* owner, not reffed */
  HhPromptTimeline *timeline;   /* the owner's */
  HhRun run;                    /* of the running stream */

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
  gdouble step_seconds[HH_MAX_TRACKED_STEPS + 1];   /* measured chunk time at each step count; 0 = not seen */

  /* The frame fill() is handing out (streaming thread), for handed_out(). */
  HhLiveFrameInfo current;
};

static void
live_frame_free (LiveFrame * f)
{
  gst_buffer_unref (f->rgb);
  g_free (f->applied_prompt);
  g_free (f);
}

static GstClockTime
frame_time (HhLiveProducer * live, gint64 n)
{
  return hh_frame_time (live->fps_n, live->fps_d, n);
}

/* Current running time of the element's clock (NONE without a clock). Only used while the element is live-running:
 * the pipeline sets the base time before PAUSED→PLAYING reaches the element, and fill() may already run before
 * GST_STATE() reads PLAYING. */
static GstClockTime
now_running_time (HhLiveProducer * live)
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
frame_running_time_locked (HhLiveProducer * live, gint64 n)
{
  if (!GST_CLOCK_TIME_IS_VALID (live->anchor_rt))
    return GST_CLOCK_TIME_NONE;
  if (n >= live->anchor_index)
    return live->anchor_rt + frame_time (live, n) - frame_time (live, live->anchor_index);
  return live->anchor_rt;
}

HhLiveProducer *
hh_live_producer_new (GstElement * src, HhPromptTimeline * timeline)
{
  HhLiveProducer *live = g_new0 (HhLiveProducer, 1);

  if (hh_live_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (hh_live_debug, "happyhorsesrc-live", 0, "happyhorsesrc live mode");
  live->src = src;
  live->timeline = timeline;
  g_mutex_init (&live->lock);
  g_cond_init (&live->cond);
  g_queue_init (&live->frames);
  live->anchor_rt = GST_CLOCK_TIME_NONE;
  live->fps_n = 25;
  live->fps_d = 1;
  return live;
}

void
hh_live_producer_free (HhLiveProducer * live)
{
  if (live == NULL)
    return;
  hh_live_producer_stop (live);
  g_free (live->sent_prompt);
  g_free (live->current.applied_prompt);
  g_mutex_clear (&live->lock);
  g_cond_clear (&live->cond);
  g_free (live);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The worker                                                                                                */

static void
post_latency_if_grown (HhLiveProducer * live)
{
  GstClockTime latency = hh_live_producer_latency (live);
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

/* The chunk starting at frame next_index: its prompt from the timeline, when one is due at its running time. */
static void
apply_timeline (HhLiveProducer * live, gint64 next_index)
{
  GstClockTime boundary;
  gchar *due;

  g_mutex_lock (&live->lock);
  boundary = frame_running_time_locked (live, next_index);
  g_mutex_unlock (&live->lock);
  if (!GST_CLOCK_TIME_IS_VALID (boundary))
    boundary = 0;               /* first chunk: what is due at the start */
  due = hh_prompt_timeline_take_due (live->timeline, boundary);
  if (due)
    hh_prompt_timeline_apply (live->timeline, due);
  g_free (due);
}

/* The seed setting changed: the noise of the next chunks comes from it (-1 while playing: a new random seed). */
static void
apply_seed (HhLiveProducer * live, gint64 seed_property)
{
  guint64 seed = seed_property >= 0 ? (guint64) seed_property : hh_random_seed ();

  if (hh_live_reseed (live->stream, seed) == HH_OK) {
    GST_INFO_OBJECT (live->src, "seed %" G_GUINT64_FORMAT " from the next chunk on", seed);
    live->stream_seed = seed;
  } else {
    GST_WARNING_OBJECT (live->src, "this engine's live stream cannot change its seed: keeping %" G_GUINT64_FORMAT,
        live->stream_seed);
  }
  live->seed_property = seed_property;
}

/* At a chunk boundary (worker thread): applies the timeline and the settings in force, the seed among them, with
 * the QoS step cap. */
static void
apply_settings (HhLiveProducer * live, gint64 next_index)
{
  HhSettings s;
  hh_settings request;
  hh_resolved_settings resolved;
  gint steps, cap;

  apply_timeline (live, next_index);
  hh_settings_store_snapshot (live->run.store, &s);
  hh_settings_to_engine (&s, live->stream_seed, &request);
  hh_engine_resolve (live->run.engine, &request, &resolved);
  steps = MAX (resolved.num_inference_steps, 1);
  g_mutex_lock (&live->lock);
  live->configured_steps = steps;
  cap = live->qos_steps;
  g_mutex_unlock (&live->lock);
  if (cap > 0 && cap < steps)
    steps = cap;
  if (s.seed != live->seed_property)
    apply_seed (live, s.seed);
  if (s.revision != live->sent_revision || steps != live->sent_steps) {
    request.num_inference_steps = steps;
    hh_live_update (live->stream, &request, s.revision);
    if (s.revision != live->sent_revision) {
      g_free (live->sent_prompt);
      live->sent_prompt = g_strdup (s.prompt);
      live->sent_guidance = resolved.guidance_scale;
      live->sent_static_hold = resolved.static_hold;
      live->sent_autoguidance = resolved.autoguidance_scale;
    }
    live->sent_revision = s.revision;
    live->sent_steps = steps;
  }
  hh_settings_clear (&s);
}

/* Waits until the worker may compute further: FALSE when it should exit. It runs ahead by at most max_frames, and
 * after the first chunk waits for the anchor, so that chunk boundaries have running times for the prompt timeline. */
static gboolean
wait_for_room (HhLiveProducer * live, gint64 produced)
{
  gboolean running;

  g_mutex_lock (&live->lock);
  while (live->running && (g_queue_get_length (&live->frames) >= live->max_frames
          || (produced > 0 && !live->anchored_once && hh_live_pending_frames (live->stream) == 0)))
    g_cond_wait (&live->cond, &live->lock);
  running = live->running;
  g_mutex_unlock (&live->lock);
  return running;
}

/* The stream failed: next() reports it (a cancellation by stop() is no failure). */
static void
record_failure (HhLiveProducer * live, hh_status status, const gchar * error)
{
  g_mutex_lock (&live->lock);
  if (status != HH_ERROR_CANCELLED || live->running) {
    live->failed = TRUE;
    g_free (live->error);
    live->error = g_strdup (error ? error : "unknown error");
  }
  g_cond_broadcast (&live->cond);
  g_mutex_unlock (&live->lock);
}

/* Queues a computed frame and updates the chunk time estimate. */
static void
queue_frame (HhLiveProducer * live, LiveFrame * f)
{
  g_mutex_lock (&live->lock);
  if (f->chunk_seconds > 0) {
    /* Running estimate: quick to grow, slow to shrink. */
    live->chunk_estimate = live->chunk_estimate <= 0 || f->chunk_seconds > live->chunk_estimate ? f->chunk_seconds
        : 0.8 * live->chunk_estimate + 0.2 * f->chunk_seconds;
    live->last_steps = f->steps;
    if (f->steps > 0 && f->steps <= HH_MAX_TRACKED_STEPS) {
      gdouble *known = &live->step_seconds[f->steps];
      *known = *known <= 0 ? f->chunk_seconds : 0.5 * *known + 0.5 * f->chunk_seconds;
    }
  }
  g_queue_push_tail (&live->frames, f);
  g_cond_broadcast (&live->cond);
  g_mutex_unlock (&live->lock);
}

/* Computes the stream's next frame; NULL when it failed (recorded). */
static LiveFrame *
compute_frame (HhLiveProducer * live)
{
  LiveFrame *f = g_new0 (LiveFrame, 1);
  GstMapInfo map;
  hh_status status;
  char *error = NULL;
  int64_t index = 0, chunk = 0, revision = 0;
  int32_t steps = 0;
  double seconds = 0;

  f->rgb = gst_buffer_new_allocate (NULL, live->run.native_size, NULL);
  gst_buffer_map (f->rgb, &map, GST_MAP_WRITE);
  status = hh_live_next_frame (live->stream, map.data, map.size, &index, &chunk, &revision, &steps, &seconds,
      &error);
  gst_buffer_unmap (f->rgb, &map);
  if (status != HH_OK) {
    live_frame_free (f);
    record_failure (live, status, error);
    hh_string_free (error);
    return NULL;
  }
  f->index = index;
  f->chunk = chunk;
  f->revision = revision;
  f->steps = steps;
  f->chunk_seconds = seconds;
  return f;
}

static gpointer
worker (gpointer data)
{
  HhLiveProducer *live = data;
  gint64 previous_revision = G_MININT64, produced = 0;
  gboolean chunk_done;
  LiveFrame *f;

  while (wait_for_room (live, produced)) {
    if (hh_live_pending_frames (live->stream) == 0)
      apply_settings (live, produced);
    f = compute_frame (live);
    if (f == NULL)
      break;
    if (f->revision != previous_revision) {
      /* The engine reports the revision last sent (settings apply when a chunk starts, and this frame's chunk
       * started after apply_settings). */
      f->applied_prompt = g_strdup (f->revision == live->sent_revision && live->sent_prompt ? live->sent_prompt : "");
      f->seed = live->stream_seed;
      f->guidance = live->sent_guidance;
      f->static_hold = live->sent_static_hold;
      f->autoguidance = live->sent_autoguidance;
      previous_revision = f->revision;
    }
    produced = f->index + 1;
    chunk_done = f->chunk_seconds > 0;
    queue_frame (live, f);      /* f belongs to the queue from here on */
    if (chunk_done)
      post_latency_if_grown (live);
  }
  GST_DEBUG_OBJECT (live->src, "live worker exits");
  return NULL;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Called by the element                                                                                     */

/* Everything a stream computes or measures, as at the start of a run. */
static void
reset_stream_state (HhLiveProducer * live)
{
  live->sent_revision = G_MININT64;
  live->sent_steps = -1;
  g_clear_pointer (&live->sent_prompt, g_free);
  live->sent_guidance = 0;
  live->sent_static_hold = 0;
  live->sent_autoguidance = 1;
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
  memset (live->step_seconds, 0, sizeof (live->step_seconds));
}

gboolean
hh_live_producer_start (HhLiveProducer * live, const HhRun * run)
{
  HhSettings s;
  hh_settings request;
  gchar *error = NULL;
  hh_status status;

  hh_live_producer_stop (live);
  live->run = *run;
  live->fps_n = run->fps_n > 0 ? run->fps_n : 25;
  live->fps_d = run->fps_d > 0 ? run->fps_d : 1;
  live->latency_ms = run->latency_ms;
  live->stream_seed = run->base_seed;
  live->seed_property = run->seed_property;
  live->cancel = hh_cancel_new ();

  hh_settings_store_snapshot (run->store, &s);
  hh_settings_to_engine (&s, run->base_seed, &request);
  status = hh_live_start (run->engine, &request, s.revision, live->cancel, &live->stream, &error);
  hh_settings_clear (&s);
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
      + (guint) gst_util_uint64_scale_ceil (run->latency_ms, live->fps_n, (guint64) live->fps_d * 1000);
  reset_stream_state (live);
  GST_INFO_OBJECT (live->src, "live: %d frames per chunk, up to %u frames ahead (latency budget %u ms)",
      live->frames_per_chunk, live->max_frames, run->latency_ms);
  live->thread = g_thread_new ("happyhorse-live", worker, live);
  return TRUE;
}

void
hh_live_producer_stop (HhLiveProducer * live)
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
hh_live_producer_unlock (HhLiveProducer * live)
{
  g_mutex_lock (&live->lock);
  live->flushing = TRUE;
  g_cond_broadcast (&live->cond);
  g_mutex_unlock (&live->lock);
}

void
hh_live_producer_unlock_stop (HhLiveProducer * live)
{
  g_mutex_lock (&live->lock);
  live->flushing = FALSE;
  g_mutex_unlock (&live->lock);
}

/* PAUSED→PLAYING: basesrc restarts its timestamp correction at the next buffer (it measures the running time then
 * against that buffer's PTS and adds the difference to every later PTS). Anchoring that buffer at the running time
 * makes the correction nil, so the PTS stay ours and QoS judges what the sink sees; without it a pause left the
 * correction and our lateness apart for good (steps at 1, a resync every chunk). Not a discontinuity: the running
 * time went on across the pause. */
void
hh_live_producer_resumed (HhLiveProducer * live)
{
  g_mutex_lock (&live->lock);
  live->anchor_rt = GST_CLOCK_TIME_NONE;
  live->qos_late_hint = 0;
  g_mutex_unlock (&live->lock);
}

/* After a flush the running time may restart: anchor again at the next frame. */
void
hh_live_producer_flushed (HhLiveProducer * live)
{
  g_mutex_lock (&live->lock);
  live->anchor_rt = GST_CLOCK_TIME_NONE;
  live->discont = TRUE;
  g_mutex_unlock (&live->lock);
}

/* The next frame of the queue into `native`, waiting for the worker; FLUSHING when unlocked, ERROR when it failed. */
static GstFlowReturn
pop (HhLiveProducer * live, GstBuffer * native, HhLiveFrameInfo * info)
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
static GstClockTime
anchored_running_time (HhLiveProducer * live, gint64 index, gboolean * discont)
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

/* Lock held: the computing time of a chunk at `steps`, from the times measured at other step counts (a fixed cost,
 * the decode, plus a cost per step): measured when seen, else on the line through the nearest measured counts below
 * and above, else scaled from the one measured count. 0 when nothing is known. */
static gdouble
predicted_chunk_seconds (HhLiveProducer * live, gint steps)
{
  gint below = 0, above = 0, i;

  if (steps < 1 || steps > HH_MAX_TRACKED_STEPS)
    return 0;
  if (live->step_seconds[steps] > 0)
    return live->step_seconds[steps];
  for (i = steps - 1; i >= 1 && below == 0; i--)
    if (live->step_seconds[i] > 0)
      below = i;
  for (i = steps + 1; i <= HH_MAX_TRACKED_STEPS && above == 0; i++)
    if (live->step_seconds[i] > 0)
      above = i;
  if (below && above)
    return live->step_seconds[below] + (live->step_seconds[above] - live->step_seconds[below])
        * (steps - below) / (above - below);
  if (below || above) {
    gint known = below ? below : above;
    return live->step_seconds[known] * steps / known;
  }
  return 0;
}

/* The latency the sinks render with: the one last reported to a LATENCY query (the pipeline configured it; a
 * smaller estimate since then does not change it), else the current estimate. Judging lateness against the
 * current estimate instead counted every frame late once the estimate had shrunk (after steps were cut, the chunks
 * compute faster), so steps never came back. */
static GstClockTime
judged_latency (HhLiveProducer * live)
{
  GstClockTime reported;

  g_mutex_lock (&live->lock);
  reported = live->reported_latency;
  g_mutex_unlock (&live->lock);
  return GST_CLOCK_TIME_IS_VALID (reported) ? reported : hh_live_producer_latency (live);
}

/* lateness = (clock's running time when the frame was handed out) − (running_time + latency). */

/* After a frame got its timestamps: bus messages and the QoS decision. */
static void
report_and_judge (HhLiveProducer * live, const HhLiveFrameInfo * info, GstClockTime running_time, GstClockTime pts)
{
  GstClockTime now = now_running_time (live);
  GstClockTime latency = judged_latency (live);
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
      HhSettingsApplied applied = { info->applied_prompt, info->steps, info->seed, info->guidance,
        info->static_hold, info->autoguidance, info->revision, info->chunk, info->index, running_time, pts
      };
      hh_post_settings_applied (live->src, &applied);
    }
  }
  if (info->chunk_seconds > 0) {
    gdouble video = (gdouble) live->frames_per_chunk * live->fps_d / live->fps_n;
    hh_post_chunk (live->src, info->chunk, info->index, info->steps, info->chunk_seconds,
        video / info->chunk_seconds, running_time, latency);
  }

  g_mutex_lock (&live->lock);
  hint = live->qos_late_hint;
  live->qos_late_hint = 0;
  if (GST_CLOCK_TIME_IS_VALID (now))
    lateness = GST_CLOCK_DIFF (running_time + latency, now);
  if (hint > 0 && hint + (GstClockTimeDiff) frame_time (live, 1) > lateness)
    lateness = hint + (GstClockTimeDiff) frame_time (live, 1);  /* the sink was late already: act on it */
  GST_LOG_OBJECT (live->src, "frame %" G_GINT64_FORMAT " (chunk %" G_GINT64_FORMAT ", %.3f s): lateness %"
      G_GINT64_FORMAT " ms, hint %" G_GINT64_FORMAT " ms, cap %d", info->index, info->chunk, info->chunk_seconds,
      lateness / 1000000, hint / 1000000, live->qos_steps);
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
      && info->chunk_seconds > 0 && info->chunk > live->qos_chunk
      && predicted_chunk_seconds (live, live->qos_steps + 1) * GST_SECOND < 0.95 * chunk_duration) {
    /* Headroom: a chunk with one more step is expected to compute in under its duration (frames are handed out at
     * their running time, so the clock alone cannot tell how much faster than real time generation is; the chunk
     * times measured at each step count can). This returns to the configured steps once the machine keeps up, e.g.
     * after downstream stalled. */
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
    hh_post_qos (live->src, action, steps, previous, lateness, running_time, latency, info->chunk);
}

GstClockTime
hh_live_producer_latency (HhLiveProducer * live)
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
hh_live_producer_query_latency (HhLiveProducer * live)
{
  GstClockTime latency = hh_live_producer_latency (live);

  g_mutex_lock (&live->lock);
  live->reported_latency = latency;
  g_mutex_unlock (&live->lock);
  return latency;
}

void
hh_live_producer_qos_event (HhLiveProducer * live, GstEvent * event)
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
/* The "next frame" shape (happyhorse-producer.h)                                                            */

/* The first frame of new settings: last-seed and the tags follow them. */
static void
announce_settings (HhLiveProducer * live, const HhLiveFrameInfo * info)
{
  if (hh_settings_store_set_last_seed (live->run.store, info->seed))
    g_object_notify (G_OBJECT (live->src), "last-seed");
  hh_push_tags (live->src, info->applied_prompt, info->seed, (guint) info->steps, live->run.model_name);
}

static GstFlowReturn
live_next (gpointer producer, const GstSegment * segment, GstBuffer * native, HhFrame * frame)
{
  HhLiveProducer *live = producer;
  HhLiveFrameInfo *info = &live->current;
  GstFlowReturn ret;

  g_clear_pointer (&info->applied_prompt, g_free);
  ret = pop (live, native, info);
  if (ret != GST_FLOW_OK)
    return ret;
  if (info->applied_prompt)
    announce_settings (live, info);
  frame->index = info->index;
  /* Running time from the live anchor; re-anchored after a flush or QoS resync. */
  frame->time = anchored_running_time (live, info->index, &frame->discont);
  return GST_FLOW_OK;
}

static void
live_handed_out (gpointer producer, const HhFrame * frame, GstClockTime pts)
{
  HhLiveProducer *live = producer;

  report_and_judge (live, &live->current, frame->time, pts);
  g_clear_pointer (&live->current.applied_prompt, g_free);
}

const HhProducerInterface hh_live_producer_interface = { live_next, live_handed_out };
