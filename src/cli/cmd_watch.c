/* ashiato watch: live syslog into a case, with the live hunts; alerts as
 * JSON lines on stdout or --alerts FILE, and to --exec. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/watch.h"
#include "ashiato/ch.h"
#include "cli.h"
#include "term.h"

extern char **environ;

static const char *HELP =
    "usage: ashiato watch CASE --listen udp:ADDR:PORT|tcp:ADDR:PORT|tls:ADDR:PORT ... [options]\n\n"
    "Receives syslog live (RFC 3164 and 5424; over UDP, over TCP framed by LF or by\n"
    "RFC 6587 octet counting, and over TLS, RFC 5425) from FortiGate, PAN-OS and\n"
    "Cisco ASA, and Windows events as JSON lines (NXLog, Winlogbeat) over TCP or\n"
    "TLS. An LF inside a message is kept as #012. Each message is parsed as ingest\n"
    "would, kept in a spool file per sender, UTC day and format (the evidence,\n"
    "under CASE.watch/ unless --spool), and stored in CASE as a source of that\n"
    "file: received = parsed + rejected, dropped UDP datagrams included. The\n"
    "store commits at least every --commit-ms and before any alert.\n\n"
    "Live hunts, against the case's watchlist (its findings at high or above:\n"
    "relay addresses, the intruder's VPN sources, linked accounts, implants, the\n"
    "tunnel's server; the one `ashiato plan` prints):\n"
    "  watch-ip             an address of the intrusion seen again\n"
    "  account-new-source   a watched account logging in from a source the case\n"
    "                       never saw it use (or from an address of the intrusion)\n"
    "  loopback-rdp         an RDP logon (type 10/12) from 127.0.0.0/8 or ::1\n"
    "  lolbin               a rule of the built-in Sigma pack matching a Windows event\n"
    "  watch-file           an implant's hash or file name seen again\n"
    "  tunnel-shape         an HTTPS session of an hour or more, data both ways, from\n"
    "                       a tunnel server of the watch list to a new destination\n"
    "A repeat of the same alert key within 10 minutes is not alerted again.\n\n"
    "options:\n"
    "  --listen SPEC      udp:127.0.0.1:5514, tcp:[::1]:5514, tls:0.0.0.0:6514 (port\n"
    "                     0: any; the bound address is said on stderr); may be\n"
    "                     repeated\n"
    "  --tls-cert FILE    for tls: listeners (syslog over TLS, RFC 5425; TLS 1.2 or\n"
    "                     newer): the server's certificate, PEM, with its chain\n"
    "  --tls-key FILE     its private key, PEM (default: in --tls-cert)\n"
    "  --tls-ca FILE      CA certificates, PEM: a sender must then show a client\n"
    "                     certificate that chains to one of them, else it is refused\n"
    "                     (counted as TLS failed)\n"
    "  --alerts FILE      append alerts to FILE instead of stdout\n"
    "  --exec CMD         run CMD for each alert, the alert JSON on its stdin (its\n"
    "                     stdout goes to stderr); CMD is split at spaces into its\n"
    "                     arguments (no shell)\n"
    "  --spool DIR        where received messages are kept (default CASE.watch;\n"
    "                     required when CASE is a clickhouse:// URL)\n"
    "  --tz ZONE          zone of timestamps that carry none (default UTC)\n"
    "  --commit-ms N      commit at least every N ms (default 200, at most 1000)\n"
    "  --queue-bytes N    bytes held between the network and the store (default and\n"
    "                     most 64 MiB): past it TCP is not read and UDP is dropped,\n"
    "                     counted\n"
    "  -h, --help         this text\n\n"
    "SIGTERM or SIGINT: the queue is drained, the parsers flushed, the case\n"
    "committed, and a summary is printed on stderr. A restart continues the case\n"
    "and the spool files (bytes spooled but not committed by a killed run are\n"
    "parsed then).\n";

static ash_watch *g_w;

/* CPU seconds this process used (both threads): what a rate measured on
 * a shared machine is divided by. */
static double cpu_s(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru)) return 0;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void on_signal(int sig) {
  (void)sig;
  if (g_w) ash_watch_stop(g_w);
}

#define MAX_EXEC_ARGS 64
/* Children of --exec running at once; past it the next alert waits for
 * one to end, so that a slow handler cannot fork without bound. */
#define MAX_CHILDREN 32

typedef struct wstate {
  FILE *out;
  char *exec_argv[MAX_EXEC_ARGS + 1];
  int children;
  uint64_t exec_failed;
} wstate;

static void reap(wstate *s, int block) {
  while (s->children > 0) {
    int st;
    pid_t p = waitpid(-1, &st, block ? 0 : WNOHANG);
    if (p <= 0) return;
    s->children--;
    block = 0;
  }
}

static void run_exec(wstate *s, const char *json, size_t n) {
  reap(s, 0);
  if (s->children >= MAX_CHILDREN) reap(s, 1);
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC)) {
    s->exec_failed++;
    return;
  }
  /* room for the alert, so that the write below never waits on the child */
  fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pfd[0], 0);
  /* the handler's output goes to our stderr: on stdout it would mix into
   * the alerts' JSON lines */
  posix_spawn_file_actions_adddup2(&fa, 2, 1);
  pid_t pid;
  int rc = posix_spawnp(&pid, s->exec_argv[0], &fa, NULL, s->exec_argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pfd[0]);
  if (rc) {
    s->exec_failed++;
    close(pfd[1]);
    return;
  }
  s->children++;
  fcntl(pfd[1], F_SETFL, O_NONBLOCK);
  ssize_t w = write(pfd[1], json, n);
  if (w == (ssize_t)n) w = write(pfd[1], "\n", 1);
  if (w < 0) s->exec_failed++;
  close(pfd[1]);
}

static void on_alert(void *u, const char *json, size_t n) {
  wstate *s = u;
  fwrite(json, 1, n, s->out);
  fputc('\n', s->out);
  fflush(s->out);
  if (s->exec_argv[0]) run_exec(s, json, n);
}

static void on_listen(void *u, const char *where) {
  fprintf(stderr, "ashiato: watch: listening on %s\n", where);
}

int cmd_watch(int argc, char **argv) {
  static const struct option lo[] = {
      {"listen", 1, 0, 'l'},      {"alerts", 1, 0, 'a'},   {"exec", 1, 0, 'x'},
      {"spool", 1, 0, 's'},       {"tz", 1, 0, 'z'},       {"commit-ms", 1, 0, 'c'},
      {"queue-bytes", 1, 0, 'q'}, {"tls-cert", 1, 0, 'C'}, {"tls-key", 1, 0, 'K'},
      {"tls-ca", 1, 0, 'A'},      {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
  const char *listen[16];
  size_t nlisten = 0;
  const char *alerts = NULL, *exec = NULL, *spool = NULL, *tz = NULL;
  const char *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL;
  long commit_ms = 200;
  long long queue_bytes = 0;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
    case 'l':
      if (nlisten == sizeof listen / sizeof listen[0]) {
        fprintf(stderr, "ashiato: watch: at most 16 --listen\n");
        return ASH_EXIT_USAGE;
      }
      listen[nlisten++] = optarg;
      break;
    case 'a': alerts = optarg; break;
    case 'x': exec = optarg; break;
    case 's': spool = optarg; break;
    case 'z': tz = optarg; break;
    case 'C': tls_cert = optarg; break;
    case 'K': tls_key = optarg; break;
    case 'A': tls_ca = optarg; break;
    case 'c': {
      char *e;
      commit_ms = strtol(optarg, &e, 10);
      if (*e || commit_ms < 10 || commit_ms > 1000) {
        fprintf(stderr, "ashiato: watch: --commit-ms wants 10..1000\n");
        return ASH_EXIT_USAGE;
      }
      break;
    }
    case 'q': {
      char *e;
      queue_bytes = strtoll(optarg, &e, 10);
      if (*e || queue_bytes < 65536 || queue_bytes > (64ll << 20)) {
        fprintf(stderr, "ashiato: watch: --queue-bytes wants 65536..67108864\n");
        return ASH_EXIT_USAGE;
      }
      break;
    }
    case 'h': fputs(HELP, stdout); return ASH_EXIT_OK;
    default: fputs(HELP, stderr); return ASH_EXIT_USAGE;
    }
  }
  if (argc - optind != 1 || !nlisten) {
    if (argc - optind != 1) cli_usage_args("watch", argc - optind, 1, "CASE");
    if (!nlisten) fprintf(stderr, "ashiato: watch: at least one --listen\n");
    fputs(HELP, stderr);
    return ASH_EXIT_USAGE;
  }
  const char *case_path = argv[optind];
  /* the form is checked before the case is created, so that a typo leaves
   * no empty case behind (the library checks the address itself) */
  int any_tls = 0;
  for (size_t i = 0; i < nlisten; i++) {
    const char *colon = strrchr(listen[i], ':');
    int tls = !strncmp(listen[i], "tls:", 4);
    any_tls |= tls;
    if ((strncmp(listen[i], "udp:", 4) && strncmp(listen[i], "tcp:", 4) && !tls) || !colon ||
        colon - listen[i] < 5 || !colon[1]) {
      fprintf(stderr,
              "ashiato: watch: bad --listen %s (udp:ADDR:PORT, tcp:ADDR:PORT or tls:ADDR:PORT)\n",
              cli_safe(listen[i]));
      return ASH_EXIT_USAGE;
    }
  }
  if (any_tls != !!tls_cert || ((tls_key || tls_ca) && !tls_cert)) {
    fprintf(
        stderr, "ashiato: watch: %s\n",
        any_tls
            ? "a tls: listener needs --tls-cert FILE (and --tls-key FILE unless the key is in it)"
            : "--tls-cert, --tls-key and --tls-ca are for tls: listeners; none was given");
    return ASH_EXIT_USAGE;
  }
  wstate s;
  memset(&s, 0, sizeof s);
  s.out = stdout;
  if (exec) {
    static char exec_copy[4096];
    snprintf(exec_copy, sizeof exec_copy, "%s", exec);
    size_t na = 0;
    for (char *save = NULL, *t = strtok_r(exec_copy, " \t", &save); t;
         t = strtok_r(NULL, " \t", &save)) {
      if (na == MAX_EXEC_ARGS) {
        fprintf(stderr, "ashiato: watch: --exec has more than 64 arguments\n");
        return ASH_EXIT_USAGE;
      }
      s.exec_argv[na++] = t;
    }
    if (!na) {
      fprintf(stderr, "ashiato: watch: --exec is empty\n");
      return ASH_EXIT_USAGE;
    }
  }
  ash_watch_opts o;
  memset(&o, 0, sizeof o);
  o.parse.threads = 1;
  if (tz) {
    int rc = ash_tz_open(&o.parse.tz, tz);
    if (rc) {
      fprintf(stderr, "ashiato: watch: --tz %s: not a zone\n", cli_safe(tz));
      return ASH_EXIT_USAGE;
    }
  }
  char spool_buf[4096];
  if (!spool && ash_ch_is_url(case_path)) {
    /* the spool is evidence on this machine's disk: a URL names no folder */
    fprintf(stderr, "ashiato watch: a case in ClickHouse needs --spool DIR (where the received"
                    " messages are kept, the evidence its rows point to)\n");
    return ASH_EXIT_USAGE;
  }
  if (!spool) {
    snprintf(spool_buf, sizeof spool_buf, "%s.watch", case_path);
    spool = spool_buf;
  }
  o.listen = listen;
  o.nlisten = nlisten;
  o.tls_cert = tls_cert;
  o.tls_key = tls_key;
  o.tls_ca = tls_ca;
  char open_err[512] = "";
  o.err = open_err;
  o.errn = sizeof open_err;
  o.spool_dir = spool;
  o.commit_ms = (int)commit_ms;
  o.queue_max = (size_t)queue_bytes;
  o.on_alert = on_alert;
  o.on_listen = on_listen;
  o.u = &s;
  if (alerts && !(s.out = fopen(alerts, "a"))) {
    fprintf(stderr, "ashiato: watch: %s: %s\n", cli_safe(alerts), strerror(errno));
    ash_tz_close(o.parse.tz);
    return ASH_EXIT_FAIL;
  }
  ash_store *st;
  int rc = cli_store_open(&st, case_path, ASH_STORE_CREATE);
  if (rc) {
    if (alerts) fclose(s.out);
    ash_tz_close(o.parse.tz);
    return ASH_EXIT_FAIL;
  }
  signal(SIGPIPE, SIG_IGN);
  ash_watch *w = NULL;
  rc = ash_watch_open(&w, st, &o);
  if (rc) {
    fprintf(stderr, "ashiato: watch: %s\n",
            open_err[0]        ? cli_safe(open_err)
            : rc == ASH_EUSAGE ? "bad --listen (udp:ADDR:PORT, tcp:ADDR:PORT or tls:ADDR:PORT)"
            : rc == ASH_EIO    ? "cannot bind a listener or create the spool directory"
                               : ash_strerror(rc));
    ash_store_close(st);
    if (alerts) fclose(s.out);
    ash_tz_close(o.parse.tz);
    return rc == ASH_EUSAGE ? ASH_EXIT_USAGE : ASH_EXIT_FAIL;
  }
  g_w = w;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  rc = ash_watch_run(w);
  ash_watch_stats ws;
  ash_watch_get_stats(w, &ws);
  if (rc) cli_error(rc == ASH_ESTORE ? ash_store_errmsg(st) : "watch", rc);
  fprintf(stderr,
          "ashiato: watch: received %" PRIu64 " parsed %" PRIu64 " rejected %" PRIu64
          " (dropped: %" PRIu64 " queue full, %" PRIu64 " by the kernel; %" PRIu64
          " oversized) events %" PRIu64 " alerts %" PRIu64 " sources %" PRIu64 " commits %" PRIu64
          " connections %" PRIu64 " (refused %" PRIu64 ", TLS failed %" PRIu64
          ") queue peak %" PRIu64 " bytes cpu %.2f s; multi-line %" PRIu64
          " (LF spooled as #012)\n",
          ws.received, ws.parsed, ws.rejected, ws.dropped_queue, ws.dropped_kernel, ws.oversized,
          ws.events, ws.alerts, ws.sources, ws.commits, ws.conns, ws.conns_refused, ws.tls_failed,
          ws.queue_peak, cpu_s(), ws.escaped);
  if (s.exec_failed)
    fprintf(stderr, "ashiato: watch: --exec failed %" PRIu64 " times\n", s.exec_failed);
  g_w = NULL;
  ash_watch_close(w);
  int crc = ash_store_close(st);
  reap(&s, 1);
  if (alerts) fclose(s.out);
  ash_tz_close(o.parse.tz);
  return rc || crc ? ASH_EXIT_FAIL : ASH_EXIT_OK;
}
