/* Cloud and hosting address ranges: the data file loader, the lookup, and
 * the importer of the providers' own publications. See
 * include/ashiato/ranges.h. */
#include "ashiato/ranges.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/table.h"

typedef struct rclass {
  char *provider, *region, *service;
} rclass;

struct ash_ranges {
  ash_cidrset *set;
  rclass *cls;
  size_t ncls;
};

/* ---- loading ---- */

static void classes_free(rclass *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(c[i].provider);
    free(c[i].region);
    free(c[i].service);
  }
  free(c);
}

void ash_ranges_close(ash_ranges *r) {
  if (!r) return;
  ash_cidrset_close(r->set);
  classes_free(r->cls, r->ncls);
  free(r);
}

static char *dupn(const char *p, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, p, n);
  d[n] = 0;
  return d;
}

/* Split [p, p+n) at tabs into at most max fields; returns the count. */
static size_t split_tabs(const char *p, size_t n, ash_str *f, size_t max) {
  size_t k = 0, start = 0;
  for (size_t i = 0; i <= n && k < max; i++) {
    if (i == n || p[i] == '\t') {
      f[k++] = ash_str_make(p + start, i - start);
      start = i + 1;
    }
  }
  return k;
}

int ash_ranges_load_mem(ash_ranges **out, const char *buf, size_t n, uint64_t *bad_line) {
  if (n > ASH_MAX_RANGES_BYTES) return ASH_ELIMIT;
  ash_ranges *r = calloc(1, sizeof *r);
  if (!r) return ASH_ENOMEM;
  int rc = ash_cidrset_new(&r->set);
  size_t cap = 0, nprefix = 0;
  uint64_t line = 0;
  size_t pos = 0;
  while (!rc && pos < n) {
    const char *nl = memchr(buf + pos, '\n', n - pos);
    size_t len = nl ? (size_t)(nl - (buf + pos)) : n - pos;
    const char *p = buf + pos;
    pos += len + (nl ? 1 : 0);
    line++;
    if (len && p[len - 1] == '\r') len--;
    if (!len || p[0] == '#') continue;
    ash_str f[5];
    size_t nf = split_tabs(p, len, f, 5);
    if (p[0] == '=') {
      /* a class: its number must be the next one, so that prefixes can
       * only name classes already defined */
      uint64_t idx;
      if (nf != 4 || ash_str_to_u64(ash_str_make(f[0].p + 1, f[0].n - 1), &idx) || idx != r->ncls ||
          r->ncls >= ASH_MAX_RANGES_CLASSES) {
        rc = ASH_EFORMAT;
        break;
      }
      rclass *v = ash_array_room(r->cls, &cap, r->ncls, sizeof *v, 64);
      if (!v) {
        rc = ASH_ENOMEM;
        break;
      }
      r->cls = v;
      rclass *c = &r->cls[r->ncls];
      c->provider = dupn(f[1].p, f[1].n);
      c->region = dupn(f[2].p, f[2].n);
      c->service = dupn(f[3].p, f[3].n);
      r->ncls++;
      if (!c->provider || !c->region || !c->service) rc = ASH_ENOMEM;
      continue;
    }
    uint64_t idx;
    if (nf != 2 || ash_str_to_u64(f[1], &idx) || idx >= r->ncls) {
      rc = ASH_EFORMAT;
      break;
    }
    if (++nprefix > ASH_MAX_RANGES_PREFIXES) {
      rc = ASH_ELIMIT;
      break;
    }
    rc = ash_cidrset_add(r->set, f[0], (uint32_t)idx);
  }
  if (!rc) rc = ash_cidrset_build(r->set);
  if (rc) {
    if (bad_line && rc == ASH_EFORMAT) *bad_line = line;
    ash_ranges_close(r);
    return rc;
  }
  *out = r;
  return ASH_OK;
}

/* Read a whole regular file of at most max bytes. */
static int read_file(const char *path, size_t max, char **out, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOENT ? ASH_ENOTFOUND : ASH_EIO;
  struct stat st;
  if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
    fclose(f);
    return ASH_EIO;
  }
  if ((uint64_t)st.st_size > max) {
    fclose(f);
    return ASH_ELIMIT;
  }
  size_t sz = (size_t)st.st_size;
  char *b = malloc(sz + 1);
  if (!b) {
    fclose(f);
    return ASH_ENOMEM;
  }
  size_t got = fread(b, 1, sz, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || got != sz) {
    free(b);
    return ASH_EIO;
  }
  b[sz] = 0;
  *out = b;
  *n = sz;
  return ASH_OK;
}

int ash_ranges_load(ash_ranges **out, const char *path, uint64_t *bad_line) {
  char *b;
  size_t n;
  int rc = read_file(path, ASH_MAX_RANGES_BYTES, &b, &n);
  if (rc) return rc;
  rc = ash_ranges_load_mem(out, b, n, bad_line);
  free(b);
  return rc;
}

int ash_ranges_lookup(const ash_ranges *r, const ash_ip *ip, ash_cloud *out) {
  uint32_t v;
  unsigned len = 0;
  if (!r || !ash_cidrset_lookup_len(r->set, ip, &v, &len) || v >= r->ncls) return 0;
  out->prefix_len = len;
  out->provider = r->cls[v].provider;
  out->region = r->cls[v].region;
  out->service = r->cls[v].service;
  return 1;
}

size_t ash_ranges_count(const ash_ranges *r) { return r ? ash_cidrset_count(r->set) : 0; }

/* Is word one of the '+'-joined names of list (case-insensitive)? */
static int has_name(const char *list, const char *word) {
  size_t wl = strlen(word);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, '+');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == wl && !strncasecmp(p, word, l)) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

int ash_cloud_rentable(const ash_cloud *c) {
  const char *p = c->provider, *s = c->service;
  /* hosting companies: every address is a customer's machine */
  static const char *const hosting[] = {"digitalocean", "linode",   "vultr",  "hetzner",
                                        "ovh",          "scaleway", "contabo"};
  for (size_t i = 0; i < sizeof hosting / sizeof hosting[0]; i++)
    if (!strcasecmp(p, hosting[i])) return 2;
  if (!strcasecmp(p, "aws")) {
    if (!strcasecmp(s, "EC2")) return 2;
    /* a prefix listed for EC2 and a managed service, or only under the
     * catch-all AMAZON, may be either */
    if (has_name(s, "EC2") || has_name(s, "AMAZON") || !*s) return 1;
    return 0;
  }
  if (!strcasecmp(p, "azure")) return !strcasecmp(s, "AzureCloud") ? 2 : !*s ? 1 : 0;
  if (!strcasecmp(p, "gcp")) return 2;
  if (!strcasecmp(p, "oracle")) return has_name(s, "OCI") ? 2 : 0;
  return 1;
}

/* ---- building ---- */

typedef struct entry {
  ash_ip net;     /* network address, host bits cleared */
  uint8_t plen;   /* in the 128-bit space (IPv4 /n is 96+n) */
  uint8_t rank;   /* lower is more specific; see add_prefix */
  uint32_t cls;   /* class index */
  uint32_t order; /* input order, for a stable result */
} entry;

struct ash_ranges_builder {
  rclass *cls;
  size_t ncls, capcls;
  ash_index ix; /* (provider, region, service) -> class index */
  entry *e;
  size_t ne, cap;
  ash_buf notes; /* "# source: ..." lines */
};

int ash_ranges_builder_new(ash_ranges_builder **out) {
  ash_ranges_builder *b = calloc(1, sizeof *b);
  if (!b) return ASH_ENOMEM;
  ash_buf_init(&b->notes, 64 << 10);
  *out = b;
  return ASH_OK;
}

void ash_ranges_builder_close(ash_ranges_builder *b) {
  if (!b) return;
  classes_free(b->cls, b->ncls);
  ash_index_free(&b->ix);
  free(b->e);
  ash_buf_free(&b->notes);
  free(b);
}

/* Text from provider files is cut at tabs and newlines (so that it cannot
 * break the data file's lines) and at 200 bytes: a class is known by its
 * cut names, which are what is hashed and compared. */
static size_t cut_len(const char *s) {
  size_t l = strcspn(s, "\t\r\n");
  return l > 200 ? 200 : l;
}

typedef struct ckey {
  const char *p[3];
  size_t n[3];
} ckey;

static uint32_t class_hash(const ckey *k) {
  uint64_t h = ASH_HASH_SEED;
  for (int i = 0; i < 3; i++) {
    h = ash_hash_bytes(k->p[i], k->n[i], h);
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  return (uint32_t)(ash_hash_u64(h) >> 32);
}

static int class_eq(const void *ctx, size_t pos, const void *key) {
  const rclass *c = &((const ash_ranges_builder *)ctx)->cls[pos];
  const ckey *k = key;
  const char *have[3] = {c->provider, c->region, c->service};
  for (int i = 0; i < 3; i++)
    if (strlen(have[i]) != k->n[i] || memcmp(have[i], k->p[i], k->n[i])) return 0;
  return 1;
}

/* The index of class (provider, region, service), added when new. */
static int intern(ash_ranges_builder *b, const char *prov, const char *reg, const char *svc,
                  uint32_t *out) {
  ckey k = {{prov, reg, svc}, {cut_len(prov), cut_len(reg), cut_len(svc)}};
  uint32_t h = class_hash(&k);
  size_t at = ash_index_find(&b->ix, h, class_eq, b, &k);
  if (at != ASH_INDEX_NONE) {
    *out = (uint32_t)at;
    return ASH_OK;
  }
  if (b->ncls >= ASH_MAX_RANGES_CLASSES) return ASH_ELIMIT;
  ASH_TRY(ash_index_reserve(&b->ix));
  rclass *v = ash_array_room(b->cls, &b->capcls, b->ncls, sizeof *v, 256);
  if (!v) return ASH_ENOMEM;
  b->cls = v;
  char *dst[3];
  for (int i = 0; i < 3; i++) dst[i] = dupn(k.p[i], k.n[i]);
  if (!dst[0] || !dst[1] || !dst[2]) {
    free(dst[0]);
    free(dst[1]);
    free(dst[2]);
    return ASH_ENOMEM;
  }
  rclass *c = &b->cls[b->ncls];
  c->provider = dst[0];
  c->region = dst[1];
  c->service = dst[2];
  ash_index_add(&b->ix, h, b->ncls); /* reserved: cannot fail */
  *out = (uint32_t)b->ncls++;
  return ASH_OK;
}

/* Clear the host bits of a 128-bit-space prefix. */
static void mask(ash_ip *ip, unsigned plen) {
  for (unsigned i = 0; i < 16; i++) {
    unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
    if (bits >= 8) continue;
    ip->b[i] &= (uint8_t)(0xff00u >> bits);
  }
}

static int add_prefix(ash_ranges_builder *b, const char *cidr, const char *prov, const char *reg,
                      const char *svc, unsigned rank) {
  if (!cidr) return ASH_EFORMAT;
  const char *slash = strchr(cidr, '/');
  ash_str a = ash_str_make(cidr, slash ? (size_t)(slash - cidr) : strlen(cidr));
  ash_ip ip;
  if (ash_ip_parse(a, &ip)) return ASH_EFORMAT;
  uint64_t pl = ip.fam == 4 ? 32 : 128;
  if (slash && (ash_str_to_u64(ash_str_cstr(slash + 1), &pl) || pl > (ip.fam == 4 ? 32u : 128u)))
    return ASH_EFORMAT;
  if (b->ne >= ASH_MAX_RANGES_PREFIXES) return ASH_ELIMIT;
  unsigned plen = (unsigned)pl + (ip.fam == 4 ? 96u : 0u);
  mask(&ip, plen);
  uint32_t cls;
  int rc = intern(b, prov, reg ? reg : "", svc ? svc : "", &cls);
  if (rc) return rc;
  entry *v = ash_array_room(b->e, &b->cap, b->ne, sizeof *v, 4096);
  if (!v) return ASH_ENOMEM;
  b->e = v;
  entry *e = &b->e[b->ne];
  e->net = ip;
  e->plen = (uint8_t)plen;
  e->rank = (uint8_t)rank;
  e->cls = cls;
  e->order = (uint32_t)b->ne;
  b->ne++;
  return ASH_OK;
}

static const char *jstr(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void note(ash_ranges_builder *b, const char *path, const char *what, const char *date) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  ash_buf_printf(&b->notes, "# source: %.*s (%s%s%s)\n", (int)strcspn(base, "\t\r\n"), base, what,
                 date ? ", " : "", date ? date : "");
}

/* AWS ip-ranges.json: "prefixes" [{ip_prefix, region, service}] and
 * "ipv6_prefixes" [{ipv6_prefix, ...}]. Every address is also listed under
 * the catch-all service AMAZON; the named service is ranked first. */
static int import_aws(ash_ranges_builder *b, json_t *root, uint64_t *added) {
  const char *lists[2] = {"prefixes", "ipv6_prefixes"};
  const char *keys[2] = {"ip_prefix", "ipv6_prefix"};
  for (int l = 0; l < 2; l++) {
    json_t *a = json_object_get(root, lists[l]), *v;
    size_t i;
    json_array_foreach(a, i, v) {
      const char *svc = jstr(v, "service");
      int rc = add_prefix(b, jstr(v, keys[l]), "aws", jstr(v, "region"), svc ? svc : "",
                          svc && !strcmp(svc, "AMAZON") ? 2 : 1);
      if (rc == ASH_EFORMAT) continue;
      if (rc) return rc;
      (*added)++;
    }
  }
  return ASH_OK;
}

/* Google cloud.json: "prefixes" [{ipv4Prefix|ipv6Prefix, service, scope}]. */
static int import_gcp(ash_ranges_builder *b, json_t *root, uint64_t *added) {
  json_t *a = json_object_get(root, "prefixes"), *v;
  size_t i;
  json_array_foreach(a, i, v) {
    const char *p = jstr(v, "ipv4Prefix");
    if (!p) p = jstr(v, "ipv6Prefix");
    int rc = add_prefix(b, p, "gcp", jstr(v, "scope"), jstr(v, "service"), 1);
    if (rc == ASH_EFORMAT) continue;
    if (rc) return rc;
    (*added)++;
  }
  return ASH_OK;
}

/* Azure ServiceTags: "values" [{name, properties{region, systemService,
 * addressPrefixes[]}}]. The same prefix is listed under a global tag, a
 * regional one and service tags: a service with a region ranks first, the
 * catch-all AzureCloud without a region last. */
static int import_azure(ash_ranges_builder *b, json_t *root, uint64_t *added) {
  json_t *a = json_object_get(root, "values"), *v;
  size_t i;
  json_array_foreach(a, i, v) {
    json_t *pr = json_object_get(v, "properties");
    const char *name = jstr(v, "name"), *reg = jstr(pr, "region"), *sys = jstr(pr, "systemService");
    char svc[128];
    if (sys && *sys)
      snprintf(svc, sizeof svc, "%s", sys);
    else
      snprintf(svc, sizeof svc, "%.*s", name ? (int)strcspn(name, ".") : 0, name ? name : "");
    int has_reg = reg && *reg, generic = !strcasecmp(svc, "AzureCloud");
    unsigned rank = has_reg && !generic ? 0 : !generic ? 1 : has_reg ? 2 : 3;
    json_t *ps = json_object_get(pr, "addressPrefixes"), *p;
    size_t j;
    json_array_foreach(ps, j, p) {
      int rc = add_prefix(b, json_string_value(p), "azure", reg, svc, rank);
      if (rc == ASH_EFORMAT) continue;
      if (rc) return rc;
      (*added)++;
    }
  }
  return ASH_OK;
}

/* Oracle public_ip_ranges.json: "regions" [{region, cidrs [{cidr, tags[]}]}]. */
static int import_oracle(ash_ranges_builder *b, json_t *root, uint64_t *added) {
  json_t *a = json_object_get(root, "regions"), *r;
  size_t i;
  json_array_foreach(a, i, r) {
    json_t *cs = json_object_get(r, "cidrs"), *c;
    size_t j;
    json_array_foreach(cs, j, c) {
      char tags[128] = "";
      size_t tl = 0, k;
      json_t *t;
      json_array_foreach(json_object_get(c, "tags"), k, t) {
        if (!json_is_string(t)) continue;
        int w = snprintf(tags + tl, sizeof tags - tl, "%s%s", tl ? "+" : "", json_string_value(t));
        if (w < 0 || (size_t)w >= sizeof tags - tl) break;
        tl += (size_t)w;
      }
      int rc = add_prefix(b, jstr(c, "cidr"), "oracle", jstr(r, "region"), tags, 1);
      if (rc == ASH_EFORMAT) continue;
      if (rc) return rc;
      (*added)++;
    }
  }
  return ASH_OK;
}

/* RFC 8805 geofeed: "prefix,country,region,city,postal" lines. */
static int import_geofeed(ash_ranges_builder *b, const char *buf, size_t n, const char *prov,
                          uint64_t *added, const char **date) {
  size_t pos = 0;
  static char last_mod[64];
  *date = NULL;
  while (pos < n) {
    const char *p = buf + pos, *nl = memchr(p, '\n', n - pos);
    size_t len = nl ? (size_t)(nl - p) : n - pos;
    pos += len + (nl ? 1 : 0);
    if (len && p[len - 1] == '\r') len--;
    if (!len) continue;
    if (p[0] == '#') {
      static const char lm[] = "# Last modified: ";
      if (len > sizeof lm - 1 && !memcmp(p, lm, sizeof lm - 1)) {
        snprintf(last_mod, sizeof last_mod, "%.*s", (int)(len - (sizeof lm - 1)),
                 p + sizeof lm - 1);
        *date = last_mod;
      }
      continue;
    }
    char f[5][128];
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len && k < 5; i++)
      if (i == len || p[i] == ',') {
        size_t l = i - start;
        while (l && isspace((unsigned char)p[start])) start++, l--;
        while (l && isspace((unsigned char)p[start + l - 1])) l--;
        snprintf(f[k++], sizeof f[0], "%.*s", (int)l, p + start);
        start = i + 1;
      }
    if (k < 2) continue;
    for (size_t i = k; i < 5; i++) f[i][0] = 0;
    char reg[300];
    if (f[3][0])
      snprintf(reg, sizeof reg, "%s, %s", f[3], f[1]);
    else
      snprintf(reg, sizeof reg, "%s", f[2][0] ? f[2] : f[1]);
    int rc = add_prefix(b, f[0], prov, reg, "", 1);
    if (rc == ASH_EFORMAT) continue;
    if (rc) return rc;
    (*added)++;
  }
  return ASH_OK;
}

static const char *provider_from_name(const char *path) {
  static const char *const names[] = {"digitalocean", "linode",   "vultr",   "hetzner",
                                      "ovh",          "scaleway", "contabo", "aws",
                                      "azure",        "gcp",      "google",  "oracle"};
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasestr(base, names[i])) return !strcmp(names[i], "google") ? "gcp" : names[i];
  return NULL;
}

int ash_ranges_builder_add_file(ash_ranges_builder *b, const char *path, const char *provider,
                                uint64_t *added, char *why, size_t whylen) {
  char *buf;
  size_t n;
  *added = 0;
  int rc = read_file(path, ASH_MAX_RANGES_INPUT, &buf, &n);
  if (rc) {
    snprintf(why, whylen, "%s: %s", path, ash_strerror(rc));
    return rc;
  }
  size_t k = 0;
  while (k < n && isspace((unsigned char)buf[k])) k++;
  if (k < n && buf[k] == '{') {
    json_error_t err;
    json_t *root = json_loadb(buf, n, 0, &err);
    free(buf);
    if (!root) {
      snprintf(why, whylen, "%s: line %d: %s", path, err.line, err.text);
      return ASH_EFORMAT;
    }
    json_t *pre = json_object_get(root, "prefixes");
    json_t *first = json_array_get(pre, 0);
    if (json_object_get(root, "values")) {
      rc = import_azure(b, root, added);
      json_t *cn = json_object_get(root, "changeNumber");
      char d[64];
      snprintf(d, sizeof d, "changeNumber %lld",
               json_is_integer(cn) ? (long long)json_integer_value(cn) : 0LL);
      note(b, path, "Azure ServiceTags", d);
    } else if (json_object_get(root, "regions")) {
      rc = import_oracle(b, root, added);
      note(b, path, "Oracle Cloud", jstr(root, "last_updated_timestamp"));
    } else if (json_object_get(first, "ip_prefix") || json_object_get(root, "ipv6_prefixes")) {
      rc = import_aws(b, root, added);
      note(b, path, "AWS ip-ranges", jstr(root, "createDate"));
    } else if (json_object_get(first, "ipv4Prefix") || json_object_get(first, "ipv6Prefix")) {
      rc = import_gcp(b, root, added);
      note(b, path, "Google Cloud", jstr(root, "creationTime"));
    } else {
      snprintf(why, whylen, "%s: not a provider range list this version knows", path);
      rc = ASH_EFORMAT;
    }
    json_decref(root);
  } else {
    const char *prov = provider ? provider : provider_from_name(path);
    if (!prov) {
      free(buf);
      snprintf(why, whylen, "%s: a geofeed names no provider: say which (NAME=FILE)", path);
      return ASH_EUSAGE;
    }
    const char *date = NULL;
    rc = import_geofeed(b, buf, n, prov, added, &date);
    free(buf);
    note(b, path, prov, date);
  }
  if (rc && !why[0]) snprintf(why, whylen, "%s: %s", path, ash_strerror(rc));
  return rc;
}

static int cmp_entry(const void *x, const void *y) {
  const entry *a = x, *b = y;
  int c = memcmp(a->net.b, b->net.b, 16);
  if (c) return c;
  if (a->plen != b->plen) return a->plen < b->plen ? -1 : 1;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

static int contains(const entry *outer, const entry *in) {
  if (outer->plen > in->plen) return 0;
  unsigned full = outer->plen / 8, rest = outer->plen % 8;
  if (memcmp(outer->net.b, in->net.b, full)) return 0;
  if (!rest) return 1;
  uint8_t m = (uint8_t)(0xff00u >> rest);
  return (outer->net.b[full] & m) == (in->net.b[full] & m);
}

/* Merge the best-ranked entries of one prefix (entries [i, j) sorted by
 * rank) into one class: the services of the best rank joined with '+'
 * (AWS lists some prefixes under EC2 and S3), the first non-empty region. */
static int merge_dups(ash_ranges_builder *b, entry *e, size_t n, uint32_t *out) {
  const rclass *c0 = &b->cls[e[0].cls];
  char svc[256];
  snprintf(svc, sizeof svc, "%s", c0->service);
  const char *reg = c0->region;
  for (size_t k = 1; k < n; k++) {
    const rclass *c = &b->cls[e[k].cls];
    if (strcmp(c->provider, c0->provider)) continue;
    if (!*reg && *c->region) reg = c->region;
    if (e[k].rank != e[0].rank || !*c->service || has_name(svc, c->service)) continue;
    size_t l = strlen(svc);
    if (l + 1 + strlen(c->service) < sizeof svc)
      snprintf(svc + l, sizeof svc - l, "+%s", c->service);
  }
  /* the joined list is sorted so that the same set always reads the same */
  char *parts[16];
  size_t np = 0;
  for (char *s = svc, *t; np < 16 && (t = strsep(&s, "+"));) parts[np++] = t;
  for (size_t x = 1; x < np; x++)
    for (size_t y = x; y > 0 && strcmp(parts[y - 1], parts[y]) > 0; y--) {
      char *t = parts[y];
      parts[y] = parts[y - 1];
      parts[y - 1] = t;
    }
  char joined[256] = "";
  size_t jl = 0;
  for (size_t x = 0; x < np; x++) {
    int w = snprintf(joined + jl, sizeof joined - jl, "%s%s", x ? "+" : "", parts[x]);
    if (w < 0 || (size_t)w >= sizeof joined - jl) break;
    jl += (size_t)w;
  }
  char prov[256], region[256];
  snprintf(prov, sizeof prov, "%s", c0->provider);
  snprintf(region, sizeof region, "%s", reg);
  return intern(b, prov, region, joined, out);
}

/* Drop what the containing prefix already says; in address order a
 * container comes before what it contains, so a stack of open containers
 * gives each prefix its most specific container. A prefix without a region
 * takes its container's (Azure service tags without a region lie inside
 * regional ranges). */
static int sweep(ash_ranges_builder *b, size_t *n) {
  entry *stack[130];
  size_t sp = 0, keep = 0;
  for (size_t i = 0; i < *n; i++) {
    entry cur = b->e[i];
    while (sp && !contains(stack[sp - 1], &cur)) sp--;
    if (sp) {
      const rclass *oc = &b->cls[stack[sp - 1]->cls], *cc = &b->cls[cur.cls];
      if (!strcmp(oc->provider, cc->provider) && !*cc->region && *oc->region) {
        char prov[256], reg[256], svc[256];
        snprintf(prov, sizeof prov, "%s", cc->provider);
        snprintf(reg, sizeof reg, "%s", oc->region);
        snprintf(svc, sizeof svc, "%s", cc->service);
        int rc = intern(b, prov, reg, svc, &cur.cls);
        if (rc) return rc;
      }
      if (cur.cls == stack[sp - 1]->cls) continue;
    }
    b->e[keep] = cur;
    if (sp < sizeof stack / sizeof stack[0]) stack[sp++] = &b->e[keep];
    keep++;
  }
  *n = keep;
  return ASH_OK;
}

/* Join two halves of a prefix that say the same into the prefix (AWS and
 * Azure list many neighbouring /24s and /28s). Only neighbours in the
 * sorted list are joined: a half with more specific prefixes inside it is
 * not followed by its sibling. Returns how many were joined. */
static size_t merge_siblings(ash_ranges_builder *b, size_t *n) {
  size_t w = 0, joined = 0;
  for (size_t i = 0; i < *n; i++) {
    entry *a = &b->e[i];
    if (i + 1 < *n) {
      entry *c = &b->e[i + 1];
      unsigned pl = a->plen;
      if (pl > 0 && c->plen == pl && c->cls == a->cls && (pl > 96 || a->net.fam == 6)) {
        unsigned byte = (pl - 1) / 8, bit = 7 - (pl - 1) % 8;
        ash_ip x = c->net;
        x.b[byte] &= (uint8_t) ~(1u << bit);
        /* the joined prefix must not already be listed (with another
         * class) just before */
        int taken = w > 0 && b->e[w - 1].plen == pl - 1 && contains(&b->e[w - 1], a);
        if (!taken && !(a->net.b[byte] & (1u << bit)) && (c->net.b[byte] & (1u << bit)) &&
            !memcmp(x.b, a->net.b, 16)) {
          b->e[w] = *a;
          b->e[w].plen = (uint8_t)(pl - 1);
          w++;
          i++;
          joined++;
          continue;
        }
      }
    }
    b->e[w++] = *a;
  }
  *n = w;
  return joined;
}

int ash_ranges_builder_write(ash_ranges_builder *b, const char *path, uint64_t *written) {
  *written = 0;
  qsort(b->e, b->ne, sizeof *b->e, cmp_entry);
  /* one entry per prefix */
  size_t m = 0;
  for (size_t i = 0; i < b->ne;) {
    size_t j = i + 1;
    while (j < b->ne && b->e[j].plen == b->e[i].plen && !memcmp(b->e[j].net.b, b->e[i].net.b, 16))
      j++;
    uint32_t cls;
    int rc = merge_dups(b, b->e + i, j - i, &cls);
    if (rc) return rc;
    b->e[m] = b->e[i];
    b->e[m].cls = cls;
    m++;
    i = j;
  }
  size_t keep = m;
  for (;;) {
    int rc = sweep(b, &keep);
    if (rc) return rc;
    if (!merge_siblings(b, &keep)) break;
  }
  /* renumber the classes in use, in order of first use */
  uint32_t *map = malloc((b->ncls ? b->ncls : 1) * sizeof *map);
  if (!map) return ASH_ENOMEM;
  for (size_t i = 0; i < b->ncls; i++) map[i] = UINT32_MAX;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
    free(map);
    return ASH_EUSAGE;
  }
  FILE *f = fopen(tmp, "w");
  if (!f) {
    free(map);
    return ASH_EIO;
  }
  fputs("# ashiato cloud ranges v1: =class<TAB>provider<TAB>region<TAB>service, then"
        " prefix<TAB>class\n",
        f);
  fputs(b->notes.p ? b->notes.p : "", f);
  uint32_t next = 0;
  for (size_t i = 0; i < keep; i++) {
    uint32_t c = b->e[i].cls;
    if (map[c] == UINT32_MAX) {
      map[c] = next++;
      fprintf(f, "=%u\t%s\t%s\t%s\n", map[c], b->cls[c].provider, b->cls[c].region,
              b->cls[c].service);
    }
    ash_ip ip = b->e[i].net;
    char t[ASH_IP_STRLEN];
    ash_ip_format(&ip, t);
    fprintf(f, "%s/%u\t%u\n", t, ip.fam == 4 ? b->e[i].plen - 96u : b->e[i].plen, map[c]);
  }
  free(map);
  int bad = ferror(f);
  if (fclose(f) || bad || rename(tmp, path)) {
    remove(tmp);
    return ASH_EIO;
  }
  *written = keep;
  return ASH_OK;
}
