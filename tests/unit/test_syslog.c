/* Unit tests of the syslog header helper (src/ingest/syslog.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ashiato/time.h"
#include "ingest/syslog.h"

static int64_t iso(const char *s) {
  int64_t t = 0;
  assert_int_equal(ash_time_parse_iso(ash_str_cstr(s), &t), 0);
  return t;
}

static void assert_str(ash_str s, const char *want) {
  if (!ash_str_eq(s, want)) fail_msg("got '%.*s', want '%s'", (int)s.n, s.p ? s.p : "", want);
}

static const char *body(const char *line, const ash_syslog_hdr *h) { return line + h->body; }

static void test_rfc3164(void **st) {
  (void)st;
  ash_syslog_hdr h;
  const char *l = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_int_equal(h.pri, 34);
  assert_int_equal(h.ts, iso("2025-10-11T22:14:15"));
  assert_int_equal(h.ts_has_zone, 0);
  assert_str(h.host, "mymachine");
  assert_str(h.app, "su");
  assert_string_equal(body(l, &h), "'su root' failed for lonvick on /dev/pts/8");

  l = "Mar  2 10:22:01 fw01 date=2025-03-02 time=10:22:01 devname=\"fw01\"";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_int_equal(h.pri, -1);
  assert_int_equal(h.ts, iso("2025-03-02T10:22:01"));
  assert_str(h.host, "fw01");
  assert_int_equal(h.app.n, 0);
  assert_string_equal(body(l, &h), "date=2025-03-02 time=10:22:01 devname=\"fw01\"");

  l = "<13>Mar 2 10:22:01.250 host1 sshd[4321]: Accepted password";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2024, &h), 1);
  assert_int_equal(h.ts, iso("2024-03-02T10:22:01.25"));
  assert_str(h.host, "host1");
  assert_str(h.app, "sshd");
  assert_string_equal(body(l, &h), "Accepted password");

  /* a tag and no host */
  l = "Oct 11 22:14:15 su: hello";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_int_equal(h.host.n, 0);
  assert_str(h.app, "su");
  assert_string_equal(body(l, &h), "hello");

  /* header and nothing else */
  l = "Oct 11 22:14:15 fw01";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_str(h.host, "fw01");
  assert_int_equal(h.body, strlen(l));
}

static void test_asa_panos(void **st) {
  (void)st;
  ash_syslog_hdr h;
  const char *l = "<166>Mar 02 2025 10:22:01 asa01 : %ASA-6-302013: Built inbound TCP";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 1999, &h), 1);
  assert_int_equal(h.pri, 166);
  assert_int_equal(h.ts, iso("2025-03-02T10:22:01")); /* the line's year beats the hint */
  assert_str(h.host, "asa01");
  assert_int_equal(h.app.n, 0);
  assert_string_equal(body(l, &h), "%ASA-6-302013: Built inbound TCP");

  l = "<166>Mar 02 2025 10:22:01: %ASA-6-302013: Built";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.host.n, 0);
  assert_string_equal(body(l, &h), "%ASA-6-302013: Built");

  l = "Mar  2 10:22:01 asa01 %ASA-6-302013: Built";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_str(h.host, "asa01");
  assert_int_equal(h.app.n, 0);
  assert_string_equal(body(l, &h), "%ASA-6-302013: Built");

  l = "<14>Mar  2 10:22:01 PA-VM 1,2025/03/02 10:22:01,012801096514,TRAFFIC,end";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_str(h.host, "PA-VM");
  assert_int_equal(h.app.n, 0);
  assert_string_equal(body(l, &h), "1,2025/03/02 10:22:01,012801096514,TRAFFIC,end");
}

static void test_rfc5424(void **st) {
  (void)st;
  ash_syslog_hdr h;
  const char *l = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                  "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
                  "\xEF\xBB\xBF"
                  "An application event log entry";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.pri, 165);
  assert_int_equal(h.ts, iso("2003-10-11T22:14:15.003Z"));
  assert_int_equal(h.ts_has_zone, 1);
  assert_str(h.host, "mymachine.example.com");
  assert_str(h.app, "evntslog");
  assert_int_equal(h.procid.n, 0);
  assert_str(h.msgid, "ID47");
  assert_str(h.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
  assert_string_equal(body(l, &h), "An application event log entry");

  /* escaped quote and ']' inside a parameter value, two elements */
  l = "<14>1 2025-03-02T10:22:01+09:00 fw01 app 77 - [a b=\"x\\\"]y\"][c d=\"e\"] msg";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.ts, iso("2025-03-02T01:22:01Z"));
  assert_str(h.procid, "77");
  assert_int_equal(h.msgid.n, 0);
  assert_str(h.sd, "[a b=\"x\\\"]y\"][c d=\"e\"]");
  assert_string_equal(body(l, &h), "msg");

  /* all NILVALUE */
  l = "<14>1 - - - - - - body here";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.ts, ASH_TIME_UNSET);
  assert_int_equal(h.host.n + h.app.n + h.procid.n + h.msgid.n + h.sd.n, 0);
  assert_string_equal(body(l, &h), "body here");

  /* no message */
  l = "<14>1 2025-03-02T10:22:01Z h a p m -";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.body, strlen(l));

  /* "1 " followed by a bad timestamp: only the PRI is recognised */
  l = "<14>1 yesterday h a";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.ts, ASH_TIME_UNSET);
  assert_int_equal(h.body, 4);
}

static void test_iso_and_pri(void **st) {
  (void)st;
  ash_syslog_hdr h;
  const char *l = "2025-03-02T10:22:01.123456+09:00 fw01 sshd[123]: Accepted";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.ts, iso("2025-03-02T01:22:01.123456Z"));
  assert_int_equal(h.ts_has_zone, 1);
  assert_str(h.host, "fw01");
  assert_str(h.app, "sshd");
  assert_string_equal(body(l, &h), "Accepted");

  l = "2025-03-02T10:22:01 fw01 date=2025-03-02";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.ts, iso("2025-03-02T10:22:01"));
  assert_int_equal(h.ts_has_zone, 0);
  assert_string_equal(body(l, &h), "date=2025-03-02");

  l = "<189>date=2025-03-02 time=10:22:01 devname=\"FGT\"";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  assert_int_equal(h.pri, 189);
  assert_int_equal(h.ts, ASH_TIME_UNSET);
  assert_int_equal(h.host.n, 0);
  assert_string_equal(body(l, &h), "date=2025-03-02 time=10:22:01 devname=\"FGT\"");
}

static void test_not_headers(void **st) {
  (void)st;
  static const char *const lines[] = {
      "date=2025-03-02 time=10:22:01 devname=\"FGT\"",
      "hello world",
      "",
      "<>x",
      "<999>x",
      "<12",
      "<1a>x",
      "Mar",
      "Mar  2 25:00:00 h x",
      "Mar 32 10:00:00 h x",
      "Feb 29 10:00:00 h x", /* 2023 is not a leap year */
      "Mar  2 10:22 h x",
      "Mat  2 10:22:01 h x",
      "2025-03-02 10:22:01 h x", /* a space instead of 'T' is not taken */
      "2025-13-02T10:22:01 h x",
  };
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    ash_syslog_hdr h;
    int r = ash_syslog_parse(lines[i], strlen(lines[i]), 2023, &h);
    if (r != 0) fail_msg("recognised: '%s'", lines[i]);
    assert_int_equal(h.body, 0);
    assert_int_equal(h.pri, -1);
    assert_int_equal(h.ts, ASH_TIME_UNSET);
  }
  /* a good PRI with a bad timestamp after it: PRI only */
  ash_syslog_hdr h;
  const char *l = "<13>Mar 99 10:22:01 h x";
  assert_int_equal(ash_syslog_parse(l, strlen(l), 2025, &h), 1);
  assert_int_equal(h.ts, ASH_TIME_UNSET);
  assert_int_equal(h.body, 4);
}

static void test_year_inference(void **st) {
  (void)st;
  static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char l[64];
  snprintf(l, sizeof l, "%s %2d 00:00:00 h x", mon[tm.tm_mon], tm.tm_mday);
  ash_syslog_hdr h;
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  int64_t now_us = (int64_t)now * ASH_US_PER_SEC;
  assert_true(h.ts <= now_us && h.ts > now_us - 86400 * ASH_US_PER_SEC);

  /* about two months ahead of now: last year */
  time_t later = now + 62 * 86400;
  struct tm lt;
  gmtime_r(&later, &lt);
  snprintf(l, sizeof l, "%s %2d 00:00:00 h x", mon[lt.tm_mon], lt.tm_mday);
  assert_int_equal(ash_syslog_parse(l, strlen(l), 0, &h), 1);
  int64_t want;
  assert_int_equal(
      ash_time_from_fields(lt.tm_year + 1900 - 1, lt.tm_mon + 1, lt.tm_mday, 0, 0, 0, 0, &want), 0);
  if (!(lt.tm_mon == 1 && lt.tm_mday == 29)) assert_int_equal(h.ts, want);
}

/* Every prefix of every sample, in an exact-size heap copy so that ASan
 * sees any read past the end. */
static void test_prefixes(void **st) {
  (void)st;
  static const char *const lines[] = {
      ("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
       "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\\\\\"] \xEF\xBB\xBFmsg"),
      "<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed",
      "<166>Mar 02 2025 10:22:01 asa01 : %ASA-6-302013: Built",
      "2025-03-02T10:22:01.123456+09:00 fw01 sshd[123]: Accepted",
      "<189>date=2025-03-02 time=10:22:01",
  };
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    size_t n = strlen(lines[i]);
    for (size_t k = 0; k <= n; k++) {
      char *c = malloc(k ? k : 1);
      assert_non_null(c);
      memcpy(c, lines[i], k);
      ash_syslog_hdr h;
      (void)ash_syslog_parse(c, k, 2025, &h);
      assert_true(h.body <= k);
      if (h.host.n) assert_true(h.host.p >= c && h.host.p + h.host.n <= c + k);
      if (h.sd.n) assert_true(h.sd.p >= c && h.sd.p + h.sd.n <= c + k);
      free(c);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc3164),     cmocka_unit_test(test_asa_panos),
      cmocka_unit_test(test_rfc5424),     cmocka_unit_test(test_iso_and_pri),
      cmocka_unit_test(test_not_headers), cmocka_unit_test(test_year_inference),
      cmocka_unit_test(test_prefixes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
