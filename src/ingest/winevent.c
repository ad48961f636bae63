/* placeholder, replaced below */
#include "winevent.h"

#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"

int ash_winevent_map(const ash_winrec *rec, ash_event *ev, ash_buf *scratch) {
  (void)scratch;
  ash_event_init(ev);
  ev->ts = rec->ts;
  ev->kind = ASH_KIND_WIN_EVENT;
  ev->host = rec->computer;
  ev->event_id = rec->event_id;
  ev->channel = rec->channel;
  ev->ref = rec->record_id;
  ev->attrs = rec->data;
  ev->nattrs = rec->ndata > ASH_MAX_ATTRS ? ASH_MAX_ATTRS : rec->ndata;
  return ASH_OK;
}
