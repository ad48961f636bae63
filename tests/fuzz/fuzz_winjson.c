/* Fuzz target: the Windows JSON-lines parser (winjson: Winlogbeat, NXLog,
 * evtx_dump) over a whole buffer, with a zone so that zoneless times take
 * the local-time path. Every event is serialised (so every string it
 * borrows from the JSON tree and the mapper's scratch is read) and the
 * accounting invariant read == parsed + rejected must hold. */
#include <stdint.h>
#include <stdlib.h>

#include "ashiato/buf.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *u, const ash_event *ev) {
  ash_buf *b = u;
  ash_buf_reset(b);
  return ash_event_to_json(ev, "fuzz", 0, NULL, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const ash_format *f = ash_format_find("winjson");
  if (!f) abort();
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_LINE * 8);
  ash_parse_opts o = {0};
  o.threads = 1;
  if (ash_tz_open(&o.tz, "+09:00")) abort();
  ash_mem_result r;
  ash_parse_memory(f, data, size, &o, on_event, NULL, &b, &r);
  if (r.read != r.parsed + r.rejected) abort();
  ash_tz_close(o.tz);
  ash_buf_free(&b);
  return 0;
}
