/* The prompt timeline and its text_sink pad (happyhorse-prompt-timeline.h). */
#include "happyhorse-prompt-timeline.h"
#include "gsthappyhorse-internal.h"

GST_DEBUG_CATEGORY_EXTERN (gst_happy_horse_src_debug);
#define GST_CAT_DEFAULT gst_happy_horse_src_debug

GstStaticPadTemplate hh_text_sink_template = GST_STATIC_PAD_TEMPLATE ("text_sink",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

typedef struct
{
  GstClockTime running_time;    /* NONE = due at the next chunk */
  gchar *text;
} TimedPrompt;

static void
timed_prompt_free (TimedPrompt * t)
{
  g_free (t->text);
  g_free (t);
}

void
hh_prompt_timeline_init (HhPromptTimeline * t, HhSettingsStore * store, GObject * owner)
{
  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  t->entries = NULL;
  t->position = GST_CLOCK_TIME_NONE;
  t->eos = FALSE;
  t->unlocked = FALSE;
  gst_segment_init (&t->segment, GST_FORMAT_TIME);
  t->pad = NULL;
  t->live = FALSE;
  t->markup = FALSE;
  t->store = store;
  t->owner = owner;
}

void
hh_prompt_timeline_clear (HhPromptTimeline * t)
{
  g_list_free_full (t->entries, (GDestroyNotify) timed_prompt_free);
  t->entries = NULL;
  g_cond_clear (&t->cond);
  g_mutex_clear (&t->lock);
}

void
hh_prompt_timeline_reset (HhPromptTimeline * t, gboolean live)
{
  HH_MUTEX_LOCK (&t->lock);
  g_list_free_full (t->entries, (GDestroyNotify) timed_prompt_free);
  t->entries = NULL;
  t->live = live;
  HH_MUTEX_UNLOCK (&t->lock);
}

gchar *
hh_prompt_timeline_take_due (HhPromptTimeline * t, GstClockTime boundary)
{
  TimedPrompt *due = NULL;
  gchar *text = NULL;

  HH_MUTEX_LOCK (&t->lock);
  while (t->entries) {
    TimedPrompt *e = t->entries->data;
    if (GST_CLOCK_TIME_IS_VALID (e->running_time) && e->running_time > boundary)
      break;
    if (due)
      timed_prompt_free (due);
    due = e;
    t->entries = g_list_delete_link (t->entries, t->entries);
  }
  HH_MUTEX_UNLOCK (&t->lock);
  if (due) {
    GST_INFO ("prompt timeline: \"%s\" (due at %" GST_TIME_FORMAT ") applies at the chunk starting at %"
        GST_TIME_FORMAT, due->text, GST_TIME_ARGS (due->running_time), GST_TIME_ARGS (boundary));
    text = due->text;
    g_free (due);
  }
  return text;
}

/* Lock held: the text stream has said everything before `position`. */
static void
advance_locked (HhPromptTimeline * t, GstClockTime position)
{
  if (GST_CLOCK_TIME_IS_VALID (position) && (!GST_CLOCK_TIME_IS_VALID (t->position) || position > t->position)) {
    t->position = position;
    g_cond_broadcast (&t->cond);
  }
}

/* Whether a text stream is linked to the text_sink pad. */
static gboolean
text_linked (HhPromptTimeline * t)
{
  GstPad *pad;
  gboolean linked;

  HH_OBJECT_LOCK (t->owner);
  pad = t->pad ? gst_object_ref (t->pad) : NULL;
  HH_OBJECT_UNLOCK (t->owner);
  linked = pad != NULL && gst_pad_is_linked (pad);
  if (pad)
    gst_object_unref (pad);
  return linked;
}

GstFlowReturn
hh_prompt_timeline_wait_past (HhPromptTimeline * t, GstClockTime boundary)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean waiting = TRUE;

  while (waiting) {
    gboolean linked = text_linked (t);

    HH_MUTEX_LOCK (&t->lock);
    if (t->unlocked)
      ret = GST_FLOW_FLUSHING;
    waiting = ret == GST_FLOW_OK && !t->live && linked && !t->eos
        && !(GST_CLOCK_TIME_IS_VALID (t->position) && t->position > boundary);
    if (waiting) {
      GST_LOG ("waiting for the text stream to pass %" GST_TIME_FORMAT, GST_TIME_ARGS (boundary));
      /* Woken by the text stream or unlock(); the timeout re-reads whether the pad is still linked. */
      g_cond_wait_until (&t->cond, &t->lock, g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND);
    }
    HH_MUTEX_UNLOCK (&t->lock);
  }
  return ret;
}

void
hh_prompt_timeline_unlock (HhPromptTimeline * t)
{
  HH_MUTEX_LOCK (&t->lock);
  t->unlocked = TRUE;
  g_cond_broadcast (&t->cond);
  HH_MUTEX_UNLOCK (&t->lock);
}

void
hh_prompt_timeline_unlock_stop (HhPromptTimeline * t)
{
  HH_MUTEX_LOCK (&t->lock);
  t->unlocked = FALSE;
  HH_MUTEX_UNLOCK (&t->lock);
}

void
hh_prompt_timeline_apply (HhPromptTimeline * t, const gchar * text)
{
  hh_settings_store_set_prompt (t->store, text);
  g_object_notify (t->owner, "prompt");
}

static void
add_timed (HhPromptTimeline * t, GstClockTime running_time, const gchar * text)
{
  TimedPrompt *entry = g_new0 (TimedPrompt, 1);
  GList *l;

  entry->running_time = running_time;
  entry->text = g_strdup (text);
  HH_MUTEX_LOCK (&t->lock);
  for (l = t->entries; l; l = l->next) {
    TimedPrompt *o = l->data;
    if (GST_CLOCK_TIME_IS_VALID (running_time) && GST_CLOCK_TIME_IS_VALID (o->running_time)
        && o->running_time > running_time)
      break;
    if (!GST_CLOCK_TIME_IS_VALID (running_time) && GST_CLOCK_TIME_IS_VALID (o->running_time))
      break;
  }
  t->entries = g_list_insert_before (t->entries, l, entry);
  HH_MUTEX_UNLOCK (&t->lock);
}

static void
collect_text (GMarkupParseContext * context, const gchar * text, gsize length, gpointer user_data,
    GError ** error)
{
  g_string_append_len (user_data, text, (gssize) length);
}

/* The text of Pango markup: tags dropped, entities decoded. Markup that does not parse is taken as plain text. */
static gchar *
markup_to_text (const gchar * markup)
{
  static const GMarkupParser parser = { NULL, NULL, collect_text, NULL, NULL };
  GString *text = g_string_new (NULL);
  GMarkupParseContext *context = g_markup_parse_context_new (&parser, 0, text, NULL);
  gchar *wrapped = g_strconcat ("<markup>", markup, "</markup>", NULL);
  GError *error = NULL;
  gboolean parsed = g_markup_parse_context_parse (context, wrapped, -1, &error)
      && g_markup_parse_context_end_parse (context, &error);

  g_markup_parse_context_free (context);
  g_free (wrapped);
  if (!parsed) {
    GST_WARNING ("text_sink: pango-markup that does not parse (%s): taken as plain text", error->message);
    g_clear_error (&error);
    g_string_free (text, TRUE);
    return g_strdup (markup);
  }
  return g_string_free (text, FALSE);
}

static HhPromptTimeline *
timeline_of (GstPad * pad)
{
  return gst_pad_get_element_private (pad);
}

static GstFlowReturn
text_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  HhPromptTimeline *t = timeline_of (pad);
  GstClockTime rt = GST_CLOCK_TIME_NONE;
  GstClockTime duration = GST_BUFFER_DURATION (buffer);
  gboolean duration_valid = GST_BUFFER_DURATION_IS_VALID (buffer);
  GstMapInfo map;
  gchar *text;
  gboolean live, markup;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  text = g_utf8_make_valid ((const gchar *) map.data, (gssize) map.size);
  gst_buffer_unmap (buffer, &map);
  HH_MUTEX_LOCK (&t->lock);
  if (GST_BUFFER_PTS_IS_VALID (buffer) && t->segment.format == GST_FORMAT_TIME)
    rt = gst_segment_to_running_time (&t->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  live = t->live;
  markup = t->markup;
  HH_MUTEX_UNLOCK (&t->lock);
  gst_buffer_unref (buffer);
  if (markup) {
    gchar *plain = markup_to_text (text);
    g_free (text);
    text = plain;
  }
  g_strstrip (text);
  if (*text != '\0') {
    GST_INFO_OBJECT (parent, "text_sink: \"%s\" at running time %" GST_TIME_FORMAT, text, GST_TIME_ARGS (rt));
    if (live || GST_CLOCK_TIME_IS_VALID (rt))
      add_timed (t, rt, text);
    else
      hh_prompt_timeline_apply (t, text);
  }
  g_free (text);
  /* The stream has said everything before this buffer's start; with a duration, up to its end. The position moves
   * after the entry is in the list, so a waiting clip start finds it. */
  HH_MUTEX_LOCK (&t->lock);
  advance_locked (t, GST_CLOCK_TIME_IS_VALID (rt) && duration_valid ? rt + duration : rt);
  HH_MUTEX_UNLOCK (&t->lock);
  return GST_FLOW_OK;
}

static gboolean
text_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  HhPromptTimeline *t = timeline_of (pad);

  /* Nothing is forwarded: this pad only steers the prompt. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;
    gst_event_parse_segment (event, &segment);
    HH_MUTEX_LOCK (&t->lock);
    gst_segment_copy_into (segment, &t->segment);
    HH_MUTEX_UNLOCK (&t->lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    const gchar *format;
    gst_event_parse_caps (event, &caps);
    format = gst_structure_get_string (gst_caps_get_structure (caps, 0), "format");
    HH_MUTEX_LOCK (&t->lock);
    t->markup = g_strcmp0 (format, "pango-markup") == 0;
    HH_MUTEX_UNLOCK (&t->lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_GAP) {
    GstClockTime start, duration;
    gst_event_parse_gap (event, &start, &duration);
    HH_MUTEX_LOCK (&t->lock);
    if (t->segment.format == GST_FORMAT_TIME) {
      GstClockTime rt = gst_segment_to_running_time (&t->segment, GST_FORMAT_TIME, start);
      advance_locked (t, GST_CLOCK_TIME_IS_VALID (duration) && GST_CLOCK_TIME_IS_VALID (rt) ? rt + duration : rt);
    }
    HH_MUTEX_UNLOCK (&t->lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    HH_MUTEX_LOCK (&t->lock);
    t->eos = TRUE;
    g_cond_broadcast (&t->cond);
    HH_MUTEX_UNLOCK (&t->lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    HH_MUTEX_LOCK (&t->lock);
    if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
      gst_segment_init (&t->segment, GST_FORMAT_TIME);
    t->eos = FALSE;
    t->position = GST_CLOCK_TIME_NONE;
    HH_MUTEX_UNLOCK (&t->lock);
  }
  gst_event_unref (event);
  return TRUE;
}

static gboolean
text_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstCaps *templ = gst_pad_get_pad_template_caps (pad);
  GstCaps *caps, *filter;
  gboolean handled = TRUE;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
      gst_query_parse_caps (query, &filter);
      caps = filter ? gst_caps_intersect_full (filter, templ, GST_CAPS_INTERSECT_FIRST) : gst_caps_ref (templ);
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      break;
    case GST_QUERY_ACCEPT_CAPS:
      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (query, gst_caps_is_subset (caps, templ));
      break;
    default:
      handled = FALSE;
      break;
  }
  gst_caps_unref (templ);
  return handled;
}

GstPad *
hh_prompt_timeline_request_pad (HhPromptTimeline * t, GstElement * element, GstPadTemplate * templ)
{
  GstPad *pad;
  gboolean active;

  HH_OBJECT_LOCK (element);
  if (t->pad) {
    HH_OBJECT_UNLOCK (element);
    GST_WARNING_OBJECT (element, "text_sink already requested (one prompt timeline per element)");
    return NULL;
  }
  pad = gst_pad_new_from_template (templ, "text_sink");
  t->pad = pad;
  active = GST_STATE (element) > GST_STATE_READY;     /* the state is written under the object lock */
  HH_OBJECT_UNLOCK (element);

  gst_pad_set_element_private (pad, t);
  gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (text_chain));
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (text_event));
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (text_query));
  HH_MUTEX_LOCK (&t->lock);
  gst_segment_init (&t->segment, GST_FORMAT_TIME);
  HH_MUTEX_UNLOCK (&t->lock);
  if (active)
    gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  return pad;
}

void
hh_prompt_timeline_release_pad (HhPromptTimeline * t, GstElement * element, GstPad * pad)
{
  HH_OBJECT_LOCK (element);
  if (t->pad == pad)
    t->pad = NULL;
  HH_OBJECT_UNLOCK (element);
  HH_MUTEX_LOCK (&t->lock);
  g_cond_broadcast (&t->cond);
  HH_MUTEX_UNLOCK (&t->lock);
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}
