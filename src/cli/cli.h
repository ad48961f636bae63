/* Internal to the CLI: shared helpers of the subcommands. */
#ifndef ASH_CLI_H
#define ASH_CLI_H

#include <stdio.h>

#include "ashiato/format.h"
#include "ashiato/ranges.h"

/* Exit codes of cli-contract.md. */
enum { ASH_EXIT_OK = 0, ASH_EXIT_FAIL = 1, ASH_EXIT_USAGE = 2 };

int cmd_parse(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_ranges(int argc, char **argv);

/* Number of CPUs (1..64): the default parallelism. */
int cli_default_threads(void);
/* Parse a --threads value (1..256); prints and returns ASH_EXIT_USAGE. */
int cli_threads(const char *arg, int *out);
/* Print "ashiato: <what>: <error text>" on stderr. */
void cli_error(const char *what, int err);
/* Parse the parse options shared by ingest and parse (--tz, --clock-skew,
 * --format, --map); returns 0, or prints and returns
 * ASH_EXIT_USAGE. The zone is opened into opts->tz (caller closes). */
int cli_parse_common(ash_parse_opts *opts, const ash_format **forced, const char *tz,
                     const char *skew, const char *format, const char *map);
/* The cloud ranges data file (cmd_ranges.c): --ranges FILE when given,
 * else $ASHIATO_DATA/cloud-ranges.tsv, else data/ beside or above the
 * binary. cli_ranges_path returns 0 when a readable file was found.
 * cli_ranges_open loads it into *out (NULL, with a warning unless quiet,
 * when there is none) and returns 0 or an exit code. */
int cli_ranges_path(const char *override, char *out, size_t n);
int cli_ranges_open(const char *override, ash_ranges **out, int quiet);

#endif
