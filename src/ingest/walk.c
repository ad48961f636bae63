/* The directory walk behind ash_walk (include/ashiato/stream.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/stream.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *path, unsigned depth, int (*cb)(void *, const char *),
                void (*on_error)(void *, const char *, int), void *u) {
  struct stat st;
  if (stat(path, &st)) {
    /* a dangling symlink is "not found", not an I/O error */
    if (on_error) on_error(u, path, errno == ENOENT ? ASH_ENOTFOUND : ASH_EIO);
    return ASH_OK;
  }
  if (S_ISREG(st.st_mode)) return cb(u, path);
  if (!S_ISDIR(st.st_mode)) return ASH_OK;
  if (depth >= ASH_MAX_DIR_DEPTH) {
    if (on_error) on_error(u, path, ASH_ELIMIT);
    return ASH_OK;
  }
  DIR *d = opendir(path);
  if (!d) {
    if (on_error) on_error(u, path, ASH_EIO);
    return ASH_OK;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int rc = ASH_OK;
  while ((e = readdir(d))) {
    /* hidden files are walked too: malware and logs hide there, and a file
     * we cannot read is reported, never silently passed over */
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn) {
        rc = ASH_ENOMEM;
        break;
      }
      names = nn;
    }
    size_t l = strlen(path) + strlen(e->d_name) + 2;
    names[n] = malloc(l);
    if (!names[n]) {
      rc = ASH_ENOMEM;
      break;
    }
    snprintf(names[n], l, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
    n++;
  }
  closedir(d);
  if (!rc) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    if (!rc) {
      struct stat ls;
      /* follow symlinks to files, not to directories (loops) */
      if (lstat(names[i], &ls) == 0 && S_ISLNK(ls.st_mode) && stat(names[i], &ls) == 0 &&
          S_ISDIR(ls.st_mode)) {
      } else {
        rc = walk(names[i], depth + 1, cb, on_error, u);
      }
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int ash_walk(const char *path, int (*cb)(void *, const char *),
             void (*on_error)(void *, const char *, int), void *u) {
  return walk(path, 0, cb, on_error, u);
}
