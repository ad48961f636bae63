/* Firewall sessions of the simulation: one final record when a session
 * ends, and for long TCP sessions interim records (FortiOS "traffic
 * statistics") every --interim seconds with cumulative and delta bytes, shaped
 * either steadily (agents, uploads, downloads) or in bursts (a person
 * working through a tunnel). */
#include <string.h>

#include "gen_int.h"

#define MAX_SLICES 4096

static uint32_t pkts(uint64_t bytes, uint32_t avg) {
  uint64_t p = bytes / avg + 1;
  return p > 0xffffffffu ? 0xffffffffu : (uint32_t)p;
}

void g_flow_push_shaped(g_ctx *c, const g_flow *f, int bursty) {
  g_flow base = *f;
  if (!base.sessionid) base.sessionid = c->fw_session++;
  if (base.dur < 0) base.dur = 0;
  int64_t iv = c->fw->interim ? (int64_t)c->o->interim_s * G_SEC : 0;
  if (c->fw->logs_start) {
    g_rec *r = g_rec_new(&c->sched);
    if (!r) return;
    r->type = GR_FLOW;
    r->ts = base.start;
    r->u.f = base;
    r->u.f.filler = 2;
    g_sched_push(&c->sched, r);
  }
  int64_t n = iv > 0 ? base.dur / iv : 0;
  if (base.proto == 6 && n > 0) {
    if (n > MAX_SLICES) n = MAX_SLICES;
    static double w[MAX_SLICES + 1], v[MAX_SLICES + 1];
    double sw = 0, sv = 0;
    for (int64_t i = 0; i <= n; i++) {
      if (bursty) {
        /* Idle stretches and bursts while someone works. */
        w[i] = g_chance(&c->rng, 0.3) ? 0.02 : g_lognorm(&c->rng, 1.0, 1.3);
        v[i] = w[i] * g_lognorm(&c->rng, 1.0, 0.5);
      } else {
        w[i] = 1.0 + 0.1 * (g_unit(&c->rng) - 0.5);
        v[i] = 1.0 + 0.1 * (g_unit(&c->rng) - 0.5);
      }
      sw += w[i];
      sv += v[i];
    }
    uint64_t cs = 0, cr = 0;
    uint32_t ps = 0, pr = 0;
    for (int64_t i = 0; i < n; i++) {
      g_rec *r = g_rec_new(&c->sched);
      if (!r) return;
      r->type = GR_FLOW;
      r->ts = base.start + (i + 1) * iv;
      r->u.f = base;
      uint64_t ds = (uint64_t)((double)base.sent * w[i] / sw);
      uint64_t dr = (uint64_t)((double)base.rcvd * v[i] / sv);
      cs += ds;
      cr += dr;
      r->u.f.action = FA_ACCEPT;
      r->u.f.dur = (i + 1) * iv;
      r->u.f.durd = (uint32_t)(iv / G_SEC);
      r->u.f.sent = cs;
      r->u.f.rcvd = cr;
      r->u.f.sentd = ds;
      r->u.f.rcvdd = dr;
      r->u.f.spkt = pkts(cs, 600);
      r->u.f.rpkt = pkts(cr, 900);
      r->u.f.spktd = r->u.f.spkt - ps;
      r->u.f.rpktd = r->u.f.rpkt - pr;
      ps = r->u.f.spkt;
      pr = r->u.f.rpkt;
      g_sched_push(&c->sched, r);
    }
  }
  g_rec *r = g_rec_new(&c->sched);
  if (!r) return;
  r->type = GR_FLOW;
  r->ts = base.start + base.dur;
  r->u.f = base;
  r->u.f.spkt = pkts(base.sent, 600);
  r->u.f.rpkt = pkts(base.rcvd, 900);
  if (base.proto == 17) {
    r->u.f.spkt = pkts(base.sent, 120);
    r->u.f.rpkt = pkts(base.rcvd, 200);
  }
  g_sched_push(&c->sched, r);
}

void g_flow_push(g_ctx *c, const g_flow *f) { g_flow_push_shaped(c, f, 0); }

void g_flow_server_out(g_ctx *c, g_flow *f, uint32_t src, uint32_t dst, uint16_t dport,
                       int64_t start, int64_t dur) {
  memset(f, 0, sizeof *f);
  f->start = start;
  f->dur = dur;
  f->src = src;
  f->dst = dst;
  f->sport = (uint16_t)g_range(&c->rng, 49152, 65535);
  f->dport = dport;
  f->proto = 6;
  f->szone = Z_SERVERS;
  f->dzone = Z_WAN;
  f->ep = -1;
  f->user = -1;
}
