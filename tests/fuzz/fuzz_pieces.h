/* Shared by the text-format fuzz targets: the same stream fed to the line
 * splitter in pieces must give the same records as fed whole. Pieces end
 * wherever the input says (a CR split from its LF, the held start of a
 * stream whose line ends are undecided), and the counts must match. */
#ifndef ASH_FUZZ_PIECES_H
#define ASH_FUZZ_PIECES_H

#include <stdint.h>
#include <stdlib.h>

#include "ashiato/format.h"
#include "ingest/ctx.h"

static int fuzz_pieces_event(void *u, const ash_event *ev) {
  uint64_t *h = u;
  /* a cheap digest of what was emitted, in order */
  *h = *h * 1000003u + (uint64_t)ev->ref * 31u + ev->nattrs + ev->user.n + ev->host.n;
  return 0;
}

static void fuzz_pieces_run(const ash_format *f, const ash_parse_opts *o, const uint8_t *data,
                            size_t size, size_t step, ash_mem_result *r, uint64_t *h) {
  ash_parse_ctx ctx;
  *h = 0;
  ash_ctx_init(&ctx, o, fuzz_pieces_event, NULL, h);
  ash_linesplit ls;
  if (ash_linesplit_open(&ls, f, &ctx)) abort();
  int rc = 0;
  for (size_t off = 0; !rc && off < size; off += step)
    rc = ash_linesplit_feed(&ls, data + off, size - off < step ? size - off : step);
  if (!rc) rc = ash_linesplit_end(&ls);
  ash_linesplit_close(&ls);
  r->read = ctx.read;
  r->parsed = ctx.parsed;
  r->rejected = ctx.rejected;
  r->events = ctx.events;
}

/* Whole, then in pieces of a size the first byte picks (1..256); o may be
 * NULL (defaults). */
static void fuzz_pieces(const ash_format *f, const ash_parse_opts *o, const uint8_t *data,
                        size_t size) {
  if (f->parse_buffer || !size) return;
  ash_parse_opts d = {0};
  d.threads = 1;
  if (!o) o = &d;
  ash_mem_result a, b;
  uint64_t ha, hb;
  fuzz_pieces_run(f, o, data, size, size, &a, &ha);
  fuzz_pieces_run(f, o, data, size, (size_t)data[0] + 1, &b, &hb);
  if (a.read != b.read || a.parsed != b.parsed || a.rejected != b.rejected ||
      a.events != b.events || ha != hb)
    abort();
}

#endif
