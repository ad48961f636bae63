/* Findings: the one type every hunt produces. See include/ashiato/finding.h. */
#include "ashiato/finding.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"
#include "ashiato/time.h"

static const char *const SEV[] = {"low", "medium", "high", "critical"};

const char *ash_severity_name(ash_severity s) {
  return (unsigned)s < sizeof SEV / sizeof SEV[0] ? SEV[s] : "low";
}

int ash_severity_parse(const char *name, ash_severity *out) {
  for (unsigned i = 0; i < sizeof SEV / sizeof SEV[0]; i++)
    if (name && !strcasecmp(name, SEV[i])) {
      *out = (ash_severity)i;
      return ASH_OK;
    }
  return ASH_EFORMAT;
}

ash_severity ash_severity_of_score(int score) {
  if (score >= 90) return ASH_SEV_CRITICAL;
  if (score >= 65) return ASH_SEV_HIGH;
  if (score >= 40) return ASH_SEV_MEDIUM;
  return ASH_SEV_LOW;
}

/* Length of s cut to at most max bytes without splitting a UTF-8
 * sequence, so that a cut text stays valid where it was valid. */
static size_t cut_len(const char *s, size_t n, size_t max) {
  if (n <= max) return n;
  size_t k = max;
  while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  return k;
}

static char *dup_cut(const char *s, size_t n) {
  if (!s) n = 0;
  n = cut_len(s, n, ASH_MAX_FINDING_TEXT);
  char *d = malloc(n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = 0;
  return d;
}

static void strset_free(ash_strset *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* Add (copied) unless an equal string is there. Entity lists are short
 * (capped), so a linear search keeps this simple. */
static int strset_add(ash_strset *s, const char *p, size_t n) {
  if (!n) return ASH_OK;
  n = cut_len(p, n, ASH_MAX_SCAN_NAME * 4);
  for (size_t i = 0; i < s->n; i++)
    if (strlen(s->v[i]) == n && !memcmp(s->v[i], p, n)) return ASH_OK;
  if (s->n >= ASH_MAX_FINDING_ENTITIES) {
    s->dropped++;
    return ASH_OK;
  }
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4;
    char **v = realloc(s->v, cap * sizeof *v);
    if (!v) return ASH_ENOMEM;
    s->v = v;
    s->cap = cap;
  }
  char *d = dup_cut(p, n);
  if (!d) return ASH_ENOMEM;
  s->v[s->n++] = d;
  return ASH_OK;
}

int ash_finding_init(ash_finding *f, const char *hunt) {
  memset(f, 0, sizeof *f);
  f->first_seen = f->last_seen = ASH_TIME_UNSET;
  f->hunt = dup_cut(hunt ? hunt : "", hunt ? strlen(hunt) : 0);
  if (!f->hunt) return ASH_ENOMEM;
  ash_finding_set_id(f, "", 0);
  return ASH_OK;
}

void ash_finding_free(ash_finding *f) {
  if (!f) return;
  free(f->hunt);
  free(f->title);
  free(f->summary);
  free(f->details_json);
  free(f->title_msg);
  free(f->summary_msg);
  strset_free(&f->attack);
  strset_free(&f->accounts);
  strset_free(&f->hosts);
  strset_free(&f->ips);
  strset_free(&f->files);
  for (size_t i = 0; i < f->nevidence; i++) {
    free(f->evidence[i].kind);
    free(f->evidence[i].text);
    free(f->evidence[i].source_path);
  }
  free(f->evidence);
  memset(f, 0, sizeof *f);
  f->first_seen = f->last_seen = ASH_TIME_UNSET;
}

void ash_finding_set_id(ash_finding *f, const void *key, size_t n) {
  /* hash hunt NUL key: the same key in two hunts gives two ids */
  size_t hl = f->hunt ? strlen(f->hunt) : 0;
  char hex[65];
  /* hunts' keys are short: on the stack, so that the id never depends on
   * whether an allocation succeeded (a longer key falls back to hashing
   * the key alone only when memory is out) */
  uint8_t small[1024];
  uint8_t *tmp = hl + 1 + n <= sizeof small ? small : malloc(hl + 1 + n);
  if (tmp) {
    if (hl) memcpy(tmp, f->hunt, hl);
    tmp[hl] = 0;
    if (n) memcpy(tmp + hl + 1, key, n);
    ash_sha256_hex(tmp, hl + 1 + n, hex);
    if (tmp != small) free(tmp);
  } else {
    ash_sha256_hex(key, n, hex);
  }
  /* the hunt name is ours (static, short), never log text */
  int hn = (int)(hl > 24 ? 24 : hl);
  snprintf(f->id, sizeof f->id, "%.*s-%.16s", hn, f->hunt ? f->hunt : "", hex);
}

void ash_finding_set_score(ash_finding *f, int score) {
  if (score < 0) score = 0;
  if (score > 100) score = 100;
  f->score = score;
  f->severity = ash_severity_of_score(score);
}

static int set_text(char **dst, const char *s, size_t n) {
  char *d = dup_cut(s, n);
  if (!d) return ASH_ENOMEM;
  free(*dst);
  *dst = d;
  return ASH_OK;
}

int ash_finding_set_title(ash_finding *f, const char *s, size_t n) {
  return set_text(&f->title, s, n);
}
int ash_finding_set_summary(ash_finding *f, const char *s, size_t n) {
  return set_text(&f->summary, s, n);
}
int ash_finding_set_details(ash_finding *f, const char *json, size_t n) {
  if (!json || !n || json[0] != '{') return ASH_EUSAGE;
  /* details are machine-made JSON: never cut them (a cut object is not
   * JSON), refuse oversized ones instead */
  if (n > ASH_MAX_FINDING_TEXT * 4) return ASH_ELIMIT;
  char *d = malloc(n + 1);
  if (!d) return ASH_ENOMEM;
  memcpy(d, json, n);
  d[n] = 0;
  free(f->details_json);
  f->details_json = d;
  return ASH_OK;
}

static int dup_json(char **out, const char *js, size_t n, char first) {
  *out = NULL;
  if (!js) return ASH_OK;
  if (!n || js[0] != first) return ASH_EUSAGE;
  if (n > ASH_MAX_FINDING_TEXT * 4) return ASH_ELIMIT;
  char *d = malloc(n + 1);
  if (!d) return ASH_ENOMEM;
  memcpy(d, js, n);
  d[n] = 0;
  *out = d;
  return ASH_OK;
}

int ash_finding_set_msgs(ash_finding *f, const char *title_json, size_t tn,
                         const char *summary_json, size_t sn) {
  char *t, *s;
  int rc = dup_json(&t, title_json, tn, '[');
  if (rc) return rc;
  if ((rc = dup_json(&s, summary_json, sn, '['))) {
    free(t);
    return rc;
  }
  free(f->title_msg);
  free(f->summary_msg);
  f->title_msg = t;
  f->summary_msg = s;
  return ASH_OK;
}

int ash_finding_add_attack(ash_finding *f, const char *technique) {
  return strset_add(&f->attack, technique, technique ? strlen(technique) : 0);
}

static void trim(ash_str *s) {
  while (s->n && isspace((unsigned char)s->p[0])) s->p++, s->n--;
  while (s->n && isspace((unsigned char)s->p[s->n - 1])) s->n--;
}

int ash_finding_add_account(ash_finding *f, ash_str name) {
  trim(&name);
  const char *bs = name.n ? memchr(name.p, '\\', name.n) : NULL;
  if (bs) {
    size_t skip = (size_t)(bs - name.p) + 1;
    name.p += skip;
    name.n -= skip;
  }
  const char *at = name.n ? memchr(name.p, '@', name.n) : NULL;
  if (at) name.n = (size_t)(at - name.p);
  return strset_add(&f->accounts, name.p, name.n);
}

int ash_finding_add_host(ash_finding *f, ash_str name) {
  trim(&name);
  ash_ip ip;
  if (name.n && ash_ip_parse(name, &ip) == ASH_OK) return ash_finding_add_ip(f, &ip);
  const char *dot = name.n ? memchr(name.p, '.', name.n) : NULL;
  if (dot) name.n = (size_t)(dot - name.p);
  if (!name.n || name.n > ASH_MAX_SCAN_NAME)
    return name.n ? strset_add(&f->hosts, name.p, name.n) : 0;
  char low[ASH_MAX_SCAN_NAME];
  for (size_t i = 0; i < name.n; i++) low[i] = (char)tolower((unsigned char)name.p[i]);
  return strset_add(&f->hosts, low, name.n);
}

int ash_finding_add_ip(ash_finding *f, const ash_ip *ip) {
  if (!ip || !ash_ip_isset(ip)) return ASH_OK;
  char t[ASH_IP_STRLEN];
  ash_ip_format(ip, t);
  return strset_add(&f->ips, t, strlen(t));
}

int ash_finding_add_file(ash_finding *f, ash_str path) {
  return strset_add(&f->files, path.p, path.n);
}

int ash_finding_add_evidence(ash_finding *f, const ash_evidence *e) {
  if (f->nevidence >= ASH_MAX_FINDING_EVIDENCE) {
    f->evidence_dropped++;
    return ASH_OK;
  }
  ash_evidence *v = ash_array_room(f->evidence, &f->evidence_cap, f->nevidence, sizeof *v, 8);
  if (!v) return ASH_ENOMEM;
  f->evidence = v;
  ash_evidence d = *e;
  d.kind = dup_cut(e->kind, e->kind ? strlen(e->kind) : 0);
  d.text = dup_cut(e->text, e->text ? strlen(e->text) : 0);
  d.source_path = e->source_path ? dup_cut(e->source_path, strlen(e->source_path)) : NULL;
  if (!d.kind || !d.text || (e->source_path && !d.source_path)) {
    free(d.kind);
    free(d.text);
    free(d.source_path);
    return ASH_ENOMEM;
  }
  f->evidence[f->nevidence++] = d;
  return ASH_OK;
}

void ash_finding_see(ash_finding *f, int64_t ts) {
  if (ts == ASH_TIME_UNSET) return;
  if (f->first_seen == ASH_TIME_UNSET || ts < f->first_seen) f->first_seen = ts;
  if (f->last_seen == ASH_TIME_UNSET || ts > f->last_seen) f->last_seen = ts;
}

/* ---- JSON ---- */

static int json_kstr(ash_buf *o, const char *key, const char *v, int comma) {
  int rc = ash_buf_printf(o, "%s\"%s\":\"", comma ? "," : "", key);
  if (!rc) rc = ash_buf_add_json_str(o, v ? v : "", v ? strlen(v) : 0);
  if (!rc) rc = ash_buf_addc(o, '"');
  return rc;
}

static int json_list(ash_buf *o, const char *key, const ash_strset *s, int comma) {
  int rc = ash_buf_printf(o, "%s\"%s\":[", comma ? "," : "", key);
  for (size_t i = 0; !rc && i < s->n; i++) {
    if (i) rc = ash_buf_addc(o, ',');
    if (!rc) rc = ash_buf_addc(o, '"');
    if (!rc) rc = ash_buf_add_json_str(o, s->v[i], strlen(s->v[i]));
    if (!rc) rc = ash_buf_addc(o, '"');
  }
  if (!rc) rc = ash_buf_addc(o, ']');
  return rc;
}

static int json_time(ash_buf *o, const char *key, int64_t t) {
  if (t == ASH_TIME_UNSET) return ASH_OK;
  char b[32];
  ash_time_format(t, b);
  return ash_buf_printf(o, ",\"%s\":\"%s\"", key, b);
}

int ash_finding_to_json(const ash_finding *f, ash_buf *o) {
  int rc = ash_buf_addc(o, '{');
  if (!rc) rc = json_kstr(o, "id", f->id, 0);
  if (!rc) rc = json_kstr(o, "hunt", f->hunt, 1);
  if (!rc)
    rc = ash_buf_printf(o, ",\"score\":%d,\"severity\":\"%s\"", f->score,
                        ash_severity_name(f->severity));
  if (!rc && f->incident[0]) rc = json_kstr(o, "incident", f->incident, 1);
  if (!rc) rc = json_kstr(o, "title", f->title, 1);
  if (!rc) rc = json_kstr(o, "summary", f->summary, 1);
  if (!rc) rc = json_list(o, "attack", &f->attack, 1);
  if (!rc) rc = ash_buf_adds(o, ",\"entities\":{");
  if (!rc) rc = json_list(o, "accounts", &f->accounts, 0);
  if (!rc) rc = json_list(o, "hosts", &f->hosts, 1);
  if (!rc) rc = json_list(o, "ips", &f->ips, 1);
  if (!rc) rc = json_list(o, "files", &f->files, 1);
  if (!rc) rc = ash_buf_addc(o, '}');
  if (!rc) rc = json_time(o, "first_seen", f->first_seen);
  if (!rc) rc = json_time(o, "last_seen", f->last_seen);
  if (!rc) rc = ash_buf_adds(o, ",\"evidence\":[");
  for (size_t i = 0; !rc && i < f->nevidence; i++) {
    const ash_evidence *e = &f->evidence[i];
    rc = ash_buf_adds(o, i ? ",{" : "{");
    int comma = 0;
    if (!rc && e->ts != ASH_TIME_UNSET) {
      char b[32];
      ash_time_format(e->ts, b);
      rc = ash_buf_printf(o, "\"ts\":\"%s\"", b);
      comma = 1;
    }
    if (!rc) rc = json_kstr(o, "kind", e->kind, comma);
    if (!rc) rc = json_kstr(o, "text", e->text, 1);
    if (!rc && e->source_path) {
      rc = ash_buf_adds(o, ",\"source\":{");
      if (!rc) rc = json_kstr(o, "path", e->source_path, 0);
      if (!rc && e->ref_kind == ASH_REF_OFFSET)
        rc = ash_buf_printf(o, ",\"offset\":%llu", (unsigned long long)e->ref);
      else if (!rc && e->ref_kind == ASH_REF_RECORD)
        rc = ash_buf_printf(o, ",\"record\":%llu", (unsigned long long)e->ref);
      if (!rc) rc = ash_buf_addc(o, '}');
    }
    if (!rc) rc = ash_buf_addc(o, '}');
  }
  if (!rc) rc = ash_buf_addc(o, ']');
  if (!rc && f->evidence_dropped)
    rc = ash_buf_printf(o, ",\"evidence_dropped\":%llu", (unsigned long long)f->evidence_dropped);
  if (!rc && f->details_json) {
    rc = ash_buf_adds(o, ",\"details\":");
    if (!rc) rc = ash_buf_adds(o, f->details_json);
  }
  if (!rc && f->title_msg) rc = ash_buf_adds(o, ",\"title_msg\":");
  if (!rc && f->title_msg) rc = ash_buf_adds(o, f->title_msg);
  if (!rc && f->summary_msg) rc = ash_buf_adds(o, ",\"summary_msg\":");
  if (!rc && f->summary_msg) rc = ash_buf_adds(o, f->summary_msg);
  if (!rc) rc = ash_buf_addc(o, '}');
  return rc;
}

static const char *jstr(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t jtime(json_t *o, const char *key) {
  const char *s = jstr(o, key);
  int64_t t;
  if (s && ash_time_parse_iso(ash_str_cstr(s), &t) == ASH_OK) return t;
  return ASH_TIME_UNSET;
}

static int jlist(json_t *o, const char *key, ash_strset *s) {
  json_t *a = json_object_get(o, key);
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v)) continue;
    int rc = strset_add(s, json_string_value(v), json_string_length(v));
    if (rc) return rc;
  }
  return ASH_OK;
}

int ash_finding_from_json(ash_finding *f, const char *js, size_t n) {
  json_error_t err;
  json_t *o = json_loadb(js, n, JSON_REJECT_DUPLICATES, &err);
  if (!o || !json_is_object(o)) {
    json_decref(o);
    memset(f, 0, sizeof *f);
    return ASH_EFORMAT;
  }
  int rc = ash_finding_init(f, jstr(o, "hunt"));
  const char *id = jstr(o, "id");
  if (!rc && id) snprintf(f->id, sizeof f->id, "%s", id);
  const char *inc = jstr(o, "incident");
  if (!rc && inc) snprintf(f->incident, sizeof f->incident, "%s", inc);
  json_t *sc = json_object_get(o, "score");
  if (!rc) ash_finding_set_score(f, json_is_integer(sc) ? (int)json_integer_value(sc) : 0);
  const char *t = jstr(o, "title"), *s = jstr(o, "summary");
  if (!rc && t) rc = ash_finding_set_title(f, t, strlen(t));
  if (!rc && s) rc = ash_finding_set_summary(f, s, strlen(s));
  if (!rc) rc = jlist(o, "attack", &f->attack);
  json_t *ent = json_object_get(o, "entities");
  if (!rc) rc = jlist(ent, "accounts", &f->accounts);
  if (!rc) rc = jlist(ent, "hosts", &f->hosts);
  if (!rc) rc = jlist(ent, "ips", &f->ips);
  if (!rc) rc = jlist(ent, "files", &f->files);
  f->first_seen = jtime(o, "first_seen");
  f->last_seen = jtime(o, "last_seen");
  json_t *ev = json_object_get(o, "evidence"), *e;
  size_t i;
  json_array_foreach(ev, i, e) {
    if (rc) break;
    ash_evidence x = {jtime(e, "ts"), (char *)jstr(e, "kind"), (char *)jstr(e, "text"), NULL, 0,
                      ASH_REF_NONE};
    json_t *src = json_object_get(e, "source");
    if (json_is_object(src)) {
      x.source_path = (char *)jstr(src, "path");
      json_t *off = json_object_get(src, "offset"), *rec = json_object_get(src, "record");
      if (json_is_integer(off)) {
        x.ref = (uint64_t)json_integer_value(off);
        x.ref_kind = ASH_REF_OFFSET;
      } else if (json_is_integer(rec)) {
        x.ref = (uint64_t)json_integer_value(rec);
        x.ref_kind = ASH_REF_RECORD;
      }
    }
    rc = ash_finding_add_evidence(f, &x);
  }
  json_t *dr = json_object_get(o, "evidence_dropped");
  if (json_is_integer(dr)) f->evidence_dropped = (uint64_t)json_integer_value(dr);
  json_t *det = json_object_get(o, "details");
  if (!rc && json_is_object(det)) {
    char *d = json_dumps(det, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!d) rc = ASH_ENOMEM;
    if (!rc) rc = ash_finding_set_details(f, d, strlen(d));
    free(d);
  }
  json_t *tm = json_object_get(o, "title_msg"), *sm = json_object_get(o, "summary_msg");
  if (!rc && (json_is_array(tm) || json_is_array(sm))) {
    char *a = json_is_array(tm) ? json_dumps(tm, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *b = json_is_array(sm) ? json_dumps(sm, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if ((json_is_array(tm) && !a) || (json_is_array(sm) && !b)) rc = ASH_ENOMEM;
    if (!rc) rc = ash_finding_set_msgs(f, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
    free(a);
    free(b);
  }
  json_decref(o);
  if (rc) ash_finding_free(f);
  return rc;
}

int ash_finding_cmp(const void *a, const void *b) {
  const ash_finding *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  if (x->first_seen != y->first_seen) return x->first_seen < y->first_seen ? -1 : 1;
  return strcmp(x->id, y->id);
}

static char *dup_or_null(const char *s, int *bad) {
  if (!s) return NULL;
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  if (!d) {
    *bad = 1;
    return NULL;
  }
  memcpy(d, s, n + 1);
  return d;
}

static void strset_copy(ash_strset *d, const ash_strset *s, int *bad) {
  memset(d, 0, sizeof *d);
  d->dropped = s->dropped;
  if (!s->n) return;
  d->v = calloc(s->n, sizeof *d->v);
  if (!d->v) {
    *bad = 1;
    return;
  }
  d->cap = s->n;
  for (size_t i = 0; i < s->n && !*bad; i++) {
    d->v[i] = dup_or_null(s->v[i], bad);
    if (d->v[i]) d->n++;
  }
}

int ash_finding_copy(ash_finding *dst, const ash_finding *src) {
  int bad = 0;
  *dst = *src;
  /* nothing of src is shared: every owned pointer is replaced */
  dst->hunt = dup_or_null(src->hunt, &bad);
  dst->title = dup_or_null(src->title, &bad);
  dst->summary = dup_or_null(src->summary, &bad);
  dst->details_json = dup_or_null(src->details_json, &bad);
  dst->title_msg = dup_or_null(src->title_msg, &bad);
  dst->summary_msg = dup_or_null(src->summary_msg, &bad);
  strset_copy(&dst->attack, &src->attack, &bad);
  strset_copy(&dst->accounts, &src->accounts, &bad);
  strset_copy(&dst->hosts, &src->hosts, &bad);
  strset_copy(&dst->ips, &src->ips, &bad);
  strset_copy(&dst->files, &src->files, &bad);
  dst->evidence = NULL;
  dst->nevidence = dst->evidence_cap = 0;
  if (src->nevidence && !bad) {
    dst->evidence = calloc(src->nevidence, sizeof *dst->evidence);
    if (!dst->evidence)
      bad = 1;
    else
      dst->evidence_cap = src->nevidence;
  }
  for (size_t i = 0; dst->evidence && i < src->nevidence && !bad; i++) {
    ash_evidence *d = &dst->evidence[i];
    const ash_evidence *e = &src->evidence[i];
    *d = *e;
    d->kind = dup_or_null(e->kind, &bad);
    d->text = dup_or_null(e->text, &bad);
    d->source_path = dup_or_null(e->source_path, &bad);
    dst->nevidence++;
  }
  if (bad) {
    ash_finding_free(dst);
    return ASH_ENOMEM;
  }
  return ASH_OK;
}
