#include "ashiato/raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ashiato/error.h"
#include "ashiato/event.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"
#include "ctx.h"
#include "evtx.h"

/* The result of one source's identity check, kept for the run: a source
 * is checked (and maybe hashed) once, however many of its events are read,
 * and a refused one is not decoded again. */
typedef struct checked {
  char *path;
  uint64_t size;
  int64_t mtime_ns;
  char sha[65];
  int rc;          /* ASH_OK, ASH_ECHANGED, ASH_ENOTFOUND, ... */
  const char *why; /* static */
} checked;

struct ash_raw {
  int flags;            /* ASH_RAW_VERIFY */
  uint64_t max_decoded; /* ash_raw_limit; 0 = none */
  checked *seen;        /* open-addressing table, nseen < capseen / 2 */
  size_t nseen, capseen;
  char *path;       /* source path of the member held */
  ash_input *in;    /* open input positioned on that member */
  const uint8_t *p; /* the member's bytes */
  size_t n;
  ash_evtx_index *ix; /* its EVTX records by number, built on first use */
  int eol;            /* its line ends as the splitter read them (ASH_EOL_*) */
};

int ash_raw_open(ash_raw **out, int flags) {
  ash_raw *r = calloc(1, sizeof *r);
  if (!r) return ASH_ENOMEM;
  r->flags = flags;
  *out = r;
  return ASH_OK;
}

void ash_raw_limit(ash_raw *r, uint64_t max_decoded) { r->max_decoded = max_decoded; }

static void drop(ash_raw *r) {
  ash_evtx_index_free(r->ix);
  r->ix = NULL;
  ash_input_close(r->in);
  free(r->path);
  r->in = NULL;
  r->path = NULL;
  r->p = NULL;
  r->n = 0;
}

void ash_raw_close(ash_raw *r) {
  if (!r) return;
  drop(r);
  for (size_t i = 0; i < r->capseen; i++) free(r->seen[i].path);
  free(r->seen);
  free(r);
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Open the member named by a source path: the file itself, or the part
 * before a '!' that is a file, then the member named after it (names may
 * themselves contain '!': each split is tried from the left). */
static int load(ash_raw *r, const char *source) {
  if (r->path && !strcmp(r->path, source)) return ASH_OK;
  drop(r);
  size_t len = strlen(source);
  char *outer = malloc(len + 1);
  if (!outer) return ASH_ENOMEM;
  memcpy(outer, source, len + 1);
  const char *inner = NULL;
  if (!is_file(outer)) {
    for (char *bang = strchr(outer, '!'); bang; bang = strchr(bang + 1, '!')) {
      *bang = 0;
      if (is_file(outer)) {
        inner = source + (bang - outer) + 1;
        break;
      }
      *bang = '!';
    }
    if (!inner) {
      free(outer);
      return ASH_ENOTFOUND;
    }
  }
  ash_input *in;
  int rc = ash_input_open(&in, outer);
  free(outer);
  if (rc) return rc;
  const char *name, *why;
  for (;;) {
    rc = ash_input_next(in, &name, &why);
    if (rc == ASH_ENOTFOUND) break;
    if (rc) continue;
    if (!strcmp(name, source)) break;
  }
  if (rc == ASH_OK) rc = ash_input_whole(in, &r->p, &r->n);
  if (rc) {
    ash_input_close(in);
    return rc;
  }
  r->in = in;
  r->eol = ash_eol_detect(r->p, r->n);
  r->path = strdup(source);
  if (!r->path) {
    drop(r);
    return ASH_ENOMEM;
  }
  return ASH_OK;
}

/* ---- identity check ---- */

static const char *src_sha(const ash_source_info *src) { return src->sha256 ? src->sha256 : ""; }

static uint64_t key_hash(const ash_source_info *src) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)src->path; *p; p++)
    h = (h ^ *p) * 1099511628211ULL;
  return (h ^ src->size ^ (uint64_t)src->mtime_ns) * 1099511628211ULL;
}

static int same_key(const checked *c, const ash_source_info *src) {
  return c->size == src->size && c->mtime_ns == src->mtime_ns && !strcmp(c->path, src->path) &&
         !strcmp(c->sha, src_sha(src));
}

/* The slot of src's entry, or of the empty slot where it goes. */
static checked *slot(ash_raw *r, const ash_source_info *src) {
  size_t m = r->capseen - 1, i = (size_t)key_hash(src) & m;
  while (r->seen[i].path && !same_key(&r->seen[i], src)) i = (i + 1) & m;
  return &r->seen[i];
}

static int remember(ash_raw *r, const ash_source_info *src, int rc, const char *why) {
  if (r->nseen + 1 > r->capseen / 2) {
    size_t cap = r->capseen ? r->capseen * 2 : 64;
    checked *old = r->seen, *v = calloc(cap, sizeof *v);
    if (!v) return ASH_ENOMEM;
    size_t oldcap = r->capseen;
    r->seen = v;
    r->capseen = cap;
    for (size_t i = 0; i < oldcap; i++) {
      if (!old[i].path) continue;
      ash_source_info k;
      memset(&k, 0, sizeof k);
      k.path = old[i].path;
      k.size = old[i].size;
      k.mtime_ns = old[i].mtime_ns;
      k.sha256 = old[i].sha;
      *slot(r, &k) = old[i];
    }
    free(old);
  }
  checked *c = slot(r, src);
  c->path = strdup(src->path);
  if (!c->path) return ASH_ENOMEM;
  c->size = src->size;
  c->mtime_ns = src->mtime_ns;
  snprintf(c->sha, sizeof c->sha, "%s", src_sha(src));
  c->rc = rc;
  c->why = why;
  r->nseen++;
  return ASH_OK;
}

/* Compare the loaded member with src (see raw.h for why these checks). */
static int check_loaded(ash_raw *r, const ash_source_info *src, const char **why) {
  int member = ash_input_kind_of(r->in) == ASH_INPUT_CONTAINER;
  uint64_t size = member ? (uint64_t)r->n : ash_input_file_size(r->in);
  if (size > src->size && src->size && ash_input_kind_of(r->in) == ASH_INPUT_PLAIN && r->p &&
      src->size <= r->n && strlen(src_sha(src)) == 64) {
    /* a log that grew since (ingest reads its new part as a source that
     * continues this one): a log is appended to, and this source was read
     * from bytes [0, size) alone, so when they still hash to its SHA-256
     * every line it quotes is the line ingested, whatever came after */
    char hex[65];
    ash_sha256_hex(r->p, (size_t)src->size, hex);
    *why = strcmp(hex, src_sha(src)) ? "SHA-256 of the part ingested" : NULL;
    return *why ? ASH_ECHANGED : ASH_OK;
  }
  if (size != src->size) {
    *why = "size";
    return ASH_ECHANGED;
  }
  int64_t mt = ash_input_file_mtime_ns(r->in);
  if (!(r->flags & ASH_RAW_VERIFY) && src->mtime_ns != ASH_UNSET && mt == src->mtime_ns) {
    *why = NULL;
    return ASH_OK;
  }
  const char *want = src_sha(src);
  if (strlen(want) != 64) {
    /* a complete source always has its hash; without one nothing proves
     * the file is the one ingested */
    *why = "no SHA-256 recorded";
    return ASH_ECHANGED;
  }
  char hex[65];
  if (member) {
    ash_sha256_hex(r->p ? (const void *)r->p : "", r->n, hex);
  } else {
    int rc = ash_input_file_sha256(r->in, hex);
    if (rc) return rc;
  }
  if (strcmp(hex, want)) {
    *why = "SHA-256";
    return ASH_ECHANGED;
  }
  *why = NULL;
  return ASH_OK;
}

/* A compressed file or archive member above the decoding limit. */
static int too_big(ash_raw *r, const ash_source_info *src) {
  if (!r->max_decoded || src->size <= r->max_decoded) return 0;
  if (r->path && !strcmp(r->path, src->path)) return 0; /* already decoded */
  if (!is_file(src->path)) return 1;                    /* an archive member */
  ash_input *in;
  if (ash_input_open(&in, src->path)) return 0; /* load says why */
  int big = ash_input_kind_of(in) != ASH_INPUT_PLAIN;
  ash_input_close(in);
  return big;
}

/* Load src's member and check it, once per source and run. */
static int load_checked(ash_raw *r, const ash_source_info *src, const char **why) {
  *why = NULL;
  if (!src || !src->path) return ASH_ENOTFOUND;
  if (r->capseen) {
    checked *c = slot(r, src);
    if (c->path) {
      *why = c->why;
      return c->rc ? c->rc : load(r, src->path);
    }
  }
  if (too_big(r, src)) return ASH_ELIMIT;
  int rc = load(r, src->path);
  if (!rc) rc = check_loaded(r, src, why);
  if (rc == ASH_ENOMEM || rc == ASH_EIO) return rc; /* may pass: not remembered */
  int rc2 = remember(r, src, rc, *why);
  return rc ? rc : rc2;
}

int ash_raw_check(ash_raw *r, const ash_source_info *src, const char **why) {
  return load_checked(r, src, why);
}

int ash_raw_get(ash_raw *r, const ash_source_info *src, uint64_t ref, int ref_is_record,
                ash_buf *out) {
  const char *why;
  ash_buf_reset(out);
  int rc = load_checked(r, src, &why);
  if (rc) return rc;
  if (ref_is_record) {
    if (r->n < 8 || memcmp(r->p, "ElfFile", 8)) return ASH_ENOTFOUND;
    /* one decoding pass per file, then one record per event: `events
     * --raw` over a whole Security.evtx must not decode it once per event */
    if (!r->ix && (rc = ash_evtx_index_build(r->p, r->n, &r->ix))) return rc;
    return ash_evtx_index_xml(r->ix, r->p, r->n, ref, out);
  }
  if (ref >= r->n) return ASH_ENOTFOUND;
  size_t avail = r->n - (size_t)ref;
  if (avail > ASH_MAX_LINE) avail = ASH_MAX_LINE;
  const uint8_t *s = r->p + ref;
  return ash_buf_add(out, s, ash_eol_line_len(s, avail, r->eol));
}
