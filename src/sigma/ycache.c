/* Parsed rule files, cached between runs.
 *
 * Why: a SigmaHQ checkout is about 2,400 files of YAML (4.4 MB for
 * rules/windows), and libyaml spends about 130 instructions a byte on it.
 * Loading the rule set cost more CPU than evaluating it over the 28,608
 * events of the EVTX corpus (callgrind: 0.68 G instructions in
 * ash_yaml_parse of 4.0 G for the whole run). A responder runs the same
 * rules over case after case, so the parse is kept.
 *
 * What is kept: the YAML tree of each file (ynode: type, plain, line, text),
 * keyed by the SHA-256 of the file's bytes. Nothing about the file's name
 * or time is trusted: an edited rule has another hash, so the cache can
 * be stale only by a SHA-256 collision. Compiling the tree into a rule
 * (modifiers, conditions, logsource) runs every time, so a change to the
 * compiler never meets an old compiled form. A change to the tree itself
 * (yaml.c) must bump YC_VERSION.
 *
 * Where: $ASHIATO_CACHE (a directory; "off" or "0" turns the cache off),
 * else $XDG_CACHE_HOME/ashiato, else $HOME/.cache/ashiato, file
 * sigma-yaml. The directory is made 0700. A cache file that is not a
 * regular file owned by this user, or that others may write, is ignored:
 * another account must not decide what our rules say.
 *
 * The file is input like any other: every length is checked against what
 * is left, node counts and depth are capped as for parsed YAML, and an
 * entry that does not decode is parsed from the file instead. A cache that
 * cannot be read or written costs speed, never a result: the caller parses.
 *
 * Layout (little endian): "ASHYC" 0 0 0, u32 version, u32 entries; each
 * entry: 32-byte key, the SHA-256 of its packed documents, u32 length,
 * then the packed documents (ash_yaml_pack). The second digest is checked
 * before an entry is used: a flipped byte inside a rule's text would still
 * unpack, into a rule that says something else (e2e.sigma_cache found
 * this), and only a digest tells.
 * Written to a temporary file and renamed over the old one, so a reader
 * sees the old file or the new one, and two runs at once lose at most
 * each other's additions. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "sigma_int.h"

#define YC_MAGIC "ASHYC\0\0\0"
#define YC_VERSION 1u
/* the cache file read at most: rules/windows packs into ~3 MB */
#define YC_MAX_FILE (64u << 20)
/* entries not used by this run are kept while the file stays below this */
#define YC_KEEP (32u << 20)
/* an entry's key, digest and length */
#define YC_HEAD 68u

/* ---- packing one file's documents ---- */

static int put_u32(ash_buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  return ash_buf_add(b, x, 4);
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int pack_node(const ynode *n, ash_buf *b) {
  uint8_t h[2] = {(uint8_t)n->type, (uint8_t)(n->plain != 0)};
  int rc = ash_buf_add(b, h, 2);
  if (!rc) rc = put_u32(b, (uint32_t)n->line);
  if (!rc) rc = put_u32(b, (uint32_t)n->n);
  if (rc) return rc;
  if (n->type == Y_SCALAR) return ash_buf_add(b, n->s, n->n);
  size_t k = n->type == Y_MAP ? 2 * n->n : n->n;
  for (size_t i = 0; i < k && !rc; i++) rc = pack_node(n->kids[i], b);
  return rc;
}

int ash_yaml_pack(ynode *const *docs, size_t nd, ash_buf *out) {
  int rc = put_u32(out, (uint32_t)nd);
  for (size_t i = 0; i < nd && !rc; i++) rc = pack_node(docs[i], out);
  return rc;
}

typedef struct unpacker {
  const uint8_t *p, *end;
  size_t nodes, kids, bytes; /* the sizing pass's totals */
  ynode *nv;                 /* the building pass's arrays */
  ynode **kv;
  char *sv;
} unpacker;

/* One node at u->p. The first pass (build 0) checks and counts; the second
 * builds from what the first proved well formed. */
static int unpack_node(unpacker *u, unsigned depth, int build, ynode **out) {
  if (depth > ASH_MAX_SIGMA_DEPTH || u->end - u->p < 10) return ASH_EFORMAT;
  int type = u->p[0], plain = u->p[1];
  uint32_t line = get_u32(u->p + 2), n = get_u32(u->p + 6);
  u->p += 10;
  if ((type != Y_SCALAR && type != Y_SEQ && type != Y_MAP) || plain > 1 || line > INT_MAX)
    return ASH_EFORMAT;
  if (!build && ++u->nodes > ASH_MAX_SIGMA_NODES) return ASH_EFORMAT;
  ynode *x = NULL;
  if (build) {
    x = u->nv++;
    memset(x, 0, sizeof *x);
    x->type = type;
    x->plain = plain;
    x->line = (int)line;
    x->n = n;
    *out = x;
  }
  if (type == Y_SCALAR) {
    if ((size_t)(u->end - u->p) < n) return ASH_EFORMAT;
    if (build) {
      x->s = u->sv;
      memcpy(x->s, u->p, n);
      x->s[n] = 0;
      u->sv += (size_t)n + 1;
    } else {
      u->bytes += (size_t)n + 1;
    }
    u->p += n;
    return ASH_OK;
  }
  /* every child takes at least 10 bytes: a count past what is left is
   * refused before anything is sized by it */
  uint64_t k = type == Y_MAP ? 2ull * n : n;
  if (k > (uint64_t)(u->end - u->p) / 10) return ASH_EFORMAT;
  if (build) {
    x->kids = k ? u->kv : NULL;
    u->kv += k;
  } else {
    u->kids += (size_t)k;
  }
  for (uint64_t i = 0; i < k; i++) {
    int rc = unpack_node(u, depth + 1, build, build ? &x->kids[i] : NULL);
    if (rc) return rc;
  }
  return ASH_OK;
}

int ash_yaml_unpack(const uint8_t *p, size_t n, ynode ***docs, size_t *nd, void **arena) {
  *docs = NULL;
  *nd = 0;
  *arena = NULL;
  if (n < 4) return ASH_EFORMAT;
  uint32_t ndocs = get_u32(p);
  unpacker u = {.p = p + 4, .end = p + n};
  if (ndocs > (n - 4) / 10) return ASH_EFORMAT;
  for (uint32_t i = 0; i < ndocs; i++) {
    int rc = unpack_node(&u, 0, 0, NULL);
    if (rc) return rc;
  }
  if (u.p != u.end) return ASH_EFORMAT;
  /* one block: the document list, the nodes, the child lists, the text */
  size_t sz = (size_t)ndocs * sizeof(ynode *) + u.nodes * sizeof(ynode) + u.kids * sizeof(ynode *) +
              u.bytes + 1;
  ynode_arena *ar = calloc(1, sizeof *ar);
  char *a = ar ? ash_yaml_arena_alloc(ar, sz) : NULL;
  if (!a) {
    free(ar);
    return ASH_ENOMEM;
  }
  ynode **dv = (ynode **)(void *)a;
  u.nv = (ynode *)(void *)(a + (size_t)ndocs * sizeof(ynode *));
  u.kv = (ynode **)(void *)(u.nv + u.nodes);
  u.sv = (char *)(u.kv + u.kids);
  u.p = p + 4;
  for (uint32_t i = 0; i < ndocs; i++) unpack_node(&u, 0, 1, &dv[i]);
  *docs = dv;
  *nd = ndocs;
  *arena = ar;
  return ASH_OK;
}

/* ---- the cache file ---- */

/* 0 when out holds the digest */
static int sha256(const uint8_t *p, size_t n, uint8_t out[32]) {
  unsigned int len = 0;
  return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) && len == 32 ? 0 : -1;
}

/* An entry's state: read from the file and not (yet) used by this run,
 * used by it, new in it, or found not to decode. */
enum { YE_OLD, YE_USED, YE_NEW, YE_BAD };
typedef struct yentry {
  uint8_t key[32];
  uint8_t sum[32];  /* SHA-256 of the packed documents */
  const uint8_t *p; /* YE_OLD, YE_USED: the packed documents, in old */
  size_t off;       /* YE_NEW: where they are in add */
  uint32_t n;
  int state;
} yentry;

struct ash_ycache {
  char *dir, *file;
  uint8_t *old; /* the file as read */
  yentry *e;
  size_t ne, ecap;
  uint32_t *slot; /* open addressing: entry index + 1 */
  size_t nslot;
  ash_buf add; /* packed documents of this run's new entries */
  size_t nadd, hits;
};

static size_t key_slot(const ash_ycache *c, const uint8_t *key) {
  uint64_t h;
  memcpy(&h, key, sizeof h);
  return (size_t)h & (c->nslot - 1);
}

static int index_entries(ash_ycache *c) {
  size_t want = 64;
  while (want < 2 * (c->ne + 1)) want *= 2;
  if (want != c->nslot) {
    uint32_t *s = calloc(want, sizeof *s);
    if (!s) return ASH_ENOMEM;
    free(c->slot);
    c->slot = s;
    c->nslot = want;
    for (size_t i = 0; i < c->ne; i++) {
      size_t j = key_slot(c, c->e[i].key);
      while (c->slot[j]) j = (j + 1) & (c->nslot - 1);
      c->slot[j] = (uint32_t)(i + 1);
    }
  }
  return ASH_OK;
}

static yentry *find(ash_ycache *c, const uint8_t *key) {
  if (!c->nslot) return NULL;
  for (size_t j = key_slot(c, key); c->slot[j]; j = (j + 1) & (c->nslot - 1))
    if (!memcmp(c->e[c->slot[j] - 1].key, key, 32)) return &c->e[c->slot[j] - 1];
  return NULL;
}

static int add_entry(ash_ycache *c, const uint8_t *key, const uint8_t *sum, const uint8_t *p,
                     size_t off, uint32_t n, int state) {
  yentry *e = ash_array_room(c->e, &c->ecap, c->ne, sizeof *c->e, 256);
  if (!e) return ASH_ENOMEM;
  c->e = e;
  memcpy(e[c->ne].key, key, 32);
  memcpy(e[c->ne].sum, sum, 32);
  e[c->ne].p = p;
  e[c->ne].off = off;
  e[c->ne].n = n;
  e[c->ne].state = state;
  c->ne++;
  if (2 * (c->ne + 1) > c->nslot) return index_entries(c);
  size_t j = key_slot(c, key);
  while (c->slot[j]) j = (j + 1) & (c->nslot - 1);
  c->slot[j] = (uint32_t)c->ne;
  return ASH_OK;
}

/* The cache directory, or NULL when caching is off or has no place. */
static char *cache_dir(void) {
  const char *v = getenv("ASHIATO_CACHE");
  char buf[PATH_MAX];
  if (v && (!strcmp(v, "off") || !strcmp(v, "0"))) return NULL;
  if (v && *v) return strdup(v);
  const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  int w;
  if (x && x[0] == '/')
    w = snprintf(buf, sizeof buf, "%s/ashiato", x);
  else if (home && home[0] == '/')
    w = snprintf(buf, sizeof buf, "%s/.cache/ashiato", home);
  else
    return NULL;
  return w > 0 && (size_t)w < sizeof buf ? strdup(buf) : NULL;
}

/* Read the whole cache file if it is ours and sane; anything else leaves
 * the cache empty. */
static void read_file(ash_ycache *c) {
  int fd = open(c->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size < 16 || st.st_size > YC_MAX_FILE) {
    close(fd);
    return;
  }
  size_t n = (size_t)st.st_size, got = 0;
  uint8_t *p = malloc(n);
  while (p && got < n) {
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!p || got != n || memcmp(p, YC_MAGIC, 8) || get_u32(p + 8) != YC_VERSION) {
    free(p);
    return;
  }
  uint32_t count = get_u32(p + 12);
  size_t off = 16;
  for (uint32_t i = 0; i < count; i++) {
    if (n - off < YC_HEAD) break;
    uint32_t len = get_u32(p + off + 64);
    if (len > n - off - YC_HEAD) break;
    /* a key seen twice: the first is kept */
    if (!find(c, p + off) && add_entry(c, p + off, p + off + 32, p + off + YC_HEAD, 0, len, YE_OLD))
      break;
    off += YC_HEAD + (size_t)len;
  }
  c->old = p;
}

int ash_ycache_open(ash_ycache **out) {
  *out = NULL;
  char *dir = cache_dir();
  if (!dir) return ASH_OK;
  ash_ycache *c = calloc(1, sizeof *c);
  size_t fl = strlen(dir) + sizeof "/sigma-yaml";
  if (c) c->file = malloc(fl);
  if (!c || !c->file) {
    free(c);
    free(dir);
    return ASH_ENOMEM;
  }
  c->dir = dir;
  snprintf(c->file, fl, "%s/sigma-yaml", dir);
  ash_buf_init(&c->add, YC_MAX_FILE);
  read_file(c);
  *out = c;
  return ASH_OK;
}

int ash_ycache_parse(ash_ycache *c, const uint8_t *buf, size_t len, ynode ***docs, size_t *nd,
                     void **arena, char *err, size_t errn) {
  *arena = NULL;
  uint8_t key[32];
  /* without a digest the file is only parsed */
  if (c && sha256(buf, len, key)) c = NULL;
  if (c) {
    yentry *e = find(c, key);
    if (e && e->state != YE_BAD) {
      const uint8_t *p = e->state == YE_NEW ? (const uint8_t *)c->add.p + e->off : e->p;
      uint8_t sum[32];
      int rc = sha256(p, e->n, sum) || memcmp(sum, e->sum, 32)
                   ? ASH_EFORMAT
                   : ash_yaml_unpack(p, e->n, docs, nd, arena);
      if (rc == ASH_OK) {
        if (e->state == YE_OLD) e->state = YE_USED;
        c->hits++;
        return ASH_OK;
      }
      if (rc == ASH_ENOMEM) return rc;
      /* an entry that does not decode is parsed below and left out of the
       * next file */
      e->state = YE_BAD;
    }
  }
  int rc = ash_yaml_parse(buf, len, docs, nd, arena, err, errn);
  if (rc || !c) return rc;
  yentry *old = find(c, key);
  if (old && old->state != YE_BAD) return ASH_OK; /* a file met twice in one run */
  /* keep it; a file whose packed form passes the cap is only parsed */
  size_t at = c->add.n;
  if (ash_yaml_pack(*docs, *nd, &c->add)) {
    c->add.n = at;
    return ASH_OK;
  }
  uint8_t sum[32];
  if (sha256((const uint8_t *)c->add.p + at, c->add.n - at, sum)) {
    c->add.n = at;
    return ASH_OK;
  }
  c->nadd++;
  if (old) { /* the entry that did not decode gets the file's tree */
    memcpy(old->sum, sum, 32);
    old->off = at;
    old->n = (uint32_t)(c->add.n - at);
    old->state = YE_NEW;
    return ASH_OK;
  }
  return add_entry(c, key, sum, NULL, at, (uint32_t)(c->add.n - at), YE_NEW);
}

size_t ash_ycache_hits(const ash_ycache *c) { return c ? c->hits : 0; }

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *q = p;
  while (n) {
    ssize_t w = write(fd, q, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    q += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Write the new file: this run's entries first (new and used), then the
 * others while the file stays below YC_KEEP. */
/* mkdir -p, the parts it makes 0700 (~/.cache may not exist yet). */
static int make_dirs(const char *dir) {
  char p[PATH_MAX];
  size_t n = strlen(dir);
  if (!n || n >= sizeof p) return -1;
  memcpy(p, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i]) continue;
    char c = p[i];
    p[i] = 0;
    if (mkdir(p, 0700) && errno != EEXIST) return -1;
    p[i] = c;
  }
  struct stat st;
  return stat(dir, &st) || !S_ISDIR(st.st_mode) ? -1 : 0;
}

static void write_file(ash_ycache *c) {
  if (make_dirs(c->dir)) return;
  size_t tl = strlen(c->file) + 16;
  char *tmp = malloc(tl);
  if (!tmp) return;
  snprintf(tmp, tl, "%s.XXXXXX", c->file);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    free(tmp);
    return;
  }
  ash_buf b;
  ash_buf_init(&b, YC_MAX_FILE);
  uint32_t count = 0;
  int bad = ash_buf_add(&b, YC_MAGIC, 8) || put_u32(&b, YC_VERSION) || put_u32(&b, 0);
  for (int pass = 0; pass < 2 && !bad; pass++) {
    for (size_t i = 0; i < c->ne && !bad; i++) {
      const yentry *e = &c->e[i];
      int mine = e->state == YE_USED || e->state == YE_NEW;
      if (e->state == YE_BAD || mine != (pass == 0)) continue;
      if (b.n + YC_HEAD + e->n > (pass ? YC_KEEP : YC_MAX_FILE)) continue;
      const uint8_t *p = e->state == YE_NEW ? (const uint8_t *)c->add.p + e->off : e->p;
      bad = ash_buf_add(&b, e->key, 32) || ash_buf_add(&b, e->sum, 32) || put_u32(&b, e->n) ||
            ash_buf_add(&b, p, e->n);
      count++;
    }
  }
  if (!bad) {
    uint8_t *h = (uint8_t *)b.p + 12;
    h[0] = (uint8_t)count;
    h[1] = (uint8_t)(count >> 8);
    h[2] = (uint8_t)(count >> 16);
    h[3] = (uint8_t)(count >> 24);
  }
  if (bad || fchmod(fd, 0600) || write_all(fd, b.p, b.n) || close(fd)) {
    if (bad) close(fd);
    unlink(tmp);
  } else if (rename(tmp, c->file)) {
    unlink(tmp);
  }
  ash_buf_free(&b);
  free(tmp);
}

void ash_ycache_close(ash_ycache *c) {
  if (!c) return;
  int stale = 0;
  for (size_t i = 0; i < c->ne; i++) stale |= c->e[i].state == YE_BAD;
  if (c->nadd || stale) write_file(c);
  free(c->dir);
  free(c->file);
  free(c->old);
  free(c->e);
  free(c->slot);
  ash_buf_free(&c->add);
  free(c);
}
