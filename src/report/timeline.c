/* The timeline's rows (include/ashiato/timeline.h). */
#include "ashiato/timeline.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"

int ash_timeline_format_parse(const char *name, ash_timeline_format *out) {
  if (!strcmp(name, "csv"))
    *out = ASH_TL_CSV;
  else if (!strcmp(name, "jsonl") || !strcmp(name, "json"))
    *out = ASH_TL_JSONL;
  else if (!strcmp(name, "timesketch"))
    *out = ASH_TL_TIMESKETCH;
  else
    return ASH_EFORMAT;
  return ASH_OK;
}

/* ---- summary ---- */

static int add_str(ash_buf *b, ash_str s) { return ash_buf_add(b, s.p, s.n); }

static int add_account(ash_buf *b, const ash_event *ev) {
  int rc = ASH_OK;
  if (ev->domain.n) {
    rc = add_str(b, ev->domain);
    if (!rc) rc = ash_buf_addc(b, '\\');
  }
  return rc ? rc : add_str(b, ev->user);
}

static int add_ip_port(ash_buf *b, const ash_ip *ip, int32_t port) {
  char t[ASH_IP_STRLEN];
  ash_ip_format(ip, t);
  int rc = ash_buf_adds(b, ip->fam == 6 && port >= 0 ? "[" : "");
  if (!rc) rc = ash_buf_adds(b, t);
  if (!rc && ip->fam == 6 && port >= 0) rc = ash_buf_addc(b, ']');
  if (!rc && port >= 0) rc = ash_buf_printf(b, ":%d", port);
  return rc;
}

static int add_bytes(ash_buf *b, const char *what, int64_t n) {
  if (n == ASH_UNSET) return ASH_OK;
  if (n >= 1000000) return ash_buf_printf(b, ", %.1f MB %s", (double)n / 1e6, what);
  if (n >= 1000) return ash_buf_printf(b, ", %.1f kB %s", (double)n / 1e3, what);
  return ash_buf_printf(b, ", %" PRId64 " B %s", n, what);
}

static int has_prefix(const char *kind, const char *p) { return !strncmp(kind, p, strlen(p)); }

int ash_event_summary(const ash_event *ev, ash_buf *out) {
  const char *k = ev->kind ? ev->kind : ASH_KIND_LOG;
  int rc = ASH_OK;
  if (!strcmp(k, ASH_KIND_FLOW) || !strcmp(k, ASH_KIND_FLOW_DENY) || !strcmp(k, ASH_KIND_PROXY) ||
      !strcmp(k, ASH_KIND_WEB) || !strcmp(k, ASH_KIND_WIN_NETCONN)) {
    if (!strcmp(k, ASH_KIND_FLOW_DENY)) rc = ash_buf_adds(out, "denied ");
    if (!rc && ev->process.n) {
      rc = add_str(out, ev->process);
      if (!rc) rc = ash_buf_adds(out, ": ");
    }
    if (!rc) rc = add_ip_port(out, &ev->src_ip, ev->src_port);
    if (!rc) rc = ash_buf_adds(out, " -> ");
    if (!rc && (ev->dst_ip.fam || ev->dst_port >= 0))
      rc = add_ip_port(out, &ev->dst_ip, ev->dst_port);
    if (!rc && ev->proto.n) {
      rc = ash_buf_addc(out, ' ');
      if (!rc) rc = add_str(out, ev->proto);
    }
    if (!rc && ev->user.n) {
      rc = ash_buf_adds(out, " by ");
      if (!rc) rc = add_account(out, ev);
    }
    if (!rc && ev->duration_us != ASH_UNSET)
      rc = ash_buf_printf(out, ", %.0f s", (double)ev->duration_us / 1e6);
    if (!rc) rc = add_bytes(out, "out", ev->bytes_out);
    if (!rc) rc = add_bytes(out, "in", ev->bytes_in);
    if (!rc && ev->action.n) {
      rc = ash_buf_adds(out, " (");
      if (!rc) rc = add_str(out, ev->action);
      if (!rc) rc = ash_buf_addc(out, ')');
    }
    return rc;
  }
  if (has_prefix(k, "vpn.")) {
    rc = ash_buf_printf(out, "VPN %s of ", k + 4);
    if (!rc) rc = ev->user.n ? add_account(out, ev) : ash_buf_adds(out, "?");
    if (!rc && ev->src_ip.fam) {
      rc = ash_buf_adds(out, " from ");
      if (!rc) rc = add_ip_port(out, &ev->src_ip, -1);
    }
    if (!rc && ev->tunnel_ip.fam) {
      rc = ash_buf_adds(out, ", tunnel address ");
      if (!rc) rc = add_ip_port(out, &ev->tunnel_ip, -1);
    }
    if (!rc && ev->duration_us != ASH_UNSET)
      rc = ash_buf_printf(out, ", %.0f s", (double)ev->duration_us / 1e6);
    return rc;
  }
  if (!strcmp(k, ASH_KIND_AV_DETECT) || !strcmp(k, ASH_KIND_AV_ACTION)) {
    rc = ash_buf_adds(out, !strcmp(k, ASH_KIND_AV_DETECT) ? "detected " : "antivirus action on ");
    if (!rc) rc = ev->threat.n ? add_str(out, ev->threat) : ash_buf_adds(out, "?");
    if (!rc && ev->path.n) {
      rc = ash_buf_adds(out, " in ");
      if (!rc) rc = add_str(out, ev->path);
    }
    if (!rc && ev->action.n) {
      rc = ash_buf_adds(out, " (");
      if (!rc) rc = add_str(out, ev->action);
      if (!rc) rc = ash_buf_addc(out, ')');
    }
    if (!rc && ev->user.n) {
      rc = ash_buf_adds(out, ", user ");
      if (!rc) rc = add_account(out, ev);
    }
    return rc;
  }
  if (!strcmp(k, ASH_KIND_WIN_LOGON) || !strcmp(k, ASH_KIND_WIN_LOGON_FAIL) ||
      !strcmp(k, ASH_KIND_WIN_RDP) || !strcmp(k, ASH_KIND_WIN_EXPLICIT)) {
    rc = ash_buf_adds(out, !strcmp(k, ASH_KIND_WIN_LOGON_FAIL) ? "failed logon"
                           : !strcmp(k, ASH_KIND_WIN_RDP)      ? "RDP"
                           : !strcmp(k, ASH_KIND_WIN_EXPLICIT) ? "explicit credentials"
                                                               : "logon");
    if (!rc && ev->logon_type != ASH_UNSET)
      rc = ash_buf_printf(out, " (type %" PRId64 ")", ev->logon_type);
    if (!rc && ev->user.n) {
      rc = ash_buf_adds(out, " of ");
      if (!rc) rc = add_account(out, ev);
    }
    if (!rc && ev->src_ip.fam) {
      rc = ash_buf_adds(out, " from ");
      if (!rc) rc = add_ip_port(out, &ev->src_ip, -1);
    }
    return rc;
  }
  /* processes, services, tasks, scripts and the rest: what ran, by whom */
  rc = ash_buf_adds(out, k);
  const ash_str parts[] = {ev->service, ev->process, ev->command_line, ev->path, ev->threat};
  const char *const label[] = {" service ", " ", ": ", " ", " "};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !rc; i++) {
    if (!parts[i].n) continue;
    /* the command line usually repeats the image: say it once */
    if (i == 1 && ev->command_line.n) continue;
    rc = ash_buf_adds(out, label[i]);
    if (!rc) rc = add_str(out, parts[i]);
  }
  if (!rc && ev->user.n) {
    rc = ash_buf_adds(out, " by ");
    if (!rc) rc = add_account(out, ev);
  }
  if (!rc && ev->event_id != ASH_UNSET)
    rc = ash_buf_printf(out, " (event %" PRId64 ")", ev->event_id);
  return rc;
}

/* ---- CSV ---- */

int ash_csv_cell(ash_buf *out, const char *s, size_t n) {
  int quote = 0, formula = n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                                 s[0] == '\t' || s[0] == '\r');
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
  int rc = quote ? ash_buf_addc(out, '"') : ASH_OK;
  /* a leading quote makes the cell text for Excel, LibreOffice and Google
   * Sheets; it is visible, which is the point: the value was not a formula */
  if (!rc && formula) rc = ash_buf_addc(out, '\'');
  size_t from = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (s[i] != '"') continue;
    rc = ash_buf_add(out, s + from, i + 1 - from);
    if (!rc) rc = ash_buf_addc(out, '"');
    from = i + 1;
  }
  if (!rc) rc = ash_buf_add(out, s + from, n - from);
  if (!rc && quote) rc = ash_buf_addc(out, '"');
  return rc;
}

/* ---- evidence index ---- */

typedef struct ev_key {
  uint64_t h; /* FNV-1a of the path, mixed with the ref */
  uint64_t ref;
  char *path, *id;
  int score;
  ash_severity sev;
} ev_key;

struct ash_evidence_index {
  ev_key *v;
  size_t n, cap;
};

static uint64_t key_hash(const char *path, uint64_t ref) {
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return h ^ (ref * 0x9e3779b97f4a7c15ull);
}

int ash_evidence_index_open(ash_evidence_index **out) {
  ash_evidence_index *ix = calloc(1, sizeof *ix);
  if (!ix) return ASH_ENOMEM;
  *out = ix;
  return ASH_OK;
}

int ash_evidence_index_add(ash_evidence_index *ix, const ash_finding *f) {
  for (size_t i = 0; i < f->nevidence; i++) {
    const ash_evidence *e = &f->evidence[i];
    if (!e->source_path || e->ref_kind == ASH_REF_NONE) continue;
    ev_key *v = ash_array_room(ix->v, &ix->cap, ix->n, sizeof *v, 64);
    if (!v) return ASH_ENOMEM;
    ix->v = v;
    ev_key *k = &ix->v[ix->n];
    k->path = strdup(e->source_path);
    k->id = strdup(f->id);
    if (!k->path || !k->id) {
      free(k->path);
      free(k->id);
      return ASH_ENOMEM;
    }
    k->ref = e->ref;
    k->h = key_hash(e->source_path, e->ref);
    k->score = f->score;
    k->sev = f->severity;
    ix->n++;
  }
  return ASH_OK;
}

static int cmp_key(const void *a, const void *b) {
  const ev_key *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  if (x->ref != y->ref) return x->ref < y->ref ? -1 : 1;
  int c = strcmp(x->path, y->path);
  if (c) return c;
  if (x->score != y->score) return x->score > y->score ? -1 : 1; /* best first */
  return strcmp(x->id, y->id);
}

void ash_evidence_index_build(ash_evidence_index *ix) {
  if (ix->n) qsort(ix->v, ix->n, sizeof *ix->v, cmp_key);
}

int ash_evidence_index_find(const ash_evidence_index *ix, const char *path, uint64_t ref,
                            const char **finding_id, ash_severity *sev) {
  if (!ix || !ix->n || !path) return ASH_ENOTFOUND;
  uint64_t h = key_hash(path, ref);
  size_t lo = 0, hi = ix->n;
  while (lo < hi) { /* first entry with (h, ref) >= the key */
    size_t mid = lo + (hi - lo) / 2;
    const ev_key *k = &ix->v[mid];
    if (k->h < h || (k->h == h && k->ref < ref))
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i < ix->n && ix->v[i].h == h && ix->v[i].ref == ref; i++)
    if (!strcmp(ix->v[i].path, path)) {
      *finding_id = ix->v[i].id;
      *sev = ix->v[i].sev;
      return ASH_OK;
    }
  return ASH_ENOTFOUND;
}

void ash_evidence_index_close(ash_evidence_index *ix) {
  if (!ix) return;
  for (size_t i = 0; i < ix->n; i++) {
    free(ix->v[i].path);
    free(ix->v[i].id);
  }
  free(ix->v);
  free(ix);
}

/* ---- rows ---- */

int ash_timeline_header(ash_timeline_format f, ash_buf *out) {
  if (f != ASH_TL_CSV) return ASH_OK;
  return ash_buf_adds(out, "time,host,user,kind,summary,source_path,source_offset,source_record,"
                           "finding_id,severity\r\n");
}

static int csv_row(const ash_timeline_row *r, const char *when, ash_buf *out) {
  const ash_event *ev = r->ev;
  int rc = ash_buf_adds(out, when);
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc) rc = ash_csv_cell(out, ev->host.p, ev->host.n);
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc && ev->user.n) {
    ash_buf acct;
    ash_buf_init(&acct, ASH_MAX_LINE);
    rc = add_account(&acct, ev);
    if (!rc) rc = ash_csv_cell(out, acct.p ? acct.p : "", acct.n);
    ash_buf_free(&acct);
  }
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc) rc = ash_csv_cell(out, ev->kind, strlen(ev->kind));
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc) {
    ash_buf sum;
    ash_buf_init(&sum, 1u << 20);
    rc = r->text ? ash_buf_adds(&sum, r->text) : ash_event_summary(ev, &sum);
    if (rc == ASH_ELIMIT) rc = ASH_OK; /* a summary past 1 MiB is cut there */
    if (!rc) rc = ash_csv_cell(out, sum.p ? sum.p : "", sum.n);
    ash_buf_free(&sum);
  }
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc && r->source_path) rc = ash_csv_cell(out, r->source_path, strlen(r->source_path));
  if (!rc && r->source_path)
    rc = ash_buf_printf(out, r->ref_is_record ? ",,%" PRIu64 : ",%" PRIu64 ",", ev->ref);
  else if (!rc)
    rc = ash_buf_adds(out, ",,");
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc && r->finding_id) rc = ash_csv_cell(out, r->finding_id, strlen(r->finding_id));
  if (!rc) rc = ash_buf_addc(out, ',');
  if (!rc && r->finding_id) rc = ash_buf_adds(out, ash_severity_name(r->severity));
  if (!rc) rc = ash_buf_adds(out, "\r\n");
  return rc;
}

/* Reopen the JSON object in out (it ends with '}') for more fields. */
static int reopen(ash_buf *out, size_t start) {
  if (out->n <= start || out->p[out->n - 1] != '}') return ASH_EFORMAT;
  out->n--;
  return ASH_OK;
}

static int json_field(ash_buf *out, const char *k, const char *v, size_t n) {
  int rc = ash_buf_printf(out, ",\"%s\":\"", k);
  if (!rc) rc = ash_buf_add_json_str(out, v, n);
  if (!rc) rc = ash_buf_addc(out, '"');
  return rc;
}

static int jsonl_row(const ash_timeline_row *r, const char *when, int zoned, ash_buf *out) {
  size_t start = out->n;
  int rc = ash_event_to_json(r->ev, r->source_path, r->ref_is_record, r->attrs_json, out);
  if (!rc) rc = reopen(out, start);
  if (!rc && zoned) rc = json_field(out, "time", when, strlen(when));
  if (!rc) {
    ash_buf sum;
    ash_buf_init(&sum, 1u << 20);
    rc = r->text ? ash_buf_adds(&sum, r->text) : ash_event_summary(r->ev, &sum);
    if (rc == ASH_ELIMIT) rc = ASH_OK;
    if (!rc) rc = json_field(out, "summary", sum.p ? sum.p : "", sum.n);
    ash_buf_free(&sum);
  }
  if (!rc && r->finding_id)
    rc = json_field(out, "finding_id", r->finding_id, strlen(r->finding_id));
  if (!rc && r->finding_id) {
    const char *sv = ash_severity_name(r->severity);
    rc = json_field(out, "severity", sv, strlen(sv));
  }
  if (!rc) rc = ash_buf_adds(out, "}\n");
  return rc;
}

/* Cut s at ASH_TL_MAX_VALUE bytes on a UTF-8 boundary; 1 when it was cut. */
static size_t cut_len(const char *s, size_t n, int *cut) {
  *cut = n > ASH_TL_MAX_VALUE;
  if (!*cut) return n;
  size_t k = ASH_TL_MAX_VALUE;
  while (k && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  return k;
}

/* Flatten obj's members into dst with prefix (one level: "attrs" and
 * "source" objects become attr_<k> and source_<k>), cutting long strings. */
static void flatten(json_t *dst, json_t *obj, const char *prefix, int *cut_any) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    char key[256];
    snprintf(key, sizeof key, "%s%s", prefix, k);
    if (json_is_string(v)) {
      int cut;
      size_t n = cut_len(json_string_value(v), json_string_length(v), &cut);
      *cut_any |= cut;
      json_object_set_new(dst, key, json_stringn(json_string_value(v), n));
    } else if (json_is_object(v) && !*prefix) {
      flatten(dst, v,
              !strcmp(k, "attrs")    ? "attr_"
              : !strcmp(k, "source") ? "source_"
                                     : k,
              cut_any);
    } else {
      json_object_set(dst, key, v);
    }
  }
}

static int timesketch_row(const ash_timeline_row *r, const char *when, ash_buf *out) {
  ash_buf ev;
  ash_buf_init(&ev, ASH_MAX_ATTRS_JSON + (8u << 20));
  int rc = ash_event_to_json(r->ev, r->source_path, r->ref_is_record, r->attrs_json, &ev);
  json_t *src = rc ? NULL : json_loadb(ev.p, ev.n, 0, NULL);
  ash_buf_free(&ev);
  if (!src) return rc ? rc : ASH_EFORMAT;
  json_t *o = json_object();
  ash_buf sum;
  ash_buf_init(&sum, 1u << 20);
  rc = r->text ? ash_buf_adds(&sum, r->text) : ash_event_summary(r->ev, &sum);
  if (rc == ASH_ELIMIT) rc = ASH_OK;
  int cut = 0;
  if (!o) rc = ASH_ENOMEM;
  if (!rc) {
    /* Timesketch's JSONL import needs message, datetime and timestamp_desc;
     * timestamp (microseconds) spares it the parse */
    size_t n = cut_len(sum.p ? sum.p : "", sum.n, &cut);
    json_object_set_new(o, "message", json_stringn(sum.p ? sum.p : "", n));
    json_object_set_new(o, "datetime", json_string(when));
    json_object_set_new(o, "timestamp", json_integer(r->ev->ts));
    json_object_set_new(o, "timestamp_desc", json_string("Time Logged"));
    json_object_set_new(o, "data_type", json_string(r->ev->kind));
    json_object_del(src, "ts");
    flatten(o, src, "", &cut);
    if (r->finding_id) {
      json_object_set_new(o, "finding_id", json_string(r->finding_id));
      json_object_set_new(o, "severity", json_string(ash_severity_name(r->severity)));
      json_object_set_new(o, "tag", json_pack("[s]", ash_severity_name(r->severity)));
    }
    if (cut) json_object_set_new(o, "_truncated", json_string("values cut at 32000 bytes"));
    char *txt = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!txt) rc = ASH_ENOMEM;
    if (!rc) rc = ash_buf_adds(out, txt);
    if (!rc) rc = ash_buf_addc(out, '\n');
    free(txt);
  }
  ash_buf_free(&sum);
  json_decref(o);
  json_decref(src);
  return rc;
}

int ash_timeline_write(ash_timeline_format f, const ash_timeline_row *r, ash_tz *tz, ash_buf *out) {
  char when[40] = "";
  if (r->ev->ts != ASH_TIME_UNSET) ash_time_format_tz(r->ev->ts, tz, when);
  switch (f) {
  case ASH_TL_CSV: return csv_row(r, when, out);
  case ASH_TL_JSONL: return jsonl_row(r, when, tz != NULL, out);
  case ASH_TL_TIMESKETCH:
    /* Timesketch refuses rows without a time: the caller counts and says */
    if (r->ev->ts == ASH_TIME_UNSET) return ASH_ENOTFOUND;
    return timesketch_row(r, when, out);
  }
  return ASH_EUSAGE;
}
