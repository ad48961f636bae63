/* Unit tests of the perimeter parsers: CSV escaping, device durations,
 * ASA built/teardown pairing (id reuse, eviction when the table is full,
 * end of file), --clock-skew, and the sniffers against every golden input
 * (no format may claim another's file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/map.h"
#include "ingest/fields.h"

extern size_t ash_asa_pending_cap_override;

/* ---- helpers ---- */

typedef struct collected {
  char lines[64][2048];
  int n;
} collected;

static int collect(void *u, const ash_event *ev) {
  collected *c = u;
  if (c->n >= 64) return ASH_OK;
  ash_buf b;
  ash_buf_init(&b, 1 << 20);
  int rc = ash_event_to_json(ev, NULL, 0, NULL, &b);
  if (!rc) snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", b.p);
  ash_buf_free(&b);
  return rc;
}

static ash_mem_result run(const char *fmt, const char *text, const ash_parse_opts *o,
                          collected *c) {
  const ash_format *f = ash_format_find(fmt);
  assert_non_null(f);
  memset(c, 0, sizeof *c);
  ash_mem_result r;
  assert_int_equal(
      ash_parse_memory(f, (const uint8_t *)text, strlen(text), o, collect, NULL, c, &r), ASH_OK);
  assert_int_equal(r.read, r.parsed + r.rejected);
  return r;
}

static int has(const collected *c, int i, const char *needle) {
  return i < c->n && strstr(c->lines[i], needle) != NULL;
}

/* ---- CSV ---- */

static void test_csv(void **st) {
  (void)st;
  ash_str f[8];
  char scratch[128];
  const char *l = "a,\"b,c\",\"say \"\"hi\"\"\",,\"\",x\"y";
  long n = ash_csv_split(l, strlen(l), ',', f, 8, scratch);
  assert_int_equal(n, 6);
  assert_true(ash_str_eq(f[0], "a"));
  assert_true(ash_str_eq(f[1], "b,c"));
  assert_true(ash_str_eq(f[2], "say \"hi\""));
  assert_int_equal(f[3].n, 0);
  assert_int_equal(f[4].n, 0);
  assert_true(ash_str_eq(f[5], "x\"y")); /* a quote inside an unquoted field is text */
  /* a trailing separator makes a last empty field */
  assert_int_equal(ash_csv_split("a,", 2, ',', f, 8, scratch), 2);
  /* unterminated quote, text after a closing quote, too many fields */
  assert_int_equal(ash_csv_split("a,\"b", 4, ',', f, 8, scratch), -1);
  assert_int_equal(ash_csv_split("\"a\"b,c", 6, ',', f, 8, scratch), -1);
  assert_int_equal(ash_csv_split("1,2,3", 5, ',', f, 2, scratch), -1);
  /* the tab separator */
  assert_int_equal(ash_csv_split("a\tb", 3, '\t', f, 8, scratch), 2);
}

static void test_durations(void **st) {
  (void)st;
  int64_t d;
  assert_int_equal(ash_clock_duration_parse(ash_str_cstr("0:05:25"), &d), 0);
  assert_int_equal(d, 325 * ASH_US_PER_SEC);
  assert_int_equal(ash_clock_duration_parse(ash_str_cstr("25:10:11"), &d), 0);
  assert_int_equal(d, 90611 * ASH_US_PER_SEC);
  assert_int_equal(ash_clock_duration_parse(ash_str_cstr("1:00:00:04"), &d), 0);
  assert_int_equal(d, 86404 * ASH_US_PER_SEC);
  assert_int_equal(ash_clock_duration_parse(ash_str_cstr("1d 19h:41m:14s"), &d), 0);
  assert_int_equal(d, (86400 + 19 * 3600 + 41 * 60 + 14) * ASH_US_PER_SEC);
  assert_int_equal(ash_clock_duration_parse(ash_str_cstr("1d2h"), &d), 0);
  assert_int_equal(d, 93600 * ASH_US_PER_SEC);
  assert_int_not_equal(ash_clock_duration_parse(ash_str_cstr("1:2:3:4:5"), &d), 0);
  assert_int_not_equal(ash_clock_duration_parse(ash_str_cstr("h"), &d), 0);
  assert_int_not_equal(ash_clock_duration_parse(ash_str_cstr(""), &d), 0);
  assert_int_equal(ash_secs_parse(ash_str_cstr("0.000231"), &d), 0);
  assert_int_equal(d, 231);
  ash_str u, dom;
  ash_user_split(ash_str_cstr("CORP\\t.sato"), &u, &dom);
  assert_true(ash_str_eq(u, "t.sato") && ash_str_eq(dom, "CORP"));
  ash_user_split(ash_str_cstr("t.sato@corp.example"), &u, &dom);
  assert_true(ash_str_eq(u, "t.sato") && ash_str_eq(dom, "corp.example"));
  ash_user_split(ash_str_cstr("@odd"), &u, &dom);
  assert_true(ash_str_eq(u, "@odd") && dom.n == 0);
}

/* ---- ASA pairing ---- */

#define B(id, port)                                                                                \
  "Mar 02 2025 10:00:0" #id " fw : %ASA-6-302013: Built outbound TCP connection " #id              \
  " for outside:192.0.2.1/443 (192.0.2.1/443) to inside:10.0.0." #id "/" #port                     \
  " (203.0.113.1/" #port ")\n"
#define T(id, dur)                                                                                 \
  "Mar 02 2025 10:10:00 fw : %ASA-6-302014: Teardown TCP connection " #id                          \
  " for outside:192.0.2.1/443 to inside:10.0.0." #id "/5000 duration " dur " bytes 100 TCP FINs\n"

/* ---- FTD connection events ---- */

#define FS(inst, id, first)                                                                        \
  "Mar 02 2025 10:00:00 ftd : %FTD-1-430002: DeviceUUID: u1, InstanceID: " #inst                   \
  ", FirstPacketSecond: 2025-03-02T01:00:0" #first "Z, ConnectionID: " #id                         \
  ", AccessControlRuleAction: Allow, SrcIP: 10.0.0.1, DstIP: 203.0.113.5, SrcPort: 5000, "         \
  "DstPort: 443, Protocol: tcp, InitiatorBytes: 10, ResponderBytes: 20\n"
#define FE(inst, id, first)                                                                        \
  "Mar 02 2025 11:00:00 ftd : %FTD-1-430003: DeviceUUID: u1, InstanceID: " #inst                   \
  ", FirstPacketSecond: 2025-03-02T01:00:0" #first "Z, ConnectionID: " #id                         \
  ", AccessControlRuleAction: Allow, SrcIP: 10.0.0.1, DstIP: 203.0.113.5, SrcPort: 5000, "         \
  "DstPort: 443, Protocol: tcp, ConnectionDuration: 3599, InitiatorPackets: 7, "                   \
  "ResponderPackets: 9, InitiatorBytes: 1000, ResponderBytes: 5000\n"

static void test_ftd_connections(void **st) {
  (void)st;
  collected c;
  /* a start and its end: one flow, from the end record, direction known */
  ash_mem_result r = run("asa", FS(1, 7, 1) FE(1, 7, 1), NULL, &c);
  assert_int_equal(r.parsed, 2);
  assert_int_equal(c.n, 1);
  assert_true(has(&c, 0, "\"event_id\":430003") && has(&c, 0, "start+end"));
  assert_true(has(&c, 0, "\"bytes_out\":1000") && has(&c, 0, "\"bytes_in\":5000"));
  assert_true(has(&c, 0, "\"packets_out\":7") && has(&c, 0, "\"duration\":3599"));
  assert_true(has(&c, 0, "\"ts\":\"2025-03-02T01:00:01.000000Z\""));
  /* instances keep their ids apart; an end of another connection with the
   * same id (first packet differs) leaves the start alone */
  r = run("asa", FS(1, 7, 1) FS(2, 7, 1) FE(2, 7, 1) FE(1, 7, 3), NULL, &c);
  assert_int_equal(c.n, 3);
  assert_true(has(&c, 0, "\"InstanceID\":\"2\"") && has(&c, 0, "start+end"));
  assert_true(has(&c, 1, "\"InstanceID\":\"1\"") && !has(&c, 1, "pairing"));
  assert_true(has(&c, 2, "\"event_id\":430002") && has(&c, 2, "no end-of-connection record"));
  /* a reused id, and a full table */
  r = run("asa", FS(1, 7, 1) FS(1, 7, 2), NULL, &c);
  assert_int_equal(c.n, 2);
  assert_true(has(&c, 0, "reused before its end record"));
  ash_asa_pending_cap_override = 1;
  r = run("asa", FS(1, 7, 1) FS(1, 8, 1), NULL, &c);
  ash_asa_pending_cap_override = 0;
  assert_int_equal(c.n, 2);
  assert_true(has(&c, 0, "\"ConnectionID\":\"7\"") && has(&c, 0, "pairing table full"));
  /* a comma inside a value; Block is a deny; no user when FTD says so */
  r = run("asa",
          "Mar 02 2025 10:00:00 ftd : %NGIPS-1-430003: InstanceID: 1, ConnectionID: 9, "
          "AccessControlRuleAction: Block with reset, SrcIP: 198.51.100.7, DstIP: 10.0.0.9, "
          "SrcPort: 4000, DstPort: 3389, Protocol: tcp, AccessControlRuleName: Block, inbound, "
          "User: No Authentication Required, ConnectionDuration: 0\n",
          NULL, &c);
  assert_int_equal(c.n, 1);
  assert_true(has(&c, 0, "\"kind\":\"net.deny\"") && has(&c, 0, "\"Block, inbound\""));
  assert_true(has(&c, 0, "\"ts\":\"2025-03-02T10:00:00.000000Z\"") && !has(&c, 0, "\"user\""));
  /* malformed: no source address, a bad time, a key-less field */
  r = run("asa",
          "Mar 02 2025 10:00:00 ftd : %FTD-1-430003: InstanceID: 1, DstIP: 10.0.0.9\n"
          "Mar 02 2025 10:00:00 ftd : %FTD-1-430003: SrcIP: 10.0.0.1, DstIP: 10.0.0.9, "
          "FirstPacketSecond: yesterday\n"
          "Mar 02 2025 10:00:00 ftd : %FTD-1-430003: SrcIP: 10.0.0.1, DstIP 10.0.0.9\n",
          NULL, &c);
  assert_int_equal(r.rejected, 3);
  assert_int_equal(c.n, 0);
}

static void test_asa_pairing(void **st) {
  (void)st;
  collected c;
  /* 1 and 2 paired, 3 unpaired at the end */
  ash_mem_result r =
      run("asa", B(1, 5000) B(2, 5000) B(3, 5000) T(2, "0:09:58") T(1, "0:09:59"), NULL, &c);
  assert_int_equal(r.read, 5);
  assert_int_equal(r.parsed, 5); /* held built lines count as parsed */
  assert_int_equal(r.events, 3);
  assert_true(has(&c, 0, "\"conn_id\":\"2\"") && has(&c, 0, "\"duration\":598") &&
              has(&c, 0, "\"ts\":\"2025-03-02T10:00:02"));
  assert_true(has(&c, 0, "\"src_ip\":\"10.0.0.2\"") && has(&c, 0, "\"bytes_total\":\"100\""));
  assert_false(has(&c, 0, "bytes_out")); /* direction unknown: no invented split */
  assert_true(has(&c, 1, "\"conn_id\":\"1\"") && has(&c, 1, "built+teardown"));
  assert_true(has(&c, 2, "\"conn_id\":\"3\"") && has(&c, 2, "no teardown in this file"));
  assert_false(has(&c, 2, "duration"));

  /* the same id built twice: the first is flushed, honestly labelled */
  run("asa", B(4, 5000) B(4, 5001) T(4, "0:00:01"), NULL, &c);
  assert_int_equal(c.n, 2);
  assert_true(has(&c, 0, "reused") && has(&c, 0, "\"src_port\":5000"));
  assert_true(has(&c, 1, "built+teardown") && has(&c, 1, "\"src_port\":5001"));

  /* a table of 2: the third built evicts the oldest */
  ash_asa_pending_cap_override = 2;
  r = run("asa", B(5, 5000) B(6, 5000) B(7, 5000) T(5, "0:00:01") T(7, "0:00:02"), NULL, &c);
  ash_asa_pending_cap_override = 0;
  assert_int_equal(r.parsed, 5);
  assert_int_equal(c.n, 4);
  assert_true(has(&c, 0, "\"conn_id\":\"5\"") && has(&c, 0, "pairing table full"));
  assert_true(has(&c, 1, "\"conn_id\":\"5\"") && has(&c, 1, "teardown only"));
  assert_true(has(&c, 2, "\"conn_id\":\"7\"") && has(&c, 2, "built+teardown"));
  assert_true(has(&c, 3, "\"conn_id\":\"6\"") && has(&c, 3, "no teardown in this file"));

  /* devices are kept apart: the same id on two firewalls */
  run("asa",
      "Mar 02 2025 10:00:01 fwA : %ASA-6-302013: Built inbound TCP connection 9 for "
      "outside:192.0.2.9/6000 (192.0.2.9/6000) to dmz:10.0.0.9/22 (203.0.113.9/22)\n"
      "Mar 02 2025 10:00:02 fwB : %ASA-6-302014: Teardown TCP connection 9 for "
      "outside:192.0.2.9/6000 to dmz:10.0.0.9/22 duration 0:00:01 bytes 1 TCP FINs\n",
      NULL, &c);
  assert_int_equal(c.n, 2);
  assert_true(has(&c, 0, "\"host\":\"fwB\"") && has(&c, 0, "teardown only"));
  assert_true(has(&c, 1, "\"host\":\"fwA\"") && has(&c, 1, "no teardown"));
}

static void test_clock_skew(void **st) {
  (void)st;
  ash_parse_opts o = {0};
  o.threads = 1;
  o.clock_skew_us = 90 * ASH_US_PER_SEC;
  collected c;
  run("asa", B(1, 5000) T(1, "0:00:10"), &o, &c);
  assert_true(has(&c, 0, "\"ts\":\"2025-03-02T10:01:31"));
  run("panos",
      "1,2025/03/02 10:00:00,001,GLOBALPROTECT,0,2560,2025/03/02 10:00:00,vsys1,gateway-logout,"
      "logout,LDAP,SSL,corp\\u1,JP,m,198.51.100.1,,10.0.0.1,,h,s,6,Windows,10,1,,,,success,"
      "Tokyo,600\n",
      &o, &c);
  assert_true(has(&c, 0, "\"ts\":\"2025-03-02T10:01:30") && has(&c, 0, "\"duration\":600"));
}

/* ---- mapped ---- */

static const char *write_tmp(const char *text) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/ash_test_map_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_map_file(void **st) {
  (void)st;
  char why[256];
  const char *p = write_tmp("format csv # comment\nfield ts = #1\nfield src_ip = Source IP\n");
  assert_int_equal(ash_map_check(p, why, sizeof why), ASH_OK);
  unlink(p);
  p = write_tmp("format csv\nfield ts = t\nbogus x\n");
  assert_int_equal(ash_map_check(p, why, sizeof why), ASH_EUSAGE);
  assert_non_null(strstr(why, "line 3"));
  unlink(p);
  p = write_tmp("kind vpn.nothing\nfield ts = t\n");
  assert_int_equal(ash_map_check(p, why, sizeof why), ASH_EUSAGE);
  unlink(p);
  p = write_tmp("format csv\n"); /* no field at all */
  assert_int_equal(ash_map_check(p, why, sizeof why), ASH_EUSAGE);
  unlink(p);
  p = write_tmp("header no\nfield ts = t\n"); /* names need a header */
  assert_int_equal(ash_map_check(p, why, sizeof why), ASH_EUSAGE);
  unlink(p);
  assert_int_equal(ash_map_check("/nonexistent/map", why, sizeof why), ASH_EIO);

  /* a pattern with %b, %f and %z, a tab-separated file without header */
  p = write_tmp("header no\ndelimiter tab\ntime_format \"%d/%b/%Y:%H:%M:%S.%f %z\"\n"
                "field ts = #1\nfield user = #2\nfield duration = #3\nduration_unit ms\n"
                "kind vpn.logout\n");
  ash_parse_opts o = {0};
  o.threads = 1;
  o.map_path = p;
  collected c;
  ash_mem_result r = run("mapped",
                         "02/Mar/2025:10:00:00.25 +0900\tCORP\\t.sato\t1500\n"
                         "02/Xyz/2025:10:00:00 +0900\tx\t1\n",
                         &o, &c);
  unlink(p);
  assert_int_equal(r.parsed, 1);
  assert_int_equal(r.rejected, 1);
  assert_true(has(&c, 0, "\"ts\":\"2025-03-02T01:00:00.250000Z\"") &&
              has(&c, 0, "\"kind\":\"vpn.logout\"") && has(&c, 0, "\"user\":\"t.sato\"") &&
              has(&c, 0, "\"domain\":\"CORP\"") && has(&c, 0, "\"duration\":1.500000"));
}

/* ---- sniffers against every golden input ---- */

static void test_sniff_golden(void **st) {
  (void)st;
  const char *src = getenv("ASH_SRC");
  if (!src) skip();
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/golden", src);
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  int checked = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    const ash_format *f = ash_format_find(e->d_name);
    if (!f || !f->sniff) continue; /* not a registered, sniffable format */
    char sub[4096 + 256];
    snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
    DIR *d2 = opendir(sub);
    if (!d2) continue;
    struct dirent *g;
    while ((g = readdir(d2))) {
      const char *nm = g->d_name;
      size_t ln = strlen(nm);
      if (nm[0] == '.' || strstr(nm, ".expected.") || ln < 4) continue;
      if (strcmp(nm + ln - 4, ".log") && strcmp(nm + ln - 4, ".tsv") &&
          (ln < 6 || strcmp(nm + ln - 6, ".jsonl")))
        continue;
      char path[8192 + 512];
      snprintf(path, sizeof path, "%s/%s", sub, nm);
      FILE *fp = fopen(path, "rb");
      assert_non_null(fp);
      static uint8_t head[ASH_SNIFF_BYTES];
      size_t n = fread(head, 1, sizeof head, fp);
      fclose(fp);
      const ash_format *got = ash_format_sniff(head, n);
      if (!got || strcmp(got->name, f->name)) {
        print_error("%s sniffed as %s, expected %s\n", path, got ? got->name : "(none)", f->name);
        fail();
      }
      checked++;
    }
    closedir(d2);
  }
  closedir(d);
  assert_true(checked > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csv),         cmocka_unit_test(test_durations),
      cmocka_unit_test(test_asa_pairing), cmocka_unit_test(test_ftd_connections),
      cmocka_unit_test(test_clock_skew),  cmocka_unit_test(test_sniff_golden),
      cmocka_unit_test(test_map_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
