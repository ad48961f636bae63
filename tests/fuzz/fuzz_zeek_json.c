/* Fuzz target: the Zeek JSON parser (zeek-json) over a whole buffer, once
 * through its fast path and once through jansson alone: both must give
 * the same events and the same accounting (read == parsed + rejected). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern int ash_zeek_json_fast;

static int on_event(void *u, const ash_event *ev) {
  ash_buf *b = u;
  int rc = ash_event_to_json(ev, "fuzz", 0, NULL, b);
  return rc ? rc : ash_buf_addc(b, '\n');
}

static void run(const uint8_t *data, size_t size, int fast, ash_buf *out, ash_mem_result *r) {
  const ash_format *f = ash_format_find("zeek-json");
  if (!f) abort();
  ash_zeek_json_fast = fast;
  ash_parse_opts o = {0};
  o.threads = 1;
  o.clock_skew_us = 1500000;
  ash_parse_memory(f, data, size, &o, on_event, NULL, out, r);
  ash_zeek_json_fast = 1;
  if (r->read != r->parsed + r->rejected) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ash_buf a, b;
  ash_buf_init(&a, (size_t)1 << 30);
  ash_buf_init(&b, (size_t)1 << 30);
  ash_mem_result ra, rb;
  run(data, size, 1, &a, &ra);
  run(data, size, 0, &b, &rb);
  if (ra.read != rb.read || ra.parsed != rb.parsed || ra.events != rb.events) abort();
  if (a.n != b.n || (a.n && memcmp(a.p, b.p, a.n))) abort();
  ash_buf_free(&a);
  ash_buf_free(&b);
  fuzz_pieces(ash_format_find("zeek-json"), NULL, data, size);
  return 0;
}
