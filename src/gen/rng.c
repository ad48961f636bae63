/* The generator's only source of randomness: xoshiro256** seeded through
 * splitmix64 (Blackman and Vigna), so that a seed gives the same stream on
 * every platform and libc. Never rand(), never the clock. */
#include <math.h>

#include "gen_int.h"

uint64_t g_mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void g_rng_seed(g_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ g_mix(stream + 0x51ed270b27b3a1c5ULL);
  for (int i = 0; i < 4; i++) {
    x = g_mix(x);
    r->s[i] = x;
  }
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t g_next(g_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

/* Lemire's multiply-shift with rejection: unbiased. */
uint32_t g_below(g_rng *r, uint32_t n) {
  if (n == 0) return 0;
  uint64_t m = (uint64_t)(uint32_t)(g_next(r) >> 32) * n;
  uint32_t l = (uint32_t)m;
  if (l < n) {
    uint32_t t = (uint32_t)(-n) % n;
    while (l < t) {
      m = (uint64_t)(uint32_t)(g_next(r) >> 32) * n;
      l = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

int64_t g_range(g_rng *r, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = (uint64_t)(hi - lo) + 1;
  if (span == 0) return (int64_t)g_next(r);
  return lo + (int64_t)(g_next(r) % span);
}

double g_unit(g_rng *r) { return (double)(g_next(r) >> 11) * 0x1.0p-53; }

int g_chance(g_rng *r, double p) { return g_unit(r) < p; }

double g_exp(g_rng *r, double mean) { return -mean * log(1.0 - g_unit(r)); }

/* Box-Muller; only one of the pair is used so that the stream position does
 * not depend on hidden state. */
static double g_normal(g_rng *r) {
  double u1 = 1.0 - g_unit(r), u2 = g_unit(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double g_lognorm(g_rng *r, double median, double sigma) {
  return median * exp(sigma * g_normal(r));
}

uint32_t g_poisson(g_rng *r, double lambda) {
  if (lambda <= 0) return 0;
  if (lambda > 60) {
    double v = lambda + sqrt(lambda) * g_normal(r);
    return v < 0 ? 0 : (uint32_t)(v + 0.5);
  }
  double l = exp(-lambda), p = 1.0;
  uint32_t k = 0;
  do {
    k++;
    p *= g_unit(r);
  } while (p > l);
  return k - 1;
}
