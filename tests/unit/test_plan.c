/* Unit tests of the plan and the exports: the message catalogue has every
 * sentence in both languages, UUIDv5 is RFC 4122's, firewall lines cannot
 * be injected from log text, the plan's order, and the exports' escaping
 * and stable ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/export.h"
#include "ashiato/finding.h"
#include "ashiato/plan.h"
#include "ashiato/store.h"
#include "ashiato/watchlist.h"

/* Findings whose entities carry what an attacker can put in a log: a
 * user name at a VPN login, a file name, a broken address. */
static const char *const HOSTILE_LINK =
    "{\"id\":\"past-incident-link-00000000000000a1\",\"hunt\":\"past-incident-link\","
    "\"score\":95,\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\","
    "\"attack\":[\"T1078\",\"T1133\"],\"entities\":{\"accounts\":[\"y.nishimura\","
    "\"evil\\\"\\nconfig system admin\\nedit x\",\"a b\"],\"hosts\":[\"db01\"],"
    "\"ips\":[\"198.51.100.145\",\"1.2.3.4\\nset x\",\"10.212.134.106\",\"2001:db8::5\"],"
    "\"files\":[]},"
    "\"first_seen\":\"2025-05-26T02:13:39Z\",\"last_seen\":\"2025-06-26T11:42:21Z\"}";
static const char *const TUNNEL =
    "{\"id\":\"cloud-tunnel-00000000000000a2\",\"hunt\":\"cloud-tunnel\",\"score\":100,"
    "\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[\"T1572\"],"
    "\"entities\":{\"accounts\":[],\"hosts\":[\"fs01\"],"
    "\"ips\":[\"10.10.1.11\",\"13.250.177.251\"],"
    "\"files\":[\"C:\\\\Temp\\\\=1+2'x,y.exe\"]},"
    "\"first_seen\":\"2025-06-26T13:20:22Z\",\"last_seen\":\"2025-06-29T19:29:47Z\","
    "\"details\":{\"sessions\":122,\"days_active\":5,\"longest_s\":22440,\"provider\":\"aws\","
    "\"region\":\"ap-southeast-1\",\"service\":\"EC2\",\"port\":443}}";

static ash_watchlist *hostile_watchlist(void) {
  ash_watchlist *w;
  assert_int_equal(ash_watchlist_open(&w), 0);
  const char *all[] = {HOSTILE_LINK, TUNNEL};
  for (size_t i = 0; i < 2; i++) {
    ash_finding f;
    assert_int_equal(ash_finding_from_json(&f, all[i], strlen(all[i])), 0);
    assert_int_equal(ash_watchlist_add_finding(w, &f), 0);
    ash_finding_free(&f);
  }
  assert_int_equal(ash_watchlist_finish(w), 0);
  return w;
}

static void test_every_message_has_both_languages_and_the_same_placeholders(void **st) {
  (void)st;
  size_t n = 0;
  for (const char *id; (id = ash_plan_msg_id(n)); n++) {
    const char *args[9] = {"\x01", "\x02", "\x03", "\x04", "\x05", "\x06", "\x07", "\x08", "\x0e"};
    ash_buf en, ja;
    ash_buf_init(&en, 1 << 16);
    ash_buf_init(&ja, 1 << 16);
    assert_int_equal(ash_plan_msg(ASH_LANG_EN, id, args, 9, &en), 0);
    assert_int_equal(ash_plan_msg(ASH_LANG_JA, id, args, 9, &ja), 0);
    /* the same arguments appear in both */
    for (int k = 0; k < 9; k++)
      assert_int_equal(en.p && strchr(en.p, args[k][0]) != NULL,
                       ja.p && strchr(ja.p, args[k][0]) != NULL);
    /* real Japanese, not English copied: most messages have a non-ASCII
     * byte; the few that are only a placeholder or a word are skipped */
    int ascii = 1;
    for (size_t i = 0; ja.p && i < ja.n; i++) ascii &= (unsigned char)ja.p[i] < 0x80;
    if (en.n > 12) assert_false(ascii);
    ash_buf_free(&en);
    ash_buf_free(&ja);
  }
  assert_true(n > 30);
  ash_buf b;
  ash_buf_init(&b, 64);
  assert_int_equal(ash_plan_msg(ASH_LANG_EN, "no-such-message", NULL, 0, &b), ASH_ENOTFOUND);
  ash_buf_free(&b);
  assert_string_equal(ash_plan_phase_title(ASH_LANG_JA, ASH_PHASE_RESTORE), "4. 復旧");
}

static void test_message_arguments_are_never_templates(void **st) {
  (void)st;
  /* a value holding "{1}" stays as it is: it is not expanded again */
  const char *args[] = {"{2}{1}%s%n", "x"};
  ash_buf b;
  ash_buf_init(&b, 4096);
  assert_int_equal(ash_plan_msg(ASH_LANG_EN, "isolate_hosts", args, 2, &b), 0);
  assert_non_null(strstr(b.p, "{2}{1}%s%n"));
  ash_buf_free(&b);
}

static void test_uuid5_is_rfc4122(void **st) {
  (void)st;
  /* uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") */
  static const unsigned char dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                        0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  char u[37];
  assert_int_equal(ash_uuid5(dns, "python.org", 10, u), 0);
  assert_string_equal(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

static void test_firewall_config_cannot_be_injected_from_log_text(void **st) {
  (void)st;
  ash_watchlist *w = hostile_watchlist();
  const ash_fw_vendor vs[] = {ASH_FW_FORTIGATE, ASH_FW_PANOS, ASH_FW_ASA, ASH_FW_IPTABLES};
  const char *keyword[] = {"config firewall address", "set address-group ashiato-block",
                           "object-group network ASHIATO-BLOCK", "table inet ashiato"};
  for (size_t i = 0; i < 4; i++) {
    ash_buf b, fw, dir;
    ash_buf_init(&b, 1 << 20);
    ash_buf_init(&fw, 1 << 20);
    ash_buf_init(&dir, 1 << 20);
    assert_int_equal(ash_fw_config(vs[i], w, &b), 0);
    assert_non_null(strstr(b.p, keyword[i]));
    assert_non_null(strstr(b.p, "13.250.177.251"));
    assert_non_null(strstr(b.p, "198.51.100.145"));
    assert_non_null(strstr(b.p, "2001:db8::5"));
    /* the broken address is left out, inside addresses are never blocked */
    assert_null(strstr(b.p, "set x"));
    assert_null(strstr(b.p, "1.2.3.4"));
    assert_null(strstr(b.p, "10.212.134.106"));
    assert_null(strstr(b.p, "10.10.1.11"));
    size_t refused = 9;
    assert_int_equal(ash_fw_user_config(vs[i], w, &fw, &dir, &refused), 0);
    assert_int_equal(refused, 2);
    assert_non_null(strstr(dir.p, "Disable-ADAccount -Identity 'y.nishimura'"));
    if (fw.p) assert_null(strstr(fw.p, "config system admin"));
    assert_null(strstr(dir.p, "config system admin"));
    assert_null(strstr(dir.p, "a b"));
    ash_buf_free(&b);
    ash_buf_free(&fw);
    ash_buf_free(&dir);
  }
  assert_int_equal(ash_fw_config(ASH_FW_AUTO, w, NULL), ASH_EUSAGE);
  assert_true(ash_fw_name_ok("t.sato"));
  assert_true(ash_fw_name_ok("svc_backup-2"));
  assert_false(ash_fw_name_ok("-x"));
  assert_false(ash_fw_name_ok("a\"b"));
  assert_false(ash_fw_name_ok("a;b"));
  assert_false(ash_fw_name_ok(""));
  ash_watchlist_close(w);
}

static void test_vendor_names(void **st) {
  (void)st;
  ash_fw_vendor v;
  assert_int_equal(ash_fw_vendor_parse("PANOS", &v), 0);
  assert_int_equal(v, ASH_FW_PANOS);
  assert_int_equal(ash_fw_vendor_parse("nftables", &v), 0);
  assert_int_equal(v, ASH_FW_IPTABLES);
  assert_int_not_equal(ash_fw_vendor_parse("checkpoint", &v), 0);
  ash_lang l;
  assert_int_equal(ash_lang_parse("ja", &l), 0);
  assert_int_equal(l, ASH_LANG_JA);
  assert_int_not_equal(ash_lang_parse("fr", &l), 0);
}

static ash_store *hostile_case(char *path) {
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  ash_store *s;
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_CREATE), 0);
  const char *all[] = {HOSTILE_LINK, TUNNEL};
  for (size_t i = 0; i < 2; i++) {
    ash_finding f;
    assert_int_equal(ash_finding_from_json(&f, all[i], strlen(all[i])), 0);
    assert_int_equal(ash_store_add_finding(s, &f), 0);
    ash_finding_free(&f);
  }
  return s;
}

static void test_plan_steps_in_order_and_as_json(void **st) {
  (void)st;
  char path[] = "/tmp/ash-plan-XXXXXX";
  ash_store *s = hostile_case(path);
  for (int lang = 0; lang < 2; lang++) {
    ash_plan_opts o = {(ash_lang)lang, ASH_FW_AUTO, NULL};
    ash_plan *p;
    assert_int_equal(ash_plan_build(s, &o, &p), 0);
    /* no firewall log in the case: the generic form */
    assert_int_equal(p->firewall, ASH_FW_IPTABLES);
    assert_false(p->firewall_detected);
    assert_true(p->nsteps >= 5);
    for (size_t i = 1; i < p->nsteps; i++) assert_true(p->steps[i - 1].phase <= p->steps[i].phase);
    assert_string_equal(p->steps[0].action, "block_addresses");
    assert_non_null(p->steps[0].config);
    assert_int_equal(p->steps[p->nsteps - 1].phase, ASH_PHASE_VERIFY);
    /* no domain controller in the case: krbtgt is said not to be needed */
    int krb = 0;
    for (size_t i = 0; i < p->nsteps; i++)
      krb |= !strcmp(p->steps[i].action, "krbtgt_not_required");
    assert_true(krb);
    ash_buf b;
    ash_buf_init(&b, 1 << 24);
    assert_int_equal(ash_plan_to_json(p, &b), 0);
    json_error_t e;
    json_t *j = json_loads(b.p, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "lang")), lang ? "ja" : "en");
    assert_string_equal(json_string_value(json_object_get(j, "cutoff")),
                        "2025-05-26T02:13:39.000000Z");
    json_decref(j);
    ash_buf_reset(&b);
    assert_int_equal(ash_plan_to_text(p, &b), 0);
    assert_non_null(strstr(b.p, lang ? "封じ込め" : "Contain"));
    ash_buf_free(&b);
    ash_plan_close(p);
  }
  ash_plan_close(NULL);
  ash_store_close(s);
  unlink(path);
}

static void test_exports_escape_log_text_and_keep_ids(void **st) {
  (void)st;
  char path[] = "/tmp/ash-export-XXXXXX";
  ash_store *s = hostile_case(path);
  ash_buf a, b;
  ash_buf_init(&a, 1 << 24);
  ash_buf_init(&b, 1 << 24);
  assert_int_equal(ash_export(s, ASH_EXPORT_STIX, &a), 0);
  assert_int_equal(ash_export(s, ASH_EXPORT_STIX, &b), 0);
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.p, b.p, a.n);
  json_error_t e;
  json_t *j = json_loads(a.p, 0, &e);
  assert_non_null(j);
  int found = 0;
  json_t *objs = json_object_get(j, "objects");
  for (size_t i = 0; i < json_array_size(objs); i++) {
    const char *pat = json_string_value(json_object_get(json_array_get(objs, i), "pattern"));
    /* the quote inside the file name is escaped for the pattern grammar */
    if (pat && strstr(pat, "[file:name = '=1+2\\'x,y.exe']")) found = 1;
  }
  assert_true(found);
  json_decref(j);
  ash_buf_reset(&a);
  assert_int_equal(ash_export(s, ASH_EXPORT_CSV, &a), 0);
  /* the formula is neutralised and the cell quoted */
  assert_non_null(strstr(a.p, "\r\nfilename,\"'=1+2'x,y.exe\","));
  assert_null(strstr(a.p, ",=1"));
  ash_buf_reset(&a);
  assert_int_equal(ash_export(s, ASH_EXPORT_MISP, &a), 0);
  j = json_loads(a.p, 0, &e);
  assert_non_null(j);
  json_t *attrs = json_object_get(json_object_get(j, "Event"), "Attribute");
  assert_true(json_array_size(attrs) >= 4);
  json_decref(j);
  ash_buf_free(&a);
  ash_buf_free(&b);
  ash_store_close(s);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest t[] = {
      cmocka_unit_test(test_every_message_has_both_languages_and_the_same_placeholders),
      cmocka_unit_test(test_message_arguments_are_never_templates),
      cmocka_unit_test(test_uuid5_is_rfc4122),
      cmocka_unit_test(test_firewall_config_cannot_be_injected_from_log_text),
      cmocka_unit_test(test_vendor_names),
      cmocka_unit_test(test_plan_steps_in_order_and_as_json),
      cmocka_unit_test(test_exports_escape_log_text_and_keep_ids),
  };
  return cmocka_run_group_tests(t, NULL, NULL);
}
