/* Fuzz target: events' attributes through the ingest's writer into the
 * case store and back (src/ingest/writer.c splits them in the producer
 * thread and packs the values into zstd blocks; src/store/flows.c reads
 * the blocks back in ash_attrs). Every third row is a logon, which goes
 * to events_wide rather than flows, its values into the same blocks.
 *
 * The input is rows separated by '\n'; a row is attributes, key and value
 * alternating, separated by 0xFE (any other byte, NUL and control bytes
 * and invalid UTF-8 included, is content). The first byte chooses how
 * many sources the rows are spread over (1-3, interleaved in runs), so
 * that blocks close on a source change as well as when full. Every row is
 * read back and its attributes must be exactly the JSON form
 * ash_event_attrs_json gives for the same event (or its truncation mark),
 * and read == the rows written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "ingest/writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_ROWS = 700 }; /* past two blocks of one source */

typedef struct row {
  ash_kv kv[ASH_MAX_ATTRS];
  size_t n;
} row;

static size_t split_rows(const uint8_t *p, size_t n, row *rows) {
  size_t nr = 0;
  size_t i = 0;
  while (i <= n && nr < MAX_ROWS) {
    size_t e = i;
    while (e < n && p[e] != '\n') e++;
    row *r = &rows[nr++];
    r->n = 0;
    size_t f = i;
    int key = 1;
    for (size_t j = i; j <= e && r->n < ASH_MAX_ATTRS; j++) {
      if (j < e && p[j] != 0xFE) continue;
      ash_str s = ash_str_make((const char *)p + f, j - f);
      if (key) {
        r->kv[r->n].k = s;
        r->kv[r->n].v = ASH_STR_LIT("");
      } else {
        r->kv[r->n++].v = s;
      }
      key = !key;
      f = j + 1;
    }
    if (!key && r->n < ASH_MAX_ATTRS) r->n++; /* a last key without a value */
    i = e + 1;
  }
  return nr;
}

static void flow_of(ash_event *ev, const row *r, size_t i) {
  ash_event_init(ev);
  ev->kind = i % 3 == 2 ? ASH_KIND_WIN_LOGON : ASH_KIND_FLOW;
  ev->ts = 1740873600000000 + (int64_t)i;
  ash_ip_parse(ash_str_cstr("10.0.0.1"), &ev->src_ip);
  ash_ip_parse(ash_str_cstr("192.0.2.1"), &ev->dst_ip);
  ev->attrs = (ash_kv *)r->kv;
  ev->nattrs = r->n;
}

typedef struct check {
  const row *rows;
  size_t n, seen;
  ash_buf want;
} check;

static int on_event(void *u, const ash_event *ev, const char *src, int rec, const char *attrs) {
  (void)src;
  (void)rec;
  check *c = u;
  if (c->seen >= c->n) abort();
  ash_event w;
  flow_of(&w, &c->rows[c->seen], c->seen);
  if (ev->ts != w.ts) abort();
  if (w.nattrs) {
    int rc = ash_event_attrs_json(&w, &c->want);
    if (rc == ASH_ELIMIT) {
      ash_buf_reset(&c->want);
      rc = ash_buf_adds(&c->want, "{\"_truncated\":\"attributes exceeded 256 KiB\"}");
    }
    if (rc || !attrs || strcmp(attrs, c->want.p)) abort();
  } else if (attrs) {
    abort();
  }
  c->seen++;
  return ASH_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size) return 0;
  static row *rows;
  if (!rows && !(rows = malloc(MAX_ROWS * sizeof *rows))) abort();
  int nsrc = 1 + data[0] % 3;
  size_t nr = split_rows(data + 1, size - 1, rows);
  char path[64];
  snprintf(path, sizeof path, "/dev/shm/ash-fuzz-flowstore-%d.db", (int)getpid());
  unlink(path);
  ash_store *s;
  if (ash_store_open(&s, path, ASH_STORE_CREATE)) abort();
  ash_writer *w;
  if (ash_writer_open(&w, s)) abort();
  int64_t h[3];
  for (int k = 0; k < nsrc; k++) {
    char name[16];
    snprintf(name, sizeof name, "f%d.log", k);
    if (ash_writer_source_begin(w, name, (uint64_t)k + 1, NULL, "fortigate", &h[k])) abort();
  }
  for (size_t i = 0; i < nr; i++) {
    ash_event ev;
    flow_of(&ev, &rows[i], i);
    /* runs of a length the input chooses, one source after another */
    size_t run = 1 + data[i % size] % 97;
    if (ash_writer_event(w, h[(i / run) % (size_t)nsrc], &ev)) abort();
  }
  for (int k = 0; k < nsrc; k++) {
    ash_source_info c = {0};
    c.first_ts = c.last_ts = ASH_TIME_UNSET;
    if (ash_writer_source_end(w, h[k], &c)) abort();
  }
  if (ash_writer_close(w)) abort();
  check c = {rows, nr, 0, {0}};
  ash_buf_init(&c.want, 1u << 22);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  if (ash_store_events(s, &q, on_event, &c)) abort();
  if (c.seen != nr) abort();
  ash_buf_free(&c.want);
  ash_store_close(s);
  unlink(path);
  return 0;
}
