/* ashiato events CASE: query the normalised events. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/raw.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato events CASE [options]\n\n"
    "Prints the case's events in time order.\n\n"
    "options:\n" CLI_FILTER_HELP
    "  --raw          also print each event's raw text, read back from the\n"
    "                 evidence: the log line, or the EVTX record as XML; a\n"
    "                 file that is not the one ingested (size, mtime or\n"
    "                 SHA-256 differ) is named on stderr, its text withheld\n"
    "                 and the exit status is 1\n"
    "  --verify       with --raw: re-hash every evidence file first, not only\n"
    "                 those whose size or mtime changed\n"
    "  --json         JSON lines (cli-contract.md); default is a table\n"
    "  -h, --help     this text\n";

typedef struct est {
  uint64_t printed; /* events printed */
  int json;
  ash_buf line;
  ash_raw *raw; /* with --raw */
  int verify;   /* --verify */
  ash_buf rawtext;
  int64_t *warned; /* sources whose change was already reported */
  size_t nwarned, capwarned;
  int changed; /* some evidence was withheld: exit 1 */
} est;

/* Say once per source, on stderr, that its evidence changed. */
static void warn_changed(est *s, const ash_source_info *src, const char *why) {
  for (size_t i = 0; i < s->nwarned; i++)
    if (s->warned[i] == src->id) return;
  int64_t *v = ash_array_room(s->warned, &s->capwarned, s->nwarned, sizeof *v, 16);
  if (v) {
    s->warned = v;
    v[s->nwarned++] = src->id;
  }
  fprintf(stderr,
          "ashiato: WARNING: evidence changed since ingest: %s (%s differs); its raw text is "
          "not shown ('ashiato sources CASE --verify' checks every file)\n",
          cli_safe(src->path), why ? why : "content");
}

/* Read ev's raw text into s->rawtext; returns 0, or the error that says
 * why there is none (*why for ASH_ECHANGED). */
static int raw_text(est *s, const ash_event *ev, const ash_source_info *src, const char **why) {
  *why = NULL;
  int rc = src && src->path ? ash_raw_get(s->raw, src, ev->ref, src->ref_is_record, &s->rawtext)
                            : ASH_ENOTFOUND;
  if (rc == ASH_ECHANGED) {
    ash_raw_check(s->raw, src, why);
    s->changed = 1;
    warn_changed(s, src, *why);
  }
  return rc;
}

static const char *raw_status(int rc) {
  return rc == ASH_ECHANGED    ? "changed"
         : rc == ASH_ENOTFOUND ? "not_found"
         : rc == ASH_ELIMIT    ? "too_large"
                               : "error";
}

/* The raw text under an event line: each of its lines indented (an EVTX
 * record's XML may span several), filtered for the terminal. */
static void add_raw_block(ash_buf *o, const char *p, size_t n) {
  size_t i = 0;
  do {
    const char *nl = memchr(p + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - p) : n;
    ash_buf_adds(o, "\n    ");
    cli_term_add(o, p + i, e - i);
    i = e + 1;
  } while (i < n);
}

static int print_event(void *u, const ash_event *ev, const ash_source_info *src,
                       const char *attrs) {
  est *s = u;
  s->printed++;
  const char *path = src ? src->path : NULL;
  int is_rec = src ? src->ref_is_record : 0;
  ash_buf_reset(&s->line);
  int rawrc = 0;
  const char *why = NULL;
  if (s->raw) rawrc = raw_text(s, ev, src, &why);
  if (s->json) {
    int rc = ash_event_to_json(ev, path, is_rec, attrs, &s->line);
    if (rc) return rc;
    if (s->raw && s->line.n && s->line.p[s->line.n - 1] == '}') {
      s->line.n--; /* reopen the object for more fields */
      if (!rawrc) {
        rc = cli_json_bytes(&s->line, "raw", s->rawtext.p, s->rawtext.n);
      } else {
        /* no "raw": a note in its place would read as the record */
        rc = ash_buf_printf(&s->line, ",\"raw_status\":\"%s\",\"raw_error\":\"", raw_status(rawrc));
        if (!rc && rawrc == ASH_ECHANGED)
          rc = ash_buf_printf(&s->line, "evidence changed since ingest (%s differs)",
                              why ? why : "content");
        else if (!rc)
          rc = ash_buf_adds(&s->line, ash_strerror(rawrc));
        if (!rc) rc = ash_buf_addc(&s->line, '"');
      }
      if (!rc) rc = ash_buf_adds(&s->line, "}");
      if (rc) return rc;
    }
    puts(s->line.p);
    return 0;
  }
  char ts[32] = "-", a[ASH_IP_STRLEN], b[ASH_IP_STRLEN];
  if (ev->ts != ASH_TIME_UNSET) ash_time_format(ev->ts, ts);
  ash_ip_format(&ev->src_ip, a);
  ash_ip_format(&ev->dst_ip, b);
  ash_buf_printf(&s->line, "%s %-14s ", ts, ev->kind);
  /* log text is hostile: it goes through the terminal filter */
  ash_buf_adds(&s->line, "host=");
  cli_term_add(&s->line, ev->host.p, ev->host.n);
  if (ev->user.n) {
    ash_buf_adds(&s->line, " user=");
    cli_term_add(&s->line, ev->user.p, ev->user.n);
  }
  if (a[0]) ash_buf_printf(&s->line, " src=%s", a);
  if (ev->src_port >= 0) ash_buf_printf(&s->line, ":%d", ev->src_port);
  if (b[0]) ash_buf_printf(&s->line, " dst=%s", b);
  if (ev->dst_port >= 0) ash_buf_printf(&s->line, ":%d", ev->dst_port);
  if (ev->tunnel_ip.fam) {
    ash_ip_format(&ev->tunnel_ip, a);
    ash_buf_printf(&s->line, " tunnel=%s", a);
  }
  if (ev->duration_us != ASH_UNSET)
    ash_buf_printf(&s->line, " dur=%.0fs", (double)ev->duration_us / 1e6);
  if (ev->bytes_out != ASH_UNSET) ash_buf_printf(&s->line, " out=%" PRId64, ev->bytes_out);
  if (ev->bytes_in != ASH_UNSET) ash_buf_printf(&s->line, " in=%" PRId64, ev->bytes_in);
  if (ev->logon_type != ASH_UNSET) ash_buf_printf(&s->line, " logon_type=%" PRId64, ev->logon_type);
  const struct {
    const char *k;
    ash_str v;
  } more[] = {{"action", ev->action}, {"service", ev->service}, {"threat", ev->threat},
              {"path", ev->path},     {"process", ev->process}, {"cmd", ev->command_line}};
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
    if (!more[i].v.n) continue;
    ash_buf_printf(&s->line, " %s=\"", more[i].k);
    cli_term_add(&s->line, more[i].v.p, more[i].v.n);
    ash_buf_addc(&s->line, '"');
  }
  if (ev->event_id != ASH_UNSET) ash_buf_printf(&s->line, " event_id=%" PRId64, ev->event_id);
  if (s->raw) {
    if (!rawrc) {
      add_raw_block(&s->line, s->rawtext.p, s->rawtext.n);
    } else if (rawrc == ASH_ECHANGED) {
      ash_buf_printf(&s->line,
                     "\n    [EVIDENCE CHANGED SINCE INGEST (%s differs): raw text withheld]",
                     why ? why : "content");
    } else {
      ash_buf_printf(&s->line, "\n    [raw text not available: %s]",
                     rawrc == ASH_ENOTFOUND ? "evidence file, member or record not found"
                                            : ash_strerror(rawrc));
    }
  }
  puts(s->line.p);
  return 0;
}

int cmd_events(int argc, char **argv) {
  static const struct option lo[] = {CLI_FILTER_OPTIONS,    {"json", 0, 0, 'j'}, {"raw", 0, 0, 'r'},
                                     {"verify", 0, 0, 'V'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  est s;
  memset(&s, 0, sizeof s);
  ash_event_query q = {.since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  int c, want_raw = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    int took = cli_filter_option(&q, c, optarg);
    if (took < 0) return ASH_EXIT_USAGE;
    if (took) continue;
    switch (c) {
    case 'j': s.json = 1; break;
    case 'r': want_raw = 1; break; /* opened below, once --verify is known */
    case 'V': s.verify = 1; break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    cli_usage_args("events", argc - optind, 1, "CASE");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  if (s.verify && !want_raw) {
    fprintf(stderr, "ashiato: --verify goes with --raw\n");
    return ASH_EXIT_USAGE;
  }
  if (want_raw && ash_raw_open(&s.raw, s.verify ? ASH_RAW_VERIFY : 0)) {
    cli_error("--raw", ASH_ENOMEM);
    return ASH_EXIT_FAIL;
  }
  ash_store *st;
  int rc = cli_store_open(&st, argv[optind], ASH_STORE_READONLY);
  if (rc) {
    ash_raw_close(s.raw);
    return ASH_EXIT_FAIL;
  }
  ash_buf_init(&s.line, 16u << 20);
  ash_buf_init(&s.rawtext, 4u << 20);
  rc = ash_store_events_with_source(st, &q, print_event, &s);
  if (!rc && !s.printed) cli_filter_explain_empty(st, &q);
  if (rc) fprintf(stderr, "ashiato: %s: %s\n", cli_safe(argv[optind]), ash_store_errmsg(st));
  ash_store_close(st);
  ash_buf_free(&s.line);
  ash_buf_free(&s.rawtext);
  ash_raw_close(s.raw);
  free(s.warned);
  return rc || s.changed ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
