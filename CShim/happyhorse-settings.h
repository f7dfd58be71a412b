/* The element's settings: every property value in one struct, behind one lock, with one snapshot function that the
 * clip producer, the live producer and seeks use (gst-plugins-rs' `Settings`). Runtime state (the loaded engine,
 * the negotiated format, the producers' positions) lives elsewhere: see gsthappyhorsesrc-private.h. */
#ifndef HAPPYHORSE_SETTINGS_H
#define HAPPYHORSE_SETTINGS_H

#include <gst/gst.h>
#include "happyhorse_cabi.h"

G_BEGIN_DECLS

#define HH_DEFAULT_PROMPT "a brown horse gallops across a green meadow"
#define HH_DEFAULT_LATENCY_MS 500

typedef struct
{
  /* Generation settings: changeable while PLAYING, applied at the next clip (live: the next chunk). */
  gchar *prompt;
  gchar *negative_prompt;
  gint64 seed;                  /* -1 = a random seed drawn at start */
  guint num_inference_steps;    /* 0 = the model's default */
  gdouble guidance_scale;       /* 0 = the model's default */
  gdouble static_hold;          /* -1 = the model's default */
  gdouble autoguidance_scale;   /* -1 = the model's default */
  /* Run settings: changeable up to READY. */
  gdouble duration;
  guint num_clips;
  gchar *model_path;
  guint n_threads;
  gboolean is_live;
  gint64 timestamp_offset;
  guint latency_ms;
  /* Bumped by every change of a generation setting. */
  gint64 revision;
} HhSettings;

void hh_settings_init_defaults (HhSettings * settings);
void hh_settings_copy (HhSettings * dest, const HhSettings * src);
void hh_settings_clear (HhSettings * settings);
/* The engine's view of the generation settings with `seed` (strings borrowed from `settings`). */
void hh_settings_to_engine (const HhSettings * settings, guint64 seed, hh_settings * out);

/* The settings behind their lock, and the one read-only value the producers write (last-seed). */
typedef struct
{
  GMutex lock;
  HhSettings values;
  gint64 last_seed;             /* -1 before the first clip */
} HhSettingsStore;

void hh_settings_store_init (HhSettingsStore * store);
void hh_settings_store_clear (HhSettingsStore * store);
void hh_settings_store_lock (HhSettingsStore * store);
void hh_settings_store_unlock (HhSettingsStore * store);
/* A deep copy of the settings in force (free with hh_settings_clear). */
void hh_settings_store_snapshot (HhSettingsStore * store, HhSettings * out);
/* A prompt from the prompt timeline: becomes the prompt setting (a new revision). */
void hh_settings_store_set_prompt (HhSettingsStore * store, const gchar * prompt);
/* Records the seed in use; TRUE when it changed (the caller notifies last-seed). */
gboolean hh_settings_store_set_last_seed (HhSettingsStore * store, guint64 seed);
gint64 hh_settings_store_last_seed (HhSettingsStore * store);

G_END_DECLS

#endif
