/* Allocation-failure injection (issue 18, issue 19 item 6): ingest a small
 * mixed folder and hunt it while the N-th allocation of the project's code
 * fails, for N over a range. Every run must either fail with ASH_ENOMEM or
 * give exactly the result of the run without failures (a failure absorbed
 * by a fallback is fine; a failure that quietly changes the result is
 * not), must leave a consistent case (every complete source: read =
 * parsed + rejected, and its events all stored), and must not leak or
 * touch freed memory (run under ASan).
 *
 *   alloc_fail SRCDIR WORKDIR   (SRCDIR: the tests/ folder)
 * ASH_ALLOC_RUNS caps the number of failing runs (default 400): all N up
 * to half of it, then N spread evenly over the rest of the allocations. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/hunt.h"
#include "ashiato/ingest.h"
#include "ashiato/store.h"

static const char *const INPUTS[] = {
    "golden/fortigate/vpn.log",
    "golden/fortigate/traffic.log",
    "golden/asa/sessions.log",
    "golden/panos/mixed.log",
    "golden/zeek/conn.log",
    "golden/winjson/nxlog.log",
    "golden/evtx/defender_hacktool.evtx",
    "golden/evtx/rdp_1149.evtx",
};
#define NIN (sizeof INPUTS / sizeof INPUTS[0])
#define MAXF 256

typedef struct outcome {
  int rc;
  ash_ingest_totals tot;
  size_t nf;
  char ids[MAXF][48];
  int score[MAXF];
  long allocs;
} outcome;

static int on_finding(void *u, const ash_finding *f) {
  outcome *o = u;
  if (o->nf < MAXF) {
    memcpy(o->ids[o->nf], f->id, sizeof o->ids[0]);
    o->score[o->nf] = f->score;
  }
  o->nf++;
  return ASH_OK;
}

static void run(const char *db, const char *const *paths, long n, outcome *o) {
  memset(o, 0, sizeof *o);
  unlink(db);
  char aux[600];
  snprintf(aux, sizeof aux, "%s-wal", db);
  unlink(aux);
  snprintf(aux, sizeof aux, "%s-shm", db);
  unlink(aux);
  ash_alloc_fail_at(n);
  ash_store *s = NULL;
  o->rc = ash_store_open(&s, db, ASH_STORE_CREATE);
  if (!o->rc) {
    ash_ingest_opts io;
    memset(&io, 0, sizeof io);
    io.parse.threads = 1;
    o->rc = ash_ingest(s, paths, NIN, &io, &o->tot);
  }
  if (!o->rc) {
    ash_hunt_opts ho;
    ash_hunt_opts_default(&ho);
    o->rc = ash_hunt_run_all(s, &ho, on_finding, o);
  }
  int crc = ash_store_close(s);
  if (!o->rc) o->rc = crc;
  o->allocs = ash_alloc_count();
  ash_alloc_fail_at(0);
}

/* Every complete source accounts for its records and holds its events. */
static int consistent(const char *db, long n) {
  sqlite3 *d;
  if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(d);
    return 1; /* the store may not exist: nothing to be inconsistent */
  }
  sqlite3_stmt *st;
  int bad = 0;
  if (sqlite3_prepare_v2(d,
                         "SELECT path,read,parsed,rejected,events,(SELECT count(*) FROM events e"
                         " WHERE e.source_id=s.id) FROM sources s WHERE complete=1",
                         -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      int64_t rd = sqlite3_column_int64(st, 1), pa = sqlite3_column_int64(st, 2),
              rj = sqlite3_column_int64(st, 3), ev = sqlite3_column_int64(st, 4),
              have = sqlite3_column_int64(st, 5);
      if (rd != pa + rj || ev != have) {
        fprintf(stderr,
                "N=%ld: source %s: read %lld parsed %lld rejected %lld events %lld stored %lld\n",
                n, (const char *)sqlite3_column_text(st, 0), (long long)rd, (long long)pa,
                (long long)rj, (long long)ev, (long long)have);
        bad = 1;
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(d);
  return !bad;
}

static int same(const outcome *a, const outcome *b) {
  if (a->nf != b->nf || memcmp(&a->tot, &b->tot, sizeof a->tot)) return 0;
  for (size_t i = 0; i < a->nf && i < MAXF; i++)
    if (strcmp(a->ids[i], b->ids[i]) || a->score[i] != b->score[i]) return 0;
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: alloc_fail SRCDIR WORKDIR\n");
    return 2;
  }
  static char buf[NIN][1024];
  const char *paths[NIN];
  for (size_t i = 0; i < NIN; i++) {
    snprintf(buf[i], sizeof buf[i], "%s/%s", argv[1], INPUTS[i]);
    paths[i] = buf[i];
  }
  char db[600];
  snprintf(db, sizeof db, "%s/alloc.db", argv[2]);
  static outcome clean, o;
  run(db, paths, 0, &clean);
  if (clean.rc) {
    fprintf(stderr, "the run without failures failed: %s\n", ash_strerror(clean.rc));
    return 1;
  }
  if (clean.tot.events == 0 || clean.allocs < 100) {
    fprintf(stderr, "the inputs did not exercise the code (%llu events, %ld allocations)\n",
            (unsigned long long)clean.tot.events, clean.allocs);
    return 1;
  }
  if (getenv("ASH_ALLOC_ONLY")) { /* one run, to look at (with ASH_ALLOC_TRACE) */
    run(db, paths, atol(getenv("ASH_ALLOC_ONLY")), &o);
    printf("rc %s, %llu events, %zu findings\n", ash_strerror(o.rc),
           (unsigned long long)o.tot.events, o.nf);
    return 0;
  }
  long runs = getenv("ASH_ALLOC_RUNS") ? atol(getenv("ASH_ALLOC_RUNS")) : 400;
  if (runs < 2) runs = 2;
  long dense = runs / 2, failed = 0, absorbed = 0, tried = 0;
  int bad = 0;
  for (long k = 1; k <= runs; k++) {
    long n = k <= dense ? k : dense + (clean.allocs - dense) * (k - dense) / (runs - dense);
    if (n < 1 || n > clean.allocs) continue;
    tried++;
    run(db, paths, n, &o);
    if (o.rc == ASH_ENOMEM) {
      failed++;
    } else if (o.rc) {
      fprintf(stderr, "N=%ld: failed with %s, not ASH_ENOMEM\n", n, ash_strerror(o.rc));
      bad = 1;
    } else if (same(&o, &clean)) {
      absorbed++;
    } else {
      fprintf(stderr,
              "N=%ld: the failure was lost: %llu events, %zu findings (without it %llu, %zu)\n", n,
              (unsigned long long)o.tot.events, o.nf, (unsigned long long)clean.tot.events,
              clean.nf);
      bad = 1;
    }
    if (!consistent(db, n)) bad = 1;
  }
  printf("%ld allocations in the clean run (%llu events, %zu findings); %ld failing runs: %ld"
         " ASH_ENOMEM, %ld absorbed with the same result\n",
         clean.allocs, (unsigned long long)clean.tot.events, clean.nf, tried, failed, absorbed);
  return bad;
}
