/* ashiato ch: a case in ClickHouse. init creates the database and the
 * tables (one server, or local tables on shards plus Distributed tables),
 * status prints the server version and each table's rows.
 *
 * gen-flows (hidden, for tests and bench/bench_clickhouse.sh) writes
 * generated flow rows as one source, the way ingest will: clear the
 * source's earlier rows, mark it incomplete, insert the rows in batches
 * to the shard of each pair, mark it complete. Its rows are those of
 * bench/bench_store.c, so that the benchmark compares like with like. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ashiato/ch.h"
#include "ashiato/error.h"
#include "ashiato/event.h"
#include "cli.h"
#include "term.h"

static const char *HELP =
    "usage: ashiato ch init URL [--shards HOST:PORT,...] [--cluster NAME]\n"
    "       ashiato ch status URL\n\n"
    "A case in ClickHouse (18.16, Debian 12's clickhouse-server, or later),\n"
    "reached over its HTTP interface. URL is clickhouse://HOST[:PORT]/DATABASE\n"
    "(port 8123 by default; DATABASE letters, digits and '_').\n\n"
    "init creates the database when it does not exist, and the case's tables\n"
    "(sources, rejects, and the event tables flows and events). Running it\n"
    "again changes nothing. ingest creates them too, on a single server.\n"
    "  --shards H:P,...  the HTTP addresses of the shards: each gets the event\n"
    "                    tables (NAME_local), and the server of URL a\n"
    "                    Distributed table of each over --cluster\n"
    "  --cluster NAME    the cluster of the servers' remote_servers config that\n"
    "                    lists these shards in this order (default: ashiato)\n\n"
    "status prints the server's version and the rows of each table of the case.\n";

typedef struct ch_args {
  ash_ch_url url;
  ash_ch_url shard[ASH_CH_MAX_SHARDS];
  size_t nshards;
  const char *cluster;
  uint64_t rows, source, batch;
  int plain; /* gen-flows --plain / --gzip: bodies (not) compressed, else by host */
  char shards_text[ASH_CH_MAX_SHARDS * (ASH_CH_MAX_HOST + 8)]; /* "H:P,H:P", as parsed */
} ch_args;

static int parse_shards(const char *arg, ch_args *a) {
  const char *p = arg;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (a->nshards == ASH_CH_MAX_SHARDS) {
      fprintf(stderr, "ashiato ch: at most %u shards\n", ASH_CH_MAX_SHARDS);
      return -1;
    }
    if (ash_ch_hostport_parse(p, n, &a->shard[a->nshards])) {
      fprintf(stderr, "ashiato ch: --shards: '%.*s' is not HOST:PORT\n", (int)(n > 300 ? 300 : n),
              cli_safe(p));
      return -1;
    }
    a->nshards++;
    p += n;
    if (*p == ',') {
      p++;
      if (!*p) break;
    }
  }
  if (!a->nshards) {
    fprintf(stderr, "ashiato ch: --shards needs at least one HOST:PORT\n");
    return -1;
  }
  return 0;
}

/* Say why a request failed: our words, then the server's (or curl's). */
static void ch_error(const char *what, int rc, ash_ch *c) {
  const char *m = ash_ch_errmsg(c);
  if (m && *m)
    fprintf(stderr, "ashiato ch: %s: %s: %s\n", what, ash_strerror(rc), cli_safe(m));
  else
    fprintf(stderr, "ashiato ch: %s: %s\n", what, ash_strerror(rc));
}

/* Open the clients of a case: the URL's server, and the shards (or the
 * URL's server as the one shard). */
static int open_case(ch_args *a, ash_ch_case *k) {
  memset(k, 0, sizeof *k);
  k->db = a->url.db;
  ash_ch_opts o;
  ash_ch_opts_default(&o);
  if (a->plain) o.gzip = a->plain > 0 ? 0 : 1;
  if (ash_ch_open(&k->main, a->url.host, a->url.port, &o)) return ASH_ENOMEM;
  if (!a->nshards) {
    k->shards[0] = k->main;
    k->nshards = 1;
    return 0;
  }
  k->cluster = a->cluster ? a->cluster : "ashiato";
  size_t tl = 0;
  for (size_t i = 0; i < a->nshards && tl < sizeof a->shards_text; i++) {
    int w = snprintf(a->shards_text + tl, sizeof a->shards_text - tl, "%s%s:%d", i ? "," : "",
                     a->shard[i].host, a->shard[i].port);
    tl += w > 0 ? (size_t)w : 0;
  }
  k->shards_text = a->shards_text;
  for (size_t i = 0; i < a->nshards; i++) {
    if (ash_ch_open(&k->shards[i], a->shard[i].host, a->shard[i].port, &o)) return ASH_ENOMEM;
    k->nshards++;
  }
  return 0;
}

static void close_case(ash_ch_case *k) {
  for (size_t i = 0; i < k->nshards; i++)
    if (k->shards[i] != k->main) ash_ch_close(k->shards[i]);
  ash_ch_close(k->main);
}

static int do_init(ch_args *a) {
  ash_ch_case k;
  if (open_case(a, &k)) {
    close_case(&k);
    cli_error("ch", ASH_ENOMEM);
    return ASH_EXIT_FAIL;
  }
  int rc = ash_ch_schema_init(&k);
  int ex = ASH_EXIT_OK;
  if (rc == ASH_EUSAGE && k.cluster) {
    fprintf(stderr,
            "ashiato ch: the server of the URL has no cluster '%s' of %zu shards in its"
            " remote_servers config\n",
            cli_safe(k.cluster), k.nshards);
    ex = ASH_EXIT_USAGE;
  } else if (rc == ASH_EFORMAT) {
    fprintf(stderr,
            "ashiato ch: database %s holds tables that are not an ashiato case of this"
            " schema version: left as it is; use a new database\n",
            a->url.db);
    ex = ASH_EXIT_FAIL;
  } else if (rc) {
    /* which server failed: the last one asked has the text */
    ash_ch *c = k.main;
    for (size_t i = 0; i < k.nshards; i++)
      if (*ash_ch_errmsg(k.shards[i])) c = k.shards[i];
    ch_error("init", rc, c);
    ex = ASH_EXIT_FAIL;
  } else {
    printf("database %s ready: %zu event tables on %zu shard%s%s%s\n", a->url.db,
           ash_ch_nevent_tables, k.nshards, k.nshards == 1 ? "" : "s",
           k.cluster ? ", Distributed over cluster " : "", k.cluster ? k.cluster : "");
  }
  close_case(&k);
  return ex;
}

/* Print each line of a TabSeparated answer of (name, engine). */
static int do_status(ch_args *a) {
  ash_ch *c;
  if (ash_ch_open(&c, a->url.host, a->url.port, NULL)) {
    cli_error("ch", ASH_ENOMEM);
    return ASH_EXIT_FAIL;
  }
  ash_buf out, sql, cnt;
  ash_buf_init(&out, ASH_CH_MAX_ANSWER);
  ash_buf_init(&sql, 4096);
  ash_buf_init(&cnt, 4096);
  int ex = ASH_EXIT_OK;
  int rc = ash_ch_query(c, NULL, "SELECT version()", ASH_CH_IDEMPOTENT, &out);
  if (rc) {
    ch_error("status", rc, c);
    ex = ASH_EXIT_FAIL;
    goto done;
  }
  printf("server %.*s\n", out.n && out.p[out.n - 1] == '\n' ? (int)out.n - 1 : (int)out.n,
         cli_safe(out.p));
  ash_buf_reset(&out);
  rc = ash_buf_printf(&sql,
                      "SELECT name, engine FROM system.tables WHERE database = '%s' ORDER BY name",
                      a->url.db);
  if (!rc) rc = ash_ch_query(c, NULL, sql.p, ASH_CH_IDEMPOTENT, &out);
  if (rc) {
    ch_error("status", rc, c);
    ex = ASH_EXIT_FAIL;
    goto done;
  }
  if (!out.n) {
    printf("database %s: no tables (ashiato ch init creates them)\n", a->url.db);
    ex = ASH_EXIT_FAIL;
    goto done;
  }
  printf("database %s\n%-20s %-20s %s\n", a->url.db, "table", "engine", "rows");
  for (char *line = out.p; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char *tab = strchr(line, '\t');
    if (tab) {
      *tab = 0;
      /* system.tables names: identifiers, as init made them; anything
       * else is not ours and is listed without a count */
      const char *rows = "-";
      ash_buf_reset(&sql);
      ash_buf_reset(&cnt);
      if (ash_ch_ident_ok(line, strlen(line)) &&
          !ash_buf_printf(&sql, "SELECT count() FROM %s.%s", a->url.db, line)) {
        rc = ash_ch_query(c, NULL, sql.p, ASH_CH_IDEMPOTENT, &cnt);
        if (rc) {
          ch_error(line, rc, c);
          ex = ASH_EXIT_FAIL;
        } else if (cnt.n) {
          cnt.p[strcspn(cnt.p, "\n")] = 0;
          rows = cnt.p;
        }
      }
      printf("%-20s %-20s %s\n", cli_safe(line), cli_safe(tab + 1), cli_safe(rows));
    }
    line = nl ? nl + 1 : NULL;
  }
  /* the sources' completion marks: what readers will take */
  ash_buf_reset(&sql);
  ash_buf_reset(&cnt);
  if (!ash_buf_printf(&sql,
                      "SELECT countIf(complete = 1), countIf(complete = 0) FROM"
                      " (SELECT id, argMax(complete, version) AS complete FROM %s.sources"
                      " GROUP BY id)",
                      a->url.db) &&
      !ash_ch_query(c, NULL, sql.p, ASH_CH_IDEMPOTENT, &cnt) && cnt.n) {
    unsigned long long done = strtoull(cnt.p, NULL, 10);
    char *t = strchr(cnt.p, '\t');
    unsigned long long open = t ? strtoull(t + 1, NULL, 10) : 0;
    printf("sources: %llu complete, %llu incomplete\n", done, open);
  }
done:
  ash_buf_free(&out);
  ash_buf_free(&sql);
  ash_buf_free(&cnt);
  ash_ch_close(c);
  return ex;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The strings of the generated rows. The user is hostile on purpose:
 * every byte TabSeparated escapes, so that the e2e test can check the
 * round trip. */
static const char GEN_USER[] = "ev\til\n\"user'\\x\0y\r\b\f";

/* Row i of bench/bench_store.c's flows, as a flows row (written by
 * ash_ch_flow_row, as the case store writes them). */
static int gen_row(ash_buf *r, uint64_t i, uint64_t source) {
  uint32_t src = (10u << 24) | (uint32_t)((i >> 16) & 0xff) << 16 |
                 (uint32_t)((i >> 8) & 0xff) << 8 | (uint32_t)(i & 0xff);
  uint32_t dst =
      (104u << 24) | (117u << 16) | (uint32_t)((i >> 4) & 0xff) << 8 | (uint32_t)((i * 7) & 0xff);
  ash_event ev;
  ash_event_init(&ev);
  ev.kind = ASH_KIND_FLOW;
  ev.ts = 1740873600000000LL + (int64_t)i * 1000;
  ev.duration_us = 7050000000LL;
  const uint32_t v[2] = {src, dst};
  ash_ip *ip[2] = {&ev.src_ip, &ev.dst_ip};
  for (int k = 0; k < 2; k++) {
    memset(ip[k], 0, sizeof *ip[k]);
    ip[k]->fam = 4;
    ip[k]->b[10] = ip[k]->b[11] = 0xff;
    for (int j = 0; j < 4; j++) ip[k]->b[12 + j] = (uint8_t)(v[k] >> (24 - 8 * j));
  }
  ev.src_port = 40000 + (int32_t)(i % 20000);
  ev.dst_port = 443;
  ev.proto = ash_str_cstr("tcp");
  ev.action = ash_str_cstr("timeout");
  ev.app = ash_str_cstr("Amazon.AWS");
  ev.service = ash_str_cstr("HTTPS");
  ev.host = ash_str_cstr("FGT-HQ-01");
  ev.user = ash_str_make(GEN_USER, sizeof GEN_USER - 1);
  ev.bytes_out = 105465 + (int64_t)(i % 1000);
  ev.bytes_in = 4756367 + (int64_t)(i % 777);
  ev.bytes_total = ASH_UNSET; /* the directions are known */
  ev.packets_out = 211;
  ev.packets_in = 3964;
  ev.event_id = ASH_UNSET;
  ev.ref = i * 650;
  return ash_ch_flow_row(r, &ev, NULL, 0, 0, NULL, 0, source, source << 40 | i);
}

static int do_gen_flows(ch_args *a) {
  ash_ch_case k;
  ash_ch_batch *b[ASH_CH_MAX_SHARDS] = {0};
  int rc = open_case(a, &k), ex = ASH_EXIT_FAIL;
  const char *what = "gen-flows";
  ash_ch *failed = k.main;
  if (rc) goto done;
  double t0 = now_s();
  ash_ch_source src = {.id = a->source,
                       .path = "generated-flows",
                       .sha256 = "",
                       .format = "gen",
                       .first_ts = 1740873600000000LL,
                       .last_ts = 1740873600000000LL};
  what = "clearing the source's earlier rows";
  rc = ash_ch_source_clear(&k, a->source);
  if (!rc) rc = ash_ch_source_put(&k, &src); /* incomplete while its rows go in */
  double t1 = now_s();
  for (size_t s = 0; !rc && s < k.nshards; s++)
    rc = ash_ch_batch_open(&b[s], k.shards[s], k.db, k.cluster ? "flows_local" : "flows");
  for (size_t s = 0; !rc && a->batch && s < k.nshards; s++) rc = ash_ch_batch_limit(b[s], a->batch);
  what = "inserting flows";
  for (uint64_t i = 0; !rc && i < a->rows; i++) {
    uint32_t s32 = (10u << 24) | (uint32_t)((i >> 16) & 0xff) << 16 |
                   (uint32_t)((i >> 8) & 0xff) << 8 | (uint32_t)(i & 0xff);
    uint32_t d32 =
        (104u << 24) | (117u << 16) | (uint32_t)((i >> 4) & 0xff) << 8 | (uint32_t)((i * 7) & 0xff);
    size_t s = ash_ch_flow_shard(s32, d32, k.nshards);
    rc = gen_row(ash_ch_batch_row(b[s]), i, a->source);
    if (!rc) rc = ash_ch_batch_row_end(b[s]);
    if (rc) failed = k.shards[s];
  }
  for (size_t s = 0; !rc && s < k.nshards; s++) {
    rc = ash_ch_batch_flush(b[s]);
    if (rc) failed = k.shards[s];
  }
  double t2 = now_s();
  what = "completion mark";
  src.read = src.parsed = src.events = a->rows;
  src.last_ts = 1740873600000000LL + (int64_t)a->rows * 1000;
  src.complete = 1;
  if (!rc) {
    failed = k.main;
    rc = ash_ch_source_put(&k, &src);
  }
  if (!rc) {
    uint64_t req = 0, retr = 0;
    for (size_t s = 0; s < k.nshards; s++) {
      req += ash_ch_requests(k.shards[s]);
      retr += ash_ch_retries(k.shards[s]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    double ins = t2 - t1 > 0 ? t2 - t1 : 1e-9;
    fprintf(stderr,
            "gen-flows: %llu rows of source %llu into %zu shard%s: insert %.2f s (%.0f rows/s),"
            " clear+marks %.2f s, %llu requests, %llu retries, cpu %.2f s, peak RSS %ld MiB\n",
            (unsigned long long)a->rows, (unsigned long long)a->source, k.nshards,
            k.nshards == 1 ? "" : "s", ins, (double)a->rows / ins, (t1 - t0) + (now_s() - t2),
            (unsigned long long)req, (unsigned long long)retr, cpu, ru.ru_maxrss / 1024);
    ex = ASH_EXIT_OK;
  }
done:
  if (rc) ch_error(what, rc, failed);
  for (size_t s = 0; s < ASH_CH_MAX_SHARDS; s++) ash_ch_batch_close(b[s]);
  close_case(&k);
  return ex;
}

int cmd_ch(int argc, char **argv) {
  static const struct option opts[] = {
      {"shards", 1, 0, 's'}, {"cluster", 1, 0, 'c'},    {"rows", 1, 0, 'n'},
      {"source", 1, 0, 'i'}, {"batch-rows", 1, 0, 'b'}, {"plain", 0, 0, 'p'},
      {"gzip", 0, 0, 'g'},   {"help", 0, 0, 'h'},       {0, 0, 0, 0}};
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(HELP, stdout);
    return ASH_EXIT_OK;
  }
  if (argc < 2) {
    cli_usage_args("ch", 0, 1, "a subcommand (init, status)");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  const char *sub = argv[1];
  int gen = !strcmp(sub, "gen-flows");
  if (strcmp(sub, "init") && strcmp(sub, "status") && !gen) {
    fprintf(stderr, "ashiato ch: unknown subcommand '%s'\n\n", cli_safe(sub));
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  static ch_args a; /* the shard table is large for a stack frame */
  memset(&a, 0, sizeof a);
  a.rows = 1000;
  a.source = 1;
  optind = 1;
  int c;
  while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
    char *end = NULL;
    switch (c) {
    case 's':
      if (parse_shards(optarg, &a)) return ASH_EXIT_USAGE;
      break;
    case 'c':
      if (!ash_ch_ident_ok(optarg, strlen(optarg))) {
        fprintf(stderr, "ashiato ch: --cluster: '%s' is not a name (letters, digits, '_')\n",
                cli_safe(optarg));
        return ASH_EXIT_USAGE;
      }
      a.cluster = optarg;
      break;
    case 'n':
    case 'b':
    case 'i': {
      if (!gen) goto bad;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (!*optarg || *end || optarg[0] == '-' || (c != 'n' && v == 0) ||
          (c == 'b' && v > ASH_CH_BATCH_ROWS)) {
        fprintf(stderr, "ashiato ch: --%s: '%s' is not a %snumber\n",
                c == 'n'   ? "rows"
                : c == 'b' ? "batch-rows"
                           : "source",
                cli_safe(optarg), c != 'n' ? "positive " : "");
        return ASH_EXIT_USAGE;
      }
      if (c == 'n')
        a.rows = v;
      else if (c == 'b')
        a.batch = v;
      else
        a.source = v;
      break;
    }
    case 'p':
    case 'g':
      if (!gen) goto bad;
      a.plain = c == 'p' ? 1 : -1;
      break;
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default:
    bad:
      fputs(HELP, stderr);
      return ASH_EXIT_USAGE;
    }
  }
  int nargs = argc - 1 - optind;
  if (nargs != 1) {
    cli_usage_args("ch", nargs, 1, "URL");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  const char *url = argv[1 + optind];
  if (ash_ch_url_parse(url, &a.url)) {
    fprintf(stderr,
            "ashiato ch: '%s' is not a ClickHouse URL: clickhouse://HOST[:PORT]/DATABASE, the"
            " database a name of letters, digits and '_'\n",
            cli_safe(url));
    return ASH_EXIT_USAGE;
  }
  if (a.cluster && !a.nshards) {
    fprintf(stderr, "ashiato ch: --cluster needs --shards (the shards' HTTP addresses)\n");
    return ASH_EXIT_USAGE;
  }
  if (!strcmp(sub, "status") && a.nshards) {
    fprintf(stderr, "ashiato ch status: the Distributed tables count the shards' rows: no"
                    " --shards needed\n");
    return ASH_EXIT_USAGE;
  }
  if (!strcmp(sub, "init")) return do_init(&a);
  if (!strcmp(sub, "status")) return do_status(&a);
  return do_gen_flows(&a);
}
