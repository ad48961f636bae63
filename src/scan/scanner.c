/* The scanner: libyara over files, folders and collections, with bounded
 * memory, read-only. See scan.h.
 *
 * A file up to ASH_SCAN_WINDOW bytes is mapped and scanned in one call. A
 * larger file, and every archive member (decompressed as a stream), goes
 * through one reusable window buffer: scanned ASH_SCAN_WINDOW bytes at a
 * time, each window starting ASH_SCAN_OVERLAP bytes before the previous
 * one ended, so that a name lying across the cut is still seen; matches
 * that lie wholly inside the previous window are not counted twice. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>
#include <yara.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"
#include "ashiato/time.h"
#include "scan_internal.h"

#define NS_ENV "ashiato"
#define NS_INTERNAL "ashiato_internal"
#define NS_USER_PREFIX "rules/"

/* What the pe module knows that a string cannot say, reported through the
 * console module (pe.imphash() is a function, not a field). Each fact in
 * its own rule: an undefined value would end a shared condition early.
 * Every condition ends in "false": these rules never match. */
static const char *PE_INFO = "import \"pe\"\nimport \"console\"\n"
                             "private rule ashiato_pe_imphash { condition: pe.is_pe and "
                             "console.log(\"imphash:\", pe.imphash()) and false }\n"
                             "private rule ashiato_pe_timestamp { condition: pe.is_pe and "
                             "console.log(\"timestamp:\", pe.timestamp) and false }\n"
                             "private rule ashiato_pe_signatures { condition: pe.is_pe and "
                             "console.log(\"signatures:\", pe.number_of_signatures) and false }\n";

enum { SM_NONE = 0, SM_ENV = 1 };

/* libyara 4.2 hands out YR_MATCH records from its notebook allocator at
 * 4-byte alignment (fine on the CPUs it supports). Reading them is not our
 * bug, so the functions that do are exempt from UBSan's alignment check. */
#define YR_MATCH_READER __attribute__((no_sanitize("alignment")))

typedef struct smap {
  uint32_t ent;
  uint8_t what; /* SM_* */
  uint8_t form; /* 0 plain, ASH_FORM_UNC/USER/DN, or ASH_FORM_WIDE for _w */
} smap;

/* What one scanning thread owns: the file in hand and its scratch. */
typedef struct worker {
  ash_scanner *sc;
  ash_scan_file cur;
  uint32_t *hit_of, *hit_stamp, stamp; /* hit index per profile entry, valid when stamp matches */
  uint64_t base, prev_end;             /* current window's offset; end of the previous */
  uint8_t *win;                        /* ASH_SCAN_WINDOW bytes, allocated on first need */
  pthread_t th;
} worker;

/* Paths handed from the walk to the workers (bounded: the walk waits). */
#define QUEUE_LEN 256

struct ash_scanner {
  ash_profile *prof;
  ash_scan_ent *ents;
  size_t nents;
  YR_RULES *rules;
  YR_RULES *pe_rules; /* PE_INFO alone */
  smap *sm;
  size_t nsm;
  ash_scan_opts o;
  int finished;
  worker main; /* scans in the caller's thread (one thread, scan_memory) */
  worker *pool;
  int npool;
  /* shared, under mu: totals, findings, callbacks, the queue */
  pthread_mutex_t mu;
  pthread_cond_t can_put, can_take;
  ash_scan_stats st;
  ash_finding *fv;
  size_t fn, fcap;
  char *q[QUEUE_LEN];
  size_t qhead, qn;
  int closing;
  int fatal; /* first error that stopped a worker (ASH_ENOMEM) */
};

static int worker_init(worker *w, ash_scanner *sc);
static void worker_free(worker *w);
static int pool_start(ash_scanner *sc, int threads);
static void pool_stop(ash_scanner *sc);

const char *ash_skip_reason_str(ash_skip_reason r) {
  static const char *const R[ASH_SKIP_NREASONS] = {
      "unreadable", "read error", "damaged archive", "encrypted member", "scan timeout (partial)",
      "yara error"};
  return (unsigned)r < ASH_SKIP_NREASONS ? R[r] : "?";
}

static void skip(ash_scanner *sc, const char *path, ash_skip_reason why, const char *detail) {
  pthread_mutex_lock(&sc->mu);
  sc->st.skipped[why]++;
  sc->st.skipped_total++;
  if (sc->o.on_skip) sc->o.on_skip(sc->o.u, path, why, detail ? detail : ash_skip_reason_str(why));
  pthread_mutex_unlock(&sc->mu);
}

/* ---- compiling ---- */

typedef struct cerr {
  char *buf;
  size_t len;
  int set;
} cerr;

static void on_compile(int level, const char *file, int line, const YR_RULE *rule, const char *msg,
                       void *u) {
  (void)rule;
  cerr *e = u;
  if (level != YARA_ERROR_LEVEL_ERROR || e->set || !e->buf || !e->len) return;
  snprintf(e->buf, e->len, "%s:%d: %s", file ? file : "(generated rules)", line, msg);
  e->set = 1;
}

static int has_ext(const char *p, const char *ext) {
  size_t n = strlen(p), e = strlen(ext);
  return n > e && !strcasecmp(p + n - e, ext);
}

typedef struct rdir {
  YR_COMPILER *c;
  int errors, files;
  cerr *ce;
} rdir;

static int add_rule_file(void *u, const char *path) {
  rdir *r = u;
  if (r->errors || !(has_ext(path, ".yar") || has_ext(path, ".yara"))) return ASH_OK;
  FILE *f = fopen(path, "r");
  if (!f) {
    if (r->ce->buf && !r->ce->set) snprintf(r->ce->buf, r->ce->len, "%s: cannot open", path);
    r->ce->set = 1;
    r->errors++;
    return ASH_OK;
  }
  const char *b = strrchr(path, '/');
  char ns[512];
  /* one namespace per file: two files may both define "rule mimikatz" */
  snprintf(ns, sizeof ns, NS_USER_PREFIX "%s", b ? b + 1 : path);
  r->errors += yr_compiler_add_file(r->c, f, ns, path);
  r->files++;
  fclose(f);
  return ASH_OK;
}

static void on_rule_dir_error(void *u, const char *path, int err, const char *why) {
  rdir *r = u;
  if (err == ASH_EFORMAT) return; /* not a regular file, so not a rule file */
  if (r->ce->buf && !r->ce->set) snprintf(r->ce->buf, r->ce->len, "%s: %s", path, why);
  r->ce->set = 1;
  r->errors++;
}

/* Map each string (by its index in libyara's table) to a profile entry and
 * a form, from the identifiers rules.c wrote: $n<index>[_unc|_u|_dn|_w]. */
static int build_smap(ash_scanner *sc) {
  YR_RULE *rule;
  uint32_t max = 0;
  yr_rules_foreach(sc->rules, rule) {
    YR_STRING *s;
    yr_rule_strings_foreach(rule, s) if (s->idx + 1 > max) max = s->idx + 1;
  }
  sc->sm = calloc(max ? max : 1, sizeof *sc->sm);
  if (!sc->sm) return ASH_ENOMEM;
  sc->nsm = max;
  yr_rules_foreach(sc->rules, rule) {
    if (strcmp(rule->ns->name, NS_ENV)) continue;
    YR_STRING *s;
    yr_rule_strings_foreach(rule, s) {
      const char *id = s->identifier;
      if (strncmp(id, "$n", 2)) continue;
      char *end;
      unsigned long ent = strtoul(id + 2, &end, 10);
      if (end == id + 2 || ent >= sc->nents) continue;
      smap *m = &sc->sm[s->idx];
      m->ent = (uint32_t)ent;
      m->what = SM_ENV;
      m->form = !strcmp(end, "_unc")  ? ASH_FORM_UNC
                : !strcmp(end, "_u")  ? ASH_FORM_USER
                : !strcmp(end, "_dn") ? ASH_FORM_DN
                : !strcmp(end, "_w")  ? ASH_FORM_WIDE
                                      : 0;
    }
  }
  return ASH_OK;
}

int ash_scanner_open(ash_scanner **out, ash_profile *p, const ash_scan_opts *o, char *err,
                     size_t errlen) {
  if (err && errlen) err[0] = 0;
  if (yr_initialize() != ERROR_SUCCESS) return ASH_ENOMEM;
  ash_scanner *sc = calloc(1, sizeof *sc);
  if (!sc) {
    yr_finalize();
    return ASH_ENOMEM;
  }
  pthread_mutex_init(&sc->mu, NULL);
  pthread_cond_init(&sc->can_put, NULL);
  pthread_cond_init(&sc->can_take, NULL);
  sc->prof = p;
  if (o) sc->o = *o;
  ash_buf src;
  ash_buf_init(&src, (size_t)ASH_MAX_SCAN_NAMES * 4096);
  int rc = ash_profile_rules(p, &src);
  sc->ents = ash_scan_profile_ents(p, &sc->nents);
  size_t searched = 0;
  for (size_t i = 0; i < sc->nents; i++) searched += !!sc->ents[i].pub.searched;
  if (!rc && !searched && !(o && o->rules_dir)) rc = ASH_EUSAGE;
  YR_COMPILER *c = NULL;
  cerr ce = {err, errlen, 0};
  if (!rc && yr_compiler_create(&c) != ERROR_SUCCESS) rc = ASH_ENOMEM;
  if (!rc) {
    yr_compiler_set_callback(c, on_compile, &ce);
    if (searched && yr_compiler_add_string(c, src.p, NS_ENV) != 0) rc = ASH_EFORMAT;
  }
  if (!rc && o && o->rules_dir) {
    rdir r = {c, 0, 0, &ce};
    struct stat dst;
    if (stat(o->rules_dir, &dst)) {
      if (err && errlen) snprintf(err, errlen, "%s: no such file or directory", o->rules_dir);
      rc = ASH_ENOTFOUND;
    } else {
      ash_walk(o->rules_dir, add_rule_file, on_rule_dir_error, &r);
      if (r.errors) rc = ASH_EFORMAT;
      if (!rc && !r.files && !searched) {
        if (err && errlen) snprintf(err, errlen, "%s: no .yar or .yara files", o->rules_dir);
        rc = ASH_EUSAGE;
      }
    }
  }
  if (!rc && yr_compiler_get_rules(c, &sc->rules) != ERROR_SUCCESS) rc = ASH_ENOMEM;
  if (c) yr_compiler_destroy(c);
  /* the PE facts are a ruleset of their own, run only on files that start
   * with MZ: a ruleset that imports pe builds the module's whole object
   * tree for every buffer scanned, a cost every other file would pay */
  c = NULL;
  if (!rc && yr_compiler_create(&c) != ERROR_SUCCESS) rc = ASH_ENOMEM;
  if (!rc && yr_compiler_add_string(c, PE_INFO, NS_INTERNAL) != 0) rc = ASH_EFORMAT;
  if (!rc && yr_compiler_get_rules(c, &sc->pe_rules) != ERROR_SUCCESS) rc = ASH_ENOMEM;
  if (c) yr_compiler_destroy(c);
  ash_buf_free(&src);
  if (!rc) rc = build_smap(sc);
  if (!rc) rc = worker_init(&sc->main, sc);
  if (!rc) rc = pool_start(sc, o ? o->threads : 1);
  if (rc) {
    ash_scanner_close(sc);
    return rc;
  }
  *out = sc;
  return ASH_OK;
}

void ash_scanner_close(ash_scanner *sc) {
  if (!sc) return;
  pool_stop(sc);
  if (sc->rules) yr_rules_destroy(sc->rules);
  if (sc->pe_rules) yr_rules_destroy(sc->pe_rules);
  for (size_t i = 0; i < sc->fn; i++) ash_finding_free(&sc->fv[i]);
  free(sc->fv);
  free(sc->sm);
  worker_free(&sc->main);
  pthread_mutex_destroy(&sc->mu);
  pthread_cond_destroy(&sc->can_put);
  pthread_cond_destroy(&sc->can_take);
  free(sc);
  yr_finalize();
}

/* ---- workers ---- */

static int worker_init(worker *w, ash_scanner *sc) {
  memset(w, 0, sizeof *w);
  w->sc = sc;
  w->hit_of = calloc(sc->nents ? sc->nents : 1, sizeof *w->hit_of);
  w->hit_stamp = calloc(sc->nents ? sc->nents : 1, sizeof *w->hit_stamp);
  return w->hit_of && w->hit_stamp ? ASH_OK : ASH_ENOMEM;
}

static void worker_free(worker *w) {
  free(w->win);
  free(w->hit_of);
  free(w->hit_stamp);
  free(w->cur.hits);
  for (size_t i = 0; i < w->cur.nrules; i++) free(w->cur.rules[i]);
  memset(w, 0, sizeof *w);
}

/* ---- matching ---- */

YR_MATCH_READER static void take_sample(ash_scan_hit *h, const YR_MATCH *m, int wide) {
  size_t n = 0;
  if (wide) {
    for (int32_t i = 0; i + 1 < m->data_length && n < sizeof h->sample; i += 2)
      h->sample[n++] = (char)m->data[i];
  } else {
    for (int32_t i = 0; i < m->data_length && n < sizeof h->sample; i++)
      h->sample[n++] = (char)m->data[i];
  }
  h->sample_n = n;
}

YR_MATCH_READER static void on_env_match(worker *w, const smap *sm, const YR_MATCH *m) {
  uint64_t abs = w->base + (uint64_t)m->offset;
  if (abs + (uint64_t)m->match_length <= w->prev_end) return; /* seen in the last window */
  const ash_scan_ent *e = &w->sc->ents[sm->ent];
  int wide_hex = sm->form == ASH_FORM_WIDE;
  int wide = wide_hex || (m->data_length >= 2 && m->data[1] == 0 && m->data[0] != 0);
  uint32_t form = (sm->form && !wide_hex ? sm->form : 0) | (wide ? ASH_FORM_WIDE : ASH_FORM_ASCII);
  ash_scan_file *f = &w->cur;
  ash_scan_hit *h;
  if (w->hit_stamp[sm->ent] == w->stamp) {
    h = &f->hits[w->hit_of[sm->ent]];
  } else {
    if (f->nhits == f->caphits) {
      size_t cap = f->caphits ? f->caphits * 2 : 16;
      ash_scan_hit *v = realloc(f->hits, cap * sizeof *v);
      if (!v) return; /* a lost match under memory pressure, not a crash */
      f->hits = v;
      f->caphits = cap;
    }
    w->hit_stamp[sm->ent] = w->stamp;
    w->hit_of[sm->ent] = (uint32_t)f->nhits;
    h = &f->hits[f->nhits++];
    memset(h, 0, sizeof *h);
    h->ent = sm->ent;
    h->offset = UINT64_MAX;
  }
  h->forms |= form;
  if (abs < h->offset) {
    h->offset = abs;
    h->len = (uint32_t)m->match_length;
    if (wide_hex) {
      /* a non-ASCII name matched as exact UTF-16LE: show the name itself */
      size_t n = e->pub.len < sizeof h->sample ? e->pub.len : sizeof h->sample;
      memcpy(h->sample, e->pub.name, n);
      h->sample_n = n;
    } else {
      take_sample(h, m, wide);
    }
  }
}

static void on_user_rule(worker *w, const YR_RULE *rule) {
  ash_scan_file *f = &w->cur;
  const char *ns = rule->ns->name + strlen(NS_USER_PREFIX);
  char buf[512];
  snprintf(buf, sizeof buf, "%s:%s", ns, rule->identifier);
  for (size_t i = 0; i < f->nrules; i++)
    if (!strcmp(f->rules[i], buf)) return;
  if (f->nrules >= ASH_SCAN_MAX_RULE_HITS) return;
  char *d = strdup(buf);
  if (d) f->rules[f->nrules++] = d;
}

static void on_console(worker *w, const char *msg) {
  /* only the window at offset 0 is the file as the pe module sees it */
  if (w->base != 0 || !msg) return;
  ash_scan_file *f = &w->cur;
  int64_t v;
  f->pe_info = 1;
  if (!strncmp(msg, "imphash:", 8)) {
    snprintf(f->imphash, sizeof f->imphash, "%s", msg + 8);
  } else if (!strncmp(msg, "timestamp:", 10)) {
    if (!ash_str_to_i64(ash_str_cstr(msg + 10), &v) && v >= 0 && v < INT64_MAX / ASH_US_PER_SEC)
      f->pe_ts = v * ASH_US_PER_SEC;
  } else if (!strncmp(msg, "signatures:", 11)) {
    if (!ash_str_to_i64(ash_str_cstr(msg + 11), &v) && v >= 0 && v < 1000000) f->pe_sigs = (int)v;
  }
}

YR_MATCH_READER static int yr_cb(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *u) {
  worker *w = u;
  ash_scanner *sc = w->sc;
  if (msg == CALLBACK_MSG_RULE_MATCHING) {
    YR_RULE *rule = data;
    const char *ns = rule->ns->name;
    if (!strcmp(ns, NS_ENV)) {
      YR_STRING *s;
      yr_rule_strings_foreach(rule, s) {
        if (s->idx >= sc->nsm || sc->sm[s->idx].what != SM_ENV) continue;
        YR_MATCH *m;
        yr_string_matches_foreach(ctx, s, m) { on_env_match(w, &sc->sm[s->idx], m); }
      }
    } else if (!strncmp(ns, NS_USER_PREFIX, strlen(NS_USER_PREFIX))) {
      on_user_rule(w, rule);
    }
  } else if (msg == CALLBACK_MSG_CONSOLE_LOG) {
    on_console(w, data);
  }
  return CALLBACK_CONTINUE;
}

/* Scan one window of the current file at file offset base. */
static void scan_window(worker *w, const uint8_t *p, size_t n, uint64_t base) {
  if (!n) return;
  ash_scanner *sc = w->sc;
  w->base = base;
  int r = yr_rules_scan_mem(sc->rules, p, n, SCAN_FLAGS_FAST_MODE, yr_cb, w, ASH_SCAN_TIMEOUT_SEC);
  if (base == 0 && w->cur.head_n >= 2 && w->cur.head[0] == 'M' && w->cur.head[1] == 'Z')
    yr_rules_scan_mem(sc->pe_rules, p, n, 0, yr_cb, w, ASH_SCAN_TIMEOUT_SEC);
  uint64_t end = base + n;
  uint64_t fresh = end > w->prev_end ? end - (base > w->prev_end ? base : w->prev_end) : 0;
  pthread_mutex_lock(&sc->mu);
  sc->st.bytes += fresh;
  pthread_mutex_unlock(&sc->mu);
  w->prev_end = end;
  if (r == ERROR_SUCCESS) return;
  if (!w->cur.partial)
    skip(sc, w->cur.name, r == ERROR_SCAN_TIMEOUT ? ASH_SKIP_TIMEOUT : ASH_SKIP_YARA, NULL);
  w->cur.partial = 1;
}

/* Windows over a buffer already in memory (a mapped file, a test buffer). */
static void scan_memory(worker *w, const uint8_t *p, size_t n) {
  for (size_t off = 0;; off += ASH_SCAN_WINDOW - ASH_SCAN_OVERLAP) {
    size_t len = n - off < ASH_SCAN_WINDOW ? n - off : ASH_SCAN_WINDOW;
    scan_window(w, p + off, len, off);
    if (off + len >= n) break;
  }
}

static int64_t ts_of(struct timespec t) {
  return (int64_t)t.tv_sec * ASH_US_PER_SEC + t.tv_nsec / 1000;
}

static void file_begin(worker *w, const char *name, const char *disk_path) {
  ash_scan_file *f = &w->cur;
  for (size_t i = 0; i < f->nrules; i++) free(f->rules[i]);
  ash_scan_hit *hits = f->hits;
  size_t cap = f->caphits;
  memset(f, 0, sizeof *f);
  f->hits = hits;
  f->caphits = cap;
  f->name = name;
  f->disk_path = disk_path;
  f->pe_ts = f->mtime = f->btime = ASH_TIME_UNSET;
  w->base = w->prev_end = 0;
  /* a new stamp invalidates every hit_of entry at once; on wrap, clear */
  if (++w->stamp == 0) {
    memset(w->hit_stamp, 0, w->sc->nents * sizeof *w->hit_stamp);
    w->stamp = 1;
  }
}

/* Called with sc->mu held. */
static int push_finding(ash_scanner *sc, ash_finding *f) {
  if (sc->fn >= ASH_MAX_SCAN_FINDINGS) {
    /* full: keep the best, drop the worst */
    size_t worst = 0;
    for (size_t i = 1; i < sc->fn; i++)
      if (ash_finding_cmp(&sc->fv[i], &sc->fv[worst]) > 0) worst = i;
    sc->st.findings_dropped++;
    if (ash_finding_cmp(f, &sc->fv[worst]) < 0) {
      ash_finding_free(&sc->fv[worst]);
      sc->fv[worst] = *f;
    } else {
      ash_finding_free(f);
    }
    return ASH_OK;
  }
  ash_finding *v = ash_array_room(sc->fv, &sc->fcap, sc->fn, sizeof *v, 16);
  if (!v) {
    ash_finding_free(f);
    return ASH_ENOMEM;
  }
  sc->fv = v;
  sc->fv[sc->fn++] = *f;
  return ASH_OK;
}

static int file_end(worker *w) {
  ash_scanner *sc = w->sc;
  ash_scan_file *f = &w->cur;
  ash_finding fd;
  int have = 0, rc = ASH_OK;
  if (f->nhits || f->nrules) {
    rc = ash_scan_make_finding(f, sc->prof, &fd);
    have = !rc;
  }
  pthread_mutex_lock(&sc->mu);
  sc->st.files++;
  if (f->nhits || f->nrules) sc->st.matched++;
  if (have) rc = push_finding(sc, &fd);
  if (sc->o.on_progress) sc->o.on_progress(sc->o.u, &sc->st, f->name);
  pthread_mutex_unlock(&sc->mu);
  return rc;
}

static void set_head(ash_scan_file *f, const uint8_t *p, size_t n) {
  if (f->head_n >= ASH_SCAN_HEAD) return;
  size_t take = ASH_SCAN_HEAD - f->head_n < n ? ASH_SCAN_HEAD - f->head_n : n;
  memcpy(f->head + f->head_n, p, take);
  f->head_n += take;
}

static void hex32(const unsigned char *md, char out[65]) {
  static const char hx[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = hx[md[i] >> 4];
    out[2 * i + 1] = hx[md[i] & 15];
  }
  out[64] = 0;
}

static int ensure_win(worker *w) {
  if (!w->win) w->win = malloc(ASH_SCAN_WINDOW);
  return w->win ? ASH_OK : ASH_ENOMEM;
}

/* ---- containers: members streamed through the window ---- */

static int is_container(const uint8_t *h, size_t n) {
  if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) return 1;      /* gzip */
  if (n >= 4 && !memcmp(h, "\x28\xb5\x2f\xfd", 4)) return 1; /* zstd */
  if (n >= 3 && !memcmp(h, "BZh", 3)) return 1;              /* bzip2 */
  if (n >= 6 && !memcmp(h,
                        "\xfd"
                        "7zXZ\0",
                        6))
    return 1; /* xz */
  if (n >= 4 && (!memcmp(h, "PK\x03\x04", 4) || !memcmp(h, "PK\x05\x06", 4))) return 1;
  if (n >= 262 && !memcmp(h + 257, "ustar", 5)) return 1; /* tar */
  return 0;
}

static int scan_container(worker *w, const char *path) {
  ash_scanner *sc = w->sc;
  ash_input *in;
  int rc = ash_input_open(&in, path);
  if (rc) {
    skip(sc, path, rc == ASH_EIO ? ASH_SKIP_UNREADABLE : ASH_SKIP_ARCHIVE, ash_strerror(rc));
    return rc == ASH_ENOMEM ? rc : ASH_OK;
  }
  if ((rc = ensure_win(w))) {
    ash_input_close(in);
    return rc;
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) {
    ash_input_close(in);
    return ASH_ENOMEM;
  }
  int counted = 0;
  const char *name, *why;
  while ((rc = ash_input_next(in, &name, &why)) != ASH_ENOTFOUND) {
    if (!counted && ash_input_kind_of(in) == ASH_INPUT_CONTAINER) {
      pthread_mutex_lock(&sc->mu);
      sc->st.archives++;
      pthread_mutex_unlock(&sc->mu);
      counted = 1;
    }
    if (rc) {
      int enc = why && strstr(why, "encrypted");
      skip(sc, name, enc ? ASH_SKIP_ENCRYPTED : ASH_SKIP_ARCHIVE, why);
      if (rc == ASH_ENOMEM) break;
      rc = ASH_OK;
      continue;
    }
    file_begin(w, name, NULL);
    ash_scan_file *f = &w->cur;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    size_t fill = 0;
    uint64_t base = 0;
    int scanned_tail = 1; /* nothing after the last scanned window yet */
    for (;;) {
      const uint8_t *p;
      size_t n;
      if (ash_input_read(in, &p, &n)) {
        skip(sc, name, ASH_SKIP_ARCHIVE, "member could not be decompressed to its end");
        f->partial = 1;
        break;
      }
      if (!n) break;
      EVP_DigestUpdate(md, p, n);
      set_head(f, p, n);
      f->size += n;
      while (n) {
        size_t take = ASH_SCAN_WINDOW - fill < n ? ASH_SCAN_WINDOW - fill : n;
        memcpy(w->win + fill, p, take);
        fill += take;
        p += take;
        n -= take;
        scanned_tail = 0;
        if (fill == ASH_SCAN_WINDOW) {
          scan_window(w, w->win, fill, base);
          memmove(w->win, w->win + fill - ASH_SCAN_OVERLAP, ASH_SCAN_OVERLAP);
          base += fill - ASH_SCAN_OVERLAP;
          fill = ASH_SCAN_OVERLAP;
          scanned_tail = 1;
        }
      }
    }
    if (!scanned_tail) scan_window(w, w->win, fill, base);
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(md, d, &dl);
    hex32(d, f->sha256);
    if ((rc = file_end(w))) break;
  }
  EVP_MD_CTX_free(md);
  ash_input_close(in);
  return rc == ASH_ENOTFOUND ? ASH_OK : rc;
}

/* ---- plain files ---- */

static int open_ro(const char *path) {
  int fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == EPERM) fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  return fd;
}

static int hash_fd(int fd, uint64_t size, uint8_t *buf, size_t cap, char out[65]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) return ASH_ENOMEM;
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  uint64_t off = 0;
  int rc = ASH_OK;
  while (off < size) {
    ssize_t r = pread(fd, buf, cap, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      rc = ASH_EIO;
      break;
    }
    EVP_DigestUpdate(md, buf, (size_t)r);
    off += (uint64_t)r;
  }
  unsigned char d[32];
  unsigned int dl = 0;
  EVP_DigestFinal_ex(md, d, &dl);
  EVP_MD_CTX_free(md);
  hex32(d, out);
  return rc;
}

static int scan_plain_fd(worker *w, const char *path, int fd, const struct stat *st) {
  ash_scan_file *f = &w->cur;
  uint64_t size = (uint64_t)st->st_size;
  f->size = size;
  f->mtime = ts_of(st->st_mtim);
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME))
    f->btime = (int64_t)sx.stx_btime.tv_sec * ASH_US_PER_SEC + sx.stx_btime.tv_nsec / 1000;
  if (size == 0) {
    ash_sha256_hex("", 0, f->sha256);
    return ASH_OK;
  }
  if (size <= ASH_SCAN_WINDOW) {
    void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      skip(w->sc, path, ASH_SKIP_READ, strerror(errno));
      f->partial = 1;
      return ASH_OK;
    }
    set_head(f, m, (size_t)size);
    scan_memory(w, m, (size_t)size);
    /* hashing costs as much as scanning: only flagged files need it */
    if (f->nhits || f->nrules) ash_sha256_hex(m, (size_t)size, f->sha256);
    munmap(m, (size_t)size);
    return ASH_OK;
  }
  int rc = ensure_win(w);
  if (rc) return rc;
  uint64_t off = 0;
  for (;;) {
    size_t want = size - off < ASH_SCAN_WINDOW ? (size_t)(size - off) : ASH_SCAN_WINDOW, got = 0;
    while (got < want) {
      ssize_t r = pread(fd, w->win + got, want - got, (off_t)(off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
    }
    if (off == 0) set_head(f, w->win, got);
    scan_window(w, w->win, got, off);
    if (got < want) {
      skip(w->sc, path, ASH_SKIP_READ, "file shorter than its size or read error");
      f->partial = 1;
      break;
    }
    if (off + got >= size) break;
    off += got - ASH_SCAN_OVERLAP;
  }
  if ((f->nhits || f->nrules) && hash_fd(fd, size, w->win, ASH_SCAN_WINDOW, f->sha256))
    f->partial = 1;
  return ASH_OK;
}

static int scan_one(worker *w, const char *path) {
  ash_scanner *sc = w->sc;
  int fd = open_ro(path);
  if (fd < 0) {
    skip(sc, path, ASH_SKIP_UNREADABLE, strerror(errno));
    return ASH_OK;
  }
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    close(fd);
    skip(sc, path, ASH_SKIP_UNREADABLE, "not a regular file");
    return ASH_OK;
  }
  uint8_t head[512];
  ssize_t hn = pread(fd, head, sizeof head, 0);
  if (hn < 0) {
    skip(sc, path, ASH_SKIP_READ, strerror(errno));
    close(fd);
    return ASH_OK;
  }
  if (is_container(head, (size_t)hn)) {
    close(fd);
    return scan_container(w, path);
  }
  file_begin(w, path, path);
  int rc = scan_plain_fd(w, path, fd, &st);
  close(fd);
  if (!rc) rc = file_end(w);
  return rc;
}

/* ---- the pool: the walk queues paths, workers scan them ---- */

static void *pool_main(void *u) {
  worker *w = u;
  ash_scanner *sc = w->sc;
  for (;;) {
    pthread_mutex_lock(&sc->mu);
    while (!sc->qn && !sc->closing) pthread_cond_wait(&sc->can_take, &sc->mu);
    if (!sc->qn) {
      pthread_mutex_unlock(&sc->mu);
      return NULL;
    }
    char *path = sc->q[sc->qhead];
    sc->qhead = (sc->qhead + 1) % QUEUE_LEN;
    sc->qn--;
    pthread_cond_signal(&sc->can_put);
    pthread_mutex_unlock(&sc->mu);
    int rc = scan_one(w, path);
    free(path);
    if (rc) {
      pthread_mutex_lock(&sc->mu);
      if (!sc->fatal) sc->fatal = rc;
      pthread_mutex_unlock(&sc->mu);
    }
  }
}

static int pool_start(ash_scanner *sc, int threads) {
  if (threads <= 1) return ASH_OK;
  if (threads > 32) threads = 32; /* YR_MAX_THREADS */
  sc->pool = calloc((size_t)threads, sizeof *sc->pool);
  if (!sc->pool) return ASH_ENOMEM;
  for (int i = 0; i < threads; i++) {
    int rc = worker_init(&sc->pool[i], sc);
    if (!rc && pthread_create(&sc->pool[i].th, NULL, pool_main, &sc->pool[i])) rc = ASH_ENOMEM;
    if (rc) {
      worker_free(&sc->pool[i]);
      break;
    }
    sc->npool++;
  }
  return sc->npool ? ASH_OK : ASH_ENOMEM;
}

/* Let the workers drain the queue and end; idempotent. */
static void pool_stop(ash_scanner *sc) {
  if (!sc->pool) return;
  pthread_mutex_lock(&sc->mu);
  sc->closing = 1;
  pthread_cond_broadcast(&sc->can_take);
  pthread_mutex_unlock(&sc->mu);
  for (int i = 0; i < sc->npool; i++) {
    pthread_join(sc->pool[i].th, NULL);
    worker_free(&sc->pool[i]);
  }
  free(sc->pool);
  sc->pool = NULL;
  sc->npool = 0;
}

static int on_walk_file(void *u, const char *path) {
  ash_scanner *sc = u;
  if (!sc->npool) return scan_one(&sc->main, path);
  char *d = strdup(path);
  if (!d) return ASH_ENOMEM;
  pthread_mutex_lock(&sc->mu);
  while (sc->qn == QUEUE_LEN) pthread_cond_wait(&sc->can_put, &sc->mu);
  sc->q[(sc->qhead + sc->qn) % QUEUE_LEN] = d;
  sc->qn++;
  pthread_cond_signal(&sc->can_take);
  int fatal = sc->fatal;
  pthread_mutex_unlock(&sc->mu);
  return fatal;
}

static void on_walk_error(void *u, const char *path, int err, const char *why) {
  ash_scanner *sc = u;
  (void)err;
  skip(sc, path, ASH_SKIP_UNREADABLE, why);
}

int ash_scanner_scan(ash_scanner *sc, const char *path) {
  if (sc->finished) return ASH_EUSAGE;
  struct stat st;
  if (stat(path, &st)) {
    skip(sc, path, ASH_SKIP_UNREADABLE, strerror(errno));
    return ASH_ENOTFOUND;
  }
  int rc = ash_walk(path, on_walk_file, on_walk_error, sc);
  return rc == ASH_ESTOP ? ASH_OK : rc;
}

int ash_scanner_scan_memory(ash_scanner *sc, const char *name, const uint8_t *p, size_t n) {
  if (sc->finished) return ASH_EUSAGE;
  worker *w = &sc->main;
  file_begin(w, name, NULL);
  w->cur.size = n;
  set_head(&w->cur, p, n);
  scan_memory(w, p, n);
  ash_sha256_hex(p, n, w->cur.sha256);
  return file_end(w);
}

const ash_scan_stats *ash_scanner_stats(const ash_scanner *sc) { return &sc->st; }

int ash_scanner_finish(ash_scanner *sc, const ash_finding **out, size_t *n) {
  int rc = ASH_OK;
  if (!sc->finished) {
    sc->finished = 1;
    pool_stop(sc);
    rc = sc->fatal;
    int rc2 = ASH_OK;
    if (sc->o.store)
      rc2 = ash_scan_join_and_store(sc->o.store, sc->fv, sc->fn);
    else
      qsort(sc->fv, sc->fn, sizeof *sc->fv, ash_finding_cmp);
    if (!rc) rc = rc2;
  }
  *out = sc->fv;
  *n = sc->fn;
  return rc;
}
