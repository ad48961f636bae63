/* The simulated organisation: a Windows domain with its servers, people
 * with their workstations, the VPN address pool and the home addresses the
 * people connect from. Everything is drawn from the seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "gen_int.h"

static const char *const SURNAMES[] = {
    "sato",      "suzuki",    "takahashi", "tanaka",    "watanabe", "ito",      "yamamoto",
    "nakamura",  "kobayashi", "kato",      "yoshida",   "yamada",   "sasaki",   "yamaguchi",
    "matsumoto", "inoue",     "kimura",    "hayashi",   "shimizu",  "yamazaki", "mori",
    "abe",       "ikeda",     "hashimoto", "yamashita", "ishikawa", "nakajima", "maeda",
    "fujita",    "ogawa",     "goto",      "okada",     "hasegawa", "murakami", "kondo",
    "ishii",     "saito",     "sakamoto",  "endo",      "aoki",     "fujii",    "nishimura",
    "fukuda",    "ota",       "miura",     "fujiwara",  "okamoto",  "matsuda",  "nakagawa",
    "nakano",    "harada",    "ono",       "tamura",    "takeuchi", "kaneko",   "wada",
    "nakayama",  "ishida",    "ueda",      "morita",    "hara",     "shibata",  "sakai",
    "kudo",      "yokoyama",  "miyazaki",  "miyamoto",  "uchida",   "takagi",   "ando",
    "taniguchi", "ohno",      "maruyama",  "imai",      "takada",   "fujimoto", "takeda",
    "murata",    "ueno",      "sugiyama",  "masuda",    "sugawara", "hirano",   "kojima",
    "otsuka",    "chiba",     "kubo",      "matsui",    "iwasaki",  "sakurai",  "kinoshita",
    "noguchi",   "matsuo",    "nomura",    "kikuchi",   "sano",     "onishi",   "sugimoto",
    "arai",      "hamada",    "ichikawa",  "furukawa",  "mizuno",   "komatsu",  "shimada"};
static const char *const GIVEN[] = {
    "Takashi", "Kenji",   "Hiroshi", "Akira",   "Yuki",   "Naoko",   "Emi",    "Haruka",
    "Daisuke", "Satoshi", "Makoto",  "Kazuya",  "Tomoko", "Yoko",    "Ayumi",  "Shota",
    "Ryo",     "Keiko",   "Masato",  "Jun",     "Mai",    "Nanami",  "Yuto",   "Sora",
    "Hina",    "Kaito",   "Riko",    "Osamu",   "Fumiko", "Ichiro",  "Goro",   "Chika",
    "Wataru",  "Ren",     "Misaki",  "Tatsuya", "Yusuke", "Eri",     "Kaori",  "Noriko",
    "Hideki",  "Shinji",  "Aya",     "Minoru",  "Sayaka", "Tetsuya", "Yumiko", "Zenji",
    "Quentin", "Victor",  "Ulrich",  "Xavier",  "Ines",   "Paul",    "Lena",   "Bilal"};

void g_ip4_str(uint32_t ip, char out[16]) {
  snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

/* Civil date of a day number (Howard Hinnant's algorithm). */
static void civil(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

/* Weekdays that are not company holidays (New Year, Golden Week, Obon,
 * year end: the long Japanese breaks, which shape the traffic). */
int g_is_workday(int64_t local_day) {
  int dow = (int)(((local_day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
  if (dow == 0 || dow == 6) return 0;
  int y, m, d;
  civil(local_day, &y, &m, &d);
  if (m == 1 && d <= 3) return 0;
  if (m == 5 && d >= 3 && d <= 5) return 0;
  if (m == 8 && d >= 13 && d <= 15) return 0;
  if (m == 12 && d >= 29) return 0;
  return 1;
}

const char *g_user_sid(g_ctx *c, int u, char out[80]) {
  snprintf(out, 80, "%s-%u", c->org.dom_sid, c->org.users[u].rid);
  return out;
}

static int add_host(g_org *org, size_t cap, const char *name, int role, uint32_t ip,
                    const char *domain, g_rng *r) {
  if (org->nhosts >= cap) return -1;
  g_host *h = &org->hosts[org->nhosts];
  memset(h, 0, sizeof *h);
  snprintf(h->name, sizeof h->name, "%s", name);
  for (size_t i = 0; i < sizeof h->upper && h->name[i]; i++)
    h->upper[i] = (char)(h->name[i] >= 'a' && h->name[i] <= 'z' ? h->name[i] - 32 : h->name[i]);
  snprintf(h->fqdn, sizeof h->fqdn, "%s.%s", h->upper, domain);
  h->ip = ip;
  h->role = role;
  h->owner = -1;
  for (int ch = 0; ch < CH_COUNT; ch++) h->rec[ch] = (uint64_t)g_range(r, 1000, 400000);
  h->pid_lsass = (uint32_t)g_range(r, 600, 800) & ~3u;
  h->pid_svchost_ts = (uint32_t)g_range(r, 900, 1600) & ~3u;
  h->pid_defender = (uint32_t)g_range(r, 2000, 4000) & ~3u;
  h->pid_sysmon = (uint32_t)g_range(r, 1800, 2600) & ~3u;
  h->next_session_id = 2;
  return (int)org->nhosts++;
}

/* A 64-bit name set for unique account names. */
typedef struct nameset {
  uint64_t *v;
  size_t cap;
} nameset;

static uint64_t hstr(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
  return h | 1;
}

static int nameset_add(nameset *ns, const char *s) {
  uint64_t h = hstr(s);
  size_t i = (size_t)(g_mix(h) & (ns->cap - 1));
  while (ns->v[i]) {
    if (ns->v[i] == h) return 0;
    i = (i + 1) & (ns->cap - 1);
  }
  ns->v[i] = h;
  return 1;
}

int g_org_build(g_ctx *c) {
  const ash_gen_opts *o = c->o;
  g_org *org = &c->org;
  g_rng r;
  g_rng_seed(&r, o->seed, 1);

  /* Names: "corp.example.local", NetBIOS "CORP". */
  size_t dn = strlen(o->domain);
  if (dn == 0 || dn >= sizeof org->domain) return ASH_EUSAGE;
  for (size_t i = 0; i <= dn; i++) {
    char ch = o->domain[i];
    org->domain[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    org->DOMAIN[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
  }
  size_t nb = strcspn(org->DOMAIN, ".");
  if (nb == 0 || nb > 15) return ASH_EUSAGE;
  memcpy(org->netbios, org->DOMAIN, nb);
  org->netbios[nb] = 0;
  snprintf(org->dom_sid, sizeof org->dom_sid, "S-1-5-21-%u-%u-%u",
           (unsigned)g_range(&r, 1000000000, 4000000000),
           (unsigned)g_range(&r, 100000000, 4000000000),
           (unsigned)g_range(&r, 100000000, 4000000000));

  size_t ns = o->servers, nu = o->users;
  size_t cap = ns + nu;
  org->hosts = calloc(cap, sizeof *org->hosts);
  org->users = calloc(nu, sizeof *org->users);
  org->admins = calloc(nu, sizeof *org->admins);
  if (!org->hosts || !org->users || !org->admins) return ASH_ENOMEM;

  /* Servers: DCs, then the roles every site has, then more of the common
   * ones. */
  uint32_t sip = ip4(10, 10, 1, 10);
  char nm[24];
  org->ndc = ns >= 8 ? 2 : 1;
  for (int i = 0; i < org->ndc; i++) {
    snprintf(nm, sizeof nm, "dc%02d", i + 1);
    org->dc[i] = add_host(org, cap, nm, HR_DC, sip++, org->domain, &r);
  }
  int nfs = 0, napp = 0, ndb = 0;
  org->fs[org->nfs++] = add_host(org, cap, "fs01", HR_FS, sip++, org->domain, &r);
  nfs = 1;
  org->app[org->napp++] = add_host(org, cap, "app01", HR_APP, sip++, org->domain, &r);
  napp = 1;
  org->bk = add_host(org, cap, "bk01", HR_BK, sip++, org->domain, &r);
  org->upd = add_host(org, cap, "upd01", HR_UPD, sip++, org->domain, &r);
  static const int cycle[] = {HR_DB, HR_APP, HR_FS, HR_APP, HR_APP, HR_DB, HR_FS, HR_APP};
  for (size_t k = 0; org->nhosts < ns; k++) {
    int role = cycle[k % 8];
    int idx;
    if (role == HR_DB) {
      snprintf(nm, sizeof nm, "db%02d", ++ndb);
      idx = add_host(org, cap, nm, HR_DB, sip++, org->domain, &r);
      if (org->ndb < 4) org->db[org->ndb++] = idx;
    } else if (role == HR_FS) {
      snprintf(nm, sizeof nm, "fs%02d", ++nfs);
      idx = add_host(org, cap, nm, HR_FS, sip++, org->domain, &r);
      if (org->nfs < 4) org->fs[org->nfs++] = idx;
    } else {
      snprintf(nm, sizeof nm, "app%02d", ++napp);
      idx = add_host(org, cap, nm, HR_APP, sip++, org->domain, &r);
      if (org->napp < 8) org->app[org->napp++] = idx;
    }
    if ((sip & 0xff) == 250) sip += 16; /* next /24 */
  }
  org->nservers = org->nhosts;
  size_t nep;
  const g_endpoint *eps = g_endpoints(&nep);
  for (size_t i = 0; i < org->nservers; i++) {
    org->hosts[i].mon_ep_k = (uint32_t)g_below(&r, eps[c->ep_monitor].naddr);
  }

  /* People. */
  nameset set = {NULL, 1};
  while (set.cap < nu * 2 + 16) set.cap *= 2;
  set.v = calloc(set.cap, sizeof *set.v);
  if (!set.v) return ASH_ENOMEM;
  nameset_add(&set, "administrator");
  for (size_t i = 0; i < nu; i++) {
    g_user *u = &org->users[i];
    const char *sn = SURNAMES[g_below(&r, sizeof SURNAMES / sizeof SURNAMES[0])];
    const char *gv = GIVEN[g_below(&r, sizeof GIVEN / sizeof GIVEN[0])];
    char base[24];
    snprintf(base, sizeof base, "%c.%.20s", gv[0] + 32, sn);
    snprintf(u->name, sizeof u->name, "%s", base);
    for (int k = 2; !nameset_add(&set, u->name); k++)
      snprintf(u->name, sizeof u->name, "%s%d", base, k);
    char cap_sn[24];
    snprintf(cap_sn, sizeof cap_sn, "%s", sn);
    cap_sn[0] = (char)(cap_sn[0] - 32);
    snprintf(u->full, sizeof u->full, "%s %s", gv, cap_sn);
    u->rid = 1104 + (uint32_t)i;
    /* Remote work: most people some days a week, a few always. */
    double x = g_unit(&r);
    u->remote_p = x < 0.25 ? 0.0 : x < 0.75 ? 0.2 + 0.3 * g_unit(&r) : x < 0.93 ? 0.6 : 0.95;
    u->evening_p = g_unit(&r) < 0.2 ? 0.08 : 0.01;
    snprintf(nm, sizeof nm, "pc%04zu", i + 1);
    uint32_t wip = ip4(10, 20, (unsigned)(i / 250), (unsigned)(i % 250 + 5));
    u->ws = add_host(org, cap, nm, HR_WS, wip, org->domain, &r);
    org->hosts[u->ws].owner = (int)i;
    u->home_k = -1;
  }
  free(set.v);
  org->nusers = nu;
  size_t nadm = nu / 40 < 2 ? 2 : nu / 40;
  if (nadm > nu) nadm = nu;
  for (size_t k = 0; k < nadm; k++) {
    int u;
    do u = (int)g_below(&r, (uint32_t)nu);
    while (org->users[u].admin);
    org->users[u].admin = 1;
    org->admins[org->nadmins++] = u;
  }

  /* The firewall's own public address and the VPN pool. */
  org->fw_public = ip4(192, 0, 2, 10);
  org->pool_base = ip4(10, 212, 134, 10);
  org->pool_n = nu < 200 ? 200 : (uint32_t)nu;
  org->pool_busy = calloc(org->pool_n, sizeof *org->pool_busy);
  if (!org->pool_busy) return ASH_ENOMEM;

  /* Home ISP addresses: the three documentation ranges (RFC 5737), minus
   * the firewall's neighbourhood. More people than addresses get IPv6
   * (2001:db8::/32). */
  org->nhomes = 254 + 254 + 235;
  org->homes = calloc(org->nhomes, sizeof *org->homes);
  org->home_used = calloc(org->nhomes, 1);
  if (!org->homes || !org->home_used) return ASH_ENOMEM;
  size_t k = 0;
  for (unsigned i = 1; i <= 254; i++) org->homes[k++] = ip4(198, 51, 100, i);
  for (unsigned i = 1; i <= 254; i++) org->homes[k++] = ip4(203, 0, 113, i);
  for (unsigned i = 20; i <= 254; i++) org->homes[k++] = ip4(192, 0, 2, i);
  return ASH_OK;
}

/* Give user u a home address not used by anyone else now. */
void g_home_assign(g_ctx *c, int u) {
  g_org *org = &c->org;
  g_user *us = &org->users[u];
  if (us->home_k >= 0) org->home_used[us->home_k] = 0;
  for (int tries = 0; tries < 64; tries++) {
    uint32_t k = g_below(&c->rng, (uint32_t)org->nhomes);
    if (!org->home_used[k]) {
      org->home_used[k] = 1;
      us->home_k = (int)k;
      memset(&us->home, 0, sizeof us->home);
      us->home.fam = 4;
      us->home.b[10] = us->home.b[11] = 0xff;
      uint32_t a = org->homes[k];
      us->home.b[12] = (uint8_t)(a >> 24);
      us->home.b[13] = (uint8_t)(a >> 16);
      us->home.b[14] = (uint8_t)(a >> 8);
      us->home.b[15] = (uint8_t)a;
      return;
    }
  }
  /* Crowded: an IPv6 home network. */
  us->home_k = -1;
  memset(&us->home, 0, sizeof us->home);
  us->home.fam = 6;
  uint64_t h = g_next(&c->rng);
  us->home.b[0] = 0x20;
  us->home.b[1] = 0x01;
  us->home.b[2] = 0x0d;
  us->home.b[3] = 0xb8;
  for (int i = 4; i < 8; i++) us->home.b[i] = (uint8_t)(h >> (8 * i));
  us->home.b[15] = (uint8_t)(1 + (h & 0x7f));
}

/* FortiGate hands out tunnel addresses from a range: the next free one
 * after the last given, so that addresses are reused by different people
 * over time. */
uint32_t g_tunnel_alloc(g_ctx *c, int64_t from, int64_t until) {
  g_org *org = &c->org;
  for (uint32_t k = 0; k < org->pool_n; k++) {
    uint32_t i = (org->pool_next + k) % org->pool_n;
    if (org->pool_busy[i] <= from) {
      org->pool_busy[i] = until + 60 * G_SEC;
      org->pool_next = (i + 1) % org->pool_n;
      uint32_t a = org->pool_base + i;
      return a;
    }
  }
  /* Pool exhausted (more sessions than people): share the last one. */
  return org->pool_base + org->pool_n - 1;
}

void g_org_free(g_org *org) {
  free(org->hosts);
  free(org->users);
  free(org->admins);
  free(org->pool_busy);
  free(org->homes);
  free(org->home_used);
  memset(org, 0, sizeof *org);
}
