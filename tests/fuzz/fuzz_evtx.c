/* Fuzz target: the EVTX parser over a whole buffer (a file, or a bare
 * chunk), with carving on, every event serialised (so every string it
 * borrows is read), the accounting invariant checked, and every record
 * rendered as XML too. */
#include <stdint.h>
#include <stdlib.h>

#include "ashiato/buf.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ingest/evtx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *u, const ash_event *ev) {
  ash_buf *b = u;
  ash_buf_reset(b);
  return ash_event_to_json(ev, "fuzz", 1, NULL, b);
}

static int on_xml(void *u, uint64_t id, const char *xml, size_t n, const char *why) {
  (void)id;
  (void)why;
  /* touch every byte */
  unsigned *sum = u;
  for (size_t i = 0; i < n; i++) *sum += (unsigned char)xml[i];
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const ash_format *f = ash_format_find("evtx");
  if (!f) abort();
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_LINE * 8);
  ash_parse_opts o = {0};
  o.threads = 1;
  o.carve = 1;
  ash_mem_result r;
  ash_parse_memory(f, data, size, &o, on_event, NULL, &b, &r);
  if (r.read != r.parsed + r.rejected) abort();
  ash_buf_free(&b);
  unsigned sum = 0;
  ash_evtx_each_xml(data, size, 0, on_xml, &sum);
  return 0;
}
