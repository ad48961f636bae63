#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/map.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "ashiato/ch.h"
#include "cli.h"
#include "term.h"

int cli_parse_option(cli_parse_args *a, ash_parse_opts *opts, int c, const char *arg) {
  switch (c) {
  case 'f': a->format = arg; return 1;
  case 'z': a->tz = arg; return 1;
  case 'k': a->skew = arg; return 1;
  case 'm': a->map = arg; return 1;
  case 'C': opts->carve = 1; return 1;
  case 'T': return cli_threads(arg, &opts->threads) ? -1 : 1;
  default: return 0;
  }
}

int cli_parse_common(ash_parse_opts *opts, const ash_format **forced, const cli_parse_args *a) {
  const char *format = a->format, *tz = a->tz, *skew = a->skew, *map = a->map;
  if (format && !strcmp(format, "mapped") && !map) {
    fprintf(stderr, "ashiato: the mapped format needs --map FILE (see docs/formats.md)\n");
    return ASH_EXIT_USAGE;
  }
  if (map) {
    /* a map means the mapped format; check it once, with a clear message */
    char why[256] = "";
    if (!format) format = "mapped";
    if (ash_map_check(map, why, sizeof why)) {
      fprintf(stderr, "ashiato: --map %s: %s\n", cli_safe(map), cli_safe(why));
      return ASH_EXIT_USAGE;
    }
    opts->map_path = map;
  }
  if (format) {
    *forced = ash_format_find(format);
    if (!*forced) {
      fprintf(stderr, "ashiato: unknown format '%s' (see 'ashiato formats')\n", cli_safe(format));
      return ASH_EXIT_USAGE;
    }
  }
  if (skew && ash_duration_parse(ash_str_cstr(skew), &opts->clock_skew_us)) {
    fprintf(stderr, "ashiato: bad --clock-skew '%s' (examples: +90s, -2m, 1h)\n", cli_safe(skew));
    return ASH_EXIT_USAGE;
  }
  if (tz) {
    int rc = ash_tz_open(&opts->tz, tz);
    if (rc) {
      fprintf(stderr,
              "ashiato: unknown time zone '%s' (use UTC, +09:00 or an IANA name "
              "such as Asia/Tokyo)\n",
              cli_safe(tz));
      return ASH_EXIT_USAGE;
    }
  }
  return 0;
}

int cmd_formats(int argc, char **argv) {
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("usage: ashiato formats\n\nLists the input formats, as named by --format.\n");
    return ASH_EXIT_OK;
  }
  const ash_format *const *f = ash_formats();
  for (size_t i = 0; f[i]; i++) printf("%-12s %s\n", f[i]->name, f[i]->description);
  return ASH_EXIT_OK;
}

int cli_default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int cli_threads(const char *arg, int *out) {
  uint64_t v;
  if (ash_str_to_u64(ash_str_cstr(arg), &v) || v < 1 || v > 256) {
    fprintf(stderr, "ashiato: --threads: expected a number from 1 to 256, got '%s'\n",
            cli_safe(arg));
    return ASH_EXIT_USAGE;
  }
  *out = (int)v;
  return 0;
}

void cli_usage_args(const char *verb, int have, int want, const char *what) {
  if (have < want)
    fprintf(stderr, "ashiato %s: missing %s\n\n", verb, what);
  else
    fprintf(stderr, "ashiato %s: too many operands (%d; expected %d)\n\n", verb, have, want);
}

int cli_store_open(ash_store **st, const char *path, int flags) {
  int rc = ash_store_open(st, path, flags);
  if (!rc) return ASH_OK;
  *st = NULL;
  if (ash_ch_is_url(path)) {
    /* the client's or the server's words: which server, what failed */
    const char *why = ash_store_open_error();
    fprintf(stderr, "ashiato: %s: %s\n", cli_safe(path), *why ? cli_safe(why) : ash_strerror(rc));
    return rc;
  }
  /* a case to create in a folder that is not there: say which */
  if ((flags & ASH_STORE_CREATE) && rc == ASH_ESTORE) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    struct stat ds;
    if (slash && slash != dir) {
      *slash = 0;
      if (stat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode)) {
        fprintf(stderr, "ashiato: %s: the folder %s does not exist\n", cli_safe(path),
                cli_safe(dir));
        return rc;
      }
    }
  }
  struct stat sb;
  int empty = rc == ASH_ENOTFOUND && stat(path, &sb) == 0 && sb.st_size == 0;
  const char *why = empty ? "the case is empty (an ingest into it stopped before its first "
                            "commit; run the ingest again)"
                    : rc == ASH_ENOTFOUND ? "no such case (ingest creates one)"
                    : rc == ASH_EFORMAT ? "not an ashiato case (refused: ashiato writes only into "
                                          "cases it created)"
                    : rc == ASH_EVERSION
                        ? "made by an earlier version of ashiato, in a layout this version does "
                          "not read: ingest the evidence again into a new case (the evidence "
                          "files are not changed by an ingest)"
                    : rc == ASH_ESTORE ? "cannot be opened as an SQLite database"
                                       : ash_strerror(rc);
  fprintf(stderr, "ashiato: %s: %s\n", cli_safe(path), why);
  return rc;
}
