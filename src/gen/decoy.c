/* Decoys of the scenario families (issue 11): ordinary events that share
 * one or two signals with the intrusion and must not be reported as it.
 * Each is planned once (g_decoy_plan) and runs as an act of the plan:
 *
 * travel      an admin connects from home in the morning and from an
 *             address nobody used before (abroad) the same afternoon, and
 *             RDPs to the same server both times: a new VPN source and an
 *             RDP logon from it, the shape of a stolen account's return;
 * tools       right after his usual VPN logon an admin RDPs to his server
 *             and copies his tools folder into his profile there: Defender
 *             detects HackTool (AutoKMS, PsExec, NirSoft) on a server while
 *             a VPN user is on it, the shape of the past incident;
 * otheradmin  a detection whose Detection User is an admin logged on to the
 *             server by RDP from his own workstation (he opened a share
 *             folder), with nobody else there;
 * vendor      a software vendor's support agent on an application server
 *             holds long interactive HTTPS sessions, for hours on several
 *             days, to an address in the same cloud provider as the relay.
 *
 * Decisions come from a stream of their own (9), so a decoy never moves
 * the intrusion's details. */
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

enum { DA_TRAVEL_HOME, DA_TRAVEL_AWAY, DA_TOOLS, DA_OADMIN, DA_VENDOR };

static const char *const TOOLS[][2] = {
    {"HackTool:Win32/AutoKMS", "C:\\Users\\%s\\Tools\\KMS\\AutoKMS.exe"},
    {"HackTool:Win32/PsExec", "C:\\Users\\%s\\Tools\\SysinternalsSuite\\PsExec64.exe"},
    {"HackTool:Win32/NetPass", "C:\\Users\\%s\\Tools\\NirSoft\\netpass.exe"},
};
static const char *const AWAY_COUNTRY[] = {"Singapore", "United States", "Germany", "Taiwan"};

/* A workday in [lo, hi] that is not within a day of the intrusion's own
 * days, so that a decoy and an intrusion step never share a day (a finding
 * that mixes both could not be scored). */
static int pick_day(g_ctx *c, g_rng *r, int lo, int hi) {
  g_plan *p = &c->plan;
  int D = (int)c->o->days;
  if (p->intrusion && hi > p->ret_day - 2) hi = p->ret_day - 2;
  if (lo < 1) lo = 1;
  if (hi > D - 2) hi = D - 2;
  if (lo > hi) lo = hi - 3 < 1 ? 1 : hi - 3;
  if (hi < lo) hi = lo;
  int d = lo;
  for (int k = 0; k < 200; k++) {
    d = (int)g_range(r, lo, hi);
    int64_t ld = (g_local_midnight_of_day(c, d) + G_TZ_OFF) / G_DAY;
    if (!g_is_workday(ld)) continue;
    if (!p->intrusion) return d;
    if (d >= p->past_day - 1 && d <= p->past_day + 1) continue;
    if (d >= p->ret_day - 1) continue;
    return d;
  }
  return d;
}

/* An admin for a decoy: not a compromised account, not one already used
 * when another is left. */
static int pick_admin(g_ctx *c, g_rng *r, int avoid1, int avoid2) {
  g_org *org = &c->org;
  g_plan *p = &c->plan;
  int cand[64], n = 0;
  for (int pass = 0; pass < 3 && !n; pass++)
    for (size_t i = 0; i < org->nadmins && n < 64; i++) {
      int u = org->admins[i];
      if (pass < 2 && p->intrusion && (u == p->user_b || u == p->user_a)) continue;
      if (pass < 1 && (u == avoid1 || u == avoid2 || u == p->other_user)) continue;
      cand[n++] = u;
    }
  int u = cand[g_below(r, (uint32_t)n)];
  /* "His usual VPN logon": the admin works from home on some days, so
   * that his home address is his usual source in the VPN history. */
  if (org->users[u].remote_p < 0.4) org->users[u].remote_p = 0.4;
  org->users[u].fixed_home = 1;
  return u;
}

static int pick_server_not(g_ctx *c, g_rng *r, int avoid) {
  g_org *org = &c->org;
  for (int k = 0; k < 64; k++) {
    int h = (int)g_below(r, (uint32_t)org->nservers);
    if (h != avoid && org->hosts[h].role != HR_DC) return h;
  }
  return org->fs[0];
}

static int64_t at(g_ctx *c, g_rng *r, int day, int h_lo, int h_hi) {
  return g_local_midnight_of_day(c, day) + g_range(r, h_lo * 60, h_hi * 60) * G_MIN +
         g_range(r, 0, 59999) * 1000;
}

void g_decoy_plan(g_ctx *c) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  struct g_decoys *d = &p->dec;
  unsigned m = c->fam.decoys;
  g_rng r;
  g_rng_seed(&r, c->o->seed, 9);
  int D = (int)c->o->days;
  int tunnel_host = p->intrusion ? p->t : -1;
  d->travel_admin = d->tools_admin = d->oa_admin = d->vendor_host = -1;
  if (m & GDC_TRAVEL) {
    d->travel_admin = pick_admin(c, &r, -1, -1);
    d->travel_host = pick_server_not(c, &r, tunnel_host);
    int day = pick_day(c, &r, D / 3, D - 3);
    d->travel_home.start = at(c, &r, day, 8, 9);
    d->travel_home.end = d->travel_home.start + g_range(&r, 60, 150) * G_MIN;
    d->travel_away.start = at(c, &r, day, 15, 17);
    d->travel_away.end = d->travel_away.start + g_range(&r, 40, 120) * G_MIN;
    d->travel_away.country = AWAY_COUNTRY[g_below(&r, 4)];
    d->travel_away.new_source = 1;
    d->travel_home.country = "Japan";
    for (int k = 0; k < 2; k++) {
      g_vsess *v = k ? &d->travel_away : &d->travel_home;
      d->travel_rdp[k] = v->start + g_range(&r, 3, 10) * G_MIN;
      d->travel_rdp_end[k] = v->end - g_range(&r, 2, 8) * G_MIN;
    }
    g_add_act(p, d->travel_home.start, ACT_DECOY_BASE + DA_TRAVEL_HOME, 0);
    g_add_act(p, d->travel_away.start, ACT_DECOY_BASE + DA_TRAVEL_AWAY, 0);
  }
  if (m & GDC_TOOLS) {
    d->tools_admin = pick_admin(c, &r, d->travel_admin, -1);
    int host = pick_server_not(c, &r, tunnel_host);
    d->ntools = 3;
    for (int i = 0; i < d->ntools; i++) {
      struct g_tooldet *t = &d->tools[i];
      int day = pick_day(c, &r, 5 + (D - 5) * i / 3, 5 + (D - 5) * (i + 1) / 3 - 1);
      t->host = host;
      t->v.start = at(c, &r, day, 9, 10);
      t->v.end = t->v.start + g_range(&r, 90, 240) * G_MIN;
      t->v.country = "Japan";
      t->rdp = t->v.start + g_range(&r, 2, 6) * G_MIN;
      t->rdp_end = t->v.end - g_range(&r, 2, 10) * G_MIN;
      t->det = t->rdp + g_range(&r, 3, 12) * G_MIN + g_range(&r, 0, 59999) * 1000;
      t->threat = TOOLS[i][0];
      snprintf(t->path, sizeof t->path, TOOLS[i][1], org->users[d->tools_admin].name);
      g_add_act(p, t->v.start, ACT_DECOY_BASE + DA_TOOLS, i);
    }
  }
  if (m & GDC_OTHERADMIN) {
    d->oa_admin = pick_admin(c, &r, d->travel_admin, d->tools_admin);
    d->oa_host = org->fs[g_below(&r, (uint32_t)org->nfs)];
    int day = pick_day(c, &r, D / 4, D - 3);
    d->oa_rdp = at(c, &r, day, 10, 14);
    d->oa_rdp_end = d->oa_rdp + g_range(&r, 30, 120) * G_MIN;
    d->oa_det = d->oa_rdp + g_range(&r, 10, 25) * G_MIN + g_range(&r, 0, 59999) * 1000;
    d->oa_threat = "HackTool:Win32/Keygen";
    snprintf(d->oa_path, sizeof d->oa_path, "D:\\Shares\\IT\\Installers\\old\\keygen.exe");
    g_add_act(p, d->oa_rdp, ACT_DECOY_BASE + DA_OADMIN, 0);
  }
  if (m & GDC_VENDOR) {
    int cand[16], n = 0;
    for (int i = 0; i < org->napp && n < 16; i++)
      if (org->app[i] != tunnel_host && (!p->intrusion || org->app[i] != p->s2))
        cand[n++] = org->app[i];
    for (int i = 0; i < org->ndb && n < 16 && !n; i++)
      if (org->db[i] != tunnel_host) cand[n++] = org->db[i];
    d->vendor_host = n ? cand[g_below(&r, (uint32_t)n)] : org->fs[0];
    const g_endpoint *pool[4];
    int np = g_relay_pool(G_CLOUDS[c->fam.cloud], pool, 4);
    d->vendor_ep = pool[g_below(&r, (uint32_t)np)];
    do d->vendor_ip = g_ep_addr(d->vendor_ep, g_next(&r), 0);
    while (p->intrusion && d->vendor_ip == p->relay);
    d->vendor_port = 443;
    int lo = p->intrusion ? p->ret_day - 10 : D - D / 4;
    d->nvendor = (int)g_range(&r, 4, 6);
    for (int i = 0; i < d->nvendor; i++) {
      int day = (int)g_range(&r, lo < 1 ? 1 : lo, D - 2);
      d->vendor_s[i] = at(c, &r, day, 10, 15);
      d->vendor_e[i] = d->vendor_s[i] + g_range(&r, 120, 360) * G_MIN;
      g_add_act(p, d->vendor_s[i], ACT_DECOY_BASE + DA_VENDOR, i);
    }
  }
}

static void home_of(g_ctx *c, int u, g_vsess *v) {
  g_user *us = &c->org.users[u];
  if (us->home.fam == 0) g_home_assign(c, u);
  v->remip = us->home;
}

static void rdp_over(g_ctx *c, g_vsess *v, int u, int host, int64_t s, int64_t e) {
  char tip[16];
  g_ip4_str(v->tunnel, tip);
  g_ev_kerberos(c, s - 3 * G_SEC, u, tip, c->org.hosts[host].upper);
  g_rdp_flow(c, v->tunnel, Z_VPN, u, host, s, e);
  g_ev_rdp(c, s, e, host, u, tip, NULL, 0);
}

void g_decoy_act(g_ctx *c, int kind, int arg) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  struct g_decoys *d = &p->dec;
  char du[96];
  switch (kind - ACT_DECOY_BASE) {
  case DA_TRAVEL_HOME:
    home_of(c, d->travel_admin, &d->travel_home);
    g_vpn_records(c, &d->travel_home, d->travel_admin);
    rdp_over(c, &d->travel_home, d->travel_admin, d->travel_host, d->travel_rdp[0],
             d->travel_rdp_end[0]);
    break;
  case DA_TRAVEL_AWAY: {
    g_rng r;
    g_rng_seed(&r, c->o->seed, 10);
    d->travel_away.remip = g_fresh_ip(c, &r);
    g_vpn_records(c, &d->travel_away, d->travel_admin);
    rdp_over(c, &d->travel_away, d->travel_admin, d->travel_host, d->travel_rdp[1],
             d->travel_rdp_end[1]);
    c->ben.vpn_travel++;
    break;
  }
  case DA_TOOLS: {
    struct g_tooldet *t = &d->tools[arg];
    int u = d->tools_admin;
    home_of(c, u, &t->v);
    g_vpn_records(c, &t->v, u);
    rdp_over(c, &t->v, u, t->host, t->rdp, t->rdp_end);
    snprintf(du, sizeof du, "%s\\%s", org->netbios, org->users[u].name);
    g_ev_sysmon_file(c, t->det - g_range(&c->rng, 5, 40) * G_SEC, t->host,
                     "C:\\Windows\\explorer.exe", t->path, du);
    g_ev_av(c, t->det, t->host, t->threat, "Tool", "High", t->path, du, "C:\\Windows\\explorer.exe",
            (int)g_range(&c->rng, 600, 3000));
    c->ben.av_detections++;
    c->ben.hacktool_benign++;
    break;
  }
  case DA_OADMIN: {
    int u = d->oa_admin;
    uint32_t src = org->hosts[org->users[u].ws].ip;
    char sip[16];
    g_ip4_str(src, sip);
    g_rdp_flow(c, src, Z_USERS, -1, d->oa_host, d->oa_rdp, d->oa_rdp_end);
    g_ev_rdp(c, d->oa_rdp, d->oa_rdp_end, d->oa_host, u, sip, NULL, 0);
    snprintf(du, sizeof du, "%s\\%s", org->netbios, org->users[u].name);
    g_ev_av(c, d->oa_det, d->oa_host, d->oa_threat, "Tool", "High", d->oa_path, du,
            "C:\\Windows\\explorer.exe", (int)g_range(&c->rng, 600, 3000));
    c->ben.av_detections++;
    c->ben.hacktool_benign++;
    break;
  }
  case DA_VENDOR: {
    g_host *h = &org->hosts[d->vendor_host];
    g_flow f;
    g_flow_server_out(c, &f, h->ip, d->vendor_ip, d->vendor_port, d->vendor_s[arg],
                      d->vendor_e[arg] - d->vendor_s[arg]);
    /* A support engineer drives the application's console: screen updates
     * down to the vendor, keystrokes and files up, in bursts. */
    uint64_t secs = (uint64_t)(f.dur / G_SEC);
    f.sent = secs * (uint64_t)g_range(&c->rng, 8000, 40000);
    f.rcvd = secs * (uint64_t)g_range(&c->rng, 1500, 7000);
    f.action = FA_CLOSE;
    g_flow_push_shaped(c, &f, 1);
    char sip[16], dip[16];
    g_ip4_str(h->ip, sip);
    g_ip4_str(d->vendor_ip, dip);
    g_ev_sysmon_net(c, f.start, d->vendor_host,
                    "C:\\Program Files\\VendorSupport\\SupportAgent.exe", "NT AUTHORITY\\SYSTEM",
                    sip, f.sport, dip, f.dport);
    break;
  }
  default: break;
  }
}
