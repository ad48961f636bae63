/* ashiato ranges: rebuild the cloud ranges data file from the providers'
 * publications, and look addresses up in it. Also finds the data file for
 * the other verbs (cli_ranges_open). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/ranges.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato ranges import [--out FILE] [PROVIDER=]FILE...\n"
    "       ashiato ranges lookup [--ranges FILE] ADDRESS...\n\n"
    "import reads the providers' own publications (AWS ip-ranges.json, Azure\n"
    "ServiceTags JSON, Google Cloud cloud.json, Oracle public_ip_ranges.json,\n"
    "RFC 8805 geofeeds such as DigitalOcean's CSV and Linode's TXT) and writes\n"
    "the compact data file the hunts use (default: the one this ashiato reads).\n"
    "A geofeed does not name its provider: the file name does (digitalocean.csv)\n"
    "or PROVIDER=FILE says it.\n\n"
    "lookup prints provider, region and service of each address.\n\n"
    "The data file is found with --ranges FILE, else $ASHIATO_DATA/cloud-ranges.tsv,\n"
    "else data/cloud-ranges.tsv beside or above the directory of the binary, else\n"
    "share/ashiato/ of the prefix ashiato was installed to. A missing file is an\n"
    "error; --ranges none hunts without it.\n";

#define RANGES_FILE "cloud-ranges.tsv"

static int exists(const char *p) { return access(p, R_OK) == 0; }

/* Where the data file may be, in order. A missing file is an error for the
 * verbs that use it (cli_ranges_open): without it cloud-tunnel cannot tell
 * a cloud relay from any other address and scores drop without a word,
 * which is worse than stopping. */
static size_t ranges_candidates(char cand[][PATH_MAX + 64], size_t max) {
  size_t k = 0;
  const char *env = getenv("ASHIATO_DATA");
  if (env && *env && k < max) snprintf(cand[k++], PATH_MAX + 64, "%s/%s", env, RANGES_FILE);
  /* a clone: build/ashiato reads build/../data; a relocated install:
   * bin/../share/ashiato */
  char exe[PATH_MAX];
  ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (l > 0) {
    exe[l] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    static const char *const rel[] = {"/../data/", "/data/", "/../../data/", "/../share/ashiato/"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0] && k < max; i++)
      if (snprintf(cand[k], PATH_MAX + 64, "%s%s%s", exe, rel[i], RANGES_FILE) < PATH_MAX + 64) k++;
  }
#ifdef ASH_DATADIR
  /* the prefix this binary was installed to (cmake --install, the .deb) */
  if (k < max) snprintf(cand[k++], PATH_MAX + 64, "%s/%s", ASH_DATADIR, RANGES_FILE);
#endif
  if (k < max) snprintf(cand[k++], PATH_MAX + 64, "/usr/share/ashiato/%s", RANGES_FILE);
  return k;
}

int cli_ranges_path(const char *override, char *out, size_t n) {
  if (override) {
    snprintf(out, n, "%s", override);
    return exists(out) ? 0 : -1;
  }
  char cand[8][PATH_MAX + 64];
  size_t k = ranges_candidates(cand, 8);
  for (size_t i = 0; i < k; i++)
    if (exists(cand[i])) {
      snprintf(out, n, "%s", cand[i]);
      return 0;
    }
  return -1;
}

int cli_ranges_open(const char *override, ash_ranges **out, int quiet) {
  char path[PATH_MAX + 64];
  *out = NULL;
  /* the one way to hunt without the data, and it has to be asked for */
  if (override && !strcmp(override, "none")) return 0;
  if (cli_ranges_path(override, path, sizeof path)) {
    if (override) {
      fprintf(stderr, "ashiato: %s: no such ranges file\n", cli_safe(override));
      return ASH_EXIT_USAGE;
    }
    (void)quiet;
    char cand[8][PATH_MAX + 64];
    size_t k = ranges_candidates(cand, 8);
    fprintf(stderr, "ashiato: no cloud ranges data file (%s) found; looked in:\n", RANGES_FILE);
    for (size_t i = 0; i < k; i++) fprintf(stderr, "  %s\n", cand[i]);
    fprintf(stderr, "Install ashiato with its data (cmake --install, the .deb), set ASHIATO_DATA"
                    " to the folder holding it, give --ranges FILE, or --ranges none to hunt"
                    " without them (cloud-tunnel then cannot name providers or tell a rented\n"
                    "relay from a SaaS address, and scores it lower)\n");
    return ASH_EXIT_FAIL;
  }
  uint64_t line = 0;
  int rc = ash_ranges_load(out, path, &line);
  if (rc) {
    if (rc == ASH_EFORMAT)
      fprintf(stderr, "ashiato: %s: line %llu: not a cloud ranges file\n", cli_safe(path),
              (unsigned long long)line);
    else
      cli_error(path, rc);
    return ASH_EXIT_FAIL;
  }
  return 0;
}

/* The options of a subcommand that takes one ("NAME VALUE" or
 * "NAME=VALUE") before at least one argument: the index of the first
 * argument, or -1 (help printed) on a usage error. */
static int one_option(int argc, char **argv, const char *name, const char **value) {
  size_t nl = strlen(name);
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], name) && i + 1 < argc)
      *value = argv[++i];
    else if (!strncmp(argv[i], name, nl) && argv[i][nl] == '=')
      *value = argv[i] + nl + 1;
    else
      break;
  }
  if (i >= argc || argv[i][0] == '-') {
    fputs(HELP, stderr);
    return -1;
  }
  return i;
}

static int do_import(int argc, char **argv) {
  const char *out = NULL;
  char def[PATH_MAX + 64];
  int i = one_option(argc, argv, "--out", &out);
  if (i < 0) return ASH_EXIT_USAGE;
  if (!out) {
    if (cli_ranges_path(NULL, def, sizeof def)) {
      fprintf(stderr, "ashiato: no data file to replace: say where with --out FILE\n");
      return ASH_EXIT_USAGE;
    }
    out = def;
  }
  ash_ranges_builder *b;
  int rc = ash_ranges_builder_new(&b);
  if (rc) {
    cli_error("ranges", rc);
    return ASH_EXIT_FAIL;
  }
  for (; i < argc; i++) {
    char prov[64];
    const char *file = argv[i], *provider = NULL;
    const char *eq = strchr(argv[i], '=');
    size_t pl = eq ? (size_t)(eq - argv[i]) : 0;
    if (pl && pl < sizeof prov && !memchr(argv[i], '/', pl)) {
      snprintf(prov, sizeof prov, "%.*s", (int)pl, argv[i]);
      provider = prov;
      file = eq + 1;
    }
    uint64_t added = 0;
    char why[512] = "";
    rc = ash_ranges_builder_add_file(b, file, provider, &added, why, sizeof why);
    if (rc) {
      fprintf(stderr, "ashiato: %s\n", cli_safe(why[0] ? why : ash_strerror(rc)));
      ash_ranges_builder_close(b);
      return rc == ASH_EUSAGE ? ASH_EXIT_USAGE : ASH_EXIT_FAIL;
    }
    fprintf(stderr, "%s: %llu prefixes\n", cli_safe(file), (unsigned long long)added);
  }
  uint64_t written = 0;
  rc = ash_ranges_builder_write(b, out, &written);
  ash_ranges_builder_close(b);
  if (rc) {
    cli_error(out, rc);
    return ASH_EXIT_FAIL;
  }
  printf("%s: %llu prefixes written\n", cli_safe(out), (unsigned long long)written);
  return ASH_EXIT_OK;
}

static int do_lookup(int argc, char **argv) {
  const char *override = NULL;
  int i = one_option(argc, argv, "--ranges", &override);
  if (i < 0) return ASH_EXIT_USAGE;
  ash_ranges *r;
  int rc = cli_ranges_open(override, &r, 0);
  if (rc) return rc;
  if (!r) return ASH_EXIT_FAIL;
  int ex = ASH_EXIT_OK;
  for (; i < argc; i++) {
    ash_ip ip;
    if (ash_ip_parse(ash_str_cstr(argv[i]), &ip)) {
      fprintf(stderr, "ashiato: '%s' is not an address\n", cli_safe(argv[i]));
      ex = ASH_EXIT_USAGE;
      continue;
    }
    ash_cloud c;
    if (ash_ranges_lookup(r, &ip, &c))
      printf("%s\t%s\t%s\t%s\n", cli_safe(argv[i]), cli_safe(c.provider), cli_safe(c.region),
             cli_safe(c.service));
    else
      printf("%s\t-\n", cli_safe(argv[i]));
  }
  ash_ranges_close(r);
  return ex;
}

int cmd_ranges(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(HELP, argc < 2 ? stderr : stdout);
    return argc < 2 ? ASH_EXIT_USAGE : ASH_EXIT_OK;
  }
  if (!strcmp(argv[1], "import")) return do_import(argc - 1, argv + 1);
  if (!strcmp(argv[1], "lookup")) return do_lookup(argc - 1, argv + 1);
  fputs(HELP, stderr);
  return ASH_EXIT_USAGE;
}
