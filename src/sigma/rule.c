/* Rule sets: loading Sigma rule files into compiled rules, and recording
 * why a rule was not loaded. Every document of a file is either a rule in
 * the set or a rejection with one reason, so `sigma --check` can account
 * for every rule it was given. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "sigma_int.h"

static const char *LEVELS[] = {"informational", "low", "medium", "high", "critical"};

const char *ash_sigma_level_name(ash_sigma_level l) {
  return (unsigned)l < 5 ? LEVELS[l] : "informational";
}

int ash_sigma_level_parse(const char *name, ash_sigma_level *out) {
  for (int i = 0; i < 5; i++)
    if (!strcasecmp(name, LEVELS[i])) {
      *out = (ash_sigma_level)i;
      return ASH_OK;
    }
  return ASH_EFORMAT;
}

/* ---- field names ---- */

/* A hash of p's bytes with ASCII letters lower-cased, eight at a time
 * (every field name of every event is looked up by it); the low bits are
 * mixed, as the tables index by them. In memory only: never stored. */
uint64_t ash_sigma_hash_lower(const char *p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    h = (h ^ ash_sigma_lower8(x)) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  if (i < n) {
    uint64_t x = 0;
    memcpy(&x, p + i, n - i);
    h = (h ^ ash_sigma_lower8(x)) * 0xff51afd7ed558ccdull;
  }
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 32);
}

/* ASCII letters without case, as the hash */
static int name_eq(const fname *f, const char *p, size_t n) {
  if (f->n != n) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)f->name[i], y = (unsigned char)p[i];
    if (x != y && ((x | 32) != (y | 32) || (unsigned)((x | 32) - 'a') > 25u)) return 0;
  }
  return 1;
}

uint32_t ash_sigma_field_lookup(const ash_sigma *s, const char *p, size_t n) {
  if (!s->fhcap) return ASH_SIGMA_FIELD_NONE;
  uint64_t h = ash_sigma_hash_lower(p, n);
  for (size_t i = h & (s->fhcap - 1);; i = (i + 1) & (s->fhcap - 1)) {
    uint32_t v = s->fh[i];
    if (!v) return ASH_SIGMA_FIELD_NONE;
    if (s->f[v - 1].h == h && name_eq(&s->f[v - 1], p, n)) return v - 1;
  }
}

static int rehash(ash_sigma *s, size_t cap) {
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return ASH_ENOMEM;
  for (size_t k = 0; k < s->nf; k++) {
    size_t i = s->f[k].h & (cap - 1);
    while (t[i]) i = (i + 1) & (cap - 1);
    t[i] = (uint32_t)k + 1;
  }
  free(s->fh);
  s->fh = t;
  s->fhcap = cap;
  return ASH_OK;
}

int ash_sigma_intern(ash_sigma *s, const char *p, size_t n, uint32_t *id) {
  uint32_t v = ash_sigma_field_lookup(s, p, n);
  if (v != ASH_SIGMA_FIELD_NONE) {
    *id = v;
    return ASH_OK;
  }
  if (s->nf >= 1000000) return ASH_ELIMIT;
  fname *f = ash_array_room(s->f, &s->fcap, s->nf, sizeof *s->f, 64);
  if (!f) return ASH_ENOMEM;
  s->f = f;
  char *nm = malloc(n + 1);
  if (!nm) return ASH_ENOMEM;
  for (size_t i = 0; i < n; i++) nm[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
  nm[n] = 0;
  s->f[s->nf] = (fname){nm, n, ash_sigma_hash_lower(p, n)};
  s->nf++;
  if (s->nf * 2 > s->fhcap) {
    int rc = rehash(s, s->fhcap ? 2 * s->fhcap : 256);
    if (rc) return rc;
  } else {
    size_t i = s->f[s->nf - 1].h & (s->fhcap - 1);
    while (s->fh[i]) i = (i + 1) & (s->fhcap - 1);
    s->fh[i] = (uint32_t)s->nf;
  }
  *id = (uint32_t)(s->nf - 1);
  return ASH_OK;
}

/* ---- the set ---- */

int ash_sigma_open(ash_sigma **out) {
  ash_sigma *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  *out = s;
  return ASH_OK;
}

void ash_sigma_rule_free(rule *r) {
  free((char *)r->info.id);
  free((char *)r->info.title);
  free((char *)r->info.path);
  free((char *)r->info.logsource);
  for (size_t i = 0; i < r->info.ntags; i++) free(r->tagv[i]);
  free(r->tagv);
  for (size_t i = 0; i < r->nsel; i++) {
    for (size_t g = 0; g < r->sel[i].ng; g++) {
      for (size_t k = 0; k < r->sel[i].g[g].nit; k++) ash_sigma_item_free(&r->sel[i].g[g].it[k]);
      free(r->sel[i].g[g].it);
    }
    free(r->sel[i].g);
    free(r->sel[i].name);
  }
  free(r->sel);
  ash_sigma_cond_free(r->cond);
  ash_sigma_corr_free(r->corr);
  free(r->name);
  free(r->feeds);
}

void ash_sigma_close(ash_sigma *s) {
  if (!s) return;
  for (size_t i = 0; i < s->nr; i++) ash_sigma_rule_free(&s->r[i]);
  free(s->r);
  for (size_t i = 0; i < s->nrej; i++) {
    free((char *)s->rej[i].path);
    free((char *)s->rej[i].id);
    free((char *)s->rej[i].title);
    free((char *)s->rej[i].reason);
  }
  free(s->rej);
  for (size_t i = 0; i < s->nf; i++) free(s->f[i].name);
  free(s->f);
  free(s->fh);
  ash_yaml_arena_free(s->ph_arena);
  ash_ycache_close(s->yc);
  free(s->bidx);
  free(s->bstart);
  free(s->need);
  free(s->rbuf);
  ash_sigma_lit_free(s);
  free(s);
}

size_t ash_sigma_count(const ash_sigma *s) { return s->nr; }
const ash_sigma_rule_info *ash_sigma_rule(const ash_sigma *s, size_t i) {
  return i < s->nr ? &s->r[i].info : NULL;
}
size_t ash_sigma_reject_count(const ash_sigma *s) { return s->nrej; }
const ash_sigma_reject *ash_sigma_reject_at(const ash_sigma *s, size_t i) {
  return i < s->nrej ? &s->rej[i] : NULL;
}

static char *sdup(const char *p) {
  if (!p) p = "";
  size_t n = strlen(p);
  char *d = malloc(n + 1);
  if (d) memcpy(d, p, n + 1);
  return d;
}

static int reject(ash_sigma *s, const char *path, const char *id, const char *title,
                  const char *reason) {
  ash_sigma_reject *r = ash_array_room(s->rej, &s->rejcap, s->nrej, sizeof *s->rej, 16);
  if (!r) return ASH_ENOMEM;
  s->rej = r;
  ash_sigma_reject *x = &s->rej[s->nrej];
  x->path = sdup(path);
  x->id = sdup(id);
  x->title = sdup(title);
  x->reason = sdup(reason);
  if (!x->path || !x->id || !x->title || !x->reason) {
    free((char *)x->path);
    free((char *)x->id);
    free((char *)x->title);
    free((char *)x->reason);
    return ASH_ENOMEM;
  }
  s->nrej++;
  s->indexed = 0;
  return ASH_OK;
}

int ash_sigma_set_placeholders(ash_sigma *s, const uint8_t *buf, size_t len) {
  ynode **docs;
  size_t nd;
  void *arena;
  char err[200];
  int rc = ash_yaml_parse(buf, len, &docs, &nd, &arena, err, sizeof err);
  if (rc) return rc;
  if (nd != 1 || docs[0]->type != Y_MAP) {
    ash_yaml_arena_free(arena);
    return ASH_EFORMAT;
  }
  ash_yaml_arena_free(s->ph_arena);
  s->ph = docs[0];
  s->ph_arena = arena;
  return ASH_OK;
}

static const char *sc(const ynode *n) { return n && n->type == Y_SCALAR ? n->s : NULL; }

/* One selection from its YAML value. */
static int compile_selection(ash_sigma *s, const char *name, const ynode *v, selection *out,
                             char *err, size_t errn) {
  memset(out, 0, sizeof *out);
  if (!(out->name = sdup(name))) return ASH_ENOMEM;
  size_t ng = v->type == Y_SEQ ? v->n : 1;
  if (v->type == Y_SCALAR && ash_yaml_is_null(v)) {
    snprintf(err, errn, "selection '%.60s' is empty", name);
    return ASH_EFORMAT;
  }
  out->g = calloc(ng ? ng : 1, sizeof *out->g);
  if (!out->g) return ASH_ENOMEM;
  /* keywords: the scalars of a list are one item, OR'ed */
  size_t nkw = 0;
  if (v->type == Y_SEQ)
    for (size_t i = 0; i < v->n; i++)
      if (v->kids[i]->type == Y_SCALAR) nkw++;
  if (v->type == Y_SCALAR || (v->type == Y_SEQ && nkw == v->n)) {
    out->g[0].it = calloc(1, sizeof(fitem));
    if (!out->g[0].it) return ASH_ENOMEM;
    out->ng = 1;
    int rc = ash_sigma_item_compile(s, "", v, &out->g[0].it[0], err, errn);
    if (rc) return rc;
    out->g[0].nit = 1;
    return ASH_OK;
  }
  for (size_t gi = 0; gi < ng; gi++) {
    const ynode *m = v->type == Y_SEQ ? v->kids[gi] : v;
    fgroup *g = &out->g[out->ng++];
    if (m->type == Y_SCALAR) {
      g->it = calloc(1, sizeof(fitem));
      if (!g->it) return ASH_ENOMEM;
      int rc = ash_sigma_item_compile(s, "", m, &g->it[0], err, errn);
      if (rc) return rc;
      g->nit = 1;
      continue;
    }
    if (m->type != Y_MAP) {
      snprintf(err, errn, "selection '%.60s' at line %d: nested list", name, m->line);
      return ASH_EFORMAT;
    }
    g->it = calloc(m->n ? m->n : 1, sizeof(fitem));
    if (!g->it) return ASH_ENOMEM;
    for (size_t k = 0; k < m->n; k++) {
      const ynode *key = m->kids[2 * k];
      if (key->type != Y_SCALAR) {
        snprintf(err, errn, "selection '%.60s': key is not a string", name);
        return ASH_EFORMAT;
      }
      int rc = ash_sigma_item_compile(s, key->s, m->kids[2 * k + 1], &g->it[g->nit], err, errn);
      if (rc) return rc;
      g->nit++;
    }
  }
  return ASH_OK;
}

static int add_rule(ash_sigma *s, rule *r) {
  rule *rr = ash_array_room(s->r, &s->rcap, s->nr, sizeof *s->r, 64);
  if (!rr) {
    ash_sigma_rule_free(r);
    return ASH_ENOMEM;
  }
  s->r = rr;
  s->r[s->nr++] = *r;
  s->indexed = 0;
  return ASH_OK;
}

static int rule_meta(rule *r, const ynode *d, const char *id, const char *title, const char *path,
                     const char *lsname) {
  r->info.id = sdup(id);
  r->info.title = sdup(title);
  r->info.path = sdup(path);
  r->info.logsource = sdup(lsname);
  const char *nm = sc(ash_yaml_get(d, "name"));
  if (nm && !(r->name = sdup(nm))) return ASH_ENOMEM;
  if (!r->info.id || !r->info.title || !r->info.path || !r->info.logsource) return ASH_ENOMEM;
  const ynode *tags = ash_yaml_get(d, "tags");
  if (tags && tags->type == Y_SEQ && tags->n) {
    r->tagv = calloc(tags->n, sizeof *r->tagv);
    if (!r->tagv) return ASH_ENOMEM;
    for (size_t i = 0; i < tags->n; i++)
      if (sc(tags->kids[i])) {
        if (!(r->tagv[r->info.ntags] = sdup(tags->kids[i]->s))) return ASH_ENOMEM;
        r->info.ntags++;
      }
    r->info.tags = (const char *const *)r->tagv;
  }
  return ASH_OK;
}

/* A correlation rule: its references are resolved once the whole set is
 * loaded (ash_sigma_prepare), since the rules it names may come later. */
static int load_correlation(ash_sigma *s, const ynode *d, const char *path, const char *id,
                            const char *title) {
  char err[256] = "";
  if (s->nr >= ASH_MAX_SIGMA_RULES) return ASH_ELIMIT;
  rule r;
  memset(&r, 0, sizeof r);
  r.info.level = ASH_SIGMA_MEDIUM;
  const char *lv = sc(ash_yaml_get(d, "level"));
  int rc = ASH_OK;
  if (lv && ash_sigma_level_parse(lv, &r.info.level)) {
    snprintf(err, sizeof err, "unknown level '%.40s'", lv);
    rc = ASH_EFORMAT;
  }
  if (!rc) rc = ash_sigma_corr_load(s, d, &r, err, sizeof err);
  if (!rc) {
    char ls[64];
    const char *type = sc(ash_yaml_get(ash_yaml_get(d, "correlation"), "type"));
    snprintf(ls, sizeof ls, "correlation/%s", type ? type : "");
    rc = rule_meta(&r, d, id, title, path, ls);
  }
  if (rc) {
    ash_sigma_rule_free(&r);
    if (rc == ASH_ENOMEM) return rc;
    return reject(s, path, id, title, err[0] ? err : ash_strerror(rc));
  }
  return add_rule(s, &r);
}

/* One YAML document -> a rule in s, or a rejection. */
static int load_doc(ash_sigma *s, const ynode *d, const char *path) {
  char err[256] = "";
  const char *id = sc(ash_yaml_get(d, "id"));
  const char *title = sc(ash_yaml_get(d, "title"));
  if (d->type != Y_MAP) return reject(s, path, id, title, "document is not a map");
  if (ash_yaml_get(d, "correlation")) return load_correlation(s, d, path, id, title);
  if (ash_yaml_get(d, "filter"))
    return reject(s, path, id, title, "filter rules are not supported yet");
  const ynode *det = ash_yaml_get(d, "detection");
  if (!det || det->type != Y_MAP) return reject(s, path, id, title, "no detection");
  if (s->nr >= ASH_MAX_SIGMA_RULES) return ASH_ELIMIT;
  rule r;
  memset(&r, 0, sizeof r);
  char lsname[160];
  int rc = ash_sigma_logsource(ash_yaml_get(d, "logsource"), &r.ls, lsname, sizeof lsname, err,
                               sizeof err);
  if (rc) return reject(s, path, id, title, err);
  r.info.level = ASH_SIGMA_MEDIUM;
  const char *lv = sc(ash_yaml_get(d, "level"));
  if (lv && ash_sigma_level_parse(lv, &r.info.level)) {
    snprintf(err, sizeof err, "unknown level '%.40s'", lv);
    return reject(s, path, id, title, err);
  }
  r.sel = calloc(det->n ? det->n : 1, sizeof *r.sel);
  if (!r.sel) return ASH_ENOMEM;
  rc = ASH_OK;
  for (size_t i = 0; i < det->n && !rc; i++) {
    const char *k = sc(det->kids[2 * i]);
    if (!k) {
      snprintf(err, sizeof err, "detection key is not a string");
      rc = ASH_EFORMAT;
      break;
    }
    if (!strcmp(k, "condition") || !strcmp(k, "timeframe")) continue;
    rc = compile_selection(s, k, det->kids[2 * i + 1], &r.sel[r.nsel], err, sizeof err);
    r.nsel++;
  }
  if (!rc)
    rc = ash_sigma_cond_compile(ash_yaml_get(det, "condition"), r.sel, r.nsel, &r.cond, err,
                                sizeof err);
  if (!rc) rc = rule_meta(&r, d, id, title, path, lsname);
  if (rc) {
    ash_sigma_rule_free(&r);
    if (rc == ASH_ENOMEM) return rc;
    return reject(s, path, id, title, err[0] ? err : ash_strerror(rc));
  }
  return add_rule(s, &r);
}

/* The rules of one file's text; yc caches the parse (NULL: parse). */
static int load_text(ash_sigma *s, const uint8_t *buf, size_t len, const char *path,
                     ash_ycache *yc) {
  ynode **docs;
  size_t nd;
  void *arena;
  char err[256];
  if (!path) path = "";
  if (len > ASH_MAX_SIGMA_FILE) return reject(s, path, NULL, NULL, "file too large");
  int rc = ash_ycache_parse(yc, buf, len, &docs, &nd, &arena, err, sizeof err);
  if (rc == ASH_EFORMAT) return reject(s, path, NULL, NULL, err);
  if (rc) return rc;
  rc = ASH_OK;
  /* A document without detection that only carries shared fields (the
   * "action: global" style of Sigma 1) is not a rule of its own. */
  for (size_t i = 0; i < nd && !rc; i++) rc = load_doc(s, docs[i], path);
  ash_yaml_arena_free(arena);
  if (!rc && nd == 0) rc = reject(s, path, NULL, NULL, "empty file");
  return rc;
}

/* Text handed over in memory (the built-in pack, tests) is parsed: the
 * cache is for the user's rule files. */
int ash_sigma_load(ash_sigma *s, const uint8_t *buf, size_t len, const char *path) {
  return load_text(s, buf, len, path, NULL);
}

static int has_ext(const char *name) {
  size_t n = strlen(name);
  return (n > 4 && !strcasecmp(name + n - 4, ".yml")) ||
         (n > 5 && !strcasecmp(name + n - 5, ".yaml"));
}

/* One file's rules. A rule directory is thousands of files of a few KiB:
 * each is read with open, fstat and one read into s->rbuf (kept between
 * files, sized to the file + 1 so that the read also sees the end), never
 * more than ASH_MAX_SIGMA_FILE + 1 bytes (ash_sigma_load refuses that as
 * too big). A file that grew since fstat is read on to the cap. */
static int load_file(ash_sigma *s, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char why[200];
    snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
    return reject(s, path, NULL, NULL, why);
  }
  struct stat st;
  size_t want = ASH_MAX_SIGMA_FILE + 1, n = 0;
  int reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (reg && (uint64_t)st.st_size < want) want = (size_t)st.st_size + 1;
  int bad = 0;
  for (;;) {
    if (want > s->rbufcap) {
      uint8_t *nb = realloc(s->rbuf, want);
      if (!nb) {
        close(fd);
        return ASH_ENOMEM;
      }
      s->rbuf = nb;
      s->rbufcap = want;
    }
    ssize_t r = read(fd, s->rbuf + n, want - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      bad = 1;
      break;
    }
    if (r == 0) break;
    n += (size_t)r;
    /* a regular file reads short only at its end */
    if (reg && n < want) break;
    if (n == want) {
      if (want == ASH_MAX_SIGMA_FILE + 1) break;
      want = ASH_MAX_SIGMA_FILE + 1; /* grown since fstat */
    }
  }
  close(fd);
  if (bad) return reject(s, path, NULL, NULL, "read error");
  s->files++;
  if (!s->yc_opened) {
    s->yc_opened = 1;
    int rc = ash_ycache_open(&s->yc);
    if (rc) return rc;
  }
  return load_text(s, s->rbuf, n, path, s->yc);
}

/* A directory entry: its name and its type as readdir gave it. */
typedef struct dent {
  char *name;
  unsigned char type;
} dent;

static int cmpdent(const void *a, const void *b) {
  return strcmp(((const dent *)a)->name, ((const dent *)b)->name);
}

static int load_dir(ash_sigma *s, const char *path, unsigned depth) {
  if (depth > ASH_MAX_DIR_DEPTH) return reject(s, path, NULL, NULL, "directory nesting too deep");
  DIR *d = opendir(path);
  if (!d) return reject(s, path, NULL, NULL, "cannot open directory");
  dent *ents = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int rc = ASH_OK;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    dent *ne = ash_array_room(ents, &cap, n, sizeof *ents, 32);
    if (!ne) {
      rc = ASH_ENOMEM;
      break;
    }
    ents = ne;
    if (!(ents[n].name = sdup(e->d_name))) {
      rc = ASH_ENOMEM;
      break;
    }
    ents[n].type = e->d_type;
    n++;
  }
  closedir(d);
  if (n) qsort(ents, n, sizeof *ents, cmpdent);
  for (size_t i = 0; i < n; i++) {
    if (!rc) {
      size_t pl = strlen(path) + strlen(ents[i].name) + 2;
      char *full = malloc(pl);
      if (!full) {
        rc = ASH_ENOMEM;
      } else {
        snprintf(full, pl, "%s/%s", path, ents[i].name);
        /* the entry's type from readdir saves a stat per file; links, and
         * file systems that do not say, are stat'ed */
        struct stat st;
        int isdir = ents[i].type == DT_DIR;
        if (ents[i].type != DT_DIR && ents[i].type != DT_REG)
          isdir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        if (isdir)
          rc = load_dir(s, full, depth + 1);
        else if (has_ext(ents[i].name))
          rc = load_file(s, full);
        free(full);
      }
    }
    free(ents[i].name);
  }
  free(ents);
  return rc;
}

size_t ash_sigma_files(const ash_sigma *s, size_t *from_cache) {
  if (from_cache) *from_cache = s->yc ? ash_ycache_hits(s->yc) : s->cached;
  return s->files;
}

int ash_sigma_load_path(ash_sigma *s, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    char why[200];
    snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
    return reject(s, path, NULL, NULL, why);
  }
  if (S_ISDIR(st.st_mode)) return load_dir(s, path, 0);
  return load_file(s, path);
}
