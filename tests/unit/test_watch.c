/* Unit tests of watch's TCP framing (src/watch/frame.c) and of the
 * one-record-at-a-time parser it feeds (ash_recs, src/ingest/ctx.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/watch.h"

#define MAXMSG 32

typedef struct got {
  char *msg[MAXMSG];
  size_t len[MAXMSG];
  const char *why[MAXMSG];
  size_t n;
} got;

static int collect(void *u, const uint8_t *m, size_t n, const char *why) {
  got *g = u;
  assert_true(g->n < MAXMSG);
  g->msg[g->n] = malloc(n + 1);
  memcpy(g->msg[g->n], m, n);
  g->msg[g->n][n] = 0;
  g->len[g->n] = n;
  g->why[g->n] = why;
  g->n++;
  return 0;
}

static void got_free(got *g) {
  for (size_t i = 0; i < g->n; i++) free(g->msg[i]);
  memset(g, 0, sizeof *g);
}

/* Feed s whole, then one byte at a time: the frames must not depend on
 * how TCP cut the stream. */
static void frames(const char *s, size_t n, got *whole) {
  ash_framer f;
  ash_framer_init(&f);
  assert_int_equal(ash_framer_feed(&f, (const uint8_t *)s, n, collect, whole), 0);
  assert_int_equal(ash_framer_end(&f, collect, whole), 0);
  ash_framer_free(&f);
  got bytes;
  memset(&bytes, 0, sizeof bytes);
  ash_framer_init(&f);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(ash_framer_feed(&f, (const uint8_t *)s + i, 1, collect, &bytes), 0);
  assert_int_equal(ash_framer_end(&f, collect, &bytes), 0);
  ash_framer_free(&f);
  assert_int_equal(bytes.n, whole->n);
  for (size_t i = 0; i < whole->n; i++) {
    assert_int_equal(bytes.len[i], whole->len[i]);
    assert_memory_equal(bytes.msg[i], whole->msg[i], whole->len[i]);
    assert_true((bytes.why[i] == NULL) == (whole->why[i] == NULL));
  }
  got_free(&bytes);
}

static void test_octet_counting_and_lf_mixed(void **st) {
  (void)st;
  /* RFC 6587 3.4.1 octet counting, with an LF inside the message (kept:
   * the count decides), then LF framing, CRLF, blank frames between */
  const char in[] = "17 <13>1 - h a - - x\n"
                    "<13>Mar  2 10:22:01 fw01 app: lf framed\r\n"
                    "\n\n"
                    "5 <13>a"
                    "{\"json\":1}\n"
                    "2025-03-02T10:22:01Z host app: iso line\n";
  got g;
  memset(&g, 0, sizeof g);
  frames(in, sizeof in - 1, &g);
  assert_int_equal(g.n, 5);
  assert_string_equal(g.msg[0], "<13>1 - h a - - x");
  assert_string_equal(g.msg[1], "<13>Mar  2 10:22:01 fw01 app: lf framed");
  assert_string_equal(g.msg[2], "<13>a");
  assert_string_equal(g.msg[3], "{\"json\":1}");
  assert_string_equal(g.msg[4], "2025-03-02T10:22:01Z host app: iso line");
  for (size_t i = 0; i < g.n; i++) assert_null(g.why[i]);
  got_free(&g);
}

static void test_octet_count_embedded_lf_kept(void **st) {
  (void)st;
  const char in[] = "11 line1\nline2";
  got g;
  memset(&g, 0, sizeof g);
  frames(in, sizeof in - 1, &g);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.len[0], 11);
  assert_memory_equal(g.msg[0], "line1\nline2", 11);
  got_free(&g);
}

/* A count larger than the cap is consumed whole (the stream stays in step
 * for the next frame) and rejected with its start kept, never buffered. */
static void test_oversized_counted_frame_rejected_in_step(void **st) {
  (void)st;
  size_t big = ASH_MAX_WATCH_MSG + 1000;
  char hdr[32];
  int hn = snprintf(hdr, sizeof hdr, "%zu ", big);
  size_t n = (size_t)hn + big + 6;
  char *in = malloc(n);
  memcpy(in, hdr, (size_t)hn);
  memset(in + hn, 'A', big);
  memcpy(in + hn + big, "3 <1>", 5);
  in[n - 1] = '\n';
  got g;
  memset(&g, 0, sizeof g);
  ash_framer f;
  ash_framer_init(&f);
  assert_int_equal(ash_framer_feed(&f, (const uint8_t *)in, n, collect, &g), 0);
  assert_int_equal(ash_framer_end(&f, collect, &g), 0);
  /* the buffer never grew past the cap */
  assert_true(f.cap <= ASH_MAX_WATCH_MSG);
  ash_framer_free(&f);
  assert_int_equal(g.n, 2);
  assert_non_null(g.why[0]);
  assert_int_equal(g.len[0], ASH_MAX_REJECT_RAW);
  assert_string_equal(g.msg[1], "<1>");
  assert_null(g.why[1]);
  got_free(&g);
  free(in);
}

static void test_overlong_lf_line_rejected_next_kept(void **st) {
  (void)st;
  size_t big = ASH_MAX_WATCH_MSG * 3;
  size_t n = big + 1 + 6;
  char *in = malloc(n);
  memset(in, 'x', big);
  in[0] = '<';
  in[big] = '\n';
  memcpy(in + big + 1, "<1>ok\n", 6);
  got g;
  memset(&g, 0, sizeof g);
  ash_framer f;
  ash_framer_init(&f);
  /* in pieces, as a socket gives it */
  for (size_t i = 0; i < n; i += 65536)
    assert_int_equal(
        ash_framer_feed(&f, (const uint8_t *)in + i, n - i < 65536 ? n - i : 65536, collect, &g),
        0);
  assert_true(f.cap <= ASH_MAX_WATCH_MSG);
  assert_int_equal(ash_framer_end(&f, collect, &g), 0);
  ash_framer_free(&f);
  assert_int_equal(g.n, 2);
  assert_non_null(g.why[0]);
  assert_true(g.len[0] <= ASH_MAX_REJECT_RAW);
  assert_string_equal(g.msg[1], "<1>ok");
  got_free(&g);
  free(in);
}

static void test_cut_counted_frame_rejected_at_close(void **st) {
  (void)st;
  const char in[] = "100 <13>only part";
  got g;
  memset(&g, 0, sizeof g);
  frames(in, sizeof in - 1, &g);
  assert_int_equal(g.n, 1);
  assert_non_null(g.why[0]);
  assert_string_equal(g.msg[0], "<13>only part");
  got_free(&g);
}

/* Digits not followed by a space are no count: a line that starts with a
 * number ("1,2025/03/02..." PAN-OS CSV without a header) stays whole. */
static void test_digits_without_space_are_a_line(void **st) {
  (void)st;
  const char in[] = "1,2025/03/02 10:22:01,001\n123456789 not a count\n";
  got g;
  memset(&g, 0, sizeof g);
  frames(in, sizeof in - 1, &g);
  assert_int_equal(g.n, 2);
  assert_string_equal(g.msg[0], "1,2025/03/02 10:22:01,001");
  assert_string_equal(g.msg[1], "123456789 not a count");
  got_free(&g);
}

/* ---- ash_recs: every message fed is one record, parsed or rejected ---- */

typedef struct counts {
  int events, rejects;
  const char *last_reason;
} counts;

static int ev_cb(void *u, const ash_event *ev) {
  (void)ev;
  ((counts *)u)->events++;
  return 0;
}
static int rej_cb(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  counts *c = u;
  c->rejects++;
  c->last_reason = reason;
  return 0;
}

static void test_every_message_is_one_record(void **st) {
  (void)st;
  const ash_format *f = ash_format_find("fortigate");
  assert_non_null(f);
  ash_recs *r;
  counts c = {0, 0, NULL};
  assert_int_equal(ash_recs_open(&r, f, NULL, ev_cb, rej_cb, &c), 0);
  const char *good = "<189>date=2025-03-02 time=10:22:01 devname=\"fgt\" type=\"traffic\" "
                     "subtype=\"forward\" srcip=10.0.0.1 srcport=1000 dstip=198.51.100.1 "
                     "dstport=443 proto=6 action=\"close\" duration=10 sentbyte=1 rcvdbyte=2";
  assert_int_equal(ash_recs_feed(r, (const uint8_t *)good, strlen(good), 0), 0);
  assert_int_equal(ash_recs_feed(r, (const uint8_t *)"   ", 3, 100), 0);      /* blank: counted */
  assert_int_equal(ash_recs_feed(r, (const uint8_t *)"\xff\xfe", 2, 200), 0); /* bad UTF-8 */
  ash_mem_result m;
  ash_recs_counts(r, &m, NULL, NULL);
  assert_int_equal(m.read, 3);
  assert_int_equal(m.read, m.parsed + m.rejected);
  assert_int_equal(m.rejected, 2);
  assert_int_equal(c.rejects, 2);
  ash_recs_close(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_octet_counting_and_lf_mixed),
      cmocka_unit_test(test_octet_count_embedded_lf_kept),
      cmocka_unit_test(test_oversized_counted_frame_rejected_in_step),
      cmocka_unit_test(test_overlong_lf_line_rejected_next_kept),
      cmocka_unit_test(test_cut_counted_frame_rejected_at_close),
      cmocka_unit_test(test_digits_without_space_are_a_line),
      cmocka_unit_test(test_every_message_is_one_record),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
