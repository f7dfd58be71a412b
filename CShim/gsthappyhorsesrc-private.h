/* happyhorsesrc's instance struct, shared by the element's files (gsthappyhorsesrc.c: life cycle, fill, time and
 * queries; gsthappyhorsesrc-caps.c: negotiation and conversion; gsthappyhorsesrc-properties.c: properties). */
#ifndef GST_HAPPY_HORSE_SRC_PRIVATE_H
#define GST_HAPPY_HORSE_SRC_PRIVATE_H

#include "gsthappyhorsesrc.h"
#include "happyhorse-clip-producer.h"
#include "happyhorse-live-producer.h"
#include "happyhorse-prompt-timeline.h"
#include "happyhorse-settings.h"

G_BEGIN_DECLS

/* Largest width/height the element will scale to. */
#define HH_MAX_DIMENSION 8192

struct _GstHappyHorseSrc
{
  GstPushSrc parent;

  /* Settings (property values), behind their own lock. */
  HhSettingsStore settings;
  /* For the instance's whole life. */
  HhPromptTimeline timeline;
  hh_cancel *cancel;            /* triggered by unlock(), reset by unlock_stop() */
  HhClipProducer clip;
  HhLiveProducer *live;

  /* Runtime state: built in start(), dropped in stop(). run.engine is NULL while stopped. */
  HhRun run;
  gchar *model_dir;
  gchar *model_name;
  const HhProducerInterface *producer;  /* the clip or the live producer's "next frame" */
  gpointer producer_instance;
  GstVideoInfo native_info;     /* packed RGB at the model's size */
  GstBuffer *native_buffer;     /* the producers write each frame here */
  gint64 timestamp_offset;
  gboolean warned_before_zero;  /* a negative offset skipped frames (warned once a run) */
  /* Read by queries and events on other threads: under the object lock. */
  gboolean run_live;            /* this run is live (is-live at start) */
  gint fps_n, fps_d;            /* 0/1 while stopped */
  gint64 total_frames;          /* of the run; -1 = unlimited or unknown */

  /* Negotiated output (streaming thread). */
  gboolean negotiated;
  GstVideoInfo info;
  GstVideoConverter *converter;
};

/* gsthappyhorsesrc-caps.c */
G_GNUC_INTERNAL void gst_happy_horse_src_caps_class_init (GstBaseSrcClass * basesrc_class);
/* Native RGB → the negotiated format and size, into `buffer`; FALSE with an error posted. */
G_GNUC_INTERNAL gboolean gst_happy_horse_src_convert (GstHappyHorseSrc * self, GstBuffer * buffer);

G_END_DECLS

#endif
