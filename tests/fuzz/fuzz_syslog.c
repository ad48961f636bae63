/* Fuzz target: the syslog header helper. Checks that every string it
 * returns lies inside the input and that body never passes the end. */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(ash_str s, const char *p, size_t n) {
  if (s.n && (s.p < p || s.p + s.n > p + n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  ash_syslog_hdr h;
  int r = ash_syslog_parse(p, size, 2025, &h);
  if (h.body > size || (!r && h.body != 0)) abort();
  inside(h.host, p, size);
  inside(h.app, p, size);
  inside(h.procid, p, size);
  inside(h.msgid, p, size);
  inside(h.sd, p, size);
  return 0;
}
