/* What the hunts share: host names by address, the loopback RDP events,
 * evidence from event rows (with the exact source line when it can be
 * read back), and text formatting. See hunt_internal.h. */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/raw.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

int hunt_list_add(hunt_list *l, ash_finding *f) {
  ash_finding *v = ash_array_room(l->v, &l->cap, l->n, sizeof *v, 16);
  if (!v) {
    ash_finding_free(f); /* taken either way: no caller can leak it */
    return ASH_ENOMEM;
  }
  l->v = v;
  l->v[l->n++] = *f;
  memset(f, 0, sizeof *f);
  return ASH_OK;
}

void hunt_list_free(hunt_list *l) {
  for (size_t i = 0; i < l->n; i++) ash_finding_free(&l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

void hunt_short_host(const char *in, size_t n, char *out, size_t outn) {
  if (!outn) return;
  out[0] = 0;
  if (!in) return;
  while (n && isspace((unsigned char)*in)) in++, n--;
  while (n && isspace((unsigned char)in[n - 1])) n--;
  ash_ip ip;
  size_t k = 0;
  if (ash_ip_parse(ash_str_make(in, n), &ip) == ASH_OK) {
    char t[ASH_IP_STRLEN];
    ash_ip_format(&ip, t);
    snprintf(out, outn, "%s", t);
    return;
  }
  /* "CORP\APP02" (rare, but seen in exports) keeps the part after '\' */
  const char *bs = memchr(in, '\\', n);
  if (bs) {
    n -= (size_t)(bs + 1 - in);
    in = bs + 1;
  }
  for (size_t i = 0; i < n && in[i] != '.' && k + 1 < outn; i++)
    out[k++] = (char)tolower((unsigned char)in[i]);
  out[k] = 0;
}

void hunt_bare_account(const char *in, size_t n, char *out, size_t outn) {
  if (!outn) return;
  out[0] = 0;
  if (!in) return;
  const char *bs = memchr(in, '\\', n);
  if (bs) {
    n -= (size_t)(bs + 1 - in);
    in = bs + 1;
  }
  const char *at = memchr(in, '@', n);
  if (at) n = (size_t)(at - in);
  while (n && isspace((unsigned char)*in)) in++, n--;
  while (n && isspace((unsigned char)in[n - 1])) n--;
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < outn; i++) out[k++] = (char)tolower((unsigned char)in[i]);
  out[k] = 0;
}

void hunt_fmt_dur(int64_t us, char out[32]) {
  int64_t s = us / ASH_US_PER_SEC;
  if (s < 0) s = 0;
  if (s < 60)
    snprintf(out, 32, "%" PRId64 "s", s);
  else if (s < 3600)
    snprintf(out, 32, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
  else if (s < 86400)
    snprintf(out, 32, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
  else
    snprintf(out, 32, "%" PRId64 "d%02" PRId64 "h", s / 86400, s % 86400 / 3600);
}

void hunt_fmt_bytes(int64_t b, char out[32]) {
  static const char *const unit[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = (double)(b < 0 ? 0 : b);
  int u = 0;
  while (v >= 1000 && u < 5) v /= 1000, u++;
  if (u == 0)
    snprintf(out, 32, "%" PRId64 " B", b < 0 ? 0 : b);
  else
    snprintf(out, 32, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void hunt_fmt_time(int64_t t, char out[32]) {
  char iso[32];
  ash_time_format(t, iso);
  /* "2025-03-02T10:22:01.123456Z" -> "2025-03-02 10:22 UTC" */
  snprintf(out, 32, "%.10s %.5s UTC", iso, iso + 11);
}

/* ---- evidence ---- */

/* raw.h holds a whole compressed member in memory to find a line: only
 * for sources up to this size (others are rendered from the event). */
#define RAW_MAX_SOURCE ((uint64_t)256 << 20)

/* A source's identity at ingest, what raw.h checks the evidence against. */
struct hunt_evsrc {
  int64_t id;
  char *path, *sha256;
  uint64_t size;
  int64_t mtime_ns;
};

static int keep_evsrc(void *u, const ash_source_info *in) {
  hunt_ctx *c = u;
  if (!in->path || !in->complete) return ASH_OK;
  struct hunt_evsrc *v = ash_array_room(c->evsrc, &c->capevsrc, c->nevsrc, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  c->evsrc = v;
  struct hunt_evsrc *e = &v[c->nevsrc];
  e->id = in->id;
  e->size = in->size;
  e->mtime_ns = in->mtime_ns;
  e->path = strdup(in->path);
  e->sha256 = strdup(in->sha256 ? in->sha256 : "");
  if (!e->path || !e->sha256) {
    free(e->path);
    free(e->sha256);
    return ASH_ENOMEM;
  }
  c->nevsrc++;
  return ASH_OK;
}

/* The identity of source id (sources come in id order), or NULL. */
static const struct hunt_evsrc *evsrc(hunt_ctx *c, int64_t id, int *rc) {
  *rc = ASH_OK;
  if (!c->evsrc_done) {
    *rc = ash_store_sources(c->store, keep_evsrc, c);
    if (*rc) return NULL;
    c->evsrc_done = 1;
  }
  size_t lo = 0, hi = c->nevsrc;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->evsrc[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < c->nevsrc && c->evsrc[lo].id == id ? &c->evsrc[lo] : NULL;
}

void hunt_evidence_close(hunt_ctx *c) {
  free(c->pend);
  free(c->pend_at);
  c->pend = NULL;
  c->pend_at = NULL;
  c->npend = c->cappend = c->nlists = c->caplists = 0;
  for (size_t i = 0; i < c->nevsrc; i++) {
    free(c->evsrc[i].path);
    free(c->evsrc[i].sha256);
  }
  free(c->evsrc);
  c->evsrc = NULL;
  c->nevsrc = c->capevsrc = 0;
  ash_raw_close(c->raw);
  c->raw = NULL;
}

/* The exact line at offset of the source, through raw.h and its identity
 * check. 1 when out holds it; *changed is set when the evidence is not the
 * file that was ingested. A line longer than the finding's text cap is
 * cut, and said to be cut. */
static int read_line(hunt_ctx *c, int64_t source_id, uint64_t offset, ash_buf *out, int *changed,
                     int *rc) {
  const struct hunt_evsrc *e = evsrc(c, source_id, rc);
  if (!e) return 0;
  if (!c->raw) {
    if ((*rc = ash_raw_open(&c->raw, c->opts->verify_evidence ? ASH_RAW_VERIFY : 0))) return 0;
    ash_raw_limit(c->raw, RAW_MAX_SOURCE);
  }
  ash_source_info src;
  memset(&src, 0, sizeof src);
  src.id = e->id;
  src.path = e->path;
  src.sha256 = e->sha256;
  src.size = e->size;
  src.mtime_ns = e->mtime_ns;
  ash_buf line;
  ash_buf_init(&line, ASH_MAX_LINE);
  int r = ash_raw_get(c->raw, &src, offset, 0, &line);
  if (r == ASH_ECHANGED) *changed = 1;
  if (r == ASH_ENOMEM) *rc = r;
  int have = 0;
  if (!r && line.n && ash_utf8_valid((const uint8_t *)line.p, line.n)) {
    size_t n = line.n, cap = ASH_MAX_FINDING_TEXT - 16;
    if (n > cap) {
      n = cap;
      while (n && ((uint8_t)line.p[n] & 0xc0) == 0x80) n--; /* whole characters */
    }
    ash_buf_reset(out);
    int a = ash_buf_add(out, line.p, n);
    if (!a && n < line.n) a = ash_buf_adds(out, " [...]");
    have = a == ASH_OK;
  }
  ash_buf_free(&line);
  return have;
}

/* " k=v", v quoted and escaped unless plain; v[0..n) up to a NUL (the
 * text as it was stored), nothing when empty. */
static void kvn(ash_buf *o, const char *k, const char *v, size_t n) {
  if (!v) return;
  n = strnlen(v, n);
  if (!n) return;
  ash_buf_printf(o, " %s=", k);
  /* log text is hostile: quoted and escaped, it cannot drive a terminal */
  int plain = 1;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] <= ' ' || v[i] == '"' || v[i] == '\\' || (unsigned char)v[i] == 0x7f)
      plain = 0;
  if (plain) {
    ash_buf_add(o, v, n);
  } else {
    ash_buf_addc(o, '"');
    ash_buf_add_json_str(o, v, n);
    ash_buf_addc(o, '"');
  }
}
static void kv(ash_buf *o, const char *k, const char *v) { kvn(o, k, v, v ? strlen(v) : 0); }
static void kvs(ash_buf *o, const char *k, ash_str v) { kvn(o, k, v.p, v.n); }

static void kvip(ash_buf *o, const char *k, const ash_ip *ip) {
  char t[ASH_IP_STRLEN];
  if (!ip->fam) return;
  ash_ip_format(ip, t);
  kv(o, k, t);
}

static void render(const ash_event *ev, ash_buf *o) {
  char ts[32] = "-";
  if (ev->ts != ASH_TIME_UNSET) ash_time_format(ev->ts, ts);
  ash_buf_reset(o);
  ash_buf_printf(o, "%s %s", ts, ev->kind ? ev->kind : "log");
  if (ev->event_id >= 0) ash_buf_printf(o, " event_id=%" PRId64, ev->event_id);
  kvs(o, "host", ev->host);
  if (ev->user.p && ev->domain.p) {
    char u[300];
    snprintf(u, sizeof u, "%.*s\\%.*s", (int)ev->domain.n, ev->domain.p, (int)ev->user.n,
             ev->user.p);
    kv(o, "user", u);
  } else {
    kvs(o, "user", ev->user);
  }
  if (ev->logon_type >= 0) ash_buf_printf(o, " logon_type=%" PRId64, ev->logon_type);
  kvip(o, "src", &ev->src_ip);
  if (ev->src_ip.fam && ev->src_port >= 0) ash_buf_printf(o, ":%" PRId32, ev->src_port);
  kvip(o, "dst", &ev->dst_ip);
  if (ev->dst_ip.fam && ev->dst_port >= 0) ash_buf_printf(o, ":%" PRId32, ev->dst_port);
  kvip(o, "tunnel_ip", &ev->tunnel_ip);
  kvs(o, "action", ev->action);
  kvs(o, "service", ev->service);
  int64_t d = ev->duration_us;
  if (d >= 0) ash_buf_printf(o, " duration=%" PRId64 "s", (int64_t)(d / ASH_US_PER_SEC));
  if (ev->bytes_out >= 0) ash_buf_printf(o, " bytes_out=%" PRId64, ev->bytes_out);
  if (ev->bytes_in >= 0) ash_buf_printf(o, " bytes_in=%" PRId64, ev->bytes_in);
  kvs(o, "threat", ev->threat);
  kvs(o, "path", ev->path);
  kvs(o, "process", ev->process);
  kvs(o, "command_line", ev->command_line);
}

static int on_text(void *u, const ash_event *ev, const ash_source_info *src) {
  (void)src;
  render(ev, u);
  return ASH_OK;
}

int hunt_event_text(hunt_ctx *c, int64_t event_id, ash_buf *out) {
  return ash_store_event(c->store, event_id, on_text, out);
}

typedef struct evidence_ctx {
  hunt_ctx *c;
  ash_finding *f;
} evidence_ctx;

static int on_evidence(void *u, const ash_event *ev, const ash_source_info *src) {
  evidence_ctx *E = u;
  int rc = ASH_OK;
  ash_buf text;
  ash_buf_init(&text, ASH_MAX_FINDING_TEXT);
  int is_rec = src->ref_is_record;
  uint64_t ref = ev->ref;
  const char *path = src->path;
  int have = 0, changed = 0;
  if (!is_rec && path) have = read_line(E->c, src->id, ref, &text, &changed, &rc);
  if (rc) {
    ash_buf_free(&text);
    return rc;
  }
  /* an EVTX record reads best as the event, not as its XML */
  if (!have) render(ev, &text);
  if (changed) {
    /* the file at the path is not the one ingested: what it says now is
     * not evidence, and the reader must not take the stored event for a
     * quote of it */
    ash_buf note;
    ash_buf_init(&note, ASH_MAX_FINDING_TEXT + 128);
    rc = ash_buf_adds(&note, ASH_RAW_CHANGED_NOTE);
    if (!rc) rc = ash_buf_add(&note, text.p, text.n);
    ash_buf_free(&text);
    text = note;
    if (rc) {
      ash_buf_free(&text);
      return rc;
    }
  }
  ash_evidence e;
  e.ts = ev->ts;
  e.kind = (char *)(ev->kind ? ev->kind : "log");
  e.text = text.p ? text.p : (char *)"";
  e.source_path = (char *)path;
  e.ref = ref;
  e.ref_kind = path ? (is_rec ? ASH_REF_RECORD : ASH_REF_OFFSET) : ASH_REF_NONE;
  rc = ash_finding_add_evidence(E->f, &e);
  ash_buf_free(&text);
  return rc;
}

static int on_evidence_i(void *u, size_t i, const ash_event *ev, const ash_source_info *src) {
  (void)i;
  return on_evidence(u, ev, src);
}

int hunt_evidence_many(hunt_ctx *c, ash_finding *f, const int64_t *ids, size_t n) {
  evidence_ctx E = {c, f};
  return ash_store_events_by_id(c->store, ids, n, on_evidence_i, &E);
}

void hunt_evq_init(hunt_evq *q, hunt_ctx *c, ash_finding *f) {
  q->c = c;
  q->f = f;
  q->n = 0;
  q->rc = ASH_OK;
}

/* ---- evidence deferred to the end of a hunt ----
 * A deferred list is kept in c (its ids, list k at pend_at[k] ..
 * pend_at[k + 1]) and stands in its finding's evidence as a placeholder:
 * an entry of kind PENDING_KIND, which no real evidence has (kinds are
 * event kinds, or "log"), with the list's number as ref. The finding
 * carries it through the moves of hunt_list_add; a finding the hunt drops
 * takes it along, and its list is never read. */
#define PENDING_KIND "\x01pending"

static int is_pending(const ash_evidence *e) { return e->kind && !strcmp(e->kind, PENDING_KIND); }

static size_t list_len(const hunt_ctx *c, uint64_t k) { return c->pend_at[k + 1] - c->pend_at[k]; }

/* The ids f has waiting in deferred lists. */
static size_t pending_of(const hunt_ctx *c, const ash_finding *f) {
  size_t n = 0;
  for (size_t i = 0; i < f->nevidence; i++)
    if (is_pending(&f->evidence[i])) n += list_len(c, f->evidence[i].ref);
  return n;
}

/* Keep ids[0..n) as list nlists and put its placeholder in f. */
static int defer(hunt_ctx *c, ash_finding *f, const int64_t *ids, size_t n) {
  if (!c->pend_at) {
    c->pend_at = malloc(64 * sizeof *c->pend_at);
    if (!c->pend_at) return ASH_ENOMEM;
    c->caplists = 63;
    c->pend_at[0] = 0;
  }
  if (c->nlists == c->caplists) {
    size_t *v = realloc(c->pend_at, (2 * c->caplists + 1) * sizeof *v);
    if (!v) return ASH_ENOMEM;
    c->pend_at = v;
    c->caplists *= 2;
  }
  if (c->npend + n > c->cappend) {
    size_t cap = c->cappend ? c->cappend : 256;
    while (cap < c->npend + n) cap *= 2;
    int64_t *p = realloc(c->pend, cap * sizeof *p);
    if (!p) return ASH_ENOMEM;
    c->pend = p;
    c->cappend = cap;
  }
  ash_evidence e;
  memset(&e, 0, sizeof e);
  e.ts = ASH_TIME_UNSET;
  e.kind = (char *)PENDING_KIND;
  e.text = (char *)"";
  e.ref = c->nlists;
  e.ref_kind = ASH_REF_NONE;
  ASH_TRY(ash_finding_add_evidence(f, &e));
  memcpy(c->pend + c->npend, ids, n * sizeof *ids);
  c->npend += n;
  c->pend_at[++c->nlists] = c->npend;
  return ASH_OK;
}

/* Where each id of a resolve goes: the temporary finding of its list. */
typedef struct resolve_ctx {
  hunt_ctx *c;
  ash_finding *tmp; /* one per placeholder, in order */
  size_t *slot;     /* the placeholder of each id */
} resolve_ctx;

static int on_resolved(void *u, size_t i, const ash_event *ev, const ash_source_info *src) {
  resolve_ctx *R = u;
  evidence_ctx E = {R->c, &R->tmp[R->slot[i]]};
  return on_evidence(&E, ev, src);
}

/* Replace every placeholder of fs[0..nf) by its list's evidence, the
 * lists of all of them read in one ash_store_events_by_id. */
static int resolve(hunt_ctx *c, ash_finding *fs, size_t nf) {
  size_t nslots = 0, nids = 0;
  for (size_t j = 0; j < nf; j++)
    for (size_t e = 0; e < fs[j].nevidence; e++)
      if (is_pending(&fs[j].evidence[e])) {
        nslots++;
        nids += list_len(c, fs[j].evidence[e].ref);
      }
  if (!nslots) return ASH_OK;
  int64_t *ids = malloc((nids ? nids : 1) * sizeof *ids);
  size_t *slot = malloc((nids ? nids : 1) * sizeof *slot);
  ash_finding *tmp = calloc(nslots, sizeof *tmp);
  int rc = ids && slot && tmp ? ASH_OK : ASH_ENOMEM;
  size_t s = 0, w = 0;
  for (size_t j = 0; !rc && j < nf; j++)
    for (size_t e = 0; !rc && e < fs[j].nevidence; e++) {
      const ash_evidence *x = &fs[j].evidence[e];
      if (!is_pending(x)) continue;
      for (size_t k = c->pend_at[x->ref]; k < c->pend_at[x->ref + 1]; k++) {
        ids[w] = c->pend[k];
        slot[w++] = s;
      }
      s++;
    }
  resolve_ctx R = {c, tmp, slot};
  if (!rc) rc = ash_store_events_by_id(c->store, ids, nids, on_resolved, &R);
  /* each finding's evidence again, each placeholder replaced in place by
   * what its list read (the entries move: the temporaries keep none) */
  s = 0;
  for (size_t j = 0; !rc && j < nf; j++) {
    ash_finding *f = &fs[j];
    size_t n = 0, first = s;
    int any = 0;
    for (size_t e = 0; e < f->nevidence; e++)
      if (is_pending(&f->evidence[e]))
        n += tmp[s++].nevidence, any = 1;
      else
        n++;
    if (!any) continue;
    ash_evidence *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
      rc = ASH_ENOMEM;
      break;
    }
    size_t o = 0;
    s = first;
    for (size_t e = 0; e < f->nevidence; e++) {
      ash_evidence *x = &f->evidence[e];
      if (!is_pending(x)) {
        v[o++] = *x;
        continue;
      }
      ash_finding *t = &tmp[s++];
      memcpy(v + o, t->evidence, t->nevidence * sizeof *v);
      o += t->nevidence;
      f->evidence_dropped += t->evidence_dropped;
      t->nevidence = 0;
      free(x->kind);
      free(x->text);
      free(x->source_path);
    }
    free(f->evidence);
    f->evidence = v;
    f->nevidence = f->evidence_cap = n;
  }
  for (size_t k = 0; tmp && k < nslots; k++) ash_finding_free(&tmp[k]);
  free(tmp);
  free(ids);
  free(slot);
  return rc;
}

int hunt_evq_flush(hunt_evq *q) {
  if (q->rc || !q->n) {
    q->n = 0;
    return q->rc;
  }
  hunt_ctx *c = q->c;
  ash_finding *f = q->f;
  /* deferred, unless the finding could reach its evidence cap: what the
   * cap drops then depends on which ids have rows, so its lists are read
   * now, in order, as they would have been one by one */
  if (c->defer_evidence && f->nevidence + pending_of(c, f) + q->n < ASH_MAX_FINDING_EVIDENCE) {
    q->rc = defer(c, f, q->id, q->n);
  } else {
    q->rc = resolve(c, f, 1);
    if (!q->rc) q->rc = hunt_evidence_many(c, f, q->id, q->n);
  }
  q->n = 0;
  return q->rc;
}

int hunt_evidence_resolve(hunt_ctx *c, hunt_list *out) {
  int rc = resolve(c, out->v, out->n);
  c->npend = 0;
  c->nlists = 0;
  return rc;
}

void hunt_evq_add(hunt_evq *q, int64_t id) {
  if (!id || q->rc) return;
  if (q->n == HUNT_EVQ_MAX && hunt_evq_flush(q)) return;
  q->id[q->n++] = id;
}

void hunt_evq_addv(hunt_evq *q, const int64_t *ids, size_t n) {
  for (size_t i = 0; i < n; i++) hunt_evq_add(q, ids[i]);
}

int hunt_reasons_sum(const hunt_reasons *R) {
  int s = 0;
  for (int i = 0; i < R->n; i++) s += R->r[i].weight;
  return s < 0 ? 0 : s > 100 ? 100 : s;
}

int hunt_reasons_json(ash_buf *o, const hunt_reasons *R) {
  int rc = ash_buf_adds(o, ",\"reasons\":[");
  char key[64], text[HUNT_REASON_TEXT];
  for (int i = 0; !rc && i < R->n; i++) {
    const hunt_reason *r = &R->r[i];
    hunt_reason_key(r, key);
    hunt_reason_text(r, text, sizeof text);
    rc = ash_buf_printf(o, "%s{\"reason\":\"%s\",\"weight\":%d,\"text\":\"", i ? "," : "", key,
                        r->weight);
    if (!rc) rc = ash_buf_add_json_str(o, text, strlen(text));
    if (!rc) rc = ash_buf_adds(o, "\",\"args\":[");
    for (size_t k = 0; !rc && k < r->nargs; k++) {
      const char *v = r->a + r->arg[k];
      rc = ash_buf_adds(o, k ? ",\"" : "\"");
      if (!rc) rc = ash_buf_add_json_str(o, v, strlen(v));
      if (!rc) rc = ash_buf_adds(o, "\"");
    }
    if (!rc) rc = ash_buf_adds(o, "]");
    /* the form: which of the key's wordings, for a renderer in another
     * language (ids and forms are ours: plain ASCII) */
    const char *dot = strchr(r->id, '.');
    if (!rc && dot) rc = ash_buf_printf(o, ",\"form\":\"%s\"", dot + 1);
    if (!rc) rc = ash_buf_adds(o, "}");
  }
  return rc ? rc : ash_buf_adds(o, "]");
}

void hunt_reasons_text(ash_buf *s, const hunt_reasons *R, int score) {
  hunt_reasons_say(s, "why", R, score);
}

void hunt_limit(hunt_ctx *c, const char *fmt, ...) {
  if (!c->opts || !c->opts->on_limit) return;
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  c->opts->on_limit(c->opts->limit_u, text);
}
