/* Internal to the CLI: shared helpers of the subcommands. */
#ifndef ASH_CLI_H
#define ASH_CLI_H

#include <stdio.h>

#include "ashiato/format.h"
#include "ashiato/ranges.h"
#include "ashiato/store.h"

/* Exit codes of cli-contract.md. */
enum { ASH_EXIT_OK = 0, ASH_EXIT_FAIL = 1, ASH_EXIT_USAGE = 2 };

int cmd_parse(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_ranges(int argc, char **argv);
int cmd_sigma(int argc, char **argv);
int cmd_ch(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* Number of CPUs (1..64): the default parallelism. */
int cli_default_threads(void);
/* Parse a --threads value (1..256); prints and returns ASH_EXIT_USAGE. */
int cli_threads(const char *arg, int *out);
/* Print "ashiato: <what>: <error text>" on stderr. */
void cli_error(const char *what, int err);
/* ash_store_open, saying on stderr why a case cannot be opened (missing,
 * not an ashiato case, not SQLite). */
typedef struct ash_store ash_store;
int cli_store_open(ash_store **st, const char *path, int flags);
/* Say on stderr what is wrong with the operands before the help text:
 * "missing WHAT" when there are fewer than want, "too many" otherwise. */
void cli_usage_args(const char *verb, int have, int want, const char *what);
/* The parse options that ingest and parse share: their getopt_long
 * entries, their help lines, and where their values go. */
#define CLI_PARSE_OPTIONS                                                                          \
  {"format", 1, 0, 'f'}, {"tz", 1, 0, 'z'}, {"clock-skew", 1, 0, 'k'}, {"carve", 0, 0, 'C'},       \
      {"threads", 1, 0, 'T'}, {                                                                    \
    "map", 1, 0, 'm'                                                                               \
  }
#define CLI_PARSE_HELP                                                                             \
  "  --format NAME      force the input format (see 'ashiato formats')\n"                          \
  "  --tz ZONE          zone of timestamps that carry none: UTC (default),\n"                      \
  "                     +09:00, or an IANA name such as Asia/Tokyo\n"                              \
  "  --clock-skew D     add D to every timestamp of these files (+90s, -2m, 1h)\n"                 \
  "  --map FILE         read CSV/JSONL through a column map (format \"mapped\",\n"                 \
  "                     see docs/formats.md)\n"                                                    \
  "  --carve            EVTX: also recover records from chunk slack space\n"                       \
  "  --threads N        EVTX chunks decoded at once (default: the CPUs)\n"
typedef struct cli_parse_args {
  const char *format, *tz, *skew, *map;
} cli_parse_args;
/* Take option c (one of CLI_PARSE_OPTIONS) with its argument: 1 when taken,
 * 0 when c is not one of them, -1 for a bad value (the message is printed).
 * opts->threads must hold its default before the first call. */
int cli_parse_option(cli_parse_args *a, ash_parse_opts *opts, int c, const char *arg);
/* Check the collected values and fill opts and *forced; returns 0, or
 * prints and returns ASH_EXIT_USAGE. The zone is opened into opts->tz
 * (caller closes). */
int cli_parse_common(ash_parse_opts *opts, const ash_format **forced, const cli_parse_args *a);
/* The cloud ranges data file (cmd_ranges.c): --ranges FILE when given,
 * else $ASHIATO_DATA/cloud-ranges.tsv, else data/ beside or above the
 * binary, else the install prefix's share/ashiato. cli_ranges_path returns
 * 0 when a readable file was found. cli_ranges_open loads it into *out and
 * returns 0 or an exit code: a missing file is an error (ASH_EXIT_FAIL,
 * saying where it looked), unless override is "none" (then *out is NULL).
 * quiet is kept for callers; errors are always printed. */
int cli_ranges_path(const char *override, char *out, size_t n);
int cli_ranges_open(const char *override, ash_ranges **out, int quiet);

/* The event filters (filter.c): getopt entries, help lines, and the
 * handler, which returns 1 when it took option c, 0 when c is not a filter,
 * -1 after printing a usage error. */
enum {
  CLI_F_KIND = 0x1000,
  CLI_F_HOST,
  CLI_F_USER,
  CLI_F_SINCE,
  CLI_F_UNTIL,
  CLI_F_LIMIT,
  CLI_F_EVENT_ID
};
/* clang-format off */
#define CLI_FILTER_OPTIONS \
  {"kind", 1, 0, CLI_F_KIND}, {"host", 1, 0, CLI_F_HOST}, {"user", 1, 0, CLI_F_USER}, \
  {"since", 1, 0, CLI_F_SINCE}, {"until", 1, 0, CLI_F_UNTIL}, {"limit", 1, 0, CLI_F_LIMIT}, \
  {"event-id", 1, 0, CLI_F_EVENT_ID}
/* clang-format on */
#define CLI_FILTER_HELP                                                                            \
  "  --kind K       event kind (vpn.login, net.flow, ...); 'vpn.' or 'vpn*'\n"                     \
  "                 selects every kind with that prefix\n"                                         \
  "  --host H       host (case-insensitive)\n"                                                     \
  "  --user U       account: t.sato, CORP\\t.sato or t.sato@corp.example\n"                        \
  "  --since T      from time T (ISO 8601, UTC unless it carries a zone)\n"                        \
  "  --until T      before time T\n"                                                               \
  "  --limit N      at most N events\n"                                                            \
  "  --event-id N   Windows events with this EventID only (4624, 1116, ...)\n"
int cli_filter_option(ash_event_query *q, int c, const char *arg);
/* After a query with --kind printed nothing: say on stderr whether the
 * case has that kind at all, listing the kinds it has (a mistyped kind is
 * otherwise an empty answer that looks like "nothing happened"). */
void cli_filter_explain_empty(ash_store *st, const ash_event_query *q);
/* ashiato kinds CASE: the kinds present, with counts (cmd_kinds in filter.c). */
int cmd_kinds(int argc, char **argv);

#endif
