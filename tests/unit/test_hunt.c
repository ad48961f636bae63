/* Unit tests of the hunts on small synthetic cases built through the store
 * API: the HTTPS tunnel against benign backup uploads, update downloads
 * and monitoring websockets; the past-incident link with many users on the
 * VPN and several touching the same file server by SMB; loopback RDP and
 * the LogonType 2 from 127.0.0.1 that must not fire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ashiato/finding.h"
#include "ashiato/hunt.h"
#include "ashiato/ranges.h"
#include "hunt_fixture.h"

static ash_ranges *g_ranges;

/* ---- collecting findings ---- */

typedef struct got {
  ash_finding v[256];
  size_t n;
} got;

static int collect(void *u, const ash_finding *f) {
  got *g = u;
  if (g->n >= 256) return 0;
  ash_buf js;
  ash_buf_init(&js, 64u << 20);
  int rc = ash_finding_to_json(f, &js);
  if (!rc) rc = ash_finding_from_json(&g->v[g->n], js.p, js.n);
  ash_buf_free(&js);
  if (!rc) g->n++;
  return rc;
}

static void got_free(got *g) {
  for (size_t i = 0; i < g->n; i++) ash_finding_free(&g->v[i]);
  g->n = 0;
}

static int count_cb(void *u, const ash_finding *f) {
  (void)f;
  (*(size_t *)u)++;
  return 0;
}

/* A fact of the finding's details (numbers as double; NAN when absent):
 * tests check what a finding claims, not how its summary words it. */
static double dnum(const ash_finding *f, const char *key) {
  json_t *j = f->details_json ? json_loads(f->details_json, 0, NULL) : NULL;
  json_t *v = j ? json_object_get(j, key) : NULL;
  double r = v && json_is_number(v) ? json_number_value(v) : NAN;
  json_decref(j);
  return r;
}
static int dstr_is(const ash_finding *f, const char *key, const char *want) {
  json_t *j = f->details_json ? json_loads(f->details_json, 0, NULL) : NULL;
  json_t *v = j ? json_object_get(j, key) : NULL;
  int r = v && json_is_string(v) && !strcmp(json_string_value(v), want);
  json_decref(j);
  return r;
}
/* The weight of reason key in details.reasons; 0 when absent. */
static int dreason(const ash_finding *f, const char *key) {
  json_t *j = f->details_json ? json_loads(f->details_json, 0, NULL) : NULL;
  json_t *rs = j ? json_object_get(j, "reasons") : NULL;
  int w = 0;
  for (size_t i = 0; rs && i < json_array_size(rs); i++) {
    json_t *r = json_array_get(rs, i);
    const char *k = json_string_value(json_object_get(r, "reason"));
    if (k && !strcmp(k, key)) w = (int)json_integer_value(json_object_get(r, "weight"));
  }
  json_decref(j);
  return w;
}
static int has_suffix(const ash_strset *s, const char *suffix) {
  size_t n = strlen(suffix);
  for (size_t i = 0; i < s->n; i++) {
    size_t l = strlen(s->v[i]);
    if (l >= n && !strcasecmp(s->v[i] + l - n, suffix)) return 1;
  }
  return 0;
}

static int has(const ash_strset *s, const char *v) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->v[i], v)) return 1;
  return 0;
}

/* The one finding that names both addresses (NULL when none). */
static const ash_finding *naming(const got *g, const char *a, const char *b) {
  const ash_finding *k = NULL;
  for (size_t i = 0; i < g->n; i++)
    if (has(&g->v[i].ips, a) && has(&g->v[i].ips, b)) {
      assert_null(k);
      k = &g->v[i];
    }
  return k;
}

static int run(fx *f, const char *only, got *g) {
  ash_hunt_opts o;
  ash_hunt_opts_default(&o);
  o.ranges = g_ranges;
  o.only = only;
  memset(g, 0, sizeof *g);
  return ash_hunt_run_all(f->s, &o, collect, g);
}

/* The first finding of hunt in g (best first), or NULL. */
static const ash_finding *first_of(const got *g, const char *hunt, size_t *rank) {
  size_t r = 0;
  for (size_t i = 0; i < g->n; i++) {
    if (strcmp(g->v[i].hunt, hunt)) continue;
    if (rank) *rank = r;
    return &g->v[i];
  }
  return NULL;
}

/* ---- the cloud case ---- */

#define T0 "2025-03-01T00:00:00Z"
#define DAYS 30
#define APP02 "10.1.2.30"
#define RELAY "3.112.5.20"    /* AWS EC2 ap-northeast-1 */
#define MONITOR "3.248.99.10" /* AWS EC2 eu-west-1 */
#define NEXT_TO_MONITOR "3.248.77.7"
#define S3 "52.219.56.10" /* AWS S3 */
#define CDN "3.10.17.130" /* AWS CloudFront */

static const char *servers[] = {"10.1.2.10", "10.1.2.11", "10.1.2.12", "10.1.2.13",
                                "10.1.2.14", "10.1.2.20", "10.1.2.21", APP02};

/* One long session with interim records every step seconds. bursty:
 * intervals alternate at random between idle and bursts both ways. */
static void long_session(fx *f, int64_t start, int64_t dur_s, const char *src, const char *dst,
                         int64_t step, int64_t sd, int64_t rd, int bursty) {
  int64_t out = 0, in = 0;
  for (int64_t t = step; t < dur_s; t += step) {
    int64_t a = sd, b = rd;
    if (bursty) {
      if (fx_rand(f) % 2) {
        a = fx_range(f, 100, 400);
        b = fx_range(f, 80, 300);
      } else {
        a = fx_range(f, 50000, 3000000);
        b = fx_range(f, 10000, 300000);
      }
    } else {
      a = sd + fx_range(f, -sd / 20, sd / 20);
      b = rd + fx_range(f, -rd / 20, rd / 20);
    }
    out += a;
    in += b;
    fx_interim(f, start + t * FX_SEC, src, dst, 443, out, in, t, a, b);
  }
  fx_flow(f, start + dur_s * FX_SEC, src, dst, 443, out + sd, in + rd, dur_s);
}

static void build_cloud(fx *f, int loopback, int sysmon, const char *relay) {
  int64_t t0 = fx_time(T0);
  /* workstations: many short sessions to many destinations */
  fx_source(f, "fw-workstations.log");
  for (int d = 0; d < DAYS; d++)
    for (int w = 0; w < 20; w++) {
      char src[32];
      snprintf(src, sizeof src, "10.1.1.%d", 10 + w);
      for (int k = 0; k < 30; k++) {
        char dst[32];
        int pick = (int)fx_range(f, 0, 59);
        static const char *pre[] = {"20.50.2.", "34.120.0.", "3.248.10.", "151.101.1."};
        snprintf(dst, sizeof dst, "%s%d", pre[pick % 4], 10 + pick);
        int64_t ts = t0 + d * FX_DAY + fx_range(f, 8 * 3600, 18 * 3600) * FX_SEC;
        fx_flow(f, ts, src, dst, 443, fx_range(f, 1000, 50000), fx_range(f, 10000, 2000000),
                fx_range(f, 1, 300));
      }
    }
  /* monitoring agents: every server holds a websocket to one address */
  fx_source(f, "fw-monitoring.log");
  for (size_t s = 0; s < sizeof servers / sizeof servers[0]; s++)
    for (int d = 0; d < DAYS; d++)
      long_session(f, t0 + d * FX_DAY + 5 * FX_SEC, 86390, servers[s], MONITOR, 3600, 3000, 1500,
                   0);
  /* nightly backup upload to S3 */
  fx_source(f, "fw-backup.log");
  for (int d = 0; d < DAYS; d++)
    long_session(f, t0 + d * FX_DAY + FX_HOUR + fx_range(f, -120, 120) * FX_SEC,
                 9000 + fx_range(f, -600, 600), "10.1.2.20", S3, 600, 130000000, 300000, 0);
  /* update downloads every six hours */
  fx_source(f, "fw-update.log");
  for (int d = 0; d < DAYS; d++)
    for (int h = 0; h < 4; h++)
      long_session(f, t0 + d * FX_DAY + (6 * h * 3600 + 1800) * FX_SEC,
                   2100 + fx_range(f, -300, 300), "10.1.2.21", CDN, 600, 1000000, 400000000, 0);
  /* the tunnel: app02 to a rented relay, hours at a time, for 8 days */
  fx_source(f, "fw-tunnel.log");
  for (int d = 20; d < 28; d++) {
    int ns = (int)fx_range(f, 1, 2);
    int64_t at = t0 + d * FX_DAY + fx_range(f, 9, 12) * FX_HOUR + fx_range(f, 0, 3599) * FX_SEC;
    for (int s = 0; s < ns; s++) {
      int64_t dur = fx_range(f, 5400, 21600);
      long_session(f, at, dur, APP02, relay, 300, 0, 0, 1);
      if (sysmon)
        fx_netconn(f, at + 2 * FX_SEC, "APP02", "C:\\ProgramData\\Microsoft\\svc\\wuhelper.exe",
                   APP02, 49700 + s, relay, 443);
      if (loopback) {
        fx_logon(f, at + 20 * FX_MIN, "APP02.corp.example.local", "t.sato", "127.0.0.1", 10);
        fx_rdp(f, at + 20 * FX_MIN - 2 * FX_SEC, "app02", "t.sato", "127.0.0.1", 1149);
      }
      at += (dur + fx_range(f, 600, 7200)) * FX_SEC;
    }
  }
}

/* The internal hosts that reach an address are counted once each,
 * however many ports they used and in whatever order the flows come: the
 * first version remembered four hosts and counted every new pair past
 * them, so a fifth host's three more ports made 6 hosts 9. */
static void test_hosts_to_address_counted_once(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "hosts-once", 11), 0);
  fx_source(&f, "fw.log");
  int64_t t0 = fx_time(T0);
  /* one host holds long sessions to RELAY for days */
  for (int d = 0; d < 6; d++)
    long_session(&f, t0 + d * FX_DAY + 9 * FX_HOUR, 4 * 3600, APP02, RELAY, 300, 4000, 3000, 1);
  /* five more reach it briefly, the last on four ports, after the others */
  const char *hosts[] = {"10.1.2.10", "10.1.2.11", "10.1.2.12", "10.1.2.13", "10.1.2.14"};
  for (int h = 0; h < 5; h++)
    for (int k = 0; k < (h == 4 ? 4 : 1); k++)
      fx_flow(&f, t0 + 7 * FX_DAY + (h * 4 + k) * FX_MIN, hosts[h], RELAY, k == 0 ? 443 : 8000 + k,
              500, 900, 2);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  const ash_finding *k = naming(&g, RELAY, APP02);
  assert_non_null(k);
  assert_int_equal((int)dnum(k, "internal_hosts_to_address"), 6);
  got_free(&g);
  fx_remove(&f);
}

/* A flow logged with both directions' bytes together (Cisco ASA:
 * bytes_total, no bytes_out/bytes_in) counts them as undirected bytes,
 * even when the case's first flows, from another firewall, carry
 * directions (the first version decided once, on the first 2,000). */
static void test_undirected_bytes_per_flow(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "undirected", 12), 0);
  fx_source(&f, "fw.log");
  int64_t t0 = fx_time(T0);
  char src[32];
  for (int i = 0; i < 3000; i++) {
    snprintf(src, sizeof src, "10.1.3.%d", i % 200);
    fx_flow(&f, t0 + i * FX_SEC, src, "198.51.100.9", 443, 500, 900, 2);
  }
  ash_event ev = fx_ev(ASH_KIND_FLOW, t0 + FX_DAY + 4 * FX_HOUR);
  fx_ip(&ev.src_ip, APP02);
  fx_ip(&ev.dst_ip, RELAY);
  ev.src_port = 50000;
  ev.dst_port = 443;
  ev.bytes_out = ev.bytes_in = ASH_UNSET;
  ev.bytes_total = 90000000;
  ev.duration_us = 4 * 3600 * FX_SEC;
  ev.flow_flags = ASH_FLOW_TS_END;
  ev.action = ash_str_cstr("teardown");
  ev.proto = ash_str_cstr("tcp");
  assert_int_equal(fx_add(&f, &ev), 0);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  const ash_finding *k = naming(&g, RELAY, APP02);
  assert_non_null(k);
  assert_int_equal((int64_t)dnum(k, "bytes_undirected"), 90000000);
  got_free(&g);
  fx_remove(&f);
}

static void test_tunnel_vs_benign(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "tunnel", 7), 0);
  build_cloud(&f, 1, 1, RELAY);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  assert_true(g.n >= 4);
  const ash_finding *t = &g.v[0];
  assert_string_equal(t->hunt, ASH_HUNT_TUNNEL);
  assert_true(has(&t->ips, RELAY));
  assert_true(has(&t->hosts, "app02"));
  assert_true(has(&t->accounts, "t.sato"));
  assert_int_equal(t->severity, ASH_SEV_CRITICAL);
  assert_true(dnum(t, "loopback_rdp") > 0);               /* RDP from the host itself */
  assert_true(dnum(t, "internal_hosts_to_address") == 1); /* nobody else talks to it */
  assert_true(dstr_is(t, "service", "EC2"));
  assert_true(has_suffix(&t->files, "wuhelper.exe")); /* the program holding it */
  assert_true(t->nevidence >= 3);
  /* the benign long-lived sessions rank below and are not high */
  int seen_backup = 0, seen_update = 0, seen_monitor = 0;
  for (size_t i = 1; i < g.n; i++) {
    assert_true(g.v[i].severity < ASH_SEV_HIGH);
    if (has(&g.v[i].ips, S3)) {
      seen_backup = 1;
      assert_true(dnum(&g.v[i], "bytes_out") >= 20 * dnum(&g.v[i], "bytes_in")); /* an upload */
      assert_true(dnum(&g.v[i], "regularity") >= 0.8); /* on a fixed schedule */
    }
    if (has(&g.v[i].ips, CDN)) {
      seen_update = 1;
      assert_true(dnum(&g.v[i], "bytes_in") >= 20 * dnum(&g.v[i], "bytes_out")); /* a download */
    }
    if (has(&g.v[i].ips, MONITOR)) {
      seen_monitor = 1;
      assert_true(dnum(&g.v[i], "internal_hosts_to_address") >= 3);
      /* eight servers hold it alike: a service, low however long */
      assert_int_equal(g.v[i].severity, ASH_SEV_LOW);
    }
  }
  assert_true(seen_backup && seen_update && seen_monitor);
  got_free(&g);
  /* the loopback hunt joins the tunnel finding */
  assert_int_equal(run(&f, ASH_HUNT_LOOPBACK, &g), 0);
  assert_int_equal(g.n, 1);
  assert_true(has(&g.v[0].hosts, "app02"));
  assert_true(has(&g.v[0].ips, RELAY));
  assert_int_equal(g.v[0].severity, ASH_SEV_CRITICAL);
  got_free(&g);
  fx_remove(&f);
}

/* A chat app on every workstation: long, two-way, irregular sessions from
 * twelve hosts to addresses of one rented cloud network. Each alone looks
 * like a person's tunnel; together they are a service, and stay low. */
static void test_tunnel_shared_app(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "tunnel-shared", 13), 0);
  int64_t t0 = fx_time(T0);
  fx_source(&f, "fw-chat.log");
  for (int w = 0; w < 12; w++) {
    char src[32], dst[32];
    snprintf(src, sizeof src, "10.1.1.%d", 10 + w);
    snprintf(dst, sizeof dst, "3.112.%d.%d", 7 + w, 40 + w); /* EC2 ap-northeast-1 */
    for (int d = 0; d < 6; d++) {
      int64_t at = t0 + (3 * w + d * 4) * FX_DAY + fx_range(&f, 8, 10) * FX_HOUR;
      long_session(&f, at, fx_range(&f, 5 * 3600, 9 * 3600), src, dst, 300, 0, 0, 1);
    }
  }
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  assert_true(g.n >= 1);
  for (size_t i = 0; i < g.n; i++) {
    assert_true(dnum(&g.v[i], "similar_hosts") >= 2); /* the same network and port */
    assert_int_equal(g.v[i].severity, ASH_SEV_LOW);
  }
  got_free(&g);
  fx_remove(&f);
}

static void test_tunnel_without_host_logs(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "tunnel-nohost", 11), 0);
  /* the relay rented in the same /16 as the monitoring service's address:
   * its sessions do not look like the keep-alives next to it */
  build_cloud(&f, 0, 0, NEXT_TO_MONITOR);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  assert_true(g.n >= 4);
  /* firewall alone: still first, named by address, but medium: without
   * the host's logs it looks as a vendor's support session does (issue 11) */
  assert_true(has(&g.v[0].ips, NEXT_TO_MONITOR));
  assert_true(has(&g.v[0].ips, APP02));
  assert_int_equal(g.v[0].severity, ASH_SEV_MEDIUM);
  assert_int_equal(dnum(&g.v[0], "uncorroborated_cap"), 1);
  for (size_t i = 1; i < g.n; i++) assert_true(g.v[i].score < g.v[0].score - 20);
  got_free(&g);
  /* re-running replaces, not duplicates */
  size_t n1 = 0, stored = 0;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  n1 = g.n;
  got_free(&g);
  assert_int_equal(ash_store_findings(f.s, ASH_HUNT_TUNNEL, count_cb, &stored), 0);
  assert_int_equal(stored, n1);
  fx_remove(&f);
}

/* Issue 11 item 3: with no Windows logs at all, the firewall's own name
 * field (FortiGate srcname) names the tunnel host; a srcname that is only
 * the address again names nothing. */
static void test_tunnel_host_named_by_firewall(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "tunnel-fwname", 11), 0);
  build_cloud(&f, 0, 0, NEXT_TO_MONITOR);
  ash_kv named[] = {{ASH_STR_LIT("srcname"), ASH_STR_LIT("APP02")}};
  ash_kv bare[] = {{ASH_STR_LIT("srcname"), ASH_STR_LIT("10.1.2.31")}};
  for (int i = 0; i < 3; i++) {
    ash_event ev = fx_ev(ASH_KIND_FLOW, fx_time("2025-03-01T09:00:00Z") + i * FX_HOUR);
    fx_ip(&ev.src_ip, APP02);
    fx_ip(&ev.dst_ip, "10.1.0.53");
    ev.dst_port = 53;
    ev.host = ash_str_cstr("fw01");
    ev.attrs = named;
    ev.nattrs = 1;
    assert_int_equal(fx_add(&f, &ev), 0);
    ev.attrs = bare;
    fx_ip(&ev.src_ip, "10.1.2.31");
    assert_int_equal(fx_add(&f, &ev), 0);
  }
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_TUNNEL, &g), 0);
  assert_true(g.n >= 1);
  assert_true(has(&g.v[0].ips, APP02));
  assert_true(has(&g.v[0].hosts, "app02"));
  for (size_t i = 0; i < g.n; i++) assert_false(has(&g.v[i].hosts, "10.1.2.31"));
  got_free(&g);
  fx_remove(&f);
}

/* ---- past-incident link ---- */

static void test_link_many_vpn_users(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "link", 3), 0);
  int64_t det = fx_time("2024-10-12T14:03:00Z");
  int64_t start = det - 60 * FX_DAY;
  char user[32], home[32], tun[32], ws[32];
  /* history: 14 users on VPN from their homes every working day, and SMB
   * to the file server fs01 from their tunnel addresses */
  for (int d = 0; d < 60; d++)
    for (int u = 0; u < 14; u++) {
      snprintf(user, sizeof user, "user%02d", u);
      snprintf(home, sizeof home, "203.0.113.%d", 10 + u);
      snprintf(tun, sizeof tun, "10.212.134.%d", 10 + (u + d) % 40);
      int64_t in = start + d * FX_DAY + (8 * 3600 + u * 120) * FX_SEC;
      fx_vpn(&f, in, 1, user, home, tun, 0);
      fx_logon(&f, in + 10 * FX_MIN, "FS01", user, tun, 3);
      fx_vpn(&f, in + 8 * FX_HOUR, 0, user, home, tun, 8 * 3600);
    }
  /* t.sato uses the VPN from home too, but never fs01 */
  for (int d = 0; d < 60; d += 3) {
    int64_t in = start + d * FX_DAY + 9 * FX_HOUR;
    fx_vpn(&f, in, 1, "t.sato", "198.51.100.200", "10.212.134.90", 0);
    fx_logon(&f, in + 5 * FX_MIN, "ws-sato", "t.sato", "10.212.134.90", 10);
    fx_vpn(&f, in + 4 * FX_HOUR, 0, "t.sato", "198.51.100.200", "10.212.134.90", 4 * 3600);
  }
  /* an admin RDPs to fs01 regularly, from inside */
  for (int d = 0; d < 60; d += 2)
    fx_logon(&f, start + d * FX_DAY + 10 * FX_HOUR, "fs01", "adm.kato", "10.1.5.20", 10);
  /* the detection day: everyone on VPN, several on fs01 by SMB close to
   * the detection, the admin by RDP half an hour before */
  for (int u = 0; u < 14; u++) {
    snprintf(user, sizeof user, "user%02d", u);
    snprintf(home, sizeof home, "203.0.113.%d", 10 + u);
    snprintf(tun, sizeof tun, "10.212.134.%d", 100 + u);
    int64_t in = det - 5 * FX_HOUR + u * 10 * FX_MIN;
    fx_vpn(&f, in, 1, user, home, tun, 0);
    if (u % 2 == 0) fx_logon(&f, det - (u + 1) * FX_MIN, "fs01", user, tun, 3);
    fx_vpn(&f, det + 3 * FX_HOUR, 0, user, home, tun, 0);
  }
  fx_logon(&f, det - 31 * FX_MIN, "fs01", "adm.kato", "10.1.5.20", 10);
  /* the intruder: t.sato from a new address, RDP from its tunnel address */
  fx_vpn(&f, det - 12 * FX_MIN, 1, "t.sato", "198.51.100.7", "10.212.134.77", 0);
  fx_logon(&f, det - 3 * FX_MIN, "fs01", "t.sato", "10.212.134.77", 10);
  fx_av(&f, det, 1, "FS01", "HackTool:Win64/Mimikatz", "C:\\Users\\Public\\m.exe",
        "NT AUTHORITY\\SYSTEM", "Tool");
  fx_av(&f, det + 20 * FX_SEC, 0, "FS01", "HackTool:Win64/Mimikatz", "C:\\Users\\Public\\m.exe",
        NULL, "Tool");
  fx_vpn(&f, det + 40 * FX_MIN, 0, "t.sato", "198.51.100.7", "10.212.134.77", 52 * 60);
  /* adware on a workstation: not worth a finding */
  snprintf(ws, sizeof ws, "ws%02d", 3);
  fx_av(&f, det - 20 * FX_DAY, 1, ws, "Adware:Win32/Hotbar", "C:\\Users\\u\\AppData\\x.exe",
        "CORP\\user03", "Adware");
  /* a hacktool nobody can be tied to */
  fx_av(&f, det - 30 * FX_DAY, 1, "db01", "HackTool:Win32/Rubeus", "C:\\Windows\\Temp\\r.exe", NULL,
        "Tool");
  /* eight months later t.sato is back, from another new address */
  int64_t later = det + 240 * FX_DAY;
  fx_vpn(&f, later, 1, "t.sato", "192.0.2.44", "10.212.134.12", 0);
  fx_logon(&f, later + 10 * FX_MIN, "app02", "t.sato", "10.212.134.12", 10);
  fx_vpn(&f, later + 2 * FX_HOUR, 0, "t.sato", "192.0.2.44", "10.212.134.12", 7200);
  assert_int_equal(fx_finish(&f), 0);

  got g;
  assert_int_equal(run(&f, ASH_HUNT_LINK, &g), 0);
  size_t rank = 99;
  const ash_finding *l = first_of(&g, ASH_HUNT_LINK, &rank);
  assert_non_null(l);
  assert_int_equal(rank, 0);
  assert_true(l->accounts.n >= 1);
  assert_string_equal(l->accounts.v[0], "t.sato");
  assert_true(has(&l->hosts, "fs01"));
  assert_true(has(&l->ips, "198.51.100.7"));
  assert_true(has(&l->ips, "10.212.134.77"));
  assert_true(l->severity >= ASH_SEV_HIGH);
  assert_true(has(&l->files, "C:\\Users\\Public\\m.exe"));
  assert_true(dstr_is(l, "category", "high"));
  assert_true(dnum(l, "via_vpn") == 1);
  assert_true(dnum(l, "new_source") == 1); /* the first time from that address */
  assert_true(dstr_is(l, "contact", "rdp"));
  assert_true(dnum(l, "habitual") == 0); /* t.sato does not normally use fs01 */
  assert_true(dreason(l, "new_vpn_source") > 0);
  assert_true(dreason(l, "not_a_user_of_host") > 0);
  assert_true(dreason(l, "system_detection_user") > 0);
  assert_true(dreason(l, "habitual_access") == 0); /* absent */
  assert_true(dnum(l, "returned_new") == 1);       /* back eight months later, from a new address */
  assert_true(has(&l->ips, "192.0.2.44"));
  assert_true(dnum(l, "later_hosts") >= 1); /* later logons reached app02: */
  int app02 = 0;
  for (size_t i = 0; i < l->nevidence; i++) app02 |= strstr(l->evidence[i].text, "app02") != NULL;
  assert_true(app02); /* its logon is evidence (an event, not wording) */
  assert_true(l->nevidence >= 5);
  /* the unexplained hacktool is reported, the adware is not; a
   * credential-theft tool in Windows\Temp ranks high for what and where it
   * is even with no account tied to it (issue 11 item 2) */
  int unexplained = 0;
  for (size_t i = 0; i < g.n; i++) {
    assert_false(has(&g.v[i].hosts, "ws03")); /* the adware's host */
    if (has(&g.v[i].files, "C:\\Windows\\Temp\\r.exe")) {
      unexplained = 1;
      assert_int_equal(g.v[i].accounts.n, 0); /* no account identified */
      assert_true(dnum(&g.v[i], "candidates") == 0);
      assert_int_equal(g.v[i].severity, ASH_SEV_HIGH);
      assert_true(dreason(&g.v[i], "no_account") < 0);
      assert_true(dreason(&g.v[i], "staging_path") > 0);
      assert_true(dreason(&g.v[i], "credential_theft_or_c2_tool") > 0);
    }
  }
  assert_true(unexplained);
  got_free(&g);
  fx_remove(&f);
}

/* ---- loopback RDP ---- */

static void test_loopback(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "loop", 5), 0);
  int64_t t = fx_time("2025-05-01T10:00:00Z");
  fx_logon(&f, t, "APP02", "CORP\\t.sato", "127.0.0.1", 10);         /* fires */
  fx_logon(&f, t + FX_MIN, "db01", "svc_sql", "127.0.0.1", 2);       /* not RDP */
  fx_logon(&f, t + 2 * FX_MIN, "db02", "adm.kato", "::1", 9);        /* not RDP */
  fx_logon(&f, t + 3 * FX_MIN, "db03", "adm.kato", "10.1.5.20", 10); /* ordinary RDP */
  fx_rdp(&f, t + 4 * FX_MIN, "app03", "t.sato", "::", 21);           /* "::%16777216" */
  fx_rdp(&f, t + 5 * FX_MIN, "app04", "t.sato", "127.0.0.1", 1149);
  fx_rdp(&f, t + 6 * FX_MIN, "app05", "t.sato", NULL, 21); /* console: "LOCAL", no address */
  /* app06 reached from its own address, known from Sysmon */
  fx_netconn(&f, t, "app06", "C:\\Windows\\System32\\svchost.exe", "10.1.2.66", 50000, "10.1.2.1",
             53);
  fx_logon(&f, t + 7 * FX_MIN, "app06", "t.sato", "10.1.2.66", 10);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_LOOPBACK, &g), 0);
  assert_int_equal(g.n, 4);
  int a2 = 0, a3 = 0, a4 = 0, a6 = 0;
  for (size_t i = 0; i < g.n; i++) {
    const ash_finding *x = &g.v[i];
    assert_false(has(&x->hosts, "db01"));
    assert_false(has(&x->hosts, "db02"));
    assert_false(has(&x->hosts, "db03"));
    assert_false(has(&x->hosts, "app05"));
    assert_true(x->severity >= ASH_SEV_HIGH);
    assert_true(has(&x->accounts, "t.sato"));
    a2 |= has(&x->hosts, "app02");
    a3 |= has(&x->hosts, "app03");
    a4 |= has(&x->hosts, "app04");
    a6 |= has(&x->hosts, "app06");
  }
  assert_true(a2 && a3 && a4 && a6);
  got_free(&g);
  fx_remove(&f);
}

/* A licence crack in a user's own Downloads on a workstation whose logs
 * begin the day before: "no logons there before that day" is the logs'
 * start, not evidence that the user does not normally use the machine.
 * Not high, and the reason says why (bench_hunt seed 27 was high 77).
 * With three weeks of the host's logons before, the same first logon is
 * "not a user of the host". */
static void link_console_case(int history_days, got *g, fx *f) {
  assert_int_equal(fx_open(f, history_days ? "link-long" : "link-short", 31), 0);
  int64_t det = fx_time("2025-02-18T01:53:00Z");
  fx_source(f, "pc39-security.log");
  /* the host's logs: another user at its console every day */
  for (int d = history_days ? history_days : 1; d >= 1; d--)
    fx_logon(f, det - d * FX_DAY, "pc0039", "m.ueda", "127.0.0.1", 2);
  fx_logon(f, det - 90 * FX_MIN, "pc0039", "k.kobayashi", "127.0.0.1", 2);
  fx_av(f, det, 1, "PC0039", "HackTool:Win32/AutoKMS",
        "C:\\Users\\k.kobayashi\\Downloads\\KMSpico\\AutoPico.exe", "CORP\\k.kobayashi", "Tool");
  fx_av(f, det + 2 * FX_SEC, 0, "PC0039", "HackTool:Win32/AutoKMS",
        "C:\\Users\\k.kobayashi\\Downloads\\KMSpico\\AutoPico.exe", NULL, "Tool");
  assert_int_equal(fx_finish(f), 0);
  assert_int_equal(run(f, ASH_HUNT_LINK, g), 0);
}

static void test_link_logs_begin_just_before_detection(void **state) {
  (void)state;
  fx f;
  got g;
  link_console_case(0, &g, &f);
  size_t rank = 99;
  const ash_finding *l = first_of(&g, ASH_HUNT_LINK, &rank);
  assert_non_null(l);
  assert_true(l->severity < ASH_SEV_HIGH);
  assert_true(dreason(l, "not_a_user_of_host") == 0);
  got_free(&g);
  fx_remove(&f);
  link_console_case(21, &g, &f);
  l = first_of(&g, ASH_HUNT_LINK, &rank);
  assert_non_null(l);
  assert_true(dreason(l, "not_a_user_of_host") > 0);
  got_free(&g);
  fx_remove(&f);
}

/* ---- beacon: a service's agents, and update pulls ---- */

/* Connections from src to dst:443 every step seconds (+-30 s) for DAYS
 * days, out/in bytes each, 20 s long. */
static void schedule(fx *f, const char *src, const char *dst, int64_t step, int64_t out,
                     int64_t in) {
  int64_t t0 = fx_time(T0);
  for (int64_t t = t0 + fx_range(f, 0, step) * FX_SEC; t < t0 + DAYS * FX_DAY; t += step * FX_SEC)
    assert_int_equal(fx_flow(f, t + fx_range(f, -30, 30) * FX_SEC + 20 * FX_SEC, src, dst, 443,
                             out + fx_range(f, 0, out / 10), in + fx_range(f, 0, in / 10), 20),
                     0);
}

/* Every server's monitoring agent calls the vendor's pool, each server its
 * own address of the same provider network, on the same schedule: one
 * host per address, so counted by address each looked like an implant's
 * beacon. None may rank high; the lone host's beacon to a rented address
 * elsewhere stays high. */
static void test_beacon_agent_pool_on_every_server_not_high(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "beacon-agents", 21), 0);
  fx_source(&f, "fw-agents.log");
  /* the pool spans /16s of one published block (3.248.0.0/13), as a
   * vendor's addresses do */
  static const char *pool[] = {"3.248.99.10", "3.249.99.11", "3.250.120.5",
                               "3.251.7.9",   "3.252.99.12", "3.253.64.3"};
  for (int i = 0; i < 6; i++) schedule(&f, servers[i], pool[i], 30 * 60, 2000, 3000);
  schedule(&f, APP02, RELAY, 20 * 60, 1500, 2500);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_BEACON, &g), 0);
  int relay = 0, agents = 0;
  for (size_t i = 0; i < g.n; i++) {
    if (has(&g.v[i].ips, RELAY)) {
      relay = 1;
      assert_true(g.v[i].severity >= ASH_SEV_HIGH);
      continue;
    }
    agents++;
    assert_true(dnum(&g.v[i], "internal_hosts_alike_to_network") >= 2);
    assert_true(g.v[i].severity < ASH_SEV_HIGH);
  }
  assert_true(relay);
  assert_int_equal(agents, 6);
  got_free(&g);
  fx_remove(&f);
}

/* A server pulling updates on a schedule: each connection brings in
 * hundreds of megabytes and sends back next to nothing. Not high. */
static void test_beacon_update_download_not_high(void **state) {
  (void)state;
  fx f;
  assert_int_equal(fx_open(&f, "beacon-update", 22), 0);
  fx_source(&f, "fw-update.log");
  schedule(&f, servers[0], RELAY, 6 * 3600, 200 * 1000, 300 * 1000 * 1000);
  assert_int_equal(fx_finish(&f), 0);
  got g;
  assert_int_equal(run(&f, ASH_HUNT_BEACON, &g), 0);
  assert_true(g.n >= 1);
  assert_true(has(&g.v[0].ips, RELAY));
  assert_true(g.v[0].severity < ASH_SEV_HIGH);
  got_free(&g);
  fx_remove(&f);
}

/* ---- ranges ---- */

static void test_ranges(void **state) {
  (void)state;
  static const char data[] = "# test\n=0\taws\tus-east-1\tEC2\n=1\taws\tus-east-1\tS3\n"
                             "3.0.0.0/8\t0\n3.5.0.0/16\t1\n2600:1f18::/32\t0\n";
  ash_ranges *r;
  uint64_t line = 0;
  assert_int_equal(ash_ranges_load_mem(&r, data, sizeof data - 1, &line), 0);
  ash_ip ip;
  ash_cloud c;
  ash_ip_parse(ash_str_cstr("3.5.1.1"), &ip);
  assert_int_equal(ash_ranges_lookup(r, &ip, &c), 1);
  assert_string_equal(c.service, "S3");
  /* the published prefix that holds it, the most specific one (beacon's
   * peers are counted by it) */
  assert_int_equal(c.prefix_len, 16);
  assert_int_equal(ash_cloud_rentable(&c), 0);
  ash_ip_parse(ash_str_cstr("3.6.1.1"), &ip);
  assert_int_equal(ash_ranges_lookup(r, &ip, &c), 1);
  assert_string_equal(c.service, "EC2");
  assert_int_equal(c.prefix_len, 8);
  assert_int_equal(ash_cloud_rentable(&c), 2);
  ash_ip_parse(ash_str_cstr("2600:1f18::5"), &ip);
  assert_int_equal(ash_ranges_lookup(r, &ip, &c), 1);
  assert_int_equal(c.prefix_len, 32);
  ash_ip_parse(ash_str_cstr("8.8.8.8"), &ip);
  assert_int_equal(ash_ranges_lookup(r, &ip, &c), 0);
  ash_ranges_close(r);
  /* a class used before it is defined, or a bad prefix, is refused */
  static const char bad1[] = "3.0.0.0/8\t0\n";
  assert_int_equal(ash_ranges_load_mem(&r, bad1, sizeof bad1 - 1, &line), ASH_EFORMAT);
  assert_int_equal(line, 1);
  static const char bad2[] = "=0\taws\t\t\n3.0.0.0/99\t0\n";
  assert_int_equal(ash_ranges_load_mem(&r, bad2, sizeof bad2 - 1, &line), ASH_EFORMAT);
  assert_int_equal(line, 2);
  /* the shipped data file loads and names a known relay range */
  assert_non_null(g_ranges);
  assert_true(ash_ranges_count(g_ranges) > 10000);
  ash_ip_parse(ash_str_cstr(RELAY), &ip);
  assert_int_equal(ash_ranges_lookup(g_ranges, &ip, &c), 1);
  assert_string_equal(c.provider, "aws");
  assert_string_equal(c.service, "EC2");
}

static void test_ranges_import(void **state) {
  (void)state;
  char dir[] = "/tmp/ash-test-ranges-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char aws[300], geo[300], out[300];
  snprintf(aws, sizeof aws, "%s/aws.json", dir);
  snprintf(geo, sizeof geo, "%s/vultr.csv", dir);
  snprintf(out, sizeof out, "%s/out.tsv", dir);
  FILE *f = fopen(aws, "w");
  assert_non_null(f);
  fputs("{\"syncToken\":\"1\",\"createDate\":\"2025-01-01-00-00-00\",\"prefixes\":["
        "{\"ip_prefix\":\"3.0.0.0/16\",\"region\":\"us-east-1\",\"service\":\"AMAZON\"},"
        "{\"ip_prefix\":\"3.0.0.0/16\",\"region\":\"us-east-1\",\"service\":\"EC2\"},"
        "{\"ip_prefix\":\"3.0.5.0/24\",\"region\":\"us-east-1\",\"service\":\"EC2\"},"
        "{\"ip_prefix\":\"3.1.0.0/24\",\"region\":\"us-east-1\",\"service\":\"S3\"},"
        "{\"ip_prefix\":\"3.1.1.0/24\",\"region\":\"us-east-1\",\"service\":\"S3\"},"
        "{\"ip_prefix\":\"bad\",\"region\":\"x\",\"service\":\"S3\"}],"
        "\"ipv6_prefixes\":[{\"ipv6_prefix\":\"2600:1f18::/32\",\"region\":\"us-east-1\","
        "\"service\":\"EC2\"}]}",
        f);
  fclose(f);
  f = fopen(geo, "w");
  assert_non_null(f);
  fputs("# geofeed\n45.32.0.0/16,JP,JP-13,Tokyo,\n", f);
  fclose(f);
  ash_ranges_builder *b;
  assert_int_equal(ash_ranges_builder_new(&b), 0);
  uint64_t n = 0;
  char why[256] = "";
  assert_int_equal(ash_ranges_builder_add_file(b, aws, NULL, &n, why, sizeof why), 0);
  assert_int_equal(n, 6);
  assert_int_equal(ash_ranges_builder_add_file(b, geo, NULL, &n, why, sizeof why), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ash_ranges_builder_write(b, out, &n), 0);
  /* 3.0.5.0/24 says what 3.0.0.0/16 says; the two S3 /24s join */
  assert_int_equal(n, 4);
  ash_ranges_builder_close(b);
  ash_ranges *r;
  assert_int_equal(ash_ranges_load(&r, out, NULL), 0);
  ash_ip ip;
  ash_cloud c;
  ash_ip_parse(ash_str_cstr("3.1.1.9"), &ip);
  assert_int_equal(ash_ranges_lookup(r, &ip, &c), 1);
  assert_string_equal(c.service, "S3");
  ash_ip_parse(ash_str_cstr("45.32.9.9"), &ip);
  assert_int_equal(ash_ranges_lookup(r, &ip, &c), 1);
  assert_string_equal(c.provider, "vultr");
  assert_string_equal(c.region, "Tokyo, JP");
  assert_int_equal(ash_cloud_rentable(&c), 2);
  ash_ranges_close(r);
  unlink(aws);
  unlink(geo);
  unlink(out);
  rmdir(dir);
}

static int group_setup(void **state) {
  (void)state;
  const char *src = getenv("ASH_SRC");
  char p[1024];
  snprintf(p, sizeof p, "%s/data/cloud-ranges.tsv", src ? src : ".");
  if (ash_ranges_load(&g_ranges, p, NULL)) g_ranges = NULL;
  return 0;
}
static int group_teardown(void **state) {
  (void)state;
  ash_ranges_close(g_ranges);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ranges),
      cmocka_unit_test(test_ranges_import),
      cmocka_unit_test(test_loopback),
      cmocka_unit_test(test_tunnel_vs_benign),
      cmocka_unit_test(test_hosts_to_address_counted_once),
      cmocka_unit_test(test_undirected_bytes_per_flow),
      cmocka_unit_test(test_tunnel_without_host_logs),
      cmocka_unit_test(test_tunnel_host_named_by_firewall),
      cmocka_unit_test(test_tunnel_shared_app),
      cmocka_unit_test(test_link_many_vpn_users),
      cmocka_unit_test(test_link_logs_begin_just_before_detection),
      cmocka_unit_test(test_beacon_agent_pool_on_every_server_not_high),
      cmocka_unit_test(test_beacon_update_download_not_high),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
