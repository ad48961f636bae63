/* Replays a fuzz corpus (a directory of inputs, or single files) through a
 * fuzz target without libFuzzer, so that ctest runs every corpus entry
 * under the sanitizers of the build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb) {
        free(buf);
        buf = NULL;
      }
      buf = nb;
    }
  }
  fclose(f);
  if (!buf) return 1;
  /* exact-size copy so that ASan catches any read past the input */
  uint8_t *exact = malloc(n ? n : 1);
  if (!exact) return 1;
  memcpy(exact, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 0;
}

int main(int argc, char **argv) {
  int count = 0, fails = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st)) {
      perror(argv[i]);
      return 1;
    }
    if (S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
        fails += run_file(p);
        count++;
      }
      if (d) closedir(d);
    } else {
      fails += run_file(argv[i]);
      count++;
    }
  }
  printf("replayed %d inputs\n", count);
  if (count == 0) {
    fprintf(stderr, "empty corpus\n");
    return 1;
  }
  return fails ? 1 : 0;
}
