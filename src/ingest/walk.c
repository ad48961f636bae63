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

typedef struct walker {
  int (*cb)(void *, const char *);
  void (*on_error)(void *, const char *, int, const char *);
  void *u;
} walker;

static void report(const walker *w, const char *path, int err, const char *why) {
  if (w->on_error) w->on_error(w->u, path, err, why);
}

/* Why stat(path) failed, in words a responder can act on. errno is the
 * stat's; the lstat tells a dangling link from a file that went away. */
static void report_stat_error(const walker *w, const char *path, int e) {
  struct stat ls;
  if (e == ELOOP) {
    report(w, path, ASH_EIO, "symbolic link loop (too many levels of links)");
  } else if (e == ENOENT && lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode)) {
    report(w, path, ASH_ENOTFOUND, "dangling symbolic link (its target does not exist)");
  } else if (e == ENOENT) {
    report(w, path, ASH_ENOTFOUND, "no such file (removed during the walk)");
  } else if (e == EACCES) {
    report(w, path, ASH_EIO, "permission denied");
  } else {
    report(w, path, ASH_EIO, "cannot be examined (stat failed)");
  }
}

/* A path that is neither a regular file nor a directory. None is read: a
 * FIFO's reader blocks until a writer comes, and what it then reads is
 * taken from another process; a device is not evidence collected at rest
 * (reading /dev/zero never ends) and a socket cannot be opened. Each is
 * reported so that it is accounted for rather than silently passed over. */
static void report_special(const walker *w, const char *path, mode_t m) {
  const char *why = S_ISFIFO(m)   ? "a FIFO (named pipe), not a file: not read"
                    : S_ISCHR(m)  ? "a character device, not a file: not read"
                    : S_ISBLK(m)  ? "a block device, not a file: not read"
                    : S_ISSOCK(m) ? "a socket, not a file: not read"
                                  : "not a regular file: not read";
  report(w, path, ASH_EFORMAT, why);
}

static int walk(const walker *w, const char *path, unsigned depth) {
  struct stat st;
  if (stat(path, &st)) {
    report_stat_error(w, path, errno);
    return ASH_OK;
  }
  if (S_ISREG(st.st_mode)) return w->cb(w->u, path);
  if (!S_ISDIR(st.st_mode)) {
    report_special(w, path, st.st_mode);
    return ASH_OK;
  }
  if (depth >= ASH_MAX_DIR_DEPTH) {
    report(w, path, ASH_ELIMIT, "directory nested too deep (ASH_MAX_DIR_DEPTH): not walked");
    return ASH_OK;
  }
  DIR *d = opendir(path);
  if (!d) {
    report(w, path, ASH_EIO,
           errno == EACCES ? "directory cannot be listed (permission denied)"
                           : "directory cannot be listed");
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
      /* follow symlinks to files, not to directories: a link to a parent
       * would loop, and a link elsewhere leaves the evidence named */
      if (lstat(names[i], &ls) == 0 && S_ISLNK(ls.st_mode) && stat(names[i], &ls) == 0 &&
          S_ISDIR(ls.st_mode)) {
        report(w, names[i], ASH_EFORMAT,
               "symbolic link to a directory: not followed (it may loop); name the target to "
               "read it");
      } else {
        rc = walk(w, names[i], depth + 1);
      }
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int ash_walk(const char *path, int (*cb)(void *, const char *),
             void (*on_error)(void *, const char *, int, const char *), void *u) {
  walker w = {cb, on_error, u};
  return walk(&w, path, 0);
}
