/* Unit tests of the watchlist: what it takes from each hunt's findings,
 * what it leaves out (low findings, the OS's own programs, machine
 * accounts), the linked account's new VPN sources, how long to watch, and
 * its JSON. */
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
#include "ashiato/finding.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "ashiato/watchlist.h"

/* Findings as the hunts write them (shortened from a generated case). */
static const char *const LINK =
    "{\"id\":\"past-incident-link-0000000000000001\",\"hunt\":\"past-incident-link\","
    "\"score\":100,\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\","
    "\"attack\":[\"T1078\"],\"entities\":{\"accounts\":[\"y.nishimura\"],\"hosts\":[\"db01\"],"
    "\"ips\":[\"198.51.100.145\",\"10.212.134.106\",\"198.51.100.168\"],"
    "\"files\":[\"C:\\\\Users\\\\y.nishimura\\\\Desktop\\\\mm.exe\"]},"
    "\"first_seen\":\"2025-05-26T02:13:39Z\",\"last_seen\":\"2025-06-26T11:42:21Z\","
    "\"evidence\":[{\"ts\":\"2025-05-26T01:56:39Z\",\"kind\":\"vpn.login\",\"text\":\"x\"}],"
    "\"details\":{\"category\":\"high\"}}";
static const char *const TUNNEL =
    "{\"id\":\"cloud-tunnel-0000000000000002\",\"hunt\":\"cloud-tunnel\",\"score\":100,"
    "\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[\"T1572\"],"
    "\"entities\":{\"accounts\":[\"m.sakai\"],\"hosts\":[\"fs01\"],"
    "\"ips\":[\"10.10.1.11\",\"13.250.177.251\"],"
    "\"files\":[\"C:\\\\Windows\\\\Web\\\\Wallpaper\\\\wpsvc.exe\"]},"
    "\"first_seen\":\"2025-06-26T13:20:22Z\",\"last_seen\":\"2025-06-29T19:29:47Z\","
    "\"details\":{\"sessions\":122,\"days_active\":5,\"longest_s\":22440,\"provider\":\"aws\","
    "\"region\":\"ap-southeast-1\",\"service\":\"EC2\",\"port\":443}}";
static const char *const LOOP =
    "{\"id\":\"loopback-rdp-0000000000000003\",\"hunt\":\"loopback-rdp\",\"score\":95,"
    "\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[],"
    "\"entities\":{\"accounts\":[\"m.sakai\"],\"hosts\":[\"fs01\"],\"ips\":[],"
    "\"files\":[\"C:\\\\Windows\\\\Web\\\\Wallpaper\\\\wpsvc.exe\","
    "\"C:\\\\Windows\\\\System32\\\\netsh.exe\"]},"
    "\"first_seen\":\"2025-06-26T17:14:20Z\",\"last_seen\":\"2025-06-29T18:16:48Z\"}";
static const char *const IMPLANT =
    "{\"id\":\"implant-0000000000000004\",\"hunt\":\"implant\",\"score\":90,"
    "\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[],"
    "\"entities\":{\"accounts\":[],\"hosts\":[],\"ips\":[],"
    "\"files\":[\"case/files/app01/C/Users/Public/Libraries/netinv.exe\"]},"
    "\"details\":{\"sha256\":\"AA0DE064000E0CCC6CDAD5D75E5A714390C8099C5BB027746CC5681F89D65C80\","
    "\"size\":13312}}";
static const char *const LOLBIN =
    "{\"id\":\"lolbin-0000000000000005\",\"hunt\":\"lolbin\",\"score\":92,"
    "\"severity\":\"critical\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[],"
    "\"entities\":{\"accounts\":[\"DC01$\",\"SYSTEM\",\"k.admin\"],\"hosts\":[\"dc01\"],"
    "\"ips\":[],\"files\":[\"C:\\\\Windows\\\\System32\\\\vssadmin.exe\"]},"
    "\"first_seen\":\"2025-06-29T18:40:57Z\",\"last_seen\":\"2025-06-29T18:41:01Z\"}";
/* a backup job's long sessions to S3: low, and must stay off the list */
static const char *const LOW =
    "{\"id\":\"cloud-tunnel-0000000000000006\",\"hunt\":\"cloud-tunnel\",\"score\":35,"
    "\"severity\":\"low\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[],"
    "\"entities\":{\"accounts\":[\"svc_backup\"],\"hosts\":[\"bk01\"],"
    "\"ips\":[\"10.10.1.13\",\"52.219.0.100\"],\"files\":[]},"
    "\"first_seen\":\"2025-05-17T15:00:00Z\",\"last_seen\":\"2025-06-29T15:00:00Z\"}";

static void add_json(ash_watchlist *w, const char *json) {
  ash_finding f;
  assert_int_equal(ash_finding_from_json(&f, json, strlen(json)), 0);
  assert_int_equal(ash_watchlist_add_finding(w, &f), 0);
  ash_finding_free(&f);
}

static int64_t T(const char *iso) {
  int64_t t;
  assert_int_equal(ash_time_parse_iso(ash_str_cstr(iso), &t), 0);
  return t;
}

static ash_watchlist *scenario(void) {
  ash_watchlist *w;
  assert_int_equal(ash_watchlist_open(&w), 0);
  add_json(w, LINK);
  add_json(w, TUNNEL);
  add_json(w, LOOP);
  add_json(w, IMPLANT);
  add_json(w, LOLBIN);
  add_json(w, LOW);
  return w;
}

static size_t count_kind(const ash_watchlist *w, ash_watch_kind k) {
  size_t n = 0;
  for (size_t i = 0; i < w->n; i++) n += w->items[i].kind == k;
  return n;
}

static void test_watchlist_takes_each_hunts_footprints(void **st) {
  (void)st;
  ash_watchlist *w = scenario();
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_int_equal(w->findings_used, 5);
  assert_true(ash_watchlist_has(w, ASH_WATCH_RELAY, "13.250.177.251", 14));
  assert_true(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "198.51.100.145", 14));
  assert_true(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "198.51.100.168", 14));
  /* the tunnel address is the VPN pool's, never a source to block */
  assert_false(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "10.212.134.106", 14));
  assert_true(ash_watchlist_has(w, ASH_WATCH_ACCOUNT, "Y.Nishimura", 11));
  assert_true(ash_watchlist_has(w, ASH_WATCH_ADMIN, "m.sakai", 7));
  assert_true(ash_watchlist_has(w, ASH_WATCH_ADMIN, "k.admin", 7));
  assert_true(ash_watchlist_has(w, ASH_WATCH_LOOPBACK_HOST, "FS01", 4));
  assert_true(ash_watchlist_has(
      w, ASH_WATCH_SHA256, "aa0de064000e0ccc6cdad5d75e5a714390c8099c5bb027746cc5681f89d65c80", 64));
  assert_true(ash_watchlist_has(w, ASH_WATCH_FILE_NAME, "wpsvc.exe", 9));
  assert_true(ash_watchlist_has(w, ASH_WATCH_FILE_NAME, "netinv.exe", 10));
  assert_true(ash_watchlist_has(w, ASH_WATCH_FILE_NAME, "mm.exe", 6));
  assert_int_equal(w->ntunnels, 1);
  assert_string_equal(w->tunnels[0].host, "fs01");
  assert_string_equal(w->tunnels[0].server_ip, "10.10.1.11");
  assert_string_equal(w->tunnels[0].relay_ip, "13.250.177.251");
  assert_int_equal(w->tunnels[0].port, 443);
  assert_string_equal(w->tunnels[0].provider, "aws");
  assert_int_equal(w->tunnels[0].longest_s, 22440);
  /* wpsvc.exe is cited by the tunnel and the loopback findings */
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].kind == ASH_WATCH_FILE_NAME && !strcmp(w->items[i].value, "wpsvc.exe"))
      assert_int_equal(w->items[i].ncites, 2);
  ash_watchlist_close(w);
}

/* The linked account also ran the tunnel's host as its admin, and the
 * tunnel finding came first: the account is listed once, as linked, with
 * both findings cited (else the plan names it in 3.1 and again in 3.2). */
static void test_linked_account_read_first_as_admin_is_listed_once(void **st) {
  (void)st;
  char tunnel[2048];
  const char *at = strstr(TUNNEL, "m.sakai");
  assert_non_null(at);
  snprintf(tunnel, sizeof tunnel, "%.*sY.NISHIMURA%s", (int)(at - TUNNEL), TUNNEL, at + 7);
  ash_watchlist *w;
  assert_int_equal(ash_watchlist_open(&w), 0);
  add_json(w, tunnel);
  add_json(w, LINK);
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_true(ash_watchlist_has(w, ASH_WATCH_ACCOUNT, "y.nishimura", 11));
  assert_false(ash_watchlist_has(w, ASH_WATCH_ADMIN, "y.nishimura", 11));
  assert_int_equal(count_kind(w, ASH_WATCH_ADMIN), 0);
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].kind == ASH_WATCH_ACCOUNT) assert_int_equal(w->items[i].ncites, 2);
  ash_watchlist_close(w);
}

static void test_watchlist_leaves_out_low_findings_os_programs_and_machine_accounts(void **st) {
  (void)st;
  ash_watchlist *w = scenario();
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_false(ash_watchlist_has(w, ASH_WATCH_RELAY, "52.219.0.100", 12));
  assert_false(ash_watchlist_has(w, ASH_WATCH_ADMIN, "svc_backup", 10));
  assert_false(ash_watchlist_has(w, ASH_WATCH_FILE_NAME, "netsh.exe", 9));
  assert_false(ash_watchlist_has(w, ASH_WATCH_FILE_NAME, "vssadmin.exe", 12));
  assert_false(ash_watchlist_has(w, ASH_WATCH_ADMIN, "DC01$", 5));
  assert_false(ash_watchlist_has(w, ASH_WATCH_ADMIN, "SYSTEM", 6));
  /* the linked account is not listed again as an admin */
  assert_false(ash_watchlist_has(w, ASH_WATCH_ADMIN, "y.nishimura", 11));
  ash_watchlist_close(w);
}

static void test_watchlist_new_vpn_sources_of_the_linked_account(void **st) {
  (void)st;
  ash_watchlist *w = scenario();
  /* home, before the intrusion and after */
  assert_int_equal(ash_watchlist_add_vpn_login(w, ash_str_cstr("y.nishimura"),
                                               ash_str_cstr("192.0.2.84"),
                                               T("2025-05-19T00:24:59Z")),
                   0);
  ash_watchlist_add_vpn_login(w, ash_str_cstr("CORP\\y.nishimura"), ash_str_cstr("192.0.2.84"),
                              T("2025-06-29T23:23:25Z"));
  /* the intruder's later sessions, from addresses new to the account */
  ash_watchlist_add_vpn_login(w, ash_str_cstr("y.nishimura@corp.example.local"),
                              ash_str_cstr("192.0.2.238"), T("2025-06-29T07:14:02Z"));
  ash_watchlist_add_vpn_login(w, ash_str_cstr("y.nishimura"), ash_str_cstr("198.51.100.145"),
                              T("2025-05-26T01:56:39Z"));
  /* someone else's new address says nothing about the intruder */
  ash_watchlist_add_vpn_login(w, ash_str_cstr("w.furukawa"), ash_str_cstr("203.0.113.9"),
                              T("2025-06-29T07:14:02Z"));
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_true(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "192.0.2.238", 11));
  assert_false(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "192.0.2.84", 10));
  assert_false(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "203.0.113.9", 11));
  assert_int_equal(count_kind(w, ASH_WATCH_VPN_SOURCE), 3);
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].kind == ASH_WATCH_VPN_SOURCE && !strcmp(w->items[i].value, "198.51.100.145"))
      assert_int_equal(w->items[i].count, 1);
  /* sorted by kind, then first seen */
  for (size_t i = 1; i < w->n; i++) assert_true(w->items[i - 1].kind <= w->items[i].kind);
  assert_int_equal(
      ash_watchlist_add_vpn_login(w, ash_str_cstr("y.nishimura"), ash_str_cstr("192.0.2.1"), 0),
      ASH_EUSAGE);
  ash_watchlist_close(w);
}

static void test_watchlist_without_history_lists_only_the_linked_sessions(void **st) {
  (void)st;
  ash_watchlist *w = scenario();
  /* the logs start at the intrusion: the home address cannot be told from
   * the intruder's, so only the finding's own sources are listed */
  ash_watchlist_add_vpn_login(w, ash_str_cstr("y.nishimura"), ash_str_cstr("192.0.2.84"),
                              T("2025-05-27T00:00:00Z"));
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_false(ash_watchlist_has(w, ASH_WATCH_VPN_SOURCE, "192.0.2.84", 10));
  assert_int_equal(count_kind(w, ASH_WATCH_VPN_SOURCE), 2);
  ash_watchlist_close(w);
}

static void test_watch_days_twice_the_longest_quiet_gap(void **st) {
  (void)st;
  ash_watchlist *w = scenario();
  assert_int_equal(ash_watchlist_finish(w), 0);
  /* 2025-05-26 .. 2025-06-26: 31 days of silence, x2 = 62, floor 90 */
  assert_int_equal(w->longest_gap / ASH_DAY, 31);
  assert_int_equal(w->watch_days, 90);
  assert_int_equal(w->earliest, T("2025-05-26T01:56:39Z"));
  ash_watchlist_close(w);

  /* the scenario's eight months between the tool and the ransomware */
  assert_int_equal(ash_watchlist_open(&w), 0);
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "past-incident-link"), 0);
  ash_finding_set_score(&f, 90);
  ash_finding_add_account(&f, ash_str_cstr("t.sato"));
  ash_finding_see(&f, T("2024-10-01T00:00:00Z"));
  ash_finding_see(&f, T("2024-10-01T01:00:00Z"));
  assert_int_equal(ash_watchlist_add_finding(w, &f), 0);
  ash_finding_free(&f);
  assert_int_equal(ash_finding_init(&f, "cloud-tunnel"), 0);
  ash_finding_set_score(&f, 90);
  ash_finding_see(&f, T("2025-06-01T00:00:00Z"));
  assert_int_equal(ash_watchlist_add_finding(w, &f), 0);
  ash_finding_free(&f);
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_int_equal(w->watch_days, 2 * 243);
  assert_int_equal(ash_watchlist_finish(w), ASH_EUSAGE);
  ash_watchlist_close(w);

  /* nothing at all: the floor */
  assert_int_equal(ash_watchlist_open(&w), 0);
  assert_int_equal(ash_watchlist_finish(w), 0);
  assert_int_equal(w->watch_days, 90);
  assert_int_equal(w->earliest, ASH_TIME_UNSET);
  ash_watchlist_close(w);
  ash_watchlist_close(NULL);
}

static void test_watchlist_json_is_valid_with_hostile_names(void **st) {
  (void)st;
  ash_watchlist *w = scenario();
  ash_finding f;
  assert_int_equal(ash_finding_init(&f, "lolbin"), 0);
  ash_finding_set_score(&f, 80);
  /* log text is the attacker's: quotes, a newline and a control byte */
  ash_finding_add_account(&f, ash_str_cstr("evil\"},\n\x01x"));
  ash_finding_add_file(&f, ash_str_cstr("C:\\Temp\\a\"b.exe"));
  assert_int_equal(ash_watchlist_add_finding(w, &f), 0);
  ash_finding_free(&f);
  assert_int_equal(ash_watchlist_finish(w), 0);
  ash_buf b;
  ash_buf_init(&b, 1 << 20);
  assert_int_equal(ash_watchlist_to_json(w, &b), 0);
  json_error_t e;
  json_t *j = json_loads(b.p, 0, &e);
  assert_non_null(j);
  assert_int_equal(json_integer_value(json_object_get(j, "watch_days")), 90);
  json_t *adm = json_object_get(j, "admins");
  int found = 0;
  for (size_t i = 0; i < json_array_size(adm); i++)
    found |= !strcmp(json_string_value(json_object_get(json_array_get(adm, i), "value")),
                     "evil\"},\n\x01x");
  assert_true(found);
  json_t *tun = json_array_get(json_object_get(j, "tunnels"), 0);
  assert_int_equal(json_integer_value(json_object_get(tun, "port")), 443);
  assert_string_equal(json_string_value(json_object_get(tun, "finding")),
                      "cloud-tunnel-0000000000000002");
  assert_int_equal(json_array_size(json_object_get(j, "relays")), 1);
  json_decref(j);
  ash_buf_free(&b);
  ash_watchlist_close(w);
}

static void test_beacon_alone_is_unconfirmed_never_a_relay(void **st) {
  (void)st;
  static const char *const MON =
      "{\"id\":\"beacon-0000000000000007\",\"hunt\":\"beacon\",\"score\":66,"
      "\"severity\":\"high\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[],"
      "\"entities\":{\"accounts\":[],\"hosts\":[],\"ips\":[\"10.10.1.10\",\"3.113.180.46\"],"
      "\"files\":[]},\"first_seen\":\"2025-01-01T00:00:00Z\","
      "\"last_seen\":\"2025-06-30T00:00:00Z\",\"details\":{\"connections\":500}}";
  static const char *const TUN_BEACON =
      "{\"id\":\"beacon-0000000000000008\",\"hunt\":\"beacon\",\"score\":67,"
      "\"severity\":\"high\",\"title\":\"t\",\"summary\":\"s\",\"attack\":[],"
      "\"entities\":{\"accounts\":[],\"hosts\":[\"fs01\"],"
      "\"ips\":[\"10.10.1.11\",\"13.250.177.251\"],\"files\":[]},"
      "\"first_seen\":\"2025-06-26T13:20:22Z\",\"last_seen\":\"2025-06-29T19:29:47Z\","
      "\"details\":{\"connections\":122}}";
  ash_watchlist *w;
  assert_int_equal(ash_watchlist_open(&w), 0);
  /* the beacons come first, as best-first order may give them */
  add_json(w, MON);
  add_json(w, TUN_BEACON);
  add_json(w, LINK);
  add_json(w, TUNNEL);
  assert_int_equal(ash_watchlist_finish(w), 0);
  /* a monitoring agent's schedule: not blocked, not dating the intrusion */
  assert_false(ash_watchlist_has(w, ASH_WATCH_RELAY, "3.113.180.46", 12));
  assert_true(ash_watchlist_has(w, ASH_WATCH_UNCONFIRMED, "3.113.180.46", 12));
  assert_int_equal(w->earliest, T("2025-05-26T01:56:39Z"));
  /* the tunnel's own beacon cites the relay; its connections are the
   * tunnel's sessions, counted once */
  for (size_t i = 0; i < w->n; i++)
    if (w->items[i].kind == ASH_WATCH_RELAY) {
      assert_string_equal(w->items[i].value, "13.250.177.251");
      assert_int_equal(w->items[i].count, 122);
      assert_int_equal(w->items[i].ncites, 2);
    }
  assert_int_equal(w->findings_used, 3);
  ash_watchlist_close(w);
}

static void test_watchlist_build_from_a_case(void **st) {
  (void)st;
  char path[] = "/tmp/ash-watchlist-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  ash_store *s;
  assert_int_equal(ash_store_open(&s, path, ASH_STORE_CREATE), 0);
  const char *all[] = {LINK, TUNNEL, LOW};
  for (size_t i = 0; i < 3; i++) {
    ash_finding f;
    assert_int_equal(ash_finding_from_json(&f, all[i], strlen(all[i])), 0);
    assert_int_equal(ash_store_add_finding(s, &f), 0);
    ash_finding_free(&f);
  }
  ash_watchlist *w;
  assert_int_equal(ash_watchlist_build(s, &w), 0);
  assert_int_equal(w->findings_used, 2);
  assert_true(ash_watchlist_has(w, ASH_WATCH_RELAY, "13.250.177.251", 14));
  assert_true(ash_watchlist_has(w, ASH_WATCH_ACCOUNT, "y.nishimura", 11));
  ash_watchlist_close(w);
  ash_store_close(s);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest t[] = {
      cmocka_unit_test(test_watchlist_takes_each_hunts_footprints),
      cmocka_unit_test(test_linked_account_read_first_as_admin_is_listed_once),
      cmocka_unit_test(test_watchlist_leaves_out_low_findings_os_programs_and_machine_accounts),
      cmocka_unit_test(test_watchlist_new_vpn_sources_of_the_linked_account),
      cmocka_unit_test(test_watchlist_without_history_lists_only_the_linked_sessions),
      cmocka_unit_test(test_watch_days_twice_the_longest_quiet_gap),
      cmocka_unit_test(test_watchlist_json_is_valid_with_hostile_names),
      cmocka_unit_test(test_beacon_alone_is_unconfirmed_never_a_relay),
      cmocka_unit_test(test_watchlist_build_from_a_case),
  };
  return cmocka_run_group_tests(t, NULL, NULL);
}
