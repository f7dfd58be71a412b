/* The clip producer (happyhorse-clip-producer.h). */
#include "happyhorse-clip-producer.h"
#include "gsthappyhorse-internal.h"

GST_DEBUG_CATEGORY_EXTERN (gst_happy_horse_src_debug);
#define GST_CAT_DEFAULT gst_happy_horse_src_debug

static void
clear_generation (HhClipProducer * p)
{
  hh_generation_free (p->generation);
  p->generation = NULL;
  p->clip = -1;
  p->next_in_clip = 0;
}

void
hh_clip_producer_start (HhClipProducer * p, const HhRun * run)
{
  clear_generation (p);
  p->run = *run;
  p->progress.element = run->element;
  p->progress.stage = -1;
  p->position = 0;
}

void
hh_clip_producer_stop (HhClipProducer * p)
{
  clear_generation (p);
  p->progress.stage = -1;
}

void
hh_clip_producer_seek (HhClipProducer * p, gint64 frame)
{
  p->position = frame;
}

gint64
hh_clip_producer_total_frames (const HhRun * run)
{
  if (run->engine == NULL || run->num_clips == 0)
    return -1;
  return run->frames_per_clip * run->num_clips;
}

/* Engine progress, on the streaming thread from inside hh_generation_start/next_frame. */
static void
on_progress (void *user_data, int32_t stage, int32_t step, int32_t total, double elapsed, double eta)
{
  HhClipProducer *p = user_data;
  HhProgressReport report = { stage, step, total, elapsed, eta, p->clip, p->seed, p->next_in_clip,
    p->run.fps_n, p->run.fps_d
  };

  hh_progress_report (&p->progress, &report);
}

static GstFlowReturn
start_failed (HhClipProducer * p, hh_status status, gchar * error)
{
  if (status == HH_ERROR_CANCELLED) {
    hh_progress_close (&p->progress, GST_PROGRESS_TYPE_CANCELED);
    hh_string_free (error);
    return GST_FLOW_FLUSHING;
  }
  hh_progress_close (&p->progress, GST_PROGRESS_TYPE_ERROR);
  if (status == HH_ERROR_SETTINGS)
    GST_ELEMENT_ERROR (p->run.element, LIBRARY, SETTINGS, ("Invalid generation settings: %s", error), (NULL));
  else
    GST_ELEMENT_ERROR (p->run.element, STREAM, FAILED, ("Could not start the generation: %s", error), (NULL));
  hh_string_free (error);
  return GST_FLOW_ERROR;
}

/* Announces clip `clip` (last-seed, tags, happyhorsesrc-clip) and starts its generation. */
static GstFlowReturn
start_clip (HhClipProducer * p, gint64 clip)
{
  HhSettings s;
  hh_settings request;
  hh_resolved_settings resolved;
  gchar *error = NULL;
  hh_status status;

  clear_generation (p);
  hh_settings_store_snapshot (p->run.store, &s);
  /* A fixed seed gives clip k the seed seed+k; seed=-1 uses this run's random base seed + k. Seeds stay within
   * 0 … 2^63-1 (what last-seed can show): past the largest they wrap to 0. */
  p->seed = ((s.seed >= 0 ? (guint64) s.seed : p->run.base_seed) + (guint64) clip) & G_MAXINT64;
  hh_settings_store_set_last_seed (p->run.store, p->seed);
  g_object_notify (G_OBJECT (p->run.element), "last-seed");
  p->clip = clip;
  hh_settings_to_engine (&s, p->seed, &request);
  hh_engine_resolve (p->run.engine, &request, &resolved);

  GST_INFO_OBJECT (p->run.element, "clip %" G_GINT64_FORMAT ": prompt \"%s\", seed %" G_GUINT64_FORMAT ", %d steps",
      clip, s.prompt, p->seed, resolved.num_inference_steps);
  hh_push_tags (p->run.element, s.prompt, p->seed, (guint) resolved.num_inference_steps, p->run.model_name);
  hh_post_clip (p->run.element, clip, s.prompt, p->seed, (guint) resolved.num_inference_steps,
      p->run.frames_per_clip, p->run.model_name);

  status = hh_generation_start (p->run.engine, &request, p->run.duration, p->run.cancel, on_progress, p,
      &p->generation, &error);
  hh_settings_clear (&s);
  if (status != HH_OK) {
    p->generation = NULL;
    return start_failed (p, status, error);
  }
  if (hh_generation_total_frames (p->generation) != p->run.frames_per_clip)
    GST_WARNING_OBJECT (p->run.element, "the engine makes %" G_GINT64_FORMAT " frames per clip, expected %"
        G_GINT64_FORMAT, hh_generation_total_frames (p->generation), p->run.frames_per_clip);
  return GST_FLOW_OK;
}

/* Computes the clip's next frame (on the way to frame `target` of the clip) into `native`: OK with *got set, or OK
 * with *got = -1 when the clip has no more frames. */
static GstFlowReturn
compute_frame (HhClipProducer * p, gint64 target, GstBuffer * native, gint64 * got)
{
  GstMapInfo map;
  gchar *error = NULL;
  int64_t index = -1;
  hh_status status;

  if (!gst_buffer_map (native, &map, GST_MAP_WRITE)) {
    GST_ELEMENT_ERROR (p->run.element, RESOURCE, FAILED, (NULL), ("could not map the frame buffer"));
    return GST_FLOW_ERROR;
  }
  status = hh_generation_next_frame (p->generation, map.data, map.size, &index, &error);
  gst_buffer_unmap (native, &map);
  *got = -1;
  if (status == HH_OK || status == HH_END) {
    hh_progress_close (&p->progress, GST_PROGRESS_TYPE_COMPLETE);
    if (status == HH_OK) {
      p->next_in_clip = index + 1;
      *got = index;
    }
    return GST_FLOW_OK;
  }
  hh_progress_close (&p->progress, status == HH_ERROR_CANCELLED ? GST_PROGRESS_TYPE_CANCELED
      : GST_PROGRESS_TYPE_ERROR);
  if (status != HH_ERROR_CANCELLED)
    GST_ELEMENT_ERROR (p->run.element, STREAM, FAILED, ("Generating frame %" G_GINT64_FORMAT " of clip %"
            G_GINT64_FORMAT " failed: %s", target, p->clip, error ? error : "unknown error"), (NULL));
  else
    GST_DEBUG_OBJECT (p->run.element, "generation cancelled");
  hh_string_free (error);
  clear_generation (p);
  return status == HH_ERROR_CANCELLED ? GST_FLOW_FLUSHING : GST_FLOW_ERROR;
}

/* Generates up to frame `index` of clip `clip` (skipping frames after a seek forward). *reached: the frame is in
 * `native`; otherwise the clip ended early and the position moved to the next clip. */
static GstFlowReturn
generate_to (HhClipProducer * p, gint64 clip, gint64 index, GstBuffer * native, gboolean * reached)
{
  GstFlowReturn ret;
  gint64 got = -1;

  /* (Re)start the clip's generation when needed: new clip, or a seek backwards. */
  if (p->generation == NULL || p->clip != clip || p->next_in_clip > index) {
    ret = start_clip (p, clip);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  *reached = FALSE;
  while (p->next_in_clip <= index) {
    ret = compute_frame (p, index, native, &got);
    if (ret != GST_FLOW_OK)
      return ret;
    if (got < 0) {
      GST_WARNING_OBJECT (p->run.element, "clip %" G_GINT64_FORMAT " ended after %" G_GINT64_FORMAT " frames",
          clip, p->next_in_clip);
      clear_generation (p);
      p->position = (clip + 1) * p->run.frames_per_clip;
      return GST_FLOW_OK;
    }
  }
  *reached = got == index;
  return GST_FLOW_OK;
}

static GstFlowReturn
clip_next (gpointer producer, const GstSegment * segment, GstBuffer * native, HhFrame * frame)
{
  HhClipProducer *p = producer;
  gint64 total = hh_clip_producer_total_frames (&p->run);
  gboolean reached = FALSE;

  while (!reached) {
    gint64 target = p->position;
    GstClockTime time = hh_frame_time (p->run.fps_n, p->run.fps_d, target);
    GstFlowReturn ret;

    if (total >= 0 && target >= total) {
      GST_DEBUG_OBJECT (p->run.element, "end of the last clip: EOS");
      return GST_FLOW_EOS;
    }
    if (GST_CLOCK_TIME_IS_VALID (segment->stop) && time >= segment->stop) {
      GST_DEBUG_OBJECT (p->run.element, "reached the segment stop: EOS");
      return GST_FLOW_EOS;
    }
    ret = generate_to (p, target / p->run.frames_per_clip, target % p->run.frames_per_clip, native, &reached);
    if (ret != GST_FLOW_OK)
      return ret;
    frame->index = target;
    frame->time = time;
    frame->discont = FALSE;
  }
  p->position = frame->index + 1;
  return GST_FLOW_OK;
}

const HhProducerInterface hh_clip_producer_interface = { clip_next, NULL };
