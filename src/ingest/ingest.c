/* Ingest: walk, open, hash, detect, parse, store. */
#include "ashiato/ingest.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"
#include "ashiato/time.h"
#include "ctx.h"
#include "fields.h"
#include "store/store_internal.h"
#include "writer.h"

/* Input is fed to the line splitter in pieces of this size so that
 * progress can be reported while a large mapped file is parsed. */
#define FEED_PIECE (8u << 20)

/* A complete text source that a grown file may continue (see
 * find_continuation). */
typedef struct known {
  int64_t id; /* 0 while its row is queued in the writer (see report_done) */
  uint64_t size;
  const ash_format *f;
  char sha[65], head[65]; /* head "" when not known */
  char *path;
} known;

typedef struct job {
  ash_store *s;
  ash_writer *w;
  const ash_ingest_opts *o;
  ash_ingest_totals *t;
  char **files;
  size_t nfiles, cap;
  uint64_t bytes_total, bytes_before; /* of the files, and of files done */
  int64_t source_id;
  const char *member;
  ash_input *in; /* the input being parsed (on_release) */
  uint64_t file_size;
  /* sizes of the sources in the case and of those begun in this run: a
   * file of another size cannot repeat one, so its source is begun and
   * ended through the writer's queue, without waiting for it */
  ash_u64set sizes;
  known *known;
  size_t nknown, capknown;
  /* the case file, left out of the walk (see is_case_file) */
  int case_known;
  dev_t case_dev;
  ino_t case_ino;
  int walk_rc; /* first store error met while recording a walk's skip */
  /* skipped rows written but not yet committed: announced through on_skip
   * once a commit after them has happened (see skip) */
  struct pending_skip {
    ash_source_info info;
    uint64_t seq; /* the store's commit count when the row was written */
  } * pend;
  size_t npend, cappend;
} job;

static void hex_of(const unsigned char *md, char hex[65]) {
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  hex[64] = 0;
}

static int add_known(job *j, int64_t id, const ash_source_info *in) {
  const ash_format *f = in->format ? ash_format_find(in->format) : NULL;
  /* only text sources: an EVTX that grew has its header and last chunk
   * rewritten (record count, checksums), so no prefix of it repeats the
   * file ingested before */
  if (!f || f->parse_buffer || !in->sha256 || strlen(in->sha256) != 64 || !in->size) return ASH_OK;
  known *k = ash_array_room(j->known, &j->capknown, j->nknown, sizeof *k, 64);
  if (!k) return ASH_ENOMEM;
  j->known = k;
  k = &j->known[j->nknown];
  memset(k, 0, sizeof *k);
  k->id = id;
  k->size = in->size;
  k->f = f;
  memcpy(k->sha, in->sha256, 65);
  memcpy(k->head, in->head_sha256, sizeof k->head);
  k->head[64] = 0;
  k->path = strdup(in->path ? in->path : "");
  if (!k->path) return ASH_ENOMEM;
  j->nknown++;
  return ASH_OK;
}

static int add_case_source(void *u, const ash_source_info *in) {
  job *j = u;
  /* a skipped row holds no content: it cannot be repeated or continued */
  if (in->skip_reason) return ASH_OK;
  int rc = ash_u64set_add(&j->sizes, in->size, NULL);
  if (rc) return rc;
  return in->complete ? add_known(j, in->id, in) : ASH_OK;
}

static void count_source(job *j, const ash_source_info *in) {
  j->t->sources++;
  j->t->read += in->read;
  j->t->parsed += in->parsed;
  j->t->rejected += in->rejected;
  j->t->events += in->events;
  if (in->continues) j->t->continued++;
}

/* Report the sources the writer thread has completed (and count them only
 * then: a source queued but never written is not ingested). */
static void report_done(void *u, const ash_source_info *in) {
  job *j = u;
  /* the row of a source queued earlier now has its id (none when another
   * process had stored the same content meanwhile) */
  for (size_t i = j->nknown; i-- > 0;)
    if (!j->known[i].id && j->known[i].size == in->size && in->path &&
        !strcmp(j->known[i].path, in->path)) {
      j->known[i].id = in->duplicate ? -1 : in->id;
      break;
    }
  if (in->duplicate)
    j->t->duplicates++;
  else
    count_source(j, in);
  if (j->o->on_source) j->o->on_source(j->o->u, in);
}

/* The case store and the files SQLite keeps beside it (rollback journal,
 * WAL and its index, super-journals "-mj...") are not evidence, though an
 * evidence folder may hold them ("ingest ev/case.db ev"). They are told by
 * the device and inode of the case file, not by name: the walk may reach
 * the case under another name than the one it was opened by (./case.db and
 * /abs/case.db, a symlink, a bind mount, a hard link), and any name test
 * would need every path canonicalised and still miss hard links. A side
 * file is the case's when its name less the suffix is the case file: SQLite
 * names them after the database path, next to it. */
static int is_case_file(const job *j, const char *path, const struct stat *st) {
  if (!j->case_known) return 0;
  if (st->st_dev == j->case_dev && st->st_ino == j->case_ino) return 1;
  static const char *const suffix[] = {"-journal", "-wal", "-shm", "-mj"};
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
    const char *at = NULL;
    if (i < 3) {
      size_t sl = strlen(suffix[i]);
      if (n > sl && !strcmp(path + n - sl, suffix[i])) at = path + n - sl;
    } else {
      /* super-journal: "<db>-mj" and 8 random hex digits */
      const char *slash = strrchr(path, '/');
      const char *p = strstr(slash ? slash : path, "-mj");
      if (p && strlen(p) == 11) at = p;
    }
    if (!at) continue;
    char base[4096];
    if ((size_t)(at - path) >= sizeof base) continue;
    memcpy(base, path, (size_t)(at - path));
    base[at - path] = 0;
    struct stat bs;
    if (!stat(base, &bs) && bs.st_dev == j->case_dev && bs.st_ino == j->case_ino) return 1;
  }
  return 0;
}

static int collect(void *u, const char *file) {
  job *j = u;
  struct stat st;
  int have_st = !stat(file, &st);
  if (have_st && is_case_file(j, file, &st)) {
    j->t->excluded++;
    return ASH_OK;
  }
  if (j->nfiles == j->cap) {
    size_t cap = j->cap ? j->cap * 2 : 256;
    char **f = realloc(j->files, cap * sizeof *f);
    if (!f) return ASH_ENOMEM;
    j->files = f;
    j->cap = cap;
  }
  j->files[j->nfiles] = strdup(file);
  if (!j->files[j->nfiles]) return ASH_ENOMEM;
  j->nfiles++;
  if (have_st) j->bytes_total += (uint64_t)st.st_size;
  return ASH_OK;
}

static void free_pending(struct pending_skip *p) {
  free((char *)p->info.path);
  free((char *)p->info.sha256);
  free((char *)p->info.skip_reason);
}

/* Announce the skipped rows that a commit has stored since they were
 * written (all of them when all is set: the caller has just committed).
 * Only while the writer is idle: the commit count is the store's. */
static void announce_skips(job *j, int all) {
  uint64_t seq = ash_store_commit_seq(j->s);
  size_t keep = 0;
  for (size_t i = 0; i < j->npend; i++) {
    struct pending_skip *p = &j->pend[i];
    if (all || p->seq < seq) {
      if (j->o->on_skip) j->o->on_skip(j->o->u, &p->info);
      free_pending(p);
    } else {
      j->pend[keep++] = *p;
    }
  }
  j->npend = keep;
}

/* An input that was not read: a skipped row in the case (so that it is
 * accounted for, see store.h), announced through on_skip once it is
 * committed, like a source. The row is written by this thread, so the
 * writer is drained first. It is not committed on its own: a commit per
 * skip cost 6.8 ms each on disk (2,000 unrecognised files: 13.6 s); the
 * next commit of the ingest stores it. */
static int skip(job *j, const char *path, const char *why, uint64_t size, const char *sha) {
  j->t->skipped++;
  int rc = ash_writer_drain(j->w);
  ash_writer_collect(j->w, report_done, j);
  if (rc) return rc;
  announce_skips(j, 0);
  struct pending_skip *p = ash_array_room(j->pend, &j->cappend, j->npend, sizeof *p, 16);
  if (!p) return ASH_ENOMEM;
  j->pend = p;
  p = &j->pend[j->npend];
  memset(p, 0, sizeof *p);
  p->info.path = strdup(path);
  p->info.sha256 = strdup(sha ? sha : "");
  p->info.skip_reason = strdup(why);
  p->info.format = "";
  p->info.size = size;
  p->info.first_ts = p->info.last_ts = ASH_TIME_UNSET;
  p->seq = ash_store_commit_seq(j->s);
  if (!p->info.path || !p->info.sha256 || !p->info.skip_reason) {
    free_pending(p);
    return ASH_ENOMEM;
  }
  rc = ash_store_source_skip(j->s, path, size, sha, why, &p->info.id);
  if (rc) {
    free_pending(p);
    return rc;
  }
  j->npend++;
  return ASH_OK;
}

/* The walk's callback cannot stop it: a store failure is kept for after. */
static void walk_error(void *u, const char *path, int err, const char *why) {
  job *j = u;
  (void)err;
  if (j->walk_rc) return;
  j->walk_rc = skip(j, path, why, 0, NULL);
}

static int on_event(void *u, const ash_event *ev) {
  job *j = u;
  return ash_writer_event(j->w, j->source_id, ev);
}

/* A binary parser is done with the first upto bytes of the member. */
static void on_release(void *u, uint64_t upto) {
  job *j = u;
  if (j->in) ash_input_release(j->in, upto);
}

static int on_reject(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  job *j = u;
  return ash_writer_reject(j->w, j->source_id, ref, reason, raw, n);
}

static void progress(job *j, uint64_t done_in_file, uint64_t records) {
  if (!j->o->on_progress) return;
  ash_ingest_progress p = {j->bytes_before + done_in_file, j->bytes_total, j->t->read + records,
                           j->member};
  j->o->on_progress(j->o->u, &p);
}

/* Where a continuation's own records begin (see find_continuation). */
typedef struct tail {
  const known *base; /* NULL: the member is read whole */
  uint64_t from;     /* first byte fed to the parser (a line start) */
  uint64_t frag_n;   /* bytes [base->size, base->size + frag_n) are the rest
                        of a line cut at the end of the base */
  uint64_t hdr_end;  /* lines [0, hdr_end) are header lines (see prime) */
} tail;

static int discard_event(void *u, const ash_event *ev) {
  (void)u;
  (void)ev;
  return ASH_OK;
}
static int discard_reject(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  (void)u, (void)ref, (void)reason, (void)raw, (void)n;
  return ASH_OK;
}

/* Header lines that a tail's parser must see, as a reader of the whole file
 * would: the claim is that the state a text format carries from one part of
 * a file to a later one comes from the lines it skips at the start of the
 * file (Zeek's "#fields", a mapped CSV's header row), which are not records.
 * Records carry no state forward except held-back flows (ASA pairs), which
 * a tail splits as a rotation does. So: the lines from byte 0 that a fresh
 * parser skips, up to the first it does not (at most PRIME_LINES, and never
 * past from). f->parse_line is called on a state of its own with a context
 * that discards output: the lines are counted by the base, not here. */
#define PRIME_LINES 1000u
/* Run the lines of p[0, limit) through f->parse_line on state (a fresh
 * parser state is made and dropped when state is NULL) while it skips
 * them; *end is the offset after the last line skipped. Given the lines
 * [0, *end) found on a fresh state, a second call on the tail's state
 * skips the same lines, parsers being deterministic. */
static int header_lines(const ash_format *f, void *state, const ash_parse_opts *po,
                        const uint8_t *p, uint64_t limit, uint64_t *end) {
  ash_parse_ctx dctx;
  ash_ctx_init(&dctx, po, discard_event, discard_reject, NULL);
  void *own = NULL;
  if (!state && f->open) {
    int rc = f->open(&own, po);
    if (rc) return rc;
    state = own;
  }
  uint64_t off = 0;
  *end = 0;
  for (unsigned lines = 0; off < limit && lines < PRIME_LINES; lines++) {
    const uint8_t *nl = memchr(p + off, '\n', limit - off);
    uint64_t stop = nl ? (uint64_t)(nl - p) : limit, n = stop - off;
    if (n && p[off + n - 1] == '\r') n--;
    int blank = 1; /* blank lines are passed over, as the line splitter does */
    for (uint64_t i = 0; i < n && blank; i++)
      blank = p[off + i] == ' ' || p[off + i] == '\t' || p[off + i] == '\r';
    if (!blank) {
      const char *why = NULL;
      if (n > ASH_MAX_LINE ||
          f->parse_line(state, &dctx, (const char *)p + off, n, off, &why) != ASH_REC_SKIP)
        break;
    }
    if (!nl) break;
    off = stop + 1;
    *end = off;
  }
  if (own && f->close) f->close(own);
  return ASH_OK;
}

/* Parse one member whose format is known and whose source row is open:
 * from the buffer whole (a plain file mapped, a binary format, or a member
 * spilled to a temporary file), or as a stream of pieces. A continuation
 * (t->base, a plain file: always whole) is parsed from t->from, after its
 * parser has seen the file's header lines; its refs stay offsets into the
 * whole file. A stream that breaks off (truncated or corrupt compression,
 * a file that shrank, the ratio cap) keeps every record read before the
 * break, and the break is one rejection at the offset where reading
 * stopped (*broke is set). */
static int parse_member(job *j, ash_input *in, const ash_format *f, const uint8_t *whole, size_t wn,
                        ash_parse_ctx *ctx, const tail *t, int *broke) {
  int rc;
  *broke = 0;
  if (f->parse_buffer) {
    rc = f->parse_buffer(ctx, whole, wn);
    if (rc == ASH_EFORMAT || rc == ASH_ELIMIT) {
      /* the content is not what the parser reads (--format evtx forced on
       * a text file, say): that file is rejected, with why, and the ingest
       * goes on; only the store's failures stop it */
      char why[160];
      if (!ctx->read)
        snprintf(why, sizeof why, "not %s content (no %s signature at byte 0)", f->name, f->name);
      else
        snprintf(why, sizeof why, "the %s parser stopped: %s", f->name, ash_strerror(rc));
      rc = ash_ctx_reject(ctx, 0, why, whole ? whole : (const uint8_t *)"", wn < 64 ? wn : 64);
    }
    return rc;
  }
  ash_linesplit ls;
  rc = ash_linesplit_open(&ls, f, ctx);
  uint64_t start = 0;
  if (!rc && t->base) {
    uint64_t hend;
    if (t->hdr_end) rc = header_lines(f, ls.state, &j->o->parse, whole, t->hdr_end, &hend);
    if (!rc && t->frag_n) {
      char why[160];
      snprintf(why, sizeof why,
               "rest of a line whose start was the last record of source %" PRId64
               " (collected mid-line)",
               t->base->id);
      size_t n = t->frag_n < ASH_MAX_REJECT_RAW ? (size_t)t->frag_n : ASH_MAX_REJECT_RAW;
      rc = ash_ctx_reject(ctx, t->base->size, why, whole + t->base->size, n);
    }
    start = t->from;
    ls.offset = start;
  }
  if (!rc && whole) {
    for (size_t off = (size_t)start; !rc && off < wn; off += FEED_PIECE) {
      size_t piece = wn - off < FEED_PIECE ? wn - off : FEED_PIECE;
      rc = ash_linesplit_feed(&ls, whole + off, piece);
      /* events are copied by the writer: the fed bytes are no longer needed */
      ash_input_release(in, off + piece);
      progress(j, ash_input_kind_of(in) == ASH_INPUT_PLAIN ? off + piece : 0, ctx->read);
    }
  } else if (!rc) {
    uint64_t fed = 0, last = 0;
    for (;;) {
      const uint8_t *p;
      size_t n;
      rc = ash_input_read(in, &p, &n);
      if (rc == ASH_ENOMEM) break;
      if (rc) {
        const char *why = ash_input_why(in);
        *broke = 1;
        rc = ash_linesplit_abort(&ls, why ? why : "stream broke off");
        ash_linesplit_close(&ls);
        return rc;
      }
      if (!n) break;
      rc = ash_linesplit_feed(&ls, p, n);
      if (rc) break;
      fed += n;
      if (fed - last >= FEED_PIECE) {
        last = fed;
        progress(j, ash_input_file_pos(in), ctx->read);
      }
    }
  }
  if (!rc) rc = ash_linesplit_end(&ls);
  ash_linesplit_close(&ls);
  return rc;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* A plain text file that grew since it was ingested: its first N bytes
 * hash to a complete source's SHA-256 (N that source's size). Matched on
 * content, not path: a live log collected twice is often renamed between
 * (fw.log rotated to fw.log.1, a collector that adds a date), and a path
 * match alone would take an edited file for a grown one. Bounded: a source
 * is a candidate only when its head_sha256 (the hash of its first
 * ASH_HEAD_BYTES) equals the file's, or when it is smaller than that (then
 * its whole content is its head), or, for a case from before head_sha256,
 * when it has the same path; the candidates' sizes are hashed in one pass
 * over the file (a copy of the digest state at each size, at most
 * ASH_MAX_CONTINUATION_SIZES of them, the largest), so the cost is at most
 * one more read of the prefix, and nothing for a file no source's head
 * matches. The longest matching prefix wins. Sets *out to NULL when none. */
/* Whether source k could be the start of a file of n bytes at path whose
 * first ASH_HEAD_BYTES hash to head (see find_continuation). */
static int is_candidate(const known *k, const ash_format *f, uint64_t n, const char *path,
                        const char head[65]) {
  if (k->size >= n || k->f != f || k->id < 0) return 0;
  return k->size < ASH_HEAD_BYTES || (k->head[0] ? !strcmp(k->head, head) : !strcmp(k->path, path));
}

static int find_continuation(job *j, const ash_format *f, const uint8_t *p, size_t n,
                             const char *path, const char head[65], const known **out) {
  *out = NULL;
  uint64_t sizes[ASH_MAX_CONTINUATION_SIZES];
  size_t ns = 0;
  for (size_t i = 0; i < j->nknown; i++) {
    const known *k = &j->known[i];
    if (!is_candidate(k, f, n, path, head)) continue;
    int seen = 0;
    for (size_t s = 0; s < ns && !seen; s++) seen = sizes[s] == k->size;
    if (seen) continue;
    if (ns < ASH_MAX_CONTINUATION_SIZES) {
      sizes[ns++] = k->size;
    } else {
      size_t m = 0; /* full: replace the smallest, if smaller */
      for (size_t s = 1; s < ns; s++)
        if (sizes[s] < sizes[m]) m = s;
      if (sizes[m] < k->size) sizes[m] = k->size;
    }
  }
  if (!ns) return ASH_OK;
  qsort(sizes, ns, sizeof *sizes, cmp_u64);
  EVP_MD_CTX *md = EVP_MD_CTX_new(), *snap = EVP_MD_CTX_new();
  int rc = md && snap && EVP_DigestInit_ex(md, EVP_sha256(), NULL) ? ASH_OK : ASH_ENOMEM;
  uint64_t pos = 0;
  for (size_t s = 0; s < ns && !rc; s++) {
    unsigned char dig[32];
    unsigned int dl = 0;
    char hex[65];
    if (!EVP_DigestUpdate(md, p + pos, (size_t)(sizes[s] - pos)) || !EVP_MD_CTX_copy_ex(snap, md) ||
        !EVP_DigestFinal_ex(snap, dig, &dl)) {
      rc = ASH_ENOMEM;
      break;
    }
    pos = sizes[s];
    hex_of(dig, hex);
    for (size_t i = 0; i < j->nknown; i++)
      if (j->known[i].size == sizes[s] && j->known[i].f == f && j->known[i].id >= 0 &&
          !strcmp(j->known[i].sha, hex))
        *out = &j->known[i];
  }
  EVP_MD_CTX_free(md);
  EVP_MD_CTX_free(snap);
  return rc;
}

/* Where a continuation of base begins: at base->size when the base ended
 * at a line end. Otherwise the base's last line was cut (the log was
 * collected while a line was being written) and the base's ingest parsed
 * that partial line as its last record, as it does any unterminated last
 * line. Reading the whole line again would store that record twice, so
 * the tail begins after the line's end and the line's rest is one rejected
 * record of the tail (with its bytes and the base's id): no record is
 * stored twice and no byte goes unaccounted. A lone CR ends a line too. */
static void tail_of(const known *base, const uint8_t *p, size_t n, tail *t) {
  uint64_t b = base->size;
  t->base = base;
  t->from = b;
  t->frag_n = 0;
  if (p[b - 1] == '\n' || (p[b - 1] == '\r' && p[b] != '\n')) return;
  uint64_t e = b;
  while (e < n && p[e] != '\n' && p[e] != '\r') e++;
  int blank = 1;
  for (uint64_t i = b; i < e && blank; i++) blank = p[i] == ' ' || p[i] == '\t';
  t->frag_n = blank ? 0 : e - b;
  t->from = e < n ? e + 1 : n;
  if (e < n && p[e] == '\r' && e + 1 < n && p[e + 1] == '\n') t->from++;
}

/* SHA-256 of a member held whole (spilled to a temporary file and
 * mapped), 64 MiB at a time, each piece's pages let go once hashed: the
 * member is parsed after, chunk by chunk, and need not be resident whole
 * in between (a 300 MB EVTX in a zip: 560 -> under 100 MB peak RSS). */
static int hash_released(ash_input *in, const uint8_t *p, size_t n, char hex[65]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  for (size_t off = 0; ok && off < n; off += (size_t)64 << 20) {
    size_t k = n - off < ((size_t)64 << 20) ? n - off : (size_t)64 << 20;
    ok = EVP_DigestUpdate(md, p + off, k);
    ash_input_release(in, off + k);
  }
  unsigned char dig[32];
  unsigned int dl = 0;
  if (ok) ok = EVP_DigestFinal_ex(md, dig, &dl);
  EVP_MD_CTX_free(md);
  if (!ok) return ASH_ENOMEM;
  hex_of(dig, hex);
  return ASH_OK;
}

/* Skip a member the input layer could not give, with its reason. */
static int skip_why(job *j, ash_input *in, const char *name, int rc, const char *what,
                    uint64_t size) {
  const char *why = ash_input_why(in);
  char msg[320];
  snprintf(msg, sizeof msg, "%s%s%s", what, why ? ": " : "", why ? why : "");
  return skip(j, name, why || what[0] ? msg : ash_strerror(rc), size, NULL);
}

/* How a member is read (issue 18, items 2, 7, 11, 15): a plain file is
 * mapped (reads of the mapping are guarded: a file that shrinks gives
 * zeros and is flagged, never SIGBUS), because a grown log is continued
 * from its prefix; a compressed file is streamed in pieces (text formats)
 * or decompressed whole into a temporary file (a binary format); a member
 * of an archive is streamed when its size is recorded and no source has
 * that size, and otherwise decompressed into a temporary file first (its
 * hash is needed before it is parsed, for the duplicate check, or a binary
 * format needs it whole). Memory never holds a member whole. */
static int ingest_member(job *j, ash_input *in, const char *name) {
  const ash_ingest_opts *o = j->o;
  ash_input_kind kind = ash_input_kind_of(in);
  const uint8_t *whole = NULL, *head = NULL;
  size_t wn = 0, hn = 0;
  char sha[65] = "";
  int hash_later = 0; /* the file is hashed on a thread while it is parsed */
  int rc;
  int member_hash = 0; /* an archive member hashed as it is streamed */
  j->member = name;
  rc = ash_input_head(in, &head, &hn);
  if (rc == ASH_ENOMEM) return rc;
  if (rc || (!hn && ash_input_why(in)))
    return skip_why(j, in, name, rc, "could not be read",
                    kind == ASH_INPUT_PLAIN ? j->file_size : 0);
  uint64_t size = j->file_size;
  const ash_format *f =
      o->format ? o->format : ash_format_sniff(head, hn < ASH_SNIFF_BYTES ? hn : ASH_SNIFF_BYTES);
  if (!f) {
    /* not hashed for the row: a file we do not read is not read whole */
    if (!hn) j->t->empty++;
    return skip(j, name, hn ? "format not recognised (use --format)" : "empty file", size,
                sha[0] ? sha : NULL);
  }
  if (o->format && f->parse_buffer && f->sniff &&
      !f->sniff(head, hn < ASH_SNIFF_BYTES ? hn : ASH_SNIFF_BYTES)) {
    /* a binary format forced on a folder meets a file that is not one
     * (--format evtx, a text log beside the .evtx files): that file is
     * skipped, with a row that does not stand for its content, so that an
     * ingest without --format reads it later; the others go on */
    char why[160];
    snprintf(why, sizeof why, "not %s content (no %s signature at byte 0): --format %s ignored",
             f->name, f->name, f->name);
    return skip(j, name, why, size, sha[0] ? sha : NULL);
  }
  if (kind == ASH_INPUT_PLAIN) {
    /* mapped only when it must be whole: a binary format, or a text file
     * that may continue a source (its prefix is hashed, its tail parsed
     * from an offset); any other text file is read in pieces (pread), so
     * that one that shrinks mid-read just ends early */
    char hh[65];
    ash_sha256_hex(head ? (const void *)head : "", hn < ASH_HEAD_BYTES ? hn : ASH_HEAD_BYTES, hh);
    int need = f->parse_buffer != NULL;
    for (size_t i = 0; i < j->nknown && !need; i++)
      need = is_candidate(&j->known[i], f, j->file_size, name, hh);
    if (need && (rc = ash_input_whole(in, &whole, &wn))) {
      if (rc == ASH_ENOMEM) return rc;
      return skip_why(j, in, name, rc, "could not be read whole", j->file_size);
    }
  } else if (kind == ASH_INPUT_COMPRESSED) {
    rc = ash_input_file_sha256(in, sha);
    if (rc) return rc;
    if (f->parse_buffer && (rc = ash_input_whole(in, &whole, &wn))) {
      if (rc == ASH_ENOMEM) return rc;
      return skip_why(j, in, name, rc, "could not be decompressed", size);
    }
  } else if (kind == ASH_INPUT_CONTAINER) {
    uint64_t msz = ash_input_member_size(in);
    if (f->parse_buffer || msz == UINT64_MAX || ash_u64set_has(&j->sizes, msz)) {
      rc = ash_input_whole(in, &whole, &wn);
      if (rc == ASH_ENOMEM) return rc;
      if (rc) return skip_why(j, in, name, rc, "could not be decompressed", 0);
      rc = hash_released(in, whole, wn, sha);
      if (rc) return rc;
      size = wn;
    } else {
      size = msz;
      member_hash = 1;
    }
  }
  ash_source_info info;
  memset(&info, 0, sizeof info);
  tail t;
  memset(&t, 0, sizeof t);
  if (!f->parse_buffer) {
    /* the first ASH_HEAD_BYTES of a text source, for later continuations
     * (the peek holds at least that much of any member that long) */
    ash_sha256_hex(head ? (const void *)head : "", hn < ASH_HEAD_BYTES ? hn : ASH_HEAD_BYTES,
                   info.head_sha256);
    const known *base = NULL;
    /* a continuation is read from the file it maps: container members are
     * read whole */
    if (kind == ASH_INPUT_PLAIN && whole)
      rc = find_continuation(j, f, whole, wn, name, info.head_sha256, &base);
    if (!rc && base && !base->id) {
      /* the base is still queued: its row's id comes with its announcement,
       * once committed (a commit of its own; rare: the old and the grown
       * copy of one log in one run) */
      rc = ash_writer_sync(j->w);
      ash_writer_collect(j->w, report_done, j);
      if (!rc) announce_skips(j, 1);
      if (base->id <= 0) base = NULL;
    }
    if (rc) return rc;
    if (base) {
      tail_of(base, whole, wn, &t);
      rc = header_lines(f, NULL, &o->parse, whole, t.from, &t.hdr_end);
      if (rc) return rc;
      info.continues = base->id;
      info.base_size = base->size;
    }
  }
  if (kind == ASH_INPUT_PLAIN) {
    /* a file of a size no source has cannot repeat one: hash it while it
     * is parsed instead of in a pass of its own before */
    hash_later = !ash_u64set_has(&j->sizes, j->file_size);
    rc = hash_later ? ash_input_file_sha256_start(in) : ash_input_file_sha256(in, sha);
    if (rc) return rc;
  }
  /* queued: the writer thread starts and ends the source in order with its
   * events, and this thread goes on with the next file; otherwise the
   * duplicate check needs the store now, while the thread is idle */
  int queued = !ash_u64set_has(&j->sizes, size);
  int dup = 0;
  if (queued) {
    rc = ash_writer_source_begin(j->w, name, size, hash_later || member_hash ? NULL : sha, f->name,
                                 &j->source_id);
  } else {
    rc = ash_writer_drain(j->w);
    ash_writer_collect(j->w, report_done, j);
    if (!rc) rc = ash_store_source_begin(j->s, name, size, sha, f->name, &j->source_id, &dup);
  }
  if (!rc) rc = ash_u64set_add(&j->sizes, size, NULL);
  if (rc) return rc;
  info.path = name;
  info.sha256 = sha;
  info.format = f->name;
  info.size = size;
  info.mtime_ns = ash_input_file_mtime_ns(in); /* raw.h checks evidence against it */
  info.id = j->source_id;
  if (dup) {
    j->t->duplicates++;
    info.duplicate = 1;
    info.complete = 1;
    info.continues = 0;
    info.base_size = 0;
    info.first_ts = info.last_ts = ASH_TIME_UNSET;
    if (o->on_source) o->on_source(o->u, &info);
    return ASH_OK;
  }
  ash_parse_ctx ctx;
  ash_ctx_init(&ctx, &o->parse, on_event, on_reject, j);
  ctx.member = name;
  ctx.on_release = on_release;
  ctx.release_u = j;
  j->in = in;
  int broke = 0;
  rc = parse_member(j, in, f, whole, wn, &ctx, &t, &broke);
  j->in = NULL;
  if (!rc && !queued) rc = ash_writer_drain(j->w);
  if (!rc && hash_later) rc = ash_input_file_sha256(in, sha);
  if (!rc && member_hash) rc = ash_input_member_sha256(in, sha);
  const char *why;
  if (!rc && !broke && kind != ASH_INPUT_CONTAINER && ash_input_changed(in, &why)) {
    /* a mapped file that shrank was read as zeros past its end, or shrank
     * after it was read: what was parsed is not what the file holds */
    rc = ash_ctx_reject(&ctx, whole ? 0 : ash_input_member_pos(in), why, "", 0);
    if (!rc && !queued) rc = ash_writer_drain(j->w);
  }
  if (rc) return rc;
  info.read = ctx.read;
  info.parsed = ctx.parsed;
  info.rejected = ctx.rejected;
  info.events = ctx.events;
  info.first_ts = ctx.first_ts;
  info.last_ts = ctx.last_ts;
  info.complete = 1;
  if (queued) {
    rc = ash_writer_source_end(j->w, j->source_id, &info);
    /* a later file of this run may continue this one (its id comes with
     * its announcement, report_done) */
    if (!rc) rc = add_known(j, 0, &info);
    if (!rc) ash_writer_collect(j->w, report_done, j); /* what the thread has stored so far */
    return rc;
  }
  /* a source begun here (its size matched a known one) is announced once
   * it is committed, like the queued ones: one commit per such file, which
   * is rare (the same size as another source, with other content) */
  rc = ash_store_source_end(j->s, j->source_id, &info);
  if (!rc) rc = ash_writer_sync(j->w); /* commits; earlier sources are announced first */
  if (!rc) rc = add_known(j, j->source_id, &info);
  if (rc) return rc;
  ash_writer_collect(j->w, report_done, j);
  announce_skips(j, 1);
  count_source(j, &info);
  if (o->on_source) o->on_source(o->u, &info);
  return ASH_OK;
}

static int ingest_file(job *j, const char *path) {
  ash_input *in;
  int rc = ash_input_open(&in, path);
  if (rc == ASH_ENOMEM) return rc; /* no verdict on the file: the run fails */
  if (rc) {
    int e = errno;
    struct stat st;
    uint64_t size = stat(path, &st) ? 0 : (uint64_t)st.st_size;
    return skip(j, path,
                rc == ASH_EARCHIVE ? "archive could not be opened"
                : e == EACCES      ? "cannot open for reading (permission denied)"
                                   : "cannot open for reading",
                size, NULL);
  }
  j->file_size = ash_input_file_size(in);
  const char *name, *why;
  while ((rc = ash_input_next(in, &name, &why)) != ASH_ENOTFOUND) {
    if (rc == ASH_ENOMEM) break;
    if (rc) {
      rc = skip(j, name, why ? why : ash_strerror(rc), 0, NULL);
      if (rc) break;
      continue;
    }
    rc = ingest_member(j, in, name);
    if (rc) break;
  }
  if (rc == ASH_ENOTFOUND) rc = ASH_OK;
  ash_input_close(in);
  return rc;
}

int ash_ingest(ash_store *s, const char *const *paths, size_t npaths, const ash_ingest_opts *o,
               ash_ingest_totals *totals) {
  ash_ingest_totals local;
  job j;
  memset(&j, 0, sizeof j);
  j.s = s;
  j.o = o;
  j.t = totals ? totals : &local;
  memset(j.t, 0, sizeof *j.t);
  /* (a case in ClickHouse is no file among the evidence) */
  const char *case_path =
      ash_store_sqlite(s) ? sqlite3_db_filename(ash_store_sqlite(s), "main") : NULL;
  struct stat cs;
  if (case_path && *case_path && !stat(case_path, &cs)) {
    j.case_known = 1;
    j.case_dev = cs.st_dev;
    j.case_ino = cs.st_ino;
  }
  int rc = ash_store_sources(s, add_case_source, &j);
  if (!rc) rc = ash_writer_open(&j.w, s);
  if (rc) {
    ash_u64set_free(&j.sizes);
    for (size_t i = 0; i < j.nknown; i++) free(j.known[i].path);
    free(j.known);
    return rc;
  }
  for (size_t i = 0; i < npaths && !rc; i++) {
    rc = ash_walk(paths[i], collect, walk_error, &j);
    if (!rc) rc = j.walk_rc;
  }
  for (size_t i = 0; i < j.nfiles && !rc; i++) {
    rc = ingest_file(&j, j.files[i]);
    struct stat st;
    if (!stat(j.files[i], &st)) j.bytes_before += (uint64_t)st.st_size;
    progress(&j, 0, 0);
  }
  /* what this ingest stored is committed when it returns, and announced
   * only then; after an error, what the store rolled back is not */
  int wrc = rc ? ash_writer_drain(j.w) : ash_writer_sync(j.w);
  ash_writer_collect(j.w, report_done, &j);
  int crc = ash_writer_close(j.w);
  if (!wrc) wrc = crc;
  if (!rc && !wrc) announce_skips(&j, 1);
  for (size_t i = 0; i < j.npend; i++) free_pending(&j.pend[i]); /* rolled back: not stored */
  free(j.pend);
  ash_u64set_free(&j.sizes);
  for (size_t i = 0; i < j.nknown; i++) free(j.known[i].path);
  free(j.known);
  for (size_t i = 0; i < j.nfiles; i++) free(j.files[i]);
  free(j.files);
  return rc ? rc : wrc;
}
