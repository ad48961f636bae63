/* The line splitter shared by every text format (src/ingest/ctx.c): line
 * ends (LF, CRLF, lone CR), pieces split anywhere, the offsets events keep,
 * the read-back rule of raw.c, and the control-byte flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ingest/ctx.h"

/* Every line the format is given, as "offset:text:ctl" with CR shown as
 * "\r" (two characters), one per line of out. */
typedef struct rec {
  ash_buf out;
} rec;

static int rec_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  rec *r = state;
  (void)reason;
  int rc = ash_buf_printf(&r->out, "%llu:", (unsigned long long)offset);
  for (size_t i = 0; !rc && i < n; i++)
    rc = line[i] == '\r' ? ash_buf_add(&r->out, "\\r", 2) : ash_buf_addc(&r->out, line[i]);
  if (!rc) rc = ash_buf_printf(&r->out, ":%d\n", ash_ctx_line_ctl(ctx));
  return rc ? rc : ASH_REC_PARSED;
}

static rec the_rec;
static int rec_open(void **state, const ash_parse_opts *o) {
  (void)o;
  *state = &the_rec;
  return ASH_OK;
}

static const ash_format REC = {.name = "rec", .open = rec_open, .parse_line = rec_line};

/* Split text fed in pieces of the given sizes (0-terminated list, the last
 * size repeating); returns the recorded lines (caller frees). */
static char *split(const char *text, size_t n, const size_t *pieces) {
  ash_buf_init(&the_rec.out, 64u << 20);
  ash_parse_opts o = {0};
  ash_parse_ctx ctx;
  ash_ctx_init(&ctx, &o, NULL, NULL, NULL);
  ash_linesplit ls;
  assert_int_equal(ash_linesplit_open(&ls, &REC, &ctx), 0);
  size_t off = 0, k = 0;
  while (off < n) {
    size_t take = pieces[k] ? pieces[k] : 1;
    if (pieces[k] && pieces[k + 1]) k++;
    if (take > n - off) take = n - off;
    assert_int_equal(ash_linesplit_feed(&ls, (const uint8_t *)text + off, take), 0);
    off += take;
  }
  assert_int_equal(ash_linesplit_end(&ls), 0);
  ash_linesplit_close(&ls);
  assert_int_equal(ctx.read, ctx.parsed + ctx.rejected);
  char *s = strdup(the_rec.out.p ? the_rec.out.p : "");
  ash_buf_free(&the_rec.out);
  return s;
}

/* text split whole, byte by byte, and in two pieces at every point must
 * give want; and raw.c's rule must read each line back at its offset. */
static void check_from(const char *text, size_t n, const char *want, size_t cut_from) {
  size_t whole[] = {n ? n : 1, 0}, bytes[] = {1, 0};
  char *got = split(text, n, whole);
  assert_string_equal(got, want);
  free(got);
  got = split(text, n, bytes);
  assert_string_equal(got, want);
  free(got);
  for (size_t cut = cut_from ? cut_from : 1; cut < n; cut++) {
    size_t two[] = {cut, n - cut, 0};
    got = split(text, n, two);
    if (strcmp(got, want)) fail_msg("cut at %zu:\n%s\nwant\n%s", cut, got, want);
    free(got);
  }
  /* read-back: each recorded offset gives the recorded text */
  int eol = ash_eol_detect((const uint8_t *)text, n);
  const char *w = want;
  while (*w) {
    unsigned long long off = strtoull(w, NULL, 10);
    const char *t = strchr(w, ':') + 1;
    const char *nl = strchr(t, '\n');
    const char *e = nl - 2; /* ":<ctl>" */
    size_t len = ash_eol_line_len((const uint8_t *)text + off, n - off, eol);
    char *back = malloc(len * 2 + 1), *b = back;
    for (size_t i = 0; i < len; i++) {
      if (text[off + i] == '\r') {
        *b++ = '\\';
        *b++ = 'r';
      } else {
        *b++ = text[off + i];
      }
    }
    *b = 0;
    if (strlen(back) != (size_t)(e - t) || memcmp(back, t, (size_t)(e - t)))
      fail_msg("read back at %llu: '%s', split gave '%.*s'", off, back, (int)(e - t), t);
    free(back);
    w = nl + 1;
  }
}
#define CHECK(lit, want) check_from(lit, sizeof lit - 1, want, 0)

/* A stream of lone-CR lines: PREFIX_LINES lines "p" (more than the 64 KiB
 * a LF would have to come within), then tail; want gets the prefix's
 * lines, then tail_want with its offsets shifted past the prefix. Pieces
 * are cut at every byte of the tail and around the prefix's end. */
#define PREFIX_LINES 33000u
static void check_cr(const char *tail, size_t tn, const char *tail_want) {
  size_t pn = 2 * PREFIX_LINES;
  char *t = malloc(pn + tn + 1);
  ash_buf w;
  ash_buf_init(&w, 64u << 20);
  for (size_t i = 0; i < PREFIX_LINES; i++) {
    t[2 * i] = 'p';
    t[2 * i + 1] = '\r';
    assert_int_equal(ash_buf_printf(&w, "%zu:p:0\n", 2 * i), 0);
  }
  memcpy(t + pn, tail, tn);
  for (const char *l = tail_want; *l;) {
    char *end;
    unsigned long long off = strtoull(l, &end, 10);
    const char *nl = strchr(end, '\n');
    assert_int_equal(ash_buf_printf(&w, "%llu%.*s", off + pn, (int)(nl + 1 - end), end), 0);
    l = nl + 1;
  }
  check_from(t, pn + tn, w.p, pn - 4);
  ash_buf_free(&w);
  free(t);
}
#define CHECK_CR(lit, want) check_cr(lit, sizeof lit - 1, want)

/* Issue 18 item 12: a file with lone CR line ends (old Mac OS, some
 * appliances) was one merged record. */
static void test_lone_cr_ends_lines_in_a_cr_file(void **st) {
  (void)st;
  /* no LF at all: CR line ends whatever the size */
  CHECK("a=1\rb=2\rc=3\r", "0:a=1:0\n4:b=2:0\n8:c=3:0\n");
  CHECK("a=1\rb=2\rc=3", "0:a=1:0\n4:b=2:0\n8:c=3:0\n");
  /* such a file may mix in CRLF and LF later: all end lines */
  CHECK_CR("a\rb\r\nc\nd\r\re\r\n", "0:a:0\n2:b:0\n5:c:0\n7:d:0\n10:e:0\n");
}

static void test_lf_and_crlf_files_unchanged(void **st) {
  (void)st;
  CHECK("a=1\nb=2\r\nc=3", "0:a=1:0\n4:b=2:0\n9:c=3:0\n");
  CHECK("a=1\r\nb=2\r\n", "0:a=1:0\n5:b=2:0\n");
  /* blank lines are skipped, whatever their end */
  CHECK("\r\n\r\nx\r\n", "4:x:0\n");
}

/* In a file of LF lines a lone CR comes from a field: ending the line
 * there would split the record and put its first half under a cut user.
 * The record stays whole and is flagged. */
static void test_lone_cr_inside_a_lf_file_stays_in_the_record(void **st) {
  (void)st;
  CHECK("user=ev\ril ok=1\nuser=b\n", "0:user=ev\\ril ok=1:1\n16:user=b:0\n");
  /* in the first line too: a LF follows within 64 KiB */
  CHECK("user=ev\ril\r\nuser=b\r\n", "0:user=ev\\ril:1\n12:user=b:0\n");
}

/* A CR ending a piece: only the next byte tells whether it is half of a
 * CRLF; check() cuts these at every byte. */
static void test_cr_at_a_piece_boundary(void **st) {
  (void)st;
  CHECK_CR("x\ry\r\nz\r", "0:x:0\n2:y:0\n5:z:0\n");
  CHECK_CR("\r\n\r\nx\r\n\r", "4:x:0\n");
  /* in a LF stream a CR before the piece's end is content or half a CRLF */
  CHECK("x=1\r\ny=2\r\r\nz=3\n", "0:x=1:0\n5:y=2\\r:1\n11:z=3:0\n");
}

/* The first lone CR decides for CR line ends unless a LF follows within
 * 64 KiB: the boundary, which the splitter (holding the stream's start)
 * and the read-back (whole file) must agree on. */
static void test_first_cr_lookahead_boundary(void **st) {
  (void)st;
  const size_t W = 64u << 10;
  for (size_t gap = W - 1; gap <= W; gap++) {
    /* "a\r" then gap bytes then "\n": the LF is at 2 + gap, the CR at 1 */
    size_t n = 2 + gap + 1;
    char *t = malloc(n + 1);
    t[0] = 'a';
    t[1] = '\r';
    memset(t + 2, 'x', gap);
    t[2 + gap] = '\n';
    t[n] = 0;
    int eol = ash_eol_detect((const uint8_t *)t, n);
    size_t pieces[] = {4096, 0};
    char *got = split(t, n, pieces);
    if (gap + 1 <= W) {
      assert_int_equal(eol, ASH_EOL_LF);
      assert_int_equal(strncmp(got, "0:a\\rxxx", 8), 0);
    } else {
      assert_int_equal(eol, ASH_EOL_CR);
      assert_int_equal(strncmp(got, "0:a:0\n2:xxx", 11), 0);
    }
    free(got);
    free(t);
  }
}

/* Issue 18 item 6: the parser is told which records hold a control byte
 * (C0 but TAB, or DEL), so their events are flagged, not rejected. */
static void test_control_bytes_flag_the_record(void **st) {
  (void)st;
  CHECK("ok\na\x01"
        "b\ntab\there\ndel\x7f\nesc\x1b[2J\n",
        "0:ok:0\n3:a\x01"
        "b:1\n7:tab\there:0\n16:del\x7f:1\n21:esc\x1b[2J:1\n");
}

static void test_ctl_bytes_every_position(void **st) {
  (void)st;
  /* the word-at-a-time scan against the definition, at every offset */
  uint8_t b[150]; /* two 64-byte blocks, words, then bytes */
  for (int c = 0; c < 256; c++) {
    int want = (c < 0x20 && c != '\t') || c == 0x7f;
    for (size_t pos = 0; pos < sizeof b; pos++) {
      memset(b, 'a', sizeof b);
      b[pos] = (uint8_t)c;
      assert_int_equal(ash_ctl_bytes(b, sizeof b), want);
      assert_int_equal(ash_ctl_bytes(b, pos), 0);
    }
  }
  memset(b, '\t', sizeof b);
  assert_int_equal(ash_ctl_bytes(b, sizeof b), 0);
  memset(b, 0x9f, sizeof b); /* bytes >= 0x80 (UTF-8) are not controls */
  assert_int_equal(ash_ctl_bytes(b, sizeof b), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lone_cr_ends_lines_in_a_cr_file),
      cmocka_unit_test(test_lf_and_crlf_files_unchanged),
      cmocka_unit_test(test_lone_cr_inside_a_lf_file_stays_in_the_record),
      cmocka_unit_test(test_cr_at_a_piece_boundary),
      cmocka_unit_test(test_first_cr_lookahead_boundary),
      cmocka_unit_test(test_control_bytes_flag_the_record),
      cmocka_unit_test(test_ctl_bytes_every_position),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
