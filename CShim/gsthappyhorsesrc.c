/* happyhorsesrc: GstPushSrc glue around the HappyHorse text-to-video engine (Swift, behind happyhorse_cabi.h).
 *
 * This file holds only GObject/GStreamer glue: properties, caps, timestamps, progress, tags, errors.
 * Generation happens in the engine, on the streaming thread, inside fill().
 */

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

#include "gsthappyhorsesrc.h"
#include "gsthappyhorse-internal.h"
#include "happyhorse_cabi.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>

GST_DEBUG_CATEGORY_STATIC (gst_happy_horse_src_debug);
#define GST_CAT_DEFAULT gst_happy_horse_src_debug

/* Largest width/height the element will scale to. */
#define MAX_DIMENSION 8192

#define DEFAULT_PROMPT "a brown horse gallops across a green meadow"
#define DEFAULT_NEGATIVE_PROMPT ""
#define DEFAULT_SEED -1
#define DEFAULT_NUM_INFERENCE_STEPS 0
#define DEFAULT_GUIDANCE_SCALE 0.0  /* the model's default */
#define DEFAULT_STATIC_HOLD -1.0    /* the model's default */
#define DEFAULT_AUTOGUIDANCE -1.0   /* the model's default */
#define DEFAULT_DURATION 5.0
#define DEFAULT_NUM_CLIPS 1
#define DEFAULT_MODEL_PATH NULL
#define DEFAULT_N_THREADS 0
#define DEFAULT_IS_LIVE FALSE
#define DEFAULT_TIMESTAMP_OFFSET 0
#define DEFAULT_LATENCY_MS 500

enum
{
  PROP_0,
  PROP_PROMPT,
  PROP_NEGATIVE_PROMPT,
  PROP_SEED,
  PROP_LAST_SEED,
  PROP_NUM_INFERENCE_STEPS,
  PROP_GUIDANCE_SCALE,
  PROP_STATIC_HOLD,
  PROP_AUTOGUIDANCE_SCALE,
  PROP_DURATION,
  PROP_NUM_CLIPS,
  PROP_MODEL_PATH,
  PROP_N_THREADS,
  PROP_IS_LIVE,
  PROP_TIMESTAMP_OFFSET,
  PROP_LATENCY,
};

static const gchar *const stage_codes[] = { "loading", "encoding-prompt", "denoising", "decoding" };
static const gchar *const stage_names[] = { "Loading", "Encoding the prompt", "Denoising", "Decoding" };

struct _GstHappyHorseSrc
{
  GstPushSrc parent;

  /* Properties, protected by the object lock. */
  gchar *prompt;
  gchar *negative_prompt;
  gint64 seed;
  gint64 last_seed;
  guint num_inference_steps;
  gdouble guidance_scale;
  gdouble static_hold;
  gdouble autoguidance_scale;
  gdouble duration;
  guint num_clips;
  gchar *model_path;
  guint n_threads;
  gboolean is_live;
  gint64 timestamp_offset;
  guint latency_ms;             /* live: latency budget on top of the chunk generation time */
  gint64 settings_revision;     /* bumped by changes of prompt, negative-prompt, steps, guidance, static-hold */

  /* Live mode (gsthappyhorsesrc-live.c): created at init, started in start() when is-live. */
  GstHappyHorseLive *live;
  gboolean live_run;

  /* Lives as long as the instance; triggered by unlock(), reset by unlock_stop(). */
  hh_cancel *cancel;

  /* Set in start(), cleared in stop(). */
  hh_engine *engine;
  gchar *model_dir;
  gchar *model_name;
  gint fps_n, fps_d;
  gint default_steps;
  gdouble default_guidance;     /* the model's guidance scale, used for guidance-scale 0 */
  gdouble default_static_hold;  /* the model's static hold threshold, used for static-hold -1 */
  gdouble default_autoguidance; /* the model's autoguidance scale (1 = none), used for autoguidance-scale -1 */
  gint64 frames_per_clip;
  guint num_clips_run;          /* num-clips snapshot of this run */
  guint64 base_seed;            /* clip k of this run uses base_seed + k */
  GstVideoInfo native_info;     /* packed RGB at the model's size */
  GstBuffer *native_buffer;     /* the engine writes each frame here */

  /* Negotiated output (streaming thread). */
  gboolean negotiated;
  GstVideoInfo info;
  GstVideoConverter *converter;

  /* Streaming thread state. */
  hh_generation *generation;
  gint64 generation_clip;       /* clip the running generation makes */
  gint64 generation_next;       /* index in that clip of the frame it returns next */
  gint64 generation_total;
  guint64 generation_seed;
  guint generation_steps;
  gint64 next_frame;            /* running index (over all clips) of the next frame to push; set by do_seek */
  GstClockTime live_base;       /* running time of stream time 0 in live mode */
  gint stage;                   /* open progress stage, -1 = none */
};

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

/* ------------------------------------------------------------------------------------------------------- */
/* Bus messages                                                                                              */

static void
post_progress (GstHappyHorseSrc * self, GstProgressType type, const gchar * code, const gchar * text)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_progress (GST_OBJECT (self), type, code, text));
}

/* Closes the open progress stage (COMPLETE, CANCELED or ERROR). Every stage is closed before a frame is pushed,
 * so that gst-launch-1.0, which waits for open progress before going to PLAYING, never waits on us. */
static void
close_stage (GstHappyHorseSrc * self, GstProgressType type)
{
  gchar *text;

  if (self->stage < 0)
    return;
  text = g_strdup_printf ("%s %s", stage_names[self->stage],
      type == GST_PROGRESS_TYPE_COMPLETE ? "done" :
      type == GST_PROGRESS_TYPE_CANCELED ? "cancelled" : "failed");
  post_progress (self, type, stage_codes[self->stage], text);
  g_free (text);
  self->stage = -1;
}

/* Engine progress, called on the streaming thread from inside hh_generation_start/next_frame. */
static void
on_progress (void *user_data, int32_t stage, int32_t step, int32_t total, double elapsed, double eta)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (user_data);
  GstStructure *s;

  if (stage < HH_STAGE_LOADING || stage > HH_STAGE_DECODING)
    return;
  if (stage != self->stage) {
    gchar *text;

    close_stage (self, GST_PROGRESS_TYPE_COMPLETE);
    if (stage == HH_STAGE_ENCODING_PROMPT)
      text = g_strdup_printf ("Encoding the prompt (clip %" G_GINT64_FORMAT ", seed %" G_GUINT64_FORMAT ")",
          self->generation_clip, self->generation_seed);
    else
      text = g_strdup_printf ("%s", stage_names[stage]);
    post_progress (self, GST_PROGRESS_TYPE_START, stage_codes[stage], text);
    g_free (text);
    self->stage = stage;
  }
  if (stage == HH_STAGE_DENOISING) {
    gchar *text = g_strdup_printf ("step %d/%d", step, total);
    post_progress (self, GST_PROGRESS_TYPE_CONTINUE, stage_codes[stage], text);
    g_free (text);
  }

  {
    /* Frames of the clip returned so far, video seconds made per wall-clock second, peak memory. */
    struct rusage usage;
    guint64 peak_rss = 0;
    gdouble rtf = 0.0;

    if (getrusage (RUSAGE_SELF, &usage) == 0)
      peak_rss = (guint64) usage.ru_maxrss * 1024;
    if (elapsed > 0 && self->fps_n > 0)
      rtf = (gdouble) self->generation_next * self->fps_d / self->fps_n / elapsed;
    s = gst_structure_new ("happyhorsesrc-progress",
        "stage", G_TYPE_STRING, stage_codes[stage],
        "step", G_TYPE_INT, (gint) step,
        "total", G_TYPE_INT, (gint) total,
        "elapsed", G_TYPE_DOUBLE, elapsed,
        "eta", G_TYPE_DOUBLE, eta,
        "clip", G_TYPE_INT64, self->generation_clip,
        "seed", G_TYPE_UINT64, self->generation_seed,
        "frames-done", G_TYPE_INT64, self->generation_next,
        "realtime-factor", G_TYPE_DOUBLE, rtf,
        "peak-rss", G_TYPE_UINT64, peak_rss, NULL);
  }
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static void
on_log (void *user_data, const char *message)
{
  GST_INFO_OBJECT (user_data, "engine: %s", message);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Properties                                                                                                */

/* Values the param specs let through but the element cannot use are refused the way GLib refuses an
 * out-of-range value: a warning, and the property keeps its value. Prompts go into tags and messages, which
 * must be UTF-8; a NaN passes the [min, max] check of a double param spec. Called with the object lock held. */
static gboolean
string_is_utf8 (GstHappyHorseSrc * self, GParamSpec * pspec, const GValue * value)
{
  const gchar *text = g_value_get_string (value);

  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return TRUE;
  g_warning ("happyhorsesrc: refusing %s: the text is not valid UTF-8; keeping the previous value",
      g_param_spec_get_name (pspec));
  return FALSE;
}

static gboolean
double_is_number (GstHappyHorseSrc * self, GParamSpec * pspec, const GValue * value)
{
  if (!isnan (g_value_get_double (value)))
    return TRUE;
  g_warning ("happyhorsesrc: refusing %s=NaN: expected a number in the property's range; keeping the previous "
      "value", g_param_spec_get_name (pspec));
  return FALSE;
}

static void
gst_happy_horse_src_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (object);

  HH_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROMPT:
      if (!string_is_utf8 (self, pspec, value))
        break;
      g_free (self->prompt);
      self->prompt = g_value_dup_string (value);
      if (self->prompt == NULL)
        self->prompt = g_strdup ("");
      break;
    case PROP_NEGATIVE_PROMPT:
      if (!string_is_utf8 (self, pspec, value))
        break;
      g_free (self->negative_prompt);
      self->negative_prompt = g_value_dup_string (value);
      if (self->negative_prompt == NULL)
        self->negative_prompt = g_strdup ("");
      break;
    case PROP_SEED:
      self->seed = g_value_get_int64 (value);
      break;
    case PROP_NUM_INFERENCE_STEPS:
      self->num_inference_steps = g_value_get_uint (value);
      break;
    case PROP_GUIDANCE_SCALE:
      if (!double_is_number (self, pspec, value))
        break;
      self->guidance_scale = g_value_get_double (value);
      break;
    case PROP_STATIC_HOLD:
      if (!double_is_number (self, pspec, value))
        break;
      self->static_hold = g_value_get_double (value);
      break;
    case PROP_AUTOGUIDANCE_SCALE:
      if (!double_is_number (self, pspec, value))
        break;
      self->autoguidance_scale = g_value_get_double (value);
      break;
    case PROP_DURATION:
      if (!double_is_number (self, pspec, value))
        break;
      self->duration = g_value_get_double (value);
      break;
    case PROP_NUM_CLIPS:
      self->num_clips = g_value_get_uint (value);
      break;
    case PROP_MODEL_PATH:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_N_THREADS:
      self->n_threads = g_value_get_uint (value);
      break;
    case PROP_IS_LIVE:
      self->is_live = g_value_get_boolean (value);
      HH_OBJECT_UNLOCK (self);
      gst_base_src_set_live (GST_BASE_SRC (self), g_value_get_boolean (value));
      return;
    case PROP_TIMESTAMP_OFFSET:
      self->timestamp_offset = g_value_get_int64 (value);
      break;
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* Live mode applies these at the next chunk (the worker compares revisions). */
  if (prop_id == PROP_PROMPT || prop_id == PROP_NEGATIVE_PROMPT || prop_id == PROP_NUM_INFERENCE_STEPS
      || prop_id == PROP_GUIDANCE_SCALE || prop_id == PROP_STATIC_HOLD || prop_id == PROP_AUTOGUIDANCE_SCALE
      || prop_id == PROP_SEED)
    self->settings_revision++;
  HH_OBJECT_UNLOCK (self);
}

static void
gst_happy_horse_src_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (object);

  HH_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;
    case PROP_NEGATIVE_PROMPT:
      g_value_set_string (value, self->negative_prompt);
      break;
    case PROP_SEED:
      g_value_set_int64 (value, self->seed);
      break;
    case PROP_LAST_SEED:
      g_value_set_int64 (value, self->last_seed);
      break;
    case PROP_NUM_INFERENCE_STEPS:
      g_value_set_uint (value, self->num_inference_steps);
      break;
    case PROP_GUIDANCE_SCALE:
      g_value_set_double (value, self->guidance_scale);
      break;
    case PROP_STATIC_HOLD:
      g_value_set_double (value, self->static_hold);
      break;
    case PROP_AUTOGUIDANCE_SCALE:
      g_value_set_double (value, self->autoguidance_scale);
      break;
    case PROP_DURATION:
      g_value_set_double (value, self->duration);
      break;
    case PROP_NUM_CLIPS:
      g_value_set_uint (value, self->num_clips);
      break;
    case PROP_MODEL_PATH:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_N_THREADS:
      g_value_set_uint (value, self->n_threads);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, self->is_live);
      break;
    case PROP_TIMESTAMP_OFFSET:
      g_value_set_int64 (value, self->timestamp_offset);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  HH_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------------------------------------- */
/* For the live code (gsthappyhorsesrc-live.c)                                                               */

void
gst_happy_horse_src_get_live_settings (GstHappyHorseSrc * self, GstHappyHorseLiveSettings * out)
{
  HH_OBJECT_LOCK (self);
  out->prompt = g_strdup (self->prompt);
  out->negative_prompt = g_strdup (self->negative_prompt);
  out->steps = (gint) self->num_inference_steps;
  out->guidance = self->guidance_scale;
  out->static_hold = self->static_hold;
  out->autoguidance = self->autoguidance_scale;
  out->seed = self->seed;
  out->revision = self->settings_revision;
  HH_OBJECT_UNLOCK (self);
}

/* A prompt from the text_sink pad: becomes the prompt property (notified). */
void
gst_happy_horse_src_set_prompt_from_text (GstHappyHorseSrc * self, const gchar * text)
{
  HH_OBJECT_LOCK (self);
  g_free (self->prompt);
  self->prompt = g_strdup (text);
  self->settings_revision++;
  HH_OBJECT_UNLOCK (self);
  g_object_notify (G_OBJECT (self), "prompt");
}

gsize
gst_happy_horse_src_native_size (GstHappyHorseSrc * self)
{
  return GST_VIDEO_INFO_SIZE (&self->native_info);
}

GstHappyHorseLive *
gst_happy_horse_src_get_live (GstHappyHorseSrc * self)
{
  return self->live;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Start / stop                                                                                              */

static void
clear_generation (GstHappyHorseSrc * self)
{
  hh_generation_free (self->generation);
  self->generation = NULL;
  self->generation_clip = -1;
  self->generation_next = 0;
  self->generation_total = 0;
}

static void
post_load_error (GstHappyHorseSrc * self, hh_status status, const gchar * model_path, const gchar * error)
{
  const gchar *which = (model_path && *model_path) ? model_path : "(built-in model)";
  /* Engine errors name the file; add the expected layout unless the message already describes it. */
  const gchar *layout = strstr (error, "a model directory holds") ? "" : hh_model_layout ();
  const gchar *sep = *layout ? "; expected: " : "";

  switch (status) {
    case HH_ERROR_NOT_FOUND:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("Could not find the text-to-video model: %s%s%s", error, sep, layout),
          ("model-path=%s, plugin directory=%s", which, plugin_directory ? plugin_directory : "(static)"));
      break;
    case HH_ERROR_SETTINGS:
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("The model directory %s is not usable: %s%s%s", which, error, sep, layout), (NULL));
      break;
    case HH_ERROR_NO_MEMORY:
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Not enough memory to load the model %s: %s", which, error), (NULL));
      break;
    default:
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("Could not load the text-to-video model %s: %s", which, error), (NULL));
      break;
  }
}

static gboolean
gst_happy_horse_src_start (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gchar *model_path, *out_dir = NULL, *error = NULL, *text;
  guint n_threads;
  gdouble duration;
  gint64 seed;
  gint32 width = 0, height = 0, fps_n = 0, fps_d = 1;
  gint64 t0;
  hh_status status;
  guint latency_ms;
  gboolean is_live;

  HH_OBJECT_LOCK (self);
  model_path = g_strdup (self->model_path);
  n_threads = self->n_threads;
  duration = self->duration;
  seed = self->seed;
  self->num_clips_run = self->num_clips;
  HH_OBJECT_UNLOCK (self);

  text = g_strdup_printf ("Loading the model from %s",
      (model_path && *model_path) ? model_path : "the built-in location");
  post_progress (self, GST_PROGRESS_TYPE_START, "loading", text);
  g_free (text);

  t0 = g_get_monotonic_time ();
  status = hh_engine_load (model_path, plugin_directory, (int32_t) n_threads, on_log, self,
      &self->engine, &out_dir, &error);
  if (status != HH_OK) {
    post_progress (self, GST_PROGRESS_TYPE_ERROR, "loading", "Loading the model failed");
    post_load_error (self, status, model_path, error ? error : "unknown error");
    hh_string_free (error);
    g_free (model_path);
    self->engine = NULL;
    return FALSE;
  }
  g_free (model_path);
  self->model_dir = g_strdup (out_dir);
  hh_string_free (out_dir);

  hh_engine_get_format (self->engine, &width, &height, &fps_n, &fps_d);
  {
    char *name = hh_engine_model_name (self->engine);
    self->model_name = g_strdup (name ? name : "unknown");
    hh_string_free (name);
  }
  /* Read by queries on other threads (under the object lock). */
  HH_OBJECT_LOCK (self);
  self->fps_n = fps_n;
  self->fps_d = fps_d > 0 ? fps_d : 1;
  HH_OBJECT_UNLOCK (self);
  self->default_steps = hh_engine_default_steps (self->engine);
  self->default_guidance = hh_engine_default_guidance_scale (self->engine);
  self->default_static_hold = hh_engine_default_static_hold (self->engine);
  self->default_autoguidance = hh_engine_default_autoguidance_scale (self->engine);
  {
    gint64 frames = hh_engine_frame_count (self->engine, duration);

    HH_OBJECT_LOCK (self);
    self->frames_per_clip = frames;
    HH_OBJECT_UNLOCK (self);
  }
  if (self->frames_per_clip <= 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("duration=%g s is too short: the model %s makes no frame for it", duration, self->model_name),
        (NULL));
    post_progress (self, GST_PROGRESS_TYPE_ERROR, "loading", "Invalid duration");
    hh_engine_free (self->engine);
    self->engine = NULL;
    return FALSE;
  }

  /* Native frames: packed RGB without row padding, as the engine writes them. */
  gst_video_info_set_format (&self->native_info, GST_VIDEO_FORMAT_RGB, width, height);
  self->native_info.fps_n = self->fps_n;
  self->native_info.fps_d = self->fps_d;
  self->native_info.stride[0] = width * 3;
  self->native_info.offset[0] = 0;
  self->native_info.size = (gsize) width * 3 * height;
  self->native_buffer = gst_buffer_new_allocate (NULL, self->native_info.size, NULL);

  self->base_seed = seed >= 0 ? (guint64) seed
      : (((guint64) g_random_int () << 32) | g_random_int ()) & G_MAXINT64;
  self->next_frame = 0;
  self->live_base = GST_CLOCK_TIME_NONE;
  self->stage = -1;
  self->negotiated = FALSE;
  clear_generation (self);

  text = g_strdup_printf ("Loaded model '%s' (%dx%d at %d/%d fps, %" G_GINT64_FORMAT
      " frames per clip) from %s in %.1f s", self->model_name, width, height, self->fps_n, self->fps_d,
      self->frames_per_clip, *self->model_dir ? self->model_dir : "(test engine)",
      (g_get_monotonic_time () - t0) / 1e6);
  GST_INFO_OBJECT (self, "%s", text);
  post_progress (self, GST_PROGRESS_TYPE_COMPLETE, "loading", text);
  g_free (text);

  /* Live: one endless generation, computed ahead by the live worker (gsthappyhorsesrc-live.c). live_run is set
   * only once the live state is complete: a LATENCY query on another thread that sees it reads that state. */
  HH_OBJECT_LOCK (self);
  is_live = self->is_live;
  latency_ms = self->latency_ms;
  self->last_seed = (gint64) (self->base_seed & G_MAXINT64);
  HH_OBJECT_UNLOCK (self);
  if (is_live && !gst_happy_horse_live_start (self->live, self->engine, self->base_seed, seed, self->fps_n,
          self->fps_d, latency_ms, self->default_steps, self->default_guidance, self->default_static_hold,
          self->default_autoguidance)) {
    gst_clear_buffer (&self->native_buffer);
    hh_engine_free (self->engine);
    self->engine = NULL;
    return FALSE;
  }
  HH_OBJECT_LOCK (self);
  self->live_run = is_live;
  HH_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_happy_horse_src_stop (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);

  gst_happy_horse_live_stop (self->live);     /* joins the live worker (no-op when not live) */
  HH_OBJECT_LOCK (self);
  self->live_run = FALSE;
  HH_OBJECT_UNLOCK (self);
  clear_generation (self);
  if (self->converter) {
    gst_video_converter_free (self->converter);
    self->converter = NULL;
  }
  gst_clear_buffer (&self->native_buffer);
  hh_engine_free (self->engine);
  self->engine = NULL;
  g_clear_pointer (&self->model_dir, g_free);
  g_clear_pointer (&self->model_name, g_free);
  self->negotiated = FALSE;
  self->stage = -1;
  HH_OBJECT_LOCK (self);
  self->fps_n = 0;
  HH_OBJECT_UNLOCK (self);
  return TRUE;
}

/* unlock(): called from any thread (flush, state change to READY/NULL); makes a running generation return
 * HH_ERROR_CANCELLED within one denoising step. */
static gboolean
gst_happy_horse_src_unlock (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock: cancelling the running generation");
  hh_cancel_trigger (self->cancel);
  gst_happy_horse_live_unlock (self->live);   /* live: wakes fill(); the worker keeps its place */
  return TRUE;
}

static gboolean
gst_happy_horse_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock_stop");
  hh_cancel_reset (self->cancel);
  gst_happy_horse_live_unlock_stop (self->live);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Caps                                                                                                      */

static GstCaps *
gst_happy_horse_src_fixate (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gint native_w = GST_VIDEO_INFO_WIDTH (&self->native_info);
  gint native_h = GST_VIDEO_INFO_HEIGHT (&self->native_info);
  guint i;

  if (self->engine == NULL || native_w <= 0)
    return GST_BASE_SRC_CLASS (parent_class)->fixate (bsrc, caps);

  caps = gst_caps_make_writable (caps);
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    gint w = 0, h = 0;
    gboolean w_fixed = gst_structure_get_int (s, "width", &w);
    gboolean h_fixed = gst_structure_get_int (s, "height", &h);

    /* Prefer the native size; if downstream fixed one side, keep the model's aspect ratio. */
    if (w_fixed && !h_fixed)
      gst_structure_fixate_field_nearest_int (s, "height",
          (gint) gst_util_uint64_scale_int_round (w, native_h, native_w));
    else if (h_fixed && !w_fixed)
      gst_structure_fixate_field_nearest_int (s, "width",
          (gint) gst_util_uint64_scale_int_round (h, native_w, native_h));
    /* Prefer I420 when downstream accepts it: x264enc lists Y444 first, and High 4:4:4 H.264 does not play in
     * most players. Otherwise downstream's order decides. */
    {
      const GValue *formats = gst_structure_get_value (s, "format");
      guint j;

      if (formats && GST_VALUE_HOLDS_LIST (formats)) {
        for (j = 0; j < gst_value_list_get_size (formats); j++) {
          const GValue *f = gst_value_list_get_value (formats, j);
          if (G_VALUE_HOLDS_STRING (f) && g_str_equal (g_value_get_string (f), "I420")) {
            gst_structure_set (s, "format", G_TYPE_STRING, "I420", NULL);
            break;
          }
        }
      }
    }
    gst_structure_fixate_field_nearest_int (s, "width", native_w);
    gst_structure_fixate_field_nearest_int (s, "height", native_h);
    gst_structure_fixate_field_nearest_fraction (s, "framerate", self->fps_n, self->fps_d);
    if (gst_structure_has_field (s, "pixel-aspect-ratio"))
      gst_structure_fixate_field_nearest_fraction (s, "pixel-aspect-ratio", 1, 1);
    else
      gst_structure_set (s, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  }
  caps = gst_caps_fixate (caps);
  GST_DEBUG_OBJECT (self, "fixated to %" GST_PTR_FORMAT, caps);
  return caps;
}

static gboolean
gst_happy_horse_src_set_caps (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  GstVideoInfo info;
  GstVideoConverter *converter;

  if (self->engine == NULL) {
    GST_WARNING_OBJECT (self, "caps set before the model was loaded");
    return FALSE;
  }
  if (!gst_video_info_from_caps (&info, caps)) {
    GST_WARNING_OBJECT (self, "refusing caps %" GST_PTR_FORMAT ": not parseable as raw video", caps);
    return FALSE;
  }
  if (info.fps_n != self->fps_n || info.fps_d != self->fps_d) {
    GST_WARNING_OBJECT (self, "refusing framerate %d/%d: the model generates %d/%d fps only",
        info.fps_n, info.fps_d, self->fps_n, self->fps_d);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("happyhorsesrc makes %d/%d fps only (the model's frame rate); downstream asked for %d/%d. "
            "Put videorate after happyhorsesrc to change the frame rate.", self->fps_n, self->fps_d,
            info.fps_n, info.fps_d), ("caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (info.width > MAX_DIMENSION || info.height > MAX_DIMENSION) {
    GST_WARNING_OBJECT (self, "refusing %dx%d: larger than %d", info.width, info.height, MAX_DIMENSION);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("happyhorsesrc scales to at most %dx%d; downstream asked for %dx%d.", MAX_DIMENSION, MAX_DIMENSION,
            info.width, info.height), ("caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (GST_VIDEO_INFO_IS_INTERLACED (&info)) {
    GST_WARNING_OBJECT (self, "refusing interlaced caps: frames are progressive");
    return FALSE;
  }

  converter = gst_video_converter_new (&self->native_info, &info, NULL);
  if (converter == NULL) {
    GST_WARNING_OBJECT (self, "refusing %" GST_PTR_FORMAT ": GstVideoConverter cannot convert RGB %dx%d to it",
        caps, GST_VIDEO_INFO_WIDTH (&self->native_info), GST_VIDEO_INFO_HEIGHT (&self->native_info));
    return FALSE;
  }
  if (self->converter)
    gst_video_converter_free (self->converter);
  self->converter = converter;
  self->info = info;
  self->negotiated = TRUE;
  gst_base_src_set_blocksize (bsrc, GST_VIDEO_INFO_SIZE (&info));
  GST_DEBUG_OBJECT (self, "negotiated %" GST_PTR_FORMAT " (native RGB %dx%d)", caps,
      GST_VIDEO_INFO_WIDTH (&self->native_info), GST_VIDEO_INFO_HEIGHT (&self->native_info));
  return TRUE;
}

/* Caps nobody downstream can take (another media type, a format we do not make): basesrc alone would stop with
 * "not-negotiated" and no word on why; say what we make and what downstream accepts. Refusals by set_caps
 * (frame rate, size) have posted their own error already. */
static gboolean
gst_happy_horse_src_negotiate (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  GstCaps *ours, *theirs;
  gboolean disjoint;

  if (GST_BASE_SRC_CLASS (parent_class)->negotiate (bsrc))
    return TRUE;
  ours = gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (bsrc));
  theirs = gst_pad_peer_query_caps (GST_BASE_SRC_PAD (bsrc), NULL);
  disjoint = theirs != NULL && !gst_caps_can_intersect (ours, theirs);
  if (disjoint) {
    gchar *wanted = gst_caps_to_string (theirs);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("happyhorsesrc makes video/x-raw in I420, YV12, NV12, NV21, Y42B, Y444, YUY2, UYVY, RGB, BGR, RGBA, BGRA, "
            "ARGB, ABGR, RGBx, BGRx, xRGB, xBGR or GRAY8, up to %dx%d, at %d/%d fps, pixel-aspect-ratio 1/1; "
            "downstream accepts only %s. Put videoconvert (and videoscale, videorate) after happyhorsesrc.",
            MAX_DIMENSION, MAX_DIMENSION, self->fps_n, self->fps_d, wanted), (NULL));
    g_free (wanted);
  }
  gst_caps_unref (ours);
  if (theirs)
    gst_caps_unref (theirs);
  return FALSE;
}

static gboolean
gst_happy_horse_src_decide_allocation (GstBaseSrc * bsrc, GstQuery * query)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  GstCaps *caps = NULL;
  guint size, min, max;
  gboolean update;

  gst_query_parse_allocation (query, &caps, NULL);
  if (gst_query_get_n_allocation_pools (query) > 0) {
    gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
    size = MAX (size, GST_VIDEO_INFO_SIZE (&self->info));
    update = TRUE;
  } else {
    size = GST_VIDEO_INFO_SIZE (&self->info);
    min = max = 0;
    update = FALSE;
  }
  if (pool == NULL)
    pool = gst_video_buffer_pool_new ();

  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  if (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config (pool, config);

  if (update)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_object_unref (pool);

  return GST_BASE_SRC_CLASS (parent_class)->decide_allocation (bsrc, query);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Time, duration, seeking                                                                                   */

static GstClockTime
frame_time (GstHappyHorseSrc * self, gint64 frame)
{
  return gst_util_uint64_scale (frame, (guint64) self->fps_d * GST_SECOND, self->fps_n);
}

/* Whether live mode runs, for events and queries that arrive on other threads while start()/stop() write live_run
 * (the streaming thread itself reads self->live_run directly: start() and stop() never run beside it). */
static gboolean
live_running (GstHappyHorseSrc * self)
{
  gboolean live_run;

  HH_OBJECT_LOCK (self);
  live_run = self->live_run;
  HH_OBJECT_UNLOCK (self);
  return live_run;
}

/* Total number of frames of the run, -1 if unlimited or unknown. */
static gint64
total_frames (GstHappyHorseSrc * self)
{
  if (self->engine == NULL || self->num_clips_run == 0 || self->live_run)   /* live: endless */
    return -1;
  return self->frames_per_clip * self->num_clips_run;
}

static gboolean
gst_happy_horse_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gint fps_n, fps_d;
  gint64 total;
  gboolean live_run, is_live;

  /* Queries come from any thread while start()/stop() change these: one consistent snapshot (a race TSan found). */
  HH_OBJECT_LOCK (self);
  fps_n = self->fps_n;
  fps_d = self->fps_d > 0 ? self->fps_d : 1;
  /* total_frames() without its engine check: the engine pointer is written by the load outside this lock. */
  total = (self->num_clips_run == 0 || self->live_run || self->frames_per_clip <= 0) ? -1
      : self->frames_per_clip * self->num_clips_run;
  live_run = self->live_run;
  is_live = self->is_live;
  HH_OBJECT_UNLOCK (self);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_DURATION:{
      GstFormat format;

      gst_query_parse_duration (query, &format, NULL);
      if (total < 0 || fps_n <= 0)
        break;
      if (format == GST_FORMAT_TIME) {
        gst_query_set_duration (query, format, gst_util_uint64_scale (total, (guint64) fps_d * GST_SECOND, fps_n));
        return TRUE;
      }
      if (format == GST_FORMAT_DEFAULT) {
        gst_query_set_duration (query, format, total);
        return TRUE;
      }
      break;
    }
    case GST_QUERY_CONVERT:{
      GstFormat src_fmt, dest_fmt;
      gint64 src_val, dest_val;

      if (fps_n <= 0)
        break;
      gst_query_parse_convert (query, &src_fmt, &src_val, &dest_fmt, &dest_val);
      if (src_fmt == dest_fmt) {
        dest_val = src_val;
      } else if (src_fmt == GST_FORMAT_DEFAULT && dest_fmt == GST_FORMAT_TIME && src_val >= 0) {
        dest_val = gst_util_uint64_scale (src_val, (guint64) fps_d * GST_SECOND, fps_n);
      } else if (src_fmt == GST_FORMAT_TIME && dest_fmt == GST_FORMAT_DEFAULT && src_val >= 0) {
        dest_val = gst_util_uint64_scale (src_val, fps_n, (guint64) fps_d * GST_SECOND);
      } else {
        break;
      }
      gst_query_set_convert (query, src_fmt, src_val, dest_fmt, dest_val);
      return TRUE;
    }
    case GST_QUERY_LATENCY:{
      if (live_run && fps_n > 0) {
        /* Chunk generation time (measured estimate) + the latency budget; no upper bound (frames wait in the
         * live queue, not downstream). */
        GstClockTime latency = gst_happy_horse_live_query_latency (self->live);
        GST_DEBUG_OBJECT (self, "LATENCY: %" GST_TIME_FORMAT, GST_TIME_ARGS (latency));
        gst_query_set_latency (query, TRUE, latency, GST_CLOCK_TIME_NONE);
        return TRUE;
      }
      if (is_live && fps_n > 0) {
        gst_query_set_latency (query, TRUE, gst_util_uint64_scale (1, (guint64) fps_d * GST_SECOND, fps_n),
            GST_CLOCK_TIME_NONE);
        return TRUE;
      }
      break;
    }
    default:
      break;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

static gboolean
gst_happy_horse_src_is_seekable (GstBaseSrc * bsrc)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gboolean is_live;

  /* SEEKING queries ask from any thread while set_property writes is-live. */
  HH_OBJECT_LOCK (self);
  is_live = self->is_live;
  HH_OBJECT_UNLOCK (self);
  return !is_live;
}

/* Seeks within the clips: the next fill() regenerates the clip holding the target frame (same seed, current
 * prompt) and skips to it. Reverse playback is refused. */
static gboolean
gst_happy_horse_src_do_seek (GstBaseSrc * bsrc, GstSegment * segment)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  GstClockTime position;
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
  position = segment->position;
  if (fps_n > 0) {
    self->next_frame = gst_util_uint64_scale (position, fps_n, (guint64) fps_d * GST_SECOND);
    segment->position = gst_util_uint64_scale (self->next_frame, (guint64) fps_d * GST_SECOND, fps_n);
  } else {
    self->next_frame = 0;
  }
  GST_DEBUG_OBJECT (self, "seek to %" GST_TIME_FORMAT " = frame %" G_GINT64_FORMAT,
      GST_TIME_ARGS (position), self->next_frame);
  return TRUE;
}

static void
gst_happy_horse_src_get_times (GstBaseSrc * bsrc, GstBuffer * buffer, GstClockTime * start,
    GstClockTime * end)
{
  /* Only live sources sync to the clock inside basesrc. */
  if (gst_base_src_is_live (bsrc)) {
    GstClockTime pts = GST_BUFFER_PTS (buffer);

    if (GST_CLOCK_TIME_IS_VALID (pts)) {
      *start = pts;
      if (GST_BUFFER_DURATION_IS_VALID (buffer))
        *end = pts + GST_BUFFER_DURATION (buffer);
      return;
    }
  }
  *start = GST_CLOCK_TIME_NONE;
  *end = GST_CLOCK_TIME_NONE;
}

/* Live: QoS events feed the step reduction; after a flush the timeline is anchored again (the running time may
 * restart). Upstream events arrive here, events sent to the element in send_event. */
static gboolean
gst_happy_horse_src_event (GstBaseSrc * bsrc, GstEvent * event)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gboolean live_run = live_running (self);

  if (live_run && GST_EVENT_TYPE (event) == GST_EVENT_QOS)
    gst_happy_horse_live_qos_event (self->live, event);
  else if (live_run && GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_happy_horse_live_flushed (self->live);
  return GST_BASE_SRC_CLASS (parent_class)->event (bsrc, event);
}

static gboolean
gst_happy_horse_src_send_event (GstElement * element, GstEvent * event)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (element);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && live_running (self))
    gst_happy_horse_live_flushed (self->live);
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Generation                                                                                                */

static void
push_tags (GstHappyHorseSrc * self, const gchar * prompt, guint64 seed, guint steps)
{
  GstTagList *tags;
  gchar *comment;

  comment = g_strdup_printf ("seed=%" G_GUINT64_FORMAT " steps=%u model=%s", seed, steps, self->model_name);
  tags = gst_tag_list_new (GST_TAG_DESCRIPTION, prompt,
      GST_TAG_COMMENT, comment,
      GST_TAG_KEYWORDS, "ai-generated",
      GST_TAG_APPLICATION_NAME, "happyhorsesrc", NULL);
  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_GLOBAL);
  g_free (comment);
  GST_DEBUG_OBJECT (self, "pushing tags %" GST_PTR_FORMAT, tags);
  gst_pad_push_event (GST_BASE_SRC_PAD (self), gst_event_new_tag (tags));
}

/* Starts the generation of clip `clip` with the current settings. */
static GstFlowReturn
start_clip (GstHappyHorseSrc * self, gint64 clip)
{
  gchar *prompt, *negative, *error = NULL;
  gint64 seed_prop;
  guint steps;
  gdouble guidance, static_hold, autoguidance, duration;
  guint64 seed;
  hh_status status;
  GstStructure *s;

  clear_generation (self);

  HH_OBJECT_LOCK (self);
  prompt = g_strdup (self->prompt);
  negative = g_strdup (self->negative_prompt);
  seed_prop = self->seed;
  steps = self->num_inference_steps;
  guidance = self->guidance_scale;
  static_hold = self->static_hold;
  autoguidance = self->autoguidance_scale;
  duration = self->duration;
  HH_OBJECT_UNLOCK (self);

  /* A fixed seed gives clip k the seed seed+k; seed=-1 uses this run's random base seed + k. */
  seed = (seed_prop >= 0 ? (guint64) seed_prop : self->base_seed) + (guint64) clip;
  HH_OBJECT_LOCK (self);
  self->last_seed = (gint64) (seed & G_MAXINT64);
  HH_OBJECT_UNLOCK (self);
  g_object_notify (G_OBJECT (self), "last-seed");

  self->generation_clip = clip;
  self->generation_seed = seed;
  self->generation_steps = steps ? steps : (guint) MAX (self->default_steps, 0);

  GST_INFO_OBJECT (self, "clip %" G_GINT64_FORMAT ": prompt \"%s\", seed %" G_GUINT64_FORMAT ", %u steps",
      clip, prompt, seed, self->generation_steps);
  push_tags (self, prompt, seed, self->generation_steps);
  s = gst_structure_new ("happyhorsesrc-clip",
      "clip", G_TYPE_INT64, clip,
      "prompt", G_TYPE_STRING, prompt,
      "seed", G_TYPE_UINT64, seed,
      "steps", G_TYPE_UINT, self->generation_steps,
      "frames", G_TYPE_INT64, self->frames_per_clip,
      "model", G_TYPE_STRING, self->model_name, NULL);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));

  status = hh_generation_start (self->engine, prompt, negative, seed, (int32_t) steps, (float) guidance,
      static_hold, (float) autoguidance, duration, self->cancel, on_progress, self, &self->generation, &error);
  g_free (prompt);
  g_free (negative);

  if (status == HH_OK) {
    self->generation_total = hh_generation_total_frames (self->generation);
    if (self->generation_total != self->frames_per_clip)
      GST_WARNING_OBJECT (self, "the engine makes %" G_GINT64_FORMAT " frames per clip, expected %"
          G_GINT64_FORMAT, self->generation_total, self->frames_per_clip);
    return GST_FLOW_OK;
  }

  self->generation = NULL;
  if (status == HH_ERROR_CANCELLED) {
    close_stage (self, GST_PROGRESS_TYPE_CANCELED);
    hh_string_free (error);
    return GST_FLOW_FLUSHING;
  }
  close_stage (self, GST_PROGRESS_TYPE_ERROR);
  if (status == HH_ERROR_SETTINGS)
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Invalid generation settings: %s", error), (NULL));
  else
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not start the generation: %s", error), (NULL));
  hh_string_free (error);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
gst_happy_horse_src_fill (GstPushSrc * psrc, GstBuffer * buffer)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (psrc);
  GstBaseSrc *bsrc = GST_BASE_SRC (psrc);
  gint64 target, total, clip, index, frame_index = -1;
  GstClockTime stream_time, next_time, pts;
  GstVideoFrame in_frame, out_frame;
  GstFlowReturn ret;
  gint64 timestamp_offset;
  GstHappyHorseLiveFrameInfo live_info = { 0 };
  GstClockTime live_rt = GST_CLOCK_TIME_NONE;
  gboolean discont = FALSE;

  /* Under ThreadSanitizer: the buffer may come back from the pool after a consumer released it (docs/reliability.md
   * §5); the pool's hand-off is as invisible to TSan as the one downstream. */
  HH_TSAN_ACQUIRE (buffer);
  if (G_UNLIKELY (!self->negotiated || self->converter == NULL)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("format wasn't negotiated before fill"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  /* Live: the next frame of the endless generation, computed ahead by the live worker. */
  if (self->live_run) {
    ret = gst_happy_horse_live_pop (self->live, self->native_buffer, &live_info);
    if (ret != GST_FLOW_OK)
      return ret;
    target = live_info.index;
    stream_time = frame_time (self, target);
    clip = 0;
    index = target;
    if (live_info.applied_prompt) {
      /* New settings from this frame on (a new seed among them, perhaps). */
      gboolean new_seed;
      HH_OBJECT_LOCK (self);
      new_seed = self->last_seed != (gint64) (live_info.seed & G_MAXINT64);
      self->last_seed = (gint64) (live_info.seed & G_MAXINT64);
      HH_OBJECT_UNLOCK (self);
      if (new_seed)
        g_object_notify (G_OBJECT (self), "last-seed");
      push_tags (self, live_info.applied_prompt, live_info.seed, (guint) live_info.steps);
    }
    goto convert;
  }

  for (;;) {
    target = self->next_frame;
    total = total_frames (self);
    if (total >= 0 && target >= total) {
      GST_DEBUG_OBJECT (self, "end of the last clip: EOS");
      return GST_FLOW_EOS;
    }
    stream_time = frame_time (self, target);
    if (GST_CLOCK_TIME_IS_VALID (bsrc->segment.stop) && stream_time >= bsrc->segment.stop) {
      GST_DEBUG_OBJECT (self, "reached the segment stop: EOS");
      return GST_FLOW_EOS;
    }
    clip = target / self->frames_per_clip;
    index = target % self->frames_per_clip;

    /* (Re)start the clip's generation when needed: new clip, or a seek backwards. */
    if (self->generation == NULL || self->generation_clip != clip || self->generation_next > index) {
      ret = start_clip (self, clip);
      if (ret != GST_FLOW_OK)
        return ret;
    }

    /* Compute frames until the target one (skipping frames after a seek forward). */
    while (self->generation_next <= index) {
      GstMapInfo map;
      gchar *error = NULL;
      hh_status status;
      int64_t got = -1;

      if (!gst_buffer_map (self->native_buffer, &map, GST_MAP_WRITE)) {
        GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("could not map the frame buffer"));
        return GST_FLOW_ERROR;
      }
      status = hh_generation_next_frame (self->generation, map.data, map.size, &got, &error);
      gst_buffer_unmap (self->native_buffer, &map);

      if (status == HH_OK) {
        close_stage (self, GST_PROGRESS_TYPE_COMPLETE);
        self->generation_next = got + 1;
        frame_index = got;
        continue;
      }
      if (status == HH_END) {
        close_stage (self, GST_PROGRESS_TYPE_COMPLETE);
        GST_WARNING_OBJECT (self, "clip %" G_GINT64_FORMAT " ended after %" G_GINT64_FORMAT " frames",
            clip, self->generation_next);
        clear_generation (self);
        self->next_frame = (clip + 1) * self->frames_per_clip;
        break;
      }
      if (status == HH_ERROR_CANCELLED) {
        GST_DEBUG_OBJECT (self, "generation cancelled");
        close_stage (self, GST_PROGRESS_TYPE_CANCELED);
        clear_generation (self);
        hh_string_free (error);
        return GST_FLOW_FLUSHING;
      }
      close_stage (self, GST_PROGRESS_TYPE_ERROR);
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("Generating frame %" G_GINT64_FORMAT " of clip %" G_GINT64_FORMAT " failed: %s", index, clip,
              error ? error : "unknown error"), (NULL));
      hh_string_free (error);
      clear_generation (self);
      return GST_FLOW_ERROR;
    }
    if (frame_index == index)
      break;
  }

convert:
  /* Native RGB → negotiated format and size. */
  if (!gst_video_frame_map (&in_frame, &self->native_info, self->native_buffer, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("could not map the native frame"));
    return GST_FLOW_ERROR;
  }
  if (!gst_video_frame_map (&out_frame, &self->info, buffer, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in_frame);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("could not map the output buffer"));
    return GST_FLOW_ERROR;
  }
  gst_video_converter_frame (self->converter, &in_frame, &out_frame);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);

  /* Timestamps from the frame index. */
  HH_OBJECT_LOCK (self);
  timestamp_offset = self->timestamp_offset;
  HH_OBJECT_UNLOCK (self);
  next_time = frame_time (self, target + 1);
  pts = stream_time;
  if (self->live_run) {
    /* Running time from the live anchor (gsthappyhorsesrc-live.c); re-anchored after a flush or QoS resync. */
    pts = live_rt = gst_happy_horse_live_running_time (self->live, target, &discont);
  } else if (gst_base_src_is_live (bsrc)) {
    /* Live: stream time 0 is anchored at the running time when the first frame is ready. */
    if (!GST_CLOCK_TIME_IS_VALID (self->live_base)) {
      GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
      GstClockTime now = 0;

      if (clock) {
        now = gst_clock_get_time (clock) - gst_element_get_base_time (GST_ELEMENT (self));
        gst_object_unref (clock);
      }
      self->live_base = now > stream_time ? now - stream_time : 0;
    }
    pts += self->live_base;
  }
  /* Saturating: an extreme offset must not wrap the PTS around or make it GST_CLOCK_TIME_NONE. */
  if (timestamp_offset < 0)
    pts = (GstClockTime) (-(timestamp_offset + 1)) + 1 > pts ? 0 : pts - ((GstClockTime) (-(timestamp_offset + 1)) + 1);
  else
    pts = pts > (GstClockTime) G_MAXINT64 - (GstClockTime) timestamp_offset ? (GstClockTime) G_MAXINT64
        : pts + (GstClockTime) timestamp_offset;

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = next_time - stream_time;
  GST_BUFFER_OFFSET (buffer) = target;
  GST_BUFFER_OFFSET_END (buffer) = target + 1;
  self->next_frame = target + 1;
  if (self->live_run) {
    if (discont)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    gst_happy_horse_live_handed_out (self->live, &live_info, live_rt, pts);
    g_free (live_info.applied_prompt);
  }

  GST_LOG_OBJECT (self, "frame %" G_GINT64_FORMAT " (clip %" G_GINT64_FORMAT " #%" G_GINT64_FORMAT
      ") pts %" GST_TIME_FORMAT, target, clip, index, GST_TIME_ARGS (pts));
  /* Under ThreadSanitizer: the buffer goes downstream through GLib's futex locks, invisible to TSan; a consumer
   * that acquires on the buffer's address sees these writes as ordered (docs/reliability.md §5). */
  HH_TSAN_RELEASE (buffer);
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------------------------------------- */
/* GObject                                                                                                   */

static void
gst_happy_horse_src_finalize (GObject * object)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (object);

  /* Safety net: stop() normally released these. */
  gst_happy_horse_live_free (self->live);
  self->live = NULL;
  clear_generation (self);
  if (self->converter)
    gst_video_converter_free (self->converter);
  gst_clear_buffer (&self->native_buffer);
  hh_engine_free (self->engine);
  hh_cancel_free (self->cancel);
  g_free (self->prompt);
  g_free (self->negative_prompt);
  g_free (self->model_path);
  g_free (self->model_dir);
  g_free (self->model_name);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_happy_horse_src_init (GstHappyHorseSrc * self)
{
  self->prompt = g_strdup (DEFAULT_PROMPT);
  self->negative_prompt = g_strdup (DEFAULT_NEGATIVE_PROMPT);
  self->seed = DEFAULT_SEED;
  self->last_seed = -1;
  self->num_inference_steps = DEFAULT_NUM_INFERENCE_STEPS;
  self->guidance_scale = DEFAULT_GUIDANCE_SCALE;
  self->static_hold = DEFAULT_STATIC_HOLD;
  self->autoguidance_scale = DEFAULT_AUTOGUIDANCE;
  self->duration = DEFAULT_DURATION;
  self->num_clips = DEFAULT_NUM_CLIPS;
  self->model_path = DEFAULT_MODEL_PATH;
  self->n_threads = DEFAULT_N_THREADS;
  self->is_live = DEFAULT_IS_LIVE;
  self->timestamp_offset = DEFAULT_TIMESTAMP_OFFSET;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->live = gst_happy_horse_live_new (self);
  self->cancel = hh_cancel_new ();
  self->stage = -1;
  self->generation_clip = -1;
  self->live_base = GST_CLOCK_TIME_NONE;
  gst_video_info_init (&self->native_info);
  gst_video_info_init (&self->info);

  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_live (GST_BASE_SRC (self), DEFAULT_IS_LIVE);
}

static void
gst_happy_horse_src_class_init (GstHappyHorseSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_happy_horse_src_debug, "happyhorsesrc", 0, "HappyHorse text-to-video source");

  gobject_class->set_property = gst_happy_horse_src_set_property;
  gobject_class->get_property = gst_happy_horse_src_get_property;
  gobject_class->finalize = gst_happy_horse_src_finalize;

  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Text describing the video to generate. Changeable while PLAYING: applied when the next clip starts "
          "(live: at the next chunk, posting happyhorsesrc-settings-applied with its running time)",
          DEFAULT_PROMPT, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_NEGATIVE_PROMPT,
      g_param_spec_string ("negative-prompt", "Negative prompt",
          "What the video should not show (used only when the guidance in force is above 1: guidance-scale, or the "
          "model's default for 0). Applied at the next clip (live: the next chunk)",
          DEFAULT_NEGATIVE_PROMPT, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_int64 ("seed", "Seed",
          "Noise seed; -1 = draw a random seed at start (see last-seed). Clip k of a run uses seed+k. "
          "Same seed, settings and model give identical frames, whatever n-threads. Applied at the next clip (live: the noise "
          "of the next chunk on comes from this seed; -1 draws a new random one)",
          -1, G_MAXINT64, DEFAULT_SEED, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LAST_SEED,
      g_param_spec_int64 ("last-seed", "Last seed",
          "Seed actually used for the current (last started) clip, or in live mode for the frames being handed out; "
          "-1 before the first clip",
          -1, G_MAXINT64, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_NUM_INFERENCE_STEPS,
      g_param_spec_uint ("num-inference-steps", "Inference steps",
          "Number of denoising steps per chunk; 0 = the model's default (config.json pipeline.num_inference_steps; 4 for the built-in model). "
          "Applied at the next clip (live: the next chunk)", 0, 1000, DEFAULT_NUM_INFERENCE_STEPS,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_GUIDANCE_SCALE,
      g_param_spec_double ("guidance-scale", "Guidance scale",
          "Classifier-free guidance scale; 0 = the model's default (config.json pipeline.guidance_scale; 1.0 = none "
          "when absent; the built-in model is guidance-distilled at 3 and uses 1.0), up to 1.0 = no guidance, above 1.0 = guidance at that scale. "
          "Applied at the next clip (live: the next chunk)", 0.0, 50.0, DEFAULT_GUIDANCE_SCALE,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATIC_HOLD,
      g_param_spec_double ("static-hold", "Static hold",
          "Threshold of the static hold, a motion-adaptive filter over the generated latent frames that keeps still "
          "parts of the picture still (latent pixels that change by well under it keep their value); -1 = the "
          "model's default (config.json pipeline.static_hold_threshold; 0.8 for the built-in model, off when absent), "
          "0 = off (the generator's frames as sampled), higher = more held, slow motion too. "
          "Applied at the next clip (live: the next chunk)", -1.0, 100.0, DEFAULT_STATIC_HOLD,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_AUTOGUIDANCE_SCALE,
      g_param_spec_double ("autoguidance-scale", "Autoguidance scale",
          "Scale of the model's autoguidance, a second DiT pass per step by a weaker checkpoint that makes the "
          "subject follow the prompt more closely (truer coat colours), for models that ship a guide; -1 = the "
          "model's default (config.json pipeline.autoguidance.scale; none for the built-in model, which learnt its "
          "guidance in training and runs one pass), up to 1.0 = off (one DiT pass per step), above 1.0 = that "
          "scale. Applied at the next clip (live: the next chunk)", -1.0, 100.0, DEFAULT_AUTOGUIDANCE,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DURATION,
      g_param_spec_double ("duration", "Duration",
          "Length of one clip in seconds (the model rounds it to its frame rules)",
          0.01, 3600.0, DEFAULT_DURATION, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_NUM_CLIPS,
      g_param_spec_uint ("num-clips", "Number of clips",
          "Clips generated back to back before EOS, each with the prompt/seed current when it starts; "
          "0 = unlimited", 0, G_MAXUINT, DEFAULT_NUM_CLIPS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MODEL_PATH,
      g_param_spec_string ("model-path", "Model path",
          "Model directory (config.json, *.safetensors, tokenizer.json). Unset = the built-in model, searched "
          "in $HAPPYHORSE_MODEL_PATH, <plugin dir>/happyhorse/builtin, then the source checkout's models/builtin",
          DEFAULT_MODEL_PATH, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_N_THREADS,
      g_param_spec_uint ("n-threads", "Threads",
          "Compute threads; 0 = $OPENBLAS_NUM_THREADS if set, else all cores",
          0, 1024, DEFAULT_N_THREADS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean ("is-live", "Is live",
          "Act as a live source: one endless stream of chunks, each continuing from the previous one, generated "
          "ahead of the clock by a worker thread (see latency); timestamps in running time from the first frame; "
          "when generation falls behind, QoS reduces the steps (happyhorsesrc-qos messages)",
          DEFAULT_IS_LIVE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TIMESTAMP_OFFSET,
      g_param_spec_int64 ("timestamp-offset", "Timestamp offset",
          "Offset added to every buffer timestamp, in nanoseconds", G_MININT64, G_MAXINT64,
          DEFAULT_TIMESTAMP_OFFSET, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency budget",
          "Live mode: extra latency in milliseconds on top of the chunk generation time; the source generates at "
          "most one chunk plus this much ahead of the clock, and the LATENCY query answers the measured chunk "
          "generation time plus this budget", 0, 60000, DEFAULT_LATENCY_MS, rw | GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class, "HappyHorse text-to-video source",
      "Source/Video",
      "Generates video from a text prompt with a diffusion transformer on the CPU (built-in model: "
      "256x256 at 25 fps). Frames are scaled and converted inside the element to the negotiated size and "
      "format; progress is posted on the bus; prompt, seed and model are sent as tags. Example: "
      "gst-launch-1.0 -e happyhorsesrc prompt=\"a brown horse gallops across a green meadow\" ! x264enc ! "
      "mp4mux ! filesink location=horse.mp4",
      "HappyHorse developers");
  gst_element_class_add_static_pad_template (element_class, &src_template);

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_happy_horse_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_happy_horse_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_happy_horse_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_happy_horse_src_unlock_stop);
  basesrc_class->fixate = GST_DEBUG_FUNCPTR (gst_happy_horse_src_fixate);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_happy_horse_src_set_caps);
  basesrc_class->negotiate = GST_DEBUG_FUNCPTR (gst_happy_horse_src_negotiate);
  basesrc_class->decide_allocation = GST_DEBUG_FUNCPTR (gst_happy_horse_src_decide_allocation);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_happy_horse_src_query);
  basesrc_class->is_seekable = GST_DEBUG_FUNCPTR (gst_happy_horse_src_is_seekable);
  basesrc_class->do_seek = GST_DEBUG_FUNCPTR (gst_happy_horse_src_do_seek);
  basesrc_class->get_times = GST_DEBUG_FUNCPTR (gst_happy_horse_src_get_times);
  basesrc_class->event = GST_DEBUG_FUNCPTR (gst_happy_horse_src_event);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_happy_horse_src_send_event);
  gst_happy_horse_live_class_init (element_class);     /* text_sink request pad (prompt timeline) */
  pushsrc_class->fill = GST_DEBUG_FUNCPTR (gst_happy_horse_src_fill);
}
