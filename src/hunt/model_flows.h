/* Internal to the hunts: the shared model of per-pair flow statistics
 * (model_flows.c). One streaming pass over the flows (in time order,
 * through the (kind, ts) index) aggregates per (internal host, external
 * address, port) in a capped table; pairs that held long sessions keep
 * decimated start times and their long sessions. Per external address:
 * how many internal hosts reach it; per internal host: how much it talks
 * out (and the (address, host) pairs behind that count, at most
 * ASH_MAX_HUNT_PAIRS of 32 bytes). Memory: ASH_MAX_HUNT_PAIRS pairs, plus, for pairs with long
 * sessions only, ASH_MAX_HUNT_STARTS starts and ASH_MAX_HUNT_LONG
 * sessions. Where the store can (ClickHouse, ash_store_flow_pairs), it
 * counts per host and address itself and hands over only the rows of
 * the pairs a hunt can score, pair after pair, and the pairs of short
 * sessions summed (ash_flow_series, pushed_series): the same model from a
 * fraction of the rows. Not public API. */
#ifndef ASH_HUNT_MODEL_FLOWS_H
#define ASH_HUNT_MODEL_FLOWS_H

#include "hunt_internal.h"

/* A session this long makes a pair worth remembering in detail. */
#define LONG_SESSION (10 * ASH_MIN)
/* A pair is a candidate with one session this long, or this much time
 * connected in all. */
#define CAND_LONGEST (30 * ASH_MIN)
#define CAND_CONNECTED (2 * ASH_HOUR)
/* An interim record belongs to the open session that started within this
 * of its own start (start times are derived from whole-second durations). */
#define SAME_START (5 * ASH_SEC)
#define NTOP 5
/* Days a heavy pair remembers one by one (centred on its first long
 * session): 2048 days either way. */
#define DAYWORDS 64

typedef struct heavy {
  /* session starts (seconds since the pair's first) and sizes, every
   * stride-th session once more than ASH_MAX_HUNT_STARTS were seen */
  uint32_t *starts, *sizes;
  uint32_t nst, stride, skip;
  /* long sessions [start, end] */
  int64_t (*iv)[2];
  uint32_t niv, capiv;
  /* interim records: bytes per interval */
  uint32_t nd, didle, dboth;
  double dsum, dsq;
  /* the open session seen through interim records only, so far */
  int64_t pend_start, pend_end, pend_out, pend_in, pend_id;
  int64_t top_id[NTOP], top_dur[NTOP];
  /* days with a session, as bits from base_day; what falls outside */
  uint64_t dayset[DAYWORDS];
  int32_t base_day;
  int32_t days_before; /* days of the sessions before the pair turned heavy */
  int32_t days_outside;
  int64_t short_total; /* time in sessions shorter than LONG_SESSION */
  int64_t long_extra;  /* time in long sessions beyond ASH_MAX_HUNT_LONG */
} heavy;

/* Pairs of short sessions only (no long one), from their SERIES_FROM-th
 * session on: the start times and sizes the beacon hunt scores, decimated
 * as a heavy pair's are. Starts are seconds since base. */
#define SERIES_FROM 4
#define SERIES_IDS ASH_FLOW_SERIES_IDS
typedef struct series {
  int64_t base;
  uint32_t *starts, *sizes;
  uint32_t n, cap, stride, skip;
  int64_t ids[SERIES_IDS]; /* the first sessions recorded: evidence */
} series;

typedef struct pair {
  ash_ip src, dst;
  int32_t port;
  uint32_t hash; /* of (src, dst, port), for the slot index */
  uint32_t sessions, interim;
  int64_t first, last, longest, total, covered; /* covered: set by finalize */
  int32_t days, last_day;
  int64_t out, in;
  int64_t unk; /* bytes the firewall logs without a direction (Cisco ASA) */
  int64_t first_id, last_id;
  int64_t seen_ts, seen_id; /* its first record in (ts, id) order: the pairs' order */
  int no_series;            /* it wanted a series and was refused one (series_admit) */
  heavy *h;
  series *sr;
} pair;

typedef struct dstat { /* per external address: how many internal hosts */
  uint32_t nsrc;
} dstat;

/* An (external address, internal host) pair seen: what makes a host
 * count once per address however many ports and pairs it used, and
 * whatever the order of the flows (a pair forgotten at the cap and met
 * again counts once too). */
typedef struct dsrc {
  uint8_t dst[16], src[16];
} dsrc;

typedef struct sstat { /* per internal host: how much it talks out */
  uint64_t flows;
  uint32_t dsts; /* distinct (address, port) it reached */
  int64_t bytes;
} sstat;

/* The pairs: a dense array (creation order) and the core index over it. */
typedef struct ptab {
  pair *v;
  size_t n, capv;
  ash_index ix;
} ptab;

typedef struct hunt_flows {
  hunt_ctx *c;
  ptab pairs;
  ash_keymap dsts, srcs; /* ash_ip -> dstat, sstat */
  ash_keymap dsrcs;      /* dsrc -> nothing: the hosts counted in dstat.nsrc */
  int64_t heavy_bytes;
  uint64_t dropped_pairs, flows, used;
  uint32_t nseries, max_series; /* pairs with a series (sheap's entries), and the cap */
  uint32_t *sheap;              /* their indices in pairs.v, a max-heap by rank (model_flows.c) */
  uint64_t series_refused;      /* pairs that wanted a series and have none (series_admit) */
  uint64_t uncounted;        /* hosts, addresses and (address, host) pairs past their maps' caps */
  int64_t first_ts, last_ts; /* of the flows */
  int full;
  /* the store selected the candidate pairs' flows and counted srcs and
   * dsts itself (ash_store_flow_pairs): the rows only build pairs */
  int pushed;
} hunt_flows;

/* Build the model of the case's flows into T; free it with
 * hunt_flows_free (also after a failure). */
int hunt_flows_build(hunt_ctx *c, hunt_flows *T);
void hunt_flows_free(hunt_flows *T);
/* The run's model (c->flows), built on the first call; hunt.c frees it at
 * the end of the run (hunt_flows_release). Hunts may finalize its pairs
 * (idempotent) but change nothing else. */
int hunt_flows_shared(hunt_ctx *c, hunt_flows **out);
void hunt_flows_release(hunt_ctx *c);
void hunt_heavy_free(heavy *h);
/* Time connected and days active of p, exact for its long sessions. */
void hunt_pair_finalize(pair *p);

#endif
