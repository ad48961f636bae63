/* The account-use and credential-hop hunts and the incidents (src/hunt/
 * account_use.c, incident.c) on small cases built through the store:
 * an admin travelling is not an intrusion; an account coming back from new
 * places to a new host, and an admin's credentials moving on from that
 * host, are, and they are one incident. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ashiato/finding.h"
#include "ashiato/hunt.h"
#include "hunt/hunt_internal.h"
#include "hunt_fixture.h"

/* A VPN login with the country FortiGate logs (srccountry), and its
 * logout dur_s later. */
static void vpn_session(fx *f, int64_t t, const char *user, const char *remote, const char *country,
                        const char *tunnel, int64_t dur_s) {
  ash_event ev = fx_ev(ASH_KIND_VPN_LOGIN, t);
  ev.host = ash_str_cstr("fw01");
  ev.user = ash_str_cstr(user);
  fx_ip(&ev.src_ip, remote);
  fx_ip(&ev.tunnel_ip, tunnel);
  ev.action = ash_str_cstr("tunnel-up");
  ash_kv kv[1] = {{ash_str_cstr("srccountry"), ash_str_cstr(country)}};
  ev.attrs = kv;
  ev.nattrs = 1;
  assert_int_equal(fx_add(f, &ev), 0);
  assert_int_equal(fx_vpn(f, t + dur_s * FX_SEC, 0, user, remote, tunnel, dur_s), 0);
}

typedef struct got {
  ash_finding v[256];
  size_t n;
  int incidents;
} got;

static int keep(void *u, const ash_finding *f) {
  got *g = u;
  if (g->n < 256) return ash_finding_copy(&g->v[g->n++], f);
  return 0;
}

static int count_inc(void *u, const ash_incident *x) {
  got *g = u;
  g->incidents++;
  assert_true(x->nfindings >= 2);
  assert_non_null(strstr(x->story, "account-use"));
  return 0;
}

static void run(fx *f, got *g) {
  memset(g, 0, sizeof *g);
  assert_int_equal(fx_finish(f), 0);
  ash_hunt_opts o;
  ash_hunt_opts_default(&o);
  o.on_incident = count_inc;
  assert_int_equal(ash_hunt_run_all(f->s, &o, keep, g), 0);
}

static void got_free(got *g) {
  for (size_t i = 0; i < g->n; i++) ash_finding_free(&g->v[i]);
}

static const ash_finding *first_of(const got *g, const char *hunt) {
  for (size_t i = 0; i < g->n; i++)
    if (!strcmp(g->v[i].hunt, hunt)) return &g->v[i];
  return NULL;
}

static int has_reason(const ash_finding *f, const char *key) {
  char pat[80];
  snprintf(pat, sizeof pat, "\"reason\":\"%s\"", key);
  return f->details_json && strstr(f->details_json, pat) != NULL;
}

static int named(const ash_strset *s, const char *x) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->v[i], x)) return 1;
  return 0;
}

/* Thirty working days of an account from its home address in Japan at
 * 00:00-01:00 UTC (09:00 JST), each session reaching host by kind (10
 * RDP, 3 SMB); the host's own address is learnt from its computer
 * account's logon on the DC. */
static void everyday(fx *f, int64_t t0, const char *user, const char *home, const char *tun,
                     const char *host, int kind) {
  for (int d = 0; d < 30; d++) {
    int64_t t = t0 + d * FX_DAY + fx_range(f, 0, 50) * FX_MIN;
    vpn_session(f, t, user, home, "Japan", tun, 8 * 3600);
    assert_int_equal(fx_logon(f, t + 5 * FX_MIN, host, user, tun, kind), 0);
  }
}

static void hosts_known(fx *f, int64_t t) {
  /* computer accounts name their hosts' addresses; 4768 makes dc01 a DC */
  assert_int_equal(fx_logon(f, t, "dc01", "APP01$", "10.10.1.12", 3), 0);
  assert_int_equal(fx_logon(f, t, "dc01", "FS01$", "10.10.1.11", 3), 0);
  ash_event ev = fx_ev(ASH_KIND_WIN_KERBEROS, t);
  ev.host = ash_str_cstr("dc01.corp.example.local");
  ev.user = ash_str_cstr("k.sato");
  ev.event_id = 4768;
  assert_int_equal(fx_add(f, &ev), 0);
}

/* The decoy of issue 11 item 5: an admin abroad for a day logs in once
 * from a hotel address, at his usual hour, and RDPs to the server he
 * always RDPs to. Judged against his own history that is one new address
 * and nothing else: not high. */
static void test_account_use_admin_travelling_is_not_high(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "au-travel", 11), 0);
  int64_t t0 = fx_time("2025-05-01T00:10:00Z");
  hosts_known(&f, t0);
  everyday(&f, t0, "h.mori", "198.51.100.10", "10.212.134.20", "fs01", 10);
  everyday(&f, t0, "k.sato", "198.51.100.11", "10.212.134.21", "fs01", 3);
  /* day 31: Singapore, same hour, same host the same way */
  int64_t t = t0 + 31 * FX_DAY;
  vpn_session(&f, t, "h.mori", "203.0.113.50", "Singapore", "10.212.134.22", 3 * 3600);
  assert_int_equal(fx_logon(&f, t + 5 * FX_MIN, "fs01", "h.mori", "10.212.134.22", 10), 0);
  got g;
  run(&f, &g);
  const ash_finding *au = first_of(&g, ASH_HUNT_ACCOUNT);
  if (au) {
    assert_true(au->severity < ASH_SEV_HIGH);
    assert_true(has_reason(au, "new_vpn_source"));
    assert_true(has_reason(au, "usual_hosts"));
    assert_false(has_reason(au, "impossible_travel"));
  }
  assert_null(first_of(&g, ASH_HUNT_HOP));
  got_free(&g);
  fx_remove(&f);
}

/* The demo's story in small: an SMB user's account comes back five times
 * from new addresses abroad, each time by RDP to app01, where it had
 * never logged on; during the first return the admin h.mori's account
 * logs on from app01 to fs01 and to the DC. account-use is high with the
 * reasons that make it so, credential-hop names h.mori, app01 and the
 * targets, and both are one incident. */
static void test_account_use_returns_and_admin_hop(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "au-returns", 12), 0);
  int64_t t0 = fx_time("2025-05-01T00:10:00Z");
  hosts_known(&f, t0);
  everyday(&f, t0, "s.chiba", "198.51.100.30", "10.212.134.30", "fs01", 3);
  /* h.mori administers the servers: RDP to the DC on most days */
  everyday(&f, t0, "h.mori", "198.51.100.10", "10.212.134.20", "dc01", 10);
  static const char *const src[] = {"203.0.113.211", "203.0.113.140", "192.0.2.86", "203.0.113.89",
                                    "203.0.113.68"};
  static const char *const cty[] = {"Netherlands", "Hong Kong", "Singapore", "Netherlands",
                                    "Hong Kong"};
  int64_t t = t0 + 40 * FX_DAY + 8 * FX_HOUR;
  for (int i = 0; i < 5; i++) {
    char tun[32];
    snprintf(tun, sizeof tun, "10.212.134.%d", 60 + i);
    int64_t s = t + i * 2 * FX_DAY;
    vpn_session(&f, s, "s.chiba", src[i], cty[i], tun, 3 * 3600);
    assert_int_equal(fx_rdp(&f, s + 3 * FX_MIN, "app01", "s.chiba", tun, 1149), 0);
    assert_int_equal(fx_logon(&f, s + 3 * FX_MIN, "app01", "s.chiba", tun, 10), 0);
    if (!i) {
      assert_int_equal(fx_logon(&f, s + 80 * FX_MIN, "fs01", "h.mori", "10.10.1.12", 3), 0);
      assert_int_equal(fx_logon(&f, s + 81 * FX_MIN, "dc01", "h.mori", "10.10.1.12", 3), 0);
    }
  }
  got g;
  run(&f, &g);
  const ash_finding *au = first_of(&g, ASH_HUNT_ACCOUNT);
  assert_non_null(au);
  assert_true(au->severity >= ASH_SEV_HIGH);
  assert_string_equal(au->accounts.v[0], "s.chiba");
  assert_true(named(&au->hosts, "app01"));
  assert_true(named(&au->ips, "203.0.113.211"));
  assert_true(has_reason(au, "new_vpn_source"));
  assert_true(has_reason(au, "new_country"));
  assert_true(has_reason(au, "new_host_reached"));
  assert_true(has_reason(au, "repeated_new_sources"));
  assert_non_null(strstr(au->title, "came back 4 times"));
  const ash_finding *hop = first_of(&g, ASH_HUNT_HOP);
  assert_non_null(hop);
  assert_true(hop->severity >= ASH_SEV_HIGH);
  assert_string_equal(hop->accounts.v[0], "h.mori");
  assert_true(named(&hop->hosts, "app01"));
  assert_true(named(&hop->hosts, "fs01"));
  assert_true(named(&hop->hosts, "dc01"));
  assert_true(has_reason(hop, "privileged_account"));
  assert_true(has_reason(hop, "reached_domain_controller"));
  /* the chain: the VPN login, the RDP to app01, the hops, in that order */
  assert_true(hop->nevidence >= 4);
  assert_string_equal(hop->evidence[0].kind, "vpn.login");
  assert_true(au->incident[0] && !strcmp(au->incident, hop->incident));
  assert_int_equal(g.incidents, 1);
  /* h.mori's everyday sessions make no finding */
  for (size_t i = 0; i < g.n; i++)
    if (!strcmp(g.v[i].hunt, ASH_HUNT_ACCOUNT))
      assert_string_equal(g.v[i].accounts.v[0], "s.chiba");
  got_free(&g);
  fx_remove(&f);
}

/* One person is not in two countries at once: a session from abroad
 * while the account's session from home is still up. */
static void test_account_use_impossible_travel(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "au-travel2", 13), 0);
  int64_t t0 = fx_time("2025-05-01T00:10:00Z");
  hosts_known(&f, t0);
  everyday(&f, t0, "k.sato", "198.51.100.11", "10.212.134.21", "fs01", 3);
  int64_t t = t0 + 31 * FX_DAY + 2 * FX_HOUR; /* the day-31 home session is up */
  vpn_session(&f, t0 + 31 * FX_DAY, "k.sato", "198.51.100.11", "Japan", "10.212.134.21", 8 * 3600);
  vpn_session(&f, t, "k.sato", "192.0.2.77", "Brazil", "10.212.134.40", 3600);
  got g;
  run(&f, &g);
  const ash_finding *au = first_of(&g, ASH_HUNT_ACCOUNT);
  assert_non_null(au);
  assert_true(has_reason(au, "impossible_travel"));
  assert_true(named(&au->ips, "192.0.2.77"));
  got_free(&g);
  fx_remove(&f);
}

static void mk(ash_finding *f, const char *hunt, int score, const char *acct, const char *host,
               const char *t) {
  assert_int_equal(ash_finding_init(f, hunt), 0);
  ash_finding_set_score(f, score);
  if (acct) assert_int_equal(ash_finding_add_account(f, ash_str_cstr(acct)), 0);
  if (host) assert_int_equal(ash_finding_add_host(f, ash_str_cstr(host)), 0);
  ash_finding_see(f, fx_time(t));
}

/* Incidents: story findings sharing an account or (close in time) a host
 * are one; a rule finding joins on its host within the time; SYSTEM is
 * no one's account; a lone high finding is no incident; the ids follow
 * the incidents' first findings. */
static void test_incidents_link_by_account_host_and_time(void **state) {
  (void)state;
  ash_finding v[8];
  mk(&v[0], ASH_HUNT_TUNNEL, 95, NULL, "fs01", "2025-06-25T00:00:00Z");
  mk(&v[1], ASH_HUNT_ACCOUNT, 90, "s.chiba", "app01", "2025-06-24T00:00:00Z");
  mk(&v[2], ASH_HUNT_HOP, 90, "n.nakamura", "app01", "2025-06-24T01:00:00Z");
  assert_int_equal(ash_finding_add_host(&v[2], ash_str_cstr("fs01")), 0);
  assert_int_equal(ash_finding_add_account(&v[2], ash_str_cstr("s.chiba")), 0);
  mk(&v[3], "lolbin", 80, "SYSTEM", "fs01", "2025-06-29T00:00:00Z");
  mk(&v[4], "lolbin", 80, "SYSTEM", "fs01", "2025-12-01T00:00:00Z");          /* months later */
  mk(&v[5], ASH_HUNT_LOOPBACK, 90, "SYSTEM", "ws09", "2025-06-24T00:00:00Z"); /* alone */
  mk(&v[6], ASH_HUNT_LINK, 90, "t.ito", "db01", "2025-01-10T00:00:00Z");
  mk(&v[7], ASH_HUNT_ACCOUNT, 50, "t.ito", "db01", "2025-02-10T00:00:00Z");
  assert_int_equal(hunt_incidents_link(v, 8), 0);
  assert_string_equal(v[6].incident, "INC-1"); /* the earlier intrusion */
  assert_string_equal(v[7].incident, "INC-1");
  assert_string_equal(v[0].incident, "INC-2");
  assert_string_equal(v[1].incident, "INC-2");
  assert_string_equal(v[2].incident, "INC-2");
  assert_string_equal(v[3].incident, "INC-2");
  assert_string_equal(v[4].incident, "");
  assert_string_equal(v[5].incident, "");
  ash_buf t, s;
  ash_buf_init(&t, 4096);
  ash_buf_init(&s, 4096);
  ash_incident x;
  assert_int_equal(hunt_incident_story(v, 8, "INC-2", &x, &t, &s), 0);
  assert_int_equal(x.nfindings, 4);
  assert_int_equal(x.score, 95);
  /* the chain in order: the account, the hop, the tunnel, then the rest */
  const char *a = strstr(x.story, ASH_HUNT_ACCOUNT), *h = strstr(x.story, ASH_HUNT_HOP),
             *c = strstr(x.story, ASH_HUNT_TUNNEL);
  assert_true(a && h && c && a < h && h < c);
  assert_non_null(strstr(x.story, "1 finding of what it ran"));
  ash_buf_free(&t);
  ash_buf_free(&s);
  for (int i = 0; i < 8; i++) ash_finding_free(&v[i]);
}

/* The incident field survives the finding's JSON round trip (the case
 * stores findings as JSON). */
static void test_finding_incident_round_trip(void **state) {
  (void)state;
  ash_finding f, g;
  mk(&f, ASH_HUNT_ACCOUNT, 70, "s.chiba", "app01", "2025-06-24T00:00:00Z");
  snprintf(f.incident, sizeof f.incident, "INC-3");
  ash_buf b;
  ash_buf_init(&b, 1u << 20);
  assert_int_equal(ash_finding_to_json(&f, &b), 0);
  assert_non_null(strstr(b.p, "\"incident\":\"INC-3\""));
  assert_int_equal(ash_finding_from_json(&g, b.p, b.n), 0);
  assert_string_equal(g.incident, "INC-3");
  f.incident[0] = 0;
  ash_buf_reset(&b);
  assert_int_equal(ash_finding_to_json(&f, &b), 0);
  assert_null(strstr(b.p, "incident"));
  ash_buf_free(&b);
  ash_finding_free(&f);
  ash_finding_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_account_use_admin_travelling_is_not_high),
      cmocka_unit_test(test_account_use_returns_and_admin_hop),
      cmocka_unit_test(test_account_use_impossible_travel),
      cmocka_unit_test(test_incidents_link_by_account_host_and_time),
      cmocka_unit_test(test_finding_incident_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
