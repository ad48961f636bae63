/* Output files of the generator. A case has one file per host and channel
 * group, thousands of them at large sizes, so files are not kept open:
 * each has a small buffer, flushed by open-append-close when it fills or
 * when the buffers of all files together pass a budget. Memory stays
 * bounded whatever the number of hosts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "gen_int.h"

#define FILE_FLUSH (32u << 10)

int g_mkdirs(const char *path) {
  char tmp[1024];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof tmp) return ASH_EUSAGE;
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] == '/' || tmp[i] == 0) {
      char c = tmp[i];
      tmp[i] = 0;
      if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return ASH_EIO;
      tmp[i] = c;
    }
  }
  return ASH_OK;
}

static int parent_dirs(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return ASH_OK;
  char tmp[1024];
  size_t n = (size_t)(slash - path);
  if (n >= sizeof tmp) return ASH_EUSAGE;
  memcpy(tmp, path, n);
  tmp[n] = 0;
  return g_mkdirs(tmp);
}

static void fail(g_out *o, const char *path) {
  if (!o->failed) snprintf(o->failed_path, sizeof o->failed_path, "%.500s", path);
  o->failed = 1;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int flush_file(g_out *o, g_file *f) {
  if (f->n == 0 && f->created) return ASH_OK;
  if (!f->created && parent_dirs(f->path)) {
    fail(o, f->path);
    return ASH_EIO;
  }
  int fd = open(f->path, O_WRONLY | O_CREAT | O_CLOEXEC | (f->created ? O_APPEND : O_TRUNC), 0644);
  if (fd < 0) {
    fail(o, f->path);
    return ASH_EIO;
  }
  int bad = write_all(fd, f->buf, f->n);
  if (close(fd) != 0) bad = 1;
  if (bad) {
    fail(o, f->path);
    return ASH_EIO;
  }
  f->created = 1;
  o->buffered -= f->n;
  f->n = 0;
  /* Give the memory back: with tens of thousands of host files, buffers
   * kept after a flush would add up; regrowing one costs a few reallocs. */
  free(f->buf);
  f->buf = NULL;
  f->cap = 0;
  return ASH_OK;
}

g_file *g_out_file(g_out *o, const char *rel) {
  size_t dn = strlen(o->dir), rn = strlen(rel);
  g_file *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->path = malloc(dn + rn + 2);
  if (!f->path) {
    free(f);
    return NULL;
  }
  memcpy(f->path, o->dir, dn);
  f->path[dn] = '/';
  memcpy(f->path + dn + 1, rel, rn + 1);
  f->flush_at = FILE_FLUSH;
  f->next = o->files;
  o->files = f;
  return f;
}

int g_out_done(g_out *o, g_file *f) { return flush_file(o, f); }

int g_out_flush_all(g_out *o) {
  int rc = ASH_OK;
  for (g_file *f = o->files; f; f = f->next)
    if (flush_file(o, f)) rc = ASH_EIO;
  return rc;
}

int g_out_write(g_out *o, g_file *f, const char *p, size_t n) {
  if (f->n + n > f->cap) {
    size_t nc = f->cap ? f->cap : 1024;
    while (nc < f->n + n) nc *= 2;
    char *nb = realloc(f->buf, nc);
    if (!nb) return ASH_ENOMEM;
    f->buf = nb;
    f->cap = nc;
  }
  memcpy(f->buf + f->n, p, n);
  f->n += n;
  f->records++;
  o->buffered += n;
  o->bytes += n;
  if (f->n >= f->flush_at) return flush_file(o, f);
  if (o->buffered > o->max_buffered) return g_out_flush_all(o);
  return ASH_OK;
}

int g_out_blob(g_out *o, const char *rel, const void *p, size_t n) {
  char path[1024];
  int len = snprintf(path, sizeof path, "%s/%s", o->dir, rel);
  if (len < 0 || (size_t)len >= sizeof path) return ASH_EUSAGE;
  if (parent_dirs(path)) {
    fail(o, path);
    return ASH_EIO;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(o, path);
    return ASH_EIO;
  }
  int bad = write_all(fd, p, n);
  if (close(fd) != 0) bad = 1;
  if (bad) {
    fail(o, path);
    return ASH_EIO;
  }
  return ASH_OK;
}

void g_out_free(g_out *o) {
  g_file *f = o->files;
  while (f) {
    g_file *nx = f->next;
    free(f->buf);
    free(f->path);
    free(f);
    f = nx;
  }
  o->files = NULL;
  free(o->dir);
  o->dir = NULL;
}
