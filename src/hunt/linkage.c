/* past-incident-link: for every antivirus detection, who put the file
 * there, and what did that account do afterwards (scenario.md, finding 2).
 *
 * A tool written to a server was written by someone who had got in. The
 * candidates are the VPN sessions whose tunnel address reached the
 * detecting host shortly before the detection (a logon on the host from
 * the tunnel address, or firewall flows from it to the host), the
 * interactive and RDP logons on the host, and the detection's own
 * "Detection User". They are ranked by evidence: how close in time, RDP or
 * console rather than SMB, whether the account normally uses that host,
 * whether the VPN source address was new for the account (or a rentable
 * cloud address), and whether the antivirus names the same user. The best
 * accounts are then followed forward: later VPN sessions (returns from new
 * sources), later logons, and the other findings they meet.
 *
 * Passes: VPN events (sessions held in memory, capped), detections,
 * logons (per account and host: days seen; per detection window: the
 * contacts), flows in each detection's window, then later logons of the
 * few best accounts. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/ranges.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

/* How far before a detection a contact with the host is looked for, and
 * how long after (a logon is logged when it starts; logging lags). */
#define WINDOW (8 * ASH_HOUR)
#define AFTER (5 * ASH_MIN)
/* Flows are logged when they end: look this far past the detection for
 * sessions that started before it. */
#define FLOW_AFTER (12 * ASH_HOUR)
#define MAX_CANDS 64

/* ---- detections and their candidates ---- */

/* Contact kinds, weakest first. */
typedef enum ctype { CT_NONE = 0, CT_FLOW, CT_SMBFLOW, CT_NET, CT_INTER, CT_RDPFLOW, CT_RDP } ctype;

typedef struct cand {
  uint32_t account;    /* the VPN user, or the logon's account */
  uint32_t logon_user; /* the account of the logon on the host (may differ) */
  int32_t sess;        /* VPN session index, -1 when not via VPN */
  ctype type;          /* strongest contact */
  int64_t contact_ts;  /* the contact closest before the detection */
  int64_t contact_id;
  int64_t type_id; /* the event of the strongest contact */
  ash_ip src;      /* source address of the contact */
  int det_user;
  int habitual; /* the account logs on to the host on many other days */
  int habit_days;
  int64_t habit_first;
  uint32_t habit_kinds; /* the kinds of logon it used there (hunt_account_host) */
  int first_rdp;        /* an RDP contact, and no RDP there on an earlier day */
  double score;
} cand;

/* A detection (shared model) and who may have put the file there. */
typedef struct incident {
  const hunt_detection *d;
  uint32_t host;
  cand c[MAX_CANDS];
  int nc;
  int best, second; /* indices in c, -1 none */
} incident;

/* What the forward look found for one account. */
typedef struct follow {
  uint32_t account;
  int64_t after;
  uint32_t hosts[16];
  int64_t host_first[16], host_id[16];
  int64_t host_lt[16];
  size_t nhosts;
  uint64_t nlogons;
} follow;

typedef struct link {
  hunt_ctx *c;
  ash_strtab hosts;
  const hunt_vpn *v;
  const hunt_accounts *acc;
  int err; /* the first failure of a lookup (allocation) */
  incident *inc;
  size_t ninc;
  follow *fw;
  size_t nfw;
} link;

/* The id of an account or host; UINT32_MAX for none (or past the cap).
 * An allocation failure is kept in L->err, which every pass returns. */
static uint32_t account_of(link *L, const char *raw) {
  uint32_t id;
  int rc = hunt_account_id(L->c, raw, &id);
  if (rc && !L->err) L->err = rc;
  return rc ? UINT32_MAX : id;
}

static uint32_t host_of(link *L, const char *raw) {
  if (!raw) return UINT32_MAX;
  char h[64];
  hunt_short_host(raw, strlen(raw), h, sizeof h);
  if (!h[0]) return UINT32_MAX;
  uint32_t id;
  int rc = ash_strtab_intern(&L->hosts, h, strlen(h), &id);
  if (rc == ASH_ELIMIT)
    L->c->capped |= HUNT_CAP_HOSTS;
  else if (rc && !L->err)
    L->err = rc;
  return rc ? UINT32_MAX : id;
}

static const char *uname(const link *L, uint32_t u) { return hunt_account_name(L->c, u); }
static const char *hname(const link *L, uint32_t h) {
  const char *s = ash_strtab_str(&L->hosts, h);
  return s ? s : "?";
}

/* ---- candidates ---- */

static cand *cand_get(incident *x, uint32_t account, int32_t sess) {
  for (int i = 0; i < x->nc; i++)
    if (x->c[i].account == account && x->c[i].sess == sess) return &x->c[i];
  if (x->nc >= MAX_CANDS) return NULL;
  cand *k = &x->c[x->nc++];
  memset(k, 0, sizeof *k);
  k->account = account;
  k->logon_user = UINT32_MAX;
  k->sess = sess;
  k->contact_ts = ASH_TIME_UNSET;
  return k;
}

static void contact(cand *k, ctype t, int64_t ts, int64_t id, const ash_ip *src, int64_t t0) {
  if (t > k->type) {
    k->type = t;
    k->type_id = id;
    if (src) k->src = *src;
  }
  /* closest contact at or before the detection (slightly after counts:
   * logging order is not file-write order) */
  int64_t gap = t0 - ts, best = k->contact_ts == ASH_TIME_UNSET ? INT64_MAX : t0 - k->contact_ts;
  if (gap < -AFTER) return;
  if (llabs(gap) < llabs(best)) {
    k->contact_ts = ts;
    k->contact_id = id;
  }
}

static int cmp_inc_t0(const void *a, const void *b) {
  const incident *x = a, *y = b;
  if (x->d->t0 != y->d->t0) return x->d->t0 < y->d->t0 ? -1 : 1;
  return x->host < y->host ? -1 : x->host > y->host;
}

/* One pass over logons: the logons on a detecting host in the window
 * before a detection. */
typedef struct logon_scan {
  link *L;
  size_t lo; /* the first incident whose window is not behind ts */
} logon_scan;

static int on_logon(void *u, const ash_logon *l) {
  logon_scan *S = u;
  link *L = S->L;
  int64_t ts = l->ts;
  if (ts == ASH_TIME_UNSET) return ASH_OK;
  int64_t lt = l->logon_type == ASH_UNSET ? -1 : l->logon_type;
  int64_t eid = l->event_id == ASH_UNSET ? -1 : l->event_id;
  int rdp_ev = l->rdp;
  /* service, batch and network-cleartext logons say nothing of who uses a
   * host; an unlock (7) says the user was there, but is no new contact */
  if (!rdp_ev && lt != 2 && lt != 3 && lt != 7 && lt != 10 && lt != 11 && lt != 12) return ASH_OK;
  uint32_t user = account_of(L, l->user);
  uint32_t host = host_of(L, l->host);
  if (host == UINT32_MAX) return ASH_OK;
  if (lt == 7) return ASH_OK;
  while (S->lo < L->ninc && L->inc[S->lo].d->t0 + AFTER < ts) S->lo++;
  for (size_t i = S->lo; i < L->ninc && L->inc[i].d->t0 - WINDOW <= ts; i++) {
    incident *x = &L->inc[i];
    if (x->host != host || ts > x->d->t0 + AFTER) continue;
    const ash_ip *src = &l->src;
    int have = src->fam != 0;
    ctype t = rdp_ev || lt == 10 || lt == 12 ? CT_RDP : lt == 3 ? CT_NET : CT_INTER;
    if (rdp_ev && eid != 1149 && eid != 21 && eid != 25) continue;
    int64_t id = l->id;
    int32_t sess = have ? hunt_vpn_at(L->v, src, ts) : -1;
    cand *k;
    if (sess >= 0) {
      k = cand_get(x, L->v->s[sess].user, sess);
    } else {
      /* not through the VPN: network logons from inside are the noise of
       * every file server; interactive and RDP ones are candidates */
      if (t == CT_NET || user == UINT32_MAX) continue;
      k = cand_get(x, user, -1);
    }
    if (!k) continue;
    if (user != UINT32_MAX && (k->logon_user == UINT32_MAX || t >= k->type)) k->logon_user = user;
    contact(k, t, ts, id, have ? src : NULL, x->d->t0);
  }
  return ASH_OK;
}

static int scan_logons(link *L) {
  logon_scan S = {L, 0};
  ash_logon_query q = {ASH_TIME_UNSET, ASH_TIME_UNSET, ASH_LOGON_ANY_TYPE, HUNT_RDP_LOGONS, 0};
  return ash_store_logons(L->c->store, &q, on_logon, &S);
}

/* Flows from a VPN tunnel address to the detecting host around each
 * detection: RDP (3389) and SMB (445) say how the file may have come. */
typedef struct flow_scan {
  link *L;
  incident *x;
  const ash_ip *mine;
  size_t nm;
} flow_scan;

static int flow_cb(void *u, const ash_flow *f) {
  flow_scan *F = u;
  link *L = F->L;
  incident *x = F->x;
  if (!f->dst.fam) return ASH_OK;
  size_t j = 0;
  while (j < F->nm && !ash_ip_eq(&F->mine[j], &f->dst)) j++;
  if (j == F->nm || !f->src.fam || !ash_ip_is_private(&f->src)) return ASH_OK;
  if (f->start > x->d->t0 + AFTER || f->end < x->d->t0 - WINDOW) return ASH_OK;
  int32_t sess = hunt_vpn_at(L->v, &f->src, f->start);
  if (sess < 0) return ASH_OK;
  int64_t port = f->dst_port;
  ctype t = port == 3389 ? CT_RDPFLOW : port == 445 || port == 139 ? CT_SMBFLOW : CT_FLOW;
  cand *k = cand_get(x, L->v->s[sess].user, sess);
  if (k)
    contact(k, t, f->start < x->d->t0 - WINDOW ? x->d->t0 - WINDOW : f->start, f->id, &f->src,
            x->d->t0);
  return ASH_OK;
}

static int scan_flows(link *L, incident *x) {
  hostmap *hm;
  int rc = hunt_hosts(L->c, &hm);
  if (rc) return rc;
  ash_ip mine[8];
  size_t nm = hostmap_ips(hm, hname(L, x->host), mine, 8);
  if (!nm || !L->v->nbt) return ASH_OK;
  /* ts is a start (most formats: within the window) or an end (FortiGate:
   * up to FLOW_AFTER past the detection for sessions begun before it) */
  ash_flow_query q = {x->d->t0 - WINDOW, x->d->t0 + FLOW_AFTER + 1, 0, 0};
  flow_scan F = {L, x, mine, nm};
  return ash_store_flows(L->c->store, &q, flow_cb, &F);
}

static double type_weight(ctype t) {
  switch (t) {
  case CT_RDP: return 1.0;
  case CT_RDPFLOW: return 0.9;
  case CT_INTER: return 0.8;
  case CT_NET: return 0.3;
  case CT_SMBFLOW: return 0.25;
  case CT_FLOW: return 0.15;
  default: return 0;
  }
}

/* How the contact came, as a term of the catalogue (reasons.c). */
static const char *type_term(ctype t) {
  switch (t) {
  case CT_RDP: return "via.rdp";
  case CT_RDPFLOW: return "via.rdpflow";
  case CT_INTER: return "via.inter";
  case CT_NET: return "via.net";
  case CT_SMBFLOW: return "via.smbflow";
  case CT_FLOW: return "via.flow";
  default: return "";
  }
}
/* The same as a noun phrase (a contact "by RDP"), for where it stands
 * alone in Japanese. */
static const char *contact_term(ctype t) {
  switch (t) {
  case CT_RDP: return "contact.rdp";
  case CT_RDPFLOW: return "contact.rdpflow";
  case CT_INTER: return "contact.inter";
  case CT_NET: return "contact.net";
  case CT_SMBFLOW: return "contact.smbflow";
  case CT_FLOW: return "contact.flow";
  default: return "";
  }
}

/* An administrator who came the usual way: from inside the network, or
 * over a VPN session from an address it had used in three or more earlier
 * sessions. Admins reach servers they never used before (a new ticket, a
 * new server) and log on to most hosts over months, so for them a first
 * RDP to the host and meeting other findings' hosts later are their work,
 * not evidence. Stolen admin credentials arriving from a new source are
 * not "the usual way" and keep every reason. */
static int admin_usual_way(const link *L, const cand *k) {
  uint32_t who = k->logon_user != UINT32_MAX ? k->logon_user : k->account;
  if (!hunt_account_privileged(L->acc, who)) return 0;
  if (k->sess < 0) return 1;
  const hunt_vpn_session *v = &L->v->s[k->sess];
  return !v->new_src && v->nprev >= 3;
}

/* Do the host's logs begin too shortly before the detection to say who
 * normally uses it? Security logs roll over (a busy server keeps days,
 * not months) and collections often start near the incident: an account
 * with no logons there "before that day" may simply predate the logs.
 * Under a week of logons, absence of habit is no evidence either way. */
#define HABIT_SPAN (7 * ASH_DAY)
static int short_history(const link *L, const incident *x) {
  int64_t first = hunt_host_first_logon(L->acc, hname(L, x->host));
  return first == ASH_TIME_UNSET || x->d->t0 - first < HABIT_SPAN;
}

static void score_cands(link *L, incident *x) {
  /* the detection user and the file's writer are candidates of their own */
  const char *named[2] = {x->d->det_user, x->d->file_user};
  for (int i = 0; i < 2; i++) {
    if (!named[i][0]) continue;
    uint32_t a = account_of(L, named[i]);
    if (a == UINT32_MAX) continue;
    int found = 0;
    for (int j = 0; j < x->nc; j++)
      if (x->c[j].account == a || x->c[j].logon_user == a) x->c[j].det_user = found = 1;
    if (!found) {
      cand *k = cand_get(x, a, -1);
      if (k) k->det_user = 1;
    }
  }
  int shorth = short_history(L, x);
  for (int i = 0; i < x->nc; i++) {
    cand *k = &x->c[i];
    uint32_t who = k->logon_user != UINT32_MAX ? k->logon_user : k->account;
    const hunt_account_host *h = hunt_account_on(L->acc, who, hname(L, x->host));
    k->habit_days = h ? h->days : 0;
    k->habit_first = h ? h->first : 0;
    k->habit_kinds = h ? h->kinds : 0;
    /* days on the host other than the detection's own */
    int other = k->habit_days - (k->type ? 1 : 0);
    /* RDP by an account that had only ever used the host over SMB is not
     * its everyday use: a file-share user has no desktop session there,
     * whoever holds the password and an RDP client does (issue 11) */
    int rdp = k->type == CT_RDP || k->type == CT_RDPFLOW;
    k->first_rdp = rdp && (!h || h->first_rdp / ASH_DAY >= x->d->t0 / ASH_DAY);
    /* on several other days, already before the detection's day, and by
     * the same kind of access */
    int habitual = other >= 3 && h && h->first / ASH_DAY < x->d->t0 / ASH_DAY && !k->first_rdp;
    k->habitual = habitual;
    double prox = 0;
    if (k->contact_ts != ASH_TIME_UNSET) {
      double gap_min = fabs((double)(x->d->t0 - k->contact_ts)) / ASH_MIN;
      prox = 1 / (1 + gap_min / 20);
    }
    /* Habit speaks for the account's owner only when the owner's way in
     * was the usual one. The same everyday logon arriving over a VPN
     * session from an address the account never used before (while it had
     * used others) is what stolen credentials look like: the intruder
     * takes the victim's account to the victim's host. Then the contact
     * counts as unusual. (A detection user who is merely logged on from an
     * internal desk, an admin browsing the folder, gains nothing from
     * this: a seed-4 case of bench_hunt had the admin outrank the real
     * intruder 71 to 69.) */
    int fresh_vpn = k->sess >= 0 && L->v->s[k->sess].new_src && L->v->s[k->sess].nprev;
    /* An administrator's first RDP to a server, from inside the network,
     * is its job (a new ticket, a server it had no reason to visit before):
     * admins reach servers they never used, users do not. It is no more
     * unusual than the admin's habit. Stolen admin credentials arriving
     * from a new VPN source still count (fresh_vpn). */
    int admin_work = k->first_rdp && admin_usual_way(L, k);
    int unusual = (!habitual && !admin_work && !shorth) || fresh_vpn;
    double s = 35 * type_weight(k->type) + 25 * prox + (k->type && unusual ? 15 : 0) +
               (k->det_user ? 12 : 0);
    if (k->sess >= 0) {
      const hunt_vpn_session *v = &L->v->s[k->sess];
      if (v->new_src) s += v->nprev ? 10 : 5;
      if (v->new_net && v->nprev) s += 4;
      ash_cloud cl;
      if (ash_ranges_lookup(L->c->ranges, &v->remote, &cl) && ash_cloud_rentable(&cl) == 2) s += 6;
    }
    k->score = s > 100 ? 100 : s;
  }
  x->best = x->second = -1;
  for (int i = 0; i < x->nc; i++) {
    if (x->best < 0 || x->c[i].score > x->c[x->best].score) {
      x->second = x->best;
      x->best = i;
    } else if (x->second < 0 || x->c[i].score > x->c[x->second].score) {
      x->second = i;
    }
  }
}

/* ---- following accounts forward ---- */

static follow *follow_of(link *L, uint32_t a) {
  for (size_t i = 0; i < L->nfw; i++)
    if (L->fw[i].account == a) return &L->fw[i];
  return NULL;
}

static int on_forward(void *u, const ash_logon *l) {
  link *L = u;
  if (!l->user) return ASH_OK;
  char a[128];
  hunt_bare_account(l->user, strlen(l->user), a, sizeof a);
  uint32_t acc = L->c->accounts_init ? ash_strtab_find(&L->c->accounts, a, strlen(a)) : UINT32_MAX;
  if (acc == UINT32_MAX) return ASH_OK;
  follow *f = follow_of(L, acc);
  int64_t ts = l->ts;
  if (!f || ts <= f->after) return ASH_OK;
  uint32_t host = host_of(L, l->host);
  if (host == UINT32_MAX) return ASH_OK;
  f->nlogons++;
  size_t j = 0;
  while (j < f->nhosts && f->hosts[j] != host) j++;
  if (j == f->nhosts && f->nhosts < 16) {
    f->hosts[j] = host;
    f->host_first[j] = ts;
    f->host_id[j] = l->id;
    f->host_lt[j] = l->logon_type == ASH_UNSET ? -1 : l->logon_type;
    f->nhosts++;
  }
  return ASH_OK;
}

/* The interactive, network and RDP logons of the accounts followed, after
 * the earliest point any of them is followed from. */
static int scan_forward(link *L) {
  if (!L->nfw) return ASH_OK;
  int64_t from = INT64_MAX;
  for (size_t i = 0; i < L->nfw; i++)
    if (L->fw[i].after < from) from = L->fw[i].after;
  if (from == INT64_MAX) return ASH_OK; /* after nothing (ts > from: none) */
  ash_logon_query q = {from + 1, ASH_TIME_UNSET, 1u << 2 | 1u << 3 | 1u << 10 | 1u << 11 | 1u << 12,
                       0, 0};
  return ash_store_logons(L->c->store, &q, on_forward, L);
}

/* ---- the finding ---- */

static int finding_host_named(const ash_finding *f, const char *h) {
  for (size_t i = 0; i < f->hosts.n; i++)
    if (!strcmp(f->hosts.v[i], h)) return 1;
  return 0;
}
static int finding_account_named(const ash_finding *f, const char *a) {
  for (size_t i = 0; i < f->accounts.n; i++)
    if (!strcasecmp(f->accounts.v[i], a)) return 1;
  return 0;
}

/* A time span in the unit a reader counts it in: the number into out and
 * the unit as a term of the catalogue (reasons.c). */
static const char *months_words(int64_t d, char out[48]) {
  double days = (double)d / ASH_DAY;
  if (days < 2) {
    snprintf(out, 48, "%.0f", days * 24);
    return "unit.hours";
  }
  if (days < 60) {
    snprintf(out, 48, "%.0f", days);
    return "unit.days";
  }
  snprintf(out, 48, "%.0f", days / 30.4);
  return "unit.months";
}

/* ---- reasons (hunt_reasons, common.c) ---- */

typedef hunt_reasons reasons;
#define why hunt_why
#define why0 hunt_why0
#define reasons_sum hunt_reasons_sum

/* Tool families whose only use is stealing credentials or commanding a
 * foothold. A "HackTool" verdict alone also covers licence cracks
 * (AutoKMS, KMSpico) and admin utilities that admins keep in their own
 * folders; these names have no such everyday use. */
static const char *cred_c2_family(const char *threat) {
  static const char *const fam[] = {"mimikatz",     "safetykatz", "rubeus",     "kekeo",
                                    "cobaltstrike", "cobalt",     "beacon",     "impacket",
                                    "secretsdump",  "lazagne",    "sharphound", "bloodhound",
                                    "meterpreter",  "sliver",     "bruteratel", "havoc",
                                    "nanodump",     "pws:",       "credential", "lsassdump",
                                    "quarks",       "sharpkatz",  "pypykatz"};
  for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
    if (strcasestr(threat, fam[i])) return fam[i];
  return NULL;
}

/* HackTool verdicts for licence cracks and activators (AutoKMS, KMSpico,
 * keygens) and for admin utilities (PsExec/PAExec, NirSoft's NetPass,
 * which reads back the running user's own saved passwords, no one else's):
 * antivirus flags them by policy, and on servers they are most often an
 * admin's own kit. They take no one's credentials and hold no foothold, so
 * their verdict alone weighs as a malware verdict does (50), not as a
 * credential dumper's (70); where they sit and who ran them (a staging
 * folder, SYSTEM, a new VPN source) still raise them. Never for a name
 * cred_c2_family knows. Returns the matched name, or NULL. */
static const char *admin_or_licence_tool(const char *threat) {
  static const char *const fam[] = {"autokms", "kmspico",   "kmsauto", "keygen", "crack",
                                    "patcher", "activator", "psexec",  "paexec", "netpass"};
  if (cred_c2_family(threat)) return NULL;
  for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
    if (strcasestr(threat, fam[i])) return fam[i];
  return NULL;
}

/* Folders that no one's downloads or programs land in but that anyone can
 * write to: an intruder without a profile of their own (or one hiding
 * from the user) drops tools there. Returns a label (a folder's name, or a
 * term of the reasons' catalogue, reasons.c), or NULL. */
static const char *staging_folder(const char *path) {
  static const struct {
    const char *needle, *label;
  } st[] = {{"\\users\\public\\", "Users\\Public"},
            {":\\programdata\\", "ProgramData"},
            {":\\perflogs\\", "PerfLogs"},
            {"\\windows\\temp\\", "Windows\\Temp"},
            {":\\temp\\", "stage.temp"},
            {"\\appdata\\local\\temp\\", "stage.temp"},
            {"$recycle.bin", "stage.recycle"},
            {"\\recycler\\", "stage.recycle"}};
  for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
    if (strcasestr(path, st[i].needle)) return st[i].label;
  /* the root of a drive or of a share: "C:\x.exe", "\\fs01\share\x.exe" */
  const char *p = path;
  if (!strncasecmp(p, "file:_", 6)) p += 6;
  if (p[0] && p[1] == ':' && p[2] == '\\' && !strchr(p + 3, '\\') && p[3])
    return "stage.drive_root";
  if (p[0] == '\\' && p[1] == '\\') {
    const char *a = strchr(p + 2, '\\'), *b = a ? strchr(a + 1, '\\') : NULL;
    if (b && b[1] && !strchr(b + 1, '\\')) return "stage.share_root";
  }
  return NULL;
}

/* The profile a path is under ("C:\Users\k.mori\Tools\x" -> "k.mori"),
 * lower case, or "" (also for Public, Default and All Users). */
static void profile_of(const char *path, char out[128]) {
  out[0] = 0;
  const char *p = strcasestr(path, ":\\users\\");
  if (!p) return;
  p += 8;
  size_t n = strcspn(p, "\\");
  if (!n || !p[n] || n >= 128) return;
  for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)p[i]);
  out[n] = 0;
  if (!strcmp(out, "public") || !strcmp(out, "default") || !strcmp(out, "all users")) out[0] = 0;
}

/* SYSTEM, LOCAL/NETWORK SERVICE, a computer account or a service account
 * by the usual "svc" naming. */
static int system_user(const char *raw) {
  if (!raw[0]) return 0;
  char a[128];
  hunt_bare_account(raw, strlen(raw), a, sizeof a);
  return (a[0] && hunt_is_service_account(a)) || !strncasecmp(a, "svc", 3);
}

/* The reasons every finding on a detection shares, whoever did it: what
 * the tool is, where it sat, and as whom the antivirus saw it. */
static void detection_reasons(reasons *R, const hunt_detection *d, const char *habitual_user) {
  const char *fam = d->threat[0] ? cred_c2_family(d->threat) : NULL;
  /* a credential-theft or C2 family: its presence on a server means
   * someone meant to take accounts or hold the host (no admin use) */
  if (fam && d->cat == HUNT_CAT_HIGH) why(R, "credential_theft_or_c2_tool", 10, d->threat, fam);
  const char *stage = d->path[0] ? staging_folder(d->path) : NULL;
  if (stage) why(R, "staging_path", 10, stage, d->path);
  /* a person's own download is detected under their account; SYSTEM or a
   * service means a service, a scheduled task or a remote-execution tool
   * (PsExec, Impacket's smbexec/wmiexec run as SYSTEM) wrote or ran it */
  const char *sysu = d->det_system[0]           ? d->det_system
                     : system_user(d->det_user) ? d->det_user
                                                : NULL;
  if (sysu) why(R, "system_detection_user", 8, sysu);
  char prof[128];
  profile_of(d->path, prof);
  char du[128] = "";
  if (d->det_user[0]) hunt_bare_account(d->det_user, strlen(d->det_user), du, sizeof du);
  /* a tool in one's own profile, detected as oneself, was saved by that
   * person logged on as themselves: the usual shape of an admin's kit */
  if (prof[0] && !stage && habitual_user && !strcasecmp(prof, habitual_user) &&
      (!du[0] || !strcasecmp(du, prof)))
    why(R, "own_profile_path", -10, prof, d->path);
}

/* The kinds of logon an account used on a host, as a term of the reasons'
 * catalogue (reasons.c). */
static const char *kinds_term(uint32_t k) {
  static const char *const w[] = {"kinds.none",        "kinds.smb",     "kinds.rdp",
                                  "kinds.smb_rdp",     "kinds.console", "kinds.smb_console",
                                  "kinds.rdp_console", "kinds.all"};
  int smb = (k & (1u << 3)) != 0;
  int rdp = (k & (1u << 10 | 1u << 12 | HUNT_KIND_RDP_EVENT)) != 0;
  int con = (k & (1u << 2 | 1u << 11)) != 0;
  return w[smb | rdp << 1 | con << 2];
}

/* People work at regular times: an hour of the day (UTC, with the hours
 * either side) in which an account with at least 20 logons made under 5%
 * of them, counting the contact's own few records (4624, 1149, LSM 21),
 * is off its pattern. Returns the account's logon count when off hours,
 * else 0. */
static unsigned off_hours(const link *L, const cand *b, const incident *x) {
  if (b->contact_ts == ASH_TIME_UNSET) return 0;
  uint32_t who = b->logon_user != UINT32_MAX ? b->logon_user : b->account;
  const hunt_account_hourly *h = hunt_account_hourly_of(L->acc, who);
  (void)x;
  if (!h || h->total < 20) return 0;
  int hr = (int)((b->contact_ts % ASH_DAY + ASH_DAY) % ASH_DAY / ASH_HOUR);
  uint32_t near = h->n[hr] + h->n[(hr + 23) % 24] + h->n[(hr + 1) % 24];
  return near * 20 <= h->total ? h->total : 0;
}

#define reasons_json hunt_reasons_json
#define reasons_text hunt_reasons_text

static int make_finding(link *L, incident *x, hunt_list *out) {
  hunt_ctx *c = L->c;
  const cand *b = x->best >= 0 ? &x->c[x->best] : NULL;
  int strong = b && b->score >= 55 && b->type != CT_NONE;
  /* below that, the host's own everyday user, logged on or named by the
   * antivirus, is an answer of its own */
  int everyday = !strong && b && b->habitual && (b->type != CT_NONE || b->det_user);
  /* adware, PUA and test files are only worth a line when someone came in
   * over the VPN from a new place and reached the host */
  if (x->d->cat == HUNT_CAT_LOW && !(strong && b->sess >= 0 && b->score >= 80)) return ASH_OK;
  ash_finding f;
  int rc = ash_finding_init(&f, ASH_HUNT_LINK);
  if (rc) return rc;
  const char *host = hname(L, x->host);
  char key[700];
  char tf[32];
  ash_time_format(x->d->first, tf);
  int kl = snprintf(key, sizeof key, "%s|%s|%s|%s", host, x->d->threat, x->d->path, tf);
  ash_finding_set_id(&f, key, (size_t)(kl < (int)sizeof key ? kl : (int)sizeof key - 1));
  ash_finding_add_attack(&f, "T1078");
  if (b && b->sess >= 0) ash_finding_add_attack(&f, "T1133");
  if (b && (b->type == CT_RDP || b->type == CT_RDPFLOW)) ash_finding_add_attack(&f, "T1021.001");
  if (b && (b->type == CT_NET || b->type == CT_SMBFLOW)) ash_finding_add_attack(&f, "T1021.002");
  if (x->d->cat == HUNT_CAT_HIGH) ash_finding_add_attack(&f, "T1588.002");
  rc = ash_finding_add_host(&f, ash_str_cstr(host));
  if (!rc && x->d->path[0]) rc = ash_finding_add_file(&f, ash_str_cstr(x->d->path));
  for (int i = 0; !rc && i < x->d->nmpath; i++)
    rc = ash_finding_add_file(&f, ash_str_cstr(x->d->mpath[i]));
  ash_finding_see(&f, x->d->first);
  ash_finding_see(&f, x->d->last);
  if (x->d->t0 < x->d->first) ash_finding_see(&f, x->d->t0);

  hunt_text S;
  hunt_text_init(&S);
  char t[32], g[32];
  hunt_fmt_time(x->d->first, t);
  /* a term when the antivirus names no threat */
  const char *threat = x->d->threat[0] ? x->d->threat : "threat.unknown";
  hunt_say(&S, "link.sum.det", threat, host, t);
  if (x->d->path[0]) hunt_say(&S, "link.sum.det.path", x->d->path);
  if (x->d->action[0]) hunt_say(&S, "link.sum.det.action", x->d->action);
  if (x->d->nmore) {
    char more[4 * 98];
    size_t mn = 0;
    more[0] = 0;
    for (int i = 0; i < x->d->nmore; i++)
      mn += (size_t)snprintf(more + mn, sizeof more - mn, "%s%s", i ? ", " : "", x->d->more[i]);
    hunt_say(&S, "link.sum.det.more", more);
  }
  hunt_say0(&S, "link.sum.stop");
  /* the prior of the verdict: what the antivirus says the file is */
  reasons R;
  R.n = 0;
  const char *admtool =
      x->d->cat == HUNT_CAT_HIGH && x->d->threat[0] ? admin_or_licence_tool(x->d->threat) : NULL;
  if (admtool)
    why(&R, "detection_class.admin_tool", 50, admtool);
  else if (x->d->cat == HUNT_CAT_HIGH)
    why0(&R, "detection_class.high", 70);
  else if (x->d->cat == HUNT_CAT_MID)
    why0(&R, "detection_class.mid", 50);
  else
    why0(&R, "detection_class.low", 20);
  if (x->d->file_id) {
    hunt_fmt_dur(x->d->first - x->d->t0, g);
    hunt_say(&S, "link.sum.sysmon", g);
    if (x->d->file_proc[0]) hunt_say(&S, "link.sum.sysmon.by", x->d->file_proc);
    if (x->d->file_user[0]) hunt_say(&S, "link.sum.sysmon.as", x->d->file_user);
    hunt_say0(&S, "link.sum.sysmon.end");
  }
  int score;
  int overlaps = 0, returns_new = 0;
  if (strong) {
    const char *acc = uname(L, b->account);
    const hunt_vpn_session *bv0 = b->sess >= 0 ? &L->v->s[b->sess] : NULL;
    int64_t gap = x->d->t0 - b->contact_ts;
    hunt_fmt_dur(gap < 0 ? -gap : gap, g);
    char src[ASH_IP_STRLEN];
    ash_ip_format(&b->src, src);
    if (b->sess >= 0) {
      const hunt_vpn_session *v = &L->v->s[b->sess];
      char rem[ASH_IP_STRLEN], tun[ASH_IP_STRLEN], ts[32];
      ash_ip_format(&v->remote, rem);
      ash_ip_format(&v->tunnel, tun);
      hunt_fmt_time(v->start, ts);
      hunt_say(&S, "link.sum.vpn", g, gap >= 0 ? "earlier" : "later", acc, ts,
               rem[0] ? rem : "unknown_address");
      if (v->new_src && v->nprev)
        hunt_say(&S, "link.sum.vpn.new", HUNT_ARG("%u", v->nprev));
      else if (!v->nprev)
        hunt_say0(&S, "link.sum.vpn.first");
      ash_cloud cl;
      if (ash_ranges_lookup(c->ranges, &v->remote, &cl)) {
        if (cl.region[0])
          hunt_say(&S, "link.sum.vpn.cloud.region", cl.provider, cl.service, cl.region);
        else
          hunt_say(&S, "link.sum.vpn.cloud", cl.provider, cl.service);
      }
      hunt_say(&S, "link.sum.vpn.reach", host, type_term(b->type), tun);
      if (b->logon_user != UINT32_MAX && b->logon_user != b->account)
        hunt_say(&S, "link.sum.vpn.as", uname(L, b->logon_user));
      hunt_say0(&S, "link.sum.stop");
      rc = rc ? rc : ash_finding_add_ip(&f, &v->remote);
      if (!rc) rc = ash_finding_add_ip(&f, &v->tunnel);
    } else {
      hunt_say(&S, "link.sum.logon", g, gap >= 0 ? "earlier" : "later", acc, host,
               type_term(b->type));
      if (src[0]) hunt_say(&S, "link.sum.logon.from", src);
      hunt_say0(&S, "link.sum.stop");
      if (!rc && b->src.fam) rc = ash_finding_add_ip(&f, &b->src);
    }
    int other = b->habit_days - 1;
    /* the tie to the account: the closer and more hands-on the contact,
     * the more the account's other sessions are worth acting on */
    why(&R, "account_tied", (int)lround(0.2 * b->score), acc, host, type_term(b->type), g,
        gap >= 0 ? "before" : "after", HUNT_ARG("%.0f", b->score));
    if (b->sess >= 0) {
      const hunt_vpn_session *v = &L->v->s[b->sess];
      char rem[ASH_IP_STRLEN];
      ash_ip_format(&v->remote, rem);
      /* remote workers connect from a handful of home and office
       * addresses; stolen credentials are used from somewhere else */
      if (v->new_src && v->nprev) why(&R, "new_vpn_source.link", 15, rem, HUNT_ARG("%u", v->nprev));
      if (v->new_src && v->nprev && v->new_net) why(&R, "new_vpn_network.link", 3, rem);
      if (!v->nprev) why0(&R, "first_vpn_session", 3);
      /* an account that reaches a host it does not usually use, but from
       * an address it has connected from in several earlier sessions, is
       * most often its owner doing new work (an admin's first visit to a
       * server): stolen credentials are used from elsewhere, as in the
       * okada case, where the source was new. The habitual case is
       * habitual_access's. */
      if (!v->new_src && v->nprev >= 3 && !b->habitual)
        why(&R, "usual_vpn_source", -10, rem, HUNT_ARG("%u", v->nprev));
      ash_cloud cl;
      /* employees do not work from rented cloud servers; relays do */
      if (ash_ranges_lookup(c->ranges, &v->remote, &cl) && ash_cloud_rentable(&cl) == 2)
        hunt_why_cloud(&R, 8, rem, &cl);
    }
    int offh = off_hours(L, b, x);
    if (!b->habitual && b->first_rdp && other >= 3 && admin_usual_way(L, b))
      why(&R, "admin_first_rdp", 0,
          uname(L, b->logon_user != UINT32_MAX ? b->logon_user : b->account), host);
    else if (!b->habitual && b->first_rdp && other >= 3)
      why(&R, "first_rdp_to_host.history", 15,
          uname(L, b->logon_user != UINT32_MAX ? b->logon_user : b->account), host,
          HUNT_ARG("%d", b->habit_days - 1),
          kinds_term(b->habit_kinds & ~(1u << 10 | 1u << 12 | HUNT_KIND_RDP_EVENT)));
    else if (!b->habitual && short_history(L, x))
      why(&R, "short_host_history", 0, host);
    else if (!b->habitual)
      why(&R, "not_a_user_of_host", 10, acc, host,
          other <= 0  ? "habit.none"
          : other < 3 ? "habit.few"
                      : "habit.not_before");
    if (offh) why(&R, "off_hours.link", 5, acc, HUNT_ARG("%u", offh));
    if (b->habitual && !(bv0 && bv0->new_src && bv0->nprev) && !offh)
      why(&R, "habitual_access", -25, acc, host, HUNT_ARG("%d", b->habit_days),
          kinds_term(b->habit_kinds));
    if (!b->habitual && short_history(L, x))
      hunt_say(&S, "link.sum.short", host);
    else if (!b->habitual)
      hunt_say(&S,
               b->first_rdp && other >= 3 ? "link.sum.notuser.rdp"
               : other <= 0               ? "link.sum.notuser.none"
               : other < 3                ? "link.sum.notuser.few"
                                          : "link.sum.notuser.notbefore",
               acc, host);
    else
      hunt_say(&S, "link.sum.habit", acc, host, HUNT_ARG("%d", b->habit_days));
    if (b->det_user) hunt_say(&S, "link.sum.detuser", acc);
    if (!rc) rc = ash_finding_add_account(&f, ash_str_cstr(acc));
    if (!rc && b->logon_user != UINT32_MAX && b->logon_user != b->account)
      rc = ash_finding_add_account(&f, ash_str_cstr(uname(L, b->logon_user)));

    /* forward: later VPN sessions, returns from new sources, logons */
    int nlater = 0;
    const hunt_vpn_session *first_new = NULL;
    for (size_t i = 0; i < L->v->ns; i++) {
      const hunt_vpn_session *v = &L->v->s[i];
      if (v->user != b->account || v->start <= x->d->t0 + ASH_HOUR) continue;
      nlater++;
      if (v->new_src && !first_new) first_new = v;
    }
    if (first_new) {
      char rem[ASH_IP_STRLEN], ts[32], w[48];
      ash_ip_format(&first_new->remote, rem);
      hunt_fmt_time(first_new->start, ts);
      const char *unit = months_words(first_new->start - x->d->t0, w);
      hunt_say(&S, "link.sum.return", acc, w, unit, ts, rem);
      returns_new = 1;
      int more = 0;
      for (size_t i = 0; i < L->v->ns; i++) {
        const hunt_vpn_session *v = &L->v->s[i];
        if (v->user == b->account && v->start > first_new->start && v->new_src) more++;
      }
      if (more) hunt_say(&S, "link.sum.return.more", HUNT_ARG("%d", more));
      hunt_say(&S, "link.sum.return.total", HUNT_ARG("%d", nlater));
      if (!rc) rc = ash_finding_add_ip(&f, &first_new->remote);
      ash_finding_see(&f, first_new->start);
    } else if (nlater) {
      hunt_say(&S, "link.sum.later", acc, HUNT_ARG("%d", nlater));
    }
    const follow *fw = follow_of(L, b->account);
    if (fw && fw->nhosts) {
      char hl[8 * 66];
      size_t hn = 0;
      hl[0] = 0;
      for (size_t i = 0; i < fw->nhosts && i < 8; i++)
        hn += (size_t)snprintf(hl + hn, sizeof hl - hn, "%s%s", i ? ", " : "",
                               hname(L, fw->hosts[i]));
      if (fw->nhosts > 8)
        hunt_say(&S, "link.sum.follow.more", acc, hl, HUNT_ARG("%zu", fw->nhosts - 8));
      else
        hunt_say(&S, "link.sum.follow", acc, hl);
    }
    /* other findings this account meets: the ones naming it, and the ones
     * on hosts it later logged on to */
    int listed = 0;
    for (size_t i = 0; i < c->prior.n; i++) {
      const ash_finding *p = &c->prior.v[i];
      /* account-use and credential-hop weigh this hunt's own tie: met
       * again, they would count it twice (stored ones, run with --hunt) */
      if (!p->hunt || !strcmp(p->hunt, ASH_HUNT_LINK) || !strcmp(p->hunt, ASH_HUNT_ACCOUNT) ||
          !strcmp(p->hunt, ASH_HUNT_HOP) || p->score < 65)
        continue;
      int hit = finding_account_named(p, acc);
      int by_host = 0;
      for (size_t h = 0; !hit && fw && h < fw->nhosts; h++)
        if (finding_host_named(p, hname(L, fw->hosts[h]))) hit = by_host = 1;
      if (!hit) continue;
      overlaps++;
      if (listed++ < 4)
        hunt_say(&S, by_host ? "link.sum.meets.host" : "link.sum.meets.account", p->hunt, p->id,
                 p->title ? p->title : "");
      for (size_t h = 0; !rc && h < p->hosts.n; h++)
        rc = ash_finding_add_host(&f, ash_str_cstr(p->hosts.v[h]));
    }
    if (listed > 4) hunt_say(&S, "link.sum.meets.more", HUNT_ARG("%d", listed - 4));
    if (x->second >= 0 && x->c[x->second].score >= 40) {
      const cand *o = &x->c[x->second];
      hunt_say(&S, "link.sum.next", uname(L, o->account),
               o->type ? contact_term(o->type) : "contact.av", HUNT_ARG("%.0f", o->score),
               HUNT_ARG("%.0f", b->score));
    }
    int others = 0;
    for (int i = 0; i < x->nc; i++)
      if (i != x->best && x->c[i].sess >= 0 && x->c[i].type) others++;
    if (others) hunt_say(&S, "link.sum.others", HUNT_ARG("%d", others), host);
    /* the host's everyday user, from where they always come, with nothing
     * after: most likely their own download, not an intrusion */
    const hunt_vpn_session *bv = b->sess >= 0 ? &L->v->s[b->sess] : NULL;
    int intruder = !b->habitual || (bv && (bv->new_src && bv->nprev)) || returns_new || overlaps;
    if (x->d->cat == HUNT_CAT_HIGH && intruder)
      hunt_say(&S, "link.sum.intruder", acc);
    else if (!intruder)
      hunt_say(&S, "link.sum.owner", acc, host);
    /* coming back from new places after the tool was found is the
     * intrusion continuing; meeting other findings ties it to them */
    if (returns_new) why(&R, "returned_from_new_source", 5, acc);
    if (overlaps && admin_usual_way(L, b))
      why(&R, overlaps == 1 ? "meets_other_findings.admin_one" : "meets_other_findings.admin", 3,
          HUNT_ARG("%d", overlaps));
    else if (overlaps)
      why(&R, overlaps == 1 ? "meets_other_findings.one" : "meets_other_findings", 10,
          HUNT_ARG("%d", overlaps));
  } else if (everyday) {
    const char *acc = uname(L, b->account);
    if (b->type && b->contact_ts != ASH_TIME_UNSET) {
      int64_t gap = x->d->t0 - b->contact_ts;
      hunt_fmt_dur(gap < 0 ? -gap : gap, g);
      hunt_say(&S, "link.sum.everyday.contact", acc, host, HUNT_ARG("%d", b->habit_days),
               type_term(b->type), g, gap >= 0 ? "earlier" : "later");
    } else {
      hunt_say(&S, "link.sum.everyday", acc, host, HUNT_ARG("%d", b->habit_days));
    }
    hunt_say0(&S, b->det_user ? "link.sum.everyday.end.detuser" : "link.sum.everyday.end");
    if (!rc) rc = ash_finding_add_account(&f, ash_str_cstr(acc));
    /* the everyday user, the usual way, no one from elsewhere: the likely
     * story is their own download */
    why(&R, "everyday_user",
        x->d->cat == HUNT_CAT_HIGH  ? -25
        : x->d->cat == HUNT_CAT_MID ? -20
                                    : -10,
        acc, host, HUNT_ARG("%d", b->habit_days));
  } else {
    hunt_say(&S, "link.sum.none", host);
    if (x->d->det_user[0] && x->d->process[0])
      hunt_say(&S, "link.sum.none.detuser.proc", x->d->det_user, x->d->process);
    else if (x->d->det_user[0])
      hunt_say(&S, "link.sum.none.detuser", x->d->det_user);
    hunt_say0(&S, "link.sum.none.advice");
    if (!rc && x->d->det_user[0]) rc = ash_finding_add_account(&f, ash_str_cstr(x->d->det_user));
    /* nobody to follow: still a tool someone saved, but nothing to act on
     * beyond the host */
    why0(&R, "no_account", x->d->cat == HUNT_CAT_LOW ? -10 : -15);
  }
  {
    const char *hu = NULL;
    /* whose own profile counts: the everyday user's, or the person who
     * came from their usual VPN source (usual_vpn_source): either way the
     * one whose tools folder it is came the way they always do */
    int usual = strong && b->sess >= 0 && !L->v->s[b->sess].new_src && L->v->s[b->sess].nprev >= 3;
    if (b && (b->habitual || usual))
      hu = uname(L, b->logon_user != UINT32_MAX ? b->logon_user : b->account);
    detection_reasons(&R, x->d, hu);
  }
  score = reasons_sum(&R);
  /* adware, PUA and test files: a medium at most, whoever came */
  if (x->d->cat == HUNT_CAT_LOW && score > 45) {
    why0(&R, "low_class_cap", 45 - score);
    score = 45;
  }
  hunt_say_why(&S, "why", &R, score);
  ash_finding_set_score(&f, score);
  hunt_text T;
  hunt_text_init(&T);
  if (strong)
    hunt_say(&T, b->sess >= 0 ? "link.title.vpn" : "link.title.logon", threat, host,
             uname(L, b->account));
  else if (everyday)
    hunt_say(&T, "link.title.everyday", threat, host, uname(L, b->account));
  else
    hunt_say(&T, "link.title.none", threat, host);
  if (!rc) rc = hunt_text_set(&f, &T, &S);
  hunt_text_free(&T);
  hunt_text_free(&S);
  /* evidence, in the order a responder reads the story */
  hunt_evq q;
  hunt_evq_init(&q, c, &f);
  hunt_evq_addv(&q, x->d->det_ids, (size_t)x->d->ndet);
  hunt_evq_addv(&q, x->d->act_ids, (size_t)x->d->nact);
  hunt_evq_add(&q, x->d->file_id);
  if (!rc && strong) {
    if (b->sess >= 0) hunt_evq_add(&q, L->v->s[b->sess].login_id);
    hunt_evq_add(&q, b->type_id);
    if (b->contact_id != b->type_id) hunt_evq_add(&q, b->contact_id);
    if (b->sess >= 0) hunt_evq_add(&q, L->v->s[b->sess].logout_id);
    int n = 0;
    for (size_t i = 0; i < L->v->ns && n < 10; i++) {
      const hunt_vpn_session *v = &L->v->s[i];
      if (v->user != b->account || v->start <= x->d->t0 + ASH_HOUR || !v->login_id) continue;
      if (v->new_src || n < 3) {
        hunt_evq_add(&q, v->login_id);
        n++;
      }
    }
    const follow *fw = follow_of(L, b->account);
    for (size_t i = 0; fw && i < fw->nhosts && i < 10; i++) hunt_evq_add(&q, fw->host_id[i]);
    if (x->second >= 0) hunt_evq_add(&q, x->c[x->second].type_id);
  }
  if (!rc) rc = hunt_evq_flush(&q);
  if (!rc) {
    /* the facts the verdict rests on, for tests and tools (the summary
     * says the same in words) */
    static const char *const contact[] = {"none",        "flow",     "smb_flow", "smb",
                                          "interactive", "rdp_flow", "rdp"};
    const hunt_vpn_session *bv = b && b->sess >= 0 ? &L->v->s[b->sess] : NULL;
    const follow *fwb = strong ? follow_of(L, b->account) : NULL;
    ash_buf det;
    ash_buf_init(&det, 16u << 10);
    rc = ash_buf_printf(&det,
                        "{\"category\":\"%s\",\"candidates\":%d,\"best_score\":%.0f,"
                        "\"second_score\":%.0f,\"overlaps\":%d,\"contact\":\"%s\",\"via_vpn\":%d,"
                        "\"new_source\":%d,\"habitual\":%d,\"returned_new\":%d,\"later_hosts\":%zu",
                        x->d->cat == HUNT_CAT_HIGH  ? "high"
                        : x->d->cat == HUNT_CAT_MID ? "medium"
                                                    : "low",
                        x->nc, b ? b->score : 0, x->second >= 0 ? x->c[x->second].score : 0,
                        overlaps, contact[b ? b->type : CT_NONE], bv != NULL,
                        bv && bv->new_src && bv->nprev, b && b->habitual, returns_new,
                        fwb ? fwb->nhosts : 0);
    if (!rc) rc = reasons_json(&det, &R);
    if (!rc) rc = ash_buf_adds(&det, "}");
    /* out of memory while writing them: no finding without its details */
    if (!rc) rc = ash_finding_set_details(&f, det.p, det.n);
    ash_buf_free(&det);
    if (!rc) rc = hunt_list_add(out, &f);
  }
  if (rc) ash_finding_free(&f);
  return rc;
}

int ash_hunt_link(hunt_ctx *c, hunt_list *out) {
  link L;
  memset(&L, 0, sizeof L);
  L.c = c;
  ash_strtab_init(&L.hosts, ASH_MAX_HUNT_VPN);
  const hunt_detections *D;
  int rc = hunt_detections_load(c, &D);
  if (!rc && !D->n) goto done;
  if (!rc) {
    L.inc = calloc(D->n, sizeof *L.inc);
    if (!L.inc) rc = ASH_ENOMEM;
  }
  for (size_t i = 0; !rc && i < D->n; i++) {
    incident *x = &L.inc[L.ninc++];
    x->d = &D->v[i];
    x->host = host_of(&L, x->d->host);
    x->best = x->second = -1;
  }
  if (!rc) rc = hunt_vpn_sessions(c, &L.v);
  if (!rc) qsort(L.inc, L.ninc, sizeof *L.inc, cmp_inc_t0);
  if (!rc) rc = hunt_accounts_history(c, &L.acc);
  if (!rc) rc = scan_logons(&L);
  for (size_t i = 0; !rc && i < L.ninc; i++) rc = scan_flows(&L, &L.inc[i]);
  for (size_t i = 0; !rc && i < L.ninc; i++) score_cands(&L, &L.inc[i]);
  if (!rc) rc = L.err;
  /* follow the best account of each detection that has one */
  if (!rc) {
    L.fw = calloc(L.ninc, sizeof *L.fw);
    if (!L.fw) rc = ASH_ENOMEM;
  }
  for (size_t i = 0; !rc && i < L.ninc; i++) {
    incident *x = &L.inc[i];
    if (x->best < 0 || x->c[x->best].score < 55 || x->d->cat == HUNT_CAT_LOW) continue;
    follow *f = follow_of(&L, x->c[x->best].account);
    if (!f) {
      f = &L.fw[L.nfw++];
      f->account = x->c[x->best].account;
      f->after = x->d->t0 + ASH_HOUR;
    } else if (x->d->t0 + ASH_HOUR < f->after) {
      f->after = x->d->t0 + ASH_HOUR;
    }
  }
  if (!rc) rc = scan_forward(&L);
  if (!rc) rc = L.err;
  for (size_t i = 0; !rc && i < L.ninc; i++) rc = make_finding(&L, &L.inc[i], out);
done:
  if (!rc) rc = L.err;
  ash_strtab_free(&L.hosts);
  free(L.inc);
  free(L.fw);
  return rc;
}
