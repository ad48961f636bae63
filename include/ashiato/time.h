/* ashiato: time. Every timestamp is int64 microseconds since the Unix epoch,
 * UTC. Local times from logs are converted with an ash_tz. */
#ifndef ASHIATO_TIME_H
#define ASHIATO_TIME_H

#include <stdint.h>

#include "bytes.h"

#define ASH_TIME_UNSET INT64_MIN
#define ASH_US_PER_SEC 1000000LL
/* Spans in microseconds, for the windows and caps of the hunts. */
#define ASH_SEC ((int64_t)ASH_US_PER_SEC)
#define ASH_MIN (60 * ASH_SEC)
#define ASH_HOUR (3600 * ASH_SEC)
#define ASH_DAY (86400 * ASH_SEC)

/* Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
int64_t ash_days_from_civil(int64_t y, unsigned m, unsigned d);
/* UTC microseconds from broken-down fields; returns ASH_EFORMAT when a field
 * is out of range (month 1-12, day valid for the month, hour 0-23, minute
 * 0-59, second 0-60, usec 0-999999). */
int ash_time_from_fields(int y, int mo, int d, int h, int mi, int s, int us, int64_t *out);
/* Write "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 chars + NUL) into out[32]. */
void ash_time_format(int64_t t, char out[32]);
/* Parse an ISO 8601 time: "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.f+]]"
 * followed by nothing (taken as UTC), "Z", or "+HH:MM"/"+HHMM"/"+HH". */
int ash_time_parse_iso(ash_str s, int64_t *out);
/* Parse a duration like "90", "90s", "+90s", "-2m", "1h30m", "2d". */
int ash_duration_parse(ash_str s, int64_t *out_us);
/* The pieces of the duration parsers (this one and the vendors' forms in
 * the ingest): the decimal number at s.p[*i] (at least one digit, at most
 * about 1e10), advancing *i; and the seconds of a unit letter d/h/m/s, 0 for
 * any other character. */
int ash_duration_number(ash_str s, size_t *i, int64_t *v);
int64_t ash_duration_unit(char c);

/* A time zone: "UTC", a fixed offset ("+09:00", "-0500") or an IANA name
 * ("Asia/Tokyo", resolved through the system zoneinfo with DST rules). */
typedef struct ash_tz ash_tz;

/* Open a zone by name. On success *out is set; caller frees with
 * ash_tz_close. Fails with ASH_ENOTFOUND for an unknown zone. */
int ash_tz_open(ash_tz **out, const char *name);
void ash_tz_close(ash_tz *tz);
/* Convert a local wall-clock time (microseconds as if it were UTC) to UTC.
 * Thread-safe. In a DST gap or overlap the earlier offset is used. */
int64_t ash_tz_to_utc(ash_tz *tz, int64_t local_us);
/* Parse a zone offset such as "+0900", "+09:00", "-05", "Z" into seconds. */
int ash_tz_parse_offset(ash_str s, int32_t *out_sec);
/* Name the zone was opened with. */
const char *ash_tz_name(const ash_tz *tz);
/* Offset east of UTC, in seconds, in force in tz at UTC time utc_us (0 for
 * a NULL tz). Thread-safe. */
int32_t ash_tz_offset_at(ash_tz *tz, int64_t utc_us);
/* t as local time in tz, ISO 8601 with microseconds and the offset always
 * written ("2025-03-02T19:22:01.123456+09:00"); "...Z" for UTC or NULL. */
void ash_time_format_tz(int64_t t, ash_tz *tz, char out[40]);

#endif
