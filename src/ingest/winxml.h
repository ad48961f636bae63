/* Internal: reading the XML of one Windows event (<Event xmlns=
 * "http://schemas.microsoft.com/win/2004/08/events/event">), as Splunk's
 * XmlWinEventLog, wevtutil, Get-WinEvent's ToXml() and Windows Event
 * Forwarding write it. Not public API.
 *
 * Only the shape of an event is understood: System's elements and their
 * attributes, EventData's Data items (named or not) and Binary, and the
 * leaves of UserData. RenderingInfo (the message as one machine rendered
 * it) is skipped. The reader never reads past n and allocates nothing:
 * decoded text (entities resolved) goes into text, which must hold n
 * bytes, so the slices handed to the callbacks stay valid until text is
 * reused. */
#ifndef ASH_INGEST_WINXML_H
#define ASH_INGEST_WINXML_H

#include <stddef.h>

#include "ashiato/event.h"

typedef struct ash_winxml_cb {
  /* A System field: an element's text (attr empty: EventID, Channel,
   * Computer, ...) or one of its attributes (TimeCreated/SystemTime,
   * Provider/Name, Execution/ProcessID, ...). */
  void (*system)(void *u, ash_str elem, ash_str attr, ash_str value);
  /* An event data item: Data's Name attribute (empty for an unnamed Data),
   * "Binary", or a UserData leaf's element name. */
  void (*data)(void *u, ash_str name, ash_str value);
  void *u;
} ash_winxml_cb;

/* Read the first <Event> element of p[0..n). *end is set to the offset
 * just past its closing tag. Returns 0, or -1 with *reason (static) when
 * the text is not a well-formed event: an unclosed tag, a mismatched end
 * tag, nesting deeper than 16, no <System>. */
int ash_winxml_event(const char *p, size_t n, char *text, const ash_winxml_cb *cb, size_t *end,
                     const char **reason);

/* Offset of the next "<Event" element start (not "<Events>") in p, or n. */
size_t ash_winxml_find(const char *p, size_t n);

#endif
