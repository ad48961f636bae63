/* Building small cases for the hunt tests directly through the store API:
 * one synthetic source per call of fx_source, events added with helpers
 * that fill what the parsers would. Deterministic (own PRNG). */
#ifndef ASH_TEST_HUNT_FIXTURE_H
#define ASH_TEST_HUNT_FIXTURE_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/event.h"
#include "ashiato/store.h"
#include "ashiato/time.h"

#define FX_SEC ((int64_t)1000000)
#define FX_MIN (60 * FX_SEC)
#define FX_HOUR (3600 * FX_SEC)
#define FX_DAY (86400 * FX_SEC)

typedef struct fx {
  ash_store *s;
  int64_t src;
  int open;
  char path[256];
  uint64_t ref, nsrc, rng, events;
} fx;

static inline uint64_t fx_rand(fx *f) {
  /* splitmix64 */
  uint64_t z = (f->rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static inline int64_t fx_range(fx *f, int64_t lo, int64_t hi) {
  return lo + (int64_t)(fx_rand(f) % (uint64_t)(hi - lo + 1));
}

static inline int64_t fx_time(const char *iso) {
  int64_t t = 0;
  ash_time_parse_iso(ash_str_cstr(iso), &t);
  return t;
}

static inline void fx_source(fx *f, const char *name) {
  if (f->open) {
    ash_source_info c;
    memset(&c, 0, sizeof c);
    c.read = c.parsed = c.events = f->events;
    c.first_ts = c.last_ts = ASH_TIME_UNSET;
    ash_store_source_end(f->s, f->src, &c);
  }
  char sha[65];
  snprintf(sha, sizeof sha, "%064" PRIx64, ++f->nsrc);
  int dup;
  ash_store_source_begin(f->s, name, 0, sha, NULL, &f->src, &dup);
  f->open = 1;
  f->ref = 0;
  f->events = 0;
}

static inline int fx_open(fx *f, const char *name, uint64_t seed) {
  memset(f, 0, sizeof *f);
  f->rng = seed;
  snprintf(f->path, sizeof f->path, "/tmp/ash-test-hunt-%d-%s.db", (int)getpid(), name);
  unlink(f->path);
  int rc = ash_store_open(&f->s, f->path, ASH_STORE_CREATE);
  if (!rc) fx_source(f, "synthetic.log");
  return rc;
}

/* Finish the source and reopen the store so that indexes are built. */
static inline int fx_finish(fx *f) {
  fx_source(f, "unused.log");
  ash_source_info c;
  memset(&c, 0, sizeof c);
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  ash_store_source_end(f->s, f->src, &c);
  f->open = 0;
  int rc = ash_store_close(f->s);
  f->s = NULL;
  if (!rc) rc = ash_store_open(&f->s, f->path, 0);
  return rc;
}

static inline void fx_remove(fx *f) {
  ash_store_close(f->s);
  f->s = NULL;
  /* ASH_TEST_KEEP=1 keeps the cases for a look with `ashiato hunt` */
  if (getenv("ASH_TEST_KEEP")) return;
  char p[300];
  unlink(f->path);
  snprintf(p, sizeof p, "%s-wal", f->path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", f->path);
  unlink(p);
}

static inline ash_event fx_ev(const char *kind, int64_t ts) {
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = kind;
  ev.ts = ts;
  return ev;
}

static inline void fx_ip(ash_ip *ip, const char *s) {
  if (s) ash_ip_parse(ash_str_cstr(s), ip);
}

static inline int fx_add(fx *f, ash_event *ev) {
  ev->ref = f->ref;
  f->ref += 200;
  f->events++;
  return ash_store_add_event(f->s, f->src, ev);
}

/* A finished firewall session: logged when it ends, at ts. */
static inline int fx_flow(fx *f, int64_t ts, const char *src, const char *dst, int dport,
                          int64_t out, int64_t in, int64_t dur_s) {
  ash_event ev = fx_ev(ASH_KIND_FLOW, ts);
  fx_ip(&ev.src_ip, src);
  fx_ip(&ev.dst_ip, dst);
  ev.src_port = 50000;
  ev.dst_port = dport;
  ev.bytes_out = out;
  ev.bytes_in = in;
  ev.duration_us = dur_s * FX_SEC;
  ev.action = ash_str_cstr("close");
  ev.proto = ash_str_cstr("tcp");
  ev.host = ash_str_cstr("fw01");
  return fx_add(f, &ev);
}

/* A FortiGate-style interim record: totals so far and the last interval's
 * deltas in attrs. */
static inline int fx_interim(fx *f, int64_t ts, const char *src, const char *dst, int dport,
                             int64_t out, int64_t in, int64_t dur_s, int64_t sd, int64_t rd) {
  ash_event ev = fx_ev(ASH_KIND_FLOW, ts);
  fx_ip(&ev.src_ip, src);
  fx_ip(&ev.dst_ip, dst);
  ev.src_port = 50000;
  ev.dst_port = dport;
  ev.bytes_out = out;
  ev.bytes_in = in;
  ev.duration_us = dur_s * FX_SEC;
  ev.action = ash_str_cstr("accept");
  ev.host = ash_str_cstr("fw01");
  char a[32], b[32];
  snprintf(a, sizeof a, "%" PRId64, sd);
  snprintf(b, sizeof b, "%" PRId64, rd);
  ash_kv kv[3] = {{ash_str_cstr("logid"), ash_str_cstr("0000000020")},
                  {ash_str_cstr("sentdelta"), ash_str_cstr(a)},
                  {ash_str_cstr("rcvddelta"), ash_str_cstr(b)}};
  ev.attrs = kv;
  ev.nattrs = 3;
  return fx_add(f, &ev);
}

static inline int fx_logon(fx *f, int64_t ts, const char *host, const char *user, const char *src,
                           int type) {
  ash_event ev = fx_ev(ASH_KIND_WIN_LOGON, ts);
  ev.host = ash_str_cstr(host);
  ev.user = ash_str_cstr(user);
  ev.domain = ash_str_cstr("CORP");
  fx_ip(&ev.src_ip, src);
  ev.logon_type = type;
  ev.event_id = 4624;
  ev.channel = ash_str_cstr("Security");
  return fx_add(f, &ev);
}

static inline int fx_rdp(fx *f, int64_t ts, const char *host, const char *user, const char *src,
                         int eid) {
  ash_event ev = fx_ev(ASH_KIND_WIN_RDP, ts);
  ev.host = ash_str_cstr(host);
  ev.user = ash_str_cstr(user);
  fx_ip(&ev.src_ip, src);
  ev.event_id = eid;
  return fx_add(f, &ev);
}

static inline int fx_netconn(fx *f, int64_t ts, const char *host, const char *proc, const char *src,
                             int sport, const char *dst, int dport) {
  ash_event ev = fx_ev(ASH_KIND_WIN_NETCONN, ts);
  ev.host = ash_str_cstr(host);
  ev.process = ash_str_cstr(proc);
  fx_ip(&ev.src_ip, src);
  fx_ip(&ev.dst_ip, dst);
  ev.src_port = sport;
  ev.dst_port = dport;
  ev.event_id = 3;
  return fx_add(f, &ev);
}

static inline int fx_vpn(fx *f, int64_t ts, int login, const char *user, const char *remote,
                         const char *tunnel, int64_t dur_s) {
  ash_event ev = fx_ev(login ? ASH_KIND_VPN_LOGIN : ASH_KIND_VPN_LOGOUT, ts);
  ev.host = ash_str_cstr("fw01");
  ev.user = ash_str_cstr(user);
  fx_ip(&ev.src_ip, remote);
  fx_ip(&ev.tunnel_ip, tunnel);
  if (!login) ev.duration_us = dur_s * FX_SEC;
  ev.action = ash_str_cstr(login ? "tunnel-up" : "tunnel-down");
  return fx_add(f, &ev);
}

static inline int fx_av(fx *f, int64_t ts, int detect, const char *host, const char *threat,
                        const char *path, const char *user, const char *category) {
  ash_event ev = fx_ev(detect ? ASH_KIND_AV_DETECT : ASH_KIND_AV_ACTION, ts);
  ev.host = ash_str_cstr(host);
  ev.threat = ash_str_cstr(threat);
  ev.path = ash_str_cstr(path);
  ev.event_id = detect ? 1116 : 1117;
  ev.action = ash_str_cstr(detect ? "" : "Quarantine");
  ash_kv kv[2] = {{ash_str_cstr("Category Name"), ash_str_cstr(category)},
                  {ash_str_cstr("Detection User"), ash_str_cstr(user ? user : "")}};
  ev.attrs = kv;
  ev.nattrs = user ? 2 : 1;
  return fx_add(f, &ev);
}

#endif
