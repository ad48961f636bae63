/* Ordinary life of the organisation, one simulated hour at a time: people
 * arriving at the office or connecting over VPN from home, their traffic
 * to SaaS, CDNs and the file servers, admins working on servers by RDP,
 * the servers' own jobs (monitoring websockets, nightly backups to S3,
 * update downloads, monthly patch reboots), antivirus noise. Each activity
 * creates its records when it starts; records in the future wait in the
 * scheduler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

/* Relative traffic by local hour on workdays and on other days. */
static const double W_WORK[24] = {0.15, 0.12, 0.1, 0.1, 0.1, 0.12, 0.25, 0.5, 1.5, 2.5,  2.6, 2.5,
                                  1.6,  2.4,  2.6, 2.5, 2.4, 2.2,  1.5,  0.9, 0.5, 0.45, 0.3, 0.2};
static const double W_OFF[24] = {0.12, 0.1,  0.1, 0.1, 0.1,  0.1,  0.12, 0.15,
                                 0.2,  0.25, 0.3, 0.3, 0.3,  0.3,  0.3,  0.3,
                                 0.3,  0.25, 0.2, 0.2, 0.18, 0.16, 0.14, 0.12};

static double sum24(const double *w) {
  double s = 0;
  for (int i = 0; i < 24; i++) s += w[i];
  return s;
}

static int64_t local_midnight(int64_t t) {
  int64_t l = t + G_TZ_OFF;
  int64_t d = l >= 0 ? l / G_DAY : (l - G_DAY + 1) / G_DAY;
  return d * G_DAY - G_TZ_OFF;
}

static int64_t local_day_of(int64_t t) { return (local_midnight(t) + G_TZ_OFF) / G_DAY; }

static int local_hour(int64_t t) { return (int)(((t - local_midnight(t)) / G_HOUR) % 24); }

/* Second Tuesday of the month of local day ld, as a local day number. */
static int is_patch_window(int64_t ld, int offset) {
  int64_t d = ld - offset;
  /* day of month and weekday from the day number */
  int64_t z = d + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int dom = (int)(doy - (153 * mp + 2) / 5 + 1);
  int dow = (int)(((d % 7) + 7 + 4) % 7);
  return dow == 2 && dom >= 8 && dom <= 14;
}

static uint16_t eport(g_ctx *c) { return (uint16_t)g_range(&c->rng, 49152, 65535); }

static void ip_of(uint32_t a, char out[16]) { g_ip4_str(a, out); }

/* A short flow with bytes drawn for its kind. */
static void short_flow(g_ctx *c, int64_t ts, uint32_t src, int sz, uint32_t dst, int dz,
                       uint16_t dport, uint8_t proto, int ep, int user) {
  g_flow f;
  memset(&f, 0, sizeof f);
  f.start = ts;
  f.src = src;
  f.dst = dst;
  f.szone = (uint8_t)sz;
  f.dzone = (uint8_t)dz;
  f.sport = eport(c);
  f.dport = dport;
  f.proto = proto;
  f.ep = (int16_t)ep;
  f.user = user;
  f.filler = (uint8_t)c->making_filler;
  if (proto == 17) {
    f.dur = (int64_t)(g_unit(&c->rng) * 0.2 * G_SEC);
    f.sent = (uint64_t)g_range(&c->rng, 58, 90);
    f.rcvd = dport == 123 ? 48 : (uint64_t)g_range(&c->rng, 90, 480);
    if (dport == 123) f.sent = 48;
    f.action = FA_ACCEPT;
  } else {
    double d = g_lognorm(&c->rng, dport == 445 ? 25.0 : 6.0, 1.4);
    if (d > 3000) d = 3000;
    f.dur = (int64_t)(d * G_SEC);
    f.sent = (uint64_t)g_lognorm(&c->rng, 1500, 0.9) + 120;
    f.rcvd = (uint64_t)g_lognorm(&c->rng, dport == 445 ? 40000 : 9000, 1.7) + 200;
    if (f.rcvd > 2000000000ULL) f.rcvd = 2000000000ULL;
    uint32_t x = g_below(&c->rng, 100);
    f.action = x < 88 ? FA_CLOSE : x < 95 ? FA_TIMEOUT : x < 98 ? FA_SRV_RST : FA_CLI_RST;
  }
  g_flow_push(c, &f);
}

static int pick_user_ep(g_ctx *c) {
  uint32_t x = g_below(&c->rng, c->ep_user_total);
  for (size_t i = 0; i < c->nep_user; i++) {
    int e = c->ep_user[i];
    if (x < c->eps[e].weight) return e;
    x -= c->eps[e].weight;
  }
  return c->ep_user[0];
}

static uint32_t ep_addr(g_ctx *c, int e) {
  const g_endpoint *ep = &c->eps[e];
  return g_ep_addr(ep, c->o->seed, g_below(&c->rng, ep->naddr ? ep->naddr : 1));
}

/* One flow of a person at work: internet or internal. */
static void user_flow(g_ctx *c, int u, int64_t ts, int vpn) {
  g_org *org = &c->org;
  g_user *us = &org->users[u];
  uint32_t src = vpn ? us->cur_tunnel : org->hosts[us->ws].ip;
  int sz = vpn ? Z_VPN : Z_USERS;
  int vuser = vpn ? u : -1;
  double internal = vpn ? 0.55 : 0.3;
  if (g_unit(&c->rng) >= internal) {
    int e = pick_user_ep(c);
    short_flow(c, ts, src, sz, ep_addr(c, e), Z_WAN, c->eps[e].port, c->eps[e].proto, e, vuser);
    return;
  }
  uint32_t x = g_below(&c->rng, 100);
  if (x < 50) {
    int h = org->fs[g_below(&c->rng, (uint32_t)org->nfs)];
    short_flow(c, ts, src, sz, org->hosts[h].ip, Z_SERVERS, 445, 6, -1, vuser);
  } else if (x < 75) {
    int h = org->app[g_below(&c->rng, (uint32_t)org->napp)];
    short_flow(c, ts, src, sz, org->hosts[h].ip, Z_SERVERS, g_chance(&c->rng, 0.7) ? 443 : 8080, 6,
               -1, vuser);
  } else if (x < 95 || org->ndb == 0) {
    int h = org->dc[g_below(&c->rng, (uint32_t)org->ndc)];
    static const uint16_t ports[] = {53, 88, 389, 445, 135};
    uint16_t p = ports[g_below(&c->rng, 5)];
    short_flow(c, ts, src, sz, org->hosts[h].ip, Z_SERVERS, p, p == 53 ? 17 : 6, -1, vuser);
  } else {
    int h = org->db[g_below(&c->rng, (uint32_t)org->ndb)];
    short_flow(c, ts, src, sz, org->hosts[h].ip, Z_SERVERS, 1433, 6, -1, vuser);
  }
}

/* Background traffic of machines: DNS and NTP from the DCs, antivirus
 * cloud lookups and telemetry from every host. */
static void background_flow(g_ctx *c, int64_t ts) {
  g_org *org = &c->org;
  uint32_t x = g_below(&c->rng, 100);
  if (x < 40) {
    int h = org->dc[g_below(&c->rng, (uint32_t)org->ndc)];
    int e = c->ep_dns[g_below(&c->rng, (uint32_t)c->nep_dns)];
    short_flow(c, ts, org->hosts[h].ip, Z_SERVERS, ep_addr(c, e), Z_WAN, 53, 17, e, -1);
  } else if (x < 55) {
    int h = (int)g_below(&c->rng, (uint32_t)org->nservers);
    short_flow(c, ts, org->hosts[h].ip, Z_SERVERS, ep_addr(c, c->ep_av), Z_WAN, 443, 6, c->ep_av,
               -1);
  } else {
    int h = (int)(org->nservers + g_below(&c->rng, (uint32_t)(org->nhosts - org->nservers)));
    int e = g_chance(&c->rng, 0.5) ? c->ep_av : pick_user_ep(c);
    short_flow(c, ts, org->hosts[h].ip, Z_USERS, ep_addr(c, e), Z_WAN, c->eps[e].port,
               c->eps[e].proto, e, -1);
  }
}

/* A long session (hours). */
static void long_flow(g_ctx *c, int64_t start, int64_t dur, uint32_t src, int sz, uint32_t dst,
                      int dz, uint16_t dport, int ep, int user, uint64_t sent, uint64_t rcvd,
                      int action, int bursty) {
  g_flow f;
  memset(&f, 0, sizeof f);
  f.start = start;
  f.dur = dur;
  f.src = src;
  f.dst = dst;
  f.szone = (uint8_t)sz;
  f.dzone = (uint8_t)dz;
  f.sport = eport(c);
  f.dport = dport;
  f.proto = 6;
  f.ep = (int16_t)ep;
  f.user = user;
  f.sent = sent;
  f.rcvd = rcvd;
  f.action = (uint8_t)action;
  g_flow_push_shaped(c, &f, bursty);
}

/* ---- people ---- */

typedef struct admin_job {
  int64_t ts, dur;
  int host;
} admin_job;

#define MAX_ADMIN_JOBS 4
static admin_job *g_jobs; /* per admin, MAX_ADMIN_JOBS each */

/* Shortest gap between a session at home and one abroad: a flight from
 * Japan to the nearest of TRAVEL_COUNTRY (Seoul, Taipei) with the trips to
 * and from the airports. */
#define FLIGHT (6 * G_HOUR)
/* Chance that a VPN session is the first of a trip (2-7 days, some
 * sessions a day): about 0.4% of sessions are abroad, as with the earlier
 * per-session model. */
#define TRIP_P 0.0012
static const char *const TRAVEL_COUNTRY[] = {"United States",      "Singapore", "Taiwan",
                                             "Korea, Republic of", "Thailand",  "Germany"};

/* Seconds and milliseconds: people do not log on at round minutes. */
static int64_t jit(g_ctx *c) { return g_range(&c->rng, 0, 59999) * 1000; }

static void plan_user_day(g_ctx *c, int u, int64_t mid, int workday) {
  g_user *us = &c->org.users[u];
  us->mode = 0;
  us->nvpn = 0;
  if (us->home_k < 0 && us->home.fam == 0) g_home_assign(c, u);
  /* the ISP renumbers (not for a decoy admin: his decoy is "his usual
   * address", decoy.c) */
  if (g_chance(&c->rng, 1.0 / 120) && !us->fixed_home) g_home_assign(c, u);
  if (workday) {
    if (g_chance(&c->rng, 0.04)) return; /* leave, illness */
    if (g_chance(&c->rng, us->remote_p)) {
      us->mode = 2;
      int64_t a = mid + 8 * G_HOUR + g_range(&c->rng, 0, 120) * G_MIN + jit(c);
      int64_t e = mid + 12 * G_HOUR + g_range(&c->rng, 0, 450) * G_MIN + jit(c);
      if (e < a + G_HOUR) e = a + G_HOUR + g_range(&c->rng, 0, 60) * G_MIN;
      if (g_chance(&c->rng, 0.3)) {
        int64_t cut = a + (e - a) / 2 + g_range(&c->rng, -40, 40) * G_MIN + jit(c);
        us->vpn_start[0] = a;
        us->vpn_end[0] = cut;
        us->vpn_start[1] = cut + g_range(&c->rng, 2, 70) * G_MIN + jit(c);
        us->vpn_end[1] = e;
        us->nvpn = 2;
      } else {
        us->vpn_start[0] = a;
        us->vpn_end[0] = e;
        us->nvpn = 1;
      }
      us->arrive = a;
      us->leave = e;
    } else {
      us->mode = 1;
      us->arrive = mid + 8 * G_HOUR + g_range(&c->rng, 0, 105) * G_MIN + jit(c);
      us->leave = mid + 17 * G_HOUR + g_range(&c->rng, 0, 210) * G_MIN + jit(c);
    }
    if (us->nvpn < 3 && g_chance(&c->rng, us->evening_p)) {
      int64_t s = mid + 20 * G_HOUR + g_range(&c->rng, 0, 150) * G_MIN + jit(c);
      us->vpn_start[us->nvpn] = s;
      us->vpn_end[us->nvpn] = s + g_range(&c->rng, 15, 90) * G_MIN + jit(c);
      us->nvpn++;
    }
  } else if (g_chance(&c->rng, us->evening_p)) {
    us->mode = 2;
    int64_t s = mid + 10 * G_HOUR + g_range(&c->rng, 0, 480) * G_MIN + jit(c);
    us->vpn_start[0] = s;
    us->vpn_end[0] = s + g_range(&c->rng, 30, 180) * G_MIN + jit(c);
    us->nvpn = 1;
    us->arrive = s;
    us->leave = us->vpn_end[0];
  }
  /* someone abroad is not at the office: only the VPN reaches them */
  if (us->mode == 1 && us->trip_until > mid) us->mode = 0;
}

void g_life_day(g_ctx *c, int day) {
  (void)day;
  g_org *org = &c->org;
  int64_t t = c->start + (int64_t)day * G_DAY;
  int64_t mid = local_midnight(t + G_HOUR);
  int workday = g_is_workday((mid + G_TZ_OFF) / G_DAY);
  for (size_t u = 0; u < org->nusers; u++) plan_user_day(c, (int)u, mid, workday);
  if (!g_jobs) return;
  for (size_t k = 0; k < org->nadmins; k++) {
    admin_job *j = &g_jobs[k * MAX_ADMIN_JOBS];
    for (int i = 0; i < MAX_ADMIN_JOBS; i++) j[i].ts = 0;
    g_user *us = &org->users[org->admins[k]];
    if (us->mode == 0) continue;
    int n = (int)g_range(&c->rng, 0, workday ? 3 : 1);
    for (int i = 0; i < n; i++) {
      int64_t lo = us->arrive + 10 * G_MIN, hi = us->leave - 30 * G_MIN;
      if (hi <= lo) break;
      j[i].ts = g_range(&c->rng, lo, hi);
      j[i].dur = g_range(&c->rng, 10, 110) * G_MIN;
      j[i].host = (int)g_below(&c->rng, (uint32_t)org->nservers);
    }
  }
}

static const char *const ADMIN_CMDS[][3] = {
    {"C:\\Windows\\System32\\mmc.exe",
     "\"C:\\Windows\\system32\\mmc.exe\" "
     "\"C:\\Windows\\system32\\services.msc\"",
     "C:\\Windows\\explorer.exe"},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
     "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"",
     "C:\\Windows\\explorer.exe"},
    {"C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\"",
     "C:\\Windows\\explorer.exe"},
    {"C:\\Windows\\System32\\eventvwr.exe", "\"C:\\Windows\\system32\\eventvwr.exe\"",
     "C:\\Windows\\explorer.exe"},
    {"C:\\Windows\\System32\\ipconfig.exe", "ipconfig /all", "C:\\Windows\\System32\\cmd.exe"},
    {"C:\\Windows\\System32\\sc.exe", "sc query MonitorAgent", "C:\\Windows\\System32\\cmd.exe"},
    {"C:\\Windows\\System32\\net.exe", "net use", "C:\\Windows\\System32\\cmd.exe"},
    {"C:\\Windows\\System32\\gpupdate.exe", "gpupdate /force", "C:\\Windows\\System32\\cmd.exe"},
    {"C:\\Windows\\System32\\whoami.exe", "whoami", "C:\\Windows\\System32\\cmd.exe"},
    {"C:\\Windows\\System32\\taskmgr.exe", "\"C:\\Windows\\system32\\taskmgr.exe\" /4",
     "C:\\Windows\\explorer.exe"},
};

static const char *const ADMIN_PS[] = {
    "Get-Service | Where-Object {$_.Status -eq 'Stopped' -and $_.StartType -eq 'Automatic'}",
    "Get-EventLog -LogName System -Newest 50 | Format-Table -AutoSize",
    "Restart-Service -Name Spooler -Force",
    "Get-ChildItem D:\\Shares -Recurse -File | Measure-Object -Property Length -Sum",
    "Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 5",
    "Test-NetConnection -ComputerName upd01 -Port 8530",
    ("Get-ADUser -Filter * -Properties LastLogonDate | Where-Object {$_.LastLogonDate -lt "
     "(Get-Date).AddDays(-90)}"),
    "Get-Volume | Select-Object DriveLetter, SizeRemaining",
};

static void admin_session(g_ctx *c, int admin, const admin_job *j) {
  g_org *org = &c->org;
  g_user *us = &org->users[admin];
  uint32_t src;
  int sz;
  if (us->mode == 1) {
    src = org->hosts[us->ws].ip;
    sz = Z_USERS;
  } else if (us->cur_tunnel) {
    src = us->cur_tunnel;
    sz = Z_VPN;
  } else {
    return;
  }
  int64_t dur = j->dur;
  if (sz == Z_VPN && j->ts + dur > us->cur_tunnel_until) dur = us->cur_tunnel_until - j->ts - G_MIN;
  if (dur < 2 * G_MIN) return;
  char sip[16];
  ip_of(src, sip);
  uint64_t kb = (uint64_t)(dur / G_SEC);
  long_flow(c, j->ts - 2 * G_SEC, dur + 4 * G_SEC, src, sz, org->hosts[j->host].ip, Z_SERVERS, 3389,
            -1, sz == Z_VPN ? admin : -1, kb * (uint64_t)g_range(&c->rng, 300, 900),
            kb * (uint64_t)g_range(&c->rng, 2000, 9000), FA_CLOSE, 1);
  g_ev_rdp(c, j->ts, j->ts + dur, j->host, admin, sip, NULL, g_chance(&c->rng, 0.2));
  c->ben.rdp_admin++;
  int n = (int)g_range(&c->rng, 1, 4);
  for (int i = 0; i < n; i++) {
    int64_t t = j->ts + g_range(&c->rng, 30, (dur / G_SEC) - 20) * G_SEC;
    const char *const *cmd = ADMIN_CMDS[g_below(&c->rng, sizeof ADMIN_CMDS / sizeof ADMIN_CMDS[0])];
    g_ev_process(c, t, j->host, admin, cmd[0], cmd[1], cmd[2], NULL);
    if (strstr(cmd[0], "powershell"))
      g_ev_ps(c, t + 4 * G_SEC, j->host,
              ADMIN_PS[g_below(&c->rng, sizeof ADMIN_PS / sizeof ADMIN_PS[0])]);
  }
  /* Now and then an admin sets up a task or installs a service. */
  if (g_chance(&c->rng, 0.03)) {
    static const char *const TASKS[][2] = {
        {"\\Maintenance\\LogRotate",
         "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoProfile -File "
         "C:\\Scripts\\rotate-logs.ps1"},
        {"\\Backup\\ExportConfig", "C:\\Scripts\\export-config.cmd"},
        {"\\Reports\\DiskUsage",
         "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -ExecutionPolicy "
         "Bypass -File C:\\Scripts\\disk-report.ps1"}};
    int k = (int)g_below(&c->rng, 3);
    g_ev_task(c, j->ts + dur / 2, j->host, admin, TASKS[k][0], TASKS[k][1]);
  } else if (g_chance(&c->rng, 0.02)) {
    static const char *const SVCS[][2] = {
        {"MonitorAgentUpdater", "\"C:\\Program Files\\MonitorAgent\\updater.exe\" --service"},
        {"CorpPrintBridge", "\"C:\\Program Files\\CorpPrint\\bridge.exe\""}};
    int k = (int)g_below(&c->rng, 2);
    g_ev_service(c, j->ts + dur / 2, j->host, admin, SVCS[k][0], SVCS[k][1]);
  }
}

static void vpn_session(g_ctx *c, int u, int64_t s, int64_t e) {
  g_org *org = &c->org;
  g_user *us = &org->users[u];
  if (e <= s + G_MIN) return;
  uint32_t tun = g_tunnel_alloc(c, s, e);
  us->cur_tunnel = tun;
  us->cur_tunnel_from = s;
  us->cur_tunnel_until = e;
  ash_ip rem = us->home;
  const char *country = "Japan";
  /* Travel is a trip, not a coin per session: for some days every session
   * comes from the same hotel or foreign mobile address in one country,
   * and a flight separates it from the last session at home, both ways.
   * Per-session coins made a user "in Thailand within the hour of a
   * session from Japan", which is impossible travel in the world and
   * rightly high for account-use: benign-only cases must not contain it. */
  int abroad = us->trip_until && (s < us->trip_until || s - us->last_vpn_end < FLIGHT);
  if (!abroad) us->trip_until = 0;
  if (!abroad && s - us->last_vpn_end >= FLIGHT && g_chance(&c->rng, TRIP_P)) {
    for (int k = 0; k < 64; k++) {
      uint32_t i = g_below(&c->rng, (uint32_t)org->nhomes);
      if (!org->home_used[i]) {
        org->home_used[i] = 3;
        uint32_t a = org->homes[i];
        memset(&us->trip_addr, 0, sizeof us->trip_addr);
        us->trip_addr.fam = 4;
        us->trip_addr.b[10] = us->trip_addr.b[11] = 0xff;
        us->trip_addr.b[12] = (uint8_t)(a >> 24);
        us->trip_addr.b[13] = (uint8_t)(a >> 16);
        us->trip_addr.b[14] = (uint8_t)(a >> 8);
        us->trip_addr.b[15] = (uint8_t)a;
        us->trip_country =
            TRAVEL_COUNTRY[g_below(&c->rng, sizeof TRAVEL_COUNTRY / sizeof TRAVEL_COUNTRY[0])];
        us->trip_until = s + g_range(&c->rng, 2, 7) * G_DAY;
        abroad = 1;
        break;
      }
    }
  }
  if (abroad) {
    rem = us->trip_addr;
    country = us->trip_country;
    c->ben.vpn_travel++;
  }
  us->last_vpn_end = e;
  if (g_chance(&c->rng, 0.05)) {
    g_rec *f = g_rec_new(&c->sched);
    if (f) {
      f->type = GR_VPN_FAIL;
      f->ts = s - g_range(&c->rng, 20, 90) * G_SEC;
      if (f->ts < c->sched.horizon) f->ts = s;
      f->u.v.user = u;
      f->u.v.remip = rem;
      f->u.v.country = country;
      g_sched_push(&c->sched, f);
    }
  }
  uint32_t tid = c->vpn_tunnel_id++;
  uint64_t secs = (uint64_t)((e - s) / G_SEC);
  uint64_t sent = secs * (uint64_t)g_range(&c->rng, 800, 6000);
  uint64_t rcvd = secs * (uint64_t)g_range(&c->rng, 3000, 30000);
  g_rec *r = g_rec_new(&c->sched);
  if (!r) return;
  r->type = GR_VPN_UP;
  r->ts = s;
  r->u.v.user = u;
  r->u.v.remip = rem;
  r->u.v.tunnel_ip = tun;
  r->u.v.tunnel_id = tid;
  r->u.v.country = country;
  g_rec *d = g_rec_new(&c->sched);
  if (!d) {
    g_rec_release(&c->sched, r);
    return;
  }
  *d = *r;
  d->type = GR_VPN_DOWN;
  d->ts = e;
  d->u.v.dur = e - s;
  d->u.v.sent = sent;
  d->u.v.rcvd = rcvd;
  d->u.v.reason = g_chance(&c->rng, 0.85) ? "connection closed" : "idle timeout";
  g_sched_push(&c->sched, r);
  g_sched_push(&c->sched, d);
  c->st->vpn_sessions++;

  /* Logon to the domain and the file server through the tunnel. */
  char tip[16];
  ip_of(tun, tip);
  int fs = org->fs[(u + (int)org->nfs) % (int)org->nfs];
  int dc = org->dc[u % org->ndc];
  short_flow(c, s + 4 * G_SEC, tun, Z_VPN, org->hosts[dc].ip, Z_SERVERS, 389, 6, -1, u);
  g_ev_kerberos(c, s + 5 * G_SEC, u, tip, org->hosts[fs].upper);
  g_logon l = {fs,
               u,
               NULL,
               NULL,
               3,
               tip,
               NULL,
               0x200000 + (g_next(&c->rng) & 0xffffff),
               (int)g_range(&c->rng, 49152, 65535)};
  g_ev_logon(c, s + 6 * G_SEC, &l);
  g_ev_logoff(c, e - 2 * G_SEC, &l);
  long_flow(c, s + 6 * G_SEC, e - s - 10 * G_SEC, tun, Z_VPN, org->hosts[fs].ip, Z_SERVERS, 445, -1,
            u, secs * (uint64_t)g_range(&c->rng, 200, 3000),
            secs * (uint64_t)g_range(&c->rng, 1000, 20000), FA_CLOSE, 1);
  /* Some people work on their office PC through the tunnel. */
  if ((g_mix((uint64_t)u * 7919 + c->o->seed) % 100) < 22 && e - s > 20 * G_MIN) {
    int64_t rs = s + g_range(&c->rng, 1, 10) * G_MIN;
    int64_t re = e - g_range(&c->rng, 1, 5) * G_MIN;
    long_flow(c, rs - G_SEC, re - rs + 2 * G_SEC, tun, Z_VPN, org->hosts[us->ws].ip, Z_USERS, 3389,
              -1, u, (uint64_t)((re - rs) / G_SEC) * 600, (uint64_t)((re - rs) / G_SEC) * 5000,
              FA_CLOSE, 1);
    g_ev_rdp(c, rs, re, us->ws, u, tip, NULL, g_chance(&c->rng, 0.5));
    c->ben.rdp_ws_from_vpn++;
  }
}

static void office_arrival(g_ctx *c, int u) {
  g_org *org = &c->org;
  g_user *us = &org->users[u];
  int64_t a = us->arrive;
  g_host *ws = &org->hosts[us->ws];
  char wip[16];
  ip_of(ws->ip, wip);
  /* Console unlock or logon: Windows records 127.0.0.1 as the source of
   * local interactive logons (not RDP). */
  int type = g_chance(&c->rng, 0.8) ? 7 : 2;
  g_logon l = {
      us->ws, u, NULL, NULL, type, "127.0.0.1", NULL, 0x300000 + (g_next(&c->rng) & 0xffffff), 0};
  g_ev_logon(c, a, &l);
  c->ben.loopback_console++;
  if (type == 2) g_ev_logoff(c, us->leave, &l);
  int fs = org->fs[(u + (int)org->nfs) % (int)org->nfs];
  g_ev_kerberos(c, a + 3 * G_SEC, u, wip, org->hosts[fs].upper);
  g_logon f = {fs,
               u,
               NULL,
               NULL,
               3,
               wip,
               NULL,
               0x400000 + (g_next(&c->rng) & 0xffffff),
               (int)g_range(&c->rng, 49152, 65535)};
  g_ev_logon(c, a + 4 * G_SEC, &f);
  g_ev_logoff(c, us->leave, &f);
  uint64_t secs = (uint64_t)((us->leave - a) / G_SEC);
  long_flow(c, a + 4 * G_SEC, us->leave - a - 4 * G_SEC, ws->ip, Z_USERS, org->hosts[fs].ip,
            Z_SERVERS, 445, -1, -1, secs * (uint64_t)g_range(&c->rng, 100, 2000),
            secs * (uint64_t)g_range(&c->rng, 500, 15000), FA_CLOSE, 1);
  /* The chat client keeps a websocket open all day. */
  int chat = -1;
  for (size_t i = 0; i < c->neps; i++)
    if (!strcmp(c->eps[i].name, "saas-chat")) chat = (int)i;
  if (chat >= 0 && g_chance(&c->rng, 0.7))
    long_flow(c, a + 60 * G_SEC, us->leave - a - 120 * G_SEC, ws->ip, Z_USERS, ep_addr(c, chat),
              Z_WAN, 443, chat, -1, secs * 40, secs * 90, FA_CLOSE, 0);
  short_flow(c, a + 90 * G_SEC, ws->ip, Z_USERS, org->hosts[org->upd].ip, Z_SERVERS, 8530, 6, -1,
             -1);
  /* Antivirus noise on workstations: adware and unwanted software. */
  if (g_chance(&c->rng, 0.004)) {
    static const char *const PUA[][3] = {
        {"PUA:Win32/Presenoker", "Potentially Unwanted Software", "setup_free_pdf.exe"},
        {"PUA:Win32/CandyOpen", "Potentially Unwanted Software", "VLC_installer.exe"},
        {"Adware:Win32/Hotbar", "Adware", "hbtoolbar.exe"},
        {"PUADlManager:Win32/OfferCore", "Potentially Unwanted Software", "download_mgr.exe"},
        {"BrowserModifier:Win32/Prifou", "Browser Modifier", "prifou_setup.exe"}};
    int k = (int)g_below(&c->rng, 5);
    char path[256], du[96];
    snprintf(path, sizeof path, "C:\\Users\\%s\\Downloads\\%s", us->name, PUA[k][2]);
    snprintf(du, sizeof du, "%s\\%s", org->netbios, us->name);
    g_ev_av(c, a + g_range(&c->rng, 10, 400) * G_MIN, us->ws, PUA[k][0], PUA[k][1], "Low", path, du,
            "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            (int)g_range(&c->rng, 300, 4000));
    c->ben.av_detections++;
  }
}

/* Servers: the monitoring agent's websocket, always reconnecting. */
static void monitoring(g_ctx *c, int h, int64_t t0, int64_t t1) {
  g_host *hs = &c->org.hosts[h];
  const g_endpoint *ep = &c->eps[c->ep_monitor];
  while (hs->mon_until < t1) {
    int64_t s = hs->mon_until ? hs->mon_until + g_range(&c->rng, 2, 40) * G_SEC
                              : t0 + g_range(&c->rng, 0, 600) * G_SEC;
    if (s < t0) s = t0;
    int64_t dur = (int64_t)(g_lognorm(&c->rng, 8.0, 0.6) * (double)G_HOUR);
    if (dur < 30 * G_MIN) dur = 30 * G_MIN;
    if (dur > 48 * G_HOUR) dur = 48 * G_HOUR;
    uint64_t mins = (uint64_t)(dur / G_MIN);
    uint32_t dst = g_ep_addr(ep, c->o->seed, hs->mon_ep_k);
    uint32_t x = g_below(&c->rng, 10);
    long_flow(c, s, dur, hs->ip, Z_SERVERS, dst, Z_WAN, 443, c->ep_monitor, -1,
              mins * (uint64_t)g_range(&c->rng, 1100, 1300),
              mins * (uint64_t)g_range(&c->rng, 700, 900),
              x < 5   ? FA_CLOSE
              : x < 8 ? FA_TIMEOUT
                      : FA_SRV_RST,
              0);
    char dip[16], sip[16];
    ip_of(dst, dip);
    ip_of(hs->ip, sip);
    g_ev_sysmon_net(c, s, h, "C:\\Program Files\\MonitorAgent\\agent.exe", "NT AUTHORITY\\SYSTEM",
                    sip, (int)g_range(&c->rng, 49152, 65535), dip, 443);
    hs->mon_until = s + dur;
    c->ben.mon_sessions++;
  }
}

static void server_jobs(g_ctx *c, int64_t t0) {
  g_org *org = &c->org;
  int lh = local_hour(t0);
  int64_t ld = local_day_of(t0);
  int64_t t1 = t0 + G_HOUR;
  for (size_t h = 0; h < org->nservers; h++) monitoring(c, (int)h, t0, t1);
  char sip[16];
  if (lh == 1) {
    /* Nightly backup: parallel uploads to S3, bigger on Saturdays. */
    int dow = (int)(((ld % 7) + 7 + 4) % 7);
    int full = dow == 6;
    int n = 4;
    g_host *bk = &org->hosts[org->bk];
    int64_t s0 = t0 + g_range(&c->rng, 0, 10) * G_MIN + jit(c);
    g_ev_process(c, s0 - 30 * G_SEC, org->bk, -1, "C:\\Program Files\\CorpBackup\\backup-agent.exe",
                 full ? "\"C:\\Program Files\\CorpBackup\\backup-agent.exe\" --job weekly-full"
                      : "\"C:\\Program Files\\CorpBackup\\backup-agent.exe\" --job nightly",
                 "C:\\Windows\\System32\\svchost.exe", NULL);
    for (int i = 0; i < n; i++) {
      int e = c->ep_backup[0];
      double med = full ? 200.0 : 35.0;
      int64_t dur = (int64_t)(g_lognorm(&c->rng, med, 0.35) * (double)G_MIN);
      uint64_t mb = (uint64_t)(dur / G_SEC) * (uint64_t)g_range(&c->rng, 2, 8);
      long_flow(c, s0 + i * 3 * G_SEC, dur, bk->ip, Z_SERVERS,
                g_ep_addr(&c->eps[e], c->o->seed, g_below(&c->rng, c->eps[e].naddr)), Z_WAN, 443, e,
                -1, mb * 1000000ULL, mb * 1500ULL, FA_CLOSE, 0);
      c->ben.backup_sessions++;
    }
    /* The backup account reads every server. */
    ip_of(bk->ip, sip);
    for (size_t h = 0; h < org->nservers; h++) {
      if ((int)h == org->bk) continue;
      g_logon l = {(int)h,
                   -1,
                   "svc_backup",
                   NULL,
                   3,
                   sip,
                   "BK01",
                   0x500000 + (g_next(&c->rng) & 0xffffff),
                   (int)g_range(&c->rng, 49152, 65535)};
      g_ev_logon(c, s0 + (int64_t)h * 20 * G_SEC, &l);
      g_ev_logoff(c, s0 + (int64_t)h * 20 * G_SEC + g_range(&c->rng, 5, 50) * G_MIN, &l);
    }
  }
  if (lh == 3) {
    /* The WSUS server syncs with Microsoft: large after Patch Tuesday. */
    int patch = is_patch_window(ld, 0) || is_patch_window(ld, 1) || is_patch_window(ld, 2);
    int n = patch ? 3 : 1;
    g_host *up = &org->hosts[org->upd];
    for (int i = 0; i < n; i++) {
      int64_t s = t0 + g_range(&c->rng, 0, 20) * G_MIN + jit(c);
      int64_t dur = (int64_t)(g_lognorm(&c->rng, patch ? 50.0 : 6.0, 0.5) * (double)G_MIN);
      uint64_t rcvd = (uint64_t)(dur / G_SEC) * (uint64_t)g_range(&c->rng, 300000, 900000);
      int e = c->ep_update;
      long_flow(c, s, dur, up->ip, Z_SERVERS, ep_addr(c, e), Z_WAN, 443, e, -1, rcvd / 400, rcvd,
                FA_CLOSE, 0);
      c->ben.update_sessions++;
    }
  }
  if (lh == 2 && is_patch_window(ld, 3)) {
    /* Monthly patch reboot of every server. */
    for (size_t h = 0; h < org->nservers; h++) {
      int64_t s = t0 + g_range(&c->rng, 0, 50) * G_MIN + jit(c);
      g_host *hs = &org->hosts[h];
      g_kv_begin(c);
      g_kvf(c, "param1", "C:\\Windows\\servicing\\TrustedInstaller.exe (%s)", hs->upper);
      g_kv(c, "param2", hs->upper);
      g_kv(c, "param3", "Operating System: Upgrade (Planned)");
      g_kv(c, "param4", "0x80020003");
      g_kv(c, "param5", "restart");
      g_kv(c, "param6", "");
      g_kv(c, "param7", "NT AUTHORITY\\SYSTEM");
      g_win_push(c, s, (int)h, CH_SYSTEM, 1074);
      g_kv_begin(c);
      g_win_push(c, s + 20 * G_SEC, (int)h, CH_SYSTEM, 6006);
      g_kv_begin(c);
      g_win_push(c, s + 200 * G_SEC, (int)h, CH_SYSTEM, 6005);
    }
  }
  /* Defender definition updates, once a day per server. */
  for (size_t h = 0; h < org->nservers; h++) {
    if ((int)(g_mix(h * 31 + (uint64_t)ld) % 24) != lh) continue;
    int64_t s = t0 + g_range(&c->rng, 0, 58) * G_MIN + jit(c);
    g_kv_begin(c);
    g_kv(c, "Product Name", "Microsoft Defender Antivirus");
    g_kv(c, "Product Version", "4.18.24090.11");
    g_kvf(c, "Current security intelligence Version", "1.421.%u.0", (unsigned)(1000 + (ld % 3000)));
    g_kvf(c, "Previous security intelligence Version", "1.421.%u.0", (unsigned)(999 + (ld % 3000)));
    g_kv(c, "Security intelligence Type ID", "1");
    g_kv(c, "Security intelligence Type", "AntiVirus");
    g_kv(c, "Update Type ID", "1");
    g_kv(c, "Update Type", "Delta");
    g_kv(c, "Current Engine Version", "1.1.24090.11");
    g_kv(c, "Previous Engine Version", "1.1.24090.11");
    g_win_push(c, s, (int)h, CH_DEFENDER, 2000);
    char hip[16];
    ip_of(org->hosts[h].ip, hip);
    short_flow(c, s - 20 * G_SEC, org->hosts[h].ip, Z_SERVERS, ep_addr(c, c->ep_av), Z_WAN, 443, 6,
               c->ep_av, -1);
    if (h % 3 == (size_t)(ld % 3))
      g_ev_process(c, s + 60 * G_SEC, (int)h, -1,
                   "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                   "powershell.exe -NoProfile -ExecutionPolicy Bypass -File \"C:\\Program "
                   "Files\\MonitorAgent\\checks\\disk.ps1\"",
                   "C:\\Program Files\\MonitorAgent\\agent.exe", NULL);
  }
  /* NTP from the DCs every hour. */
  for (int i = 0; i < org->ndc; i++)
    short_flow(c, t0 + g_range(&c->rng, 0, 3599) * G_SEC, org->hosts[org->dc[i]].ip, Z_SERVERS,
               ep_addr(c, c->ep_ntp), Z_WAN, 123, 17, c->ep_ntp, -1);
}

/* Rare antivirus events that are not part of anyone's day plan. */
static void av_noise(g_ctx *c, int64_t t0) {
  g_org *org = &c->org;
  int lh = local_hour(t0);
  if (lh < 9 || lh > 17) return;
  int workday = g_is_workday(local_day_of(t0));
  if (!workday) return;
  /* EICAR tests by admins, about monthly. */
  if (g_chance(&c->rng, 1.0 / (25 * 9))) {
    int a = org->admins[g_below(&c->rng, (uint32_t)org->nadmins)];
    int h =
        g_chance(&c->rng, 0.5) ? org->users[a].ws : (int)g_below(&c->rng, (uint32_t)org->nservers);
    char path[256], du[96];
    snprintf(path, sizeof path, "C:\\Users\\%s\\Downloads\\eicar.com.txt", org->users[a].name);
    snprintf(du, sizeof du, "%s\\%s", org->netbios, org->users[a].name);
    g_ev_av(c, t0 + g_range(&c->rng, 0, 3500) * G_SEC, h, "Virus:DOS/EICAR_Test_File", "Virus",
            "Severe", path, du, "C:\\Windows\\explorer.exe", 1200);
    c->ben.av_detections++;
  }
  /* Unwanted software saved by someone on a file share. */
  if (g_chance(&c->rng, 1.0 / (30 * 9))) {
    int fs = org->fs[g_below(&c->rng, (uint32_t)org->nfs)];
    int u = (int)g_below(&c->rng, (uint32_t)org->nusers);
    char path[256];
    snprintf(path, sizeof path, "D:\\Shares\\Users\\%s\\Downloads\\free_converter_setup.exe",
             org->users[u].name);
    g_ev_av(c, t0 + g_range(&c->rng, 0, 3500) * G_SEC, fs, "PUA:Win32/Caypnamer.A!ml",
            "Potentially Unwanted Software", "Low", path, "NT AUTHORITY\\SYSTEM", "System", 2500);
    c->ben.av_detections++;
  }
  /* Key generators and activators on workstations: hacktools, but not an
   * intrusion. */
  if (g_chance(&c->rng, 1.0 / (60 * 9))) {
    int u = (int)g_below(&c->rng, (uint32_t)org->nusers);
    if (org->users[u].mode == 1) {
      int kms = g_chance(&c->rng, 0.6);
      char path[256], du[96];
      snprintf(path, sizeof path,
               kms ? "C:\\Users\\%s\\Downloads\\KMSpico\\AutoPico.exe"
                   : "C:\\Users\\%s\\Downloads\\keygen\\keygen.exe",
               org->users[u].name);
      snprintf(du, sizeof du, "%s\\%s", org->netbios, org->users[u].name);
      g_ev_av(c, t0 + g_range(&c->rng, 0, 3500) * G_SEC, org->users[u].ws,
              kms ? "HackTool:Win32/AutoKMS" : "HackTool:Win32/Keygen", "Tool", "High", path, du,
              "C:\\Windows\\explorer.exe", 900);
      c->ben.av_detections++;
      c->ben.hacktool_benign++;
    }
  }
}

/* The internet knocks: password sprays against the VPN portal with names
 * that do not exist, a few times a day, from addresses nobody in the
 * organisation uses. And people mistype their passwords. */
static void knocks(g_ctx *c, int64_t t0) {
  g_org *org = &c->org;
  static const char *const NAMES[] = {"admin", "administrator", "test",   "vpn",     "user",
                                      "guest", "support",       "backup", "scanner", "fortinet"};
  if (g_chance(&c->rng, 0.12)) {
    ash_ip src;
    memset(&src, 0, sizeof src);
    for (int k = 0; k < 32; k++) {
      uint32_t i = g_below(&c->rng, (uint32_t)org->nhomes);
      if (org->home_used[i]) continue;
      uint32_t a = org->homes[i];
      src.fam = 4;
      src.b[10] = src.b[11] = 0xff;
      src.b[12] = (uint8_t)(a >> 24);
      src.b[13] = (uint8_t)(a >> 16);
      src.b[14] = (uint8_t)(a >> 8);
      src.b[15] = (uint8_t)a;
      break;
    }
    if (src.fam) {
      int n = (int)g_range(&c->rng, 1, 6);
      int64_t t = t0 + g_range(&c->rng, 0, 3000) * G_SEC;
      for (int i = 0; i < n; i++) {
        g_rec *r = g_rec_new(&c->sched);
        if (!r) return;
        r->type = GR_VPN_FAIL;
        r->ts = t + i * g_range(&c->rng, 2, 40) * G_SEC + g_range(&c->rng, 0, 999) * 1000;
        r->u.v.user = -1;
        r->u.v.uname = NAMES[g_below(&c->rng, sizeof NAMES / sizeof NAMES[0])];
        r->u.v.remip = src;
        r->u.v.country = "Reserved";
        r->u.v.reason = "sslvpn_login_unknown_user";
        g_sched_push(&c->sched, r);
        c->ben.vpn_spray++;
      }
    }
  }
  /* a mistyped password at the office PC, now and then */
  int lh = local_hour(t0);
  if (lh >= 8 && lh <= 18 && g_chance(&c->rng, 0.15)) {
    int u = (int)g_below(&c->rng, (uint32_t)org->nusers);
    if (org->users[u].mode == 1) {
      g_user *us = &org->users[u];
      char sid[80];
      g_user_sid(c, u, sid);
      g_kv_begin(c);
      g_kv(c, "SubjectUserSid", "S-1-5-18");
      g_kvf(c, "SubjectUserName", "%s$", org->hosts[us->ws].upper);
      g_kv(c, "SubjectDomainName", org->netbios);
      g_kv(c, "SubjectLogonId", "0x3e7");
      g_kv(c, "TargetUserSid", "S-1-0-0");
      g_kv(c, "TargetUserName", us->name);
      g_kv(c, "TargetDomainName", org->netbios);
      g_kv(c, "Status", "0xc000006d");
      g_kv(c, "FailureReason", "%%2313");
      g_kv(c, "SubStatus", "0xc000006a");
      g_kv(c, "LogonType", "2");
      g_kv(c, "LogonProcessName", "User32 ");
      g_kv(c, "AuthenticationPackageName", "Negotiate");
      g_kv(c, "WorkstationName", org->hosts[us->ws].upper);
      g_kv(c, "TransmittedServices", "-");
      g_kv(c, "LmPackageName", "-");
      g_kv(c, "KeyLength", "0");
      g_kvf(c, "ProcessId", "0x%x", org->hosts[us->ws].pid_lsass + 120);
      g_kv(c, "ProcessName", "C:\\Windows\\System32\\svchost.exe");
      g_kv(c, "IpAddress", "127.0.0.1");
      g_kv(c, "IpPort", "0");
      int64_t t = t0 + g_range(&c->rng, 0, 3599) * G_SEC + g_range(&c->rng, 0, 999) * 1000;
      if (t < us->arrive) t = us->arrive + 30 * G_SEC;
      g_win_push(c, t, us->ws, CH_SECURITY, 4625);
    }
  }
}

static int *g_active;

int g_life_init(g_ctx *c) {
  g_org *org = &c->org;
  g_jobs = calloc(org->nadmins * MAX_ADMIN_JOBS + 1, sizeof *g_jobs);
  g_active = calloc(org->nusers + 1, sizeof *g_active);
  return g_jobs && g_active ? 0 : -1;
}

void g_life_free(void) {
  free(g_jobs);
  free(g_active);
  g_jobs = NULL;
  g_active = NULL;
}

void g_life_hour(g_ctx *c, int64_t t0) {
  g_org *org = &c->org;
  int64_t t1 = t0 + G_HOUR;
  size_t nact = 0;
  for (size_t i = 0; i < org->nusers; i++) {
    g_user *us = &org->users[i];
    if (us->mode == 1 && us->arrive >= t0 && us->arrive < t1) office_arrival(c, (int)i);
    for (int k = 0; k < us->nvpn; k++)
      if (us->vpn_start[k] >= t0 && us->vpn_start[k] < t1) {
        vpn_session(c, (int)i, us->vpn_start[k], us->vpn_end[k]);
      }
    int present = us->mode == 1 && us->arrive < t1 && us->leave > t0;
    int vpn = us->cur_tunnel && us->cur_tunnel_until > t0;
    if (us->cur_tunnel && us->cur_tunnel_until <= t0) us->cur_tunnel = 0;
    if (present || vpn) g_active[nact++] = (int)i;
  }
  for (size_t k = 0; k < org->nadmins; k++) {
    admin_job *j = &g_jobs[k * MAX_ADMIN_JOBS];
    for (int i = 0; i < MAX_ADMIN_JOBS; i++)
      if (j[i].ts >= t0 && j[i].ts < t1) admin_session(c, org->admins[k], &j[i]);
  }
  server_jobs(c, t0);
  av_noise(c, t0);
  knocks(c, t0);

  /* The bulk of the traffic: the hour's share of flows per day, less what
   * sessions and jobs already produce (their rate in the last hour), so
   * that --flows-per-day counts every traffic record. */
  int64_t ld = local_day_of(t0);
  int lh = local_hour(t0);
  int workday = g_is_workday(ld);
  double wavg = (5 * sum24(W_WORK) + 2 * sum24(W_OFF)) / 7.0;
  double w = workday ? W_WORK[lh] : W_OFF[lh];
  double want = (double)c->o->flows_per_day * w / wavg - c->structured_rate;
  uint32_t n = g_poisson(&c->rng, want > 0 ? want : 0);
  c->making_filler = 1;
  for (uint32_t i = 0; i < n; i++) {
    int64_t ts = t0 + (int64_t)(g_unit(&c->rng) * (double)G_HOUR);
    if (nact && g_chance(&c->rng, 0.9)) {
      int u = g_active[g_below(&c->rng, (uint32_t)nact)];
      g_user *us = &org->users[u];
      int vpn = us->cur_tunnel != 0 && ts < us->cur_tunnel_until;
      if (vpn && ts < us->cur_tunnel_from) ts = us->cur_tunnel_from + 10 * G_SEC;
      if (us->mode == 1 && (ts < us->arrive || ts >= us->leave)) ts = us->arrive + G_MIN;
      if (!vpn && us->mode != 1) {
        background_flow(c, ts);
        continue;
      }
      if (ts < t0) ts = t0;
      user_flow(c, u, ts, vpn);
    } else {
      background_flow(c, ts);
    }
  }
  c->making_filler = 0;
}
