#include "ashiato/stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"

void ash_sha256_hex(const void *p, size_t n, char hex[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  hex[64] = 0;
}

/* ---- inputs ---- */

#define READ_BLOCK (1u << 20)

struct ash_input {
  char *path;
  int fd;
  uint64_t size;
  int64_t mtime_ns; /* of the file on disk, from the fstat of the open descriptor */
  ash_input_kind kind;
  const uint8_t *map; /* whole file mapped (plain members, and hashing) */
  int sha_done;
  char sha[65];
  /* background hashing of a plain file (ash_input_file_sha256_start): the
   * hasher keeps at most HASH_AHEAD bytes ahead of what the caller has
   * released, so that the pages it maps are the ones the parser reads next */
  pthread_t hasher;
  int hasher_on;
  pthread_mutex_t hmu;
  pthread_cond_t hcv;
  uint64_t hashed;   /* bytes hashed (under hmu) */
  uint64_t consumed; /* bytes the caller released (under hmu) */
  int unthrottled;   /* the caller waits for the hash: no more throttling */
  int cancelled;     /* the input is being closed: the hash is not wanted */
  struct archive *ar;
  int member_no;     /* members returned so far */
  char *member_name; /* display name of the current member */
  uint8_t *whole;    /* current member read into memory */
  size_t whole_n;
  int whole_done; /* current member was consumed by ash_input_whole */
  int at_end;
  uint8_t *block;
};

static void hasher_join(ash_input *in, int cancel);

static int open_ro(const char *path) {
  int fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);
  if (fd < 0 && errno == EPERM) fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd;
}

static ash_input_kind classify(const uint8_t *p, size_t n) {
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return ASH_INPUT_COMPRESSED;      /* gzip */
  if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4)) return ASH_INPUT_COMPRESSED; /* zstd */
  if (n >= 3 && !memcmp(p, "BZh", 3)) return ASH_INPUT_COMPRESSED;
  if (n >= 6 && !memcmp(p,
                        "\xfd"
                        "7zXZ\0",
                        6))
    return ASH_INPUT_COMPRESSED;
  if (n >= 4 && !memcmp(p, "PK\x03\x04", 4)) return ASH_INPUT_CONTAINER;
  if (n >= 4 && !memcmp(p, "PK\x05\x06", 4)) return ASH_INPUT_CONTAINER; /* empty zip */
  if (n >= 262 && !memcmp(p + 257, "ustar", 5)) return ASH_INPUT_CONTAINER;
  return ASH_INPUT_PLAIN;
}

int ash_input_open(ash_input **out, const char *path) {
  ash_input *in = calloc(1, sizeof *in);
  if (!in) return ASH_ENOMEM;
  in->fd = -1;
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
  if (in->size) {
    void *m = mmap(NULL, in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
    if (m == MAP_FAILED) {
      ash_input_close(in);
      return ASH_EIO;
    }
    madvise(m, in->size, MADV_SEQUENTIAL);
    in->map = m;
  }
  in->kind = classify(in->map, in->size);
  /* a .tar.gz starts as COMPRESSED and becomes CONTAINER at its first
   * member, when libarchive has looked through the compression */
  if (in->kind != ASH_INPUT_PLAIN) {
    in->block = malloc(READ_BLOCK);
    if (!in->block) {
      ash_input_close(in);
      return ASH_ENOMEM;
    }
    in->ar = archive_read_new();
    if (!in->ar) {
      ash_input_close(in);
      return ASH_ENOMEM;
    }
    archive_read_support_filter_all(in->ar);
    archive_read_support_format_zip(in->ar);
    archive_read_support_format_tar(in->ar);
    archive_read_support_format_raw(in->ar);
    /* read through the descriptor, not the mapping: libarchive reads
     * sequentially, and a mapping would keep every page it touched
     * resident (3 GB of RSS for a 3 GB zip) */
    if (archive_read_open_fd(in->ar, in->fd, READ_BLOCK) != ARCHIVE_OK) {
      ash_input_close(in);
      return ASH_EARCHIVE;
    }
  }
  *out = in;
  return ASH_OK;
}

void ash_input_close(ash_input *in) {
  if (!in) return;
  hasher_join(in, 1);
  if (in->ar) archive_read_free(in->ar);
  if (in->map) munmap((void *)in->map, in->size);
  if (in->fd >= 0) close(in->fd);
  free(in->whole);
  free(in->member_name);
  free(in->block);
  free(in->path);
  free(in);
}

ash_input_kind ash_input_kind_of(const ash_input *in) { return in->kind; }

uint64_t ash_input_file_pos(const ash_input *in) {
  if (!in->ar) return in->size;
  la_int64_t n = archive_filter_bytes(in->ar, -1); /* raw bytes read from the fd */
  return n > 0 ? (uint64_t)n : 0;
}
uint64_t ash_input_file_size(const ash_input *in) { return in->size; }
int64_t ash_input_file_mtime_ns(const ash_input *in) { return in->mtime_ns; }

/* Pages of the mapping below this offset may be dropped. */
static void release(const uint8_t *map, uint64_t from, uint64_t to) {
  long pg = sysconf(_SC_PAGESIZE);
  uint64_t a = (from + (uint64_t)pg - 1) / (uint64_t)pg * (uint64_t)pg;
  uint64_t b = to / (uint64_t)pg * (uint64_t)pg;
  if (b > a) madvise((void *)(map + a), b - a, MADV_DONTNEED);
}

#define HASH_PIECE (8u << 20)
#define HASH_AHEAD (64u << 20)

/* Hash the mapping in pieces. Serially (no caller reading yet) each piece
 * is let go after hashing: a multi-GB file must not become resident just
 * to be hashed. In the background, a page is let go only once both the
 * hasher and the caller are past it. */
static void hash_map(ash_input *in, int background) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned char md[32];
  unsigned int len = 0;
  if (c) EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  uint64_t freed = 0;
  for (uint64_t off = 0; c && off < in->size; off += HASH_PIECE) {
    uint64_t n = in->size - off < HASH_PIECE ? in->size - off : HASH_PIECE;
    uint64_t upto = off + n, consumed = upto;
    if (background) {
      pthread_mutex_lock(&in->hmu);
      while (!in->unthrottled && off > in->consumed + HASH_AHEAD)
        pthread_cond_wait(&in->hcv, &in->hmu);
      int stop = in->cancelled;
      pthread_mutex_unlock(&in->hmu);
      if (stop) break;
    }
    EVP_DigestUpdate(c, in->map + off, (size_t)n);
    if (background) {
      pthread_mutex_lock(&in->hmu);
      in->hashed = upto;
      consumed = in->consumed;
      pthread_mutex_unlock(&in->hmu);
    }
    uint64_t to = consumed < upto ? consumed : upto;
    if (to > freed) {
      release(in->map, freed, to);
      freed = to;
    }
  }
  if (c) {
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++) snprintf(in->sha + 2 * i, 3, "%02x", md[i]);
  } else {
    in->sha[0] = 0; /* out of memory: reported by ash_input_file_sha256 */
  }
  in->sha[64] = 0;
}

static void *hasher_main(void *arg) {
  hash_map(arg, 1);
  return NULL;
}

int ash_input_file_sha256_start(ash_input *in) {
  if (in->sha_done || in->hasher_on || in->kind != ASH_INPUT_PLAIN || !in->map) return ASH_OK;
  pthread_mutex_init(&in->hmu, NULL);
  pthread_cond_init(&in->hcv, NULL);
  in->hashed = in->consumed = 0;
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

void ash_input_release(ash_input *in, uint64_t upto) {
  if (in->kind != ASH_INPUT_PLAIN || !in->map) return;
  if (upto > in->size) upto = in->size;
  if (in->hasher_on) {
    /* pages the hasher has not read yet stay until it has */
    pthread_mutex_lock(&in->hmu);
    in->consumed = upto;
    uint64_t hashed = in->hashed;
    pthread_cond_broadcast(&in->hcv);
    pthread_mutex_unlock(&in->hmu);
    if (hashed < upto) upto = hashed;
  }
  release(in->map, 0, upto);
}

int ash_input_file_sha256(ash_input *in, char hex[65]) {
  hasher_join(in, 0);
  if (!in->sha_done) {
    hash_map(in, 0);
    in->sha_done = 1;
  }
  if (!in->sha[0]) return ASH_ENOMEM;
  memcpy(hex, in->sha, 65);
  return ASH_OK;
}

static int set_name(ash_input *in, const char *inner) {
  free(in->member_name);
  size_t l = strlen(in->path) + (inner ? strlen(inner) + 1 : 0) + 1;
  in->member_name = malloc(l);
  if (!in->member_name) return ASH_ENOMEM;
  if (inner)
    snprintf(in->member_name, l, "%s!%s", in->path, inner);
  else
    snprintf(in->member_name, l, "%s", in->path);
  return ASH_OK;
}

int ash_input_next(ash_input *in, const char **name, const char **reason) {
  free(in->whole);
  in->whole = NULL;
  in->whole_n = 0;
  in->whole_done = 0;
  *reason = NULL;
  if (in->at_end) return ASH_ENOTFOUND;
  if (in->kind == ASH_INPUT_PLAIN) {
    if (in->member_no++) {
      in->at_end = 1;
      return ASH_ENOTFOUND;
    }
    int rc = set_name(in, NULL);
    *name = in->member_name;
    return rc;
  }
  for (;;) {
    struct archive_entry *e;
    int r = archive_read_next_header(in->ar, &e);
    if (r == ARCHIVE_EOF) {
      in->at_end = 1;
      return ASH_ENOTFOUND;
    }
    if (r < ARCHIVE_WARN) {
      in->at_end = 1;
      set_name(in, in->member_no ? "(after last readable member)" : NULL);
      *name = in->member_name;
      *reason = "archive is damaged or not readable";
      return ASH_EARCHIVE;
    }
    if (archive_format(in->ar) == ARCHIVE_FORMAT_RAW) {
      if (in->member_no++) {
        in->at_end = 1;
        return ASH_ENOTFOUND;
      }
      in->kind = ASH_INPUT_COMPRESSED;
      int rc = set_name(in, NULL);
      *name = in->member_name;
      return rc;
    }
    in->kind = ASH_INPUT_CONTAINER;
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    if (++in->member_no > (int)ASH_MAX_ARCHIVE_MEMBERS) {
      in->at_end = 1;
      *reason = "too many members in archive";
      set_name(in, NULL);
      *name = in->member_name;
      return ASH_ELIMIT;
    }
    const char *inner = archive_entry_pathname(e);
    int rc = set_name(in, inner ? inner : "(unnamed)");
    if (rc) return rc;
    *name = in->member_name;
    if (archive_entry_is_encrypted(e)) {
      *reason = "member is encrypted";
      return ASH_EARCHIVE;
    }
    return ASH_OK;
  }
}

int ash_input_read(ash_input *in, const uint8_t **p, size_t *n) {
  if (in->kind == ASH_INPUT_PLAIN) {
    if (in->whole_done) {
      *n = 0;
      return ASH_OK;
    }
    in->whole_done = 1;
    *p = in->map;
    *n = in->size;
    return ASH_OK;
  }
  if (in->whole) {
    *p = in->whole;
    *n = in->whole_done ? 0 : in->whole_n;
    in->whole_done = 1;
    return ASH_OK;
  }
  la_ssize_t r = archive_read_data(in->ar, in->block, READ_BLOCK);
  if (r < 0) return ASH_EARCHIVE;
  *p = in->block;
  *n = (size_t)r;
  return ASH_OK;
}

int ash_input_whole(ash_input *in, const uint8_t **p, size_t *n) {
  if (in->kind == ASH_INPUT_PLAIN) {
    *p = in->map;
    *n = in->size;
    return ASH_OK;
  }
  if (!in->whole) {
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return ASH_ENOMEM;
    for (;;) {
      if (len == cap) {
        if (cap >= ASH_MAX_MEMBER_BYTES) {
          free(buf);
          return ASH_ELIMIT;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
          free(buf);
          return ASH_ENOMEM;
        }
        buf = nb;
        cap *= 2;
      }
      la_ssize_t r = archive_read_data(in->ar, buf + len, cap - len);
      if (r < 0) {
        free(buf);
        return ASH_EARCHIVE;
      }
      if (r == 0) break;
      len += (size_t)r;
    }
    in->whole = buf;
    in->whole_n = len;
  }
  *p = in->whole;
  *n = in->whole_n;
  return ASH_OK;
}
