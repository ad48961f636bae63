/* The case's indicators as STIX 2.1, a MISP event and an IOC CSV
 * (export.h). */
#include "ashiato/export.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/ip.h"
#include "ashiato/time.h"
#include "ashiato/timeline.h"
#include "ashiato/watchlist.h"

int ash_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[37]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdn = 0;
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  if (!x) return ASH_ENOMEM;
  int ok = EVP_DigestInit_ex(x, EVP_sha1(), NULL) && EVP_DigestUpdate(x, ns, 16) &&
           EVP_DigestUpdate(x, name, n) && EVP_DigestFinal_ex(x, md, &mdn);
  EVP_MD_CTX_free(x);
  if (!ok || mdn < 16) return ASH_EIO;
  md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
  md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  static const char hx[] = "0123456789abcdef";
  size_t j = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[j++] = '-';
    out[j++] = hx[md[i] >> 4];
    out[j++] = hx[md[i] & 15];
  }
  out[j] = 0;
  return ASH_OK;
}

/* The STIX 2.1 namespace for cyber-observable ids (STIX 2.1, 2.9). */
static const unsigned char SCO_NS[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                         0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
/* RFC 4122's URL namespace, for the case's own namespace */
static const unsigned char URL_NS[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

/* ATT&CK names of the techniques the hunts cite, for STIX attack-pattern
 * names and MISP galaxy tags ("Protocol Tunneling - T1572"). An id not in
 * the table is named by its id. */
static const struct {
  const char *id, *name;
} ATTACK[] = {
    {"T1003", "OS Credential Dumping"},
    {"T1003.001", "LSASS Memory"},
    {"T1021", "Remote Services"},
    {"T1021.001", "Remote Desktop Protocol"},
    {"T1021.002", "SMB/Windows Admin Shares"},
    {"T1053.005", "Scheduled Task"},
    {"T1059.001", "PowerShell"},
    {"T1070.001", "Clear Windows Event Logs"},
    {"T1071", "Application Layer Protocol"},
    {"T1071.001", "Web Protocols"},
    {"T1078", "Valid Accounts"},
    {"T1087", "Account Discovery"},
    {"T1090", "Proxy"},
    {"T1112", "Modify Registry"},
    {"T1133", "External Remote Services"},
    {"T1482", "Domain Trust Discovery"},
    {"T1486", "Data Encrypted for Impact"},
    {"T1490", "Inhibit System Recovery"},
    {"T1543.003", "Windows Service"},
    {"T1569.002", "Service Execution"},
    {"T1572", "Protocol Tunneling"},
    {"T1588.002", "Tool"},
    {"T1047", "Windows Management Instrumentation"},
};

static const char *attack_name(const char *id) {
  for (size_t i = 0; i < sizeof ATTACK / sizeof ATTACK[0]; i++)
    if (!strcasecmp(ATTACK[i].id, id)) return ATTACK[i].name;
  return NULL;
}

/* An ATT&CK id as the hunts write it: T, four digits, optionally .NNN. */
static int attack_id_ok(const char *s) {
  size_t n = strlen(s);
  if ((n != 5 && n != 9) || s[0] != 'T') return 0;
  for (size_t i = 1; i < 5; i++)
    if (!isdigit((unsigned char)s[i])) return 0;
  if (n == 9) {
    if (s[5] != '.') return 0;
    for (size_t i = 6; i < 9; i++)
      if (!isdigit((unsigned char)s[i])) return 0;
  }
  return 1;
}

typedef struct ex {
  ash_store *s;
  ash_watchlist *w;
  ash_finding *f;
  size_t nf, capf;
  unsigned char ns[16]; /* the case's namespace */
  char key[65];         /* the case's identity (hex) */
  char now[32];         /* created/modified/published: the last footprint */
  int rc;
  /* sources' hashes, for the key */
  char (*sha)[65];
  size_t nsha, capsha;
} ex;

static int on_src(void *u, const ash_source_info *si) {
  ex *e = u;
  if (!si->sha256 || !si->sha256[0] || si->skip_reason) return 0;
  char(*v)[65] = ash_array_room(e->sha, &e->capsha, e->nsha, sizeof *v, 64);
  if (!v) return e->rc = ASH_ENOMEM;
  e->sha = v;
  snprintf(e->sha[e->nsha++], 65, "%s", si->sha256);
  return 0;
}

static int on_f(void *u, const ash_finding *f) {
  ex *e = u;
  if (f->score < ASH_WATCH_MIN_SCORE) return 0;
  ash_finding *v = ash_array_room(e->f, &e->capf, e->nf, sizeof *v, 32);
  if (!v) return e->rc = ASH_ENOMEM;
  e->f = v;
  if ((e->rc = ash_finding_copy(&e->f[e->nf], f))) return e->rc;
  e->nf++;
  return 0;
}

static int cmp_sha(const void *a, const void *b) { return strcmp(a, b); }

static int ex_open(ex *e, ash_store *s) {
  memset(e, 0, sizeof *e);
  e->s = s;
  ASH_TRY(ash_store_sources(s, on_src, e));
  ASH_TRY(e->rc);
  if (e->nsha) qsort(e->sha, e->nsha, sizeof *e->sha, cmp_sha);
  /* the case's identity: the SHA-256 of its evidence's hashes, in order */
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdn = 0;
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  if (!x) return ASH_ENOMEM;
  int ok = EVP_DigestInit_ex(x, EVP_sha256(), NULL);
  for (size_t i = 0; ok && i < e->nsha; i++) ok = EVP_DigestUpdate(x, e->sha[i], 64);
  ok = ok && EVP_DigestFinal_ex(x, md, &mdn);
  EVP_MD_CTX_free(x);
  if (!ok) return ASH_EIO;
  for (unsigned i = 0; i < 32; i++) snprintf(e->key + 2 * i, 3, "%02x", md[i]);
  char url[128], u[37];
  snprintf(url, sizeof url, "urn:ashiato:case:%s", e->key);
  ASH_TRY(ash_uuid5(URL_NS, url, strlen(url), u));
  /* the namespace as bytes */
  for (int i = 0, j = 0; i < 16; j++) {
    if (u[j] == '-') continue;
    unsigned hi = (unsigned)(isdigit((unsigned char)u[j]) ? u[j] - '0' : u[j] - 'a' + 10);
    unsigned lo =
        (unsigned)(isdigit((unsigned char)u[j + 1]) ? u[j + 1] - '0' : u[j + 1] - 'a' + 10);
    e->ns[i++] = (unsigned char)(hi << 4 | lo);
    j++;
  }
  ASH_TRY(ash_watchlist_build(s, &e->w));
  ASH_TRY(ash_store_findings(s, NULL, on_f, e));
  ASH_TRY(e->rc);
  int64_t t = e->w->latest != ASH_TIME_UNSET ? e->w->latest : 0;
  ash_time_format(t, e->now);
  return ASH_OK;
}

static void ex_close(ex *e) {
  for (size_t i = 0; i < e->nf; i++) ash_finding_free(&e->f[i]);
  free(e->f);
  free(e->sha);
  ash_watchlist_close(e->w);
}

/* "<type>--<uuid5 of the case's namespace and key>" */
static int sid(const ex *e, const char *type, const char *key, char out[96]) {
  char name[1024], u[37];
  snprintf(name, sizeof name, "%s:%s", type, key);
  ASH_TRY(ash_uuid5(e->ns, name, strlen(name), u));
  snprintf(out, 96, "%s--%s", type, u);
  return ASH_OK;
}

static int jstr(ash_buf *o, const char *s) {
  ASH_TRY(ash_buf_addc(o, '"'));
  ASH_TRY(ash_buf_add_json_str(o, s, strlen(s)));
  return ash_buf_addc(o, '"');
}

/* A cyber-observable's id: UUIDv5 in the STIX namespace over the JSON of
 * its id-contributing properties (keys sorted, no white space). */
static int sco_id(const char *type, const char *props_json, char out[96]) {
  char u[37];
  ASH_TRY(ash_uuid5(SCO_NS, props_json, strlen(props_json), u));
  snprintf(out, 96, "%s--%s", type, u);
  return ASH_OK;
}

/* STIX pattern string literal: ' and \ escaped with a backslash (the
 * pattern grammar's StringLiteral); the result is then a JSON string. */
static int pattern_lit(ash_buf *o, const char *s) {
  ASH_TRY(ash_buf_addc(o, '\''));
  for (const char *p = s; *p; p++) {
    if (*p == '\'' || *p == '\\') ASH_TRY(ash_buf_addc(o, '\\'));
    ASH_TRY(ash_buf_addc(o, *p));
  }
  return ash_buf_addc(o, '\'');
}

static void tfmt(int64_t t, const char *dflt, char out[32]) {
  if (t == ASH_TIME_UNSET)
    snprintf(out, 32, "%s", dflt);
  else
    ash_time_format(t, out);
}

/* the technique ids of the findings an item cites */
static int item_attacks(const ex *e, const ash_watch_item *it, const char **ids, size_t max) {
  size_t n = 0;
  for (size_t c = 0; c < it->ncites; c++)
    for (size_t i = 0; i < e->nf; i++) {
      if (strcmp(e->f[i].id, it->cites[c])) continue;
      for (size_t a = 0; a < e->f[i].attack.n; a++) {
        const char *id = e->f[i].attack.v[a];
        if (!attack_id_ok(id)) continue;
        int dup = 0;
        for (size_t k = 0; k < n; k++) dup |= !strcmp(ids[k], id);
        if (!dup && n < max) ids[n++] = id;
      }
    }
  return (int)n;
}

typedef struct refs {
  char (*v)[96];
  size_t n, cap;
} refs;

static int refs_add(refs *r, const char *id) {
  for (size_t i = 0; i < r->n; i++)
    if (!strcmp(r->v[i], id)) return ASH_OK;
  char(*v)[96] = ash_array_room(r->v, &r->cap, r->n, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  r->v = v;
  snprintf(r->v[r->n++], 96, "%s", id);
  return ASH_OK;
}

static int obj_begin(ash_buf *o, int *first, const char *type, const char *id, const ex *e,
                     const char *creator) {
  ASH_TRY(ash_buf_adds(o, *first ? "\n  {" : ",\n  {"));
  *first = 0;
  ASH_TRY(ash_buf_printf(o, "\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\"", type, id));
  if (creator)
    ASH_TRY(ash_buf_printf(o, ",\"created_by_ref\":\"%s\",\"created\":\"%s\",\"modified\":\"%s\"",
                           creator, e->now, e->now));
  return ASH_OK;
}

static int relationship(ash_buf *o, int *first, const ex *e, const char *creator, refs *all,
                        const char *rtype, const char *src, const char *dst) {
  char key[256], id[96];
  snprintf(key, sizeof key, "%s|%s|%s", rtype, src, dst);
  ASH_TRY(sid(e, "relationship", key, id));
  ASH_TRY(obj_begin(o, first, "relationship", id, e, creator));
  ASH_TRY(ash_buf_printf(
      o, ",\"relationship_type\":\"%s\",\"source_ref\":\"%s\",\"target_ref\":\"%s\"}", rtype, src,
      dst));
  return refs_add(all, id);
}

static int stix(ex *e, ash_buf *o) {
  const ash_watchlist *w = e->w;
  char producer[96], org[96], bundle[96], id[96];
  ASH_TRY(sid(e, "identity", "producer", producer));
  ASH_TRY(sid(e, "identity", "organisation", org));
  ASH_TRY(sid(e, "bundle", e->key, bundle));
  refs all = {0}, aps = {0};
  int first = 1, rc = ASH_OK;
  rc = ash_buf_printf(o, "{\"type\":\"bundle\",\"id\":\"%s\",\"objects\":[", bundle);
  if (!rc) rc = obj_begin(o, &first, "identity", producer, e, NULL);
  if (!rc)
    rc = ash_buf_printf(o,
                        ",\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"ashiato\","
                        "\"identity_class\":\"system\",\"description\":\"ashiato, the "
                        "incident-response tool that produced this bundle\"}",
                        e->now, e->now);
  if (!rc) rc = refs_add(&all, producer);
  if (!rc) rc = obj_begin(o, &first, "identity", org, e, producer);
  if (!rc)
    rc = ash_buf_printf(o,
                        ",\"name\":\"the organisation of case %.12s\","
                        "\"identity_class\":\"organization\"}",
                        e->key);
  if (!rc) rc = refs_add(&all, org);
  /* attack patterns, once each */
  for (size_t i = 0; !rc && i < e->nf; i++)
    for (size_t a = 0; !rc && a < e->f[i].attack.n; a++) {
      const char *t = e->f[i].attack.v[a];
      if (!attack_id_ok(t)) continue;
      rc = sid(e, "attack-pattern", t, id);
      size_t before = aps.n;
      if (!rc) rc = refs_add(&aps, id);
      if (rc || aps.n == before) continue;
      const char *nm = attack_name(t);
      char url[96];
      if (strlen(t) == 9)
        snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%.5s/%s/", t, t + 6);
      else
        snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%s/", t);
      rc = obj_begin(o, &first, "attack-pattern", id, e, producer);
      if (!rc) rc = ash_buf_adds(o, ",\"name\":");
      if (!rc) rc = jstr(o, nm ? nm : t);
      if (!rc)
        rc = ash_buf_printf(o,
                            ",\"external_references\":[{\"source_name\":\"mitre-attack\","
                            "\"external_id\":\"%s\",\"url\":\"%s\"}]}",
                            t, url);
      if (!rc) rc = refs_add(&all, id);
    }
  /* one indicator, observable, observed-data, sighting and the thing it
   * indicates, per watchlist item that is an indicator of compromise */
  for (size_t i = 0; !rc && i < w->n; i++) {
    const ash_watch_item *it = &w->items[i];
    const char *sco_type = NULL, *what = NULL, *target_type = NULL;
    ash_buf pat, props;
    ash_buf_init(&pat, 8192);
    ash_buf_init(&props, 8192);
    char v[ASH_IP_STRLEN];
    const char *value = it->value;
    if (it->kind == ASH_WATCH_RELAY || it->kind == ASH_WATCH_VPN_SOURCE) {
      ash_ip ip;
      if (ash_ip_parse(ash_str_cstr(it->value), &ip)) goto next;
      ash_ip_format(&ip, v);
      value = v;
      sco_type = ip.fam == 6 ? "ipv6-addr" : "ipv4-addr";
      rc = ash_buf_printf(&pat, "[%s:value = ", sco_type);
      if (!rc) rc = pattern_lit(&pat, v);
      if (!rc) rc = ash_buf_addc(&pat, ']');
      if (!rc) rc = ash_buf_adds(&props, "{\"value\":");
      if (!rc) rc = jstr(&props, v);
      if (!rc) rc = ash_buf_addc(&props, '}');
      target_type = "infrastructure";
      what = it->kind == ASH_WATCH_RELAY ? "relay of the intruder's tunnel or beacon"
                                         : "address the intruder's VPN sessions came from";
    } else if (it->kind == ASH_WATCH_SHA256) {
      sco_type = "file";
      rc = ash_buf_adds(&pat, "[file:hashes.'SHA-256' = ");
      if (!rc) rc = pattern_lit(&pat, it->value);
      if (!rc) rc = ash_buf_addc(&pat, ']');
      if (!rc) rc = ash_buf_adds(&props, "{\"hashes\":{\"SHA-256\":");
      if (!rc) rc = jstr(&props, it->value);
      if (!rc) rc = ash_buf_adds(&props, "}}");
      target_type = "malware";
      what = "implant found by scan";
    } else if (it->kind == ASH_WATCH_FILE_NAME) {
      sco_type = "file";
      rc = ash_buf_adds(&pat, "[file:name = ");
      if (!rc) rc = pattern_lit(&pat, it->value);
      if (!rc) rc = ash_buf_addc(&pat, ']');
      if (!rc) rc = ash_buf_adds(&props, "{\"name\":");
      if (!rc) rc = jstr(&props, it->value);
      if (!rc) rc = ash_buf_addc(&props, '}');
      target_type = "malware";
      what = "file name of the intruder's program";
    } else {
      goto next;
    }
    char ind[96], sco[96], od[96], sg[96], tgt[96], t1[32], t2[32];
    tfmt(it->first_seen, e->now, t1);
    tfmt(it->last_seen, t1, t2);
    uint64_t cnt = it->count ? it->count : 1;
    if (cnt > 999999999) cnt = 999999999;
    char key[512];
    snprintf(key, sizeof key, "%s:%s", ash_watch_kind_name(it->kind), value);
    if (!rc) rc = sid(e, "indicator", key, ind);
    if (!rc) rc = sco_id(sco_type, props.p, sco);
    if (!rc) rc = sid(e, "observed-data", key, od);
    if (!rc) rc = sid(e, "sighting", key, sg);
    /* a file's hash and its name are the same program: one malware
     * object, keyed by the name when the scan gave the path */
    const char *tkey = key;
    char nk[512];
    if (it->kind == ASH_WATCH_SHA256 && it->note[0]) {
      const char *b = it->note;
      for (const char *p = it->note; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
      snprintf(nk, sizeof nk, "file_name:%s", b);
      tkey = nk;
    }
    if (!rc) rc = sid(e, target_type, tkey, tgt);
    /* the observable, once (an address can be a relay and a VPN source) */
    size_t had = all.n;
    if (!rc) rc = refs_add(&all, sco);
    if (!rc && all.n > had) {
      rc = ash_buf_adds(o, ",\n  ");
      if (!rc) rc = ash_buf_add(o, props.p, props.n - 1); /* without its '}' */
      if (!rc)
        rc = ash_buf_printf(o, ",\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\"}", sco_type,
                            sco);
    }
    /* the indicator */
    if (!rc) rc = obj_begin(o, &first, "indicator", ind, e, producer);
    if (!rc) rc = ash_buf_adds(o, ",\"name\":");
    if (!rc) {
      char nm[600];
      snprintf(nm, sizeof nm, "%s: %s", what, value);
      rc = jstr(o, nm);
    }
    if (!rc) rc = ash_buf_adds(o, ",\"indicator_types\":[\"malicious-activity\"],\"pattern\":");
    if (!rc) rc = jstr(o, pat.p);
    if (!rc)
      rc = ash_buf_printf(
          o, ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\",\"valid_from\":\"%s\"", t1);
    if (!rc && it->note[0]) {
      rc = ash_buf_adds(o, ",\"description\":");
      if (!rc) rc = jstr(o, it->note);
    }
    if (!rc) rc = ash_buf_addc(o, '}');
    if (!rc) rc = refs_add(&all, ind);
    /* what it saw: observed-data and a sighting, with the counts */
    if (!rc) rc = obj_begin(o, &first, "observed-data", od, e, producer);
    if (!rc)
      rc = ash_buf_printf(o,
                          ",\"first_observed\":\"%s\",\"last_observed\":\"%s\","
                          "\"number_observed\":%llu,\"object_refs\":[\"%s\"]}",
                          t1, t2, (unsigned long long)cnt, sco);
    if (!rc) rc = refs_add(&all, od);
    if (!rc) rc = obj_begin(o, &first, "sighting", sg, e, producer);
    if (!rc)
      rc = ash_buf_printf(o,
                          ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"count\":%llu,"
                          "\"sighting_of_ref\":\"%s\",\"observed_data_refs\":[\"%s\"],"
                          "\"where_sighted_refs\":[\"%s\"]}",
                          t1, t2, (unsigned long long)cnt, ind, od, org);
    if (!rc) rc = refs_add(&all, sg);
    /* the infrastructure or malware it indicates, once */
    size_t before = all.n;
    if (!rc) rc = refs_add(&all, tgt);
    if (!rc && all.n > before) {
      rc = obj_begin(o, &first, target_type, tgt, e, producer);
      if (!rc) rc = ash_buf_adds(o, ",\"name\":");
      if (!rc) rc = jstr(o, tkey + strcspn(tkey, ":") + 1);
      if (!rc && !strcmp(target_type, "malware"))
        rc = ash_buf_adds(o, ",\"is_family\":false,\"malware_types\":[\"unknown\"]}");
      else if (!rc)
        rc = ash_buf_printf(o, ",\"infrastructure_types\":[\"%s\"]}",
                            it->kind == ASH_WATCH_RELAY ? "command-and-control" : "anonymization");
    }
    if (!rc) rc = relationship(o, &first, e, producer, &all, "indicates", ind, tgt);
    if (!rc && !strcmp(target_type, "infrastructure"))
      rc = relationship(o, &first, e, producer, &all, "consists-of", tgt, sco);
    const char *ids[16];
    int na = item_attacks(e, it, ids, 16);
    for (int a = 0; !rc && a < na; a++) {
      char ap[96];
      rc = sid(e, "attack-pattern", ids[a], ap);
      if (!rc) rc = relationship(o, &first, e, producer, &all, "indicates", ind, ap);
    }
  next:
    ash_buf_free(&pat);
    ash_buf_free(&props);
  }
  /* the report that ties them together */
  char rep[96];
  if (!rc) rc = sid(e, "report", e->key, rep);
  if (!rc) rc = obj_begin(o, &first, "report", rep, e, producer);
  if (!rc)
    rc = ash_buf_printf(o,
                        ",\"name\":\"ashiato: the intrusion in case %.12s\",\"published\":\"%s\","
                        "\"report_types\":[\"threat-report\"],\"description\":\"Indicators of "
                        "the intrusion that ashiato's hunts found in the case (%zu findings at "
                        "high severity or above), with where and how often each was seen.\","
                        "\"object_refs\":[",
                        e->key, e->now, e->nf);
  for (size_t i = 0; !rc && i < all.n; i++)
    rc = ash_buf_printf(o, "%s\"%s\"", i ? "," : "", all.v[i]);
  if (!rc) rc = ash_buf_adds(o, "]}\n]}\n");
  free(all.v);
  free(aps.v);
  return rc;
}

/* ---- MISP */

static int misp(ex *e, ash_buf *o) {
  const ash_watchlist *w = e->w;
  char ev[37], day[32];
  char name[128];
  snprintf(name, sizeof name, "event:%s", e->key);
  ASH_TRY(ash_uuid5(e->ns, name, strlen(name), ev));
  snprintf(day, sizeof day, "%.10s", e->now);
  int64_t latest = w->latest != ASH_TIME_UNSET ? w->latest : 0;
  long long epoch = (long long)(latest / ASH_SEC);
  /* high (1) when the case holds a finding the plan acts on, else low (3) */
  ASH_TRY(ash_buf_printf(o,
                         "{\"Event\":{\"uuid\":\"%s\",\"info\":\"ashiato: the intrusion in case "
                         "%.12s\",\"date\":\"%s\",\"threat_level_id\":\"%d\",\"analysis\":\"1\","
                         "\"distribution\":\"0\",\"published\":false,\"timestamp\":\"%lld\","
                         "\"Attribute\":[",
                         ev, e->key, day, e->nf ? 1 : 3, epoch));
  int first = 1;
  for (size_t i = 0; i < w->n; i++) {
    const ash_watch_item *it = &w->items[i];
    const char *type, *cat;
    int ids = 1;
    switch (it->kind) {
    case ASH_WATCH_RELAY: type = "ip-dst", cat = "Network activity"; break;
    case ASH_WATCH_VPN_SOURCE: type = "ip-src", cat = "Network activity"; break;
    case ASH_WATCH_SHA256: type = "sha256", cat = "Payload installation"; break;
    case ASH_WATCH_FILE_NAME: type = "filename", cat = "Artifacts dropped"; break;
    case ASH_WATCH_ACCOUNT:
    case ASH_WATCH_ADMIN:
      /* the victim's own accounts: context for the partner, never an
       * indicator to alert on elsewhere */
      type = "target-user", cat = "Targeting data", ids = 0;
      break;
    default: continue;
    }
    char u[37], key[512];
    snprintf(key, sizeof key, "attribute:%s:%s", ash_watch_kind_name(it->kind), it->value);
    ASH_TRY(ash_uuid5(e->ns, key, strlen(key), u));
    ASH_TRY(ash_buf_printf(
        o, "%s\n {\"uuid\":\"%s\",\"type\":\"%s\",\"category\":\"%s\",\"value\":", first ? "" : ",",
        u, type, cat));
    first = 0;
    ASH_TRY(jstr(o, it->value));
    ASH_TRY(ash_buf_printf(o, ",\"to_ids\":%s,\"distribution\":\"5\",\"timestamp\":\"%lld\"",
                           ids ? "true" : "false", epoch));
    char t[32];
    if (it->first_seen != ASH_TIME_UNSET) {
      ash_time_format(it->first_seen, t);
      ASH_TRY(ash_buf_printf(o, ",\"first_seen\":\"%s\"", t));
    }
    if (it->last_seen != ASH_TIME_UNSET) {
      ash_time_format(it->last_seen, t);
      ASH_TRY(ash_buf_printf(o, ",\"last_seen\":\"%s\"", t));
    }
    ash_buf cm;
    ash_buf_init(&cm, 4096);
    int rc = ash_buf_printf(&cm, "%s, seen %llu time(s); findings", ash_watch_kind_name(it->kind),
                            (unsigned long long)it->count);
    for (size_t c = 0; !rc && c < it->ncites; c++) rc = ash_buf_printf(&cm, " %s", it->cites[c]);
    if (!rc && it->note[0]) rc = ash_buf_printf(&cm, "; %s", it->note);
    if (!rc) rc = ash_buf_adds(o, ",\"comment\":");
    if (!rc) rc = jstr(o, cm.p);
    ash_buf_free(&cm);
    ASH_TRY(rc);
    ASH_TRY(ash_buf_addc(o, '}'));
  }
  ASH_TRY(ash_buf_adds(o, "],\n\"Tag\":[{\"name\":\"tlp:amber\"}"));
  /* ATT&CK as MISP's galaxy tags: misp-galaxy:mitre-attack-pattern="Name - Txxxx" */
  const char *seen[256];
  size_t nseen = 0;
  for (size_t i = 0; i < e->nf; i++)
    for (size_t a = 0; a < e->f[i].attack.n && nseen < 256; a++) {
      const char *t = e->f[i].attack.v[a];
      if (!attack_id_ok(t)) continue;
      int dup = 0;
      for (size_t k = 0; k < nseen; k++) dup |= !strcmp(seen[k], t);
      if (dup) continue;
      seen[nseen++] = t;
      const char *nm = attack_name(t);
      char tag[256];
      if (nm)
        snprintf(tag, sizeof tag, "misp-galaxy:mitre-attack-pattern=\"%s - %s\"", nm, t);
      else
        snprintf(tag, sizeof tag, "misp-galaxy:mitre-attack-pattern=\"%s\"", t);
      ASH_TRY(ash_buf_adds(o, ",{\"name\":"));
      ASH_TRY(jstr(o, tag));
      ASH_TRY(ash_buf_addc(o, '}'));
    }
  return ash_buf_adds(o, "]}}\n");
}

/* ---- CSV */

static int cell(ash_buf *o, const char *s, int last) {
  ASH_TRY(ash_csv_cell(o, s, strlen(s)));
  return ash_buf_adds(o, last ? "\r\n" : ",");
}

static int csv(ex *e, ash_buf *o) {
  const ash_watchlist *w = e->w;
  ASH_TRY(ash_buf_adds(o, "type,value,role,first_seen,last_seen,count,findings,note\r\n"));
  for (size_t i = 0; i < w->n; i++) {
    const ash_watch_item *it = &w->items[i];
    const char *type;
    switch (it->kind) {
    case ASH_WATCH_RELAY:
    case ASH_WATCH_VPN_SOURCE: {
      ash_ip ip;
      type = ash_ip_parse(ash_str_cstr(it->value), &ip) ? "ip" : ip.fam == 6 ? "ipv6" : "ipv4";
      break;
    }
    case ASH_WATCH_SHA256: type = "sha256"; break;
    case ASH_WATCH_FILE_NAME: type = "filename"; break;
    case ASH_WATCH_ACCOUNT:
    case ASH_WATCH_ADMIN: type = "account"; break;
    case ASH_WATCH_LOOPBACK_HOST: type = "host"; break;
    default: continue;
    }
    char t1[32] = "", t2[32] = "", n[24];
    if (it->first_seen != ASH_TIME_UNSET) ash_time_format(it->first_seen, t1);
    if (it->last_seen != ASH_TIME_UNSET) ash_time_format(it->last_seen, t2);
    snprintf(n, sizeof n, "%llu", (unsigned long long)it->count);
    ash_buf ids;
    ash_buf_init(&ids, 4096);
    int rc = ash_buf_adds(&ids, "");
    for (size_t c = 0; !rc && c < it->ncites; c++)
      rc = ash_buf_printf(&ids, "%s%s", c ? " " : "", it->cites[c]);
    if (!rc) rc = cell(o, type, 0);
    if (!rc) rc = cell(o, it->value, 0);
    if (!rc) rc = cell(o, ash_watch_kind_name(it->kind), 0);
    if (!rc) rc = cell(o, t1, 0);
    if (!rc) rc = cell(o, t2, 0);
    if (!rc) rc = cell(o, n, 0);
    if (!rc) rc = cell(o, ids.p ? ids.p : "", 0);
    if (!rc) rc = cell(o, it->note, 1);
    ash_buf_free(&ids);
    ASH_TRY(rc);
  }
  return ASH_OK;
}

int ash_export(ash_store *s, ash_export_format f, ash_buf *out) {
  if (!s || !out) return ASH_EUSAGE;
  ex e;
  int rc = ex_open(&e, s);
  if (!rc) {
    switch (f) {
    case ASH_EXPORT_STIX: rc = stix(&e, out); break;
    case ASH_EXPORT_MISP: rc = misp(&e, out); break;
    case ASH_EXPORT_CSV: rc = csv(&e, out); break;
    default: rc = ASH_EUSAGE;
    }
  }
  ex_close(&e);
  return rc;
}
