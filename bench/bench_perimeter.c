/* Benchmark: the perimeter parsers, parse only.
 *
 *   bench_perimeter DIR [--lines N] [--regen] [--repeat R] [--only FORMAT]
 *
 * Writes one generated log per format into DIR unless it exists (--regen
 * rewrites): panos (PAN-OS 10.x TRAFFIC end records with a syslog header,
 * one GLOBALPROTECT record in 50), asa (built/teardown pairs interleaved,
 * denies and AnyConnect messages), zeek (conn.log TSV) and zeek-json
 * (conn.log JSON lines), N lines each (default 500,000). Then, per format
 * and in the same run, it times `grep -c . FILE` as the reference and
 * ash_parse_memory over the mmapped file (no store, events counted), and
 * prints lines/s, MB/s and the ratio to grep, by wall-clock time and by CPU
 * time (user + system: the comparable figure when the machine is busy).
 * --repeat keeps the best of R parses. */
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

static void wall(char *out, size_t n, int64_t t, char dsep) {
  time_t s = (time_t)t;
  struct tm tm;
  gmtime_r(&s, &tm);
  snprintf(out, n, "%04d%c%02d%c%02d %02d:%02d:%02d", (tm.tm_year + 1900) % 10000, dsep,
           (tm.tm_mon + 1) % 100, dsep, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
           tm.tm_sec % 100);
}

static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const APPS[] = {"ssl", "web-browsing", "dns",          "ms-rdp",     "smb",
                                   "ntp", "google-base",  "ms-office365", "incomplete", "ldap"};

static void gen_panos(FILE *f, long lines) {
  int64_t t = 1740873600; /* 2025-03-02 */
  for (long i = 0; i < lines; i++) {
    t += rndn(2);
    char w[32], st[32];
    wall(w, sizeof w, t, '/');
    wall(st, sizeof st, t - 30 - rndn(3600), '/');
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    fprintf(f, "<14>%s %2d %02d:%02d:%02d fw-edge-01 ", MON[tm.tm_mon], tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec);
    if (i % 50 == 49) {
      fprintf(f,
              "1,%s,012801000001,GLOBALPROTECT,0,2560,%s,vsys1,gateway-connected,connected,LDAP,"
              "SSL,corp\\user%u,JP,LAPTOP-%u,198.51.100.%u,,10.200.%u.%u,,hid,PF1,6.2.1,Windows,"
              "\"Microsoft Windows 10 Pro , 64-bit\",1,,,,success,Tokyo,0,user-logon,0,gp-portal,"
              "%ld,0x8000000000000000,2025-03-02T10:00:00.123+09:00,auto,35,highest,gw,gw,0,0,0,"
              "0,,fw-edge-01,1,\n",
              w, w, rndn(500), rndn(500), rndn(254) + 1, rndn(8), rndn(254) + 1, i);
      continue;
    }
    unsigned sent = rndn(200000), recv = rndn(2000000);
    fprintf(f,
            "1,%s,012801000001,TRAFFIC,end,2561,%s,10.1.%u.%u,%u.%u.%u.%u,203.0.113.10,"
            "%u.%u.%u.%u,allow-out,corp\\user%u,,%s,vsys1,trust,untrust,ethernet1/2,ethernet1/1,"
            "fwd,%s,%ld,1,%u,443,%u,443,0x40441a,tcp,allow,%u,%u,%u,%u,%s,%u,"
            "business-and-economy,,%ld,0x8000000000000000,10.0.0.0-10.255.255.255,United States,"
            ",%u,%u,tcp-fin,0,0,0,0,,fw-edge-01,from-policy,,,0,,0,,N/A,0,0,0,0,"
            "90431d13-81da-4129-8bc5-ce968fa06b76,0,0,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
            "2025-03-02T10:00:00.443+09:00,,,encrypted-tunnel,networking,browser-based,4,,,ssl,"
            "no,no,0\n",
            w, w, rndn(255), rndn(254) + 1, rndn(223) + 1, rndn(256), rndn(256), rndn(254) + 1,
            rndn(223) + 1, rndn(256), rndn(256), rndn(254) + 1, rndn(500), APPS[rndn(10)], w, i,
            1024 + rndn(60000), 1024 + rndn(60000), sent + recv, sent, recv, 10 + rndn(2000), st,
            rndn(3600), i, rndn(1000), rndn(1000));
  }
}

static void asa_hdr(FILE *f, int64_t t) {
  time_t s = (time_t)t;
  struct tm tm;
  gmtime_r(&s, &tm);
  fprintf(f, "<166>%s %02d %04d %02d:%02d:%02d asa01 : ", MON[tm.tm_mon], tm.tm_mday,
          tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void gen_asa(FILE *f, long lines) {
  int64_t t = 1740873600;
  /* connections are torn down a few hundred lines after they are built */
  enum { WINDOW = 256 };
  uint64_t open_id[WINDOW] = {0};
  unsigned open_port[WINDOW];
  uint64_t next_id = 100000;
  for (long i = 0; i < lines; i++) {
    t += rndn(2);
    asa_hdr(f, t);
    unsigned r = rndn(100);
    unsigned slot = rndn(WINDOW);
    if (r < 4) {
      fprintf(f,
              "%%ASA-4-106023: Deny tcp src outside:%u.%u.%u.%u/%u dst inside:10.1.20.%u/3389 by "
              "access-group \"outside_access_in\" [0x0, 0x0]\n",
              rndn(223) + 1, rndn(256), rndn(256), rndn(254) + 1, 1024 + rndn(60000),
              rndn(254) + 1);
    } else if (r < 6) {
      fprintf(f,
              "%%ASA-4-722051: Group <GP-Corp> User <user%u> IP <198.51.100.%u> IPv4 Address "
              "<10.250.%u.%u> IPv6 address <::> assigned to session\n",
              rndn(500), rndn(254) + 1, rndn(8), rndn(254) + 1);
    } else if (r < 7) {
      fprintf(f,
              "%%ASA-4-113019: Group = GP-Corp, Username = user%u, IP = 198.51.100.%u, Session "
              "disconnected. Session Type: SSL, Duration: %uh:%02um:%02us, Bytes xmt: %u, Bytes "
              "rcv: %u, Reason: User Requested\n",
              rndn(500), rndn(254) + 1, rndn(10), rndn(60), rndn(60), rndn(100000000),
              rndn(10000000));
    } else if (open_id[slot]) {
      fprintf(f,
              "%%ASA-6-302014: Teardown TCP connection %" PRIu64
              " for outside:52.95.%u.%u/443 to inside:10.1.20.%u/%u duration 0:%02u:%02u bytes "
              "%u TCP FINs\n",
              open_id[slot], slot % 256, slot % 200 + 1, slot % 254 + 1, open_port[slot], rndn(60),
              rndn(60), rndn(5000000));
      open_id[slot] = 0;
    } else {
      open_id[slot] = next_id++;
      open_port[slot] = 1024 + rndn(60000);
      fprintf(f,
              "%%ASA-6-302013: Built outbound TCP connection %" PRIu64
              " for outside:52.95.%u.%u/443 (52.95.%u.%u/443) to inside:10.1.20.%u/%u "
              "(203.0.113.10/%u)\n",
              open_id[slot], slot % 256, slot % 200 + 1, slot % 256, slot % 200 + 1, slot % 254 + 1,
              open_port[slot], 1024 + rndn(60000));
    }
  }
}

static const char *const STATES[] = {"SF", "S0", "REJ", "RSTO", "SF", "SF", "S1", "OTH"};
static const char *const SERV[] = {"ssl", "dns", "http", "-", "ssl", "krb", "smb", "-"};

static void gen_zeek(FILE *f, long lines, int json) {
  if (!json)
    fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
          "#path\tconn\n#open\t2025-03-02-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\t"
          "id.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\t"
          "local_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
          "resp_ip_bytes\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\t"
          "string\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\t"
          "count\tcount\tset[string]\n",
          f);
  double t = 1740873600.0;
  for (long i = 0; i < lines; i++) {
    t += rndn(1000) / 1000.0;
    unsigned k = rndn(8), ob = rndn(100000), rb = rndn(1000000), op = 1 + rndn(200), rp = rndn(200);
    unsigned a = rndn(255), b = rndn(254) + 1, c = rndn(223) + 1, d = rndn(256), e = rndn(254) + 1;
    unsigned sp = 1024 + rndn(60000), dp = k == 1 ? 53 : 443;
    double dur = rndn(100000) / 1000.0;
    char uid[19];
    for (int j = 0; j < 18; j++)
      uid[j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[rndn(62)];
    uid[18] = 0;
    uid[0] = 'C';
    if (json)
      fprintf(
          f,
          "{\"ts\":%.6f,\"uid\":\"%s\",\"id.orig_h\":\"10.1.%u.%u\",\"id.orig_p\":%u,"
          "\"id.resp_h\":\"%u.%u.0.%u\",\"id.resp_p\":%u,\"proto\":\"%s\",\"service\":\"%s\","
          "\"duration\":%.6f,\"orig_bytes\":%u,\"resp_bytes\":%u,\"conn_state\":\"%s\","
          "\"local_orig\":true,\"local_resp\":false,\"missed_bytes\":0,\"history\":\"ShADadFf\","
          "\"orig_pkts\":%u,\"orig_ip_bytes\":%u,\"resp_pkts\":%u,\"resp_ip_bytes\":%u}\n",
          t, uid, a, b, sp, c, d, e, dp, k == 1 ? "udp" : "tcp", SERV[k], dur, ob, rb, STATES[k],
          op, ob + 40 * op, rp, rb + 40 * rp);
    else
      fprintf(f,
              "%.6f\t%s\t10.1.%u.%u\t%u\t%u.%u.0.%u\t%u\t%s\t%s\t%.6f\t%u\t%u\t%s\tT\tF\t0\t"
              "ShADadFf\t%u\t%u\t%u\t%u\t(empty)\n",
              t, uid, a, b, sp, c, d, e, dp, k == 1 ? "udp" : "tcp", SERV[k], dur, ob, rb,
              STATES[k], op, ob + 40 * op, rp, rb + 40 * rp);
  }
  if (!json) fputs("#close\t2025-03-03-00-00-00\n", f);
}

/* Wall time of `grep -c . path`; *cpu gets its user+system time (on a
 * loaded machine the CPU times are the comparable figures). */
static double time_grep(const char *path, long *count, double *cpu) {
  int pfd[2];
  if (pipe(pfd)) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pfd[0]);
  char *argv[] = {"grep", "-c", ".", (char *)path, NULL};
  pid_t pid;
  double t0 = now_s();
  if (posix_spawnp(&pid, "grep", &fa, NULL, argv, environ)) return -1;
  close(pfd[1]);
  char buf[64] = "";
  ssize_t r = read(pfd[0], buf, sizeof buf - 1);
  close(pfd[0]);
  int st;
  struct rusage ru;
  wait4(pid, &st, 0, &ru);
  double el = now_s() - t0;
  *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  posix_spawn_file_actions_destroy(&fa);
  *count = r > 0 ? strtol(buf, NULL, 10) : -1;
  return el;
}

static int on_event(void *u, const ash_event *ev) {
  (void)ev;
  (*(uint64_t *)u)++;
  return 0;
}

int main(int argc, char **argv) {
  g_rng = 0x2545F4914F6CDD1Dull; /* the seed its generated files have always had */
  if (argc < 2) {
    fprintf(stderr, "usage: bench_perimeter DIR [--lines N] [--regen] [--repeat R] [--only F]\n");
    return 2;
  }
  const char *dir = argv[1];
  long lines = 500000;
  int regen = 0, repeat = 1;
  const char *only = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--lines") && i + 1 < argc)
      lines = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--regen"))
      regen = 1;
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = (int)strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
  }
  static const char *const FORMATS[] = {"panos", "asa", "zeek", "zeek-json"};
  printf("%-10s %10s %9s |      %12s %8s | %12s %8s | %s\n", "format", "lines", "MB",
         "grep lines/s", "MB/s", "parse lines/s", "MB/s", "parse/grep");
  for (int fi = 0; fi < 4; fi++) {
    const char *name = FORMATS[fi];
    if (only && strcmp(only, name)) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/perimeter-%s.log", dir, name);
    struct stat sb;
    if (regen || stat(path, &sb)) {
      FILE *f = fopen(path, "w");
      if (!f) {
        perror(path);
        return 1;
      }
      g_rng = 0x2545F4914F6CDD1Dull + (uint64_t)fi;
      if (fi == 0) gen_panos(f, lines);
      if (fi == 1) gen_asa(f, lines);
      if (fi == 2) gen_zeek(f, lines, 0);
      if (fi == 3) gen_zeek(f, lines, 1);
      if (fclose(f)) {
        perror(path);
        return 1;
      }
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb)) {
      perror(path);
      return 1;
    }
    size_t n = (size_t)sb.st_size;
    const uint8_t *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      perror("mmap");
      return 1;
    }
    madvise((void *)p, n, MADV_SEQUENTIAL);
    long gl = 0;
    double gcpu = 0;
    double g = time_grep(path, &gl, &gcpu);
    const ash_format *f = ash_format_find(name);
    if (!f) {
      fprintf(stderr, "no format %s\n", name);
      return 1;
    }
    double best = 1e30, best_cpu = 1e30;
    ash_mem_result res = {0};
    for (int r = 0; r < repeat; r++) {
      uint64_t events = 0;
      double t0 = now_s(), c0 = cpu_s();
      ash_parse_memory(f, p, n, NULL, on_event, NULL, &events, &res);
      double el = now_s() - t0, cel = cpu_s() - c0;
      if (el < best) best = el;
      if (cel < best_cpu) best_cpu = cel;
    }
    double mb = (double)n / 1e6;
    printf("%-10s %10ld %9.1f | wall %12.0f %8.1f | %12.0f %8.1f | %5.2fx\n", name, gl, mb, gl / g,
           mb / g, (double)res.read / best, mb / best, best / g);
    printf("%-10s %10s %9s | cpu  %12.0f %8.1f | %12.0f %8.1f | %5.2fx   (read %" PRIu64
           " parsed %" PRIu64 " rejected %" PRIu64 " events %" PRIu64 ")\n",
           "", "", "", gl / gcpu, mb / gcpu, (double)res.read / best_cpu, mb / best_cpu,
           best_cpu / gcpu, res.read, res.parsed, res.rejected, res.events);
    munmap((void *)p, n);
    close(fd);
  }
  return 0;
}
