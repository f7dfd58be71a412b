/**
 * SECTION:element-happyhorsesrc
 * @title: happyhorsesrc
 *
 * Generates video from a text prompt with a diffusion transformer running on the CPU. The model is loaded
 * when the element goes from READY to PAUSED; each clip is generated chunk by chunk on the streaming thread
 * and frames are pushed as soon as their chunk is decoded. The element produces #GstHappyHorseSrc:num-clips
 * clips of #GstHappyHorseSrc:duration seconds each, then EOS.
 *
 * Frames are made at the model's native size and frame rate (256x256 at 25 fps for the built-in model).
 * Other sizes and any of the listed raw formats are produced inside the element with #GstVideoConverter;
 * other frame rates are refused (put `videorate` after the element).
 *
 * Progress is posted as GST_MESSAGE_PROGRESS (codes `loading`, `encoding-prompt`, `denoising` with
 * "step i/N", `decoding`) and as element messages named `happyhorsesrc-progress` (fields stage, step, total,
 * elapsed, eta, clip, seed, frames-done, realtime-factor, peak-rss). Each clip starts with a tag event (description = prompt, comment =
 * "seed=… steps=… model=…", keywords = ai-generated, application-name = happyhorsesrc).
 *
 * Seeking in TIME within the clips is supported: the element regenerates the clip from its seed and skips
 * to the requested frame (this costs the generation time of the skipped frames).
 *
 * Properties in more detail (the blurbs are short):
 * - #GstHappyHorseSrc:prompt, #GstHappyHorseSrc:negative-prompt, #GstHappyHorseSrc:seed and the step and guidance
 *   settings may change while PLAYING: they apply when the next clip starts (live: at the next chunk, posting
 *   `happyhorsesrc-settings-applied` with its running time). The negative prompt is used only when the guidance in
 *   force is above 1 (guidance-scale, or the model's default for 0).
 * - Same seed, settings and model give identical frames, whatever n-threads. Live, a new seed changes the noise of
 *   the next chunks (-1 draws a new random one).
 * - guidance-scale: the built-in model is guidance-distilled at 3 and runs with 1.0 (one DiT pass per step).
 * - static-hold: a motion-adaptive filter over the generated latent frames; latent pixels that change by well
 *   under the threshold keep their value (higher = more held, slow motion too).
 * - autoguidance-scale: a second DiT pass per step by a weaker checkpoint of the model makes the subject follow
 *   the prompt more closely; for models that ship a guide (pipeline.autoguidance in config.json).
 * - model-path: a directory with config.json, *.safetensors and tokenizer.json. Unset: the built-in model, searched
 *   in $HAPPYHORSE_MODEL_PATH, <plugin dir>/happyhorse/builtin, then the source checkout's models/builtin.
 * - is-live: chunks are generated ahead of the clock by a worker thread, timestamps are running times from the
 *   first frame, and when generation falls behind QoS reduces the steps (`happyhorsesrc-qos` messages).
 * - latency (live): the source generates at most one chunk plus this much ahead of the clock; the LATENCY query
 *   answers the measured chunk generation time plus this budget.
 * - duration, num-clips, model-path, n-threads, is-live, timestamp-offset and latency apply from READY: a change
 *   in PAUSED or PLAYING is refused with a warning.
 *
 * Bus messages and tags: see happyhorse-messages.h (schemas) and docs/live.md.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e happyhorsesrc prompt="a brown horse gallops across a green meadow" ! x264enc ! mp4mux ! filesink location=horse.mp4
 * ]| Renders a clip with the built-in model to an MP4 file.
 * |[
 * gst-launch-1.0 happyhorsesrc prompt="a red ball bounces" seed=7 duration=2 ! video/x-raw,width=512,height=512 ! videoconvert ! autovideosink
 * ]| Generates a 2 s clip, scaled to 512x512 inside the element, and shows it.
 * |[
 * gst-launch-1.0 happyhorsesrc model-path=/data/models/happyhorse n-threads=8 num-inference-steps=16 ! videoconvert ! autovideosink
 * ]| Uses another model directory, 8 threads and 16 denoising steps.
 */

/* happyhorsesrc: GstPushSrc glue around the HappyHorse engine (Swift, behind happyhorse_cabi.h): the life cycle,
 * fill() (produce, convert, stamp), time, queries and events. Properties, caps, the producers, the prompt timeline
 * and the messages live in files of their own (see gsthappyhorsesrc-private.h). */

#include "gsthappyhorsesrc-private.h"
#include "gsthappyhorsesrc-properties.h"
#include "gsthappyhorse-internal.h"
#include "happyhorse-messages.h"

GST_DEBUG_CATEGORY (gst_happy_horse_src_debug);
#define GST_CAT_DEFAULT gst_happy_horse_src_debug

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, "
        "format = (string) { I420, YV12, NV12, NV21, Y42B, Y444, YUY2, UYVY, RGB, BGR, RGBA, BGRA, ARGB, ABGR, "
        "RGBx, BGRx, xRGB, xBGR, GRAY8 }, "
        "width = (int) [ 1, max ], height = (int) [ 1, max ], "
        "framerate = (fraction) [ 0/1, max ], pixel-aspect-ratio = (fraction) 1/1")
    );

#define gst_happy_horse_src_parent_class parent_class
G_DEFINE_TYPE (GstHappyHorseSrc, gst_happy_horse_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (happyhorsesrc, "happyhorsesrc", GST_RANK_NONE, GST_TYPE_HAPPY_HORSE_SRC);

static gchar *plugin_directory = NULL;

void
gst_happy_horse_src_set_plugin_file (const gchar * filename)
{
  g_free (plugin_directory);
  plugin_directory = filename ? g_path_get_dirname (filename) : NULL;
}

static HhSettingsStore *
settings_of (GObject * object)
{
  return &GST_HAPPY_HORSE_SRC (object)->settings;
}

static void
on_log (void *user_data, const char *message)
{
  GST_INFO_OBJECT (user_data, "engine: %s", message);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Start / stop                                                                                              */

static void
post_load_error (GstHappyHorseSrc * self, hh_status status, const gchar * model_path, const gchar * error)
{
  const gchar *which = (model_path && *model_path) ? model_path : "(built-in model)";

  /* The engine's text is complete: it names the file and, where it helps, what a model directory holds. */
  switch (status) {
    case HH_ERROR_NOT_FOUND:
    case HH_ERROR_NOT_A_MODEL_DIRECTORY:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("Could not find the text-to-video model: %s", error),
          ("model-path=%s, plugin directory=%s", which, plugin_directory ? plugin_directory : "(static)"));
      break;
    case HH_ERROR_SETTINGS:
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("The model directory %s is not usable: %s", which, error),
          (NULL));
      break;
    case HH_ERROR_NO_MEMORY:
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Not enough memory to load the model %s: %s", which, error),
          (NULL));
      break;
    default:
      GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("Could not load the text-to-video model %s: %s", which, error),
          (NULL));
      break;
  }
}

/* Loads the engine of the settings' model; FALSE with an error (and loading progress) posted. */
static gboolean
load_engine (GstHappyHorseSrc * self, const HhSettings * s)
{
  GstElement *element = GST_ELEMENT (self);
  gchar *out_dir = NULL, *error = NULL, *text, *name;
  hh_status status;

  text = g_strdup_printf ("Loading the model from %s",
      (s->model_path && *s->model_path) ? s->model_path : "the built-in location");
  hh_post_progress (element, GST_PROGRESS_TYPE_START, "loading", text);
  g_free (text);
  status = hh_engine_load (s->model_path, plugin_directory, (int32_t) s->n_threads, on_log, self,
      &self->run.engine, &out_dir, &error);
  if (status != HH_OK) {
    hh_post_progress (element, GST_PROGRESS_TYPE_ERROR, "loading", "Loading the model failed");
    post_load_error (self, status, s->model_path, error ? error : "unknown error");
    hh_string_free (error);
    self->run.engine = NULL;
    return FALSE;
  }
  self->model_dir = g_strdup (out_dir);
  hh_string_free (out_dir);
  name = hh_engine_model_name (self->run.engine);
  self->model_name = g_strdup (name ? name : "unknown");
  hh_string_free (name);
  return TRUE;
}

/* The run's format, frame count and seed; FALSE with an error posted when the duration makes no frame. */
static gboolean
prepare_run (GstHappyHorseSrc * self, const HhSettings * s)
{
  HhRun *run = &self->run;
  gint32 width = 0, height = 0, fps_n = 0, fps_d = 1;

  hh_engine_get_format (run->engine, &width, &height, &fps_n, &fps_d);
  run->element = GST_ELEMENT (self);
  run->store = &self->settings;
  run->timeline = &self->timeline;
  run->cancel = self->cancel;
  run->model_name = self->model_name;
  run->fps_n = fps_n;
  run->fps_d = fps_d > 0 ? fps_d : 1;
  run->frames_per_clip = hh_engine_frame_count (run->engine, s->duration);
  run->num_clips = s->num_clips;
  run->duration = s->duration;
  run->latency_ms = s->latency_ms;
  run->seed_property = s->seed;
  run->base_seed = s->seed >= 0 ? (guint64) s->seed : hh_random_seed ();
  if (run->frames_per_clip <= 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("duration=%g s is too short: the model %s makes no frame for it",
            s->duration, self->model_name), (NULL));
    hh_post_progress (GST_ELEMENT (self), GST_PROGRESS_TYPE_ERROR, "loading", "Invalid duration");
    return FALSE;
  }
  if (width > HH_MAX_DIMENSION || height > HH_MAX_DIMENSION) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("The model %s makes %dx%d frames; happyhorsesrc handles at most "
            "%dx%d. Use a model of a smaller native size.", self->model_name, width, height, HH_MAX_DIMENSION,
            HH_MAX_DIMENSION), ("model directory %s", self->model_dir));
    hh_post_progress (GST_ELEMENT (self), GST_PROGRESS_TYPE_ERROR, "loading", "Native size too large");
    return FALSE;
  }
  /* Native frames: packed RGB without row padding, as the engine writes them. */
  gst_video_info_set_format (&self->native_info, GST_VIDEO_FORMAT_RGB, width, height);
  self->native_info.fps_n = run->fps_n;
  self->native_info.fps_d = run->fps_d;
  self->native_info.stride[0] = width * 3;
  self->native_info.offset[0] = 0;
  self->native_info.size = (gsize) width * 3 * height;
  run->native_size = self->native_info.size;
  self->native_buffer = gst_buffer_new_allocate (NULL, self->native_info.size, NULL);
  self->timestamp_offset = s->timestamp_offset;
  self->warned_before_zero = FALSE;
  return TRUE;
}

/* The clip or the live producer starts; FALSE with an error posted. */
static gboolean
start_producer (GstHappyHorseSrc * self, gboolean live)
{
  hh_prompt_timeline_reset (&self->timeline, live);
  hh_settings_store_set_last_seed (&self->settings, self->run.base_seed);
  if (live) {
    self->producer = &hh_live_producer_interface;
    self->producer_instance = self->live;
    return hh_live_producer_start (self->live, &self->run);
  }
  hh_clip_producer_start (&self->clip, &self->run);
  self->producer = &hh_clip_producer_interface;
  self->producer_instance = &self->clip;
  return TRUE;
}

/* Publishes the run to queries on other threads (or withdraws it: run NULL). */
static void
publish_run (GstHappyHorseSrc * self, const HhRun * run, gboolean live)
{
  HH_OBJECT_LOCK (self);
  self->run_live = run ? live : FALSE;
  self->fps_n = run ? run->fps_n : 0;
  self->fps_d = run ? run->fps_d : 1;
  self->total_frames = run && !live ? hh_clip_producer_total_frames (run) : -1;
  /* basesrc resolves seeks relative to the end against its segment's duration. */
  GST_BASE_SRC (self)->segment.duration = self->total_frames >= 0
      ? hh_frame_time (self->fps_n, self->fps_d, self->total_frames) : GST_CLOCK_TIME_NONE;
  HH_OBJECT_UNLOCK (self);
}

static void
release_run (GstHappyHorseSrc * self)
{
  publish_run (self, NULL, FALSE);
  hh_live_producer_stop (self->live);   /* joins the live worker (nothing when not live) */
  hh_clip_producer_stop (&self->clip);
  self->producer = NULL;
  self->producer_instance = NULL;
  g_clear_pointer (&self->converter, gst_video_converter_free);
  gst_clear_buffer (&self->native_buffer);
  hh_engine_free (self->run.engine);
  memset (&self->run, 0, sizeof (self->run));
  g_clear_pointer (&self->model_dir, g_free);
  g_clear_pointer (&self->model_name, g_free);
  self->negotiated = FALSE;
}

static gboolean
gst_happy_horse_src_start (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;
  gchar *text;
  HhSettings s;

  hh_settings_store_snapshot (&self->settings, &s);
  ok = load_engine (self, &s) && prepare_run (self, &s);
  if (ok) {
    text = g_strdup_printf ("Loaded model '%s' (%dx%d at %d/%d fps, %" G_GINT64_FORMAT " frames per clip) from %s "
        "in %.1f s", self->model_name, GST_VIDEO_INFO_WIDTH (&self->native_info),
        GST_VIDEO_INFO_HEIGHT (&self->native_info), self->run.fps_n, self->run.fps_d, self->run.frames_per_clip,
        *self->model_dir ? self->model_dir : "(test engine)", (g_get_monotonic_time () - t0) / 1e6);
    GST_INFO_OBJECT (self, "%s", text);
    hh_post_progress (GST_ELEMENT (self), GST_PROGRESS_TYPE_COMPLETE, "loading", text);
    g_free (text);
    ok = start_producer (self, s.is_live);
  }
  if (ok)
    publish_run (self, &self->run, s.is_live);
  else
    release_run (self);
  hh_settings_clear (&s);
  return ok;
}

static gboolean
gst_happy_horse_src_stop (GstBaseSrc * bsrc)
{
  release_run (GST_HAPPY_HORSE_SRC (bsrc));
  return TRUE;
}

/* unlock(): called from any thread (flush, state change to READY/NULL); makes a running generation return
 * HH_ERROR_CANCELLED within one denoising step, and wakes a live fill(). */
static gboolean
gst_happy_horse_src_unlock (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock: cancelling the running generation");
  hh_cancel_trigger (self->cancel);
  hh_prompt_timeline_unlock (&self->timeline);
  hh_live_producer_unlock (self->live);
  return TRUE;
}

static gboolean
gst_happy_horse_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock_stop");
  hh_cancel_reset (self->cancel);
  hh_prompt_timeline_unlock_stop (&self->timeline);
  hh_live_producer_unlock_stop (self->live);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------------------- */
/* fill(): produce, convert, stamp                                                                          */

/* pts + offset, saturating: an extreme offset must not wrap around or make the PTS GST_CLOCK_TIME_NONE. */
static GstClockTime
offset_time (GstClockTime time, gint64 offset)
{
  if (offset < 0)
    return (GstClockTime) (-(offset + 1)) + 1 > time ? 0 : time - ((GstClockTime) (-(offset + 1)) + 1);
  return time > (GstClockTime) G_MAXINT64 - (GstClockTime) offset ? (GstClockTime) G_MAXINT64
      : time + (GstClockTime) offset;
}

/* A negative timestamp-offset puts the first frames before 0: they are made but not handed out (a PTS cannot be
 * negative, and clamping would give several frames the same PTS). Warns once per run. */
static gboolean
before_zero (GstHappyHorseSrc * self, const HhFrame * frame)
{
  if (self->timestamp_offset >= 0 || frame->time >= (GstClockTime) (-(self->timestamp_offset + 1)) + 1)
    return FALSE;
  if (!self->warned_before_zero) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("timestamp-offset=%" G_GINT64_FORMAT " ns puts the first frames "
            "before time 0: they are skipped", self->timestamp_offset), (NULL));
    self->warned_before_zero = TRUE;
  }
  return TRUE;
}

static GstClockTime
stamp (GstHappyHorseSrc * self, GstBuffer * buffer, const HhFrame * frame)
{
  GstClockTime start = hh_frame_time (self->run.fps_n, self->run.fps_d, frame->index);
  GstClockTime end = hh_frame_time (self->run.fps_n, self->run.fps_d, frame->index + 1);
  GstClockTime pts = offset_time (frame->time, self->timestamp_offset);

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = end - start;
  GST_BUFFER_OFFSET (buffer) = frame->index;
  GST_BUFFER_OFFSET_END (buffer) = frame->index + 1;
  if (frame->discont)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  return pts;
}

static GstFlowReturn
gst_happy_horse_src_fill (GstPushSrc * psrc, GstBuffer * buffer)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (psrc);
  HhFrame frame = { 0 };
  GstClockTime pts;
  GstFlowReturn ret;

  /* Under ThreadSanitizer: the buffer may come back from the pool after a consumer released it (docs/reliability.md
   * §5); the pool's hand-off is as invisible to TSan as the one downstream. */
  HH_TSAN_ACQUIRE (buffer);
  if (G_UNLIKELY (!self->negotiated || self->converter == NULL)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("format wasn't negotiated before fill"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  do {
    ret = self->producer->next (self->producer_instance, &GST_BASE_SRC (psrc)->segment, self->native_buffer, &frame);
    if (ret != GST_FLOW_OK)
      return ret;
  } while (before_zero (self, &frame));
  if (!gst_happy_horse_src_convert (self, buffer))
    return GST_FLOW_ERROR;
  pts = stamp (self, buffer, &frame);
  if (self->producer->handed_out)
    self->producer->handed_out (self->producer_instance, &frame, pts);
  GST_LOG_OBJECT (self, "frame %" G_GINT64_FORMAT " pts %" GST_TIME_FORMAT, frame.index, GST_TIME_ARGS (pts));
  /* Under ThreadSanitizer: the buffer goes downstream through GLib's futex locks, invisible to TSan; a consumer
   * that acquires on the buffer's address sees these writes as ordered (docs/reliability.md §5). */
  HH_TSAN_RELEASE (buffer);
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Time, queries, seeking, events                                                                           */

/* Whether this run is live, for events and queries on other threads. */
static gboolean
running_live (GstHappyHorseSrc * self)
{
  gboolean live;

  HH_OBJECT_LOCK (self);
  live = self->run_live;
  HH_OBJECT_UNLOCK (self);
  return live;
}

static gboolean
answer_duration (GstQuery * query, gint64 total, gint fps_n, gint fps_d)
{
  GstFormat format;

  gst_query_parse_duration (query, &format, NULL);
  if (total < 0 || fps_n <= 0)
    return FALSE;
  if (format == GST_FORMAT_TIME)
    gst_query_set_duration (query, format, hh_frame_time (fps_n, fps_d, total));
  else if (format == GST_FORMAT_DEFAULT)
    gst_query_set_duration (query, format, total);
  else
    return FALSE;
  return TRUE;
}

static gboolean
answer_convert (GstQuery * query, gint fps_n, gint fps_d)
{
  GstFormat src_fmt, dest_fmt;
  gint64 src_val, dest_val;

  if (fps_n <= 0)
    return FALSE;
  gst_query_parse_convert (query, &src_fmt, &src_val, &dest_fmt, &dest_val);
  if (src_fmt == dest_fmt)
    dest_val = src_val;
  else if (src_fmt == GST_FORMAT_DEFAULT && dest_fmt == GST_FORMAT_TIME && src_val >= 0)
    dest_val = hh_frame_time (fps_n, fps_d, src_val);
  else if (src_fmt == GST_FORMAT_TIME && dest_fmt == GST_FORMAT_DEFAULT && src_val >= 0)
    dest_val = gst_util_uint64_scale (src_val, fps_n, (guint64) fps_d * GST_SECOND);
  else
    return FALSE;
  gst_query_set_convert (query, src_fmt, src_val, dest_fmt, dest_val);
  return TRUE;
}

static gboolean
gst_happy_horse_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gint fps_n, fps_d;
  gint64 total;
  gboolean live;

  /* Queries come from any thread while start()/stop() change these: one consistent snapshot. */
  HH_OBJECT_LOCK (self);
  fps_n = self->fps_n;
  fps_d = self->fps_d > 0 ? self->fps_d : 1;
  total = self->total_frames;
  live = self->run_live;
  HH_OBJECT_UNLOCK (self);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_DURATION:
      if (answer_duration (query, total, fps_n, fps_d))
        return TRUE;
      break;
    case GST_QUERY_CONVERT:
      if (answer_convert (query, fps_n, fps_d))
        return TRUE;
      break;
    case GST_QUERY_LATENCY:
      if (live && fps_n > 0) {
        /* Chunk generation time (measured) + the latency budget; no upper bound (frames wait in the live queue,
         * not downstream). */
        GstClockTime latency = hh_live_producer_query_latency (self->live);
        GST_DEBUG_OBJECT (self, "LATENCY: %" GST_TIME_FORMAT, GST_TIME_ARGS (latency));
        gst_query_set_latency (query, TRUE, latency, GST_CLOCK_TIME_NONE);
        return TRUE;
      }
      break;
    default:
      break;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

static gboolean
gst_happy_horse_src_is_seekable (GstBaseSrc * bsrc)
{
  return !running_live (GST_HAPPY_HORSE_SRC (bsrc));
}

/* A seek the element cannot honour is refused before basesrc flushes anything, so the stream goes on as it was:
 * reverse playback, and positions relative to the end of a run without one (num-clips=0). */
static gboolean
seek_is_refused (GstHappyHorseSrc * self, GstEvent * event)
{
  GstSeekType start_type, stop_type;
  gboolean endless;
  gdouble rate;

  if (GST_EVENT_TYPE (event) != GST_EVENT_SEEK)
    return FALSE;
  gst_event_parse_seek (event, &rate, NULL, NULL, &start_type, NULL, &stop_type, NULL);
  if (rate < 0) {
    GST_ELEMENT_WARNING (self, CORE, SEEK, ("Refusing a seek with rate %g: happyhorsesrc plays forwards only", rate),
        (NULL));
    return TRUE;
  }
  HH_OBJECT_LOCK (self);
  endless = self->total_frames < 0;
  HH_OBJECT_UNLOCK (self);
  if (endless && (start_type == GST_SEEK_TYPE_END || stop_type == GST_SEEK_TYPE_END)) {
    GST_ELEMENT_WARNING (self, CORE, SEEK, ("Refusing a seek relative to the end: this stream has no end"), (NULL));
    return TRUE;
  }
  return FALSE;
}

/* Seeks within the clips: the next fill() regenerates the clip holding the target frame (same seed, current
 * prompt) and skips to it. Reverse playback is refused. */
static gboolean
gst_happy_horse_src_do_seek (GstBaseSrc * bsrc, GstSegment * segment)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gint64 frame = 0;
  gint fps_n, fps_d;

  if (segment->rate < 0) {
    GST_WARNING_OBJECT (self, "refusing seek with rate %f: reverse playback is not supported", segment->rate);
    return FALSE;
  }
  /* A seek event runs on the application's thread, beside start()/stop() which write the frame rate. */
  HH_OBJECT_LOCK (self);
  fps_n = self->fps_n;
  fps_d = self->fps_d > 0 ? self->fps_d : 1;
  HH_OBJECT_UNLOCK (self);
  segment->time = segment->start;
  if (fps_n > 0) {
    frame = gst_util_uint64_scale (segment->position, fps_n, (guint64) fps_d * GST_SECOND);
    segment->position = hh_frame_time (fps_n, fps_d, frame);
  }
  hh_clip_producer_seek (&self->clip, frame);
  GST_DEBUG_OBJECT (self, "seek to %" GST_TIME_FORMAT " = frame %" G_GINT64_FORMAT,
      GST_TIME_ARGS (segment->position), frame);
  return TRUE;
}

static void
gst_happy_horse_src_get_times (GstBaseSrc * bsrc, GstBuffer * buffer, GstClockTime * start, GstClockTime * end)
{
  /* Only live sources sync to the clock inside basesrc. */
  *start = GST_CLOCK_TIME_NONE;
  *end = GST_CLOCK_TIME_NONE;
  if (gst_base_src_is_live (bsrc) && GST_BUFFER_PTS_IS_VALID (buffer)) {
    *start = GST_BUFFER_PTS (buffer);
    if (GST_BUFFER_DURATION_IS_VALID (buffer))
      *end = *start + GST_BUFFER_DURATION (buffer);
  }
}

/* Live: QoS events feed the step reduction; after a flush the timeline is anchored again (the running time may
 * restart). Upstream events arrive here, events sent to the element in send_event. */
static gboolean
gst_happy_horse_src_event (GstBaseSrc * bsrc, GstEvent * event)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gboolean live = running_live (self);

  if (seek_is_refused (self, event))
    return FALSE;
  if (live && GST_EVENT_TYPE (event) == GST_EVENT_QOS)
    hh_live_producer_qos_event (self->live, event);
  else if (live && GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    hh_live_producer_flushed (self->live);
  return GST_BASE_SRC_CLASS (parent_class)->event (bsrc, event);
}

static gboolean
gst_happy_horse_src_send_event (GstElement * element, GstEvent * event)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (element);

  if (seek_is_refused (self, event)) {
    gst_event_unref (event);
    return FALSE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && running_live (self))
    hh_live_producer_flushed (self->live);
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

static GstStateChangeReturn
gst_happy_horse_src_change_state (GstElement * element, GstStateChange transition)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (element);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING && running_live (self))
    hh_live_producer_resumed (self->live);
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The text_sink request pad (happyhorse-prompt-timeline.c)                                                  */

static GstPad *
gst_happy_horse_src_request_new_pad (GstElement * element, GstPadTemplate * templ, const gchar * name,
    const GstCaps * caps)
{
  return hh_prompt_timeline_request_pad (&GST_HAPPY_HORSE_SRC (element)->timeline, element, templ);
}

static void
gst_happy_horse_src_release_pad (GstElement * element, GstPad * pad)
{
  hh_prompt_timeline_release_pad (&GST_HAPPY_HORSE_SRC (element)->timeline, element, pad);
}

/* ------------------------------------------------------------------------------------------------------- */
/* GObject                                                                                                   */

static void
gst_happy_horse_src_finalize (GObject * object)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (object);

  release_run (self);           /* safety net: stop() normally did */
  hh_live_producer_free (self->live);
  hh_cancel_free (self->cancel);
  hh_prompt_timeline_clear (&self->timeline);
  hh_settings_store_clear (&self->settings);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_happy_horse_src_init (GstHappyHorseSrc * self)
{
  hh_settings_store_init (&self->settings);
  hh_prompt_timeline_init (&self->timeline, &self->settings, G_OBJECT (self));
  self->live = hh_live_producer_new (GST_ELEMENT (self), &self->timeline);
  self->cancel = hh_cancel_new ();
  self->clip.clip = -1;
  self->clip.progress.stage = -1;
  self->fps_d = 1;
  self->total_frames = -1;
  gst_video_info_init (&self->native_info);
  gst_video_info_init (&self->info);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_live (GST_BASE_SRC (self), FALSE);
}

static void
install_vfuncs (GstElementClass * element_class, GstBaseSrcClass * basesrc_class, GstPushSrcClass * pushsrc_class)
{
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_happy_horse_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_happy_horse_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_happy_horse_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_happy_horse_src_unlock_stop);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_happy_horse_src_query);
  basesrc_class->is_seekable = GST_DEBUG_FUNCPTR (gst_happy_horse_src_is_seekable);
  basesrc_class->do_seek = GST_DEBUG_FUNCPTR (gst_happy_horse_src_do_seek);
  basesrc_class->get_times = GST_DEBUG_FUNCPTR (gst_happy_horse_src_get_times);
  basesrc_class->event = GST_DEBUG_FUNCPTR (gst_happy_horse_src_event);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_happy_horse_src_send_event);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_happy_horse_src_change_state);
  element_class->request_new_pad = GST_DEBUG_FUNCPTR (gst_happy_horse_src_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_happy_horse_src_release_pad);
  pushsrc_class->fill = GST_DEBUG_FUNCPTR (gst_happy_horse_src_fill);
  gst_happy_horse_src_caps_class_init (basesrc_class);
}

static void
gst_happy_horse_src_class_init (GstHappyHorseSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_happy_horse_src_debug, "happyhorsesrc", 0, "HappyHorse text-to-video source");
  gobject_class->finalize = gst_happy_horse_src_finalize;
  gst_happy_horse_src_install_properties (gobject_class, settings_of);
  gst_element_class_set_static_metadata (element_class, "HappyHorse text-to-video source", "Source/Video",
      "Generates video from a text prompt with a diffusion transformer on the CPU (built-in model: "
      "256x256 at 25 fps). Frames are scaled and converted inside the element to the negotiated size and "
      "format; progress is posted on the bus; prompt, seed and model are sent as tags. Example: "
      "gst-launch-1.0 -e happyhorsesrc prompt=\"a brown horse gallops across a green meadow\" ! x264enc ! "
      "mp4mux ! filesink location=horse.mp4", "HappyHorse developers");
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &hh_text_sink_template);
  install_vfuncs (element_class, GST_BASE_SRC_CLASS (klass), GST_PUSH_SRC_CLASS (klass));
}
