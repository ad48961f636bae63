/* Unit tests of the ingest pipeline (streams, accounting, duplicates)
 * with a small format defined here, so that they do not depend on any
 * vendor parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "ashiato/error.h"
#include "ashiato/ingest.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"

/* "ts=ISO user=NAME": one event; anything else rejected. */
static int t_parse(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t off,
                   const char **reason) {
  (void)state;
  if (n < 3 || memcmp(line, "ts=", 3)) {
    *reason = "no ts= field";
    return ASH_REC_REJECTED;
  }
  const char *sp = memchr(line, ' ', n);
  size_t tl = sp ? (size_t)(sp - line) - 3 : n - 3;
  ash_event ev;
  ash_event_init(&ev);
  if (ash_time_parse_iso(ash_str_make(line + 3, tl), &ev.ts)) {
    *reason = "bad time";
    return ASH_REC_REJECTED;
  }
  ev.ts = ash_ctx_local_to_utc(ctx, ev.ts);
  if (sp && (size_t)(sp - line) + 6 <= n && !memcmp(sp + 1, "user=", 5))
    ev.user = ash_str_make(sp + 6, n - (size_t)(sp - line) - 6);
  ev.kind = ASH_KIND_LOG;
  ev.ref = off;
  return ash_ctx_emit(ctx, &ev) ? -1 : ASH_REC_PARSED;
}
static const ash_format t_fmt = {"kvtest", "test", 0, NULL, NULL, t_parse, NULL, NULL, NULL};

static char g_dir[256], g_db[300];

static void write_file(const char *name, const void *p, size_t n) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  fclose(f);
}

static const char *LINES = "ts=2025-03-02T10:00:00Z user=a\n"
                           "ts=2025-03-02T11:00:00Z user=b\r\n"
                           "\n"
                           "garbage\n"
                           "ts=2025-03-02T12:00:00Z user=\xff\xfe\n"
                           "ts=2025-03-02T13:00:00Z user=last-no-newline";

static int setup(void **st) {
  (void)st;
  snprintf(g_dir, sizeof g_dir, "/tmp/ash-test-ingest-%d", (int)getpid());
  mkdir(g_dir, 0755);
  char sub[300];
  snprintf(sub, sizeof sub, "%s/sub", g_dir);
  mkdir(sub, 0755);
  snprintf(g_db, sizeof g_db, "%s.db", g_dir);
  unlink(g_db);
  size_t n = strlen(LINES);
  write_file("plain.log", LINES, n);
  /* hidden files are evidence too */
  write_file("sub/.hidden.log", "ts=2025-03-07T00:00:00Z user=h\n", 31);
  /* gzip */
  char gz[600];
  snprintf(gz, sizeof gz, "%s/sub/z.log.gz", g_dir);
  gzFile g = gzopen(gz, "wb");
  gzwrite(g, "ts=2025-03-03T00:00:00Z user=gz\n", 32);
  gzclose(g);
  /* zstd */
  char zbuf[256];
  const char *zs = "ts=2025-03-04T00:00:00Z user=zst\n";
  size_t zn = ZSTD_compress(zbuf, sizeof zbuf, zs, strlen(zs), 3);
  assert_false(ZSTD_isError(zn));
  write_file("sub/y.log.zst", zbuf, zn);
  /* zip with two members */
  char zp[600];
  snprintf(zp, sizeof zp, "%s/bundle.zip", g_dir);
  struct archive *a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open_filename(a, zp);
  const char *m[2] = {"ts=2025-03-05T00:00:00Z user=zip1\n",
                      "ts=2025-03-06T00:00:00Z user=zip2\nbad\n"};
  for (int i = 0; i < 2; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, i ? "inner/two.log" : "one.log");
    archive_entry_set_size(e, (la_int64_t)strlen(m[i]));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, m[i], strlen(m[i]));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return 0;
}

static int teardown(void **st) {
  (void)st;
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s-wal' '%s-shm'", g_dir, g_db, g_db, g_db);
  return system(cmd) == 0 ? 0 : -1;
}

typedef struct seen {
  int sources, dups, skips;
  uint64_t read, parsed, rejected;
} seen;
static void on_source(void *u, const ash_source_info *i) {
  seen *s = u;
  s->sources++;
  s->dups += i->duplicate;
  s->read += i->read;
  s->parsed += i->parsed;
  s->rejected += i->rejected;
  assert_int_equal(i->read, i->parsed + i->rejected);
}
static void on_skip(void *u, const ash_source_info *i) {
  assert_non_null(i->skip_reason);
  assert_true(i->id > 0);
  ((seen *)u)->skips++;
}

typedef struct rows {
  int n, skipped;
  char reason[128];
} rows;
static int count_row(void *u, const ash_source_info *i) {
  rows *r = u;
  r->n++;
  if (i->skip_reason) {
    r->skipped++;
    snprintf(r->reason, sizeof r->reason, "%s", i->skip_reason);
    assert_int_equal(i->read, 0);
    assert_false(i->complete);
  }
  return 0;
}

static void test_ingest_dir(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_db, ASH_STORE_CREATE), 0);
  seen sn = {0};
  ash_ingest_opts o;
  memset(&o, 0, sizeof o);
  o.parse.threads = 1;
  o.format = &t_fmt;
  o.on_source = on_source;
  o.on_skip = on_skip;
  o.u = &sn;
  ash_ingest_totals t;
  const char *paths[] = {g_dir};
  assert_int_equal(ash_ingest(s, paths, 1, &o, &t), 0);
  /* plain (5 records: 3 ok, garbage, invalid UTF-8 -> 2 rejected... plus
   * last line without newline), gz 1, zst 1, zip 1 + 2, hidden 1 */
  assert_int_equal(sn.sources, 6);
  assert_int_equal(t.sources, 6);
  assert_int_equal(sn.skips, 0);
  assert_int_equal(t.read, 5 + 1 + 1 + 1 + 2 + 1);
  assert_int_equal(t.rejected, 2 + 1);
  assert_int_equal(t.read, t.parsed + t.rejected);
  /* again: every source is a duplicate */
  memset(&sn, 0, sizeof sn);
  assert_int_equal(ash_ingest(s, paths, 1, &o, &t), 0);
  assert_int_equal(sn.dups, 6);
  assert_int_equal(t.events, 0);
  ash_store_close(s);
}

static void test_long_line(void **st) {
  (void)st;
  size_t big = ASH_MAX_LINE + 100;
  char *buf = malloc(big + 64);
  memset(buf, 'x', big);
  memcpy(buf, "ts=", 3);
  size_t n = big;
  const char *tail = "\nts=2025-03-02T10:00:00Z user=after\n";
  memcpy(buf + n, tail, strlen(tail));
  n += strlen(tail);
  ash_mem_result r;
  assert_int_equal(ash_parse_memory(&t_fmt, (const uint8_t *)buf, n, NULL, NULL, NULL, NULL, &r),
                   0);
  assert_int_equal(r.read, 2);
  assert_int_equal(r.rejected, 1);
  assert_int_equal(r.parsed, 1);
  free(buf);
}

static void test_unknown_format_skipped(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_db, ASH_STORE_CREATE), 0);
  seen sn = {0};
  ash_ingest_opts o;
  memset(&o, 0, sizeof o);
  o.parse.threads = 1;
  o.on_source = on_source;
  o.on_skip = on_skip;
  o.u = &sn;
  write_file("README.txt", "\x01\x02\x03 nothing we know", 20);
  char p[600];
  snprintf(p, sizeof p, "%s/README.txt", g_dir);
  const char *paths[] = {p};
  ash_ingest_totals t;
  assert_int_equal(ash_ingest(s, paths, 1, &o, &t), 0);
  assert_int_equal(sn.skips, 1);
  assert_int_equal(t.skipped, 1);
  /* the skipped file has a row that says why */
  rows r = {0};
  assert_int_equal(ash_store_sources(s, count_row, &r), 0);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.skipped, 1);
  assert_non_null(strstr(r.reason, "not recognised"));
  /* skipped again: the row is replaced, not repeated */
  assert_int_equal(ash_ingest(s, paths, 1, &o, &t), 0);
  memset(&r, 0, sizeof r);
  assert_int_equal(ash_store_sources(s, count_row, &r), 0);
  assert_int_equal(r.n, 1);
  /* read with a forced format: one source, no skipped row left */
  o.format = &t_fmt;
  assert_int_equal(ash_ingest(s, paths, 1, &o, &t), 0);
  assert_int_equal(t.sources, 1);
  assert_int_equal(t.duplicates, 0);
  memset(&r, 0, sizeof r);
  assert_int_equal(ash_store_sources(s, count_row, &r), 0);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.skipped, 0);
  ash_store_close(s);
}

/* A binary parser that finds the content is not its format (as EVTX does
 * without its signature), with no sniffer to catch it before. */
static int t_refuse(ash_parse_ctx *ctx, const uint8_t *buf, size_t n) {
  (void)ctx, (void)buf, (void)n;
  return ASH_EFORMAT;
}
static const ash_format t_bin = {"bintest", "test", 1, NULL, NULL, NULL, NULL, NULL, t_refuse};

/* Protects: a binary parser refusing a file rejects that file (one
 * rejection, with why) instead of stopping the whole ingest. */
static void test_binary_parser_refusal_is_a_reject(void **st) {
  (void)st;
  ash_store *s;
  assert_int_equal(ash_store_open(&s, g_db, ASH_STORE_CREATE), 0);
  ash_ingest_opts o;
  memset(&o, 0, sizeof o);
  o.parse.threads = 1;
  o.format = &t_bin;
  char p[600];
  snprintf(p, sizeof p, "%s/plain.log", g_dir);
  const char *paths[] = {p, g_dir};
  ash_ingest_totals t;
  assert_int_equal(ash_ingest(s, paths, 2, &o, &t), 0);
  assert_true(t.sources >= 2);
  assert_int_equal(t.rejected, t.sources);
  assert_int_equal(t.read, t.rejected);
  ash_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ingest_dir, setup, teardown),
      cmocka_unit_test(test_long_line),
      cmocka_unit_test_setup_teardown(test_unknown_format_skipped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_binary_parser_refusal_is_a_reject, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
