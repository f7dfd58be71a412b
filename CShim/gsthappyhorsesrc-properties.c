/* happyhorsesrc's properties (gsthappyhorsesrc-properties.h). */
#include "gsthappyhorsesrc-properties.h"
#include "gsthappyhorse-internal.h"

#include <gst/base/gstbasesrc.h>
#include <math.h>

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

static HhSettingsStore *(*store_of) (GObject * object);

/* ---- Values the param specs let through but the element cannot use --------------------------------------- */

/* Refused the way GLib refuses an out-of-range value: a warning, and the property keeps its value. */
static gboolean
string_is_utf8 (GParamSpec * pspec, const GValue * value)
{
  const gchar *text = g_value_get_string (value);

  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return TRUE;
  g_warning ("happyhorsesrc: refusing %s: the text is not valid UTF-8; keeping the previous value",
      g_param_spec_get_name (pspec));
  return FALSE;
}

static gboolean
double_is_number (GParamSpec * pspec, const GValue * value)
{
  if (!G_VALUE_HOLDS_DOUBLE (value) || !isnan (g_value_get_double (value)))
    return TRUE;
  g_warning ("happyhorsesrc: refusing %s=NaN: expected a number in the property's range; keeping the previous "
      "value", g_param_spec_get_name (pspec));
  return FALSE;
}

/* A property of the run (GST_PARAM_MUTABLE_READY) changed while a run goes on would apply halfway: refused. */
static gboolean
mutable_now (GObject * object, GParamSpec * pspec)
{
  GstElement *element = GST_ELEMENT (object);
  GstState state, next;

  if (!(pspec->flags & GST_PARAM_MUTABLE_READY))
    return TRUE;
  HH_OBJECT_LOCK (element);
  state = GST_STATE (element);
  next = GST_STATE_NEXT (element);
  HH_OBJECT_UNLOCK (element);
  if (state <= GST_STATE_READY && next <= GST_STATE_READY)
    return TRUE;
  g_warning ("happyhorsesrc: refusing to change %s in the %s state: it applies from READY (set it before the "
      "pipeline starts, or go to READY first); keeping the previous value", g_param_spec_get_name (pspec),
      gst_element_state_get_name (MAX (state, next)));
  return FALSE;
}

static void
replace_string (gchar ** field, const GValue * value, gboolean null_is_empty)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field == NULL && null_is_empty)
    *field = g_strdup ("");
}

/* ---- set / get --------------------------------------------------------------------------------------------- */

/* Writes `value` into the settings (store locked); TRUE when a generation setting changed (a new revision). */
static gboolean
write_setting (HhSettings * s, guint prop_id, const GValue * value)
{
  switch (prop_id) {
    case PROP_PROMPT:
      replace_string (&s->prompt, value, TRUE);
      return TRUE;
    case PROP_NEGATIVE_PROMPT:
      replace_string (&s->negative_prompt, value, TRUE);
      return TRUE;
    case PROP_SEED:
      s->seed = g_value_get_int64 (value);
      return TRUE;
    case PROP_NUM_INFERENCE_STEPS:
      s->num_inference_steps = g_value_get_uint (value);
      return TRUE;
    case PROP_GUIDANCE_SCALE:
      s->guidance_scale = g_value_get_double (value);
      return TRUE;
    case PROP_STATIC_HOLD:
      s->static_hold = g_value_get_double (value);
      return TRUE;
    case PROP_AUTOGUIDANCE_SCALE:
      s->autoguidance_scale = g_value_get_double (value);
      return TRUE;
    case PROP_DURATION:
      s->duration = g_value_get_double (value);
      break;
    case PROP_NUM_CLIPS:
      s->num_clips = g_value_get_uint (value);
      break;
    case PROP_MODEL_PATH:
      replace_string (&s->model_path, value, FALSE);
      break;
    case PROP_N_THREADS:
      s->n_threads = g_value_get_uint (value);
      break;
    case PROP_IS_LIVE:
      s->is_live = g_value_get_boolean (value);
      break;
    case PROP_TIMESTAMP_OFFSET:
      s->timestamp_offset = g_value_get_int64 (value);
      break;
    case PROP_LATENCY:
      s->latency_ms = g_value_get_uint (value);
      break;
  }
  return FALSE;
}

static void
set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  HhSettingsStore *store = store_of (object);

  if (prop_id == PROP_0 || prop_id > PROP_LATENCY || prop_id == PROP_LAST_SEED) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  if (!mutable_now (object, pspec) || !double_is_number (pspec, value))
    return;
  if ((prop_id == PROP_PROMPT || prop_id == PROP_NEGATIVE_PROMPT) && !string_is_utf8 (pspec, value))
    return;
  hh_settings_store_lock (store);
  if (write_setting (&store->values, prop_id, value))
    store->values.revision++;   /* live mode applies it at the next chunk */
  hh_settings_store_unlock (store);
  if (prop_id == PROP_IS_LIVE)
    gst_base_src_set_live (GST_BASE_SRC (object), g_value_get_boolean (value));
}

static void
read_setting (const HhSettings * s, guint prop_id, GValue * value)
{
  switch (prop_id) {
    case PROP_PROMPT: g_value_set_string (value, s->prompt); break;
    case PROP_NEGATIVE_PROMPT: g_value_set_string (value, s->negative_prompt); break;
    case PROP_SEED: g_value_set_int64 (value, s->seed); break;
    case PROP_NUM_INFERENCE_STEPS: g_value_set_uint (value, s->num_inference_steps); break;
    case PROP_GUIDANCE_SCALE: g_value_set_double (value, s->guidance_scale); break;
    case PROP_STATIC_HOLD: g_value_set_double (value, s->static_hold); break;
    case PROP_AUTOGUIDANCE_SCALE: g_value_set_double (value, s->autoguidance_scale); break;
    case PROP_DURATION: g_value_set_double (value, s->duration); break;
    case PROP_NUM_CLIPS: g_value_set_uint (value, s->num_clips); break;
    case PROP_MODEL_PATH: g_value_set_string (value, s->model_path); break;
    case PROP_N_THREADS: g_value_set_uint (value, s->n_threads); break;
    case PROP_IS_LIVE: g_value_set_boolean (value, s->is_live); break;
    case PROP_TIMESTAMP_OFFSET: g_value_set_int64 (value, s->timestamp_offset); break;
    case PROP_LATENCY: g_value_set_uint (value, s->latency_ms); break;
  }
}

static void
get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  HhSettingsStore *store = store_of (object);

  if (prop_id == PROP_0 || prop_id > PROP_LATENCY) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  if (prop_id == PROP_LAST_SEED) {
    g_value_set_int64 (value, hh_settings_store_last_seed (store));
    return;
  }
  hh_settings_store_lock (store);
  read_setting (&store->values, prop_id, value);
  hh_settings_store_unlock (store);
}

/* ---- specs ------------------------------------------------------------------------------------------------- */

static void
install_generation_properties (GObjectClass * klass, GParamFlags playing)
{
  g_object_class_install_property (klass, PROP_PROMPT, g_param_spec_string ("prompt", "Prompt",
          "What to generate; applied at the next clip (live: the next chunk)", HH_DEFAULT_PROMPT, playing));
  g_object_class_install_property (klass, PROP_NEGATIVE_PROMPT, g_param_spec_string ("negative-prompt",
          "Negative prompt", "What not to show, when the guidance in force is above 1", "", playing));
  g_object_class_install_property (klass, PROP_SEED, g_param_spec_int64 ("seed", "Seed",
          "Noise seed; -1 = a random seed drawn at start (see last-seed); clip k uses seed+k",
          -1, G_MAXINT64, -1, playing));
  g_object_class_install_property (klass, PROP_LAST_SEED, g_param_spec_int64 ("last-seed", "Last seed",
          "Seed of the current clip (live: of the frames handed out); -1 before the first clip",
          -1, G_MAXINT64, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (klass, PROP_NUM_INFERENCE_STEPS, g_param_spec_uint ("num-inference-steps",
          "Inference steps", "Denoising steps per chunk; 0 = the model's default (config.json "
          "pipeline.num_inference_steps; 4 for the built-in model)", 0, 1000, 0, playing));
  g_object_class_install_property (klass, PROP_GUIDANCE_SCALE, g_param_spec_double ("guidance-scale",
          "Guidance scale", "Classifier-free guidance; 0 = the model's default (config.json "
          "pipeline.guidance_scale), up to 1 = none, above 1 = that scale (two DiT passes per step)",
          0.0, 50.0, 0.0, playing));
  g_object_class_install_property (klass, PROP_STATIC_HOLD, g_param_spec_double ("static-hold", "Static hold",
          "Threshold under which latent pixels keep still; -1 = the model's default (config.json "
          "pipeline.static_hold_threshold; 0.8 for the built-in model), 0 = off", -1.0, 100.0, -1.0, playing));
  g_object_class_install_property (klass, PROP_AUTOGUIDANCE_SCALE, g_param_spec_double ("autoguidance-scale",
          "Autoguidance scale", "Guidance by a weaker checkpoint, for models with a guide; -1 = the model's "
          "default (config.json pipeline.autoguidance.scale; none for the built-in model), up to 1 = off",
          -1.0, 100.0, -1.0, playing));
}

static void
install_run_properties (GObjectClass * klass, GParamFlags ready)
{
  g_object_class_install_property (klass, PROP_DURATION, g_param_spec_double ("duration", "Duration",
          "Length of one clip in seconds (rounded to the model's frame rules)", 0.01, 3600.0, 5.0, ready));
  g_object_class_install_property (klass, PROP_NUM_CLIPS, g_param_spec_uint ("num-clips", "Number of clips",
          "Clips generated back to back before EOS; 0 = unlimited", 0, G_MAXUINT, 1, ready));
  g_object_class_install_property (klass, PROP_MODEL_PATH, g_param_spec_string ("model-path", "Model path",
          "Model directory; unset = the built-in model", NULL, ready));
  g_object_class_install_property (klass, PROP_N_THREADS, g_param_spec_uint ("n-threads", "Threads",
          "Compute threads; 0 = $OPENBLAS_NUM_THREADS if set, else all cores", 0, 1024, 0, ready));
  g_object_class_install_property (klass, PROP_IS_LIVE, g_param_spec_boolean ("is-live", "Is live",
          "Act as a live source: one endless stream of continuing chunks, generated ahead of the clock",
          FALSE, ready));
  g_object_class_install_property (klass, PROP_TIMESTAMP_OFFSET, g_param_spec_int64 ("timestamp-offset",
          "Timestamp offset", "Offset added to every buffer timestamp, in nanoseconds", G_MININT64, G_MAXINT64, 0,
          ready));
  g_object_class_install_property (klass, PROP_LATENCY, g_param_spec_uint ("latency", "Latency budget",
          "Live: milliseconds of latency on top of the measured chunk generation time", 0, 60000,
          HH_DEFAULT_LATENCY_MS, ready));
}

void
gst_happy_horse_src_install_properties (GObjectClass * gobject_class, HhSettingsStore * (*store) (GObject *))
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  store_of = store;
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  install_generation_properties (gobject_class, rw | GST_PARAM_MUTABLE_PLAYING);
  install_run_properties (gobject_class, rw | GST_PARAM_MUTABLE_READY);
}
