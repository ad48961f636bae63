#include "syslog.h"

#include <string.h>
#include <time.h>

#include "ashiato/time.h"

/* Longest RFC 3164 tag we accept (the RFC says 32; devices exceed it). */
#define TAG_MAX 48
/* Longest "[pid]" after a tag. */
#define PID_MAX 24

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_tag_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '.' ||
         c == '/' || c == '-';
}

/* Index of the first space at or after i, or n. */
static size_t tok_end(const char *p, size_t n, size_t i) {
  while (i < n && p[i] != ' ') i++;
  return i;
}

static size_t skip_spaces(const char *p, size_t n, size_t i) {
  while (i < n && p[i] == ' ') i++;
  return i;
}

/* 1..12 for "Jan".."Dec" at p[i..i+3), 0 otherwise. */
static int month_at(const char *p, size_t n, size_t i) {
  static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (!ASH_FITS(i, 3, n)) return 0;
  for (int m = 0; m < 12; m++)
    if (p[i] == names[m * 3] && p[i + 1] == names[m * 3 + 1] && p[i + 2] == names[m * 3 + 2])
      return m + 1;
  return 0;
}

/* Exactly cnt digits at p[at..at+cnt). */
static int fixed_digits(const char *p, size_t n, size_t at, size_t cnt, int *out) {
  if (!ASH_FITS(at, cnt, n)) return 0;
  int v = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (!is_digit(p[at + i])) return 0;
    v = v * 10 + (p[at + i] - '0');
  }
  *out = v;
  return 1;
}

static ash_str nil_or(const char *p, size_t a, size_t e) {
  if (e == a || (e - a == 1 && p[a] == '-')) return ASH_STR_NULL;
  return ash_str_make(p + a, e - a);
}

/* When an app tag ("app:" or "app[pid]:" followed by a space or the end)
 * starts at i, set *tag_end to the end of the name, *after to the index
 * just past the ':' and return 1. */
static int tag_at(const char *p, size_t n, size_t i, size_t *tag_end, size_t *after) {
  size_t k = i;
  while (k < n && k - i < TAG_MAX && is_tag_char(p[k])) k++;
  if (k == i || k >= n) return 0;
  size_t name_end = k;
  if (p[k] == '[') {
    size_t lim = k + 1 + PID_MAX;
    k++;
    while (k < n && k < lim && p[k] != ']' && p[k] != ' ') k++;
    if (k >= n || p[k] != ']') return 0;
    k++;
  }
  if (k >= n || p[k] != ':') return 0;
  if (k + 1 < n && p[k + 1] != ' ') return 0;
  *tag_end = name_end;
  *after = k + 1;
  return 1;
}

/* Host and optional app tag starting at i (just after the timestamp). */
static void host_and_app(const char *p, size_t n, size_t i, ash_syslog_hdr *h) {
  /* ASA without a device id: "Mar 02 2025 10:22:01: %ASA-..." */
  if (i < n && p[i] == ':') {
    h->body = skip_spaces(p, n, i + 1);
    return;
  }
  i = skip_spaces(p, n, i);
  if (i >= n) {
    h->body = n;
    return;
  }
  size_t te, after;
  if (tag_at(p, n, i, &te, &after)) { /* "su: msg": a tag and no host */
    h->app = ash_str_make(p + i, te - i);
    h->body = after < n ? after + 1 : n;
    return;
  }
  size_t e = tok_end(p, n, i);
  h->host = nil_or(p, i, e);
  size_t k = skip_spaces(p, n, e);
  if (k >= n) {
    h->body = n;
    return;
  }
  if (p[k] == ':' && (k + 1 == n || p[k + 1] == ' ')) { /* "host : %ASA-..." */
    h->body = skip_spaces(p, n, k + 1);
    return;
  }
  if (tag_at(p, n, k, &te, &after)) {
    h->app = ash_str_make(p + k, te - k);
    h->body = after < n ? after + 1 : n;
    return;
  }
  h->body = k;
}

/* ISO 8601 token [a, e): 1 on success with *ts and *zoned set. */
static int iso_token(const char *p, size_t a, size_t e, int64_t *ts, int *zoned) {
  if (ash_time_parse_iso(ash_str_make(p + a, e - a), ts)) return 0;
  *zoned = 0;
  if (p[e - 1] == 'Z' || p[e - 1] == 'z') *zoned = 1;
  for (size_t k = a + 11; k < e && !*zoned; k++)
    if (p[k] == '+' || p[k] == '-') *zoned = 1;
  return 1;
}

static int looks_iso(const char *p, size_t n, size_t i) {
  int v;
  return ASH_FITS(i, 16, n) && fixed_digits(p, n, i, 4, &v) && p[i + 4] == '-' && p[i + 7] == '-' &&
         p[i + 10] == 'T';
}

/* RFC 5424 after "<PRI>1 ": i is the start of TIMESTAMP. */
static int parse_5424(const char *p, size_t n, size_t i, ash_syslog_hdr *h) {
  size_t e = tok_end(p, n, i);
  if (e - i == 1 && p[i] == '-') {
    h->ts = ASH_TIME_UNSET;
  } else if (!iso_token(p, i, e, &h->ts, &h->ts_has_zone)) {
    return 0;
  }
  ash_str *fields[4] = {&h->host, &h->app, &h->procid, &h->msgid};
  for (int f = 0; f < 4; f++) {
    if (e >= n) {
      h->body = n;
      return 1;
    }
    i = e + 1;
    e = tok_end(p, n, i);
    *fields[f] = nil_or(p, i, e);
  }
  if (e >= n) {
    h->body = n;
    return 1;
  }
  i = e + 1;
  if (i < n && p[i] == '-') {
    i++;
  } else {
    size_t sd0 = i;
    while (i < n && p[i] == '[') {
      i++;
      while (i < n && p[i] != ']') {
        if (p[i] == '"') {
          i++;
          while (i < n && p[i] != '"') i += (p[i] == '\\' && i + 1 < n) ? 2 : 1;
        }
        if (i < n) i++;
      }
      if (i < n) i++; /* past ']' */
    }
    h->sd = ash_str_make(p + sd0, i - sd0);
  }
  if (i < n && p[i] == ' ') i++;
  if (ASH_FITS(i, 3, n) && (unsigned char)p[i] == 0xEF && (unsigned char)p[i + 1] == 0xBB &&
      (unsigned char)p[i + 2] == 0xBF)
    i += 3;
  h->body = i;
  return 1;
}

/* UTC year of t, 0 on failure. gmtime_r is kept off the per-line path:
 * the year is cached per thread for the UTC day it was computed in. */
static int year_of(time_t t) {
  static _Thread_local time_t day0 = 1, day1 = 0;
  static _Thread_local int year;
  if (t < day0 || t >= day1) {
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return 0;
    year = tm.tm_year + 1900;
    day0 = t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
    day1 = day0 + 86400;
  }
  return year;
}

/* RFC 3164 "Mmm dd hh:mm:ss" (or "Mmm dd yyyy hh:mm:ss") at i. On success
 * *end is the index after the time. */
static int parse_3164_time(const char *p, size_t n, size_t i, int year_hint, int64_t *ts,
                           size_t *end) {
  int mo = month_at(p, n, i);
  if (!mo || !ASH_FITS(i + 3, 1, n) || p[i + 3] != ' ') return 0;
  size_t k = i + 4;
  if (k < n && p[k] == ' ') k++;
  int d = 0, nd = 0;
  while (k < n && is_digit(p[k]) && nd < 2) {
    d = d * 10 + (p[k] - '0');
    k++;
    nd++;
  }
  if (!nd || k >= n || p[k] != ' ') return 0;
  k++;
  int year = 0, hh, mm, ss, us = 0;
  if (fixed_digits(p, n, k, 4, &year) && ASH_FITS(k + 4, 1, n) && p[k + 4] == ' ')
    k += 5;
  else
    year = 0;
  if (!fixed_digits(p, n, k, 2, &hh) || !ASH_FITS(k + 2, 1, n) || p[k + 2] != ':' ||
      !fixed_digits(p, n, k + 3, 2, &mm) || !ASH_FITS(k + 5, 1, n) || p[k + 5] != ':' ||
      !fixed_digits(p, n, k + 6, 2, &ss))
    return 0;
  k += 8;
  if (k < n && p[k] == '.') {
    size_t f = k + 1;
    int fd = 0;
    while (f < n && is_digit(p[f])) {
      if (fd < 6) us = us * 10 + (p[f] - '0');
      fd++;
      f++;
    }
    if (fd) {
      for (; fd < 6; fd++) us *= 10;
      k = f;
    }
  }
  if (k < n && p[k] != ' ' && p[k] != ':') return 0;
  if (year) {
    if (ash_time_from_fields(year, mo, d, hh, mm, ss, us, ts)) return 0;
  } else if (year_hint > 0) {
    if (ash_time_from_fields(year_hint, mo, d, hh, mm, ss, us, ts)) return 0;
  } else {
    time_t now = time(NULL);
    int y = year_of(now);
    if (!y) return 0;
    int64_t now_us = (int64_t)now * ASH_US_PER_SEC;
    int ok = !ash_time_from_fields(y, mo, d, hh, mm, ss, us, ts);
    if (!ok || *ts > now_us + 31LL * 86400 * ASH_US_PER_SEC) {
      /* ahead of now (or Feb 29 of a common year): the previous year */
      if (ash_time_from_fields(y - 1, mo, d, hh, mm, ss, us, ts)) return 0;
    }
  }
  *end = k;
  return 1;
}

int ash_syslog_parse(const char *p, size_t n, int year_hint, ash_syslog_hdr *h) {
  memset(h, 0, sizeof *h);
  h->pri = -1;
  h->ts = ASH_TIME_UNSET;
  size_t i = 0;
  if (n && p[0] == '<') {
    int v = 0, nd = 0;
    i = 1;
    while (i < n && is_digit(p[i]) && nd < 3) {
      v = v * 10 + (p[i] - '0');
      i++;
      nd++;
    }
    if (!nd || i >= n || p[i] != '>' || v > 191) {
      h->pri = -1;
      return 0;
    }
    h->pri = v;
    i++;
    if (ASH_FITS(i, 2, n) && p[i] == '1' && p[i + 1] == ' ') {
      ash_syslog_hdr save = *h;
      if (parse_5424(p, n, i + 2, h)) return 1;
      *h = save;
    }
  }
  if (looks_iso(p, n, i)) {
    size_t e = tok_end(p, n, i);
    if (iso_token(p, i, e, &h->ts, &h->ts_has_zone)) {
      host_and_app(p, n, e, h);
      return 1;
    }
  }
  size_t end;
  if (parse_3164_time(p, n, i, year_hint, &h->ts, &end)) {
    h->ts_has_zone = 0;
    host_and_app(p, n, end, h);
    return 1;
  }
  h->ts = ASH_TIME_UNSET;
  if (h->pri >= 0) { /* "<189>date=...": a PRI and the body */
    h->body = i;
    return 1;
  }
  h->body = 0;
  return 0;
}
