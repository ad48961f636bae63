#include "ashiato/stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <bzlib.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"

void ash_sha256_hex(const void *p, size_t n, char hex[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  hex[64] = 0;
}

/* ---- guarded mappings ----
 * A mapped file that shrinks while it is read (copytruncate rotation, a
 * network share) raises SIGBUS on the pages past its new end, which kills
 * the process. Every mapping made here is registered; the handler puts a
 * page of zeros over a faulting page of a registered mapping and marks the
 * mapping, and the read goes on: whatever reads it (the EVTX workers, the
 * parser, the raw reader) sees zeros, and the caller learns from
 * ash_input_changed that the file changed. No jump out of the reader is
 * needed, so no lock or allocation can be left half-done. The handler
 * calls mmap only, a plain system call on Linux; a fault outside our
 * mappings goes to the previous handler (or the default: a crash). */

#define GUARDS 64
typedef struct guard {
  _Atomic uintptr_t base;
  _Atomic size_t len;
  _Atomic int hit;
} guard;
static guard g_guard[GUARDS];
static struct sigaction g_old_bus;
static pthread_once_t g_guard_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_guard_mu = PTHREAD_MUTEX_INITIALIZER;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  uintptr_t a = (uintptr_t)si->si_addr;
  for (int i = 0; i < GUARDS; i++) {
    uintptr_t b = atomic_load(&g_guard[i].base);
    size_t l = atomic_load(&g_guard[i].len);
    if (b && a >= b && a - b < l) {
      uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
      void *page = (void *)(a & ~(pg - 1));
      if (mmap(page, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
        atomic_store(&g_guard[i].hit, 1);
        return;
      }
      break;
    }
  }
  if (g_old_bus.sa_flags & SA_SIGINFO) {
    if (g_old_bus.sa_sigaction) {
      g_old_bus.sa_sigaction(sig, si, uc);
      return;
    }
  } else if (g_old_bus.sa_handler != SIG_DFL && g_old_bus.sa_handler != SIG_IGN) {
    g_old_bus.sa_handler(sig);
    return;
  }
  signal(SIGBUS, SIG_DFL); /* the fault repeats on return, and kills */
}

static void guard_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &g_old_bus);
}

/* Register [p, p+n); returns the slot, or -1 when all are taken (the
 * mapping is then unguarded, as before: 64 inputs mapped at once is far
 * beyond what one process opens). */
static int guard_add(const void *p, size_t n) {
  pthread_once(&g_guard_once, guard_install);
  pthread_mutex_lock(&g_guard_mu);
  int slot = -1;
  for (int i = 0; i < GUARDS && slot < 0; i++)
    if (!atomic_load(&g_guard[i].base)) {
      atomic_store(&g_guard[i].hit, 0);
      atomic_store(&g_guard[i].len, n);
      atomic_store(&g_guard[i].base, (uintptr_t)p);
      slot = i;
    }
  pthread_mutex_unlock(&g_guard_mu);
  return slot;
}

static int guard_drop(int slot) {
  if (slot < 0) return 0;
  int hit = atomic_load(&g_guard[slot].hit);
  pthread_mutex_lock(&g_guard_mu);
  atomic_store(&g_guard[slot].base, 0);
  atomic_store(&g_guard[slot].len, 0);
  pthread_mutex_unlock(&g_guard_mu);
  return hit;
}

static int guard_hit(int slot) { return slot >= 0 && atomic_load(&g_guard[slot].hit); }

/* ---- inputs ---- */

#define READ_BLOCK (1u << 20) /* a pread of the file; a decoder's output */
#define PEEK_BYTES ASH_SNIFF_BYTES

enum { L_FILE = 0, L_DECODE, L_ARCHIVE };
enum { C_GZIP = 1, C_BZIP2, C_XZ, C_ZSTD };

/* One layer of the stack: level 0 is the file; level i > 0 decodes or
 * unpacks the current member of level i - 1, and its own current member is
 * what level i + 1 (or the caller) reads. */
typedef struct level {
  int kind;
  char *name; /* display name of the current member */
  /* the member's first bytes, read ahead to classify it and to sniff its
   * format: given again before anything else is read */
  uint8_t *peek;
  size_t peek_n, peek_off;
  int eof;        /* the current member was read to its end */
  int err;        /* the current member's data broke off (sticky) */
  uint64_t out;   /* bytes of the current member produced */
  uint64_t file0; /* file bytes read when the current member began */
  /* L_DECODE */
  int codec;
  int started; /* its one member was returned */
  z_stream z;
  bz_stream bz;
  lzma_stream xz;
  ZSTD_DStream *zs;
  size_t zs_ret;       /* last ZSTD_decompressStream result: 0 at a frame's end */
  int stream_end;      /* gzip/bzip2/xz: the last stream ended */
  const uint8_t *in_p; /* parent bytes not yet decoded */
  size_t in_n;
  int in_eof;
  uint8_t *obuf;
  /* L_ARCHIVE */
  struct archive *ar;
  uint64_t entry_size; /* UINT64_MAX when not known */
  int entries;
} level;

struct ash_input {
  char *path;
  int fd;
  uint64_t size;
  int64_t mtime_ns; /* of the file on disk, from the fstat of the open descriptor */
  ash_input_kind kind;
  level lv[ASH_MAX_ARCHIVE_DEPTH + 1];
  int depth; /* innermost level */
  int member_no;
  int at_end;
  uint64_t pos;        /* next file offset read by level 0 */
  uint64_t file_bytes; /* bytes read from the file, all readers of level 0 */
  uint64_t dec_mem;    /* decoder memory given out (ASH_MAX_DECODER_MEM) */
  uint8_t *block;      /* level 0's read buffer */
  char why[256];
  const char *why_p;
  int changed;
  char changed_why[160];
  /* the current member */
  uint8_t *head; /* plain files: the first bytes, for sniffing */
  size_t head_n;
  int head_done;
  uint64_t mpos; /* bytes given by ash_input_read */
  EVP_MD_CTX *md;
  /* ash_input_whole */
  const uint8_t *map;
  size_t map_n;
  int map_guard;
  int spill_fd;
  /* background hashing of a plain file (ash_input_file_sha256_start): the
   * hasher keeps at most HASH_AHEAD bytes ahead of what the caller has
   * read, so that the pages it reads in are the ones the parser reads next */
  int sha_done;
  char sha[65];
  pthread_t hasher;
  int hasher_on;
  pthread_mutex_t hmu;
  pthread_cond_t hcv;
  uint64_t consumed;  /* bytes the caller read (under hmu) */
  int unthrottled;    /* the caller waits for the hash: no more throttling */
  int cancelled;      /* the input is being closed: the hash is not wanted */
  uint64_t hashed_to; /* bytes the hash covers (short: the file shrank) */
};

static void hasher_join(ash_input *in, int cancel);

static int open_ro(const char *path) {
  int fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);
  if (fd < 0 && errno == EPERM) fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd;
}

static int fail(ash_input *in, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(in->why, sizeof in->why, fmt, ap);
  va_end(ap);
  in->why_p = in->why;
  return rc;
}

static void mark_changed(ash_input *in, uint64_t at) {
  if (in->changed) return;
  in->changed = 1;
  struct stat st;
  uint64_t now = fstat(in->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
  snprintf(in->changed_why, sizeof in->changed_why,
           "file changed during ingest: %" PRIu64 " bytes when opened, %" PRIu64
           " now; not read past byte %" PRIu64,
           in->size, now, at);
}

/* What the first bytes of a stream are. Magic numbers as the formats
 * define them, with enough bytes that a text log cannot start so by
 * chance (bzip2 needs its block or end signature after "BZh1".."BZh9"). */
static int classify(const uint8_t *p, size_t n, int *codec) {
  *codec = 0;
  if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
    *codec = C_GZIP;
  else if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
    *codec = C_ZSTD;
  else if (n >= 10 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9' &&
           (!memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) ||
            !memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6)))
    *codec = C_BZIP2;
  else if (n >= 6 && !memcmp(p,
                             "\xfd"
                             "7zXZ\0",
                             6))
    *codec = C_XZ;
  if (*codec) return L_DECODE;
  if (n >= 4 && (!memcmp(p, "PK\x03\x04", 4) || !memcmp(p, "PK\x05\x06", 4))) return L_ARCHIVE;
  if (n >= 262 && !memcmp(p + 257, "ustar", 5)) return L_ARCHIVE;
  return L_FILE;
}

/* ---- level 0: the file, read with pread (a file that shrinks gives a
 * short read, never a signal) ---- */

static int file_read(ash_input *in, const uint8_t **p, size_t *n) {
  *n = 0;
  if (in->pos >= in->size) return ASH_OK; /* what it held when opened */
  uint64_t want = in->size - in->pos < READ_BLOCK ? in->size - in->pos : READ_BLOCK;
  ssize_t r;
  do r = pread(in->fd, in->block, (size_t)want, (off_t)in->pos);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return fail(in, ASH_EIO, "read error at byte %" PRIu64 ": %s", in->pos, strerror(errno));
  if (r == 0) {
    mark_changed(in, in->pos);
    return fail(in, ASH_EIO, "%s", in->changed_why);
  }
  in->pos += (uint64_t)r;
  in->file_bytes += (uint64_t)r;
  *p = in->block;
  *n = (size_t)r;
  return ASH_OK;
}

static int lv_read(ash_input *in, int i, const uint8_t **p, size_t *n);

/* ---- decoding layers: zlib, libbz2, liblzma, libzstd directly, so that
 * a stream cut short gives every byte that can be decoded before the cut
 * (libarchive's filters drop their last partly filled block) ---- */

static int dec_open(ash_input *in, level *l) {
  uint64_t left = ASH_MAX_DECODER_MEM > in->dec_mem ? ASH_MAX_DECODER_MEM - in->dec_mem : 0;
  uint64_t mem = left < (128ull << 20) ? left : (128ull << 20);
  l->obuf = malloc(READ_BLOCK);
  if (!l->obuf) return ASH_ENOMEM;
  switch (l->codec) {
  case C_GZIP:
    memset(&l->z, 0, sizeof l->z);
    if (inflateInit2(&l->z, 15 + 32) != Z_OK) return ASH_ENOMEM; /* gzip or zlib header */
    mem = 64u << 10;
    break;
  case C_BZIP2:
    memset(&l->bz, 0, sizeof l->bz);
    if (BZ2_bzDecompressInit(&l->bz, 0, 0) != BZ_OK) return ASH_ENOMEM;
    mem = 4u << 20;
    break;
  case C_XZ: {
    lzma_stream z = LZMA_STREAM_INIT;
    l->xz = z;
    if (lzma_stream_decoder(&l->xz, mem ? mem : 1, LZMA_CONCATENATED) != LZMA_OK) return ASH_ENOMEM;
    break;
  }
  case C_ZSTD: {
    l->zs = ZSTD_createDStream();
    if (!l->zs) return ASH_ENOMEM;
    int wlog = 10;
    while (wlog < 27 && (1ull << (wlog + 1)) <= mem) wlog++;
    ZSTD_DCtx_setParameter(l->zs, ZSTD_d_windowLogMax, wlog);
    l->zs_ret = 1; /* inside a frame until one ends */
    break;
  }
  }
  in->dec_mem += mem;
  return ASH_OK;
}

static void dec_close(level *l) {
  switch (l->codec) {
  case C_GZIP: inflateEnd(&l->z); break;
  case C_BZIP2: BZ2_bzDecompressEnd(&l->bz); break;
  case C_XZ: lzma_end(&l->xz); break;
  case C_ZSTD: ZSTD_freeDStream(l->zs); break;
  }
  l->codec = 0;
}

/* Run the decoder over the pending input into obuf. *made: bytes out;
 * returns 1 when the data is complete (the last stream ended with the
 * input), 0 to go on, or minus an ash_err with the reason set. */
static int dec_step(ash_input *in, level *l, size_t *made) {
  size_t in0 = l->in_n;
  *made = 0;
  if (l->stream_end) {
    /* another stream follows (concatenated .gz or .bz2, as gzip -dc reads
     * them); xz and zstd read concatenated streams themselves */
    if (!l->in_n) return l->in_eof ? 1 : 0;
    if (l->codec == C_GZIP) {
      inflateReset(&l->z);
    } else if (l->codec == C_BZIP2) {
      BZ2_bzDecompressEnd(&l->bz);
      memset(&l->bz, 0, sizeof l->bz);
      if (BZ2_bzDecompressInit(&l->bz, 0, 0) != BZ_OK) return -ASH_ENOMEM;
    } else {
      return -fail(in, ASH_EARCHIVE, "data after the end of the xz stream");
    }
    l->stream_end = 0;
  }
  switch (l->codec) {
  case C_GZIP: {
    l->z.next_in = (Bytef *)l->in_p;
    l->z.avail_in = (uInt)l->in_n;
    l->z.next_out = l->obuf;
    l->z.avail_out = READ_BLOCK;
    int r = inflate(&l->z, Z_NO_FLUSH);
    *made = READ_BLOCK - l->z.avail_out;
    l->in_p = l->z.next_in;
    l->in_n = l->z.avail_in;
    if (r == Z_STREAM_END)
      l->stream_end = 1;
    else if (r != Z_OK && r != Z_BUF_ERROR)
      return -fail(in, ASH_EARCHIVE, "gzip data is corrupt (%s) at byte %" PRIu64 " of the file",
                   l->z.msg ? l->z.msg : "zlib", in->pos);
    break;
  }
  case C_BZIP2: {
    l->bz.next_in = (char *)l->in_p;
    l->bz.avail_in = (unsigned)l->in_n;
    l->bz.next_out = (char *)l->obuf;
    l->bz.avail_out = READ_BLOCK;
    int r = BZ2_bzDecompress(&l->bz);
    *made = READ_BLOCK - l->bz.avail_out;
    l->in_p = (const uint8_t *)l->bz.next_in;
    l->in_n = l->bz.avail_in;
    if (r == BZ_STREAM_END)
      l->stream_end = 1;
    else if (r != BZ_OK)
      return -fail(in, ASH_EARCHIVE,
                   "bzip2 data is corrupt (error %d) at byte %" PRIu64 " of the file", r, in->pos);
    break;
  }
  case C_XZ: {
    l->xz.next_in = l->in_p;
    l->xz.avail_in = l->in_n;
    l->xz.next_out = l->obuf;
    l->xz.avail_out = READ_BLOCK;
    lzma_ret r = lzma_code(&l->xz, l->in_eof && !l->in_n ? LZMA_FINISH : LZMA_RUN);
    *made = READ_BLOCK - l->xz.avail_out;
    l->in_p = l->xz.next_in;
    l->in_n = l->xz.avail_in;
    if (r == LZMA_STREAM_END) {
      l->stream_end = 1;
      l->in_n = 0; /* LZMA_CONCATENATED read it all */
    } else if (r == LZMA_MEMLIMIT_ERROR) {
      return -fail(in, ASH_ELIMIT, "xz stream needs more memory than the decoder cap");
    } else if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
      return -fail(in, ASH_EARCHIVE,
                   "xz data is corrupt (error %d) at byte %" PRIu64 " of the file", (int)r,
                   in->pos);
    }
    break;
  }
  case C_ZSTD: {
    /* at a frame's end with nothing left to read there is nothing to call
     * for (a call would only ask for the next frame's header) */
    if (!l->in_n && l->zs_ret == 0) break;
    ZSTD_inBuffer ib = {l->in_p, l->in_n, 0};
    ZSTD_outBuffer ob = {l->obuf, READ_BLOCK, 0};
    size_t r = ZSTD_decompressStream(l->zs, &ob, &ib);
    *made = ob.pos;
    l->in_p += ib.pos;
    l->in_n -= ib.pos;
    if (ZSTD_isError(r)) {
      if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge)
        return -fail(in, ASH_ELIMIT, "zstd window larger than the decoder cap");
      return -fail(in, ASH_EARCHIVE, "zstd data is corrupt (%s) at byte %" PRIu64 " of the file",
                   ZSTD_getErrorName(r), in->pos);
    }
    l->zs_ret = r; /* 0: a frame ended and all its output was given */
    break;
  }
  }
  if (*made || l->in_n || !l->in_eof) return 0;
  int ended = l->codec == C_ZSTD ? l->zs_ret == 0 : l->stream_end;
  if (ended) return 1;
  if (in0 != l->in_n) return 0; /* it moved: one more call before calling it cut */
  return -fail(in, ASH_EARCHIVE,
               "compressed stream is truncated (the file ends at byte %" PRIu64
               " inside a block); everything before the cut was read",
               in->pos);
}

static int dec_read(ash_input *in, int i, const uint8_t **p, size_t *n) {
  level *l = &in->lv[i];
  for (;;) {
    if (!l->in_n && !l->in_eof) {
      int rc = lv_read(in, i - 1, &l->in_p, &l->in_n);
      if (rc) return rc; /* the parent broke off: its reason stands */
      if (!l->in_n) l->in_eof = 1;
    }
    size_t made;
    int r = dec_step(in, l, &made);
    if (r < 0) return -r;
    if (made) {
      *p = l->obuf;
      *n = made;
      return ASH_OK;
    }
    if (r == 1) {
      *n = 0;
      return ASH_OK;
    }
  }
}

/* ---- archive layers: libarchive's zip and tar readers over the level
 * below (with seeking over the file itself, for zip's central
 * directory) ---- */

typedef struct arsrc {
  ash_input *in;
  int below;
} arsrc;

static la_ssize_t ar_cb_read(struct archive *a, void *u, const void **buf) {
  arsrc *s = u;
  const uint8_t *p = NULL;
  size_t n = 0;
  /* the file itself is read at the position the archive seeked to (so
   * without lv_read's end-of-member state) */
  int rc = s->below ? lv_read(s->in, s->below, &p, &n) : file_read(s->in, &p, &n);
  if (rc) {
    archive_set_error(a, EIO, "%s", s->in->why_p ? s->in->why_p : ash_strerror(rc));
    return -1;
  }
  *buf = p;
  return (la_ssize_t)n;
}

static la_int64_t ar_cb_seek(struct archive *a, void *u, la_int64_t off, int whence) {
  (void)a;
  arsrc *s = u;
  ash_input *in = s->in;
  la_int64_t base = whence == SEEK_SET   ? 0
                    : whence == SEEK_CUR ? (la_int64_t)in->pos
                                         : (la_int64_t)in->size;
  la_int64_t to = base + off;
  if (to < 0) return ARCHIVE_FATAL;
  in->pos = (uint64_t)to;
  return to;
}

static la_int64_t ar_cb_skip(struct archive *a, void *u, la_int64_t req) {
  (void)a;
  arsrc *s = u;
  ash_input *in = s->in;
  if (s->below != 0 || req <= 0) return 0; /* libarchive then reads and drops */
  uint64_t left = in->pos < in->size ? in->size - in->pos : 0;
  uint64_t k = (uint64_t)req < left ? (uint64_t)req : left;
  in->pos += k;
  return (la_int64_t)k;
}

static int ar_cb_close(struct archive *a, void *u) {
  (void)a;
  free(u);
  return ARCHIVE_OK;
}

static int ar_open(ash_input *in, level *l, int below) {
  arsrc *s = malloc(sizeof *s);
  l->ar = archive_read_new();
  if (!s || !l->ar) {
    free(s);
    return ASH_ENOMEM;
  }
  s->in = in;
  s->below = below;
  archive_read_support_format_zip(l->ar);
  archive_read_support_format_tar(l->ar);
  archive_read_set_read_callback(l->ar, ar_cb_read);
  archive_read_set_close_callback(l->ar, ar_cb_close);
  archive_read_set_callback_data(l->ar, s);
  if (below == 0) {
    /* the file can seek: zip members are found through the central
     * directory, as unzip does; nested archives are read as streams */
    archive_read_set_seek_callback(l->ar, ar_cb_seek);
    archive_read_set_skip_callback(l->ar, ar_cb_skip);
  }
  if (archive_read_open1(l->ar) != ARCHIVE_OK)
    return fail(in, ASH_EARCHIVE, "archive could not be opened: %s",
                archive_error_string(l->ar) ? archive_error_string(l->ar) : "unknown format");
  return ASH_OK;
}

static int ar_read(ash_input *in, level *l, const uint8_t **p, size_t *n) {
  const void *b;
  size_t sz;
  la_int64_t off;
  for (;;) {
    int r = archive_read_data_block(l->ar, &b, &sz, &off);
    if (r == ARCHIVE_EOF) {
      *n = 0;
      return ASH_OK;
    }
    if (r < ARCHIVE_WARN) {
      const char *e = archive_error_string(l->ar);
      return fail(in, in->changed ? ASH_EIO : ASH_EARCHIVE, "member is truncated or corrupt: %s",
                  in->changed ? in->changed_why
                  : e         ? e
                              : "libarchive error");
    }
    if (!sz) continue;
    *p = b;
    *n = sz;
    return ASH_OK;
  }
}

/* Bytes of level i's current member; *n == 0 at its end. An error is
 * sticky: the member broke off there. */
static int lv_read(ash_input *in, int i, const uint8_t **p, size_t *n) {
  level *l = &in->lv[i];
  *n = 0;
  if (l->peek_off < l->peek_n) {
    *p = l->peek + l->peek_off;
    *n = l->peek_n - l->peek_off;
    l->peek_off = l->peek_n;
    return ASH_OK;
  }
  if (l->err) return l->err;
  if (l->eof) return ASH_OK;
  int rc = l->kind == L_FILE     ? file_read(in, p, n)
           : l->kind == L_DECODE ? dec_read(in, i, p, n)
                                 : ar_read(in, l, p, n);
  if (rc) {
    l->err = rc;
    return rc;
  }
  if (!*n) {
    l->eof = 1;
    return ASH_OK;
  }
  l->out += *n;
  if (i > 0 && l->out > ASH_RATIO_FLOOR) {
    /* the file bytes read since the member began, plus one read of the
     * file: the member's first compressed bytes may have been read ahead
     * with what came before it (a small zip is read whole at once) */
    uint64_t used = in->file_bytes - l->file0 + READ_BLOCK;
    if (l->out / used >= ASH_MAX_RATIO) {
      *n = 0;
      l->err = fail(in, ASH_ELIMIT,
                    "compression ratio above %u:1 (%" PRIu64 " bytes from at most %" PRIu64
                    " of the file: a decompression bomb?); not read further",
                    ASH_MAX_RATIO, l->out, used);
      return l->err;
    }
  }
  return ASH_OK;
}

/* Read level i's current member's first bytes into its peek buffer.
 * While it fills, peek_off == peek_n, so that lv_read reads on below it. */
static int peek_fill(ash_input *in, int i) {
  level *l = &in->lv[i];
  if (!l->peek) {
    l->peek = malloc(PEEK_BYTES);
    if (!l->peek) return ASH_ENOMEM;
  }
  l->peek_n = l->peek_off = 0;
  size_t cap = PEEK_BYTES;
  while (l->peek_n < PEEK_BYTES) {
    const uint8_t *p;
    size_t n;
    if (lv_read(in, i, &p, &n) || !n) break; /* an error stays for the reader */
    if (l->peek_n + n > cap) {
      /* keep the whole piece: what is not kept would be lost to the reader */
      uint8_t *np = realloc(l->peek, l->peek_n + n);
      if (!np) return ASH_ENOMEM;
      l->peek = np;
      cap = l->peek_n + n;
    }
    memcpy(l->peek + l->peek_n, p, n);
    l->peek_n += n;
    l->peek_off = l->peek_n;
  }
  l->peek_off = 0;
  return ASH_OK;
}

static void level_reset_member(level *l) {
  l->peek_n = l->peek_off = 0;
  l->eof = l->err = 0;
  l->out = 0;
}

static void level_free(level *l) {
  if (l->ar) archive_read_free(l->ar);
  if (l->codec) dec_close(l);
  free(l->obuf);
  free(l->peek);
  free(l->name);
  memset(l, 0, sizeof *l);
}

static int push(ash_input *in, int kind, int codec) {
  int d = in->depth + 1;
  level *l = &in->lv[d];
  memset(l, 0, sizeof *l);
  l->kind = kind;
  l->codec = codec;
  l->file0 = in->file_bytes;
  l->entry_size = UINT64_MAX;
  in->depth = d;
  int rc = kind == L_DECODE ? dec_open(in, l) : ar_open(in, l, d - 1);
  if (kind == L_ARCHIVE)
    in->kind = ASH_INPUT_CONTAINER;
  else if (in->kind == ASH_INPUT_PLAIN)
    in->kind = ASH_INPUT_COMPRESSED;
  return rc;
}

static void pop(ash_input *in) {
  level_free(&in->lv[in->depth]);
  in->depth--;
}

int ash_input_open(ash_input **out, const char *path) {
  ash_input *in = calloc(1, sizeof *in);
  if (!in) return ASH_ENOMEM;
  in->fd = in->spill_fd = -1;
  in->map_guard = -1;
  in->path = strdup(path);
  if (!in->path) {
    free(in);
    return ASH_ENOMEM;
  }
  in->fd = open_ro(path);
  struct stat st;
  if (in->fd < 0 || fstat(in->fd, &st) || !S_ISREG(st.st_mode)) {
    ash_input_close(in);
    return ASH_EIO;
  }
  in->size = (uint64_t)st.st_size;
  in->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  in->block = malloc(READ_BLOCK);
  in->lv[0].name = strdup(path);
  if (!in->block || !in->lv[0].name) {
    ash_input_close(in);
    return ASH_ENOMEM;
  }
  uint8_t h[512];
  ssize_t r = in->size ? pread(in->fd, h, sizeof h, 0) : 0;
  int codec, k = classify(h, r > 0 ? (size_t)r : 0, &codec);
  if (k != L_FILE) {
    int rc = push(in, k, codec);
    if (rc) {
      ash_input_close(in);
      return rc;
    }
  }
  *out = in;
  return ASH_OK;
}

static void member_clear(ash_input *in) {
  if (in->map) {
    guard_drop(in->map_guard);
    munmap((void *)in->map, in->map_n);
  }
  in->map = NULL;
  in->map_n = 0;
  in->map_guard = -1;
  if (in->spill_fd >= 0) close(in->spill_fd);
  in->spill_fd = -1;
  free(in->head);
  in->head = NULL;
  in->head_n = 0;
  in->head_done = 0;
  in->mpos = 0;
  if (in->md) EVP_MD_CTX_free(in->md);
  in->md = NULL;
  in->why_p = NULL;
}

void ash_input_close(ash_input *in) {
  if (!in) return;
  hasher_join(in, 1);
  member_clear(in);
  while (in->depth > 0) pop(in);
  level_free(&in->lv[0]);
  if (in->fd >= 0) close(in->fd);
  free(in->block);
  free(in->path);
  free(in);
}

ash_input_kind ash_input_kind_of(const ash_input *in) { return in->kind; }
uint64_t ash_input_file_pos(const ash_input *in) { return in->file_bytes; }
uint64_t ash_input_file_size(const ash_input *in) { return in->size; }
int64_t ash_input_file_mtime_ns(const ash_input *in) { return in->mtime_ns; }
const char *ash_input_why(const ash_input *in) { return in->why_p; }
uint64_t ash_input_member_pos(const ash_input *in) { return in->mpos; }

uint64_t ash_input_member_size(const ash_input *in) {
  const level *l = &in->lv[in->depth];
  return in->depth && l->kind == L_ARCHIVE ? l->entry_size : UINT64_MAX;
}

int ash_input_changed(ash_input *in, const char **why) {
  if (!in->changed && guard_hit(in->map_guard)) mark_changed(in, in->map_n);
  if (!in->changed) {
    struct stat st;
    if (fstat(in->fd, &st) == 0 && (uint64_t)st.st_size < in->size)
      mark_changed(in, (uint64_t)st.st_size);
  }
  if (in->changed && why) *why = in->changed_why;
  return in->changed;
}

/* ---- hashing the file: through a guarded mapping (no copy; a file that
 * shrinks reads as zeros past its end, and is marked changed) ---- */

#define HASH_PIECE (8u << 20)
#define HASH_AHEAD (64u << 20)

static void hash_file(ash_input *in, int background) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned char md[32];
  unsigned int len = 0;
  in->sha[0] = 0;
  if (!c) return; /* out of memory: reported by ash_input_file_sha256 */
  EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  const uint8_t *map = NULL;
  int slot = -1;
  if (in->size) {
    void *m = mmap(NULL, in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
    if (m == MAP_FAILED) {
      EVP_MD_CTX_free(c);
      return;
    }
    madvise(m, in->size, MADV_SEQUENTIAL);
    map = m;
    slot = guard_add(map, in->size);
  }
  long pg = sysconf(_SC_PAGESIZE);
  uint64_t off = 0;
  while (off < in->size) {
    if (background) {
      pthread_mutex_lock(&in->hmu);
      while (!in->unthrottled && off > in->consumed + HASH_AHEAD)
        pthread_cond_wait(&in->hcv, &in->hmu);
      int stop = in->cancelled;
      pthread_mutex_unlock(&in->hmu);
      if (stop) break;
    }
    uint64_t n = in->size - off < HASH_PIECE ? in->size - off : HASH_PIECE;
    EVP_DigestUpdate(c, map + off, (size_t)n);
    /* hashed pages leave memory: the parser reads with pread */
    uint64_t a = off / (uint64_t)pg * (uint64_t)pg, b = (off + n) / (uint64_t)pg * (uint64_t)pg;
    if (b > a) madvise((void *)(map + a), b - a, MADV_DONTNEED);
    off += n;
  }
  int hit = guard_drop(slot);
  if (map) munmap((void *)map, in->size);
  struct stat st;
  in->hashed_to = off;
  if (hit) in->hashed_to = fstat(in->fd, &st) == 0 ? (uint64_t)st.st_size : 0; /* zeros past it */
  EVP_DigestFinal_ex(c, md, &len);
  EVP_MD_CTX_free(c);
  for (int i = 0; i < 32; i++) snprintf(in->sha + 2 * i, 3, "%02x", md[i]);
  in->sha[64] = 0;
}

static void *hasher_main(void *arg) {
  hash_file(arg, 1);
  return NULL;
}

int ash_input_file_sha256_start(ash_input *in) {
  if (in->sha_done || in->hasher_on || in->kind != ASH_INPUT_PLAIN) return ASH_OK;
  pthread_mutex_init(&in->hmu, NULL);
  pthread_cond_init(&in->hcv, NULL);
  in->consumed = 0;
  in->unthrottled = in->cancelled = 0;
  if (pthread_create(&in->hasher, NULL, hasher_main, in)) {
    pthread_mutex_destroy(&in->hmu);
    pthread_cond_destroy(&in->hcv);
    return ASH_OK; /* hashed in the caller's thread when asked */
  }
  in->hasher_on = 1;
  return ASH_OK;
}

static void hasher_join(ash_input *in, int cancel) {
  if (!in->hasher_on) return;
  pthread_mutex_lock(&in->hmu);
  in->unthrottled = 1;
  in->cancelled = cancel;
  pthread_cond_broadcast(&in->hcv);
  pthread_mutex_unlock(&in->hmu);
  pthread_join(in->hasher, NULL);
  pthread_mutex_destroy(&in->hmu);
  pthread_cond_destroy(&in->hcv);
  in->hasher_on = 0;
  in->sha_done = !cancel; /* a cancelled hash stopped part-way: not the file's */
}

static void hasher_tell(ash_input *in, uint64_t upto) {
  if (!in->hasher_on) return;
  pthread_mutex_lock(&in->hmu);
  in->consumed = upto;
  pthread_cond_broadcast(&in->hcv);
  pthread_mutex_unlock(&in->hmu);
}

int ash_input_file_sha256(ash_input *in, char hex[65]) {
  hasher_join(in, 0);
  if (!in->sha_done) {
    hash_file(in, 0);
    in->sha_done = 1;
  }
  if (!in->sha[0]) return ASH_ENOMEM;
  if (in->hashed_to < in->size) mark_changed(in, in->hashed_to);
  memcpy(hex, in->sha, 65);
  return ASH_OK;
}

/* ---- members ---- */

static int set_name(ash_input *in, int d, const char *inner) {
  const char *base = in->lv[d - 1].name;
  size_t l = strlen(base) + (inner ? strlen(inner) + 1 : 0) + 1;
  char *nm = malloc(l);
  if (!nm) return ASH_ENOMEM;
  if (inner)
    snprintf(nm, l, "%s!%s", base, inner);
  else
    snprintf(nm, l, "%s", base);
  free(in->lv[d].name);
  in->lv[d].name = nm;
  return ASH_OK;
}

int ash_input_next(ash_input *in, const char **name, const char **reason) {
  member_clear(in);
  *reason = NULL;
  if (in->at_end) return ASH_ENOTFOUND;
  if (in->depth == 0) {
    if (in->member_no++) {
      in->at_end = 1;
      return ASH_ENOTFOUND;
    }
    *name = in->lv[0].name;
    return ASH_OK;
  }
  for (;;) {
    int d = in->depth;
    if (d == 0) {
      in->at_end = 1;
      return ASH_ENOTFOUND;
    }
    level *l = &in->lv[d];
    if (l->kind == L_DECODE) {
      if (l->started) {
        pop(in);
        continue;
      }
      l->started = 1;
      int rc = set_name(in, d, NULL);
      if (rc) return rc;
    } else {
      struct archive_entry *e;
      int r = archive_read_next_header(l->ar, &e);
      if (r == ARCHIVE_EOF) {
        pop(in);
        continue;
      }
      if (r < ARCHIVE_WARN) {
        const char *es = archive_error_string(l->ar);
        fail(in, ASH_EARCHIVE, "archive is damaged or not readable: %s",
             in->changed ? in->changed_why
             : es        ? es
                         : "libarchive error");
        int rc = set_name(in, d, l->entries ? "(after last readable member)" : NULL);
        *name = rc ? in->lv[d - 1].name : in->lv[d].name;
        /* the name must outlive the level: keep it in level d - 1's slot
         * by popping only on the next call */
        l->kind = L_DECODE;
        l->started = 1;
        *reason = in->why;
        return ASH_EARCHIVE;
      }
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      level_reset_member(l);
      l->file0 = in->file_bytes;
      l->entries++;
      if (++in->member_no > (int)ASH_MAX_ARCHIVE_MEMBERS) {
        in->at_end = 1;
        *reason = "too many members in archive";
        *name = in->lv[d - 1].name;
        return ASH_ELIMIT;
      }
      const char *inner = archive_entry_pathname(e);
      int rc = set_name(in, d, inner ? inner : "(unnamed)");
      if (rc) return rc;
      l->entry_size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : UINT64_MAX;
      *name = l->name;
      if (archive_entry_is_encrypted(e)) {
        *reason = "member is encrypted";
        return ASH_EARCHIVE;
      }
    }
    /* the member: is it itself compressed or an archive? */
    int rc = peek_fill(in, d);
    if (rc) return rc;
    int codec, k = classify(l->peek, l->peek_n, &codec);
    *name = l->name;
    if (k == L_FILE) return ASH_OK;
    if (d >= (int)ASH_MAX_ARCHIVE_DEPTH) {
      snprintf(in->why, sizeof in->why, "archive nested deeper than %u levels: not opened",
               ASH_MAX_ARCHIVE_DEPTH);
      *reason = in->why;
      return ASH_ELIMIT;
    }
    rc = push(in, k, codec);
    if (rc == ASH_ENOMEM) return rc;
    if (rc) {
      /* a member that looked like an archive but is not one */
      *name = l->name;
      *reason = in->why;
      pop(in);
      return ASH_EARCHIVE;
    }
  }
}

int ash_input_head(ash_input *in, const uint8_t **p, size_t *n) {
  if (in->depth) {
    level *l = &in->lv[in->depth];
    *p = l->peek;
    *n = l->peek_n;
    return ASH_OK;
  }
  if (!in->head_done) {
    size_t want = in->size < PEEK_BYTES ? (size_t)in->size : PEEK_BYTES;
    in->head = malloc(want ? want : 1);
    if (!in->head) return ASH_ENOMEM;
    ssize_t r;
    do r = pread(in->fd, in->head, want, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) return fail(in, ASH_EIO, "read error: %s", strerror(errno));
    in->head_n = (size_t)r;
    in->head_done = 1;
  }
  *p = in->head;
  *n = in->head_n;
  return ASH_OK;
}

int ash_input_read(ash_input *in, const uint8_t **p, size_t *n) {
  /* a member of an archive is hashed as it passes (the file and a
   * compressed file have the file's hash, computed apart) */
  if (!in->md && in->kind == ASH_INPUT_CONTAINER) {
    in->md = EVP_MD_CTX_new();
    if (!in->md || !EVP_DigestInit_ex(in->md, EVP_sha256(), NULL)) return ASH_ENOMEM;
  }
  int rc = lv_read(in, in->depth, p, n);
  if (rc) {
    if (!in->why_p) fail(in, rc, "%s", ash_strerror(rc));
    return rc;
  }
  if (*n && in->md) EVP_DigestUpdate(in->md, *p, *n);
  in->mpos += *n;
  if (in->depth == 0) hasher_tell(in, in->pos);
  return ASH_OK;
}

int ash_input_member_sha256(ash_input *in, char hex[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  if (!in->md) {
    ash_sha256_hex("", 0, hex);
    return ASH_OK;
  }
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (!c || !EVP_MD_CTX_copy_ex(c, in->md)) {
    EVP_MD_CTX_free(c);
    return ASH_ENOMEM;
  }
  EVP_DigestFinal_ex(c, md, &len);
  EVP_MD_CTX_free(c);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  hex[64] = 0;
  return ASH_OK;
}

/* An unlinked temporary file for a member that must be had whole. $TMPDIR
 * when set, else /var/tmp: /tmp is often a tmpfs, where a spilled 2 GB
 * member would sit in RAM after all. */
static int spill_open(void) {
  const char *dirs[3] = {getenv("TMPDIR"), "/var/tmp", "/tmp"};
  for (int i = 0; i < 3; i++) {
    if (!dirs[i] || !*dirs[i]) continue;
    int fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/ashiato-member-XXXXXX", dirs[i]);
    fd = mkstemp(tmpl);
    if (fd >= 0) {
      unlink(tmpl);
      return fd;
    }
  }
  return -1;
}

static int map_whole(ash_input *in, int fd, size_t n) {
  if (!n) {
    in->map = (const uint8_t *)"";
    in->map_n = 0;
    return ASH_OK;
  }
  void *m = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return fail(in, ASH_EIO, "cannot map: %s", strerror(errno));
  madvise(m, n, MADV_SEQUENTIAL);
  in->map = m;
  in->map_n = n;
  in->map_guard = guard_add(m, n);
  return ASH_OK;
}

int ash_input_whole(ash_input *in, const uint8_t **p, size_t *n) {
  if (!in->map) {
    int rc;
    if (in->depth == 0) {
      if (in->size > SIZE_MAX) return fail(in, ASH_ELIMIT, "file too large to map");
      rc = map_whole(in, in->fd, (size_t)in->size);
    } else {
      if (in->mpos) return fail(in, ASH_EUSAGE, "member already being read");
      int fd = spill_open();
      if (fd < 0) return fail(in, ASH_EIO, "no temporary file for the member: %s", strerror(errno));
      uint64_t len = 0;
      rc = ASH_OK;
      for (;;) {
        const uint8_t *b;
        size_t k;
        rc = ash_input_read(in, &b, &k);
        if (rc || !k) break;
        if (len + k > ASH_MAX_MEMBER_BYTES) {
          rc = fail(in, ASH_ELIMIT, "member larger than 4 GiB");
          break;
        }
        for (size_t w = 0; w < k;) {
          ssize_t r = write(fd, b + w, k - w);
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) {
            rc = fail(in, ASH_EIO, "temporary file: %s", r < 0 ? strerror(errno) : "short write");
            break;
          }
          w += (size_t)r;
        }
        if (rc) break;
        len += k;
      }
      if (!rc) rc = map_whole(in, fd, (size_t)len);
      if (rc)
        close(fd);
      else
        in->spill_fd = fd;
    }
    if (rc) return rc;
  }
  *p = in->map;
  *n = in->map_n;
  return ASH_OK;
}

/* Pages of the mapping below this offset may be dropped. */
void ash_input_release(ash_input *in, uint64_t upto) {
  if (!in->map || !in->map_n) return;
  if (upto > in->map_n) upto = in->map_n;
  long pg = sysconf(_SC_PAGESIZE);
  uint64_t b = upto / (uint64_t)pg * (uint64_t)pg;
  if (b) madvise((void *)in->map, b, MADV_DONTNEED);
  if (in->depth == 0) hasher_tell(in, upto);
}

int ash_input_read_at(ash_input *in, uint64_t off, uint8_t *buf, size_t cap, size_t *n) {
  *n = 0;
  if (in->depth) return ASH_EUSAGE;
  if (off >= in->size) return ASH_OK;
  if (cap > in->size - off) cap = (size_t)(in->size - off);
  ssize_t r;
  do r = pread(in->fd, buf, cap, (off_t)off);
  while (r < 0 && errno == EINTR);
  if (r < 0) return fail(in, ASH_EIO, "read error: %s", strerror(errno));
  *n = (size_t)r;
  return ASH_OK;
}
