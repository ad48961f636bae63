/* Unit tests of the CLI's terminal filter (src/cli/term.c) and of the
 * terminal safety of the JSON escaper: every control class shown as an
 * escape, ordinary text (Japanese, Windows paths) untouched, and the
 * filtered text decodes back to exactly the input bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/bytes.h"
#include "ashiato/error.h"
#include "cli/term.h"

/* The filtered form of n bytes, in a static buffer. */
static const char *filt(const void *p, size_t n) {
  static ash_buf b;
  ash_buf_free(&b);
  ash_buf_init(&b, 1 << 20);
  assert_int_equal(cli_term_add(&b, p, n), ASH_OK);
  return b.p ? b.p : "";
}
#define F(lit) filt(lit, sizeof lit - 1)

static void test_term_escapes_c0_del_and_invalid_bytes(void **st) {
  (void)st;
  assert_string_equal(F("\x1b]52;c;aGk=\x07"), "\\x1b]52;c;aGk=\\x07");
  assert_string_equal(F("a\x1b[2Jb\rc\nd\te"), "a\\x1b[2Jb\\x0dc\\x0ad\\x09e");
  assert_string_equal(F("nul\0x"), "nul\\x00x");
  assert_string_equal(F("del\x7f"), "del\\x7f");
  /* raw C1 bytes (not UTF-8): CSI to an 8-bit terminal */
  assert_string_equal(F("\x9b"
                        "2J"),
                      "\\x9b2J");
  /* invalid UTF-8: a lone lead, a cut sequence, an overlong, a surrogate */
  assert_string_equal(F("\xff\xfe"), "\\xff\\xfe");
  assert_string_equal(F("\xe2\x80"), "\\xe2\\x80");
  assert_string_equal(F("\xc0\xaf"), "\\xc0\\xaf");
  assert_string_equal(F("\xed\xa0\x80"), "\\xed\\xa0\\x80");
}

static void test_term_escapes_c1_and_bidi_code_points(void **st) {
  (void)st;
  assert_string_equal(F("\xc2\x9b"
                        "2J"),
                      "\\u{009b}2J");
  assert_string_equal(F("\xc2\x80\xc2\x9f"), "\\u{0080}\\u{009f}");
  assert_string_equal(F("user\xe2\x80\xae"
                        "exe.txt"),
                      "user\\u{202e}exe.txt");
  static const char *bidi[] = {"\xd8\x9c",     "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa",
                               "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x81\xa6",
                               "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9", "\xe2\x80\xa8",
                               "\xe2\x80\xa9"};
  for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
    const char *o = filt(bidi[i], strlen(bidi[i]));
    assert_int_equal(strncmp(o, "\\u{", 3), 0);
  }
}

static void test_term_keeps_ordinary_text(void **st) {
  (void)st;
  /* Japanese, accents, an emoji, the ZWJ of emoji sequences, NBSP */
  const char *t = "佐藤 t.sato café 👩\xe2\x80\x8d💻 a\xc2\xa0"
                  "b";
  assert_string_equal(filt(t, strlen(t)), t);
  /* Windows paths and UNC names read as they are */
  assert_string_equal(F("C:\\Windows\\System32\\cmd.exe"), "C:\\Windows\\System32\\cmd.exe");
  assert_string_equal(F("\\\\dc01\\sysvol\\x.ps1"), "\\\\dc01\\sysvol\\x.ps1");
  assert_string_equal(F("C:\\temp\\new\\u.txt"), "C:\\temp\\new\\u.txt");
}

static void test_term_backslash_before_escape_is_doubled(void **st) {
  (void)st;
  /* text that looks like an escape cannot pass for one */
  assert_string_equal(F("\\x1b[2J"), "\\\\x1b[2J");
  assert_string_equal(F("\\u{202e}"), "\\\\u{202e}");
  /* a real control after a backslash: the backslash doubled, then the escape */
  assert_string_equal(F("\\\x1b"), "\\\\\\x1b");
  assert_string_equal(F("\\\\\x07"), "\\\\\\\\\\x07");
}

static int hexv(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}
static int ishex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int looks_escape(const char *p) {
  return (p[0] == 'x' && ishex(p[1]) && ishex(p[2])) || (p[0] == 'u' && p[1] == '{');
}

/* The reader's rule of term.h: a backslash run followed by an escape
 * shape is doubled literal backslashes (even length), or those plus one
 * escape (odd); any other run is literal. */
static size_t decode(const char *s, uint8_t *out) {
  size_t o = 0;
  while (*s) {
    if (*s != '\\') {
      out[o++] = (uint8_t)*s++;
      continue;
    }
    size_t k = 0;
    while (s[k] == '\\') k++;
    if (!looks_escape(s + k)) {
      for (size_t i = 0; i < k; i++) out[o++] = '\\';
      s += k;
      continue;
    }
    for (size_t i = 0; i < k / 2; i++) out[o++] = '\\';
    s += k;
    if (k % 2 == 0) continue; /* the x.. / u{ is text */
    if (s[0] == 'x') {
      out[o++] = (uint8_t)(hexv(s[1]) << 4 | hexv(s[2]));
      s += 3;
    } else {
      uint32_t cp = 0;
      s += 2;
      while (*s != '}') cp = cp << 4 | (uint32_t)hexv(*s++);
      s++;
      if (cp < 0x800) {
        out[o++] = (uint8_t)(0xc0 | cp >> 6);
        out[o++] = (uint8_t)(0x80 | (cp & 63));
      } else {
        out[o++] = (uint8_t)(0xe0 | cp >> 12);
        out[o++] = (uint8_t)(0x80 | ((cp >> 6) & 63));
        out[o++] = (uint8_t)(0x80 | (cp & 63));
      }
    }
  }
  return o;
}

/* 1 when s holds nothing a terminal acts on: no C0 but none at all, no
 * DEL, valid UTF-8, no C1 or bidi code point. */
static int inert(const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t l = ash_utf8_next((const uint8_t *)s + i, n - i, &cp);
    if (!l || cp < 0x20 || cp == 0x7f || ash_cp_unsafe(cp)) return 0;
    i += l;
  }
  return 1;
}

static void test_term_output_decodes_back_exactly(void **st) {
  (void)st;
  /* pieces that meet at every boundary: backslashes, escape look-alikes,
   * controls, C1 and bidi encoded, raw high bytes, ordinary text */
  static const char *alpha[] = {"\\",
                                "x",
                                "u",
                                "{",
                                "}",
                                "4",
                                "1",
                                "f",
                                "\x1b",
                                "\x07",
                                "\r",
                                "\n",
                                "\x7f",
                                "\x9b",
                                "\xff",
                                "\xc2\x9b",
                                "\xe2\x80\xae",
                                "\xe2\x81\xa9",
                                "é",
                                "佐",
                                "a",
                                " ",
                                "\xe2",
                                "\x80"};
  const size_t na = sizeof alpha / sizeof alpha[0];
  uint64_t x = 88172645463325252ull;
  uint8_t in[256], back[2048];
  for (int round = 0; round < 20000; round++) {
    size_t n = 0;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int pieces = (int)(x % 12);
    for (int k = 0; k < pieces; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const char *p = alpha[x % na];
      memcpy(in + n, p, strlen(p));
      n += strlen(p);
    }
    const char *o = filt(in, n);
    assert_true(inert(o));
    size_t m = decode(o, back);
    if (m != n || memcmp(in, back, n)) {
      fprintf(stderr, "round %d: '%s' does not decode back\n", round, o);
      fail();
    }
  }
}

static void test_term_safe_rotates_buffers(void **st) {
  (void)st;
  const char *a = cli_safe("a\x1b"), *b = cli_safe("b\x07");
  assert_string_equal(a, "a\\x1b");
  assert_string_equal(b, "b\\x07");
  assert_string_equal(cli_safe(NULL), "");
  assert_string_equal(cli_safe(""), "");
  cli_term_free();
}

static void test_json_bytes_raw_b64_only_when_not_utf8(void **st) {
  (void)st;
  ash_buf b;
  ash_buf_init(&b, 1 << 16);
  assert_int_equal(cli_json_bytes(&b, "raw", "caf\xc3\xa9", 5), ASH_OK);
  assert_string_equal(b.p, ",\"raw\":\"caf\xc3\xa9\"");
  ash_buf_reset(&b);
  /* the exact bytes come back from raw_b64; raw holds U+FFFD for them */
  assert_int_equal(cli_json_bytes(&b, "raw", "ab\xff", 3), ASH_OK);
  assert_string_equal(b.p, ",\"raw\":\"ab\xef\xbf\xbd\",\"raw_b64\":\"YWL/\"");
  ash_buf_reset(&b);
  assert_int_equal(cli_json_bytes(&b, "raw", "\x9b", 1), ASH_OK);
  assert_string_equal(b.p, ",\"raw\":\"\xef\xbf\xbd\",\"raw_b64\":\"mw==\"");
  ash_buf_reset(&b);
  assert_int_equal(cli_json_bytes(&b, "raw", "\x1b\xfe\x00\x01", 4), ASH_OK);
  assert_string_equal(b.p,
                      ",\"raw\":\"\\u001b\xef\xbf\xbd\\u0000\\u0001\",\"raw_b64\":\"G/4AAQ==\"");
  ash_buf_free(&b);
}

static void test_json_escape_is_inert_on_a_terminal(void **st) {
  (void)st;
  ash_buf b;
  ash_buf_init(&b, 1 << 16);
  const char *in = "\x1b\x7f\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xd8\x9c\xe2\x80\xa8é佐";
  assert_int_equal(ash_buf_add_json_str(&b, in, strlen(in)), ASH_OK);
  /* the same string to a JSON reader (\u escapes), nothing raw */
  assert_string_equal(b.p, "\\u001b\\u007f\\u009b\\u202e\\u2066\\u061c\\u2028é佐");
  ash_buf_reset(&b);
  /* DEL inside an 8-byte clean run is still found */
  assert_int_equal(ash_buf_add_json_str(&b, "abcdefg\x7fhijklmnop", 17), ASH_OK);
  assert_string_equal(b.p, "abcdefg\\u007fhijklmnop");
  ash_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_term_escapes_c0_del_and_invalid_bytes),
      cmocka_unit_test(test_term_escapes_c1_and_bidi_code_points),
      cmocka_unit_test(test_term_keeps_ordinary_text),
      cmocka_unit_test(test_term_backslash_before_escape_is_doubled),
      cmocka_unit_test(test_term_output_decodes_back_exactly),
      cmocka_unit_test(test_term_safe_rotates_buffers),
      cmocka_unit_test(test_json_bytes_raw_b64_only_when_not_utf8),
      cmocka_unit_test(test_json_escape_is_inert_on_a_terminal),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  filt("", 0);
  return rc;
}
