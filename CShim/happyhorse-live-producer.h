/* The live producer: one endless stream of continuing chunks, generated ahead of the clock by a worker thread
 * (design: the comment at the top of happyhorse-live-producer.c, and docs/live.md). It lives as long as the element;
 * start()/stop() bracket a run. */
#ifndef HAPPYHORSE_LIVE_PRODUCER_H
#define HAPPYHORSE_LIVE_PRODUCER_H

#include "happyhorse-producer.h"
#include "happyhorse-prompt-timeline.h"

G_BEGIN_DECLS

typedef struct _HhLiveProducer HhLiveProducer;

extern const HhProducerInterface hh_live_producer_interface;

HhLiveProducer *hh_live_producer_new (GstElement * element, HhPromptTimeline * timeline);
void hh_live_producer_free (HhLiveProducer * live);
/* Starts the stream and its worker; FALSE with an error posted. */
gboolean hh_live_producer_start (HhLiveProducer * live, const HhRun * run);
/* Cancels the running chunk and joins the worker (nothing when not started). */
void hh_live_producer_stop (HhLiveProducer * live);
/* unlock(): wakes a waiting next() with FLUSHING; the worker keeps its place. */
void hh_live_producer_unlock (HhLiveProducer * live);
void hh_live_producer_unlock_stop (HhLiveProducer * live);
/* PAUSED→PLAYING: anchor again at the next frame, as basesrc restarts its timestamp correction there. */
void hh_live_producer_resumed (HhLiveProducer * live);
/* After a flush the running time may restart: anchor again at the next frame. */
void hh_live_producer_flushed (HhLiveProducer * live);
/* Chunk computing time (measured) + the latency budget. */
GstClockTime hh_live_producer_latency (HhLiveProducer * live);
/* The LATENCY answer; remembered, so that a larger estimate later posts a LATENCY message. */
GstClockTime hh_live_producer_query_latency (HhLiveProducer * live);
void hh_live_producer_qos_event (HhLiveProducer * live, GstEvent * event);

G_END_DECLS

#endif
