/* The clocks of the benchmarks: wall time, and the CPU time of the whole
 * process (on a shared machine the wall clock also measures the
 * neighbours). */
#ifndef ASH_BENCH_CLOCK_H
#define ASH_BENCH_CLOCK_H

#include <time.h>

static inline double bench_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static inline double now_s(void) { return bench_clock(CLOCK_MONOTONIC); }
static inline double cpu_s(void) { return bench_clock(CLOCK_PROCESS_CPUTIME_ID); }

#endif
