/* Fuzz target: the FortiGate parser.
 *
 * 1. The whole input through ash_parse_memory (UTC, then a fixed --tz with
 *    a clock skew): every event is serialised, which must succeed (the
 *    parser caps attributes so that they always fit), every event has at
 *    most ASH_MAX_ATTRS attributes of its record's, plus only the marks
 *    ashiato adds (ash_suspicious_bytes, last), and read == parsed +
 *    rejected.
 * 2. Each line through both tokenizers (the SSE2 structural one and the
 *    byte-loop reference): whenever the fast one does not hand the line
 *    back, both must give the same verdict and the same tokens.
 * 3. The input fed to the line splitter in pieces gives the same records
 *    as fed whole (fuzz_pieces.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fuzz_pieces.h"

/* the parser's source for its static tokenizers, renamed so that it does
 * not clash with the copy in the library */
#define ash_format_fortigate fgt_format_fuzz_copy
#include "ingest/fortigate.c"
#undef ash_format_fortigate

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *u, const ash_event *ev) {
  ash_buf *b = u;
  size_t own = ev->nattrs;
  if (own && ash_str_eq(ev->attrs[own - 1].k, ASH_ATTR_SUSPICIOUS)) own--;
  if (own > ASH_MAX_ATTRS) abort();
  ash_buf_reset(b);
  if (ash_event_to_json(ev, "fuzz", 0, NULL, b) != ASH_OK) abort();
  return ASH_OK;
}

static int same(ash_str a, ash_str b) { return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n)); }

static void differential(const char *line, size_t n) {
#ifdef ASH_FGT_FAST
  static fgt_state *a, *b;
  if (!a) {
    a = calloc(1, sizeof *a);
    b = calloc(1, sizeof *b);
    if (!a || !b) abort();
  }
  tok_reset(a);
  tok_reset(b);
  const char *ra = tokenize_fast(a, line, n, 0);
  if (ra == FALLBACK) return;
  const char *rb = tokenize_scalar(b, line, n, 0);
  if (ra != rb) abort();
  if (ra) return;
  if (a->nkv != b->nkv || a->nside != b->nside || a->real != b->real || a->over != b->over) abort();
  for (size_t i = 0; i < a->nkv; i++)
    if (!same(a->kv[i].k, b->kv[i].k) || !same(a->kv[i].v, b->kv[i].v)) abort();
  for (size_t i = 0; i < a->nside; i++)
    if (!same(a->side[i].kv.v, b->side[i].kv.v) || a->side[i].pos != b->side[i].pos) abort();
  if (memcmp(a->slot, b->slot, sizeof a->slot)) abort();
#else
  (void)line;
  (void)n;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* the copy compiled into this file: its coverage guides libFuzzer even
   * when the library is built without -fsanitize=fuzzer-no-link */
  const ash_format *f = &fgt_format_fuzz_copy;
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_LINE * 8);
  ash_parse_opts o = {0};
  o.threads = 1;
  ash_mem_result r;
  ash_parse_memory(f, data, size, &o, on_event, NULL, &b, &r);
  if (r.read != r.parsed + r.rejected) abort();
  if (ash_tz_open(&o.tz, "+05:30") != ASH_OK) abort();
  o.clock_skew_us = -90 * ASH_US_PER_SEC;
  ash_parse_memory(f, data, size, &o, on_event, NULL, &b, &r);
  if (r.read != r.parsed + r.rejected) abort();
  ash_tz_close(o.tz);
  ash_buf_free(&b);
  fuzz_pieces(f, NULL, data, size);

  size_t i = 0;
  while (i < size) {
    const uint8_t *nl = memchr(data + i, '\n', size - i);
    size_t e = nl ? (size_t)(nl - data) : size;
    char *line = malloc(e - i ? e - i : 1); /* exact size: ASan sees overreads */
    if (!line) abort();
    memcpy(line, data + i, e - i);
    differential(line, e - i);
    free(line);
    i = e + 1;
  }
  return 0;
}
