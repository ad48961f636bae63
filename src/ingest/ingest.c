/* Ingest: walk, open, hash, detect, parse, store. */
#include "ashiato/ingest.h"

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
  uint64_t file_size;
  /* sizes of the sources in the case and of those begun in this run: a
   * file of another size cannot repeat one, so its source is begun and
   * ended through the writer's queue, without waiting for it */
  ash_u64set sizes;
} job;

static int add_known_size(void *u, const ash_source_info *in) {
  job *j = u;
  return ash_u64set_add(&j->sizes, in->size) < 0 ? ASH_ENOMEM : ASH_OK;
}

static void count_source(job *j, const ash_source_info *in) {
  j->t->sources++;
  j->t->read += in->read;
  j->t->parsed += in->parsed;
  j->t->rejected += in->rejected;
  j->t->events += in->events;
}

/* Report the sources the writer thread has completed (and count them only
 * then: a source queued but never written is not ingested). */
static void report_done(void *u, const ash_source_info *in) {
  job *j = u;
  if (in->duplicate)
    j->t->duplicates++;
  else
    count_source(j, in);
  if (j->o->on_source) j->o->on_source(j->o->u, in);
}

static int collect(void *u, const char *file) {
  job *j = u;
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
  struct stat st;
  if (!stat(file, &st)) j->bytes_total += (uint64_t)st.st_size;
  return ASH_OK;
}

static void walk_error(void *u, const char *path, int err) {
  job *j = u;
  j->t->skipped++;
  if (j->o->on_skip) j->o->on_skip(j->o->u, path, ash_strerror(err));
}

static void skip(job *j, const char *path, const char *why) {
  j->t->skipped++;
  if (j->o->on_skip) j->o->on_skip(j->o->u, path, why);
}

static int on_event(void *u, const ash_event *ev) {
  job *j = u;
  return ash_writer_event(j->w, j->source_id, ev);
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

/* Parse one member whose format is known and whose source row is open:
 * from the buffer whole (a binary format, or a member spilled to a
 * temporary file), or as a stream of pieces. A stream that breaks off
 * (truncated or corrupt compression, a file that shrank, the ratio cap)
 * keeps every record read before the break, and the break is one
 * rejection at the offset where reading stopped (*broke is set). */
static int parse_member(job *j, ash_input *in, const ash_format *f, const uint8_t *whole, size_t wn,
                        ash_parse_ctx *ctx, int *broke) {
  int rc;
  *broke = 0;
  if (f->parse_buffer) return f->parse_buffer(ctx, whole, wn);
  ash_linesplit ls;
  rc = ash_linesplit_open(&ls, f, ctx);
  if (!rc && whole) {
    for (size_t off = 0; !rc && off < wn; off += FEED_PIECE) {
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

static void skip_why(job *j, ash_input *in, const char *name, int rc, const char *what) {
  const char *why = ash_input_why(in);
  char msg[320];
  snprintf(msg, sizeof msg, "%s%s%s", what, why ? ": " : "", why ? why : "");
  skip(j, name, why || what[0] ? msg : ash_strerror(rc));
}

/* How a member is read (issue 18, items 2, 7, 11, 15): the file itself and
 * a compressed file are streamed in pieces (text formats) or mapped (a
 * binary format); a member of an archive is streamed when its size is
 * recorded and no source has that size, and otherwise decompressed into a
 * temporary file first (its hash is needed before it is parsed, for the
 * duplicate check, or a binary format needs it whole). Memory never holds
 * a member whole. */
static int ingest_member(job *j, ash_input *in, const char *name) {
  const ash_ingest_opts *o = j->o;
  ash_input_kind kind = ash_input_kind_of(in);
  const uint8_t *whole = NULL, *head = NULL;
  size_t wn = 0, hn = 0;
  char sha[65] = "";
  int hash_later = 0;  /* the file is hashed on a thread while it is parsed */
  int member_hash = 0; /* the member is hashed as it is streamed */
  int rc;
  j->member = name;
  rc = ash_input_head(in, &head, &hn);
  if (rc == ASH_ENOMEM) return rc;
  if (rc || (!hn && ash_input_why(in))) {
    skip_why(j, in, name, rc, "could not be read");
    return ASH_OK;
  }
  const ash_format *f =
      o->format ? o->format : ash_format_sniff(head, hn < ASH_SNIFF_BYTES ? hn : ASH_SNIFF_BYTES);
  if (!f) {
    skip(j, name, hn ? "format not recognised (use --format)" : "empty file");
    return ASH_OK;
  }
  uint64_t size;
  if (kind != ASH_INPUT_CONTAINER) {
    /* the member is the file: its size and hash are the file's */
    size = j->file_size;
    if (kind == ASH_INPUT_PLAIN) {
      /* a file of a size no source has cannot repeat one: hash it while it
       * is parsed instead of in a pass of its own before */
      hash_later = !ash_u64set_has(&j->sizes, j->file_size);
      rc = hash_later ? ash_input_file_sha256_start(in) : ash_input_file_sha256(in, sha);
    } else {
      rc = ash_input_file_sha256(in, sha);
    }
    if (rc) return rc;
    if (f->parse_buffer && (rc = ash_input_whole(in, &whole, &wn))) {
      if (rc == ASH_ENOMEM) return rc;
      skip_why(j, in, name, rc, "could not be read whole");
      return ASH_OK;
    }
  } else {
    uint64_t msz = ash_input_member_size(in);
    if (f->parse_buffer || msz == UINT64_MAX || ash_u64set_has(&j->sizes, msz)) {
      rc = ash_input_whole(in, &whole, &wn);
      if (rc == ASH_ENOMEM) return rc;
      if (rc) {
        skip_why(j, in, name, rc, "could not be decompressed");
        return ASH_OK;
      }
      ash_sha256_hex(wn ? (const void *)whole : "", wn, sha);
      size = wn;
    } else {
      size = msz;
      member_hash = 1;
    }
  }
  /* queued: the writer thread starts and ends the source in order with its
   * events, and this thread goes on with the next file; otherwise the
   * duplicate check needs the store now, while the thread is idle */
  int queued = !ash_u64set_has(&j->sizes, size);
  int dup = 0;
  int later = hash_later || member_hash;
  if (queued) {
    rc = ash_writer_source_begin(j->w, name, size, later ? NULL : sha, f->name, &j->source_id);
  } else {
    rc = ash_writer_drain(j->w);
    ash_writer_collect(j->w, report_done, j);
    if (!rc) rc = ash_store_source_begin(j->s, name, size, sha, f->name, &j->source_id, &dup);
  }
  if (!rc && ash_u64set_add(&j->sizes, size) < 0) rc = ASH_ENOMEM;
  if (rc) return rc;
  ash_source_info info;
  memset(&info, 0, sizeof info);
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
    info.first_ts = info.last_ts = ASH_TIME_UNSET;
    if (o->on_source) o->on_source(o->u, &info);
    return ASH_OK;
  }
  ash_parse_ctx ctx;
  ash_ctx_init(&ctx, &o->parse, on_event, on_reject, j);
  ctx.member = name;
  int broke = 0;
  rc = parse_member(j, in, f, whole, wn, &ctx, &broke);
  if (!rc && !queued) rc = ash_writer_drain(j->w);
  if (!rc && hash_later) rc = ash_input_file_sha256(in, sha);
  if (!rc && member_hash) rc = ash_input_member_sha256(in, sha);
  const char *why;
  if (!rc && !broke && kind != ASH_INPUT_CONTAINER && ash_input_changed(in, &why)) {
    /* a mapped file that shrank was read as zeros past its end (EVTX), or
     * shrank after it was read: what was parsed is not what the file holds */
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
    if (!rc) ash_writer_collect(j->w, report_done, j); /* what the thread has stored so far */
    return rc;
  }
  /* a source begun here (its size matched a known one) is announced once
   * it is committed, like the queued ones: one commit per such file, which
   * is rare (the same size as another source, with other content) */
  rc = ash_store_source_end(j->s, j->source_id, &info);
  if (!rc) rc = ash_writer_sync(j->w); /* commits; earlier sources are announced first */
  if (rc) return rc;
  ash_writer_collect(j->w, report_done, j);
  count_source(j, &info);
  if (o->on_source) o->on_source(o->u, &info);
  return ASH_OK;
}

static int ingest_file(job *j, const char *path) {
  ash_input *in;
  int rc = ash_input_open(&in, path);
  if (rc) {
    skip(j, path, rc == ASH_EARCHIVE ? "archive could not be opened" : "cannot open for reading");
    return ASH_OK;
  }
  j->file_size = ash_input_file_size(in);
  const char *name, *why;
  while ((rc = ash_input_next(in, &name, &why)) != ASH_ENOTFOUND) {
    if (rc == ASH_ENOMEM) break;
    if (rc) {
      skip(j, name, why ? why : ash_strerror(rc));
      rc = ASH_OK;
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
  int rc = ash_store_sources(s, add_known_size, &j);
  if (!rc) rc = ash_writer_open(&j.w, s);
  if (rc) {
    ash_u64set_free(&j.sizes);
    return rc;
  }
  for (size_t i = 0; i < npaths && !rc; i++) rc = ash_walk(paths[i], collect, walk_error, &j);
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
  ash_u64set_free(&j.sizes);
  for (size_t i = 0; i < j.nfiles; i++) free(j.files[i]);
  free(j.files);
  return rc ? rc : wrc;
}
