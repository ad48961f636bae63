/* What the benchmarks share: clocks (wall time, and the CPU time of the
 * whole process: on a shared machine the wall clock also measures the
 * neighbours) and the xorshift generator of their synthetic input. */
#ifndef ASH_BENCH_UTIL_H
#define ASH_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static inline double bench_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static inline double now_s(void) { return bench_clock(CLOCK_MONOTONIC); }
static inline double cpu_s(void) { return bench_clock(CLOCK_PROCESS_CPUTIME_ID); }

/* xorshift64: the generated input is the same on every run */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static inline uint64_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}
static inline unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }

#endif
