/* Shared body of the fuzz targets that run one text format over a whole
 * buffer: every event is serialised (so every string it borrows is read)
 * and the accounting invariant read == parsed + rejected must hold; fed in
 * pieces, the stream gives the same records (fuzz_pieces.h). */
#ifndef ASH_FUZZ_FORMAT_H
#define ASH_FUZZ_FORMAT_H

#include <stdint.h>
#include <stdlib.h>

#include "ashiato/buf.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "fuzz_pieces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_on_event(void *u, const ash_event *ev) {
  ash_buf *b = u;
  ash_buf_reset(b);
  return ash_event_to_json(ev, "fuzz", 0, NULL, b);
}

/* Parse data with the named format (a clock skew set, so that path runs). */
static void fuzz_format(const char *name, const uint8_t *data, size_t size) {
  const ash_format *f = ash_format_find(name);
  if (!f) abort();
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_LINE * 8);
  ash_parse_opts o = {0};
  o.threads = 1;
  o.clock_skew_us = -90000000;
  ash_mem_result r;
  ash_parse_memory(f, data, size, &o, fuzz_on_event, NULL, &b, &r);
  if (r.read != r.parsed + r.rejected) abort();
  ash_buf_free(&b);
  fuzz_pieces(f, &o, data, size);
}

#endif
