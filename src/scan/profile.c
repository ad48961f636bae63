/* The environment profile: the victim's own names, from a profile file the
 * responder writes (docs/scan.md) and from the case. See scan.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/ip.h"
#include "ashiato/limits.h"
#include "ashiato/scan.h"
#include "ashiato/table.h"
#include "scan_internal.h"

static const char *const KIND[ASH_NAME_NKINDS] = {"domain", "netbios", "dc",      "server",
                                                  "host",   "admin",   "service", "account",
                                                  "ip",     "range",   "url",     "share"};

/* What one match of a name adds to a file's score (before the file-type
 * rules of score.c). Privileged accounts, addresses and shares identify an
 * environment best; a NetBIOS name or a workstation least. */
static const int BASE[ASH_NAME_NKINDS] = {15, 10, 20, 15, 10, 30, 20, 12, 25, 15, 25, 25};

const char *ash_name_kind_str(ash_name_kind k) {
  return (unsigned)k < ASH_NAME_NKINDS ? KIND[k] : "?";
}

int ash_scan_kind_base(ash_name_kind k) { return (unsigned)k < ASH_NAME_NKINDS ? BASE[k] : 0; }

/* Dedupe groups: every kind of bare name shares one group, because one
 * YARA string cannot tell a host "backup" from an account "backup". */
static int group_of(ash_name_kind k) {
  switch (k) {
  case ASH_NAME_IP: return 1;
  case ASH_NAME_RANGE: return 2;
  case ASH_NAME_URL: return 3;
  case ASH_NAME_SHARE: return 4;
  default: return 0;
  }
}

int ash_scan_kind_is_name(ash_name_kind k) { return group_of(k) == 0; }

struct ash_profile {
  ash_scan_ent *v;
  size_t n, cap;
  ash_index ix; /* (group, name without case) -> index in v */
  uint64_t ignored;
};

int ash_profile_new(ash_profile **out) {
  ash_profile *p = calloc(1, sizeof *p);
  if (!p) return ASH_ENOMEM;
  *out = p;
  return ASH_OK;
}

void ash_profile_close(ash_profile *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n; i++) free((char *)p->v[i].pub.name);
  free(p->v);
  ash_index_free(&p->ix);
  free(p);
}

size_t ash_profile_count(const ash_profile *p) { return p->n; }
uint64_t ash_profile_ignored(const ash_profile *p) { return p->ignored; }
const ash_name *ash_profile_name(const ash_profile *p, size_t i) {
  return i < p->n ? &p->v[i].pub : NULL;
}
ash_scan_ent *ash_scan_profile_ents(ash_profile *p, size_t *n) {
  *n = p->n;
  return p->v;
}

static uint32_t hash_name(int g, const char *s, size_t n) {
  uint32_t h = 2166136261u ^ (uint32_t)g;
  for (size_t i = 0; i < n; i++) {
    h ^= (uint8_t)tolower((unsigned char)s[i]);
    h *= 16777619u;
  }
  return h;
}

static int same_name(const ash_scan_ent *e, int g, const char *s, size_t n) {
  return group_of(e->pub.kind) == g && e->pub.len == n && !strncasecmp(e->pub.name, s, n);
}

typedef struct nkey {
  int g;
  const char *s;
  size_t n;
} nkey;

static int name_eq(const void *ctx, size_t pos, const void *key) {
  const nkey *k = key;
  return same_name(&((const ash_profile *)ctx)->v[pos], k->g, k->s, k->n);
}

/* Names that every Windows or Unix system has: they identify no one, and
 * as YARA strings they would match half of System32. Lower case. */
static const char *const GENERIC[] = {"administrator",
                                      "admin",
                                      "administrators",
                                      "guest",
                                      "system",
                                      "local system",
                                      "localsystem",
                                      "local service",
                                      "localservice",
                                      "network service",
                                      "networkservice",
                                      "anonymous logon",
                                      "anonymous",
                                      "nt authority",
                                      "nt service",
                                      "builtin",
                                      "workgroup",
                                      "window manager",
                                      "font driver host",
                                      "iis apppool",
                                      "defaultaccount",
                                      "wdagutilityaccount",
                                      "krbtgt",
                                      "root",
                                      "user",
                                      "users",
                                      "test",
                                      "default",
                                      "public",
                                      "nobody",
                                      "daemon",
                                      "unknown",
                                      "none",
                                      "null",
                                      "n/a",
                                      "localhost",
                                      "localdomain",
                                      "domain",
                                      "server",
                                      "computer",
                                      "everyone",
                                      "authenticated users",
                                      "sshd",
                                      "www-data",
                                      "apache",
                                      "nginx",
                                      "mysql",
                                      "postgres",
                                      "local",
                                      "lan",
                                      "home",
                                      "internal",
                                      "corp.local",
                                      "example.com",
                                      "workstation",
                                      "desktop",
                                      "laptop",
                                      "defaultapppool",
                                      "sys",
                                      "adm",
                                      "bin"};

static int is_generic(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof GENERIC / sizeof GENERIC[0]; i++)
    if (strlen(GENERIC[i]) == n && !strncasecmp(GENERIC[i], s, n)) return 1;
  /* per-session Windows pseudo accounts: DWM-1, UMFD-0 */
  if ((n > 4 && !strncasecmp(s, "dwm-", 4)) || (n > 5 && !strncasecmp(s, "umfd-", 5))) return 1;
  return 0;
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return 0;
  return 1;
}

static ash_str trim(ash_str s) {
  while (s.n && isspace((unsigned char)s.p[0])) s.p++, s.n--;
  while (s.n && isspace((unsigned char)s.p[s.n - 1])) s.n--;
  return s;
}

static int insert(ash_profile *p, ash_name_kind kind, const char *s, size_t n, uint64_t count,
                  int from, const ash_ip *net, unsigned prefix) {
  int g = group_of(kind);
  uint32_t h = hash_name(g, s, n);
  nkey key = {g, s, n};
  size_t at = ash_index_find(&p->ix, h, name_eq, p, &key);
  if (at != ASH_INDEX_NONE) {
    ash_scan_ent *e = &p->v[at];
    /* the same name twice: keep what says most about it */
    if (BASE[kind] > BASE[e->pub.kind]) e->pub.kind = kind;
    if (count > e->pub.count) e->pub.count = count;
    e->pub.from |= from;
    return ASH_OK;
  }
  if (p->n >= ASH_MAX_SCAN_NAMES) {
    p->ignored++;
    return ASH_OK;
  }
  ASH_TRY(ash_index_reserve(&p->ix));
  ash_scan_ent *v = ash_array_room(p->v, &p->cap, p->n, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  p->v = v;
  char *copy = malloc(n + 1);
  if (!copy) return ASH_ENOMEM;
  memcpy(copy, s, n);
  copy[n] = 0;
  ash_scan_ent *e = &p->v[p->n];
  memset(e, 0, sizeof *e);
  e->pub.kind = kind;
  e->pub.name = copy;
  e->pub.len = n;
  e->pub.count = count;
  e->pub.from = from;
  /* only IPv4 ranges of /16 or narrower become patterns: a /8 pattern
   * matches every four-part version number */
  e->pub.searched = kind != ASH_NAME_RANGE || (net && net->fam == 4 && prefix >= 16);
  if (net) e->net = *net;
  e->prefix = prefix;
  ash_index_add(&p->ix, h, p->n); /* reserved: cannot fail */
  p->n++;
  return ASH_OK;
}

static int add_range(ash_profile *p, ash_str s, uint64_t count, int from) {
  const char *sl = memchr(s.p, '/', s.n);
  ash_ip ip;
  uint64_t pl;
  if (!sl)
    return ash_ip_parse(s, &ip) ? ASH_EFORMAT : ash_profile_add(p, ASH_NAME_IP, s, count, from);
  ash_str a = {s.p, (size_t)(sl - s.p)}, b = {sl + 1, s.n - a.n - 1};
  if (ash_ip_parse(a, &ip) || ash_str_to_u64(b, &pl) || pl > (ip.fam == 4 ? 32u : 128u))
    return ASH_EFORMAT;
  /* canonical text: the network address with the host bits cleared */
  unsigned bits = ip.fam == 4 ? 96 + (unsigned)pl : (unsigned)pl;
  for (unsigned i = bits; i < 128; i++) ip.b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
  char txt[ASH_IP_STRLEN + 8], t[ASH_IP_STRLEN];
  ash_ip_format(&ip, t);
  int tn = snprintf(txt, sizeof txt, "%s/%u", t, (unsigned)pl);
  return insert(p, ASH_NAME_RANGE, txt, (size_t)tn, count, from, &ip, (unsigned)pl);
}

int ash_profile_add(ash_profile *p, ash_name_kind kind, ash_str name, uint64_t count, int from) {
  if ((unsigned)kind >= ASH_NAME_NKINDS) return ASH_EUSAGE;
  ash_str s = trim(name);
  if (!s.n) return ASH_OK;
  if (s.n > ASH_MAX_SCAN_NAME) {
    p->ignored++;
    return ASH_OK;
  }
  ash_ip ip;
  switch (kind) {
  case ASH_NAME_IP: {
    if (ash_ip_parse(s, &ip)) return ASH_EFORMAT;
    char t[ASH_IP_STRLEN];
    ash_ip_format(&ip, t);
    return insert(p, kind, t, strlen(t), count, from, &ip, ip.fam == 4 ? 32 : 128);
  }
  case ASH_NAME_RANGE: return add_range(p, s, count, from);
  case ASH_NAME_URL:
    if (s.n < 4) return ASH_EFORMAT;
    return insert(p, kind, s.p, s.n, count, from, NULL, 0);
  case ASH_NAME_SHARE: {
    /* \\server\share: the server is a name of the environment too */
    if (s.n < 3 || s.p[0] != '\\' || s.p[1] != '\\') return ASH_EFORMAT;
    int rc = insert(p, kind, s.p, s.n, count, from, NULL, 0);
    const char *end = memchr(s.p + 2, '\\', s.n - 2);
    ash_str srv = {s.p + 2, end ? (size_t)(end - s.p - 2) : s.n - 2};
    if (!rc && srv.n) rc = ash_profile_add(p, ASH_NAME_SERVER, srv, 0, from);
    return rc;
  }
  default: break;
  }
  /* bare names: split DOMAIN\user, user@fqdn and host.fqdn so that each
   * part is searched on its own */
  int acct = kind == ASH_NAME_ADMIN || kind == ASH_NAME_SERVICE || kind == ASH_NAME_ACCOUNT;
  int host = kind == ASH_NAME_DC || kind == ASH_NAME_SERVER || kind == ASH_NAME_HOST;
  if (acct) {
    const char *bs = memchr(s.p, '\\', s.n);
    if (bs) {
      ash_str d = {s.p, (size_t)(bs - s.p)}, u = {bs + 1, s.n - d.n - 1};
      int rc = ash_profile_add(p, memchr(d.p, '.', d.n) ? ASH_NAME_DOMAIN : ASH_NAME_NETBIOS, d,
                               count, from);
      return rc ? rc : ash_profile_add(p, kind, u, count, from);
    }
    const char *at = memchr(s.p, '@', s.n);
    if (at) {
      ash_str u = {s.p, (size_t)(at - s.p)}, d = {at + 1, s.n - u.n - 1};
      int rc = ash_profile_add(p, ASH_NAME_DOMAIN, d, count, from);
      return rc ? rc : ash_profile_add(p, kind, u, count, from);
    }
    if (s.p[s.n - 1] == '$') {
      /* a machine account names a host */
      s.n--;
      kind = ASH_NAME_HOST;
      host = 1;
    }
  }
  if (host) {
    if (!ash_ip_parse(s, &ip)) {
      if (!(from & ASH_NAME_FROM_PROFILE) && (!ash_ip_is_private(&ip) || ash_ip_is_loopback(&ip)))
        return ASH_OK;
      return ash_profile_add(p, ASH_NAME_IP, s, count, from);
    }
    const char *dot = memchr(s.p, '.', s.n);
    if (dot) {
      ash_str h = {s.p, (size_t)(dot - s.p)}, d = {dot + 1, s.n - h.n - 1};
      int rc = memchr(d.p, '.', d.n) ? ash_profile_add(p, ASH_NAME_DOMAIN, d, count, from) : 0;
      return rc ? rc : ash_profile_add(p, kind, h, count, from);
    }
  }
  if (s.n < 3 || all_digits(s.p, s.n) || is_generic(s.p, s.n)) {
    p->ignored++;
    return ASH_OK;
  }
  return insert(p, kind, s.p, s.n, count, from, NULL, 0);
}

/* ---- the profile file ---- */

static const struct {
  const char *key;
  ash_name_kind kind;
} KEYS[] = {{"domain", ASH_NAME_DOMAIN},    {"fqdn", ASH_NAME_DOMAIN},
            {"netbios", ASH_NAME_NETBIOS},  {"dc", ASH_NAME_DC},
            {"dcs", ASH_NAME_DC},           {"server", ASH_NAME_SERVER},
            {"servers", ASH_NAME_SERVER},   {"host", ASH_NAME_HOST},
            {"hosts", ASH_NAME_HOST},       {"admin", ASH_NAME_ADMIN},
            {"admins", ASH_NAME_ADMIN},     {"service", ASH_NAME_SERVICE},
            {"services", ASH_NAME_SERVICE}, {"account", ASH_NAME_ACCOUNT},
            {"accounts", ASH_NAME_ACCOUNT}, {"user", ASH_NAME_ACCOUNT},
            {"users", ASH_NAME_ACCOUNT},    {"ip", ASH_NAME_IP},
            {"ips", ASH_NAME_IP},           {"range", ASH_NAME_RANGE},
            {"ranges", ASH_NAME_RANGE},     {"url", ASH_NAME_URL},
            {"urls", ASH_NAME_URL},         {"share", ASH_NAME_SHARE},
            {"shares", ASH_NAME_SHARE}};

int ash_profile_parse(ash_profile *p, const char *text, size_t n, unsigned *err_line,
                      const char **err_msg) {
  unsigned line = 0;
  size_t i = 0;
  *err_line = 0;
  *err_msg = NULL;
  /* a UTF-8 byte order mark from a Windows editor is not part of a key */
  if (n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) i = 3;
  while (i < n) {
    line++;
    const char *nl = memchr(text + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - text) : n;
    ash_str l = trim(ash_str_make(text + i, end - i));
    i = end + 1;
    if (!l.n || l.p[0] == '#' || l.p[0] == ';') continue;
    const char *colon = memchr(l.p, ':', l.n);
    const char *eq = memchr(l.p, '=', l.n);
    if (!colon || (eq && eq < colon)) colon = eq;
    if (!colon) {
      *err_line = line;
      *err_msg = "expected 'key: value'";
      return ASH_EFORMAT;
    }
    ash_str key = trim(ash_str_make(l.p, (size_t)(colon - l.p)));
    ash_str val = trim(ash_str_make(colon + 1, (size_t)(l.p + l.n - colon - 1)));
    int found = -1;
    for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++)
      if (key.n == strlen(KEYS[k].key) && !strncasecmp(key.p, KEYS[k].key, key.n)) {
        found = (int)k;
        break;
      }
    if (found < 0) {
      *err_line = line;
      *err_msg = "unknown key (see docs/scan.md for the keys)";
      return ASH_EFORMAT;
    }
    /* values: comma-separated; a URL or share keeps its spaces */
    while (val.n) {
      const char *c = memchr(val.p, ',', val.n);
      ash_str item = trim(ash_str_make(val.p, c ? (size_t)(c - val.p) : val.n));
      size_t adv = c ? (size_t)(c - val.p) + 1 : val.n;
      val.p += adv;
      val.n -= adv;
      if (!item.n) continue;
      int rc = ash_profile_add(p, KEYS[found].kind, item, 0, ASH_NAME_FROM_PROFILE);
      if (rc == ASH_EFORMAT) {
        *err_line = line;
        *err_msg = KEYS[found].kind == ASH_NAME_IP      ? "not an IP address"
                   : KEYS[found].kind == ASH_NAME_RANGE ? "not an address range (a.b.c.d/n)"
                   : KEYS[found].kind == ASH_NAME_SHARE ? "a share is \\\\server\\share"
                                                        : "bad value";
        return rc;
      }
      if (rc) return rc;
    }
  }
  return ASH_OK;
}

int ash_profile_load(ash_profile *p, const char *path, unsigned *err_line, const char **err_msg) {
  *err_line = 0;
  *err_msg = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? ASH_ENOTFOUND : ASH_EIO;
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    close(fd);
    return ASH_EIO;
  }
  if ((uint64_t)st.st_size > ASH_MAX_PROFILE_BYTES) {
    close(fd);
    *err_msg = "profile file larger than 1 MiB";
    return ASH_ELIMIT;
  }
  size_t n = (size_t)st.st_size, got = 0;
  char *buf = malloc(n + 1);
  if (!buf) {
    close(fd);
    return ASH_ENOMEM;
  }
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  int rc = ash_profile_parse(p, buf, got, err_line, err_msg);
  free(buf);
  return rc;
}

/* ---- names from the case ---- */

static int has_word(const char *s, size_t n, const char *w) {
  size_t wl = strlen(w);
  for (size_t i = 0; i + wl <= n; i++)
    if (!strncasecmp(s + i, w, wl)) return 1;
  return 0;
}

/* Account naming habits of admins and services: "adm.tanaka", "da-sato",
 * "t.sato.admin", "svc_backup", "sql_service". Only for names from logs:
 * the profile file says what each account is. */
static ash_name_kind account_kind(const char *s, size_t n) {
  if (has_word(s, n, "admin") || !strncasecmp(s, "adm", 3) || !strncasecmp(s, "da-", 3) ||
      !strncasecmp(s, "da_", 3) || !strncasecmp(s, "da.", 3) ||
      (n > 3 && (!strncasecmp(s + n - 3, "-da", 3) || !strncasecmp(s + n - 3, "_da", 3) ||
                 !strncasecmp(s + n - 3, ".da", 3) || !strncasecmp(s + n - 3, "adm", 3))))
    return ASH_NAME_ADMIN;
  if (has_word(s, n, "svc") || has_word(s, n, "service") || !strncasecmp(s, "sa_", 3) ||
      !strncasecmp(s, "sa-", 3) || has_word(s, n, "sql") || has_word(s, n, "backup"))
    return ASH_NAME_SERVICE;
  return ASH_NAME_ACCOUNT;
}

/* "dc01", "corp-dc2", "dc-tokyo": a domain controller by its name. */
static int looks_like_dc(const char *s, size_t n) {
  for (size_t i = 0; i + 2 <= n; i++) {
    if (tolower((unsigned char)s[i]) != 'd' || tolower((unsigned char)s[i + 1]) != 'c') continue;
    int before = i == 0 || !isalpha((unsigned char)s[i - 1]);
    int after = i + 2 == n || !isalpha((unsigned char)s[i + 2]);
    if (before && after) return 1;
  }
  return 0;
}

static int on_entity(void *u, const ash_entity_count *e) {
  ash_profile *p = u;
  ash_str s = ash_str_cstr(e->name);
  const int from = ASH_NAME_FROM_CASE;
  if (!strcmp(e->kind, "host"))
    return ash_profile_add(p, looks_like_dc(s.p, s.n) ? ASH_NAME_DC : ASH_NAME_HOST, s, e->count,
                           from);
  if (!strcmp(e->kind, "user")) {
    ash_str bare = s;
    const char *bs = memchr(s.p, '\\', s.n);
    if (bs) bare = ash_str_make(bs + 1, s.n - (size_t)(bs - s.p) - 1);
    ash_name_kind k = e->privileged ? ASH_NAME_ADMIN : account_kind(bare.p, bare.n);
    return ash_profile_add(p, k, s, e->count, from);
  }
  if (!strcmp(e->kind, "domain"))
    return ash_profile_add(p, memchr(s.p, '.', s.n) ? ASH_NAME_DOMAIN : ASH_NAME_NETBIOS, s,
                           e->count, from);
  if (!strcmp(e->kind, "ip")) {
    int rc = ash_profile_add(p, ASH_NAME_IP, s, e->count, from);
    return rc == ASH_EFORMAT ? ASH_OK : rc;
  }
  return ASH_OK;
}

int ash_profile_add_case(ash_profile *p, ash_store *s) {
  return ash_store_entities(s, on_entity, p);
}

/* ---- weights ---- */

void ash_scan_profile_weigh(ash_profile *p) {
  /* totals per group of case counts, for relative rarity */
  uint64_t tot[5] = {0};
  for (size_t i = 0; i < p->n; i++) tot[group_of(p->v[i].pub.kind)] += p->v[i].pub.count;
  for (size_t i = 0; i < p->n; i++) {
    ash_name *nm = &p->v[i].pub;
    double w = BASE[nm->kind];
    if (ash_scan_kind_is_name(nm->kind)) {
      /* a short name matches by chance more often */
      if (nm->len <= 3)
        w *= 0.6;
      else if (nm->len == 4)
        w *= 0.8;
    }
    if (!(nm->from & ASH_NAME_FROM_PROFILE) && nm->count) {
      /* from logs only: a name seen everywhere (the file server every
       * workstation maps) tells less than one seen a few times */
      double share = (double)nm->count / (double)tot[group_of(nm->kind)];
      if (share < 0.001)
        w *= 1.25;
      else if (share < 0.01)
        w *= 1.1;
      else if (share > 0.2)
        w *= 0.75;
    }
    nm->weight = w < 1 ? 1 : (int)(w + 0.5);
  }
}
