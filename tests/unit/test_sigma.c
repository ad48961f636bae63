/* Sigma engine: one test per modifier and condition form, mostly from the
 * examples of the specification (sigma-appendix-modifiers.md,
 * sigma-rules-specification.md). Each test loads a rule and checks that it
 * fires on an event that has what the rule describes and stays quiet on
 * one that differs in the detail the feature is about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ashiato/error.h"
#include "ashiato/sigma.h"
#include "sigma/sigma_int.h"

/* A rule of logsource windows/process_creation around a detection. */
static char *rule_text(const char *detection) {
  static char buf[8192];
  snprintf(buf, sizeof buf,
           "title: t\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"
           "tags: [attack.execution, attack.t1059.001]\n"
           "logsource:\n  product: windows\n  category: process_creation\n"
           "detection:\n%s",
           detection);
  return buf;
}

static ash_sigma *load(const char *detection) {
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  const char *t = rule_text(detection);
  assert_int_equal(ash_sigma_load(s, (const uint8_t *)t, strlen(t), "t.yml"), ASH_OK);
  if (ash_sigma_reject_count(s))
    fprintf(stderr, "rejected: %s\n", ash_sigma_reject_at(s, 0)->reason);
  assert_int_equal(ash_sigma_count(s), 1);
  return s;
}

static int bits_cb(void *u, size_t i) {
  if (i < 64) *(uint64_t *)u |= 1ull << i;
  return 0;
}

static int count_cb(void *u, size_t i) {
  (void)i;
  (*(int *)u)++;
  return 0;
}

/* Sysmon 1 with name=value pairs (NULL-terminated). */
static int fires_v(ash_sigma *s, int64_t eid, const char *channel, va_list ap) {
  ash_sigma_doc *d;
  assert_int_equal(ash_sigma_doc_open(&d, s), ASH_OK);
  ash_sigma_doc_reset(d, eid, ash_str_cstr(channel), ASH_STR_NULL, 0);
  const char *k;
  while ((k = va_arg(ap, const char *))) {
    const char *v = va_arg(ap, const char *);
    assert_int_equal(ash_sigma_doc_add(d, ash_str_cstr(k), ash_str_cstr(v)), ASH_OK);
  }
  int n = 0;
  assert_int_equal(ash_sigma_match(s, d, count_cb, &n), ASH_OK);
  ash_sigma_doc_close(d);
  return n;
}

static int fires(ash_sigma *s, ...) {
  va_list ap;
  va_start(ap, s);
  int n = fires_v(s, 1, "Microsoft-Windows-Sysmon/Operational", ap);
  va_end(ap);
  return n;
}

static const char *reject_reason(const char *text) {
  static char reason[256];
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  assert_int_equal(ash_sigma_load(s, (const uint8_t *)text, strlen(text), "r.yml"), ASH_OK);
  assert_int_equal(ash_sigma_count(s), 0);
  assert_int_equal(ash_sigma_reject_count(s), 1);
  snprintf(reason, sizeof reason, "%s", ash_sigma_reject_at(s, 0)->reason);
  ash_sigma_close(s);
  return reason;
}

static void test_map_is_and_list_is_or(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n"
                      "    CommandLine: ['a', 'b']\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "C:\\Windows\\System32\\cmd.exe", "CommandLine", "b", NULL),
                   1);
  assert_int_equal(fires(s, "Image", "C:\\Windows\\System32\\cmd.exe", "CommandLine", "c", NULL),
                   0);
  assert_int_equal(fires(s, "CommandLine", "a", NULL), 0);
  ash_sigma_close(s);
  /* a list of maps: either map */
  s = load("  sel:\n    - Image: x.exe\n    - CommandLine: y\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "x.exe", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "y", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "z", NULL), 0);
  ash_sigma_close(s);
}

static void test_case_insensitive_by_default_and_cased(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    Image|endswith: '\\CMD.exe'\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "c:\\windows\\system32\\cmd.EXE", NULL), 1);
  ash_sigma_close(s);
  s = load("  sel:\n    Image|endswith|cased: '\\CMD.exe'\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "c:\\windows\\system32\\cmd.EXE", NULL), 0);
  assert_int_equal(fires(s, "Image", "c:\\windows\\system32\\CMD.exe", NULL), 1);
  ash_sigma_close(s);
}

static void test_wildcards_and_escapes(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    CommandLine: 'a*b?c'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "aXXXbYc", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "abc", NULL), 0);
  assert_int_equal(fires(s, "CommandLine", "abYc", NULL), 1);
  ash_sigma_close(s);
  /* \* is a literal star, \\ a backslash, a lone backslash is itself */
  s = load("  sel:\n    CommandLine: 'x\\*y\\\\z\\w'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "x*y\\z\\w", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "xAy\\z\\w", NULL), 0);
  ash_sigma_close(s);
}

static void test_contains_startswith_endswith_all(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    CommandLine|contains|all: ['-enc', 'hidden']\n"
                      "    Image|startswith: 'C:\\Windows'\n  condition: sel\n");
  assert_int_equal(
      fires(s, "Image", "C:\\Windows\\p.exe", "CommandLine", "p -w hidden -enc AA", NULL), 1);
  assert_int_equal(fires(s, "Image", "C:\\Windows\\p.exe", "CommandLine", "p -enc AA", NULL), 0);
  assert_int_equal(fires(s, "Image", "D:\\Windows\\p.exe", "CommandLine", "-enc hidden", NULL), 0);
  ash_sigma_close(s);
}

static void test_null_and_exists(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    Image: x\n    ParentImage: null\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "x", NULL), 1);
  assert_int_equal(fires(s, "Image", "x", "ParentImage", "", NULL), 1);
  assert_int_equal(fires(s, "Image", "x", "ParentImage", "p", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    Image: x\n    Hashes|exists: true\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "x", "Hashes", "", NULL), 1);
  assert_int_equal(fires(s, "Image", "x", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    Hashes|exists: false\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "x", NULL), 1);
  assert_int_equal(fires(s, "Hashes", "y", NULL), 0);
  ash_sigma_close(s);
}

static void test_neq(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    Image: x\n    User|neq: ['SYSTEM', 'LOCAL SERVICE']\n"
                      "  condition: sel\n");
  assert_int_equal(fires(s, "Image", "x", "User", "alice", NULL), 1);
  assert_int_equal(fires(s, "Image", "x", "User", "system", NULL), 0);
  assert_int_equal(fires(s, "Image", "x", "User", "LOCAL SERVICE", NULL), 0);
  ash_sigma_close(s);
}

static void test_windash(void **st) {
  (void)st;
  ash_sigma *s =
      load("  sel:\n    CommandLine|windash|contains: ' -urlcache '\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "certutil -urlcache -f", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "certutil /urlcache -f", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "certutil \xe2\x80\x93urlcache -f", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "certutil \xe2\x80\x95urlcache -f", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "certutil +urlcache -f", NULL), 0);
  ash_sigma_close(s);
}

static void test_re_and_its_flags(void **st) {
  (void)st;
  ash_sigma *s =
      load("  sel:\n    CommandLine|re: 'net\\s+user\\s+\\w+\\s+/add'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "net  user bob /add", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "NET USER bob /add", NULL), 0); /* re is cased */
  ash_sigma_close(s);
  s = load("  sel:\n    CommandLine|re|i: '^net user'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "NET USER bob", NULL), 1);
  ash_sigma_close(s);
  s = load("  sel:\n    CommandLine|re|m: '^two$'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "one\ntwo\nthree", NULL), 1);
  ash_sigma_close(s);
  s = load("  sel:\n    CommandLine|re|s: 'one.two'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "one\ntwo", NULL), 1);
  ash_sigma_close(s);
  s = load("  sel:\n    CommandLine|re: 'one.two'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "one\ntwo", NULL), 0);
  ash_sigma_close(s);
}

static void test_base64_and_base64offset(void **st) {
  (void)st;
  /* "/bin/sh" in base64 is L2Jpbi9zaA== */
  ash_sigma *s = load("  sel:\n    CommandLine|base64|contains: '/bin/sh'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "echo L2Jpbi9zaA== | base64 -d", NULL), 1);
  ash_sigma_close(s);
  /* the spec's example: base64offset|contains of "/bin/bash" finds the
   * value at any byte offset inside a longer encoded text */
  s = load("  sel:\n    CommandLine|base64offset|contains: 'http://'\n  condition: sel\n");
  /* base64 of "curl http://x", "X curl http://x" (offset 1) and "XY curl http://x" */
  assert_int_equal(fires(s, "CommandLine", "Y3VybCBodHRwOi8veA==", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "WCBjdXJsIGh0dHA6Ly94", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "WFkgY3VybCBodHRwOi8veA==", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "aGVsbG8gd29ybGQ=", NULL), 0);
  ash_sigma_close(s);
}

static void test_utf16_then_base64(void **st) {
  (void)st;
  /* PowerShell -enc of "iex": UTF-16LE "i\0e\0x\0" = aQBlAHgA */
  ash_sigma *s =
      load("  sel:\n    CommandLine|wide|base64offset|contains: 'iex'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "powershell -enc aQBlAHgAIAAoAA==", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "powershell -enc aQBlAHg=", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    CommandLine|utf16le|base64: 'cmd'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "YwBtAGQA", NULL), 1);
  ash_sigma_close(s);
  s = load("  sel:\n    CommandLine|utf16be|base64: 'cmd'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "AGMAbQBk", NULL), 1);
  ash_sigma_close(s);
  /* utf16: BOM FF FE then LE */
  s = load("  sel:\n    CommandLine|utf16|base64: 'cmd'\n  condition: sel\n");
  assert_int_equal(fires(s, "CommandLine", "//5jAG0AZAA=", NULL), 1);
  ash_sigma_close(s);
}

static void test_numeric_compare(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    LogonType|gte: 3\n    LogonType|lt: 10\n  condition: sel\n");
  assert_int_equal(fires(s, "LogonType", "3", NULL), 1);
  assert_int_equal(fires(s, "LogonType", "9", NULL), 1);
  assert_int_equal(fires(s, "LogonType", "10", NULL), 0);
  assert_int_equal(fires(s, "LogonType", "2", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    Size|gt: 255\n  condition: sel\n  sel2:\n    Size|lte: 16\n");
  assert_int_equal(fires(s, "Size", "0x100", NULL), 1);
  ash_sigma_close(s);
}

static void test_cidr_ipv4_and_ipv6(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\n"
                      "  condition: sel\n");
  assert_int_equal(fires(s, "DestinationIp", "10.20.30.40", NULL), 1);
  assert_int_equal(fires(s, "DestinationIp", "11.0.0.1", NULL), 0);
  assert_int_equal(fires(s, "DestinationIp", "fe80::1", NULL), 1);
  assert_int_equal(fires(s, "DestinationIp", "2001:db8::1", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    DestinationIp|cidr: '192.168.1.0/23'\n  condition: sel\n");
  assert_int_equal(fires(s, "DestinationIp", "192.168.0.7", NULL), 1);
  assert_int_equal(fires(s, "DestinationIp", "192.168.2.7", NULL), 0);
  ash_sigma_close(s);
}

static void test_fieldref(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    ParentImage|fieldref: Image\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "a.exe", "ParentImage", "A.EXE", NULL), 1);
  assert_int_equal(fires(s, "Image", "a.exe", "ParentImage", "b.exe", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    ParentImage|fieldref|neq: Image\n  condition: sel\n");
  assert_int_equal(fires(s, "Image", "a.exe", "ParentImage", "b.exe", NULL), 1);
  assert_int_equal(fires(s, "Image", "a.exe", "ParentImage", "a.exe", NULL), 0);
  ash_sigma_close(s);
}

static void test_expand_defined_and_undefined(void **st) {
  (void)st;
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  const char *ph = "admins: ['adm_*', 'root']\n";
  assert_int_equal(ash_sigma_set_placeholders(s, (const uint8_t *)ph, strlen(ph)), ASH_OK);
  const char *t = rule_text("  sel:\n    User|expand: '%admins%'\n  condition: sel\n");
  assert_int_equal(ash_sigma_load(s, (const uint8_t *)t, strlen(t), "t.yml"), ASH_OK);
  assert_int_equal(ash_sigma_count(s), 1);
  assert_int_equal(fires(s, "User", "adm_bob", NULL), 1);
  assert_int_equal(fires(s, "User", "root", NULL), 1);
  assert_int_equal(fires(s, "User", "bob", NULL), 0);
  ash_sigma_close(s);
  const char *r =
      reject_reason(rule_text("  sel:\n    User|expand: '%nobody%'\n  condition: sel\n"));
  assert_string_equal(r, "undefined placeholder %nobody%");
}

static void test_time_modifiers(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    UtcTime|hour|gte: 22\n  condition: sel\n");
  assert_int_equal(fires(s, "UtcTime", "2024-03-01 23:05:00.000", NULL), 1);
  assert_int_equal(fires(s, "UtcTime", "2024-03-01 10:05:00.000", NULL), 0);
  ash_sigma_close(s);
  s = load("  sel:\n    UtcTime|month: 3\n    UtcTime|week: 9\n  condition: sel\n");
  assert_int_equal(fires(s, "UtcTime", "2024-03-01 10:05:00.000", NULL), 1);
  assert_int_equal(fires(s, "UtcTime", "2024-04-01 10:05:00.000", NULL), 0);
  ash_sigma_close(s);
}

static void test_keywords(void **st) {
  (void)st;
  ash_sigma *s =
      load("  keywords:\n    - 'mimikatz'\n    - 'sekurlsa::*'\n  condition: keywords\n");
  assert_int_equal(fires(s, "CommandLine", "run Mimikatz.exe now", NULL), 1);
  assert_int_equal(fires(s, "Other", "x sekurlsa::logonpasswords", NULL), 1);
  assert_int_equal(fires(s, "CommandLine", "notepad", NULL), 0);
  ash_sigma_close(s);
}

static void test_conditions(void **st) {
  (void)st;
  const char *sels =
      "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  _c:\n    C: 1\n  filter:\n    F: 1\n";
  char det[1024];
  struct {
    const char *cond;
    int a, b, c, f, want;
  } cases[] = {
      {"sel_a and not filter", 1, 0, 0, 0, 1},
      {"sel_a and not filter", 1, 0, 0, 1, 0},
      {"sel_a or sel_b and filter", 1, 0, 0, 0, 1}, /* and binds tighter */
      {"(sel_a or sel_b) and filter", 1, 0, 0, 0, 0},
      {"1 of sel_*", 0, 1, 0, 0, 1},
      {"any of sel_*", 0, 0, 0, 0, 0},
      {"all of sel_*", 1, 0, 0, 0, 0},
      {"all of sel_*", 1, 1, 0, 0, 1},
      {"1 of them", 0, 0, 1, 0, 0}, /* them leaves out _c */
      {"1 of them", 0, 0, 0, 1, 1},
      {"all of them", 1, 1, 0, 1, 1},
      {"not 1 of sel_* and _c", 0, 0, 1, 0, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(det, sizeof det, "%s  condition: %s\n", sels, cases[i].cond);
    ash_sigma *s = load(det);
    int n = fires(s, "A", cases[i].a ? "1" : "0", "B", cases[i].b ? "1" : "0", "C",
                  cases[i].c ? "1" : "0", "F", cases[i].f ? "1" : "0", NULL);
    if (n != cases[i].want) fprintf(stderr, "condition '%s'\n", cases[i].cond);
    assert_int_equal(n, cases[i].want);
    ash_sigma_close(s);
  }
  /* a list of conditions: any of them */
  snprintf(det, sizeof det, "%s  condition:\n    - sel_a\n    - sel_b\n", sels);
  ash_sigma *s = load(det);
  assert_int_equal(fires(s, "B", "1", NULL), 1);
  assert_int_equal(fires(s, "C", "1", NULL), 0);
  ash_sigma_close(s);
}

static void test_rejections_name_their_reason(void **st) {
  (void)st;
  assert_string_equal(reject_reason(rule_text("  sel:\n    A|frobnicate: 1\n  condition: sel\n")),
                      "unsupported modifier frobnicate");
  assert_string_equal(
      reject_reason("title: t\nlogsource:\n  product: linux\n  category: process_creation\n"
                    "detection:\n  sel:\n    A: 1\n  condition: sel\n"),
      "unmapped logsource linux/process_creation");
  const char *r = reject_reason("title: t\nlogsource:\n  product: windows\n  service: security\n"
                                "detection:\n  sel: [a\n  condition: sel\n");
  assert_non_null(strstr(r, "YAML error at line"));
  assert_string_equal(
      reject_reason(rule_text("  sel:\n    A: 1\n  condition: sel | count() > 5\n")),
      "aggregation in condition (Sigma 1 syntax, use a correlation)");
  assert_string_equal(reject_reason(rule_text("  sel:\n    A: 1\n  condition: nosuch\n")),
                      "condition names unknown selection 'nosuch'");
}

/* process_creation takes Security 4688 too, under the Sysmon names. */
static void test_4688_seen_as_process_creation(void **st) {
  (void)st;
  ash_sigma *s =
      load("  sel:\n    Image|endswith: '\\vssadmin.exe'\n    ParentImage|endswith: '\\cmd.exe'\n"
           "    IntegrityLevel: High\n    User: 'CORP\\bob'\n    ProcessId: 420\n"
           "  condition: sel\n");
  ash_kv kv[] = {
      {ASH_STR_LIT("NewProcessName"), ASH_STR_LIT("C:\\Windows\\System32\\vssadmin.exe")},
      {ASH_STR_LIT("ParentProcessName"), ASH_STR_LIT("C:\\Windows\\System32\\cmd.exe")},
      {ASH_STR_LIT("MandatoryLabel"), ASH_STR_LIT("S-1-16-12288")},
      {ASH_STR_LIT("SubjectUserName"), ASH_STR_LIT("bob")},
      {ASH_STR_LIT("SubjectDomainName"), ASH_STR_LIT("CORP")},
      {ASH_STR_LIT("NewProcessId"), ASH_STR_LIT("0x00000000000001a4")},
      {ASH_STR_LIT("ProcessId"), ASH_STR_LIT("0x10")},
  };
  ash_event ev;
  ash_event_init(&ev);
  ev.event_id = 4688;
  ev.channel = ash_str_cstr("Security");
  ev.attrs = kv;
  ev.nattrs = sizeof kv / sizeof kv[0];
  ash_sigma_doc *d;
  assert_int_equal(ash_sigma_doc_open(&d, s), ASH_OK);
  assert_int_equal(ash_sigma_doc_from_event(d, &ev, NULL), ASH_OK);
  int n = 0;
  assert_int_equal(ash_sigma_match(s, d, count_cb, &n), ASH_OK);
  assert_int_equal(n, 1);
  /* the same data in another channel is not a process creation */
  ev.channel = ash_str_cstr("System");
  assert_int_equal(ash_sigma_doc_from_event(d, &ev, NULL), ASH_OK);
  n = 0;
  assert_int_equal(ash_sigma_match(s, d, count_cb, &n), ASH_OK);
  assert_int_equal(n, 0);
  ash_sigma_doc_close(d);
  ash_sigma_close(s);
}

/* The attrs object of a stored event reads as jansson reads it, on the
 * fast path (plain strings, escapes) and on the texts it leaves to jansson
 * (a raw UTF-8 byte, a number, text after the object: an error); a
 * repeated key keeps its first place and takes its last value, as in
 * jansson. */
static int attrs_fire(ash_sigma *s, const char *json, int *rc) {
  ash_event ev;
  ash_event_init(&ev);
  ev.event_id = 1;
  ev.channel = ash_str_cstr("Microsoft-Windows-Sysmon/Operational");
  ash_sigma_doc *d;
  assert_int_equal(ash_sigma_doc_open(&d, s), ASH_OK);
  int n = 0;
  *rc = ash_sigma_doc_from_event(d, &ev, json);
  if (!*rc) assert_int_equal(ash_sigma_match(s, d, count_cb, &n), ASH_OK);
  ash_sigma_doc_close(d);
  return n;
}

static void test_attrs_json_read_as_jansson_reads_it(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    CommandLine: 'C:\\x \"q\" \xc3\xa9/\t'\n  condition: sel\n");
  int rc;
  assert_int_equal(attrs_fire(s, "{\"CommandLine\":\"C:\\\\x \\\"q\\\" \\u00e9\\/\\t\"}", &rc), 1);
  assert_int_equal(rc, ASH_OK);
  assert_int_equal(
      attrs_fire(s, " { \"A\" : \"b\" ,\n\"CommandLine\":\"C:\\\\x \\\"q\\\" \xc3\xa9/\\t\" } ",
                 &rc),
      1);
  assert_int_equal(
      attrs_fire(s, "{\"CommandLine\":\"no\",\"CommandLine\":\"C:\\\\x \\\"q\\\" \\u00E9/\\t\"}",
                 &rc),
      1);
  assert_int_equal(
      attrs_fire(s, "{\"CommandLine\":\"C:\\\\x \\\"q\\\" \\u00e9/\\t\",\"CommandLine\":\"no\"}",
                 &rc),
      0);
  assert_int_equal(rc, ASH_OK);
  assert_int_equal(
      attrs_fire(s, "{\"N\":5,\"CommandLine\":\"C:\\\\x \\\"q\\\" \\u00e9/\\t\"}", &rc), 1);
  assert_int_equal(attrs_fire(s, "{}", &rc), 0);
  assert_int_equal(rc, ASH_OK);
  attrs_fire(s, "{\"CommandLine\":\"C:\"} x", &rc);
  assert_int_equal(rc, ASH_EFORMAT);
  attrs_fire(s, "{\"CommandLine\":\"\xff\"}", &rc);
  assert_int_equal(rc, ASH_EFORMAT);
  attrs_fire(s, "[\"CommandLine\"]", &rc);
  assert_int_equal(rc, ASH_EFORMAT);
  ash_sigma_close(s);
  /* the repeated key's place decides which of "Threat Name" and
   * "ThreatName" comes first, and so which value ThreatName has */
  s = load("  sel:\n    ThreatName: c\n  condition: sel\n");
  const char *rep = "{\"Threat Name\":\"a\",\"ThreatName\":\"b\",\"Threat Name\":\"c\"}";
  assert_int_equal(attrs_fire(s, rep, &rc), 1);
  const char *rep8 = "{\"Threat Name\":\"\xc3\xa9\",\"ThreatName\":\"b\",\"Threat Name\":\"c\"}";
  assert_int_equal(attrs_fire(s, rep8, &rc), 1);
  ash_sigma_close(s);
}

/* The literal prefilter (eval.c) skips only rules that cannot match: with
 * enough rules for the process_creation buckets to scan, a rule still
 * fires on a cased value, on a value of the 4688 overlay, through windash,
 * with all, with a part that needs no literal, and keywords. */
static void test_literal_prefilter_never_skips_a_match(void **st) {
  (void)st;
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  char t[2048];
  for (int i = 0; i < 40; i++) {
    snprintf(t, sizeof t,
             "title: filler %d\nlogsource:\n  product: windows\n  category: process_creation\n"
             "detection:\n  sel:\n    CommandLine|contains: ['filler%02d-a', 'filler%02d-b']\n"
             "  condition: sel\n",
             i, i, i);
    assert_int_equal(ash_sigma_load(s, (const uint8_t *)t, strlen(t), "f.yml"), ASH_OK);
  }
  static const char *det[] = {
      "  sel:\n    Image|endswith|cased: '\\WinWord.EXE'\n  condition: sel\n",
      "  sel:\n    User: 'CORP\\bob'\n  condition: sel\n",
      "  sel:\n    CommandLine|windash|contains: ' -encodedcommand '\n  condition: sel\n",
      "  sel:\n    CommandLine|contains|all: ['alpha', 'omega']\n  condition: sel\n",
      ("  sel:\n    CommandLine|contains: 'gamma'\n  f:\n    User|re: '^CORP'\n"
       "  condition: sel or not f\n"),
      "  kw:\n    - 'delta-keyword'\n  condition: kw\n",
  };
  size_t ndet = sizeof det / sizeof det[0];
  for (size_t i = 0; i < ndet; i++) {
    snprintf(t, sizeof t,
             "title: target %zu\nlogsource:\n  product: windows\n  category: process_creation\n"
             "detection:\n%s",
             i, det[i]);
    assert_int_equal(ash_sigma_load(s, (const uint8_t *)t, strlen(t), "t.yml"), ASH_OK);
  }
  assert_int_equal(ash_sigma_reject_count(s), 0);
  /* one event per target rule: which rules fire, as a bit set */
  static const char *img[] = {"C:\\Office\\WinWord.EXE",
                              "C:\\x\\a.exe",
                              "C:\\x\\a.exe",
                              "C:\\x\\a.exe",
                              "C:\\x\\a.exe",
                              "C:\\x\\a.exe"};
  static const char *cli[] = {
      "winword", "vssadmin delete shadows", "powershell /EncodedCommand AAA", "omega then alpha",
      "nothing", "x DELTA-KEYWORD y"};
  for (size_t i = 0; i < ndet; i++) {
    ash_kv kv[4];
    size_t nkv = 0;
    ash_event ev;
    ash_event_init(&ev);
    if (i == 1) {
      /* only the overlay (User from the two Subject names) holds it */
      ev.event_id = 4688;
      ev.channel = ash_str_cstr("Security");
      kv[nkv++] = (ash_kv){ASH_STR_LIT("SubjectUserName"), ASH_STR_LIT("bob")};
      kv[nkv++] = (ash_kv){ASH_STR_LIT("SubjectDomainName"), ASH_STR_LIT("CORP")};
    } else {
      ev.event_id = 1;
      ev.channel = ash_str_cstr("Microsoft-Windows-Sysmon/Operational");
      kv[nkv++] = (ash_kv){ASH_STR_LIT("Image"), ash_str_cstr(img[i])};
      kv[nkv++] = (ash_kv){ASH_STR_LIT("User"), ASH_STR_LIT("OTHER\\u")};
    }
    kv[nkv++] = (ash_kv){ASH_STR_LIT("CommandLine"), ash_str_cstr(cli[i])};
    ev.attrs = kv;
    ev.nattrs = nkv;
    ash_sigma_doc *d;
    assert_int_equal(ash_sigma_doc_open(&d, s), ASH_OK);
    assert_int_equal(ash_sigma_doc_from_event(d, &ev, NULL), ASH_OK);
    uint64_t hit = 0;
    assert_int_equal(ash_sigma_match(s, d, bits_cb, &hit), ASH_OK);
    ash_sigma_doc_close(d);
    /* target 4 fires on every event whose User is not CORP's; the others
     * on their own event only */
    uint64_t want = (1ull << i) | (i != 1 ? 1ull << 4 : 0);
    assert_int_equal(hit >> 40, want);
    assert_int_equal(hit & ((1ull << 40) - 1), 0);
  }
  ash_sigma_close(s);
}

/* EVTX stores HexInt64 padded; rules are written as Windows renders it. */
static void test_hex_values_compare_unpadded(void **st) {
  (void)st;
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  const char *t =
      "title: t\nlogsource:\n  product: windows\n  service: security\n"
      "detection:\n  sel:\n    EventID: 4624\n    TargetLogonId: '0x3e7'\n  condition: sel\n";
  assert_int_equal(ash_sigma_load(s, (const uint8_t *)t, strlen(t), "t.yml"), ASH_OK);
  assert_int_equal(ash_sigma_count(s), 1);
  ash_sigma_doc *d;
  assert_int_equal(ash_sigma_doc_open(&d, s), ASH_OK);
  ash_sigma_doc_reset(d, 4624, ash_str_cstr("Security"), ASH_STR_NULL, 0);
  assert_int_equal(ash_sigma_doc_add(d, ash_str_cstr("EventID"), ash_str_cstr("4624")), ASH_OK);
  assert_int_equal(
      ash_sigma_doc_add(d, ash_str_cstr("TargetLogonId"), ash_str_cstr("0x00000000000003E7")),
      ASH_OK);
  int n = 0;
  assert_int_equal(ash_sigma_match(s, d, count_cb, &n), ASH_OK);
  assert_int_equal(n, 1);
  ash_sigma_doc_close(d);
  ash_sigma_close(s);
}

static void test_rule_info_and_tags(void **st) {
  (void)st;
  ash_sigma *s = load("  sel:\n    A: 1\n  condition: sel\n");
  const ash_sigma_rule_info *r = ash_sigma_rule(s, 0);
  assert_string_equal(r->id, "11111111-2222-3333-4444-555555555555");
  assert_int_equal(r->level, ASH_SIGMA_HIGH);
  assert_int_equal(r->ntags, 2);
  assert_string_equal(r->tags[1], "attack.t1059.001");
  assert_string_equal(r->logsource, "windows/process_creation");
  ash_sigma_close(s);
}

/* The built-in pack (the lolbin hunt) loads whole: the hunt refuses to run
 * a pack with a rule missing. */
static void test_builtin_pack_loads_every_rule(void **st) {
  (void)st;
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  size_t n = 0;
  for (; ash_sigma_pack[n].name; n++)
    assert_int_equal(
        ash_sigma_load(s, ash_sigma_pack[n].p, ash_sigma_pack[n].n, ash_sigma_pack[n].name),
        ASH_OK);
  for (size_t i = 0; i < ash_sigma_reject_count(s); i++)
    fprintf(stderr, "%s: %s\n", ash_sigma_reject_at(s, i)->path, ash_sigma_reject_at(s, i)->reason);
  assert_int_equal(ash_sigma_reject_count(s), 0);
  assert_true(n >= 12);
  assert_int_equal(ash_sigma_prepare(s), ASH_OK);
  assert_int_equal(ash_sigma_reject_count(s), 0); /* correlations resolved */
  assert_true(ash_sigma_count(s) >= n);
  ash_sigma_close(s);
}

/* ---- correlations: a stream of events through the internal feed ---- */

typedef struct cst {
  ash_sigma *s;
  ash_sigma_doc *d;
  ash_sigma_corr_state *c;
  int64_t ts;
  int fired[64];
} cst;

static int c_fire(void *u, size_t j) {
  cst *c = u;
  if (j < 64) c->fired[j]++;
  return 0;
}

static int c_hit(void *u, size_t i) {
  cst *c = u;
  if (!c->s->r[i].nfeeds) return 0;
  return ash_sigma_corr_feed(c->c, c->d, i, c->ts, c_fire, c);
}

static ash_sigma *load_all(const char *text) {
  ash_sigma *s;
  assert_int_equal(ash_sigma_open(&s), ASH_OK);
  assert_int_equal(ash_sigma_load(s, (const uint8_t *)text, strlen(text), "c.yml"), ASH_OK);
  assert_int_equal(ash_sigma_prepare(s), ASH_OK);
  for (size_t i = 0; i < ash_sigma_reject_count(s); i++)
    fprintf(stderr, "rejected: %s\n", ash_sigma_reject_at(s, i)->reason);
  return s;
}

/* Events "ts_seconds name=value name=value" through the rules; returns
 * how often correlation rule index j fired. */
static int stream(ash_sigma *s, size_t j, const char *const *events) {
  cst c;
  memset(&c, 0, sizeof c);
  c.s = s;
  assert_int_equal(ash_sigma_doc_open(&c.d, s), ASH_OK);
  assert_int_equal(ash_sigma_corr_open(&c.c, s), ASH_OK);
  for (const char *const *e = events; *e; e++) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", *e);
    char *save = NULL, *tok = strtok_r(buf, " ", &save);
    c.ts = strtoll(tok, NULL, 10) * 1000000;
    ash_sigma_doc_reset(c.d, 4625, ash_str_cstr("Security"), ASH_STR_NULL, c.ts);
    assert_int_equal(ash_sigma_doc_add(c.d, ash_str_cstr("EventID"), ash_str_cstr("4625")), ASH_OK);
    while ((tok = strtok_r(NULL, " ", &save))) {
      char *eq = strchr(tok, '=');
      *eq = 0;
      assert_int_equal(ash_sigma_doc_add(c.d, ash_str_cstr(tok), ash_str_cstr(eq + 1)), ASH_OK);
    }
    assert_int_equal(ash_sigma_match(s, c.d, c_hit, &c), ASH_OK);
  }
  ash_sigma_corr_close(c.c);
  ash_sigma_doc_close(c.d);
  return j < 64 ? c.fired[j] : 0;
}

#define BASE(name, cond)                                                                           \
  "title: " name "\nname: " name "\nlogsource:\n  product: windows\n  service: security\n"         \
  "detection:\n  sel:\n    EventID: 4625\n    " cond "\n  condition: sel\n---\n"

static void test_correlation_event_count(void **st) {
  (void)st;
  ash_sigma *s = load_all(BASE(
      "failed",
      "Kind: fail") "title: many\ncorrelation:\n  type: event_count\n  rules: [failed]\n"
                    "  group-by: [TargetUserName]\n  timespan: 10s\n  condition:\n    gte: 3\n");
  assert_int_equal(ash_sigma_count(s), 2);
  const char *three_in_window[] = {
      "1 Kind=fail TargetUserName=bob", "2 Kind=fail TargetUserName=bob",
      "3 Kind=fail TargetUserName=alice", "4 Kind=fail TargetUserName=bob", NULL};
  assert_int_equal(stream(s, 1, three_in_window), 1);
  const char *spread_out[] = {"1 Kind=fail TargetUserName=bob", "12 Kind=fail TargetUserName=bob",
                              "23 Kind=fail TargetUserName=bob", NULL};
  assert_int_equal(stream(s, 1, spread_out), 0);
  const char *by_user[] = {"1 Kind=fail TargetUserName=bob", "2 Kind=fail TargetUserName=alice",
                           "3 Kind=fail TargetUserName=carol", NULL};
  assert_int_equal(stream(s, 1, by_user), 0);
  ash_sigma_close(s);
}

static void test_correlation_value_count(void **st) {
  (void)st;
  ash_sigma *s = load_all(BASE(
      "failed", "Kind: fail") "title: spray\ncorrelation:\n  type: value_count\n  rules: [failed]\n"
                              "  group-by: [IpAddress]\n  timespan: 1m\n  condition:\n    field: "
                              "TargetUserName\n"
                              "    gte: 3\n");
  const char *same_user[] = {"1 Kind=fail IpAddress=1.2.3.4 TargetUserName=bob",
                             "2 Kind=fail IpAddress=1.2.3.4 TargetUserName=bob",
                             "3 Kind=fail IpAddress=1.2.3.4 TargetUserName=bob", NULL};
  assert_int_equal(stream(s, 1, same_user), 0);
  const char *three_users[] = {"1 Kind=fail IpAddress=1.2.3.4 TargetUserName=bob",
                               "2 Kind=fail IpAddress=1.2.3.4 TargetUserName=BOB",
                               "3 Kind=fail IpAddress=1.2.3.4 TargetUserName=alice",
                               "4 Kind=fail IpAddress=1.2.3.4 TargetUserName=carol", NULL};
  assert_int_equal(stream(s, 1, three_users), 1);
  ash_sigma_close(s);
}

static void test_correlation_temporal_and_ordered(void **st) {
  (void)st;
  const char *rules = BASE("a", "Kind: a") BASE("b", "Kind: b");
  char text[2048];
  snprintf(text, sizeof text,
           "%stitle: both\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [Host]\n"
           "  timespan: 5m\n---\ntitle: a then b\ncorrelation:\n  type: temporal_ordered\n"
           "  rules: [a, b]\n  group-by: [Host]\n  timespan: 5m\n",
           rules);
  ash_sigma *s = load_all(text);
  assert_int_equal(ash_sigma_count(s), 4);
  const char *b_then_a[] = {"1 Kind=b Host=h1", "2 Kind=a Host=h1", NULL};
  assert_int_equal(stream(s, 2, b_then_a), 1); /* temporal: any order */
  assert_int_equal(stream(s, 3, b_then_a), 0); /* ordered: a must come first */
  const char *a_then_b[] = {"1 Kind=a Host=h1", "2 Kind=b Host=h1", NULL};
  assert_int_equal(stream(s, 3, a_then_b), 1);
  const char *other_host[] = {"1 Kind=a Host=h1", "2 Kind=b Host=h2", NULL};
  assert_int_equal(stream(s, 2, other_host), 0);
  ash_sigma_close(s);
}

static void test_correlation_aliases_sum_avg_and_chains(void **st) {
  (void)st;
  /* aliases: the same address as the source of one rule and the target of
   * another */
  ash_sigma *s = load_all(BASE("out", "Kind: out") BASE(
      "in", "Kind: in") "title: pair\ncorrelation:\n  type: temporal\n  rules: [out, in]\n"
                        "  group-by: [ip]\n  timespan: 10s\n  aliases:\n    ip:\n      out: SrcIp\n"
                        "      in: DstIp\n");
  const char *paired[] = {"1 Kind=out SrcIp=10.0.0.1", "2 Kind=in DstIp=10.0.0.1", NULL};
  assert_int_equal(stream(s, 2, paired), 1);
  const char *unpaired[] = {"1 Kind=out SrcIp=10.0.0.1", "2 Kind=in DstIp=10.0.0.2", NULL};
  assert_int_equal(stream(s, 2, unpaired), 0);
  ash_sigma_close(s);
  s = load_all(
      BASE("xfer", "Kind: x") "title: big\ncorrelation:\n  type: value_sum\n  rules: [xfer]\n  "
                              "group-by: [User]\n"
                              "  timespan: 1h\n  condition:\n    field: Bytes\n    gt: 1000\n---\n"
                              "title: avg\ncorrelation:\n  type: value_avg\n  rules: [xfer]\n  "
                              "group-by: [User]\n"
                              "  timespan: 1h\n  condition:\n    field: Bytes\n    gte: 600\n");
  const char *sum[] = {"1 Kind=x User=u Bytes=400", "2 Kind=x User=u Bytes=700", NULL};
  assert_int_equal(stream(s, 1, sum), 1);
  assert_int_equal(stream(s, 2, sum), 0); /* avg 400 after the first, 550 after both */
  ash_sigma_close(s);
  /* a correlation of a correlation, and generate: the base rule stays
   * silent unless asked */
  s = load_all(BASE(
      "f", "Kind: f") "title: burst\nname: burst\ncorrelation:\n  type: event_count\n  rules: [f]\n"
                      "  group-by: [U]\n  timespan: 10s\n  condition:\n    gte: 2\n---\n"
                      "title: bursts\ncorrelation:\n  type: event_count\n  rules: [burst]\n  "
                      "group-by: [U]\n"
                      "  timespan: 1m\n  condition:\n    gte: 2\n");
  assert_int_equal(s->r[0].suppressed, 1);
  const char *four[] = {"1 Kind=f U=a", "2 Kind=f U=a", "3 Kind=f U=a", "4 Kind=f U=a", NULL};
  assert_int_equal(stream(s, 2, four), 1);
  ash_sigma_close(s);
}

static void test_correlation_rejections(void **st) {
  (void)st;
  ash_sigma *s = load_all("title: c\ncorrelation:\n  type: event_count\n  rules: [nowhere]\n"
                          "  group-by: [U]\n  timespan: 1m\n  condition:\n    gte: 2\n");
  assert_int_equal(ash_sigma_count(s), 0);
  assert_string_equal(ash_sigma_reject_at(s, 0)->reason,
                      "correlation names rule 'nowhere', which is not loaded");
  ash_sigma_close(s);
  s = load_all(BASE("f", "Kind: f") "title: c\ncorrelation:\n  type: event_count\n  rules: [f]\n"
                                    "  group-by: [U]\n  timespan: 1m\n  condition:\n    lt: 2\n");
  assert_int_equal(ash_sigma_count(s), 1);
  assert_non_null(strstr(ash_sigma_reject_at(s, 0)->reason, "lower bound"));
  ash_sigma_close(s);
}

/* Two trees are the same: types, lines, plain flags, texts, children. */
static int same_tree(const ynode *a, const ynode *b) {
  if (a->type != b->type || a->line != b->line || a->plain != b->plain || a->n != b->n) return 0;
  if (a->type == Y_SCALAR) return !memcmp(a->s, b->s, a->n) && !a->s[a->n] && !b->s[b->n];
  size_t k = a->type == Y_MAP ? 2 * a->n : a->n;
  for (size_t i = 0; i < k; i++)
    if (!same_tree(a->kids[i], b->kids[i])) return 0;
  return 1;
}

/* The cache of parsed rule files keeps the tree as parsed (ycache.c):
 * packing and unpacking gives the same documents, and packed bytes that
 * were cut or altered are refused or give some well-formed tree, never a
 * read past them. */
static void test_yaml_pack_round_trip(void **st) {
  (void)st;
  static const char text[] = "title: 'quoted: x'\nid: 1\nempty:\nlist: [a, \"b\", ~]\n"
                             "detection:\n  sel:\n    - Image|endswith: '\\\\x.exe'\n"
                             "      CommandLine: null\n  condition: sel\n"
                             "---\nsecond: {k: v}\nnested: [[1, 2], {a: []}]\n";
  ynode **docs;
  size_t nd;
  void *parsed;
  char err[200];
  assert_int_equal(
      ash_yaml_parse((const uint8_t *)text, sizeof text - 1, &docs, &nd, &parsed, err, sizeof err),
      ASH_OK);
  assert_int_equal(nd, 2);
  ash_buf b;
  ash_buf_init(&b, 1u << 20);
  assert_int_equal(ash_yaml_pack(docs, nd, &b), ASH_OK);
  ynode **u;
  size_t nu;
  void *arena;
  assert_int_equal(ash_yaml_unpack((const uint8_t *)b.p, b.n, &u, &nu, &arena), ASH_OK);
  assert_int_equal(nu, nd);
  for (size_t i = 0; i < nd; i++) assert_true(same_tree(docs[i], u[i]));
  ash_yaml_arena_free(arena);
  /* every cut: refused (the lengths no longer add up) */
  for (size_t cut = 0; cut < b.n; cut++) {
    assert_int_equal(ash_yaml_unpack((const uint8_t *)b.p, cut, &u, &nu, &arena), ASH_EFORMAT);
    assert_null(arena);
  }
  /* every byte altered: refused, or a tree that frees cleanly */
  uint8_t *c = malloc(b.n);
  assert_non_null(c);
  for (size_t i = 0; i < b.n; i++) {
    memcpy(c, b.p, b.n);
    c[i] ^= 0xa5;
    int rc = ash_yaml_unpack(c, b.n, &u, &nu, &arena);
    assert_true(rc == ASH_OK || rc == ASH_EFORMAT);
    ash_yaml_arena_free(arena);
  }
  free(c);
  ash_buf_free(&b);
  ash_yaml_arena_free(parsed);
}

/* The parse's arena: scalars bigger than one of its blocks, and a map's
 * children gathered past the scratch's first sizes, come back whole and
 * in order; a YAML error leaves nothing to free. */
static void test_yaml_arena(void **st) {
  (void)st;
  ash_buf t;
  ash_buf_init(&t, 4u << 20);
  assert_int_equal(ash_buf_add(&t, "big: ", 5), ASH_OK);
  for (int i = 0; i < 200000; i++) assert_int_equal(ash_buf_add(&t, i % 2 ? "b" : "a", 1), ASH_OK);
  assert_int_equal(ash_buf_add(&t, "\n", 1), ASH_OK);
  for (int i = 0; i < 3000; i++) {
    char line[64];
    int n = snprintf(line, sizeof line, "k%d: [v%d, w]\n", i, i);
    assert_int_equal(ash_buf_add(&t, line, (size_t)n), ASH_OK);
  }
  ynode **docs;
  size_t nd;
  void *arena;
  char err[200];
  assert_int_equal(ash_yaml_parse((const uint8_t *)t.p, t.n, &docs, &nd, &arena, err, sizeof err),
                   ASH_OK);
  assert_int_equal(nd, 1);
  assert_int_equal(docs[0]->type, Y_MAP);
  assert_int_equal(docs[0]->n, 3001);
  const ynode *big = ash_yaml_get(docs[0], "big");
  assert_non_null(big);
  assert_int_equal(big->n, 200000);
  assert_int_equal(big->s[0], 'a');
  assert_int_equal(big->s[199999], 'b');
  assert_int_equal(big->s[200000], 0);
  const ynode *last = ash_yaml_get(docs[0], "k2999");
  assert_non_null(last);
  assert_int_equal(last->type, Y_SEQ);
  assert_int_equal(last->n, 2);
  assert_string_equal(last->kids[0]->s, "v2999");
  ash_yaml_arena_free(arena);
  ash_buf_free(&t);
  static const char bad[] = "a: [1, 2\nb: {";
  assert_int_equal(
      ash_yaml_parse((const uint8_t *)bad, sizeof bad - 1, &docs, &nd, &arena, err, sizeof err),
      ASH_EFORMAT);
  assert_null(arena);
  assert_null(docs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_is_and_list_is_or),
      cmocka_unit_test(test_case_insensitive_by_default_and_cased),
      cmocka_unit_test(test_wildcards_and_escapes),
      cmocka_unit_test(test_contains_startswith_endswith_all),
      cmocka_unit_test(test_null_and_exists),
      cmocka_unit_test(test_neq),
      cmocka_unit_test(test_windash),
      cmocka_unit_test(test_re_and_its_flags),
      cmocka_unit_test(test_base64_and_base64offset),
      cmocka_unit_test(test_utf16_then_base64),
      cmocka_unit_test(test_numeric_compare),
      cmocka_unit_test(test_cidr_ipv4_and_ipv6),
      cmocka_unit_test(test_fieldref),
      cmocka_unit_test(test_expand_defined_and_undefined),
      cmocka_unit_test(test_time_modifiers),
      cmocka_unit_test(test_keywords),
      cmocka_unit_test(test_conditions),
      cmocka_unit_test(test_rejections_name_their_reason),
      cmocka_unit_test(test_4688_seen_as_process_creation),
      cmocka_unit_test(test_hex_values_compare_unpadded),
      cmocka_unit_test(test_attrs_json_read_as_jansson_reads_it),
      cmocka_unit_test(test_literal_prefilter_never_skips_a_match),
      cmocka_unit_test(test_rule_info_and_tags),
      cmocka_unit_test(test_builtin_pack_loads_every_rule),
      cmocka_unit_test(test_correlation_event_count),
      cmocka_unit_test(test_correlation_value_count),
      cmocka_unit_test(test_correlation_temporal_and_ordered),
      cmocka_unit_test(test_correlation_aliases_sum_avg_and_chains),
      cmocka_unit_test(test_correlation_rejections),
      cmocka_unit_test(test_yaml_pack_round_trip),
      cmocka_unit_test(test_yaml_arena),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
