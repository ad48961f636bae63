/* bench_store: insert rate of the case store alone: the work of ingest's
 * writer thread (ash_store_add_rows) on flow events shaped like the lines
 * of bench/run-ingest.sh (FortiGate traffic: 15 normalised fields and 25
 * attributes, ~460 bytes of attribute JSON), with no parsing and the
 * attribute JSON serialised in advance, as the parse thread does.
 *   bench_store CASE.db [N]
 * This is the ceiling of `ashiato ingest` on one writer: ingest cannot
 * store events faster than the store accepts them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#include "ashiato/event.h"
#include "ashiato/store.h"
#include "ashiato/time.h"
#include "store/store_internal.h"

#define BATCH 8192

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_store CASE.db [N]\n");
    return 2;
  }
  long n = argc > 2 ? atol(argv[2]) : 1000000;
  unlink(argv[1]);
  char side[4096];
  snprintf(side, sizeof side, "%s-journal", argv[1]);
  unlink(side);
  ash_store *s;
  if (ash_store_open(&s, argv[1], ASH_STORE_CREATE)) return 1;
  int64_t id;
  int dup;
  if (ash_store_source_begin(s, "synthetic", 1, NULL, "fortigate", &id, &dup)) return 1;
  /* the attributes of a generated FortiGate traffic line, varied per row
   * where the real ones vary (eventtime, sessionid, transport) */
  static const char attrs_fmt[] =
      "{\"date\":\"2025-03-02\",\"time\":\"09:00:00\",\"eventtime\":\"17408736%011ld\","
      "\"tz\":\"+0900\",\"logid\":\"0000000013\",\"type\":\"traffic\",\"subtype\":\"forward\","
      "\"level\":\"notice\",\"vd\":\"root\",\"srcintf\":\"port2\",\"srcintfrole\":\"lan\","
      "\"dstintf\":\"port1\",\"dstintfrole\":\"wan\",\"dstcountry\":\"Singapore\","
      "\"sessionid\":\"%ld\",\"policyid\":\"77\",\"policytype\":\"policy\","
      "\"trandisp\":\"snat\",\"transip\":\"198.51.100.90\",\"transport\":\"%ld\","
      "\"appid\":\"49982\",\"appcat\":\"Cloud.IT\",\"apprisk\":\"elevated\","
      "\"utmaction\":\"allow\",\"devid\":\"FG100FTK20000001\"}";
  ash_event *ev = calloc(BATCH, sizeof *ev);
  ash_store_row *rows = calloc(BATCH, sizeof *rows);
  char(*attrs)[640] = calloc(BATCH, sizeof *attrs);
  if (!ev || !rows || !attrs) return 1;
  double build = 0, t0 = now_s(), c0 = cpu_s();
  for (long done = 0; done < n;) {
    double b0 = now_s();
    long k = n - done < BATCH ? n - done : BATCH;
    for (long j = 0; j < k; j++) {
      long i = done + j;
      ash_event *e = &ev[j];
      ash_event_init(e);
      e->ts = 1740873600000000LL + i * 1000;
      e->kind = ASH_KIND_FLOW;
      e->host = ASH_STR_LIT("FGT-HQ-01");
      e->src_ip.fam = e->dst_ip.fam = 4;
      e->src_ip.b[10] = e->src_ip.b[11] = e->dst_ip.b[10] = e->dst_ip.b[11] = 0xff;
      e->src_ip.b[12] = 10;
      e->src_ip.b[13] = (uint8_t)(i >> 16);
      e->src_ip.b[14] = (uint8_t)(i >> 8);
      e->src_ip.b[15] = (uint8_t)i;
      e->dst_ip.b[12] = 104;
      e->dst_ip.b[13] = 117;
      e->dst_ip.b[14] = (uint8_t)(i >> 4);
      e->dst_ip.b[15] = (uint8_t)(i * 7);
      e->src_port = 40000 + (int)(i % 20000);
      e->dst_port = 443;
      e->proto = ASH_STR_LIT("tcp");
      e->action = ASH_STR_LIT("timeout");
      e->app = ASH_STR_LIT("Amazon.AWS");
      e->service = ASH_STR_LIT("HTTPS");
      e->bytes_out = 105465 + i % 1000;
      e->bytes_in = 4756367 + i % 777;
      e->packets_out = 211;
      e->packets_in = 3964;
      e->duration_us = 7050000000LL;
      e->ref = (uint64_t)i * 650;
      int an = snprintf(attrs[j], sizeof attrs[j], attrs_fmt, i * 1000 + 519135030L % 1000,
                        2402220190L + i, 50000 + i % 15000);
      rows[j] = (ash_store_row){id, e, attrs[j], (size_t)an, NULL};
    }
    build += now_s() - b0;
    if (ash_store_add_rows(s, rows, (size_t)k)) {
      fprintf(stderr, "insert failed: %s\n", ash_store_errmsg(s));
      return 1;
    }
    done += k;
  }
  ash_source_info c = {0};
  c.first_ts = c.last_ts = ASH_TIME_UNSET;
  c.sha256 = "00";
  if (ash_store_source_end(s, id, &c)) return 1;
  if (ash_store_close(s)) return 1;
  double el = now_s() - t0 - build, cp = cpu_s() - c0 - build;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("store only     %ld events  wall %.2f s  %.0f events/s  cpu %.2f s  %.0f events/s  "
         "peak RSS %ld MiB\n",
         n, el, n / el, cp, n / cp, ru.ru_maxrss / 1024);
  free(ev);
  free(rows);
  free(attrs);
  return 0;
}
