/* The clip producer: num-clips clips of `duration` each, generated frame by frame on the streaming thread (each clip
 * with the settings in force when it starts, clip k with seed base+k); seeks regenerate the clip holding the target. */
#ifndef HAPPYHORSE_CLIP_PRODUCER_H
#define HAPPYHORSE_CLIP_PRODUCER_H

#include "happyhorse-messages.h"
#include "happyhorse-producer.h"

G_BEGIN_DECLS

typedef struct
{
  HhRun run;
  HhProgress progress;
  hh_generation *generation;
  gint64 clip;                  /* clip the running generation makes, -1 = none */
  gint64 next_in_clip;          /* index in that clip of the frame it returns next */
  guint64 seed;                 /* of the running generation */
  gint64 position;              /* running index of the next frame to hand out */
} HhClipProducer;

extern const HhProducerInterface hh_clip_producer_interface;

void hh_clip_producer_start (HhClipProducer * producer, const HhRun * run);
void hh_clip_producer_stop (HhClipProducer * producer);
/* The next frame handed out is `frame` (a seek); the clip holding it is regenerated when needed. */
void hh_clip_producer_seek (HhClipProducer * producer, gint64 frame);
/* Frames of the whole run, -1 when unlimited. */
gint64 hh_clip_producer_total_frames (const HhRun * run);

G_END_DECLS

#endif
