/* The shared VPN session model (src/hunt/model_vpn.c) built from each
 * vendor's documented sample lines (the golden parser inputs, whose
 * records are listed in docs/formats.md): what a session is, per vendor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ashiato/error.h"
#include "ashiato/ingest.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "hunt/hunt_internal.h"

typedef struct vcase {
  char db[256];
  ash_store *s;
  ash_tz *tz;
  hunt_ctx c;
  const hunt_vpn *v;
} vcase;

static void dump(const vcase *k) {
  for (size_t i = 0; i < k->v->ns; i++) {
    const hunt_vpn_session *s = &k->v->s[i];
    char a[32], b[32], r[ASH_IP_STRLEN], t[ASH_IP_STRLEN];
    ash_time_format(s->start, a);
    ash_time_format(s->end, b);
    ash_ip_format(&s->remote, r);
    ash_ip_format(&s->tunnel, t);
    print_message("%s %s..%s %s %s recs %u\n", hunt_account_name(&k->c, s->user), a, b, r, t,
                  s->nrec);
  }
}

/* Ingest tests/golden/<file> with format fmt (and map, clock skew) and
 * build the model. */
static void build(vcase *k, const char *file, const char *fmt, const char *map, int64_t skew) {
  memset(k, 0, sizeof *k);
  const char *src = getenv("ASH_SRC");
  assert_non_null(src);
  char path[1024], mpath[1024];
  snprintf(path, sizeof path, "%s/tests/golden/%s", src, file);
  snprintf(k->db, sizeof k->db, "/tmp/ash-test-vpn-%d.db", (int)getpid());
  unlink(k->db);
  assert_int_equal(ash_store_open(&k->s, k->db, ASH_STORE_CREATE), 0);
  ash_ingest_opts o;
  memset(&o, 0, sizeof o);
  o.parse.threads = 1;
  o.parse.clock_skew_us = skew;
  if (map) {
    snprintf(mpath, sizeof mpath, "%s/tests/golden/%s", src, map);
    o.parse.map_path = mpath;
  }
  o.format = ash_format_find(fmt);
  assert_non_null(o.format);
  const char *paths[1] = {path};
  ash_ingest_totals t;
  assert_int_equal(ash_ingest(k->s, paths, 1, &o, &t), 0);
  assert_int_equal(ash_store_commit(k->s), 0);
  k->c.store = k->s;
  assert_int_equal(hunt_vpn_sessions(&k->c, &k->v), 0);
  if (getenv("ASH_DUMP")) dump(k);
}

static void done(vcase *k) {
  hunt_vpn_free(k->c.vpn);
  ash_strtab_free(&k->c.accounts);
  ash_store_close(k->s);
  unlink(k->db);
}

static int64_t at(const char *iso) {
  int64_t t;
  assert_int_equal(ash_time_parse_iso(ash_str_cstr(iso), &t), 0);
  return t;
}

static void ip_is(const ash_ip *ip, const char *want) {
  char s[ASH_IP_STRLEN];
  ash_ip_format(ip, s);
  assert_string_equal(s, want);
}

/* The session of user starting at start, or fail. */
static const hunt_vpn_session *find(const vcase *k, const char *user, const char *start) {
  int64_t t = at(start);
  for (size_t i = 0; i < k->v->ns; i++) {
    const hunt_vpn_session *s = &k->v->s[i];
    if (s->start == t && !strcmp(hunt_account_name(&k->c, s->user), user)) return s;
  }
  fail_msg("no session of %s starting at %s", user, start);
  return NULL;
}

/* FortiGate: SSL-VPN tunnel-up / tunnel-stats / tunnel-down (the down
 * names no tunnel address: the account's open session ends), and IPsec
 * tunnel-up / tunnel-down of an XAUTH user. */
static void test_fortigate_tunnel_up_stats_down(void **st) {
  (void)st;
  vcase k;
  build(&k, "fortigate/vpn.log", "fortigate", NULL, 0);
  assert_int_equal(k.v->ns, 2);
  const hunt_vpn_session *a = find(&k, "t.sato", "2025-03-02T01:22:01.563840Z");
  ip_is(&a->tunnel, "10.212.134.200");
  ip_is(&a->remote, "203.0.113.45");
  assert_int_equal(a->end, at("2025-03-02T04:41:10.118022Z"));
  assert_int_equal(a->bytes_out, 15230112);
  assert_int_equal(a->bytes_in, 210772390);
  assert_int_equal(a->nrec, 3); /* up, stats, down */
  assert_true(a->login_id && a->logout_id);
  const hunt_vpn_session *c = find(&k, "k.ito", "2019-05-13T21:30:01.520099Z");
  ip_is(&c->tunnel, "10.10.10.5");
  assert_int_equal(c->end, at("2019-05-13T23:30:01.720099Z"));
  assert_int_equal(c->bytes_in, 5501221);
  done(&k);
}

/* Cisco ASA: 113039 (parent session), 722022 (channel), 722051 (tunnel
 * address) and 113019 (end, bytes) are one session; 716001/716002 another. */
static void test_asa_113039_722051_113019_one_session(void **st) {
  (void)st;
  vcase k;
  build(&k, "asa/sessions.log", "asa", NULL, 0);
  assert_int_equal(k.v->ns, 2);
  const hunt_vpn_session *a = find(&k, "t.sato", "2025-03-02T08:01:05Z");
  ip_is(&a->tunnel, "10.250.8.37");
  ip_is(&a->remote, "198.51.100.77");
  assert_int_equal(a->end, at("2025-03-02T17:45:00Z"));
  assert_int_equal(a->bytes_out, 28559584);
  assert_int_equal(a->bytes_in, 187346964);
  assert_int_equal(a->nrec, 8); /* 2 logins, 5 channel records, the logout */
  assert_int_equal(a->open, 0);
  const hunt_vpn_session *b = find(&k, "k.ito", "2025-03-02T09:00:00Z");
  assert_int_equal(b->end, at("2025-03-02T09:30:00Z"));
  assert_int_equal(b->nprev, 0);
  done(&k);
}

/* PAN-OS: GlobalProtect gateway-connected / gateway-logout (9.1+), and the
 * older SYSTEM records: auth-succ (public address) then config-succ
 * (tunnel address) two seconds later are one session, which logout-succ
 * (naming neither address) ends. */
static void test_panos_globalprotect_sessions(void **st) {
  (void)st;
  vcase k;
  build(&k, "panos/mixed.log", "panos", NULL, 0);
  assert_int_equal(k.v->ns, 2);
  const hunt_vpn_session *a = find(&k, "t.sato", "2025-03-01T23:01:10Z");
  ip_is(&a->tunnel, "10.200.0.15");
  ip_is(&a->remote, "198.51.100.77");
  assert_int_equal(a->end, at("2025-03-02T08:45:00Z"));
  const hunt_vpn_session *b = find(&k, "jordy", "2020-09-24T17:22:59Z");
  ip_is(&b->remote, "205.178.144.19");
  ip_is(&b->tunnel, "192.168.55.100");
  assert_int_equal(b->end, at("2020-09-24T18:40:10Z"));
  assert_int_equal(b->nrec, 3);
  assert_int_equal(b->logout_id != 0, 1);
  done(&k);
}

/* The mapped format (a vendor ashiato has no parser for): connect,
 * heartbeat (a session in progress), disconnect with bytes. */
static void test_mapped_connect_disconnect(void **st) {
  (void)st;
  vcase k;
  build(&k, "mapped/vpn.log", "mapped", "mapped/vendorx_vpn.map", -60 * ASH_SEC);
  assert_int_equal(k.v->ns, 1);
  const hunt_vpn_session *a = find(&k, "t.sato", "2025-03-02T10:00:10Z");
  ip_is(&a->tunnel, "10.250.8.37");
  assert_int_equal(a->end, at("2025-03-02T19:44:00Z"));
  assert_int_equal(a->bytes_out, 28559584);
  assert_int_equal(a->nrec, 3);
  done(&k);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fortigate_tunnel_up_stats_down),
      cmocka_unit_test(test_asa_113039_722051_113019_one_session),
      cmocka_unit_test(test_panos_globalprotect_sessions),
      cmocka_unit_test(test_mapped_connect_disconnect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
