/* The event filters shared by the verbs that read events (timeline; events
 * moves onto it once its output work has landed): one definition of the
 * options, their help lines and their checks. */
#include <stdio.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/time.h"
#include "cli.h"

static int parse_time(const char *opt, const char *v, int64_t *out) {
  if (ash_time_parse_iso(ash_str_cstr(v), out)) {
    fprintf(stderr, "ashiato: %s: bad time '%s' (ISO 8601, e.g. 2025-03-02T10:22:01Z)\n", opt, v);
    return -1;
  }
  return 0;
}

int cli_filter_option(ash_event_query *q, int c, const char *arg) {
  switch (c) {
  case CLI_F_KIND: q->kind = arg; return 1;
  case CLI_F_HOST: q->host = arg; return 1;
  case CLI_F_USER: q->user = arg; return 1;
  case CLI_F_SINCE: return parse_time("--since", arg, &q->since) ? -1 : 1;
  case CLI_F_UNTIL: return parse_time("--until", arg, &q->until) ? -1 : 1;
  case CLI_F_LIMIT:
    if (ash_str_to_u64(ash_str_cstr(arg), &q->limit)) {
      fprintf(stderr, "ashiato: --limit: not a number: '%s'\n", arg);
      return -1;
    }
    return 1;
  default: return 0;
  }
}
