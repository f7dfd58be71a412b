/* happyhorse_cabi.h — the narrow C ABI between the GStreamer shim (C, CShim/) and the Swift engine.
 *
 * Implemented in Swift by Sources/HappyHorseCABI (the only @_cdecl functions of the package), which imports this
 * header (target CHappyHorseABI), so both sides share its structs; the function prototypes themselves are not
 * type-checked against the @_cdecl signatures: change both together.
 *
 * Rules
 *  - Handles are opaque pointers (Swift objects retained with Unmanaged). Every *_new / *_load / *_start
 *    has a matching *_free; passing NULL to a *_free is a no-op.
 *  - Only plain C types cross the boundary. Strings going in are UTF-8, borrowed for the call.
 *  - Strings coming out (char **out_error, names) are malloc'd copies; free them with hh_string_free().
 *  - Functions returning hh_status set *out_error (when out_error is not NULL) on failure only.
 *  - Threads: an engine may be used from one thread at a time (the shim uses it from start()/stop() and the
 *    streaming thread, never concurrently). hh_cancel_* may be called from any thread at any time.
 *
 * Settings: an hh_settings filled by hh_settings_init() (the "model's default" sentinels), then changed field by
 * field (llama.cpp's *_default_params idiom). The engine alone resolves the sentinels: hh_engine_resolve() hands
 * back what a request runs with, for messages and tags.
 *
 * Life cycle used by the element:
 *    start():  hh_engine_load()                      (READY→PAUSED; posts "loading" progress around it)
 *    fill():   hh_generation_start() once per clip, then hh_generation_next_frame() per frame (computes on
 *              the calling thread, chunk by chunk; progress callbacks arrive on that thread, inside the call)
 *    unlock(): hh_cancel_trigger()  → a running next_frame returns HH_ERROR_CANCELLED within one denoising step
 *    unlock_stop(): hh_cancel_reset()
 *    stop():   hh_generation_free(), hh_engine_free()
 */
#ifndef HAPPYHORSE_CABI_H
#define HAPPYHORSE_CABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hh_engine hh_engine;         /* a loaded text-to-video engine (model weights in memory) */
typedef struct hh_generation hh_generation; /* one running clip generation */
typedef struct hh_cancel hh_cancel;         /* a thread-safe cancellation flag */

typedef enum {
  HH_OK = 0,
  HH_END = 1,                /* hh_generation_next_frame(): the clip has no more frames */
  HH_ERROR_NOT_FOUND = 2,    /* model directory or one of its files is missing */
  HH_ERROR_SETTINGS = 3,     /* malformed model directory/config/weights, or a bad request value */
  HH_ERROR_RUNTIME = 4,      /* anything else that went wrong while loading or generating */
  HH_ERROR_CANCELLED = 5,    /* the hh_cancel flag was triggered */
  HH_ERROR_NO_MEMORY = 6,    /* not enough memory for the model or the clip */
  HH_ERROR_NOT_A_MODEL_DIRECTORY = 7  /* the path is not a model directory (missing, not a directory, no config.json);
                                         the message says what a model directory holds */
} hh_status;

/* What a generation asks for, clip or live. Strings are borrowed for the call that receives the struct. */
typedef struct {
  const char *prompt;
  const char *negative_prompt;
  uint64_t seed;
  int32_t num_inference_steps;  /* 0 = the model's default */
  double guidance_scale;        /* 0 = the model's default; (0, 1] = none; > 1 = classifier-free guidance */
  double static_hold;           /* < 0 = the model's default; 0 = off; up to 100 */
  double autoguidance_scale;    /* < 0 = the model's default; <= 1 = off; > 1 = that scale, up to 100 */
} hh_settings;

/* What a generation runs with: every "model's default" resolved (by hh_engine_resolve). */
typedef struct {
  int32_t num_inference_steps;
  double guidance_scale;        /* 1 = no guidance */
  double static_hold;           /* 0 = off */
  double autoguidance_scale;    /* 1 = off (also for a model without a guide) */
} hh_resolved_settings;

/* Stages reported through hh_progress_fn, in the order they happen (GenerationStage in the engine). */
typedef enum {
  HH_STAGE_LOADING = 0,
  HH_STAGE_ENCODING_PROMPT = 1,
  HH_STAGE_DENOISING = 2,
  HH_STAGE_DECODING = 3
} hh_stage;

/* Progress of a generation. step/total_steps count denoising steps over the whole clip (all chunks).
 * Called on the thread that calls hh_generation_start()/hh_generation_next_frame(), inside that call. */
typedef void (*hh_progress_fn) (void *user_data, int32_t stage, int32_t step, int32_t total_steps,
    double elapsed_seconds, double eta_seconds);

/* A log line from the engine (model loading details, unknown words dropped by the tokenizer, ...).
 * May be called from any thread that calls into the engine. */
typedef void (*hh_log_fn) (void *user_data, const char *message);

/* Description of what a model directory must hold, for error messages (static string, do not free). */
const char *hh_model_layout (void);

/* Loads an engine.
 *  model_dir:   the model directory, or NULL/"" for the built-in model. The built-in model is searched in
 *               this order: $HAPPYHORSE_MODEL_PATH, <plugin_dir>/happyhorse/builtin, the source checkout's
 *               models/builtin (the path of the checkout the plugin was compiled from).
 *  plugin_dir:  directory holding the plugin .so (may be NULL: that search entry is skipped).
 *  threads:     number of compute threads; 0 = $OPENBLAS_NUM_THREADS if set, else all cores.
 *  log/log_user_data: optional log sink (NULL = discard); must stay valid until hh_engine_free().
 *  out_model_dir: (optional) receives the directory actually used (free with hh_string_free). */
hh_status hh_engine_load (const char *model_dir, const char *plugin_dir, int32_t threads,
    hh_log_fn log, void *log_user_data, hh_engine **out_engine, char **out_model_dir, char **out_error);

void hh_engine_free (hh_engine *engine);

/* Native output of the loaded model: frames are packed RGB8 of width*height*3 bytes at fps_n/fps_d. */
void hh_engine_get_format (const hh_engine *engine, int32_t *width, int32_t *height, int32_t *fps_n,
    int32_t *fps_d);

/* Name of the loaded model (config.json "name"); free with hh_string_free. */
char *hh_engine_model_name (const hh_engine *engine);

/* Fills *settings with the defaults: empty prompts, seed 0, and "the model's default" for every value. */
void hh_settings_init (hh_settings *settings);

/* What `settings` runs with on this engine (the model's defaults filled in; values out of use reported as off). */
void hh_engine_resolve (const hh_engine *engine, const hh_settings *settings, hh_resolved_settings *out);

/* Number of frames a clip of duration_seconds produces (the model's frame-count rules). */
int64_t hh_engine_frame_count (const hh_engine *engine, double duration_seconds);

hh_cancel *hh_cancel_new (void);
void hh_cancel_trigger (hh_cancel *cancel);
void hh_cancel_reset (hh_cancel *cancel);
int32_t hh_cancel_is_triggered (hh_cancel *cancel);
void hh_cancel_free (hh_cancel *cancel);

/* Starts generating one clip of `settings` (see hh_settings). Nothing heavy happens here: the work is done by
 * hh_generation_next_frame().  cancel: must outlive the generation.  progress/user_data: optional, must outlive the
 * generation. */
hh_status hh_generation_start (hh_engine *engine, const hh_settings *settings, double duration_seconds,
    hh_cancel *cancel, hh_progress_fn progress, void *user_data, hh_generation **out_generation,
    char **out_error);

/* Total number of frames of the clip. */
int64_t hh_generation_total_frames (const hh_generation *generation);

/* Computes (when needed) and copies the next frame, packed RGB8 at the native size, into rgb (rgb_size must be
 * at least width*height*3). *out_index receives the frame's index in the clip.
 * Returns HH_OK, HH_END after the last frame, HH_ERROR_CANCELLED, or an error. */
hh_status hh_generation_next_frame (hh_generation *generation, uint8_t *rgb, size_t rgb_size,
    int64_t *out_index, char **out_error);

void hh_generation_free (hh_generation *generation);

void hh_string_free (char *string);

/* ---- Live mode: one endless generation (Sources/HappyHorseCABI/LiveCABI.swift) ----------------------------
 * Chunk after chunk, each continuing from the previous chunk's last latent frames; prompt, steps, guidance and the
 * seed can change between chunks (hh_live_update, hh_live_reseed: applied when the next chunk starts). Same
 * threading rules as a generation: one thread at a time (the element's live worker); hh_cancel_trigger() from any
 * thread makes a running hh_live_next_frame() return HH_ERROR_CANCELLED within one denoising step, after which the
 * stream stays failed. */
typedef struct hh_live hh_live;

/* Starts an endless generation (nothing heavy: the prompt is encoded by the first hh_live_next_frame()).
 * revision: caller's tag of these settings, reported with every frame. HH_ERROR_SETTINGS if the engine has no
 * live mode. */
hh_status hh_live_start (hh_engine *engine, const hh_settings *settings, int64_t revision, hh_cancel *cancel,
    hh_live **out_live, char **out_error);

/* Frames per chunk in steady state (the first chunk may hand out fewer). */
int32_t hh_live_frames_per_chunk (const hh_live *live);

/* Frames ready without computing; 0 means the next hh_live_next_frame() computes a chunk (a chunk boundary). */
int32_t hh_live_pending_frames (const hh_live *live);

/* Settings for the next chunk and later ones (settings->seed is not used: see hh_live_reseed). */
void hh_live_update (hh_live *live, const hh_settings *settings, int64_t revision);

/* Noise of the next chunk and later ones from a fresh generator seeded with seed (the latent continuation is kept).
 * Call it at a chunk boundary, like hh_live_update, so that the change lines up with a settings revision.
 * HH_ERROR_SETTINGS if the engine's stream cannot be reseeded (the seed then stays as it was). */
hh_status hh_live_reseed (hh_live *live, uint64_t seed);

/* Next frame (packed RGB8 at the native size) into rgb; computes a chunk when none is pending. Outputs (each may be
 * NULL): the frame's index in the stream, the chunk that handed it out, that chunk's settings revision and steps,
 * and the chunk's computing time in seconds (> 0 only on the call that computed it). Never returns HH_END. */
hh_status hh_live_next_frame (hh_live *live, uint8_t *rgb, size_t rgb_size, int64_t *out_index, int64_t *out_chunk,
    int64_t *out_revision, int32_t *out_steps, double *out_chunk_seconds, char **out_error);

void hh_live_free (hh_live *live);

#ifdef __cplusplus
}
#endif

#endif /* HAPPYHORSE_CABI_H */
