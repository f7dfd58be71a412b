/* happyhorsesrc's negotiation and conversion: the native size and rate preferred, any listed raw format and size
 * made inside the element with GstVideoConverter, other frame rates refused (videorate goes after the element). */
#include "gsthappyhorsesrc-private.h"
#include "gsthappyhorse-internal.h"

GST_DEBUG_CATEGORY_EXTERN (gst_happy_horse_src_debug);
#define GST_CAT_DEFAULT gst_happy_horse_src_debug

static GstBaseSrcClass *parent_class;

/* The structure of `caps` to fixate: the first that takes the model's rate and size, else the first that takes its
 * rate, else the first. A converter downstream (videorate, videoscale) offers its peer's caps first and its own
 * ranges after them: the native output needs no conversion here, so the converter's structure is the one to take. */
static GstCaps *
pick_structure (GstCaps * caps, gint width, gint height, gint fps_n, gint fps_d)
{
  GstStructure *rate = gst_structure_new ("video/x-raw", "framerate", GST_TYPE_FRACTION, fps_n, fps_d, NULL);
  GstStructure *native = gst_structure_new ("video/x-raw", "framerate", GST_TYPE_FRACTION, fps_n, fps_d,
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, NULL);
  guint i, best = 0;
  gint best_score = -1;
  GstCaps *picked;

  for (i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    gint score = gst_structure_can_intersect (s, native) ? 2 : gst_structure_can_intersect (s, rate) ? 1 : 0;
    if (score > best_score) {
      best = i;
      best_score = score;
    }
  }
  gst_structure_free (rate);
  gst_structure_free (native);
  picked = gst_caps_copy_nth (caps, best);
  gst_caps_unref (caps);
  return picked;
}

static GstCaps *
gst_happy_horse_src_fixate (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstHappyHorseSrc *self = GST_HAPPY_HORSE_SRC (bsrc);
  gint native_w = GST_VIDEO_INFO_WIDTH (&self->native_info);
  gint native_h = GST_VIDEO_INFO_HEIGHT (&self->native_info);
  guint i;

  if (self->run.engine == NULL || native_w <= 0)
    return parent_class->fixate (bsrc, caps);

  caps = pick_structure (caps, native_w, native_h, self->run.fps_n, self->run.fps_d);
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
    gst_structure_fixate_field_nearest_fraction (s, "framerate", self->run.fps_n, self->run.fps_d);
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

  if (self->run.engine == NULL) {
    GST_WARNING_OBJECT (self, "caps set before the model was loaded");
    return FALSE;
  }
  if (!gst_video_info_from_caps (&info, caps)) {
    GST_WARNING_OBJECT (self, "refusing caps %" GST_PTR_FORMAT ": not parseable as raw video", caps);
    return FALSE;
  }
  if (info.fps_n != self->run.fps_n || info.fps_d != self->run.fps_d) {
    GST_WARNING_OBJECT (self, "refusing framerate %d/%d: the model generates %d/%d fps only",
        info.fps_n, info.fps_d, self->run.fps_n, self->run.fps_d);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("happyhorsesrc makes %d/%d fps only (the model's frame rate); downstream asked for %d/%d. "
            "Put videorate after happyhorsesrc to change the frame rate.", self->run.fps_n, self->run.fps_d,
            info.fps_n, info.fps_d), ("caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (info.width > HH_MAX_DIMENSION || info.height > HH_MAX_DIMENSION) {
    GST_WARNING_OBJECT (self, "refusing %dx%d: larger than %d", info.width, info.height, HH_MAX_DIMENSION);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("happyhorsesrc scales to at most %dx%d; downstream asked for %dx%d.", HH_MAX_DIMENSION, HH_MAX_DIMENSION,
            info.width, info.height), ("caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (GST_VIDEO_INFO_IS_INTERLACED (&info)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("happyhorsesrc makes progressive frames only; downstream asked for interlace-mode=%s. Put interlace "
            "after happyhorsesrc to make interlaced video.",
            gst_video_interlace_mode_to_string (GST_VIDEO_INFO_INTERLACE_MODE (&info))), ("caps: %" GST_PTR_FORMAT,
            caps));
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

  if (parent_class->negotiate (bsrc))
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
            HH_MAX_DIMENSION, HH_MAX_DIMENSION, self->run.fps_n, self->run.fps_d, wanted), (NULL));
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

  return parent_class->decide_allocation (bsrc, query);
}

gboolean
gst_happy_horse_src_convert (GstHappyHorseSrc * self, GstBuffer * buffer)
{
  GstVideoFrame in_frame, out_frame;

  if (!gst_video_frame_map (&in_frame, &self->native_info, self->native_buffer, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("could not map the native frame"));
    return FALSE;
  }
  if (!gst_video_frame_map (&out_frame, &self->info, buffer, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in_frame);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("could not map the output buffer"));
    return FALSE;
  }
  gst_video_converter_frame (self->converter, &in_frame, &out_frame);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
  return TRUE;
}

void
gst_happy_horse_src_caps_class_init (GstBaseSrcClass * basesrc_class)
{
  parent_class = g_type_class_peek_parent (basesrc_class);
  basesrc_class->fixate = GST_DEBUG_FUNCPTR (gst_happy_horse_src_fixate);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_happy_horse_src_set_caps);
  basesrc_class->negotiate = GST_DEBUG_FUNCPTR (gst_happy_horse_src_negotiate);
  basesrc_class->decide_allocation = GST_DEBUG_FUNCPTR (gst_happy_horse_src_decide_allocation);
}
