/* The element's settings and their lock (happyhorse-settings.h). */
#include "happyhorse-settings.h"
#include "gsthappyhorse-internal.h"

void
hh_settings_init_defaults (HhSettings * s)
{
  memset (s, 0, sizeof (*s));
  s->prompt = g_strdup (HH_DEFAULT_PROMPT);
  s->negative_prompt = g_strdup ("");
  s->seed = -1;
  s->num_inference_steps = 0;
  s->guidance_scale = 0.0;
  s->static_hold = -1.0;
  s->autoguidance_scale = -1.0;
  s->duration = 5.0;
  s->num_clips = 1;
  s->model_path = NULL;
  s->n_threads = 0;
  s->is_live = FALSE;
  s->timestamp_offset = 0;
  s->latency_ms = HH_DEFAULT_LATENCY_MS;
  s->revision = 0;
}

void
hh_settings_copy (HhSettings * dest, const HhSettings * src)
{
  *dest = *src;
  dest->prompt = g_strdup (src->prompt);
  dest->negative_prompt = g_strdup (src->negative_prompt);
  dest->model_path = g_strdup (src->model_path);
}

void
hh_settings_clear (HhSettings * s)
{
  g_clear_pointer (&s->prompt, g_free);
  g_clear_pointer (&s->negative_prompt, g_free);
  g_clear_pointer (&s->model_path, g_free);
}

void
hh_settings_to_engine (const HhSettings * s, guint64 seed, hh_settings * out)
{
  hh_settings_init (out);
  out->prompt = s->prompt;
  out->negative_prompt = s->negative_prompt;
  out->seed = seed;
  out->num_inference_steps = (int32_t) s->num_inference_steps;
  out->guidance_scale = s->guidance_scale;
  out->static_hold = s->static_hold;
  out->autoguidance_scale = s->autoguidance_scale;
}

void
hh_settings_store_init (HhSettingsStore * store)
{
  g_mutex_init (&store->lock);
  hh_settings_init_defaults (&store->values);
  store->last_seed = -1;
}

void
hh_settings_store_clear (HhSettingsStore * store)
{
  hh_settings_clear (&store->values);
  g_mutex_clear (&store->lock);
}

void
hh_settings_store_lock (HhSettingsStore * store)
{
  HH_MUTEX_LOCK (&store->lock);
}

void
hh_settings_store_unlock (HhSettingsStore * store)
{
  HH_MUTEX_UNLOCK (&store->lock);
}

void
hh_settings_store_snapshot (HhSettingsStore * store, HhSettings * out)
{
  hh_settings_store_lock (store);
  hh_settings_copy (out, &store->values);
  hh_settings_store_unlock (store);
}

void
hh_settings_store_set_prompt (HhSettingsStore * store, const gchar * prompt)
{
  hh_settings_store_lock (store);
  g_free (store->values.prompt);
  store->values.prompt = g_strdup (prompt);
  store->values.revision++;
  hh_settings_store_unlock (store);
}

gboolean
hh_settings_store_set_last_seed (HhSettingsStore * store, guint64 seed)
{
  gint64 value = (gint64) (seed & G_MAXINT64);
  gboolean changed;

  hh_settings_store_lock (store);
  changed = store->last_seed != value;
  store->last_seed = value;
  hh_settings_store_unlock (store);
  return changed;
}

gint64
hh_settings_store_last_seed (HhSettingsStore * store)
{
  gint64 value;

  hh_settings_store_lock (store);
  value = store->last_seed;
  hh_settings_store_unlock (store);
  return value;
}
