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

static const char *HELP =
    "usage: ashiato events CASE [options]\n\n"
    "Prints the case's events in time order.\n\n"
    "options:\n"
    "  --kind K       event kind (vpn.login, net.flow, ...); 'vpn.' or 'vpn*'\n"
    "                 selects every kind with that prefix\n"
    "  --host H       host (case-insensitive)\n"
    "  --user U       account: t.sato, CORP\\t.sato or t.sato@corp.example\n"
    "  --since T      from time T (ISO 8601, UTC unless it carries a zone)\n"
    "  --until T      before time T\n"
    "  --limit N      at most N events\n"
    "  --raw          also print each event's raw text, read back from the\n"
    "                 evidence: the log line, or the EVTX record as XML\n"
    "  --json         JSON lines (cli-contract.md); default is a table\n"
    "  -h, --help     this text\n";

typedef struct est {
  int json;
  ash_buf line;
  ash_raw *raw; /* with --raw */
  ash_buf rawtext;
} est;

/* The raw text of ev, or a bracketed note saying why there is none. */
static void raw_text(est *s, const ash_event *ev, const char *src, int is_rec) {
  int rc = src ? ash_raw_get(s->raw, src, ev->ref, is_rec, &s->rawtext) : ASH_ENOTFOUND;
  if (rc) {
    ash_buf_reset(&s->rawtext);
    ash_buf_printf(&s->rawtext, "[raw text not available: %s]",
                   rc == ASH_ENOTFOUND ? "evidence file, member or record not found"
                                       : ash_strerror(rc));
  }
}

static int print_event(void *u, const ash_event *ev, const char *src, int is_rec,
                       const char *attrs) {
  est *s = u;
  ash_buf_reset(&s->line);
  if (s->raw) raw_text(s, ev, src, is_rec);
  if (s->json) {
    int rc = ash_event_to_json(ev, src, is_rec, attrs, &s->line);
    if (rc) return rc;
    if (s->raw && s->line.n && s->line.p[s->line.n - 1] == '}') {
      s->line.n--; /* reopen the object for one more field */
      ash_buf_adds(&s->line, ",\"raw\":\"");
      ash_buf_add_json_str(&s->line, s->rawtext.p, s->rawtext.n);
      ash_buf_adds(&s->line, "\"}");
    }
    puts(s->line.p);
    return 0;
  }
  char ts[32] = "-", a[ASH_IP_STRLEN], b[ASH_IP_STRLEN];
  if (ev->ts != ASH_TIME_UNSET) ash_time_format(ev->ts, ts);
  ash_ip_format(&ev->src_ip, a);
  ash_ip_format(&ev->dst_ip, b);
  ash_buf_printf(&s->line, "%s %-14s ", ts, ev->kind);
  /* log text is hostile: escape it so that it cannot drive the terminal */
  ash_buf_adds(&s->line, "host=");
  ash_buf_add_json_str(&s->line, ev->host.p, ev->host.n);
  if (ev->user.n) {
    ash_buf_adds(&s->line, " user=");
    ash_buf_add_json_str(&s->line, ev->user.p, ev->user.n);
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
    ash_buf_add_json_str(&s->line, more[i].v.p, more[i].v.n);
    ash_buf_addc(&s->line, '"');
  }
  if (ev->event_id != ASH_UNSET) ash_buf_printf(&s->line, " event_id=%" PRId64, ev->event_id);
  if (s->raw) {
    /* escaped like every other log text: it cannot drive the terminal */
    ash_buf_adds(&s->line, "\n    ");
    ash_buf_add_json_str(&s->line, s->rawtext.p, s->rawtext.n);
  }
  puts(s->line.p);
  return 0;
}

static int parse_time(const char *opt, const char *v, int64_t *out) {
  if (ash_time_parse_iso(ash_str_cstr(v), out)) {
    fprintf(stderr, "ashiato: %s: bad time '%s' (ISO 8601, e.g. 2025-03-02T10:22:01Z)\n", opt, v);
    return ASH_EXIT_USAGE;
  }
  return 0;
}

int cmd_events(int argc, char **argv) {
  static const struct option lo[] = {
      {"kind", 1, 0, 'k'},  {"host", 1, 0, 'H'},  {"user", 1, 0, 'u'}, {"since", 1, 0, 's'},
      {"until", 1, 0, 'U'}, {"limit", 1, 0, 'l'}, {"json", 0, 0, 'j'}, {"raw", 0, 0, 'r'},
      {"help", 0, 0, 'h'},  {0, 0, 0, 0}};
  est s;
  memset(&s, 0, sizeof s);
  ash_event_query q = {NULL, NULL, NULL, ASH_TIME_UNSET, ASH_TIME_UNSET, 0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'k': q.kind = optarg; break;
    case 'H': q.host = optarg; break;
    case 'u': q.user = optarg; break;
    case 's':
      if (parse_time("--since", optarg, &q.since)) return ASH_EXIT_USAGE;
      break;
    case 'U':
      if (parse_time("--until", optarg, &q.until)) return ASH_EXIT_USAGE;
      break;
    case 'l':
      if (ash_str_to_u64(ash_str_cstr(optarg), &q.limit)) {
        fprintf(stderr, "ashiato: --limit: not a number: '%s'\n", optarg);
        return ASH_EXIT_USAGE;
      }
      break;
    case 'j': s.json = 1; break;
    case 'r':
      if (!s.raw && ash_raw_open(&s.raw)) return ASH_EXIT_FAIL;
      break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  ash_store *st;
  int rc = cli_store_open(&st, argv[optind], ASH_STORE_READONLY);
  if (rc) return ASH_EXIT_FAIL;
  ash_buf_init(&s.line, 16u << 20);
  ash_buf_init(&s.rawtext, 4u << 20);
  rc = ash_store_events(st, &q, print_event, &s);
  if (rc) fprintf(stderr, "ashiato: %s: %s\n", argv[optind], ash_store_errmsg(st));
  ash_store_close(st);
  ash_buf_free(&s.line);
  ash_buf_free(&s.rawtext);
  ash_raw_close(s.raw);
  return rc ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
