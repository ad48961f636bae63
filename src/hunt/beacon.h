/* Internal to the hunts: the beacon subscores of beacon.c, apart so that
 * the unit tests can check the arithmetic on known series. Each returns a
 * value in [0, 1], 1 being perfectly regular. Not public API. */
#ifndef ASH_HUNT_BEACON_H
#define ASH_HUNT_BEACON_H

#include <stddef.h>
#include <stdint.h>

/* 1 - |Bowley skewness| of a sorted series (quartiles as the medians of
 * the halves). Taken as 1 (symmetric) when the quartiles are under 10
 * units apart or the median sits on a quartile: a series that tight is
 * regular whatever its shape. 0 under 3 values. */
double beacon_skew_score(const double *sorted, size_t n);
/* (median - MAD) / median of a sorted series, clamped to [0, 1]; *median
 * receives the median. 0 under 3 values or when the median is under 1. */
double beacon_mad_score(const double *sorted, size_t n, double *median);
/* Regularity of the connection counts per bin across [first, last]
 * (starts and bounds in seconds): 1 - the coefficient of variation of the
 * counts, clamped, with bins of max(1 hour, 2 x interval) seconds so that
 * a steady beacon puts two or more connections in every bin. */
double beacon_hist_score(const uint32_t *starts, size_t n, int64_t base, int64_t first,
                         int64_t last, double interval);
/* How much of the case the series spans: the larger of its span over the
 * case's, and the hours of the day it was seen in over 12 (seen in half of
 * the day's hours is as steady as it gets for a workstation that sleeps). */
double beacon_dur_score(int64_t first, int64_t last, int64_t case_first, int64_t case_last,
                        uint32_t hours_of_day);

#endif
