/* The prompt timeline: request sink pad `text_sink` (text/x-raw, utf8) that steers the prompt.
 *
 * GstPushSrc has no sink pad of its own: the element class gets the request pad template and its request_new_pad /
 * release_pad call in here. The pad reaches the timeline through its element-private pointer; its chain function
 * only records (running time, text), never blocks and never forwards anything downstream. Live: a text applies at
 * the first chunk that starts at or after its running time (hh_prompt_timeline_take_due); not live: it becomes the
 * prompt at once (the next clip uses it). Pango markup (format=pango-markup) is reduced to its text. */
#ifndef HAPPYHORSE_PROMPT_TIMELINE_H
#define HAPPYHORSE_PROMPT_TIMELINE_H

#include <gst/gst.h>
#include "happyhorse-settings.h"

G_BEGIN_DECLS

typedef struct
{
  GMutex lock;
  GList *entries;               /* timed texts, sorted by running time; untimed ones first */
  GstSegment segment;           /* of the text stream */
  GstPad *pad;                  /* the one text_sink, or NULL; under the element's object lock */
  gboolean live;
  gboolean markup;              /* the text stream is pango-markup (tags and entities are not prompt words) */
  HhSettingsStore *store;
  GObject *owner;               /* notified of "prompt" changes */
} HhPromptTimeline;

extern GstStaticPadTemplate hh_text_sink_template;

void hh_prompt_timeline_init (HhPromptTimeline * timeline, HhSettingsStore * store, GObject * owner);
void hh_prompt_timeline_clear (HhPromptTimeline * timeline);
/* At the start of a run: forgets texts of a past run (their running times mean nothing now). */
void hh_prompt_timeline_reset (HhPromptTimeline * timeline, gboolean live);
/* The latest text due at running time `boundary` (NONE-timed texts are always due), removing it and those before
 * it; NULL when none is due. Free with g_free. */
gchar *hh_prompt_timeline_take_due (HhPromptTimeline * timeline, GstClockTime boundary);
/* Makes the prompt `text` (a new settings revision) and notifies "prompt". */
void hh_prompt_timeline_apply (HhPromptTimeline * timeline, const gchar * text);

GstPad *hh_prompt_timeline_request_pad (HhPromptTimeline * timeline, GstElement * element, GstPadTemplate * templ);
void hh_prompt_timeline_release_pad (HhPromptTimeline * timeline, GstElement * element, GstPad * pad);

G_END_DECLS

#endif
