/* ashiato export CASE: the case's indicators as a STIX 2.1 bundle, a MISP
 * event or an IOC CSV (export.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/export.h"
#include "ashiato/store.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato export CASE --stix FILE | --misp FILE | --csv-iocs FILE\n\n"
    "Writes the indicators of a hunted case (the plan's watchlist: relay and\n"
    "VPN source addresses, implant SHA-256 and file names, with the findings\n"
    "they come from) for partner SOCs, CERTs and tools. Ids are UUIDv5 from\n"
    "the case's evidence, so exporting the same case again gives the same ids.\n"
    "Several of the options may be given at once; FILE '-' is stdout.\n\n"
    "options:\n"
    "  --stix FILE      a STIX 2.1 bundle: identity, indicators with patterns,\n"
    "                   observed-data and sightings with first/last seen and\n"
    "                   counts, ATT&CK attack-patterns, infrastructure and\n"
    "                   malware, relationships, a report\n"
    "  --misp FILE      a MISP event (core format) with its attributes and\n"
    "                   ATT&CK galaxy tags\n"
    "  --csv-iocs FILE  type,value,role,first_seen,last_seen,count,findings,note\n"
    "                   (RFC 4180; cells a spreadsheet would run are neutralised)\n"
    "  -h, --help       this text\n";

static int write_one(ash_store *st, ash_export_format f, const char *path) {
  ash_buf b;
  ash_buf_init(&b, (size_t)512 << 20);
  int rc = ash_export(st, f, &b);
  if (rc) {
    ash_buf_free(&b);
    cli_error("export", rc);
    return ASH_EXIT_FAIL;
  }
  FILE *out = strcmp(path, "-") ? fopen(path, "wb") : stdout;
  if (!out) {
    perror(cli_safe(path));
    ash_buf_free(&b);
    return ASH_EXIT_FAIL;
  }
  int bad = b.n && fwrite(b.p, 1, b.n, out) != b.n;
  if (out != stdout)
    bad |= fclose(out) != 0;
  else
    bad |= fflush(out) != 0;
  ash_buf_free(&b);
  if (bad) {
    fprintf(stderr, "ashiato: export: cannot write %s\n", cli_safe(path));
    return ASH_EXIT_FAIL;
  }
  return ASH_EXIT_OK;
}

int cmd_export(int argc, char **argv) {
  static const struct option opts[] = {{"stix", 1, 0, 's'},
                                       {"misp", 1, 0, 'm'},
                                       {"csv-iocs", 1, 0, 'c'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *files[3] = {NULL, NULL, NULL};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 's': files[ASH_EXPORT_STIX] = optarg; break;
    case 'm': files[ASH_EXPORT_MISP] = optarg; break;
    case 'c': files[ASH_EXPORT_CSV] = optarg; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_usage_args("export", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (!files[0] && !files[1] && !files[2]) {
    fprintf(stderr, "ashiato export: say what to write: --stix, --misp or --csv-iocs FILE\n");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  if (cli_store_open(&st, argv[optind], ASH_STORE_READONLY)) return ASH_EXIT_FAIL;
  int rc = ASH_EXIT_OK;
  for (int f = 0; f < 3 && rc == ASH_EXIT_OK; f++)
    if (files[f]) rc = write_one(st, (ash_export_format)f, files[f]);
  ash_store_close(st);
  return rc;
}
