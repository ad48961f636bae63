/* The intrusion of scenario.md, with details drawn from the seed.
 *
 * Phase 1, months before the end: account A connects over VPN from an
 * address it never used, logs on to server S1 by RDP from its tunnel
 * address, an attack tool is written to disk and quarantined by Defender
 * minutes later; nothing else.
 * Phase 2, near the end: A returns over VPN from new addresses, works on a
 * jump server S2, steals admin B's credentials, moves laterally, installs
 * a backdoor on server T that holds outbound 443 sessions to a relay in
 * AWS EC2 for hours at a time over days, with RDP logons on T from
 * loopback while they last; custom binaries with the domain's names are
 * dropped; then shadow copies are deleted, recovery disabled, logs
 * cleared, and the ransomware runs.
 *
 * The plan is fixed before the simulation starts; its acts run in the
 * simulated hour they fall in, so that they share the VPN address pool and
 * the scheduler with ordinary life. */
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/stream.h"
#include "gen_int.h"

enum { ACT_PAST, ACT_RET, ACT_TUNNEL, ACT_BEACONS, ACT_RANSOM, ACT_OTHER_RDP };

static const char *const TOOLS[][2] = {
    {"HackTool:Win64/Mimikatz!pz", "m64.exe"}, {"HackTool:Win32/Mimikatz.D", "mm.exe"},
    {"HackTool:Win64/NanoDump!MTB", "nd.exe"}, {"HackTool:Win64/Rubeus!MTB", "rb.exe"},
    {"HackTool:Win32/LaZagne", "lz.exe"},      {"HackTool:Win64/SharpKatz!MTB", "sk.exe"},
};
static const char *const TOOL_DIRS[] = {"C:\\Users\\%s\\AppData\\Local\\Temp\\%s",
                                        "C:\\Users\\Public\\%s", "C:\\ProgramData\\%s",
                                        "C:\\Users\\%s\\Desktop\\%s"};
static const char *const ATK_COUNTRY[] = {"Netherlands", "United States", "Japan",
                                          "Singapore",   "Germany",       "Hong Kong"};
static const char *const BD_NAMES[][2] = {
    {"C:\\ProgramData\\Microsoft\\DeviceSync\\devsync.exe", "WinDeviceSync"},
    {"C:\\Windows\\System32\\spool\\drivers\\x64\\3\\spoolhlp.exe", "SpoolerHelper"},
    {"C:\\ProgramData\\Intel\\Telemetry\\igfxtel.exe", "IntelTelemetrySvc"},
    {"C:\\Windows\\Web\\Wallpaper\\wpsvc.exe", "WallpaperHostSvc"},
};
static const char *const RANSOM_NAMES[] = {"C:\\Windows\\Temp\\svcupd.exe",
                                           "C:\\PerfLogs\\msupd64.exe",
                                           "C:\\Users\\Public\\Music\\wininit64.exe"};

void g_add_act(g_plan *p, int64_t ts, int kind, int arg) {
  if (p->nacts >= G_MAX_ACTS) return;
  int i = p->nacts++;
  /* insertion sort: few acts */
  while (i > 0 && p->acts[i - 1].ts > ts) {
    p->acts[i] = p->acts[i - 1];
    i--;
  }
  p->acts[i].ts = ts;
  p->acts[i].kind = kind;
  p->acts[i].arg = arg;
}

static void add_act(g_plan *p, int64_t ts, int kind, int arg) { g_add_act(p, ts, kind, arg); }

int64_t g_local_midnight_of_day(g_ctx *c, int day) {
  int64_t t = c->start + (int64_t)day * G_DAY + G_HOUR;
  int64_t l = t + G_TZ_OFF;
  return (l / G_DAY) * G_DAY - G_TZ_OFF;
}

static int64_t local_midnight_of_day(g_ctx *c, int day) { return g_local_midnight_of_day(c, day); }

/* An address of the documentation ranges that no one else uses. */
ash_ip g_fresh_ip(g_ctx *c, g_rng *r) {
  g_org *org = &c->org;
  ash_ip ip;
  memset(&ip, 0, sizeof ip);
  for (int k = 0; k < 4096; k++) {
    uint32_t i = g_below(r, (uint32_t)org->nhomes);
    if (org->home_used[i]) continue;
    org->home_used[i] = 2;
    uint32_t a = org->homes[i];
    ip.fam = 4;
    ip.b[10] = ip.b[11] = 0xff;
    ip.b[12] = (uint8_t)(a >> 24);
    ip.b[13] = (uint8_t)(a >> 16);
    ip.b[14] = (uint8_t)(a >> 8);
    ip.b[15] = (uint8_t)a;
    return ip;
  }
  /* Every documentation address taken: IPv6 documentation space. */
  ip.fam = 6;
  ip.b[0] = 0x20;
  ip.b[1] = 0x01;
  ip.b[2] = 0x0d;
  ip.b[3] = 0xb8;
  ip.b[4] = 0xba;
  ip.b[5] = 0xd0;
  ip.b[15] = (uint8_t)(1 + g_below(r, 250));
  return ip;
}

static ash_ip attacker_ip(g_ctx *c, g_rng *r) { return g_fresh_ip(c, r); }

static int pick_server(g_ctx *c, g_rng *r, int avoid1, int avoid2) {
  g_org *org = &c->org;
  int cand[32], n = 0;
  for (int i = 0; i < org->nfs && n < 32; i++) cand[n++] = org->fs[i];
  for (int i = 0; i < org->napp && n < 32; i++) cand[n++] = org->app[i];
  for (int i = 0; i < org->ndb && n < 32; i++) cand[n++] = org->db[i];
  for (int k = 0; k < 64; k++) {
    int h = cand[g_below(r, (uint32_t)n)];
    if (h != avoid1 && h != avoid2) return h;
  }
  return cand[0];
}

int g_plan_make(g_ctx *c) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  g_rng r;
  g_rng_seed(&r, c->o->seed, 3);
  memset(p, 0, sizeof *p);
  int D = (int)c->o->days;
  const g_family *F = &c->fam;
  /* Family changes come from a stream of their own: the classic draws
   * below stay exactly as they were. */
  g_rng fr;
  g_rng_seed(&fr, c->o->seed, 8);
  p->other_user = -1;
  p->user_a = p->user_b = -1;
  if (c->o->benign_only) {
    p->ransom_day = D - 1;
    g_decoy_plan(c);
    return ASH_OK;
  }
  p->intrusion = 1;

  /* The accounts: A is an ordinary employee who uses the VPN; B an admin. */
  for (int k = 0; k < 10000; k++) {
    int u = (int)g_below(&r, (uint32_t)org->nusers);
    if (org->users[u].admin) continue;
    p->user_a = u;
    if (org->users[u].remote_p > 0.1 && org->users[u].remote_p < 0.9) break;
  }
  p->user_b = org->admins[g_below(&r, (uint32_t)org->nadmins)];

  /* Days. */
  p->past_day = D >= 260 ? D - 240 : (D * 2) / 10;
  if (p->past_day < 5) p->past_day = 5;
  while (p->past_day < D - 10 &&
         !g_is_workday((local_midnight_of_day(c, p->past_day) + G_TZ_OFF) / G_DAY))
    p->past_day++;
  int span = D / 8 < 4 ? 4 : D / 8 > 14 ? 14 : D / 8;
  p->ret_day = D - span;
  p->ransom_day = D - 1;
  if (F->on) {
    /* The past incident the family's number of months before the
     * ransomware, on a workday. */
    p->past_day = p->ransom_day - (int)(F->past_months * G_MONTH_DAYS + 0.5);
    if (p->past_day < 5) p->past_day = 5;
    while (p->past_day < D - 10 &&
           !g_is_workday((local_midnight_of_day(c, p->past_day) + G_TZ_OFF) / G_DAY))
      p->past_day++;
  }

  /* Hosts. */
  p->s1 = pick_server(c, &r, -1, -1);
  p->s2 = org->app[g_below(&r, (uint32_t)org->napp)];
  p->t = pick_server(c, &r, p->s1, p->s2);
  if (p->t == p->s2) p->t = org->db[0];
  /* In ordinary life everyone logs on to one file server every working
   * day (life.c: fs[u % nfs], SMB, LogonType 3): that host's everyday
   * user is the account that will be linked. */
  int own_fs = org->fs[p->user_a % org->nfs];
  if (F->on) {
    if (F->intruder == GI_EVERYDAY) {
      p->s1 = own_fs;
    } else {
      int cand[32], n = 0;
      for (int i = 0; i < org->napp && n < 32; i++) cand[n++] = org->app[i];
      for (int i = 0; i < org->ndb && n < 32; i++) cand[n++] = org->db[i];
      for (int i = 0; i < org->nfs && n < 32; i++)
        if (org->fs[i] != own_fs) cand[n++] = org->fs[i];
      p->s1 = cand[g_below(&fr, (uint32_t)n)];
    }
    for (int k = 0; k < 64 && (p->t == p->s1 || p->t == p->s2); k++)
      p->t = pick_server(c, &fr, p->s1, p->s2);
  }
  p->everyday = p->s1 == own_fs;

  /* The relay: an EC2 address in one of a few regions. */
  size_t nep;
  const g_endpoint *eps = g_endpoints(&nep);
  int relays[8], nr = 0;
  for (size_t i = 0; i < nep && nr < 8; i++)
    if (eps[i].role == EP_RELAY_POOL && !strcmp(eps[i].provider, "aws")) relays[nr++] = (int)i;
  const g_endpoint *rel = &eps[relays[g_below(&r, (uint32_t)nr)]];
  p->relay = g_ep_addr(rel, g_next(&r), 0);
  p->relay_port = g_chance(&r, 0.85) ? 443 : 8443;
  if (F->on) {
    const g_endpoint *pool[4];
    int np = g_relay_pool(G_CLOUDS[F->cloud], pool, 4);
    rel = pool[g_below(&fr, (uint32_t)np)];
    p->relay = g_ep_addr(rel, g_next(&fr), 0);
    p->relay_port = F->port;
  }
  p->relay_ep = rel;
  p->relay_region = rel->region;
  p->relay_cidr = rel->cidr;

  /* Phase 1. */
  int64_t m = local_midnight_of_day(c, p->past_day);
  p->past_vpn.remip = attacker_ip(c, &r);
  p->past_vpn.country = ATK_COUNTRY[g_below(&r, 6)];
  p->past_vpn.new_source = 1;
  p->past_vpn.start = m + 10 * G_HOUR + g_range(&r, 0, 330) * G_MIN + g_range(&r, 0, 59999) * 1000;
  p->past_rdp_ts = p->past_vpn.start + g_range(&r, 180, 720) * G_SEC;
  p->past_write_ts = p->past_rdp_ts + g_range(&r, 240, 900) * G_SEC;
  p->past_detect_ts = p->past_write_ts + g_range(&r, 30, 360) * G_SEC;
  p->past_quarantine_ts = p->past_detect_ts + g_range(&r, 800, 4000) * 1000;
  p->past_rdp_end = p->past_detect_ts + g_range(&r, 4, 25) * G_MIN;
  p->past_vpn.end = p->past_rdp_end + g_range(&r, 1, 6) * G_MIN;
  int tk = (int)g_below(&r, sizeof TOOLS / sizeof TOOLS[0]);
  snprintf(p->past_threat, sizeof p->past_threat, "%s", TOOLS[tk][0]);
  snprintf(p->past_category, sizeof p->past_category, "Tool");
  int dk = (int)g_below(&r, 4);
  if (dk == 0 || dk == 3)
    snprintf(p->past_path, sizeof p->past_path, TOOL_DIRS[dk], org->users[p->user_a].name,
             TOOLS[tk][1]);
  else
    snprintf(p->past_path, sizeof p->past_path, TOOL_DIRS[dk], TOOLS[tk][1]);
  char seedbuf[64];
  snprintf(seedbuf, sizeof seedbuf, "tool-%llu-%d", (unsigned long long)c->o->seed, tk);
  ash_sha256_hex(seedbuf, strlen(seedbuf), p->past_sha256);
  snprintf(p->past_du, sizeof p->past_du, "%s\\%s", org->netbios, org->users[p->user_a].name);
  snprintf(p->past_proc, sizeof p->past_proc, "C:\\Windows\\explorer.exe");
  if (F->on && F->detuser != GD_VICTIM) {
    /* When the one Defender names is not the tool's owner, the tool sits
     * where anyone may write: a staging folder, not A's profile. */
    if (dk == 0 || dk == 3)
      snprintf(p->past_path, sizeof p->past_path, TOOL_DIRS[1 + g_below(&fr, 2)], TOOLS[tk][1]);
    if (F->detuser == GD_SYSTEM) {
      /* Real-time protection met the file as it was written: Defender
       * names SYSTEM and, often, no process ("Unknown"). */
      snprintf(p->past_du, sizeof p->past_du, "NT AUTHORITY\\SYSTEM");
      snprintf(p->past_proc, sizeof p->past_proc, "Unknown");
    } else {
      /* Another admin, logged on to the host by RDP from his own
       * workstation, opened the folder: Defender names him. */
      int cand[64], n = 0;
      for (size_t i = 0; i < org->nadmins && n < 64; i++)
        if (org->admins[i] != p->user_b) cand[n++] = org->admins[i];
      p->other_user = n ? cand[g_below(&fr, (uint32_t)n)] : p->user_b;
      snprintf(p->past_du, sizeof p->past_du, "%s\\%s", org->netbios,
               org->users[p->other_user].name);
      p->other_rdp =
          p->past_detect_ts - g_range(&fr, 20, 80) * G_MIN - g_range(&fr, 0, 59999) * 1000;
      p->other_rdp_end = p->past_detect_ts + g_range(&fr, 15, 70) * G_MIN;
      add_act(p, p->other_rdp, ACT_OTHER_RDP, 0);
    }
  }
  add_act(p, p->past_vpn.start, ACT_PAST, 0);

  /* Phase 2: return sessions. */
  p->nret = (int)g_range(&r, 2, 5);
  for (int i = 0; i < p->nret; i++) {
    int day = i == 0 ? p->ret_day : (int)g_range(&r, p->ret_day + 1, p->ransom_day - 1);
    int64_t md = local_midnight_of_day(c, day);
    g_vsess *v = &p->ret[i];
    v->remip = attacker_ip(c, &r);
    v->country = ATK_COUNTRY[g_below(&r, 6)];
    v->new_source = 1;
    v->start = md + 13 * G_HOUR + g_range(&r, 0, 480) * G_MIN + g_range(&r, 0, 59999) * 1000;
    v->end = v->start + (i == 0 ? g_range(&r, 150, 220) : g_range(&r, 35, 110)) * G_MIN;
    add_act(p, v->start, ACT_RET, i);
  }
  const char *const *bd = BD_NAMES[g_below(&r, 4)];
  snprintf(p->backdoor_path, sizeof p->backdoor_path, "%s", bd[0]);
  snprintf(p->backdoor_service, sizeof p->backdoor_service, "%s", bd[1]);
  snprintf(p->ransom_path, sizeof p->ransom_path, "%s", RANSOM_NAMES[g_below(&r, 3)]);
  p->backdoor_ts = p->ret[0].start + g_range(&r, 70, 110) * G_MIN;

  /* The ransomware at night at the end; the last tunnel session covers it. */
  int64_t mr = local_midnight_of_day(c, p->ransom_day);
  p->ransom_ts = mr + 2 * G_HOUR + g_range(&r, 0, 120) * G_MIN + g_range(&r, 0, 59999) * 1000;

  /* Tunnel sessions: from the day after the backdoor until the end. */
  int64_t t = p->backdoor_ts + g_range(&r, 20, 240) * G_MIN;
  while (p->nts < G_MAX_TSESS - 1 && t < p->ransom_ts - 6 * G_HOUR) {
    g_tsess *s = &p->ts[p->nts++];
    s->start = t;
    s->end = t + g_range(&r, 60, 380) * G_MIN;
    if (s->end > p->ransom_ts - 2 * G_HOUR) s->end = p->ransom_ts - 2 * G_HOUR;
    t = s->end + g_range(&r, 3, 20) * G_HOUR;
  }
  g_tsess *last = &p->ts[p->nts++];
  last->start = p->ransom_ts - g_range(&r, 45, 70) * G_MIN;
  last->end = p->ransom_ts + g_range(&r, 20, 40) * G_MIN;
  for (int i = 0; i < p->nts; i++) {
    g_tsess *s = &p->ts[i];
    s->nrdp = (s->end - s->start > 2 * G_HOUR && g_chance(&r, 0.5)) ? 2 : 1;
    s->rdp_user = g_chance(&r, 0.75) ? p->user_b : p->user_a;
    static const char *const SRC[] = {"127.0.0.1", "::1"};
    for (int k = 0; k < s->nrdp; k++) {
      s->rdp_ts[k] = s->start + g_range(&r, 2, 12) * G_MIN + k * (s->end - s->start) / 2;
      s->rdp_src[k] = SRC[g_below(&r, 2)];
    }
    add_act(p, s->start, ACT_TUNNEL, i);
  }
  if (F->on) {
    /* One source for every loopback logon of the case, as one relay
     * set-up gives. */
    switch (F->loopback) {
    case GL_127_0_0_1: snprintf(p->loop_src, sizeof p->loop_src, "127.0.0.1"); break;
    case GL_127_8: snprintf(p->loop_src, sizeof p->loop_src, "%s", F->loop127); break;
    case GL_V6: snprintf(p->loop_src, sizeof p->loop_src, "::1"); break;
    default: g_ip4_str(org->hosts[p->t].ip, p->loop_src); break;
    }
    for (int i = 0; i < p->nts; i++)
      for (int k = 0; k < p->ts[i].nrdp; k++) p->ts[i].rdp_src[k] = p->loop_src;
  }
  p->tunnel_first = p->ts[0].start;
  p->tunnel_last = p->ts[p->nts - 1].end;
  for (int d = 0; d < D; d++) {
    int64_t md = local_midnight_of_day(c, d);
    if (md + G_DAY <= p->backdoor_ts || md > p->ransom_ts) continue;
    add_act(p, md > p->backdoor_ts ? md : p->backdoor_ts + 5 * G_MIN, ACT_BEACONS, d);
  }

  /* Ransomware targets: the servers, the tunnel host last. */
  for (size_t h = 0; h < org->nservers && p->nransom < 9; h++)
    if ((int)h != p->t) p->ransom_hosts[p->nransom++] = (int)h;
  p->ransom_hosts[p->nransom++] = p->t;
  add_act(p, p->ransom_ts - 25 * G_MIN, ACT_RANSOM, 0);
  if (F->on) g_decoy_plan(c);
  return ASH_OK;
}

/* ---- acts ---- */

static void cmd(g_ctx *c, int64_t ts, int host, int user, const char *image, const char *cmdline,
                const char *parent, const char *why) {
  g_plan *p = &c->plan;
  g_ev_process(c, ts, host, user, image, cmdline, parent, NULL);
  if (p->ncmds >= (int)(sizeof p->cmds / sizeof p->cmds[0])) return;
  g_cmd *k = &p->cmds[p->ncmds++];
  k->ts = ts - ts % 1000;
  snprintf(k->host, sizeof k->host, "%s", c->org.hosts[host].name);
  snprintf(k->user, sizeof k->user, "%s", user >= 0 ? c->org.users[user].name : "SYSTEM");
  snprintf(k->cmd, sizeof k->cmd, "%s", cmdline);
  k->why = why;
}

static void ip4s(uint32_t a, char out[16]) { g_ip4_str(a, out); }

void g_vpn_records(g_ctx *c, g_vsess *v, int user) {
  v->tunnel = g_tunnel_alloc(c, v->start, v->end);
  g_rec *r = g_rec_new(&c->sched), *d = g_rec_new(&c->sched);
  if (!r || !d) return;
  r->type = GR_VPN_UP;
  r->ts = v->start;
  r->u.v.user = user;
  r->u.v.remip = v->remip;
  r->u.v.tunnel_ip = v->tunnel;
  r->u.v.tunnel_id = c->vpn_tunnel_id++;
  r->u.v.country = v->country;
  *d = *r;
  d->type = GR_VPN_DOWN;
  d->ts = v->end;
  d->u.v.dur = v->end - v->start;
  d->u.v.sent = (uint64_t)((v->end - v->start) / G_SEC) * 4000;
  d->u.v.rcvd = (uint64_t)((v->end - v->start) / G_SEC) * 30000;
  d->u.v.reason = "connection closed";
  g_sched_push(&c->sched, r);
  g_sched_push(&c->sched, d);
  c->st->vpn_sessions++;
  char tip[16];
  ip4s(v->tunnel, tip);
  g_org *org = &c->org;
  g_flow f;
  memset(&f, 0, sizeof f);
  f.start = v->start + 3 * G_SEC;
  f.dur = 900 * 1000;
  f.src = v->tunnel;
  f.dst = org->hosts[org->dc[0]].ip;
  f.sport = (uint16_t)g_range(&c->rng, 49152, 65535);
  f.dport = 389;
  f.proto = 6;
  f.szone = Z_VPN;
  f.dzone = Z_SERVERS;
  f.ep = -1;
  f.user = user;
  f.sent = 2400;
  f.rcvd = 5100;
  g_flow_push(c, &f);
}

void g_rdp_flow(g_ctx *c, uint32_t src, int sz, int user, int host, int64_t s, int64_t e) {
  g_flow f;
  memset(&f, 0, sizeof f);
  f.start = s - 2 * G_SEC;
  f.dur = e - s + 5 * G_SEC;
  f.src = src;
  f.dst = c->org.hosts[host].ip;
  f.sport = (uint16_t)g_range(&c->rng, 49152, 65535);
  f.dport = 3389;
  f.proto = 6;
  f.szone = (uint8_t)sz;
  f.dzone = Z_SERVERS;
  f.ep = -1;
  f.user = user;
  uint64_t secs = (uint64_t)(f.dur / G_SEC);
  f.sent = secs * (uint64_t)g_range(&c->rng, 400, 1200);
  f.rcvd = secs * (uint64_t)g_range(&c->rng, 3000, 12000);
  g_flow_push_shaped(c, &f, 1);
}

static void act_past(g_ctx *c) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  int a = p->user_a;
  g_vpn_records(c, &p->past_vpn, a);
  char tip[16], du[96];
  ip4s(p->past_vpn.tunnel, tip);
  g_ev_kerberos(c, p->past_rdp_ts - 3 * G_SEC, a, tip, org->hosts[p->s1].upper);
  g_rdp_flow(c, p->past_vpn.tunnel, Z_VPN, a, p->s1, p->past_rdp_ts, p->past_rdp_end);
  g_ev_rdp(c, p->past_rdp_ts, p->past_rdp_end, p->s1, a, tip, NULL, 0);
  snprintf(du, sizeof du, "%s\\%s", org->netbios, org->users[a].name);
  g_ev_sysmon_file(c, p->past_write_ts, p->s1, "C:\\Windows\\explorer.exe", p->past_path, du);
  g_ev_av(c, p->past_detect_ts, p->s1, p->past_threat, "Tool", "High", p->past_path, p->past_du,
          p->past_proc, (int)((p->past_quarantine_ts - p->past_detect_ts) / 1000));
}

/* detuser=other: the admin Defender will name, at work on the host by RDP
 * from his workstation while the intruder is there. */
static void act_other_rdp(g_ctx *c) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  int u = p->other_user;
  uint32_t src = org->hosts[org->users[u].ws].ip;
  char sip[16];
  ip4s(src, sip);
  g_rdp_flow(c, src, Z_USERS, -1, p->s1, p->other_rdp, p->other_rdp_end);
  g_ev_rdp(c, p->other_rdp, p->other_rdp_end, p->s1, u, sip, NULL, 0);
}

static void implant_add(g_ctx *c, int host, const char *winpath, const char *role, int64_t ts);

static void act_ret(g_ctx *c, int i) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  g_vsess *v = &p->ret[i];
  int a = p->user_a, b = p->user_b;
  g_vpn_records(c, v, a);
  char tip[16], s2ip[16];
  ip4s(v->tunnel, tip);
  ip4s(org->hosts[p->s2].ip, s2ip);
  int64_t rs = v->start + g_range(&c->rng, 2, 8) * G_MIN;
  int64_t re = v->end - g_range(&c->rng, 1, 4) * G_MIN;
  g_ev_kerberos(c, rs - 3 * G_SEC, a, tip, org->hosts[p->s2].upper);
  g_rdp_flow(c, v->tunnel, Z_VPN, a, p->s2, rs, re);
  g_ev_rdp(c, rs, re, p->s2, a, tip, NULL, i == 0 ? 0 : g_chance(&c->rng, 0.5));
  const char *CMD = "C:\\Windows\\System32\\cmd.exe";
  const char *EXPL = "C:\\Windows\\explorer.exe";
  int64_t t = rs + g_range(&c->rng, 2, 5) * G_MIN;
  char buf[512];
  if (i != 0) {
    snprintf(buf, sizeof buf, "net user %s /domain", org->users[b].name);
    cmd(c, t, p->s2, a, "C:\\Windows\\System32\\net.exe", buf, CMD, "discovery");
    snprintf(buf, sizeof buf, "dir \\\\%s\\share$ /s", org->hosts[org->fs[0]].name);
    cmd(c, t + g_range(&c->rng, 60, 600) * G_SEC, p->s2, a, CMD, buf, EXPL, "discovery");
    return;
  }
  /* The first return: discovery, credential theft, lateral movement and
   * the backdoor. */
  cmd(c, t, p->s2, a, "C:\\Windows\\System32\\whoami.exe", "whoami /all", CMD, "discovery");
  t += g_range(&c->rng, 20, 90) * G_SEC;
  cmd(c, t, p->s2, a, "C:\\Windows\\System32\\net.exe", "net group \"Domain Admins\" /domain", CMD,
      "discovery");
  t += g_range(&c->rng, 20, 90) * G_SEC;
  snprintf(buf, sizeof buf, "nltest /dclist:%s", org->netbios);
  cmd(c, t, p->s2, a, "C:\\Windows\\System32\\nltest.exe", buf, CMD, "discovery");
  t += g_range(&c->rng, 60, 300) * G_SEC;
  implant_add(c, p->s2, "C:\\Users\\Public\\Libraries\\netinv.exe", "recon", t);
  snprintf(buf, sizeof buf,
           "C:\\Users\\Public\\Libraries\\netinv.exe -d %s -o C:\\Users\\Public\\Libraries\\n.dat",
           org->domain);
  cmd(c, t + 20 * G_SEC, p->s2, a, "C:\\Users\\Public\\Libraries\\netinv.exe", buf, CMD,
      "custom malware");
  t += g_range(&c->rng, 5, 15) * G_MIN;
  snprintf(buf, sizeof buf,
           "C:\\Windows\\System32\\rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump %u "
           "C:\\Windows\\Temp\\dbg.dmp full",
           org->hosts[p->s2].pid_lsass);
  cmd(c, t, p->s2, a, "C:\\Windows\\System32\\rundll32.exe", buf, CMD, "credential dumping");
  /* With B's credentials: network logons on the tunnel host and others. */
  t = p->backdoor_ts - g_range(&c->rng, 4, 10) * G_MIN;
  int targets[3] = {p->t, org->fs[0], org->dc[0]};
  for (int k = 0; k < 3; k++) {
    g_logon l = {targets[k],
                 b,
                 NULL,
                 NULL,
                 3,
                 s2ip,
                 org->hosts[p->s2].upper,
                 0x600000 + (g_next(&c->rng) & 0xffffff),
                 (int)g_range(&c->rng, 49152, 65535)};
    g_ev_logon(c, t + k * 40 * G_SEC, &l);
    g_ev_logoff(c, t + k * 40 * G_SEC + g_range(&c->rng, 2, 9) * G_MIN, &l);
  }
  snprintf(
      buf, sizeof buf,
      "wmic /node:%s process call create \"cmd.exe /c reg add "
      "\\\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\\" /v fDenyTSConnections "
      "/t REG_DWORD /d 0 /f\"",
      org->hosts[p->t].name);
  cmd(c, t + 3 * G_MIN, p->s2, a, "C:\\Windows\\System32\\wbem\\WMIC.exe", buf, CMD,
      "lateral movement (WMI)");
  cmd(c, t + 3 * G_MIN + 2 * G_SEC, p->t, -1, CMD,
      "cmd.exe /c reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\" /v "
      "fDenyTSConnections /t REG_DWORD /d 0 /f",
      "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "enable RDP");
  cmd(c, t + 4 * G_MIN, p->t, -1, "C:\\Windows\\System32\\netsh.exe",
      "netsh advfirewall firewall set rule group=\"remote desktop\" new enable=Yes",
      "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "enable RDP");
  if (c->fam.on && c->fam.loopback == GL_SELF) {
    /* loopback=self: the relay reaches RDP through a port proxy on the
     * host's own address, so the logons come from that address. */
    snprintf(buf, sizeof buf,
             "netsh interface portproxy add v4tov4 listenport=3390 listenaddress=%s "
             "connectport=3389 connectaddress=%s",
             p->loop_src, p->loop_src);
    cmd(c, t + 5 * G_MIN, p->t, -1, "C:\\Windows\\System32\\netsh.exe", buf,
        "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "port proxy");
  }
  /* The backdoor: copied over SMB, installed as a service. */
  implant_add(c, p->t, p->backdoor_path, "tunnel backdoor", p->backdoor_ts - 40 * G_SEC);
  g_ev_sysmon_file(c, p->backdoor_ts - 40 * G_SEC, p->t, "System", p->backdoor_path,
                   "NT AUTHORITY\\SYSTEM");
  snprintf(buf, sizeof buf, "sc \\\\%s create %s binPath= \"%s -k netsvc\" start= auto",
           org->hosts[p->t].name, p->backdoor_service, p->backdoor_path);
  cmd(c, p->backdoor_ts - 10 * G_SEC, p->s2, a, "C:\\Windows\\System32\\sc.exe", buf, CMD,
      "persistence (service)");
  char img[300];
  snprintf(img, sizeof img, "\"%s\" -k netsvc", p->backdoor_path);
  g_ev_service(c, p->backdoor_ts, p->t, b, p->backdoor_service, img);
  const g_implant *bdi = &p->implants[p->nimplants - 1];
  g_ev_process(c, p->backdoor_ts + 2 * G_SEC, p->t, -1, p->backdoor_path, img,
               "C:\\Windows\\System32\\services.exe", bdi->sha256);
}

static void act_tunnel(g_ctx *c, int i) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  g_tsess *s = &p->ts[i];
  g_host *t = &org->hosts[p->t];
  g_flow f;
  g_flow_server_out(c, &f, t->ip, p->relay, p->relay_port, s->start, s->end - s->start);
  uint64_t secs = (uint64_t)(f.dur / G_SEC);
  f.sent = secs * (uint64_t)g_range(&c->rng, 15000, 60000);
  f.rcvd = secs * (uint64_t)g_range(&c->rng, 2000, 9000);
  f.action = g_chance(&c->rng, 0.7) ? FA_CLOSE : FA_SRV_RST;
  g_flow_push_shaped(c, &f, 1);
  char tip[16], rip[16];
  ip4s(t->ip, tip);
  ip4s(p->relay, rip);
  g_ev_sysmon_net(c, s->start, p->t, p->backdoor_path, "NT AUTHORITY\\SYSTEM", tip, f.sport, rip,
                  p->relay_port);
  static const char *const LSM[] = {"::%16777216", "127.0.0.1", "!::%16777216", "!127.0.0.1"};
  for (int k = 0; k < s->nrdp; k++) {
    int64_t rs = s->rdp_ts[k];
    int64_t re =
        k + 1 < s->nrdp ? s->rdp_ts[k + 1] - G_MIN : s->end - g_range(&c->rng, 1, 8) * G_MIN;
    if (re <= rs) re = rs + 5 * G_MIN;
    const char *lsm = LSM[g_below(&c->rng, 4)];
    if (!strcmp(s->rdp_src[k], "127.0.0.1") && lsm[strlen(lsm) - 1] == '6') lsm = "127.0.0.1";
    char lsm_buf[64];
    const char *img = p->backdoor_path;
    if (c->fam.on && strcmp(s->rdp_src[k], "127.0.0.1")) {
      /* LocalSessionManager writes the session's address as TermService
       * saw it: ::1 as "::%16777216", any other address as is; '!' marks a
       * reconnection (event 25). */
      int again = lsm[0] == '!';
      snprintf(lsm_buf, sizeof lsm_buf, "%s%s", again ? "!" : "",
               !strcmp(s->rdp_src[k], "::1") ? "::%16777216" : s->rdp_src[k]);
      lsm = lsm_buf;
      /* Through the port proxy the connection to 3389 is made by the IP
       * Helper service (svchost), not by the backdoor. */
      if (c->fam.loopback == GL_SELF) img = "C:\\Windows\\System32\\svchost.exe";
    }
    g_ev_sysmon_net(c, rs - 2 * G_SEC, p->t, img, "NT AUTHORITY\\SYSTEM", s->rdp_src[k],
                    (int)g_range(&c->rng, 49152, 65535), s->rdp_src[k], 3389);
    g_ev_rdp(c, rs, re, p->t, s->rdp_user, s->rdp_src[k], lsm, g_chance(&c->rng, 0.6));
  }
  /* Persistence and a port proxy on the first session. */
  if (i == 0) {
    char buf[512];
    snprintf(buf, sizeof buf,
             "schtasks /create /tn \"\\Microsoft\\Windows\\DeviceSync\\Refresh\" /tr \"%s -k "
             "netsvc\" /sc onstart /ru SYSTEM /f",
             p->backdoor_path);
    int u = s->rdp_user;
    cmd(c, s->rdp_ts[0] + 4 * G_MIN, p->t, u, "C:\\Windows\\System32\\schtasks.exe", buf,
        "C:\\Windows\\System32\\cmd.exe", "persistence (scheduled task)");
    snprintf(buf, sizeof buf, "\"%s\" -k netsvc", p->backdoor_path);
    g_ev_task(c, s->rdp_ts[0] + 4 * G_MIN + 1 * G_SEC, p->t, u,
              "\\Microsoft\\Windows\\DeviceSync\\Refresh", buf);
    if (!(c->fam.on && c->fam.loopback == GL_SELF))
      cmd(c, s->rdp_ts[0] + 9 * G_MIN, p->t, u, "C:\\Windows\\System32\\netsh.exe",
          "netsh interface portproxy add v4tov4 listenport=3390 listenaddress=127.0.0.1 "
          "connectport=3389 connectaddress=127.0.0.1",
          "C:\\Windows\\System32\\cmd.exe", "port proxy");
    cmd(c, s->rdp_ts[0] + 12 * G_MIN, p->t, u,
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "powershell.exe -nop -w hidden -enc "
        "RwBlAHQALQBBAEQAQwBvAG0AcAB1AHQAZQByACAALQBGAGkAbAB0AGUAcgAgACoA",
        "C:\\Windows\\System32\\cmd.exe", "encoded PowerShell");
    g_ev_ps(c, s->rdp_ts[0] + 12 * G_MIN + 2 * G_SEC, p->t, "Get-ADComputer -Filter *");
  }
}

static void act_beacons(g_ctx *c, int day) {
  g_plan *p = &c->plan;
  int64_t md = local_midnight_of_day(c, day);
  int64_t t = md > p->backdoor_ts ? md : p->backdoor_ts + 5 * G_MIN;
  int64_t end = md + G_DAY;
  if (end > p->ransom_ts) end = p->ransom_ts;
  while (t < end) {
    int busy = 0;
    for (int i = 0; i < p->nts; i++)
      if (t >= p->ts[i].start - G_MIN && t <= p->ts[i].end) busy = 1;
    if (!busy) {
      g_flow f;
      /* the duration is drawn before the port, as it always was: the same
       * seed keeps giving the same bytes */
      int64_t dur = g_range(&c->rng, 800, 4000) * 1000;
      g_flow_server_out(c, &f, c->org.hosts[p->t].ip, p->relay, p->relay_port, t, dur);
      f.sent = (uint64_t)g_range(&c->rng, 1400, 4200);
      f.rcvd = (uint64_t)g_range(&c->rng, 1800, 6000);
      g_flow_push(c, &f);
    }
    t += (int64_t)((double)(30 * G_MIN) * (0.7 + 0.6 * g_unit(&c->rng)));
  }
}

static void act_ransom(g_ctx *c) {
  g_plan *p = &c->plan;
  g_org *org = &c->org;
  int b = p->user_b;
  char tip[16], buf[512];
  ip4s(org->hosts[p->t].ip, tip);
  int64_t t0 = p->ransom_ts - 20 * G_MIN;
  const char *PS = "C:\\Windows\\PSEXESVC.exe";
  for (int i = 0; i < p->nransom; i++) {
    int h = p->ransom_hosts[i];
    int64_t t = t0 + i * 50 * G_SEC;
    if (h != p->t) {
      g_logon l = {h,
                   b,
                   NULL,
                   NULL,
                   3,
                   tip,
                   org->hosts[p->t].upper,
                   0x700000 + (g_next(&c->rng) & 0xffffff),
                   (int)g_range(&c->rng, 49152, 65535)};
      g_ev_logon(c, t, &l);
      g_ev_service(c, t + 3 * G_SEC, h, b, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe");
    }
    implant_add(c, h, p->ransom_path, "ransomware", t + 6 * G_SEC);
    g_ev_sysmon_file(c, t + 6 * G_SEC, h, h == p->t ? "C:\\Windows\\System32\\cmd.exe" : "System",
                     p->ransom_path, "NT AUTHORITY\\SYSTEM");
    int64_t u = t + 10 * G_SEC;
    cmd(c, u, h, -1, "C:\\Windows\\System32\\vssadmin.exe", "vssadmin delete shadows /all /quiet",
        PS, "shadow copy deletion");
    cmd(c, u + 4 * G_SEC, h, -1, "C:\\Windows\\System32\\wbem\\WMIC.exe", "wmic shadowcopy delete",
        PS, "shadow copy deletion");
    cmd(c, u + 8 * G_SEC, h, -1, "C:\\Windows\\System32\\bcdedit.exe",
        "bcdedit /set {default} recoveryenabled No", PS, "recovery disabled");
    cmd(c, u + 10 * G_SEC, h, -1, "C:\\Windows\\System32\\bcdedit.exe",
        "bcdedit /set {default} bootstatuspolicy ignoreallfailures", PS, "recovery disabled");
    if (h == org->bk)
      cmd(c, u + 12 * G_SEC, h, -1, "C:\\Windows\\System32\\wbadmin.exe",
          "wbadmin delete catalog -quiet", PS, "backup catalog deletion");
    cmd(c, u + 15 * G_SEC, h, -1, "C:\\Windows\\System32\\wevtutil.exe", "wevtutil cl System", PS,
        "log clearing");
    g_ev_logclear(c, u + 15 * G_SEC + 300 * 1000, h, b, "System");
    cmd(c, u + 16 * G_SEC, h, -1, "C:\\Windows\\System32\\wevtutil.exe", "wevtutil cl Security", PS,
        "log clearing");
    g_ev_logclear(c, u + 16 * G_SEC + 300 * 1000, h, b, "Security");
    if (p->nclear < 16) {
      p->clear_ts[p->nclear] = u + 16 * G_SEC + 300 * 1000;
      p->clear_host[p->nclear++] = h;
    }
  }
  for (int i = 0; i < p->nransom; i++) {
    int h = p->ransom_hosts[i];
    int64_t t = p->ransom_ts + i * 7 * G_SEC;
    snprintf(buf, sizeof buf, "%s -p \\\\%s -m full --no-safe", p->ransom_path, org->domain);
    const g_implant *im = NULL;
    for (int k = 0; k < p->nimplants; k++)
      if (!strcmp(p->implants[k].role, "ransomware")) im = &p->implants[k];
    g_ev_process(c, t, h, -1, p->ransom_path, buf, PS, im ? im->sha256 : NULL);
    if (p->ncmds < (int)(sizeof p->cmds / sizeof p->cmds[0])) {
      g_cmd *k = &p->cmds[p->ncmds++];
      k->ts = t - t % 1000;
      snprintf(k->host, sizeof k->host, "%s", org->hosts[h].name);
      snprintf(k->user, sizeof k->user, "SYSTEM");
      snprintf(k->cmd, sizeof k->cmd, "%s", buf);
      k->why = "ransomware";
    }
  }
}

void g_plan_hour(g_ctx *c, int64_t t0) {
  g_plan *p = &c->plan;
  int64_t t1 = t0 + G_HOUR;
  while (p->next_act < p->nacts && p->acts[p->next_act].ts < t1) {
    struct g_act *a = &p->acts[p->next_act++];
    if (a->ts < t0) a->ts = t0;
    switch (a->kind) {
    case ACT_PAST: act_past(c); break;
    case ACT_RET: act_ret(c, a->arg); break;
    case ACT_TUNNEL: act_tunnel(c, a->arg); break;
    case ACT_BEACONS: act_beacons(c, a->arg); break;
    case ACT_RANSOM: act_ransom(c); break;
    case ACT_OTHER_RDP: act_other_rdp(c); break;
    default:
      if (a->kind >= ACT_DECOY_BASE) g_decoy_act(c, a->kind, a->arg);
      break;
    }
  }
}

/* Implants are built (pe.c) as soon as they are named: the events need
 * their hashes. */
static void implant_add(g_ctx *c, int host, const char *winpath, const char *role, int64_t ts) {
  g_plan *p = &c->plan;
  if (p->nimplants >= (int)(sizeof p->implants / sizeof p->implants[0])) return;
  g_implant *im = &p->implants[p->nimplants];
  memset(im, 0, sizeof *im);
  snprintf(im->host, sizeof im->host, "%s", c->org.hosts[host].name);
  snprintf(im->path, sizeof im->path, "%s", winpath);
  snprintf(im->role, sizeof im->role, "%s", role);
  im->ts = ts - ts % 1000;
  if (g_implant_build(c, im) == 0) p->nimplants++;
}
