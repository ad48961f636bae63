/* Unit tests of the FortiGate parser (src/ingest/fortigate.c): mapping,
 * timestamps, quoting, attributes and their cap, rejections, sniffing,
 * and the word-at-a-time tokenizer against the byte-loop reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/event.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"

/* The parser's own source, for its static tokenizers; renamed so that it
 * does not clash with the copy linked from the library. */
#define ash_format_fortigate fgt_format_under_test
#include "ingest/fortigate.c"
#undef ash_format_fortigate

typedef struct sink {
  ash_buf out;     /* events as JSON lines */
  ash_buf rejects; /* "reason|raw" lines */
  int n, nrej;
  ash_event last;
  size_t last_nattrs;
  char last_attr_k[64], last_attr_v[64];
} sink;

static int on_event(void *u, const ash_event *ev) {
  sink *s = u;
  s->n++;
  s->last_nattrs = ev->nattrs;
  if (ev->nattrs) {
    const ash_kv *a = &ev->attrs[ev->nattrs - 1];
    snprintf(s->last_attr_k, sizeof s->last_attr_k, "%.*s", (int)a->k.n, a->k.p);
    snprintf(s->last_attr_v, sizeof s->last_attr_v, "%.*s", (int)a->v.n, a->v.p);
  }
  int rc = ash_event_to_json(ev, NULL, 0, NULL, &s->out);
  if (!rc) rc = ash_buf_addc(&s->out, '\n');
  return rc;
}

static int on_reject(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  sink *s = u;
  (void)ref;
  s->nrej++;
  int rc = ash_buf_adds(&s->rejects, reason);
  if (!rc) rc = ash_buf_addc(&s->rejects, '|');
  if (!rc) rc = ash_buf_add(&s->rejects, raw, n < 200 ? n : 200);
  if (!rc) rc = ash_buf_addc(&s->rejects, '\n');
  return rc;
}

static const ash_format *fgt(void) {
  const ash_format *f = ash_format_find("fortigate");
  assert_non_null(f);
  return f;
}

/* Parse text; returns the result and leaves the output in *s (caller frees). */
static ash_mem_result run_opts(sink *s, const char *text, size_t n, const ash_parse_opts *o) {
  memset(s, 0, sizeof *s);
  ash_buf_init(&s->out, 64u << 20);
  ash_buf_init(&s->rejects, 1u << 20);
  ash_mem_result r;
  assert_int_equal(ash_parse_memory(fgt(), (const uint8_t *)text, n, o, on_event, on_reject, s, &r),
                   0);
  assert_int_equal(r.read, r.parsed + r.rejected);
  return r;
}
static ash_mem_result run(sink *s, const char *text) {
  return run_opts(s, text, strlen(text), NULL);
}
static void done(sink *s) {
  ash_buf_free(&s->out);
  ash_buf_free(&s->rejects);
}

static void out_has(const sink *s, const char *needle) {
  if (!s->out.p || !strstr(s->out.p, needle))
    fail_msg("missing %s in\n%s", needle, s->out.p ? s->out.p : "(nothing)");
}
static void out_hasnt(const sink *s, const char *needle) {
  if (s->out.p && strstr(s->out.p, needle)) fail_msg("unexpected %s in\n%s", needle, s->out.p);
}
static void rejected(const sink *s, const char *reason) {
  if (!s->rejects.p || !strstr(s->rejects.p, reason))
    fail_msg("no rejection '%s' in\n%s", reason, s->rejects.p ? s->rejects.p : "(none)");
}

static const char FWD[] =
    "date=2019-05-10 time=11:37:47 logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" "
    "level=\"notice\" vd=\"vdom1\" eventtime=1557513467369913239 srcip=10.1.100.11 srcport=58012 "
    "srcintf=\"port12\" dstip=23.59.154.35 dstport=80 dstintf=\"port11\" sessionid=105048 "
    "proto=6 action=\"close\" policyid=1 service=\"HTTP\" app=\"HTTP.BROWSER_Firefox\" "
    "duration=116 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16 devname=\"FGT-HQ\"\n";

static void test_traffic_forward(void **st) {
  (void)st;
  sink s;
  ash_mem_result r = run(&s, FWD);
  assert_int_equal(r.parsed, 1);
  assert_int_equal(r.events, 1);
  out_has(&s,
          "{\"ts\":\"2019-05-10T18:37:47.369913Z\",\"kind\":\"net.flow\",\"host\":\"FGT-HQ\","
          "\"src_ip\":\"10.1.100.11\",\"src_port\":58012,\"dst_ip\":\"23.59.154.35\","
          "\"dst_port\":80,\"proto\":\"tcp\",\"action\":\"close\",\"app\":\"HTTP.BROWSER_Firefox\","
          "\"service\":\"HTTP\",\"bytes_out\":1188,\"bytes_in\":1224,\"packets_out\":17,"
          "\"packets_in\":16,\"duration\":116,");
  /* kept: unmapped keys in line order, mapped ones left out */
  out_has(&s, "\"attrs\":{\"date\":\"2019-05-10\",\"time\":\"11:37:47\",\"logid\":\"0000000013\","
              "\"type\":\"traffic\",\"subtype\":\"forward\",\"level\":\"notice\",\"vd\":\"vdom1\","
              "\"eventtime\":\"1557513467369913239\",\"srcintf\":\"port12\",\"dstintf\":\"port11\","
              "\"sessionid\":\"105048\",\"policyid\":\"1\"}");
  done(&s);
}

static void test_traffic_kinds(void **st) {
  (void)st;
  sink s;
  run(&s, "date=2025-03-02 time=10:00:00 tz=\"+0900\" logid=\"0000000013\" type=\"traffic\" "
          "subtype=\"forward\" srcip=10.0.0.1 dstip=8.8.8.8 proto=17 action=\"deny\" "
          "policyid=0\n"
          "date=2025-03-02 time=10:00:01 tz=\"+0900\" logid=\"0000000020\" type=\"traffic\" "
          "subtype=\"forward\" srcip=10.0.0.2 dstip=52.95.1.1 proto=6 action=\"accept\" "
          "duration=3600 sentbyte=1000 rcvdbyte=2000 sentdelta=100 rcvddelta=200\n"
          "date=2025-03-02 time=10:00:02 logid=\"0001000014\" type=\"traffic\" subtype=\"local\" "
          "srcip=198.51.100.7 dstip=192.0.2.1 proto=1 action=\"deny\"\n"
          "date=2025-03-02 time=10:00:03 type=\"traffic\" proto=132 action=\"server-rst\"\n");
  assert_int_equal(s.n, 4);
  out_has(&s, "{\"ts\":\"2025-03-02T01:00:00.000000Z\",\"kind\":\"net.deny\",");
  out_has(&s, "\"proto\":\"udp\",\"action\":\"deny\"");
  out_has(&s, "{\"ts\":\"2025-03-02T01:00:01.000000Z\",\"kind\":\"net.flow\"");
  out_has(&s, "\"bytes_out\":1000,\"bytes_in\":2000,\"duration\":3600,");
  out_has(&s, "\"sentdelta\":\"100\",\"rcvddelta\":\"200\"");
  /* no tz and no --tz: UTC */
  out_has(&s, "{\"ts\":\"2025-03-02T10:00:02.000000Z\",\"kind\":\"net.deny\"");
  out_has(&s, "\"proto\":\"icmp\"");
  out_has(&s, "\"kind\":\"net.flow\",\"proto\":\"132\",\"action\":\"server-rst\"");
  done(&s);
}

static void test_vpn(void **st) {
  (void)st;
  sink s;
  run(&s, "date=2025-03-02 time=10:22:01 eventtime=1740878521 logid=\"0101039947\" type=\"event\" "
          "subtype=\"vpn\" action=\"tunnel-up\" tunneltype=\"ssl-tunnel\" tunnelid=1170013823 "
          "remip=203.0.113.5 tunnelip=10.212.134.200 user=\"t.sato\" group=\"vpn\" "
          "devname=\"fw01\"\n"
          "date=2025-03-02 time=12:22:01 eventtime=1740885721 logid=\"0101039948\" type=\"event\" "
          "subtype=\"vpn\" action=\"tunnel-down\" tunneltype=\"ssl-tunnel\" tunnelid=1170013823 "
          "remip=203.0.113.5 tunnelip=10.212.134.200 user=\"CORP\\\\t.sato\" duration=7200 "
          "sentbyte=5000 rcvdbyte=6000 devname=\"fw01\"\n"
          "date=2025-03-02 time=12:30:00 logid=\"0101039426\" type=\"event\" subtype=\"vpn\" "
          "action=\"ssl-login-fail\" user=\"admin@corp.example\" remip= group=\"N/A\"\n"
          "date=2025-03-02 time=12:31:00 logid=\"0101037127\" type=\"event\" subtype=\"vpn\" "
          "action=\"negotiate\" remip=198.51.100.9 locip=192.0.2.1 remport=500 locport=500 "
          "user=\"N/A\" xauthuser=\"k.ito\" status=\"negotiate_error\"\n"
          "date=2025-03-02 time=12:32:00 logid=\"0101037138\" type=\"event\" subtype=\"vpn\" "
          "action=\"tunnel-up\" remip=198.51.100.10 user=\"N/A\" assignip=10.9.0.5\n"
          "date=2025-03-02 time=12:33:00 logid=\"0101039949\" type=\"event\" subtype=\"vpn\" "
          "action=\"tunnel-stats\" user=\"t.sato\" duration=60\n"
          "date=2025-03-02 time=12:34:00 logid=\"0101037127\" type=\"event\" subtype=\"vpn\" "
          "action=\"negotiate\" status=\"success\"\n");
  assert_int_equal(s.n, 7);
  out_has(&s, "{\"ts\":\"2025-03-02T01:22:01.000000Z\",\"kind\":\"vpn.login\",\"host\":\"fw01\","
              "\"user\":\"t.sato\",\"src_ip\":\"203.0.113.5\",\"tunnel_ip\":\"10.212.134.200\","
              "\"action\":\"tunnel-up\",");
  out_has(&s,
          "\"kind\":\"vpn.logout\",\"host\":\"fw01\",\"user\":\"t.sato\",\"domain\":\"CORP\","
          "\"src_ip\":\"203.0.113.5\",\"tunnel_ip\":\"10.212.134.200\",\"action\":\"tunnel-down\","
          "\"bytes_out\":5000,\"bytes_in\":6000,\"duration\":7200,");
  out_has(&s, "\"kind\":\"vpn.fail\",\"user\":\"admin\",\"domain\":\"corp.example\","
              "\"action\":\"ssl-login-fail\",");
  out_has(&s, "\"remip\":\"\",\"group\":\"N/A\""); /* empty remip kept, not an address */
  out_has(&s,
          "\"kind\":\"vpn.fail\",\"user\":\"k.ito\",\"src_ip\":\"198.51.100.9\",\"src_port\":500,"
          "\"dst_ip\":\"192.0.2.1\",\"dst_port\":500,\"action\":\"negotiate\"");
  out_has(&s, "\"user\":\"N/A\""); /* N/A is not a user: kept as an attribute */
  out_has(&s, "\"kind\":\"vpn.login\",\"src_ip\":\"198.51.100.10\",\"tunnel_ip\":\"10.9.0.5\"");
  out_has(&s, "\"kind\":\"vpn.session\",\"user\":\"t.sato\",\"action\":\"tunnel-stats\","
              "\"duration\":60");
  out_has(&s, "\"kind\":\"log\",\"action\":\"negotiate\"");
  done(&s);
}

static void test_admin_auth(void **st) {
  (void)st;
  sink s;
  run(&s, "date=2019-05-13 time=11:20:54 logid=\"0100032001\" type=\"event\" subtype=\"system\" "
          "level=\"information\" vd=\"root\" logdesc=\"Admin login successful\" sn=\"1557771654\" "
          "user=\"admin\" ui=\"https(172.16.200.254)\" method=\"https\" srcip=172.16.200.254 "
          "dstip=172.16.200.1 action=\"login\" status=\"success\" reason=\"none\" "
          "profile=\"super_admin\"\n"
          "date=2019-05-13 time=11:21:54 logid=\"0100032002\" type=\"event\" subtype=\"system\" "
          "logdesc=\"Admin login failed\" user=\"admin\" srcip=172.16.200.254 action=\"login\" "
          "status=\"failed\" reason=\"passwd_invalid\"\n"
          "date=2019-05-13 time=11:22:54 type=\"event\" subtype=\"system\" action=\"login\" "
          "status=\"failed\" user=\"root\"\n"
          "date=2019-05-13 time=11:23:54 logid=\"0100032003\" type=\"event\" subtype=\"system\" "
          "logdesc=\"Admin logout successful\" user=\"admin\" action=\"logout\"\n"
          "date=2019-05-13 time=11:24:54 logid=\"0102043008\" type=\"event\" subtype=\"user\" "
          "action=\"authentication\" status=\"success\" user=\"j.doe\"\n"
          "date=2019-05-13 time=11:25:54 logid=\"0102043009\" type=\"event\" subtype=\"user\" "
          "action=\"authentication\" status=\"failure\" user=\"j.doe\"\n");
  assert_int_equal(s.n, 6);
  out_has(&s, "\"kind\":\"admin.login\",\"user\":\"admin\",\"src_ip\":\"172.16.200.254\","
              "\"dst_ip\":\"172.16.200.1\",\"action\":\"login\"");
  out_has(&s, "\"kind\":\"admin.fail\",\"user\":\"admin\"");
  out_has(&s, "\"kind\":\"admin.fail\",\"user\":\"root\"");
  out_has(&s, "\"kind\":\"log\",\"user\":\"admin\",\"action\":\"logout\"");
  out_has(&s, "\"kind\":\"auth.login\",\"user\":\"j.doe\"");
  out_has(&s, "\"kind\":\"auth.fail\",\"user\":\"j.doe\"");
  done(&s);
}

static void test_timestamps(void **st) {
  (void)st;
  sink s;
  /* eventtime in s, ms, us, ns; it wins over date/time */
  run(&s, "date=2000-01-01 time=00:00:00 eventtime=1740878521 type=x\n"
          "eventtime=1740878521123 type=x\n"
          "eventtime=1740878521123456 type=x\n"
          "eventtime=1740878521123456789 type=x\n"
          "eventtime=junk date=2025-03-02 time=10:22:01 tz=\"-0500\" type=x\n"
          "date=2025/03/02 time=10:22:01 tz=\"+09:00\" type=x\n");
  assert_int_equal(s.n, 6);
  out_has(&s, "{\"ts\":\"2025-03-02T01:22:01.000000Z\"");
  out_has(&s, "{\"ts\":\"2025-03-02T01:22:01.123000Z\"");
  out_has(&s, "{\"ts\":\"2025-03-02T01:22:01.123456Z\"");
  out_has(&s, "{\"ts\":\"2025-03-02T15:22:01.000000Z\"");
  out_hasnt(&s, "2000-01-01T");
  done(&s);

  /* no tz=: the zone of --tz */
  ash_parse_opts o = {0};
  o.threads = 1;
  assert_int_equal(ash_tz_open(&o.tz, "Asia/Tokyo"), 0);
  const char *l = "date=2025-03-02 time=10:22:01 type=x\n";
  run_opts(&s, l, strlen(l), &o);
  out_has(&s, "{\"ts\":\"2025-03-02T01:22:01.000000Z\"");
  done(&s);
  /* clock skew applies to every form */
  o.clock_skew_us = 90 * ASH_US_PER_SEC;
  l = "eventtime=1740878521 type=x\ndate=2025-03-02 time=10:22:01 tz=\"+0900\" type=x\n";
  run_opts(&s, l, strlen(l), &o);
  assert_int_equal(s.n, 2);
  assert_non_null(strstr(strstr(s.out.p, "01:23:31.000000Z") + 1, "01:23:31.000000Z"));
  done(&s);
  ash_tz_close(o.tz);

  /* only the syslog header has a time */
  run(&s, "<189>1 2025-03-02T10:22:01+09:00 fw01 - - - - type=\"event\" subtype=\"vpn\"\n"
          "Mar  2 10:22:01 fw02 type=\"event\"\n");
  assert_int_equal(s.n, 2);
  out_has(&s, "{\"ts\":\"2025-03-02T01:22:01.000000Z\",\"kind\":\"log\",\"host\":\"fw01\"");
  out_has(&s, "T10:22:01.000000Z\",\"kind\":\"log\",\"host\":\"fw02\"");
  done(&s);
}

static void test_numbers(void **st) {
  (void)st;
  sink s;
  /* 19 digits above INT64_MAX are not numbers (found by libFuzzer) */
  ash_mem_result r = run(&s, "eventtime=9999999999999999999 date=2025-03-02 time=10:22:01 "
                             "sentbyte=9223372036854775807 rcvdbyte=9223372036854775808 "
                             "duration=9223372036854775807 dstport=65536 srcport=0\n"
                             "eventtime=9999999999999999999 type=x\n");
  assert_int_equal(r.parsed, 1);
  assert_int_equal(r.rejected, 1);
  out_has(&s, "{\"ts\":\"2025-03-02T10:22:01.000000Z\",\"kind\":\"log\",\"src_port\":0,"
              "\"bytes_out\":9223372036854775807,\"attrs\":{\"eventtime\":\"9999999999999999999\","
              "\"date\":\"2025-03-02\",\"time\":\"10:22:01\",\"rcvdbyte\":\"9223372036854775808\","
              "\"duration\":\"9223372036854775807\",\"dstport\":\"65536\"}");
  done(&s);
}

static void test_syslog_forms(void **st) {
  (void)st;
  sink s;
  run(&s, "<189>date=2025-03-02 time=10:22:01 devname=\"FGT1\" type=\"traffic\" srcip=10.0.0.1\n"
          "Mar  2 10:22:01 10.9.9.9 date=2025-03-02 time=10:22:01 type=\"traffic\"\n"
          "<14>Mar  2 10:22:01 relay date=2025-03-02 time=10:22:01 devname=\"FGT3\" "
          "type=\"traffic\"\n");
  assert_int_equal(s.n, 3);
  out_has(&s, "\"host\":\"FGT1\",\"src_ip\":\"10.0.0.1\"");
  out_has(&s, "\"host\":\"10.9.9.9\""); /* no devname: the syslog host */
  out_has(&s, "\"host\":\"FGT3\"");     /* devname beats the relay's name */
  out_hasnt(&s, "relay");
  done(&s);
}

static void test_quoting(void **st) {
  (void)st;
  sink s;
  run(&s, "date=2025-03-02 time=10:22:01 msg=\"a \\\"b\\\" c\" path=\"C:\\\\Temp\\\\x\" "
          "raw=\"keep \\n as is\" tabbed=\"a\tb\" empty=\"\" bare= last=x\n");
  assert_int_equal(s.n, 1);
  out_has(&s, "\"msg\":\"a \\\"b\\\" c\"");    /* a "b" c */
  out_has(&s, "\"path\":\"C:\\\\Temp\\\\x\""); /* C:\Temp\x */
  out_has(&s, "\"raw\":\"keep \\\\n as is\""); /* backslash-n stays two characters */
  out_has(&s, "\"tabbed\":\"a\\tb\"");         /* a tab inside quotes is content */
  out_has(&s, "\"empty\":\"\",\"bare\":\"\",\"last\":\"x\"");
  done(&s);
}

static void test_order_missing_unknown(void **st) {
  (void)st;
  sink s;
  run(&s, "zzz=1 devname=\"fw\" dstport=443 srcip=10.0.0.5 time=23:59:59 type=\"traffic\" "
          "foo=\"bar baz\" date=2024-02-29 tz=\"+0000\" dstip=not-an-ip srcport=99999 "
          "stray token=\n");
  assert_int_equal(s.n, 1);
  out_has(&s, "{\"ts\":\"2024-02-29T23:59:59.000000Z\",\"kind\":\"net.flow\",\"host\":\"fw\","
              "\"src_ip\":\"10.0.0.5\",\"dst_port\":443,");
  /* what did not map stays where it was */
  out_has(&s,
          "\"attrs\":{\"zzz\":\"1\",\"time\":\"23:59:59\",\"type\":\"traffic\","
          "\"foo\":\"bar baz\",\"date\":\"2024-02-29\",\"tz\":\"+0000\",\"dstip\":\"not-an-ip\","
          "\"srcport\":\"99999\",\"ash_unparsed\":\"stray\",\"token\":\"\"}");
  done(&s);
}

static void test_attr_cap(void **st) {
  (void)st;
  /* 300 unknown keys: 255 kept and the count of the rest */
  ash_buf b;
  ash_buf_init(&b, 1u << 20);
  assert_int_equal(ash_buf_adds(&b, "date=2025-03-02 time=10:22:01 type=\"traffic\""), 0);
  for (int i = 0; i < 300; i++) assert_int_equal(ash_buf_printf(&b, " k%d=v%d", i, i), 0);
  sink s;
  run_opts(&s, b.p, b.n, NULL);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.last_nattrs, ASH_MAX_ATTRS);
  assert_string_equal(s.last_attr_k, "ash_dropped_attrs");
  assert_string_equal(s.last_attr_v, "48"); /* 303 attrs, 255 kept */
  done(&s);
  /* more tokens than ASH_MAX_FIELDS: a mapped key past the cap is lost
   * and counted */
  ash_buf_reset(&b);
  assert_int_equal(ash_buf_adds(&b, "date=2025-03-02 time=10:22:01"), 0);
  for (int i = 0; i < 600; i++) assert_int_equal(ash_buf_printf(&b, " k%d=v", i), 0);
  assert_int_equal(ash_buf_adds(&b, " srcip=10.1.1.1"), 0);
  run_opts(&s, b.p, b.n, NULL);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.last_nattrs, ASH_MAX_ATTRS);
  assert_string_equal(s.last_attr_v, "348"); /* 603 tokens, 255 kept */
  out_hasnt(&s, "10.1.1.1");
  done(&s);
  /* every slot full and a control byte in a value (found by fuzzing):
   * the count stays, and the flag comes on top of the record's slots */
  ash_buf_reset(&b);
  assert_int_equal(ash_buf_adds(&b, "date=2025-03-02 time=10:22:01 msg=\"a\x01b\""), 0);
  for (int i = 0; i < 300; i++) assert_int_equal(ash_buf_printf(&b, " k%d=v%d", i, i), 0);
  run_opts(&s, b.p, b.n, NULL);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.last_nattrs, ASH_MAX_ATTRS + 1);
  assert_string_equal(s.last_attr_k, ASH_ATTR_SUSPICIOUS);
  out_has(&s, "\"ash_dropped_attrs\":\"");
  done(&s);
  ash_buf_free(&b);
}

static void test_rejects(void **st) {
  (void)st;
  sink s;
  ash_mem_result r = run(&s, "date=2025-03-02 time=10:22:01 msg=\"never closed\n"
                             "just some words\n"
                             "type=\"traffic\" srcip=10.0.0.1\n"
                             "date=2025-13-02 time=10:22:01 type=x\n"
                             "\x01\x02\x03\x04\n"
                             "date=2025-03-02 time=10:22:01 a=\xff\xfe\n"
                             "date=2025-03-02 time=10:2\n"
                             "date=2025-03-02 ti\n"
                             "\n"
                             "   \n"
                             "date=2025-03-02 time=10:22:01 ok=1\n");
  assert_int_equal(r.read, 9); /* blank lines are not records */
  assert_int_equal(r.parsed, 1);
  assert_int_equal(r.rejected, 8);
  rejected(&s, "unterminated quoted value|date=2025-03-02 time=10:22:01 msg=\"never closed");
  rejected(&s, "no key=value pairs|just some words");
  rejected(&s, "no usable timestamp (eventtime, date/time or syslog header)|type=\"traffic\"");
  rejected(&s, "no usable timestamp (eventtime, date/time or syslog header)|date=2025-13-02");
  rejected(&s, "no key=value pairs|\x01\x02");
  rejected(&s, "invalid UTF-8|date=2025-03-02 time=10:22:01 a=\xff");
  rejected(&s, "no usable timestamp (eventtime, date/time or syslog header)|date=2025-03-02 "
               "time=10:2\n");
  done(&s);
}

/* Issue 18 item 6: a control character in a field (the user of a VPN login)
 * must not turn the record into a reject, which would hide the login. It
 * is kept in the value, in quoted and unquoted values and in keys, and the
 * event says which fields hold one. */
static void test_control_byte_in_field_keeps_the_login(void **st) {
  (void)st;
  sink s;
  static const char T[] =
      "date=2025-03-02 time=10:22:01 logid=\"0101039947\" type=\"event\" subtype=\"vpn\" "
      "devname=\"FGT\x01HQ\" action=\"tunnel-up\" user=\"ev\x1b[8mil\" remip=198.51.100.7\n"
      "date=2025-03-02 time=10:22:02 type=event subtype=vpn action=tunnel-up user=m\x00"
      "al\n"
      "date=2025-03-02 time=10:22:03 a=\x01\x02\x03 b=\"x\x7fy\x05\" k\x08"
      "ey=v\n"
      "date=2025-03-02 time=10:22:04 msg=\"tab\tonly\" ok=1\n";
  ash_mem_result r = run_opts(&s, T, sizeof T - 1, NULL);
  assert_int_equal(r.read, 4);
  assert_int_equal(r.parsed, 4);
  assert_int_equal(r.rejected, 0);
  out_has(&s, "\"kind\":\"vpn.login\",\"host\":\"FGT\\u0001HQ\",\"user\":\"ev\\u001b[8mil\","
              "\"src_ip\":\"198.51.100.7\",\"action\":\"tunnel-up\",\"suspicious_bytes\":true,");
  out_has(&s, "\"ash_suspicious_bytes\":\"host,user\"}");
  out_has(&s, "\"user\":\"m\\u0000al\"");
  out_has(&s, "\"a\":\"\\u0001\\u0002\\u0003\",\"b\":\"x\\u007fy\\u0005\",\"k\\u0008ey\":\"v\"");
  out_has(&s, "\"ash_suspicious_bytes\":\"attrs.a,attrs.b,attrs[4]\"}");
  /* TAB is a separator, not a suspicious byte */
  out_has(&s, "\"msg\":\"tab\\tonly\",\"ok\":\"1\"}");
  const char *last = strstr(s.out.p, "tab\\tonly");
  assert_non_null(last);
  assert_null(strstr(last, "suspicious"));
  done(&s);
}

static void test_long_line(void **st) {
  (void)st;
  /* a line just over 1 MiB between two good ones; and one at the limit */
  size_t big = ASH_MAX_LINE + 10;
  const char *good = "date=2025-03-02 time=10:22:01 type=x\n";
  size_t gl = strlen(good);
  char *t = malloc(gl * 2 + big + 1);
  assert_non_null(t);
  memcpy(t, good, gl);
  memcpy(t + gl, "date=2025-03-02 time=10:22:01 msg=\"", 35);
  memset(t + gl + 35, 'a', big - 35 - 1);
  t[gl + big - 1] = '\n';
  memcpy(t + gl + big, good, gl);
  sink s;
  ash_mem_result r = run_opts(&s, t, gl * 2 + big, NULL);
  assert_int_equal(r.read, 3);
  assert_int_equal(r.parsed, 2);
  assert_int_equal(r.rejected, 1);
  rejected(&s, "line longer than 1 MiB");
  done(&s);
  /* exactly ASH_MAX_LINE bytes, a long quoted value: parsed */
  size_t at = ASH_MAX_LINE;
  memcpy(t, "date=2025-03-02 time=10:22:01 msg=\"", 35);
  memset(t + 35, 'b', at - 36);
  t[at - 1] = '"';
  t[at] = '\n';
  r = run_opts(&s, t, at + 1, NULL);
  assert_int_equal(r.parsed, 1);
  /* its 1 MiB value cannot be stored within ASH_MAX_ATTRS_JSON: dropped
   * and counted, the rest kept */
  out_has(&s,
          "\"attrs\":{\"date\":\"2025-03-02\",\"time\":\"10:22:01\",\"ash_dropped_attrs\":\"1\"}");
  done(&s);
  /* a 100 KB value fits */
  at = 100000;
  memset(t + 35, 'c', at - 36);
  t[at - 1] = '"';
  t[at] = '\n';
  r = run_opts(&s, t, at + 1, NULL);
  assert_int_equal(r.parsed, 1);
  out_has(&s, "ccc\"}}");
  done(&s);
  free(t);
}

static int failing_sink(void *u, const ash_event *ev) {
  (void)u;
  (void)ev;
  return ASH_ENOMEM;
}

/* A sink error must stop the parse, not be counted as a rejected record
 * (the ASH_REC_* verdicts lie outside the ash_err range: format.h). */
static void test_sink_error(void **st) {
  (void)st;
  const char *t = "date=2025-03-02 time=10:22:01 type=x\ndate=2025-03-02 time=10:22:02 type=x\n";
  ash_mem_result r;
  int rc =
      ash_parse_memory(fgt(), (const uint8_t *)t, strlen(t), NULL, failing_sink, NULL, NULL, &r);
  assert_int_not_equal(rc, 0);
  assert_int_equal(r.rejected, 0);
}

static void test_sniff(void **st) {
  (void)st;
  const ash_format *f = fgt();
  const char *fg = FWD;
  assert_int_equal(f->sniff((const uint8_t *)fg, strlen(fg)), 95);
  const char *sys = "<189>date=2025-03-02 time=10:22:01 devname=\"fw\" devid=\"FG100\" "
                    "logid=\"0000000013\" type=\"traffic\" subtype=\"forward\"\n";
  assert_int_equal(f->sniff((const uint8_t *)sys, strlen(sys)), 95);
  const char *cut = "date=2025-03-02 time=10:22:01 devname=\"fw\" logid=\"0000000013\" "
                    "type=\"traffic\"\ndate=2025-03-02 ti";
  assert_int_equal(f->sniff((const uint8_t *)cut, strlen(cut)), 95);
  const char *weak = "date=2012-05-24 time=10:44:09 device_id=FE100 log_id=0001001623 "
                     "type=event subtype=smtp\n";
  int w = f->sniff((const uint8_t *)weak, strlen(weak));
  assert_true(w > 0 && w < 50);
  static const char *const others[] = {
      "<14>Mar  2 10:22:01 PA-VM 1,2025/03/02 10:22:01,012801096514,TRAFFIC,end,2560\n",
      "<166>Mar 02 2025 10:22:01 asa01 : %ASA-6-302013: Built inbound TCP connection\n",
      "{\"EventID\":4624,\"TimeCreated\":\"2025-03-02T10:22:01Z\"}\n",
      "#separator \\x09\n#fields\tts\tuid\n",
      "",
  };
  for (size_t i = 0; i < sizeof others / sizeof *others; i++)
    assert_int_equal(f->sniff((const uint8_t *)others[i], strlen(others[i])), 0);
}

/* ---- the word-at-a-time tokenizer against the byte-loop one ---- */

static void same_tokens(const char *line, size_t n) {
#ifdef ASH_FGT_FAST
  static fgt_state a, b;
  tok_reset(&a);
  tok_reset(&b);
  const char *ra = tokenize_fast(&a, line, n, 0);
  const char *rb = tokenize_scalar(&b, line, n, 0);
  if (ra == FALLBACK) return;
  if (ra != rb)
    fail_msg("'%.*s': fast '%s', scalar '%s'", (int)n, line, ra ? ra : "ok", rb ? rb : "ok");
  if (ra) return;
  assert_int_equal(a.nkv, b.nkv);
  assert_int_equal(a.nside, b.nside);
  assert_int_equal(a.real, b.real);
  for (size_t i = 0; i < a.nkv; i++) {
    assert_true(a.kv[i].k.n == b.kv[i].k.n && !memcmp(a.kv[i].k.p, b.kv[i].k.p, a.kv[i].k.n));
    assert_true(a.kv[i].v.n == b.kv[i].v.n && !memcmp(a.kv[i].v.p, b.kv[i].v.p, a.kv[i].v.n));
  }
  for (size_t i = 0; i < a.nside; i++) {
    assert_true(a.side[i].kv.v.p == b.side[i].kv.v.p && a.side[i].kv.v.n == b.side[i].kv.v.n);
    assert_int_equal(a.side[i].pos, b.side[i].pos);
  }
  assert_memory_equal(a.slot, b.slot, sizeof a.slot);
#else
  (void)line;
  (void)n;
#endif
}

static void test_tokenizers_agree(void **st) {
  (void)st;
  static const char *const lines[] = {
      FWD,
      "a=1 b=\"two words\" c= d=\"\" e=x=y  f=\"q\"   \tg=h\t",
      "=x y =\"a b\" z=\"a\"b k=\"v\"\"w\" m=a\"b n=\"unterminated",
      "x=\"ends at the end\"",
      "x=\"q\"=y stray \"quoted words\" tail",
      "key=\"a\\\"b\" other=c",
      "",
      " ",
      "srcip=1.2.3.4 srcip=5.6.7.8 devname=a devname=b",
  };
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    size_t n = strlen(lines[i]);
    if (n && lines[i][n - 1] == '\n') n--;
    same_tokens(lines[i], n);
  }
  /* random lines over a small alphabet, every length across block edges */
  static const char alpha[] = "ab=\" \tx\\\x01";
  uint64_t rng = 88172645463325252ull;
  char buf[300];
  for (int round = 0; round < 200000; round++) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    size_t n = (size_t)(rng % 200);
    for (size_t i = 0; i < n; i++) {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      buf[i] = alpha[(rng >> 20) % (sizeof alpha - 1 - (round & 1 ? 2 : 0))];
    }
    char *exact = malloc(n ? n : 1);
    assert_non_null(exact);
    memcpy(exact, buf, n);
    same_tokens(exact, n);
    free(exact);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_traffic_forward),
      cmocka_unit_test(test_traffic_kinds),
      cmocka_unit_test(test_vpn),
      cmocka_unit_test(test_admin_auth),
      cmocka_unit_test(test_timestamps),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_syslog_forms),
      cmocka_unit_test(test_quoting),
      cmocka_unit_test(test_order_missing_unknown),
      cmocka_unit_test(test_attr_cap),
      cmocka_unit_test(test_rejects),
      cmocka_unit_test(test_control_byte_in_field_keeps_the_login),
      cmocka_unit_test(test_long_line),
      cmocka_unit_test(test_sink_error),
      cmocka_unit_test(test_sniff),
      cmocka_unit_test(test_tokenizers_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
