/* bench_sqlite_floor: what SQLite alone costs per flow row, with nothing
 * of ashiato around it: the case store's flows table (the same columns,
 * the same flows_ts index, the same pragmas and transaction size as
 * src/store/sqlite.c), rows of FortiGate-like values generated in memory
 * and inserted through one prepared statement on one thread. This is the
 * floor under the ingest's writer thread for one SQLite row per flow
 * (issue 15's 1M records/s, "where SQLite itself is the limit, show it
 * with a minimal program"). Printed against `sha256sum` of FILE, the
 * time an ingest of FILE cannot go below either (it hashes every byte).
 *
 *   bench_sqlite_floor DIR [--rows N] [--file FILE] [--repeat R]
 *
 * Four variants, each in a new database under DIR, deleted after:
 *   flows      28 columns bound (12 of them NULL for a FortiGate flow) and
 *              the ts index: what the ingest's writer does per row;
 *   no-index   the same without the ts index;
 *   narrow     only the 21 columns a FortiGate flow fills, ts index;
 *   bare       those columns, no index, no rowid given (SQLite's own
 *              fastest append).
 * --repeat runs every variant (and sha256sum) R times, interleaved, and
 * prints each one's least CPU time (the machine is shared: the least is
 * the run the neighbours disturbed least). The values are fixed by a seed
 * (bench_util.h): the same rows each run. */
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

extern char **environ;

#define TXN_ROWS 250000 /* as src/store/sqlite.c */

static void die(const char *what, sqlite3 *db) {
  fprintf(stderr, "bench_sqlite_floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
  exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "bench_sqlite_floor: %s: %s\n", sql, err ? err : "?");
    exit(1);
  }
}

/* The columns of src/store/sqlite.c's flows, in its order; a variant binds
 * all of them (the NULLs too) or only those a FortiGate flow fills. */
static const char FLOWS[] =
    "CREATE TABLE flows("
    " id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ref INTEGER, ts INTEGER, dur INTEGER,"
    " flags INTEGER NOT NULL, src INTEGER, dst INTEGER, sport INTEGER, dport INTEGER,"
    " proto INTEGER, action INTEGER, app INTEGER, service INTEGER, host INTEGER, user INTEGER,"
    " domain INTEGER, bytes_out INTEGER, bytes_in INTEGER, packets_out INTEGER,"
    " packets_in INTEGER, bytes_total INTEGER, event_id INTEGER, src6 TEXT, dst6 TEXT,"
    " shape INTEGER, vals TEXT, attrs TEXT);";
static const char NARROW[] =
    "CREATE TABLE flows("
    " id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, ref INTEGER, ts INTEGER, dur INTEGER,"
    " flags INTEGER NOT NULL, src INTEGER, dst INTEGER, sport INTEGER, dport INTEGER,"
    " proto INTEGER, action INTEGER, app INTEGER, service INTEGER, host INTEGER,"
    " bytes_out INTEGER, bytes_in INTEGER, packets_out INTEGER, packets_in INTEGER,"
    " shape INTEGER, vals TEXT);";

typedef struct variant {
  const char *name;
  const char *schema;
  int wide;  /* bind the 28 columns */
  int index; /* the flows_ts index */
  int rowid; /* bind the id (the ingest does: one id space for all tables) */
} variant;

static const variant VARIANTS[] = {
    {"flows", FLOWS, 1, 1, 1},
    {"no-index", FLOWS, 1, 0, 1},
    {"narrow", NARROW, 0, 1, 1},
    {"bare", NARROW, 0, 0, 0},
};
enum { NV = sizeof VARIANTS / sizeof VARIANTS[0] };

typedef struct result {
  double wall, cpu;
  long long bytes;
} result;

static result run(const char *dir, const variant *v, long n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/floor-%s.db", dir, v->name);
  unlink(path);
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) die("open", db);
  /* the pragmas of src/store/sqlite.c for a writer */
  exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;"
           "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144; PRAGMA threads=2;");
  exec(db, v->schema);
  if (v->index) exec(db, "CREATE INDEX flows_ts ON flows(ts);");
  const char *sql = v->wide
                        ? "INSERT INTO flows VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                          "?,?,?,?,?,?)"
                    : v->rowid ? "INSERT INTO flows VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                                 "?,?)"
                               : "INSERT INTO flows(source_id,ref,ts,dur,flags,src,dst,sport,"
                                 "dport,proto,action,app,service,host,bytes_out,bytes_in,"
                                 "packets_out,packets_in,shape,vals) VALUES(?,?,?,?,?,?,?,?,?,?,"
                                 "?,?,?,?,?,?,?,?,?,?)";
  sqlite3_stmt *st;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    die("prepare", db);
  g_rng = 0x9E3779B97F4A7C15ull;
  static const int dports[] = {443, 443, 443, 80, 53, 123, 8443, 22, 3389, 993};
  double w0 = now_s(), c0 = cpu_s();
  exec(db, "BEGIN");
  int64_t ts = 1740873600000000, ref = 0;
  for (long i = 0; i < n; i++) {
    /* a FortiGate forward flow: values of the sizes the ingest stores */
    ts += (int64_t)rndn(500000);
    ref += 600 + rndn(100);
    int64_t dur = (int64_t)rndn(3600) * 1000000;
    char vals[32];
    int vn = snprintf(vals, sizeof vals, "\x02%lX.%lX", 1 + i / 256, i % 256);
    int c = 1;
    if (v->rowid) sqlite3_bind_int64(st, c++, i + 1);
    sqlite3_bind_int64(st, c++, 1);
    sqlite3_bind_int64(st, c++, ref);
    sqlite3_bind_int64(st, c++, ts);
    sqlite3_bind_int64(st, c++, dur);
    sqlite3_bind_int(st, c++, 1);
    sqlite3_bind_int64(st, c++, 0x0A000000 + rndn(1 << 16));  /* 10.0.x.x */
    sqlite3_bind_int64(st, c++, 0x60000000 + rndn(1u << 30)); /* public */
    sqlite3_bind_int(st, c++, 1024 + (int)rndn(64000));       /* sport */
    sqlite3_bind_int(st, c++, dports[rndn(10)]);              /* dport */
    sqlite3_bind_int(st, c++, 1 + (int)rndn(3));              /* proto */
    sqlite3_bind_int(st, c++, 1 + (int)rndn(3));              /* action */
    sqlite3_bind_int(st, c++, 1 + (int)rndn(40));             /* app */
    sqlite3_bind_int(st, c++, 1 + (int)rndn(20));             /* service */
    sqlite3_bind_int(st, c++, 5);                             /* host */
    if (v->wide) sqlite3_bind_null(st, c++);                  /* user */
    if (v->wide) sqlite3_bind_null(st, c++);                  /* domain */
    sqlite3_bind_int64(st, c++, (int64_t)rndn(1u << 22));     /* bytes_out */
    sqlite3_bind_int64(st, c++, (int64_t)rndn(1u << 24));     /* bytes_in */
    sqlite3_bind_int64(st, c++, (int64_t)rndn(4000));         /* packets_out */
    sqlite3_bind_int64(st, c++, (int64_t)rndn(16000));        /* packets_in */
    if (v->wide)
      for (int k = 0; k < 4; k++) sqlite3_bind_null(st, c++); /* bytes_total .. dst6 */
    sqlite3_bind_int(st, c++, 1);                             /* shape */
    sqlite3_bind_text(st, c++, vals, vn, SQLITE_STATIC);
    if (v->wide) sqlite3_bind_null(st, c++); /* attrs */
    if (sqlite3_step(st) != SQLITE_DONE) die("insert", db);
    sqlite3_reset(st);
    if ((i + 1) % TXN_ROWS == 0) exec(db, "COMMIT; BEGIN");
  }
  exec(db, "COMMIT");
  sqlite3_finalize(st);
  if (sqlite3_close(db) != SQLITE_OK) die("close", db);
  result r = {now_s() - w0, cpu_s() - c0, 0};
  FILE *f = fopen(path, "rb");
  if (f) {
    fseek(f, 0, SEEK_END);
    r.bytes = ftell(f);
    fclose(f);
  }
  unlink(path);
  return r;
}

/* sha256sum FILE's wall and CPU time (the child's, through wait4). */
static int sha256sum(const char *file, double *wall, double *cpu) {
  char *argv[] = {"sha256sum", (char *)file, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
  pid_t pid;
  double w0 = now_s();
  int bad = posix_spawnp(&pid, "sha256sum", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (bad) return -1;
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) return -1;
  *wall = now_s() - w0;
  *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: bench_sqlite_floor DIR [--rows N] [--file FILE] [--repeat R]\n"
                    "  FILE: the log the rows stand for (sha256sum is timed on it)\n");
    return 2;
  }
  long n = 1000000;
  int repeat = 1;
  const char *file = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--rows") && i + 1 < argc)
      n = atol(argv[++i]);
    else if (!strcmp(argv[i], "--file") && i + 1 < argc)
      file = argv[++i];
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = atoi(argv[++i]);
    else {
      fprintf(stderr, "bench_sqlite_floor: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (n <= 0 || repeat <= 0) return 2;
  printf("SQLite %s, %ld rows per variant, one thread, %d rows per transaction, least of %d\n",
         sqlite3_libversion(), n, TXN_ROWS, repeat);
  result best[NV];
  double sw = 0, sc = 0;
  for (int r = 0; r < repeat; r++) {
    if (file) {
      double w, c;
      if (sha256sum(file, &w, &c)) {
        fprintf(stderr, "bench_sqlite_floor: sha256sum %s failed\n", file);
        return 1;
      }
      if (!r || c < sc) sw = w, sc = c;
    }
    for (size_t k = 0; k < NV; k++) {
      result x = run(argv[1], &VARIANTS[k], n);
      if (!r || x.cpu < best[k].cpu) best[k] = x;
    }
  }
  if (file) printf("%-10s wall %6.2f s  cpu %6.2f s  (%s)\n", "sha256sum", sw, sc, file);
  for (size_t k = 0; k < NV; k++) {
    result x = best[k];
    printf("%-10s wall %6.2f s  cpu %6.2f s  %8.0f rows/s (cpu)  %5.1f B/row  %.2f us/row",
           VARIANTS[k].name, x.wall, x.cpu, (double)n / x.cpu, (double)x.bytes / (double)n,
           x.cpu * 1e6 / (double)n);
    if (file) printf("  %.2fx sha256sum's cpu", x.cpu / sc);
    printf("\n");
  }
  return 0;
}
