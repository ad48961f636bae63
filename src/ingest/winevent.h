/* Internal: Windows events, whatever their container (EVTX, Winlogbeat/ECS
 * JSON, NXLog JSON, evtx_dump JSON), become one ash_winrec, and one mapper
 * turns an ash_winrec into the normalised event. The containers only
 * decode; the meaning of event ids lives in winevent.c alone. */
#ifndef ASH_INGEST_WINEVENT_H
#define ASH_INGEST_WINEVENT_H

#include "ashiato/event.h"
#include "ashiato/format.h"

typedef struct ash_winrec {
  int64_t ts;         /* System/TimeCreated, UTC microseconds */
  uint64_t record_id; /* System/EventRecordID */
  int64_t event_id;   /* System/EventID */
  ash_str channel;    /* "Security" */
  ash_str provider;   /* "Microsoft-Windows-Security-Auditing" */
  ash_str computer;   /* System/Computer */
  ash_str user_sid;   /* System/Security/@UserID, when present */
  /* EventData/Data[@Name] (or UserData leaf elements) in record order,
   * values decoded to UTF-8. Unnamed Data items get names "Data1".. */
  const ash_kv *data;
  size_t ndata;
} ash_winrec;

/* Fill ev from rec: kind, host (short, lower case), user/domain,
 * addresses (normalising "-", "::ffff:a.b.c.d", "fe80::1%10"), logon type,
 * process and command line, service, threat, path, ... and keep every data
 * item as an attribute. Strings in ev borrow from rec and from scratch,
 * which the caller provides and keeps until ev is emitted. */
int ash_winevent_map(const ash_winrec *rec, ash_event *ev, ash_buf *scratch);

#endif
