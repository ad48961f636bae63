/* bench_store: insert rate of the case store alone, on synthetic flow
 * events shaped like a FortiGate traffic log (no parsing).
 *   bench_store CASE.db [N] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ashiato/store.h"
#include "ashiato/time.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_store CASE.db [N]\n");
    return 2;
  }
  long n = argc > 2 ? atol(argv[2]) : 1000000;
  unlink(argv[1]);
  ash_store *s;
  if (ash_store_open(&s, argv[1], ASH_STORE_CREATE)) return 1;
  int64_t id;
  int dup;
  ash_store_source_begin(s, "synthetic", 0, "00", "fortigate", &id, &dup);
  ash_kv kv[6] = {{ASH_STR_LIT("policyid"), ASH_STR_LIT("12")},
                  {ASH_STR_LIT("sessionid"), ASH_STR_LIT("123456789")},
                  {ASH_STR_LIT("srcintf"), ASH_STR_LIT("port1")},
                  {ASH_STR_LIT("dstintf"), ASH_STR_LIT("wan1")},
                  {ASH_STR_LIT("trandisp"), ASH_STR_LIT("snat")},
                  {ASH_STR_LIT("srccountry"), ASH_STR_LIT("Reserved")}};
  double t0 = now();
  for (long i = 0; i < n; i++) {
    ash_event ev;
    ash_event_init(&ev);
    ev.ts = 1740000000000000LL + i * 1000;
    ev.kind = ASH_KIND_FLOW;
    ev.host = ASH_STR_LIT("fgt01");
    ev.src_ip.fam = 4;
    ev.src_ip.b[10] = ev.src_ip.b[11] = 0xff;
    ev.src_ip.b[12] = 10;
    ev.src_ip.b[15] = (uint8_t)i;
    ev.dst_ip = ev.src_ip;
    ev.dst_ip.b[12] = 52;
    ev.src_port = 40000 + (int)(i % 20000);
    ev.dst_port = 443;
    ev.proto = ASH_STR_LIT("6");
    ev.action = ASH_STR_LIT("close");
    ev.service = ASH_STR_LIT("HTTPS");
    ev.bytes_out = 1234 + i % 100;
    ev.bytes_in = 5678;
    ev.packets_out = 10;
    ev.packets_in = 12;
    ev.duration_us = 60000000;
    ev.ref = (uint64_t)i * 600;
    ev.attrs = kv;
    ev.nattrs = 6;
    if (ash_store_add_event(s, id, &ev)) {
      fprintf(stderr, "insert failed: %s\n", ash_store_errmsg(s));
      return 1;
    }
  }
  ash_source_info c = {0};
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  ash_store_source_end(s, id, &c);
  double t1 = now();
  ash_store_close(s); /* builds the indexes */
  double t2 = now();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("store: %ld events in %.2f s = %.0f events/s; index build %.2f s; total %.0f events/s; "
         "peak RSS %ld MiB\n",
         n, t1 - t0, n / (t1 - t0), t2 - t1, n / (t2 - t0), ru.ru_maxrss / 1024);
  return 0;
}
