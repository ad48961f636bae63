/* A progress line on stderr, only when stderr is a terminal: records/s,
 * MB/s and ETA, redrawn at most five times a second. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, const char *label) {
  memset(p, 0, sizeof *p);
  p->enabled = isatty(2);
  p->start = now_s();
  p->label = label;
}

void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total, uint64_t records) {
  if (!p->enabled) return;
  double t = now_s();
  if (t - p->last < 0.2 && done < total) return;
  p->last = t;
  double el = t - p->start;
  if (el <= 0) el = 1e-9;
  double mbs = (double)done / 1e6 / el, rps = (double)records / el;
  char eta[32] = "--:--";
  if (done > 0 && total > done) {
    double rem = el * (double)(total - done) / (double)done;
    snprintf(eta, sizeof eta, "%02d:%02d", (int)(rem / 60), (int)rem % 60);
  }
  double pct = total ? 100.0 * (double)done / (double)total : 0;
  fprintf(stderr, "\r%s %5.1f%%  %.0f records/s  %.1f MB/s  ETA %s   ", p->label, pct, rps, mbs,
          eta);
  p->drawn = 1;
}

void cli_progress_done(cli_progress *p) {
  if (p->enabled && p->drawn) fprintf(stderr, "\r\033[K");
  p->drawn = 0;
}
