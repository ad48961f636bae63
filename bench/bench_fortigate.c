/* Benchmark: FortiGate parse only.
 *
 *   bench_fortigate FILE [--lines N] [--syslog] [--regen] [--repeat R]
 *
 * Writes a generated FortiGate traffic log of N lines (default 1,000,000,
 * about 600 MB; realistic FortiOS 7.x field mix: closed/timed-out forward
 * sessions, denies, local-in traffic, interim 0000000020 records and a few
 * VPN events) to FILE unless it exists already (--regen rewrites it), then
 * parses the mmapped file with ash_parse_memory (no store, events counted)
 * and prints lines/s, MB/s and peak RSS; in the same run it times
 * `grep -c . FILE` as the reference. --syslog prefixes every line with an
 * RFC 3164 header. --repeat runs the parse and grep R times each and
 * reports the best of each. Wall and CPU time are both printed: on a
 * shared machine CPU time is the per-core figure.
 *
 * Peak RSS includes the file's pages mapped into the process (the whole
 * file is mapped); RssAnon, printed too, is what the parser itself holds. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#include "ashiato/format.h"

extern char **environ;

static const char *const APPS[][3] = {
    {"HTTPS.BROWSER", "Web.Client", "HTTPS"},
    {"Microsoft.Outlook", "Email", "HTTPS"},
    {"DNS", "Network.Service", "DNS"},
    {"SSL", "Network.Service", "HTTPS"},
    {"RDP", "Remote.Access", "RDP"},
    {"SMB", "Network.Service", "SMB"},
    {"Google.Services", "General.Interest", "HTTPS"},
    {"NTP", "Network.Service", "NTP"},
    {"Amazon.AWS", "Cloud.IT", "HTTPS"},
    {"HTTP.BROWSER_Chrome", "Web.Client", "HTTP"},
};
static const char *const COUNTRY[] = {"United States", "Japan",    "Ireland",
                                      "Germany",       "Reserved", "Singapore"};
static const char *const ACTIONS[] = {"close",      "close",      "close", "timeout",
                                      "client-rst", "server-rst", "accept"};

/* One line, like FortiOS 7.x writes it. */
static int gen_line(char *b, size_t cap, uint64_t i, int64_t t, int syslog) {
  int n = 0;
  /* the device's clock runs at +0900; eventtime is UTC */
  time_t tt = (time_t)t + 9 * 3600;
  struct tm tm;
  gmtime_r(&tt, &tm);
  if (syslog) {
    static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    n += snprintf(b + n, cap - (size_t)n, "%s %2d %02d:%02d:%02d fgt-hq-01 ", mon[tm.tm_mon],
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  unsigned r = rndn(1000);
  char date[32], tim[32];
  snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  snprintf(tim, sizeof tim, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  long long ev = (long long)t * 1000000000LL + (long long)rndn(1000000000);
  if (r < 5) { /* VPN */
    int up = r < 3;
    n += snprintf(b + n, cap - (size_t)n,
                  "date=%s time=%s eventtime=%lld tz=\"+0900\" logid=\"%s\" type=\"event\" "
                  "subtype=\"vpn\" level=\"information\" vd=\"root\" logdesc=\"%s\" "
                  "action=\"%s\" tunneltype=\"ssl-tunnel\" tunnelid=%u remip=203.0.113.%u "
                  "tunnelip=10.212.134.%u user=\"user%03u\" group=\"vpn-users\" "
                  "dst_host=\"N/A\" reason=\"%s\"%s msg=\"%s\" devname=\"FGT-HQ-01\" "
                  "devid=\"FG100FTK20000001\"",
                  date, tim, ev, up ? "0101039947" : "0101039948",
                  up ? "SSL VPN tunnel up" : "SSL VPN tunnel down",
                  up ? "tunnel-up" : "tunnel-down", rndn(1u << 30), rndn(254) + 1, rndn(254) + 1,
                  rndn(300), up ? "N/A" : "user-logout",
                  up ? "" : " duration=3600 sentbyte=123456789 rcvdbyte=987654",
                  up ? "SSL tunnel established" : "SSL tunnel shutdown");
    return n;
  }
  const char *logid = "0000000013", *sub = "forward", *level = "notice";
  const char *action = ACTIONS[rndn(7)];
  int interim = 0, deny = 0, local = 0;
  if (r < 80) {
    logid = "0000000020";
    action = "accept";
    interim = 1;
  } else if (r < 160) {
    logid = "0000000013";
    action = "deny";
    level = "warning";
    deny = 1;
  } else if (r < 210) {
    logid = "0001000014";
    sub = "local";
    local = 1;
  }
  const char *const *app = APPS[rndn(10)];
  unsigned dport = !strcmp(app[2], "HTTPS") ? 443 : !strcmp(app[2], "DNS") ? 53 : 80;
  unsigned sb = rndn(200000), rb = rndn(5000000);
  n += snprintf(
      b + n, cap - (size_t)n,
      "date=%s time=%s eventtime=%lld tz=\"+0900\" logid=\"%s\" type=\"traffic\" subtype=\"%s\" "
      "level=\"%s\" vd=\"root\" srcip=10.%u.%u.%u srcport=%u srcintf=\"%s\" srcintfrole=\"%s\" "
      "dstip=%u.%u.%u.%u dstport=%u dstintf=\"%s\" dstintfrole=\"%s\" "
      "dstcountry=\"%s\" sessionid=%u proto=%d action=\"%s\" policyid=%u policytype=\"policy\" "
      "service=\"%s\" trandisp=\"%s\" transip=198.51.100.%u "
      "transport=%u appid=%u app=\"%s\" appcat=\"%s\" apprisk=\"%s\" "
      "duration=%u sentbyte=%u rcvdbyte=%u sentpkt=%u rcvdpkt=%u",
      date, tim, ev, logid, sub, level, rndn(4) + 1, rndn(256), rndn(254) + 1, 1024 + rndn(64000),
      local ? "port1" : "port2", local ? "wan" : "lan", 1 + rndn(222), rndn(256), rndn(256),
      1 + rndn(254), dport, local ? "root" : "port1", local ? "undefined" : "wan", COUNTRY[rndn(6)],
      rndn(4000000000u), dport == 53 ? 17 : 6, action, rndn(200), app[2], deny ? "noop" : "snat",
      rndn(254) + 1, 1024 + rndn(64000), rndn(50000), app[0], app[1], rndn(2) ? "elevated" : "low",
      deny ? 0 : rndn(7200), deny ? 0 : sb, deny ? 0 : rb, deny ? 0 : sb / 500 + 1,
      deny ? 0 : rb / 1200 + 1);
  if (interim) n += snprintf(b + n, cap - (size_t)n, " sentdelta=%u rcvddelta=%u", sb / 3, rb / 3);
  n += snprintf(b + n, cap - (size_t)n,
                " utmaction=\"%s\" devname=\"FGT-HQ-01\" devid=\"FG100FTK20000001\"",
                deny ? "block" : "allow");
  (void)i;
  return n;
}

static int generate(const char *path, uint64_t lines, int syslog) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    return 1;
  }
  static char buf[1 << 20];
  setvbuf(f, NULL, _IOFBF, 1 << 22);
  int64_t t = 1740873600; /* 2025-03-02T00:00:00Z */
  for (uint64_t i = 0; i < lines; i++) {
    if (rndn(4) == 0) t++;
    int n = gen_line(buf, sizeof buf - 1, i, t, syslog);
    buf[n++] = '\n';
    if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
      perror(path);
      fclose(f);
      return 1;
    }
  }
  return fclose(f) ? 1 : 0;
}

static int count_event(void *u, const ash_event *ev) {
  (void)ev;
  (*(uint64_t *)u)++;
  return 0;
}

static long rss_anon_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "RssAnon:", 8)) v = strtol(line + 8, NULL, 10);
  if (f) fclose(f);
  return v;
}

/* Time `grep -c . path` (wall, and its CPU time in *cpu), output read
 * back through a pipe. */
static double time_grep(const char *path, long long *count, double *cpu) {
  int pfd[2];
  if (pipe(pfd)) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pfd[0]);
  char *argv[] = {"grep", "-c", ".", (char *)path, NULL};
  double t0 = now_s();
  pid_t pid;
  if (posix_spawnp(&pid, "grep", &fa, NULL, argv, environ)) {
    posix_spawn_file_actions_destroy(&fa);
    return -1;
  }
  close(pfd[1]);
  char out[64] = {0};
  ssize_t r = read(pfd[0], out, sizeof out - 1);
  int st;
  struct rusage ru;
  wait4(pid, &st, 0, &ru);
  double t = now_s() - t0;
  *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  close(pfd[0]);
  posix_spawn_file_actions_destroy(&fa);
  *count = r > 0 ? strtoll(out, NULL, 10) : -1;
  return t;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  uint64_t lines = 1000000;
  int syslog = 0, regen = 0, repeat = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--lines") && i + 1 < argc)
      lines = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--syslog"))
      syslog = 1;
    else if (!strcmp(argv[i], "--regen"))
      regen = 1;
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
    else if (argv[i][0] != '-' && !path)
      path = argv[i];
    else {
      fprintf(stderr, "usage: %s FILE [--lines N] [--syslog] [--regen] [--repeat R]\n", argv[0]);
      return 2;
    }
  }
  if (!path) {
    fprintf(stderr, "usage: %s FILE [--lines N] [--syslog] [--regen] [--repeat R]\n", argv[0]);
    return 2;
  }
  struct stat st;
  if (regen || stat(path, &st)) {
    double t0 = now_s();
    if (generate(path, lines, syslog)) return 1;
    fprintf(stderr, "generated %" PRIu64 " lines in %.1f s\n", lines, now_s() - t0);
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0 || fstat(fd, &st)) {
    perror(path);
    return 1;
  }
  size_t size = (size_t)st.st_size;
  const uint8_t *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
  if (size && map == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  madvise((void *)map, size, MADV_SEQUENTIAL);
  const ash_format *f = ash_format_find("fortigate");
  if (!f) {
    fprintf(stderr, "fortigate format not registered\n");
    return 1;
  }
  /* touch every page once so that both runs read from memory */
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < size; i += 4096) sink ^= map[i];
  (void)sink;

  ash_parse_opts opts = {0};
  opts.threads = 1;
  double best = 1e30, best_cpu = 1e30;
  ash_mem_result res = {0};
  uint64_t events = 0;
  for (int r = 0; r < repeat; r++) {
    events = 0;
    double t0 = now_s(), c0 = cpu_s();
    int rc = ash_parse_memory(f, map, size, &opts, count_event, NULL, &events, &res);
    double t = now_s() - t0, c = cpu_s() - c0;
    if (rc) {
      fprintf(stderr, "parse failed: %d\n", rc);
      return 1;
    }
    if (t < best) best = t;
    if (c < best_cpu) best_cpu = c;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long anon = rss_anon_kb();
  long long gcount = 0;
  double tg = 1e30, tg_cpu = 1e30;
  for (int r = 0; r < repeat; r++) {
    double c = 1e30, t = time_grep(path, &gcount, &c);
    if (t < tg) tg = t;
    if (c < tg_cpu) tg_cpu = c;
  }
  double mb = (double)size / 1e6;
  printf("file            %s (%.1f MB, %lld lines by grep)\n", path, mb, gcount);
  printf("parse only      read %" PRIu64 " parsed %" PRIu64 " rejected %" PRIu64 " events %" PRIu64
         "\n",
         res.read, res.parsed, res.rejected, events);
  printf("parse only      wall %.3f s  %.0f lines/s  %.0f MB/s (best of %d, 1 thread)\n", best,
         (double)res.read / best, mb / best, repeat);
  printf("parse only      cpu  %.3f s  %.0f lines/s  %.0f MB/s per core\n", best_cpu,
         (double)res.read / best_cpu, mb / best_cpu);
  printf("peak RSS        %ld MB (file mapping included; RssAnon now %ld MB)\n",
         ru.ru_maxrss / 1024, anon / 1024);
  printf("grep -c . FILE  wall %.3f s  %.0f MB/s; cpu %.3f s  %.0f MB/s (best of %d)\n", tg,
         mb / tg, tg_cpu, mb / tg_cpu, repeat);
  printf("parse / grep    %.2fx grep's wall time, %.2fx its cpu time\n", best / tg,
         best_cpu / tg_cpu);
  munmap((void *)map, size);
  close(fd);
  return 0;
}
