#include "ashiato/time.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ashiato/error.h"

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar, no table, no libc time zone state. */
int64_t ash_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

int ash_time_from_fields(int y, int mo, int d, int h, int mi, int s, int us, int64_t *out) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 ||
      h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || us < 0 || us > 999999)
    return ASH_EFORMAT;
  int64_t days = ash_days_from_civil(y, (unsigned)mo, (unsigned)d);
  *out = ((days * 86400 + h * 3600 + mi * 60 + s) * ASH_US_PER_SEC) + us;
  return ASH_OK;
}

void ash_time_format(int64_t t, char out[32]) {
  int64_t secs = t / ASH_US_PER_SEC, us = t % ASH_US_PER_SEC;
  if (us < 0) {
    us += ASH_US_PER_SEC;
    secs--;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(out, 32, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y % 10000, m, d, (int)(rem / 3600),
           (int)(rem / 60 % 60), (int)(rem % 60), (int)us);
}

static int digits(const char *p, size_t n, size_t at, size_t cnt, int *out) {
  if (!ASH_FITS(at, cnt, n)) return 0;
  int v = 0;
  for (size_t i = 0; i < cnt; i++) {
    unsigned c = (unsigned char)p[at + i] - '0';
    if (c > 9) return 0;
    v = v * 10 + (int)c;
  }
  *out = v;
  return 1;
}

int ash_tz_parse_offset(ash_str s, int32_t *out) {
  if (s.n == 1 && (s.p[0] == 'Z' || s.p[0] == 'z')) {
    *out = 0;
    return ASH_OK;
  }
  if (s.n < 3 || (s.p[0] != '+' && s.p[0] != '-')) return ASH_EFORMAT;
  int h, m = 0;
  if (!digits(s.p, s.n, 1, 2, &h)) return ASH_EFORMAT;
  if (s.n == 3) {
  } else if (s.n == 5 && digits(s.p, s.n, 3, 2, &m)) {
  } else if (s.n == 6 && s.p[3] == ':' && digits(s.p, s.n, 4, 2, &m)) {
  } else
    return ASH_EFORMAT;
  if (h > 14 || m > 59) return ASH_EFORMAT;
  *out = (s.p[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return ASH_OK;
}

int ash_time_parse_iso(ash_str s, int64_t *out) {
  const char *p = s.p;
  size_t n = s.n;
  int y, mo, d, h = 0, mi = 0, sec = 0, us = 0;
  if (!digits(p, n, 0, 4, &y) || n < 10 || p[4] != '-' || !digits(p, n, 5, 2, &mo) || p[7] != '-' ||
      !digits(p, n, 8, 2, &d))
    return ASH_EFORMAT;
  size_t i = 10;
  if (i < n && (p[i] == 'T' || p[i] == 't' || p[i] == ' ')) {
    if (!digits(p, n, i + 1, 2, &h) || !ASH_FITS(i + 3, 3, n) || p[i + 3] != ':' ||
        !digits(p, n, i + 4, 2, &mi))
      return ASH_EFORMAT;
    i += 6;
    if (i < n && p[i] == ':') {
      if (!digits(p, n, i + 1, 2, &sec)) return ASH_EFORMAT;
      i += 3;
      if (i < n && (p[i] == '.' || p[i] == ',')) {
        i++;
        int nd = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
          if (nd < 6) us = us * 10 + (p[i] - '0');
          nd++;
          i++;
        }
        if (nd == 0) return ASH_EFORMAT;
        for (; nd < 6; nd++) us *= 10;
      }
    }
  }
  int32_t off = 0;
  if (i < n && ash_tz_parse_offset(ash_str_make(p + i, n - i), &off)) return ASH_EFORMAT;
  int64_t t;
  if (ash_time_from_fields(y, mo, d, h, mi, sec, us, &t)) return ASH_EFORMAT;
  *out = t - (int64_t)off * ASH_US_PER_SEC;
  return ASH_OK;
}

int ash_duration_number(ash_str s, size_t *i, int64_t *v) {
  size_t st = *i;
  int64_t x = 0;
  for (; *i < s.n && s.p[*i] >= '0' && s.p[*i] <= '9'; (*i)++) {
    if (x > 1000000000LL) return ASH_EFORMAT;
    x = x * 10 + (s.p[*i] - '0');
  }
  if (*i == st) return ASH_EFORMAT;
  *v = x;
  return ASH_OK;
}

int64_t ash_duration_unit(char c) {
  return c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : c == 'd' ? 86400 : 0;
}

int ash_duration_parse(ash_str s, int64_t *out_us) {
  int neg = 0;
  size_t i = 0;
  if (s.n && (s.p[0] == '+' || s.p[0] == '-')) {
    neg = s.p[0] == '-';
    i = 1;
  }
  if (i >= s.n) return ASH_EFORMAT;
  const size_t first = i;
  int64_t total = 0;
  while (i < s.n) {
    int64_t v;
    size_t st = i;
    if (ash_duration_number(s, &i, &v)) return ASH_EFORMAT;
    int64_t unit = 1;
    if (i < s.n) {
      if (!(unit = ash_duration_unit(s.p[i]))) return ASH_EFORMAT;
      i++;
    } else if (st != first) {
      return ASH_EFORMAT; /* a bare number (seconds) only on its own */
    }
    total += v * unit;
  }
  *out_us = (neg ? -total : total) * ASH_US_PER_SEC;
  return ASH_OK;
}

/* ---- zones ---- */

#define TZ_CACHE 1024

struct ash_tz {
  char name[128];
  int fixed;      /* 1: fixed offset */
  int32_t offset; /* fixed offset in seconds */
  pthread_mutex_t mu;
  int64_t key[TZ_CACHE]; /* local hour number + 1 (0 = empty) */
  int32_t val[TZ_CACHE];
  int64_t ukey[TZ_CACHE]; /* UTC quarter hour (where uset), ash_tz_offset_at */
  int32_t uval[TZ_CACHE];
  uint8_t uset[TZ_CACHE];
};

static pthread_mutex_t g_tzenv = PTHREAD_MUTEX_INITIALIZER;

/* The C library computes zone offsets for the zone named by TZ, which is
 * process state: fn runs with TZ set to name under a global lock, and TZ is
 * put back after. */
static int32_t with_zone(const char *name, int32_t (*fn)(int64_t), int64_t arg) {
  pthread_mutex_lock(&g_tzenv);
  char *old = getenv("TZ");
  char saved[256] = {0};
  int had = old != NULL;
  if (had) snprintf(saved, sizeof saved, "%s", old);
  setenv("TZ", name, 1);
  tzset();
  int32_t off = fn(arg);
  if (had)
    setenv("TZ", saved, 1);
  else
    unsetenv("TZ");
  tzset();
  pthread_mutex_unlock(&g_tzenv);
  return off;
}

/* Offset (seconds east of UTC) in force at local wall time local_s in the
 * current TZ (with_zone). */
static int32_t offset_for_local(int64_t local_s) {
  int64_t days = local_s / 86400, rem = local_s % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = (int)m - 1;
  tm.tm_mday = (int)d;
  tm.tm_hour = (int)(rem / 3600);
  tm.tm_min = (int)(rem / 60 % 60);
  tm.tm_sec = (int)(rem % 60);
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  return t != (time_t)-1 ? (int32_t)(local_s - (int64_t)t) : 0;
}

/* Offset in force at UTC second utc_s in the current TZ (localtime_r's
 * tm_gmtoff). */
static int32_t offset_for_utc(int64_t utc_s) {
  time_t t = (time_t)utc_s;
  struct tm tm;
  return localtime_r(&t, &tm) ? (int32_t)tm.tm_gmtoff : 0;
}

static int32_t zone_offset_for_local(const char *name, int64_t local_s) {
  return with_zone(name, offset_for_local, local_s);
}

int ash_tz_open(ash_tz **out, const char *name) {
  if (!name || !*name || strlen(name) >= 128) return ASH_EUSAGE;
  ash_tz *tz = calloc(1, sizeof *tz);
  if (!tz) return ASH_ENOMEM;
  snprintf(tz->name, sizeof tz->name, "%s", name);
  pthread_mutex_init(&tz->mu, NULL);
  int32_t off;
  if (!strcmp(name, "UTC") || !strcmp(name, "utc") || !strcmp(name, "Z") || !strcmp(name, "GMT")) {
    tz->fixed = 1;
  } else if (!ash_tz_parse_offset(ash_str_cstr(name), &off)) {
    tz->fixed = 1;
    tz->offset = off;
  } else {
    /* An IANA name must exist in the zoneinfo database: glibc silently
     * treats unknown names as UTC, which would shift every event. */
    if (strstr(name, "..") || name[0] == '/') {
      free(tz);
      return ASH_ENOTFOUND;
    }
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    char magic[4] = {0};
    int ok = f && fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
    if (f) fclose(f);
    if (!ok) {
      pthread_mutex_destroy(&tz->mu);
      free(tz);
      return ASH_ENOTFOUND;
    }
  }
  *out = tz;
  return ASH_OK;
}

void ash_tz_close(ash_tz *tz) {
  if (!tz) return;
  pthread_mutex_destroy(&tz->mu);
  free(tz);
}

const char *ash_tz_name(const ash_tz *tz) { return tz ? tz->name : "UTC"; }

static int32_t zone_offset_for_utc(const char *name, int64_t utc_s) {
  return with_zone(name, offset_for_utc, utc_s);
}

int32_t ash_tz_offset_at(ash_tz *tz, int64_t utc_us) {
  if (!tz) return 0;
  if (tz->fixed) return tz->offset;
  /* cached per quarter hour of UTC: the zoneinfo database's transitions of
   * the last century fall on whole quarter hours (offsets are whole
   * quarter hours, and changes happen at a local hour), so one lookup
   * holds for the whole block */
  int64_t s = utc_us / ASH_US_PER_SEC - (utc_us % ASH_US_PER_SEC < 0);
  int64_t q = s / 900 - (s % 900 < 0);
  size_t slot = (size_t)((uint64_t)q % TZ_CACHE);
  int32_t off;
  pthread_mutex_lock(&tz->mu);
  if (tz->uset[slot] && tz->ukey[slot] == q) {
    off = tz->uval[slot];
    pthread_mutex_unlock(&tz->mu);
    return off;
  }
  pthread_mutex_unlock(&tz->mu);
  off = zone_offset_for_utc(tz->name, q * 900);
  pthread_mutex_lock(&tz->mu);
  tz->ukey[slot] = q;
  tz->uval[slot] = off;
  tz->uset[slot] = 1;
  pthread_mutex_unlock(&tz->mu);
  return off;
}

void ash_time_format_tz(int64_t t, ash_tz *tz, char out[40]) {
  int32_t off = ash_tz_offset_at(tz, t);
  char b[32];
  ash_time_format(t + (int64_t)off * ASH_US_PER_SEC, b);
  if (!tz || (tz->fixed && !off && !strcmp(tz->name, "UTC"))) {
    snprintf(out, 40, "%s", b);
    return;
  }
  b[26] = 0; /* drop the Z: the offset is written instead */
  int32_t a = off < 0 ? -off : off;
  snprintf(out, 40, "%s%c%02d:%02d", b, off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
}

int64_t ash_tz_to_utc(ash_tz *tz, int64_t local_us) {
  if (!tz) return local_us;
  if (tz->fixed) return local_us - (int64_t)tz->offset * ASH_US_PER_SEC;
  int64_t local_s = local_us / ASH_US_PER_SEC - (local_us % ASH_US_PER_SEC < 0);
  int64_t hour = local_s / 3600 - (local_s % 3600 < 0);
  size_t slot = (size_t)((uint64_t)hour % TZ_CACHE);
  int32_t off;
  pthread_mutex_lock(&tz->mu);
  if (tz->key[slot] == hour + 1) {
    off = tz->val[slot];
    pthread_mutex_unlock(&tz->mu);
  } else {
    pthread_mutex_unlock(&tz->mu);
    off = zone_offset_for_local(tz->name, hour * 3600);
    pthread_mutex_lock(&tz->mu);
    tz->key[slot] = hour + 1;
    tz->val[slot] = off;
    pthread_mutex_unlock(&tz->mu);
  }
  return local_us - (int64_t)off * ASH_US_PER_SEC;
}
