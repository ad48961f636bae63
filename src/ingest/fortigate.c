/* FortiGate (FortiOS 6.x/7.x) key=value logs, as written to disk, exported
 * from FortiAnalyzer or received by a syslog server (any header that
 * syslog.h recognises is skipped).
 *
 * One event per line:
 *   type=traffic                 -> net.flow, or net.deny for deny actions.
 *                                   Interim records of long sessions (logid
 *                                   0000000020) are net.flow too: their
 *                                   bytes and duration are the session's
 *                                   totals so far; sentdelta/rcvddelta stay
 *                                   in attrs. Whoever sums bytes per session
 *                                   keeps the last record of a sessionid.
 *   type=event subtype=vpn       -> action tunnel-up: vpn.login; tunnel-down:
 *                                   vpn.logout (with duration and bytes, so
 *                                   the session ran from ts - duration to
 *                                   ts); tunnel-stats: vpn.session (a
 *                                   session seen in progress); ssl-login-fail
 *                                   and negotiate/xauth failures: vpn.fail;
 *                                   anything else: log.
 *   type=event subtype=system    -> admin.login / admin.fail for
 *                                   "Admin login successful"/"failed".
 *   type=event subtype=user      -> auth.login / auth.fail.
 *   anything else                -> log.
 * Field mapping: devname -> host (else the syslog host), srcip/dstip,
 * srcport/dstport, proto (numbers named: 6 -> tcp), action, service, app,
 * duration, sentbyte -> bytes_out, rcvdbyte -> bytes_in (as the device
 * counts them), sentpkt/rcvdpkt, user ("DOM\u" and "u@dom" are split into
 * user and domain; "N/A" is not a user), xauthuser when user is absent,
 * remip -> src_ip and locip -> dst_ip (with remport/locport) when
 * srcip/dstip are absent, tunnelip (else assignip) -> tunnel_ip.
 * A key is left out of attrs only when its value went into an event field;
 * every other key=value (including date, time, tz, eventtime, logid, type,
 * subtype, and values that did not parse) is kept in attrs in line order.
 * Tokens without '=' are kept as "ash_unparsed" attributes. When more than
 * ASH_MAX_ATTRS remain, or their JSON would pass ASH_MAX_ATTRS_JSON (a 1 MiB
 * msg=), attributes are dropped and the last slot says how many
 * ("ash_dropped_attrs").
 *
 * Time: eventtime (epoch s, ms, us or ns, told apart by magnitude) wins;
 * else date= time= with tz= when present; else date= time= as local time
 * of --tz; else the syslog header's time. None of them: rejected.
 *
 * Control characters (other than tab, a separator) are part of the key or
 * value they stand in, never a reason to reject: "user=ev<ESC>il" is a VPN
 * login by that user, kept byte for byte, and the line splitter flags the
 * event (ash_suspicious_bytes). A binary line has no key=value or no
 * timestamp and is rejected for that.
 *
 * Rejected, with a static reason: an unterminated quoted value, no
 * key=value at all, no usable timestamp. (Lines over 1 MiB and invalid
 * UTF-8 are rejected by the line splitter before they get here.)
 *
 * Speed: one pass over the line and no allocation per line (the token
 * arrays live in the state; a scratch buffer for unescaped values grows to
 * the longest such line once). With SSE2 the tokens come from bit masks of
 * 64 bytes at a time (tokenize_fast); lines with backslashes or odd quoting
 * go through the byte-at-a-time reference (tokenize_scalar), which the
 * unit test and the fuzz target hold the fast one to. */
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/event.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "syslog.h"

/* Known keys. Those before F_FIRST_MAP are only read (they always stay in
 * attrs); the others go into event fields and leave attrs when they do. */
enum {
  F_NONE = 0,
  F_DATE,
  F_TIME,
  F_TZ,
  F_EVENTTIME,
  F_TYPE,
  F_SUBTYPE,
  F_LOGID,
  F_STATUS,
  F_LOGDESC,
  F_DEVNAME,
  F_FIRST_MAP = F_DEVNAME,
  F_ACTION,
  F_SRCIP,
  F_DSTIP,
  F_SRCPORT,
  F_DSTPORT,
  F_PROTO,
  F_SERVICE,
  F_APP,
  F_DURATION,
  F_SENTBYTE,
  F_RCVDBYTE,
  F_SENTPKT,
  F_RCVDPKT,
  F_USER,
  F_XAUTHUSER,
  F_REMIP,
  F_LOCIP,
  F_REMPORT,
  F_LOCPORT,
  F_TUNNELIP,
  F_ASSIGNIP,
  F_COUNT
};

/* consumed is a bit set of field ids; side entries are a bit set too */
_Static_assert(F_COUNT <= 64, "field ids must fit a 64-bit mask");

/* A mapped key held aside, with the number of attrs that preceded it so
 * that it can be put back in line order when it does not map. */
typedef struct aside {
  ash_kv kv;
  size_t pos;
  int f;
} aside;

typedef struct fgt_state {
  ash_kv kv[ASH_MAX_FIELDS]; /* every token but the mapped keys, in order */
  aside side[F_COUNT];       /* first occurrence of each mapped key */
  ash_kv merged[ASH_MAX_FIELDS];
  int16_t slot[F_COUNT];         /* index in kv (read keys) or side (mapped keys); -1: absent */
  uint64_t consumed;             /* bit f: mapped key f went into an event field */
  uint64_t present;              /* bit f: mapped key f is in side */
  size_t nkv, nside, real, over; /* kv, side, key=value tokens, tokens beyond the cap */
  char *scratch;                 /* unescaped quoted values of the current line */
  size_t scratch_cap, scratch_n;
  char dropped[24];
} fgt_state;

/* ---- scanning helpers ---- */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load64(const char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}
/* High bit set in each byte of x that is < b (exact for the lowest such
 * byte; b <= 128). */
static inline uint64_t bytes_below(uint64_t x, unsigned b) { return (x - ONES * b) & ~x & HIGHS; }
static inline uint64_t bytes_eq(uint64_t x, unsigned b) { return bytes_below(x ^ (ONES * b), 1); }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ASH_SWAR 1
#else
#define ASH_SWAR 0
#endif

/* Index of the first byte at or after i that is <= ' ' (a separator or a
 * control character), or n. */
static inline size_t scan_low(const char *p, size_t n, size_t i) {
#if ASH_SWAR
  while (ASH_FITS(i, 8, n)) {
    uint64_t m = bytes_below(load64(p + i), 0x21);
    if (m) return i + ((size_t)__builtin_ctzll(m) >> 3);
    i += 8;
  }
#endif
  while (i < n && (unsigned char)p[i] > ' ') i++;
  return i;
}

/* Index of the first space or tab at or after i, or n: the end of an
 * unquoted value or token (control characters belong to it). */
static inline size_t scan_unquoted(const char *p, size_t n, size_t i) {
  for (;;) {
    i = scan_low(p, n, i);
    if (i >= n || p[i] == ' ' || p[i] == '\t') return i;
    i++;
  }
}

/* Index of the first '"', '\\' or control character at or after i, or n. */
static inline size_t scan_quoted(const char *p, size_t n, size_t i) {
#if ASH_SWAR
  while (ASH_FITS(i, 8, n)) {
    uint64_t x = load64(p + i);
    uint64_t m = bytes_eq(x, '"') | bytes_eq(x, '\\') | bytes_below(x, 0x20);
    if (m) return i + ((size_t)__builtin_ctzll(m) >> 3);
    i += 8;
  }
#endif
  while (i < n) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\\' || c < 0x20) break;
    i++;
  }
  return i;
}

/* Index of the first '=', '"', separator or control character at or after
 * i, or n. */
static inline size_t scan_key_low(const char *p, size_t n, size_t i) {
#if ASH_SWAR
  while (ASH_FITS(i, 8, n)) {
    uint64_t x = load64(p + i);
    uint64_t m = bytes_eq(x, '=') | bytes_eq(x, '"') | bytes_below(x, 0x21);
    if (m) return i + ((size_t)__builtin_ctzll(m) >> 3);
    i += 8;
  }
#endif
  while (i < n) {
    unsigned char c = (unsigned char)p[i];
    if (c == '=' || c == '"' || c <= ' ') break;
    i++;
  }
  return i;
}

/* Index of the first '=', '"', space or tab at or after i, or n: the end
 * of a key. Keys are taken as written (FortiOS uses [a-z0-9_]; control
 * characters are kept in the key); a token that does not end in '=' is not
 * a key. */
static inline size_t scan_key(const char *p, size_t n, size_t i) {
  for (;;) {
    i = scan_key_low(p, n, i);
    if (i >= n || p[i] == '=' || p[i] == '"' || p[i] == ' ' || p[i] == '\t') return i;
    i++;
  }
}

static inline uint32_t ld32(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
/* k (n bytes, 4 <= n <= 8) equals the literal: its first and last four
 * bytes, compared as words (the literal's words fold to constants). */
#define KEYIS(lit) (sizeof(lit) - 1 == n && a == ld32(lit) && b == ld32((lit) + sizeof(lit) - 5))

static int field_id(const char *k, size_t n) {
  if (n < 4) {
    if (n == 2 && k[0] == 't' && k[1] == 'z') return F_TZ;
    if (n == 3 && k[0] == 'a' && k[1] == 'p' && k[2] == 'p') return F_APP;
    return F_NONE;
  }
  if (n > 9) return F_NONE;
  if (n == 9) {
    if (k[8] == 'e' && !memcmp(k, "eventtime", 8)) return F_EVENTTIME;
    if (k[8] == 'r' && !memcmp(k, "xauthuser", 8)) return F_XAUTHUSER;
    return F_NONE;
  }
  uint32_t a = ld32(k), b = ld32(k + n - 4);
  switch (n) {
  case 4:
    if (KEYIS("date")) return F_DATE;
    if (KEYIS("time")) return F_TIME;
    if (KEYIS("type")) return F_TYPE;
    if (KEYIS("user")) return F_USER;
    return F_NONE;
  case 5:
    if (KEYIS("srcip")) return F_SRCIP;
    if (KEYIS("dstip")) return F_DSTIP;
    if (KEYIS("logid")) return F_LOGID;
    if (KEYIS("proto")) return F_PROTO;
    if (KEYIS("remip")) return F_REMIP;
    if (KEYIS("locip")) return F_LOCIP;
    return F_NONE;
  case 6:
    if (KEYIS("action")) return F_ACTION;
    if (KEYIS("status")) return F_STATUS;
    return F_NONE;
  case 7:
    if (KEYIS("srcport")) return F_SRCPORT;
    if (KEYIS("dstport")) return F_DSTPORT;
    if (KEYIS("devname")) return F_DEVNAME;
    if (KEYIS("subtype")) return F_SUBTYPE;
    if (KEYIS("service")) return F_SERVICE;
    if (KEYIS("sentpkt")) return F_SENTPKT;
    if (KEYIS("rcvdpkt")) return F_RCVDPKT;
    if (KEYIS("logdesc")) return F_LOGDESC;
    if (KEYIS("remport")) return F_REMPORT;
    if (KEYIS("locport")) return F_LOCPORT;
    return F_NONE;
  default: /* 8 */
    if (KEYIS("duration")) return F_DURATION;
    if (KEYIS("sentbyte")) return F_SENTBYTE;
    if (KEYIS("rcvdbyte")) return F_RCVDBYTE;
    if (KEYIS("tunnelip")) return F_TUNNELIP;
    if (KEYIS("assignip")) return F_ASSIGNIP;
    return F_NONE;
  }
}

/* Decimal digits only, at most 19 of them, at most INT64_MAX. */
static int parse_u63(ash_str s, int64_t *out) {
  if (s.n == 0 || s.n > 19) return 0;
  uint64_t v = 0; /* 19 digits fit in uint64 */
  for (size_t i = 0; i < s.n; i++) {
    unsigned d = (unsigned char)s.p[i] - '0';
    if (d > 9) return 0;
    v = v * 10 + d;
  }
  if (v > (uint64_t)INT64_MAX) return 0;
  *out = (int64_t)v;
  return 1;
}

static int two(const char *p, int *out) {
  unsigned a = (unsigned char)p[0] - '0', b = (unsigned char)p[1] - '0';
  if (a > 9 || b > 9) return 0;
  *out = (int)(a * 10 + b);
  return 1;
}

/* date "YYYY-MM-DD" (or '/') and time "HH:MM:SS" as local microseconds. */
static int parse_date_time(ash_str d, ash_str t, int64_t *out) {
  int c, y, mo, da, h, mi, s;
  if (d.n != 10 || t.n != 8) return 0;
  if (!two(d.p, &c) || !two(d.p + 2, &y) || (d.p[4] != '-' && d.p[4] != '/') || d.p[7] != d.p[4] ||
      !two(d.p + 5, &mo) || !two(d.p + 8, &da))
    return 0;
  if (t.p[2] != ':' || t.p[5] != ':' || !two(t.p, &h) || !two(t.p + 3, &mi) || !two(t.p + 6, &s))
    return 0;
  return ash_time_from_fields(c * 100 + y, mo, da, h, mi, s, 0, out) == 0;
}

/* eventtime: seconds, milliseconds, microseconds or nanoseconds since the
 * epoch, told apart by magnitude (seconds stay below 1e11 until the year
 * 5138). */
static int parse_eventtime(ash_str s, int64_t *out) {
  int64_t v;
  if (!parse_u63(s, &v) || v == 0) return 0;
  if (v < 100000000000LL)
    v *= ASH_US_PER_SEC;
  else if (v < 100000000000000LL)
    v *= 1000;
  else if (v >= 100000000000000000LL)
    v /= 1000;
  *out = v;
  return 1;
}

static ash_str trim(ash_str s) {
  while (s.n && s.p[0] == ' ') {
    s.p++;
    s.n--;
  }
  while (s.n && s.p[s.n - 1] == ' ') s.n--;
  return s;
}

static int is_na(ash_str s) { return s.n == 3 && s.p[0] == 'N' && s.p[1] == '/' && s.p[2] == 'A'; }

/* ---- state ---- */

static int fgt_open(void **state, const ash_parse_opts *opts) {
  (void)opts;
  fgt_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  *state = s;
  return ASH_OK;
}

static void fgt_close(void *state) {
  fgt_state *s = state;
  if (!s) return;
  free(s->scratch);
  free(s);
}

/* Copy a quoted value that contained backslashes into the scratch buffer,
 * turning \" into " and \\ into \ (any other backslash is kept). */
static int unescape(fgt_state *s, const char *p, size_t n, size_t line_n, ash_str *out) {
  if (!s->scratch || s->scratch_cap < line_n) {
    char *b = realloc(s->scratch, line_n);
    if (!b) return ASH_ENOMEM;
    s->scratch = b;
    s->scratch_cap = line_n;
  }
  char *d = s->scratch + s->scratch_n, *d0 = d;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\')) i++;
    *d++ = p[i];
  }
  *out = ash_str_make(d0, (size_t)(d - d0));
  s->scratch_n += (size_t)(d - d0);
  return ASH_OK;
}

static const char *const R_LONG = "line longer than 1 MiB";
static const char *const R_NOKV = "no key=value pairs";
static const char *const R_QUOTE = "unterminated quoted value";
static const char *const R_NOMEM = "out of memory while unescaping a value";
static const char *const R_NOTS = "no usable timestamp (eventtime, date/time or syslog header)";

/* Append one token; tokens beyond ASH_MAX_FIELDS are only counted. */
static inline void add_kv(fgt_state *s, ash_str key, ash_str v, int f) {
  if (s->nkv + s->nside == ASH_MAX_FIELDS) {
    s->over++;
    return;
  }
  if (f && s->slot[f] < 0) {
    if (f >= F_FIRST_MAP) {
      s->side[s->nside].kv.k = key;
      s->side[s->nside].kv.v = v;
      s->side[s->nside].pos = s->nkv;
      s->side[s->nside].f = f;
      s->present |= 1ULL << f;
      s->slot[f] = (int16_t)s->nside++;
      return;
    }
    s->slot[f] = (int16_t)s->nkv;
  }
  s->kv[s->nkv].k = key;
  s->kv[s->nkv].v = v;
  s->nkv++;
}

static inline void add_pair(fgt_state *s, const char *p, size_t k0, size_t k1, size_t v0,
                            size_t v1) {
  s->real++;
  add_kv(s, ash_str_make(p + k0, k1 - k0), ash_str_make(p + v0, v1 - v0),
         field_id(p + k0, k1 - k0));
}

static inline void add_junk(fgt_state *s, const char *p, size_t t0, size_t t1) {
  add_kv(s, ASH_STR_LIT("ash_unparsed"), ash_str_make(p + t0, t1 - t0), F_NONE);
}

/* Split [i, n) into tokens: key=value, key="quoted value" (\" and \\
 * escapes), and anything else as an ash_unparsed token. Spaces and tabs
 * separate tokens; other control characters are part of the token.
 * Returns NULL on success or a rejection reason. This is the reference
 * tokenizer; tokenize_fast below gives the same result on the lines it
 * accepts and hands everything unusual back to this one. */
static const char *tokenize_scalar(fgt_state *s, const char *p, size_t n, size_t i) {
  for (;;) {
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    if (i >= n) break;
    size_t k0 = i;
    i = scan_key(p, n, i);
    if (i < n && p[i] == '=' && i > k0) {
      size_t k1 = i++;
      if (i < n && p[i] == '"') {
        size_t v0 = ++i;
        int esc = 0;
        for (;;) {
          i = scan_quoted(p, n, i);
          if (i >= n) return R_QUOTE;
          char c = p[i];
          if (c == '"') break;
          if (c == '\\') {
            esc = 1;
            i += (i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\')) ? 2 : 1;
          } else {
            i++; /* a control character, kept in the value */
          }
        }
        size_t v1 = i++; /* past the closing quote */
        if (!esc) {
          add_pair(s, p, k0, k1, v0, v1);
        } else {
          ash_str v;
          if (unescape(s, p + v0, v1 - v0, n, &v)) return R_NOMEM;
          s->real++;
          add_kv(s, ash_str_make(p + k0, k1 - k0), v, field_id(p + k0, k1 - k0));
        }
      } else {
        size_t v0 = i;
        i = scan_unquoted(p, n, i);
        add_pair(s, p, k0, k1, v0, i);
      }
    } else {
      /* a token that is not key=value ("hello", "=x", "%ASA-6"): kept whole
       * (k0 is not a separator, so the token is not empty) */
      i = scan_unquoted(p, n, k0);
      add_junk(s, p, k0, i);
    }
  }
  return NULL;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#define ASH_FGT_FAST 1

/* Returned by tokenize_fast when the line needs tokenize_scalar. */
static const char *const FALLBACK = "fallback";

static inline uint64_t prefix_xor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

/* Masks of one 64-byte block: separators (space, tab), '=', '"', and
 * bytes tokenize_fast does not handle (backslash, control characters). */
static inline void block_masks(const char *b, uint64_t *sep, uint64_t *eq, uint64_t *q,
                               uint64_t *odd) {
  const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), e = _mm_set1_epi8('='),
                qq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
  uint64_t s0 = 0, e0 = 0, q0 = 0, o0 = 0;
  for (int k = 0; k < 4; k++) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
    __m128i t = _mm_cmpeq_epi8(x, tab);
    __m128i ctl = _mm_andnot_si128(t, _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x));
    s0 |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, sp), t)) << (16 * k);
    e0 |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, e)) << (16 * k);
    q0 |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, qq)) << (16 * k);
    o0 |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(ctl, _mm_cmpeq_epi8(x, bs)))
          << (16 * k);
  }
  *sep = s0;
  *eq = e0;
  *q = q0;
  *odd = o0;
}

enum { ST_TOK, ST_VAL, ST_QOPEN, ST_QVAL, ST_QCLOSED, ST_JUNK };

/* The same tokens as tokenize_scalar, found from bit masks of 64 bytes at
 * a time instead of byte loops: quoted regions come from a prefix XOR of
 * the quote mask, and a small state machine walks the separators, '=' and
 * quotes outside them. Lines with backslashes, control characters or
 * quotes anywhere but around a value return FALLBACK. */
static const char *tokenize_fast(fgt_state *s, const char *p, size_t n, size_t start) {
  int st = ST_TOK;
  size_t tok = start, k1 = 0, v0 = 0, qend = 0;
  uint64_t inside = 0; /* all ones while a quoted region continues */
  char tail[64];
  for (size_t base = start; base < n; base += 64) {
    size_t len = n - base;
    const char *b = p + base;
    if (len < 64) {
      memset(tail, 'x', sizeof tail);
      memcpy(tail, b, len);
      b = tail;
    }
    uint64_t sep, eq, q, odd;
    block_masks(b, &sep, &eq, &q, &odd);
    uint64_t live = len < 64 ? (1ULL << len) - 1 : ~0ULL;
    if (odd & live) return FALLBACK;
    uint64_t inq = prefix_xor(q) ^ inside;
    inside = (uint64_t)0 - (inq >> 63);
    uint64_t m = (((sep | eq) & ~inq) | q) & live;
    while (m) {
      size_t pos = base + (size_t)__builtin_ctzll(m);
      m &= m - 1;
      char c = p[pos];
      switch (st) {
      case ST_TOK:
        if (c == '=') {
          if (pos == tok) {
            st = ST_JUNK;
          } else if (pos + 1 < n && p[pos + 1] == '"') {
            k1 = pos;
            st = ST_QOPEN;
          } else {
            k1 = pos;
            v0 = pos + 1;
            st = ST_VAL;
          }
        } else if (c == '"') {
          return FALLBACK;
        } else {
          if (pos > tok) add_junk(s, p, tok, pos);
          tok = pos + 1;
        }
        break;
      case ST_VAL:
        if (c == '=') break;
        if (c == '"') return FALLBACK;
        add_pair(s, p, tok, k1, v0, pos);
        tok = pos + 1;
        st = ST_TOK;
        break;
      case ST_QOPEN: /* the quote right after '=' */
        v0 = pos + 1;
        st = ST_QVAL;
        break;
      case ST_QVAL: /* only the closing quote is visible inside */
        add_pair(s, p, tok, k1, v0, pos);
        qend = pos;
        st = ST_QCLOSED;
        break;
      case ST_QCLOSED:
        if (c == '"' || c == '=' || pos != qend + 1) return FALLBACK;
        tok = pos + 1;
        st = ST_TOK;
        break;
      default: /* ST_JUNK */
        if (c == '=') break;
        if (c == '"') return FALLBACK;
        add_junk(s, p, tok, pos);
        tok = pos + 1;
        st = ST_TOK;
        break;
      }
    }
  }
  switch (st) {
  case ST_TOK:
    if (n > tok) add_junk(s, p, tok, n);
    break;
  case ST_VAL: add_pair(s, p, tok, k1, v0, n); break;
  case ST_JUNK: add_junk(s, p, tok, n); break;
  case ST_QCLOSED:
    if (qend + 1 != n) return FALLBACK;
    break;
  default: return R_QUOTE;
  }
  return NULL;
}
#endif

static void tok_reset(fgt_state *s) {
  memset(s->slot, 0xff, sizeof s->slot);
  s->scratch_n = 0;
  s->nkv = s->nside = s->real = s->over = 0;
  s->consumed = s->present = 0;
}

static const char *tokenize(fgt_state *s, const char *p, size_t n, size_t start) {
  tok_reset(s);
#ifdef ASH_FGT_FAST
  const char *r = tokenize_fast(s, p, n, start);
  if (r != FALLBACK) return r;
  tok_reset(s);
#endif
  return tokenize_scalar(s, p, n, start);
}

/* ---- mapping ---- */

static int has(const fgt_state *s, int f) { return s->slot[f] >= 0; }
static ash_str val(const fgt_state *s, int f) {
  if (s->slot[f] < 0) return ASH_STR_NULL;
  return f >= F_FIRST_MAP ? s->side[s->slot[f]].kv.v : s->kv[s->slot[f]].v;
}
static void consume(fgt_state *s, int f) { s->consumed |= 1ULL << f; }

static void map_ip(fgt_state *s, int f, ash_ip *dst) {
  if (!has(s, f) || dst->fam) return;
  if (ash_ip_parse(val(s, f), dst) == ASH_OK) consume(s, f);
}

static void map_port(fgt_state *s, int f, int32_t *dst) {
  int64_t v;
  if (!has(s, f) || *dst >= 0) return;
  if (parse_u63(val(s, f), &v) && v <= 65535) {
    *dst = (int32_t)v;
    consume(s, f);
  }
}

static void map_i64(fgt_state *s, int f, int64_t *dst, int64_t scale) {
  int64_t v;
  if (!has(s, f)) return;
  if (parse_u63(val(s, f), &v) && v <= INT64_MAX / scale) {
    *dst = v * scale;
    consume(s, f);
  }
}

static void map_str(fgt_state *s, int f, ash_str *dst) {
  if (!has(s, f)) return;
  ash_str v = val(s, f);
  if (!v.n) return;
  *dst = v;
  consume(s, f);
}

/* "CORP\t.sato" and "t.sato@corp.example" become user + domain. */
static int map_user(fgt_state *s, int f, ash_event *ev) {
  if (!has(s, f) || ev->user.n) return 0;
  ash_str u = trim(val(s, f));
  if (!u.n || is_na(u)) return 0;
  const char *bs = memchr(u.p, '\\', u.n);
  if (bs && bs > u.p && bs + 1 < u.p + u.n) {
    ev->domain = ash_str_make(u.p, (size_t)(bs - u.p));
    ev->user = ash_str_make(bs + 1, u.n - (size_t)(bs - u.p) - 1);
  } else {
    const char *at = NULL;
    for (size_t i = u.n; i-- > 0;)
      if (u.p[i] == '@') {
        at = u.p + i;
        break;
      }
    if (at && at > u.p && at + 1 < u.p + u.n) {
      ev->user = ash_str_make(u.p, (size_t)(at - u.p));
      ev->domain = ash_str_make(at + 1, u.n - (size_t)(at - u.p) - 1);
    } else {
      ev->user = u;
    }
  }
  consume(s, f);
  return 1;
}

static void map_proto(fgt_state *s, ash_event *ev) {
  if (!has(s, F_PROTO)) return;
  ash_str v = val(s, F_PROTO);
  if (!v.n) return;
  if (ash_str_eq(v, "6"))
    ev->proto = ASH_STR_LIT("tcp");
  else if (ash_str_eq(v, "17"))
    ev->proto = ASH_STR_LIT("udp");
  else if (ash_str_eq(v, "1"))
    ev->proto = ASH_STR_LIT("icmp");
  else if (ash_str_eq(v, "58"))
    ev->proto = ASH_STR_LIT("icmp6");
  else
    ev->proto = v;
  consume(s, F_PROTO);
}

static int is_deny(ash_str a) {
  return ash_str_eq(a, "deny") || ash_str_eq(a, "block") || ash_str_eq(a, "blocked") ||
         ash_str_eq(a, "drop") || ash_str_eq(a, "reject");
}

static int is_failure(ash_str st) {
  return ash_str_eq(st, "failure") || ash_str_eq(st, "failed") || ash_str_eq(st, "fail") ||
         ash_str_eq(st, "negotiate_error") || ash_str_eq(st, "error");
}

static int contains(ash_str h, const char *lit) {
  size_t n = strlen(lit);
  return h.n >= n && memmem(h.p, h.n, lit, n) != NULL;
}

static const char *classify(const fgt_state *s) {
  ash_str type = val(s, F_TYPE), sub = val(s, F_SUBTYPE), act = val(s, F_ACTION);
  ash_str st = val(s, F_STATUS);
  if (ash_str_eq(type, "traffic")) return is_deny(act) ? ASH_KIND_FLOW_DENY : ASH_KIND_FLOW;
  if (!ash_str_eq(type, "event")) return ASH_KIND_LOG;
  if (ash_str_eq(sub, "vpn")) {
    if (ash_str_eq(act, "tunnel-up")) return ASH_KIND_VPN_LOGIN;
    if (ash_str_eq(act, "tunnel-down")) return ASH_KIND_VPN_LOGOUT;
    if (ash_str_eq(act, "tunnel-stats")) return ASH_KIND_VPN_SESSION;
    if (contains(act, "fail") || is_failure(st)) return ASH_KIND_VPN_FAIL;
    return ASH_KIND_LOG;
  }
  if (ash_str_eq(sub, "system")) {
    ash_str d = val(s, F_LOGDESC);
    if (ash_str_eq(d, "Admin login successful")) return ASH_KIND_ADMIN_LOGIN;
    if (ash_str_eq(d, "Admin login failed")) return ASH_KIND_ADMIN_FAIL;
    if (ash_str_eq(act, "login")) {
      if (ash_str_eq(st, "success")) return ASH_KIND_ADMIN_LOGIN;
      if (is_failure(st)) return ASH_KIND_ADMIN_FAIL;
    }
    return ASH_KIND_LOG;
  }
  if (ash_str_eq(sub, "user") && ash_str_eq(act, "authentication")) {
    if (ash_str_eq(st, "success")) return ASH_KIND_AUTH_LOGIN;
    if (is_failure(st)) return ASH_KIND_AUTH_FAIL;
  }
  return ASH_KIND_LOG;
}

static int64_t timestamp(const fgt_state *s, ash_parse_ctx *ctx, const ash_syslog_hdr *h) {
  int64_t t;
  if (has(s, F_EVENTTIME) && parse_eventtime(val(s, F_EVENTTIME), &t)) return ash_ctx_skew(ctx, t);
  if (has(s, F_DATE) && has(s, F_TIME) && parse_date_time(val(s, F_DATE), val(s, F_TIME), &t)) {
    int32_t off;
    if (has(s, F_TZ) && ash_tz_parse_offset(trim(val(s, F_TZ)), &off) == ASH_OK)
      return ash_ctx_skew(ctx, t - (int64_t)off * ASH_US_PER_SEC);
    return ash_ctx_local_to_utc(ctx, t);
  }
  if (h->ts != ASH_TIME_UNSET)
    return h->ts_has_zone ? ash_ctx_skew(ctx, h->ts) : ash_ctx_local_to_utc(ctx, h->ts);
  return ASH_TIME_UNSET;
}

/* Escaped length of s in JSON: exact for a valid UTF-8 string (the line
 * splitter checked it). */
static size_t json_len(ash_str s) {
  size_t m = s.n;
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.p[i];
    if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t')
      m += 1;
    else if (c < 0x20)
      m += 5;
  }
  return m;
}

/* Bytes an attribute takes in the attrs JSON ("k":"v",): at most twice its
 * size when the line holds no control character, exact otherwise. */
static size_t json_need(const ash_kv *a, int ctl) {
  if (!ctl) return 2 * (a->k.n + a->v.n) + 6;
  return json_len(a->k) + json_len(a->v) + 6;
}

/* Keep at most ASH_MAX_ATTRS attributes whose JSON fits ASH_MAX_ATTRS_JSON
 * (json_need; ctl says the line holds a control character), dropping the
 * largest overflow first in line order; when anything was dropped, the
 * last one says how many ("ash_dropped_attrs"). 512 bytes stay free for
 * the attribute ash_ctx_emit may add (ash_suspicious_bytes). Returns the
 * new count. */
static size_t cap_attrs(fgt_state *s, ash_kv *a, size_t w, size_t dropped, size_t line_n, int ctl) {
  const size_t budget = ASH_MAX_ATTRS_JSON - 512;
  size_t total = 2;
  /* keys and values come from the line, but for the 12-byte key of an
   * unparsed token (at least 2 line bytes each): short lines always fit */
  if (line_n > budget / (ctl ? 48 : 16)) {
    for (size_t i = 0; i < w; i++) total += json_need(&a[i], ctl);
  }
  if (total > budget) {
    size_t keep = 0;
    total = 2;
    for (size_t i = 0; i < w; i++) {
      size_t need = json_need(&a[i], ctl);
      if (total + need > budget) {
        dropped++;
        continue;
      }
      total += need;
      a[keep++] = a[i];
    }
    w = keep;
  }
  if (w > ASH_MAX_ATTRS) {
    dropped += w - (ASH_MAX_ATTRS - 1);
    w = ASH_MAX_ATTRS - 1;
  }
  if (!dropped) return w;
  if (w == ASH_MAX_ATTRS) {
    w--;
    dropped++;
  }
  int len = 0;
  char tmp[24];
  for (size_t d = dropped; d; d /= 10) tmp[len++] = (char)('0' + d % 10);
  for (int j = 0; j < len; j++) s->dropped[j] = tmp[len - 1 - j];
  a[w].k = ASH_STR_LIT("ash_dropped_attrs");
  a[w].v = ash_str_make(s->dropped, (size_t)len);
  return w + 1;
}

static int fgt_parse_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n,
                          uint64_t offset, const char **reason) {
  fgt_state *s = state;
  if (n > ASH_MAX_LINE) {
    *reason = R_LONG;
    return ASH_REC_REJECTED;
  }
  ash_syslog_hdr h;
  size_t start = 0;
  /* FortiOS's own lines start "date=" or "logver=": no header to look for */
  unsigned char c0 = n ? (unsigned char)line[0] : 0;
  if (c0 == '<' || (c0 >= '0' && c0 <= '9') || (c0 >= 'A' && c0 <= 'Z')) {
    if (ash_syslog_parse(line, n, 0, &h)) start = h.body;
  } else {
    h.pri = -1;
    h.ts = ASH_TIME_UNSET;
    h.host = ASH_STR_NULL;
  }

  const char *why = tokenize(s, line, n, start);
  /* out of memory is no verdict on the record: the parse stops */
  if (why == R_NOMEM) return ASH_ENOMEM;
  if (why) {
    *reason = why;
    return ASH_REC_REJECTED;
  }
  size_t over = s->over;
  if (s->real == 0) {
    *reason = R_NOKV;
    return ASH_REC_REJECTED;
  }

  ash_event ev;
  ash_event_init(&ev);
  ev.ts = timestamp(s, ctx, &h);
  if (ev.ts == ASH_TIME_UNSET) {
    *reason = R_NOTS;
    return ASH_REC_REJECTED;
  }
  ev.kind = classify(s);
  ev.ref = offset;

  if (has(s, F_DEVNAME)) {
    ash_str d = trim(val(s, F_DEVNAME));
    if (d.n) {
      ev.host = d;
      consume(s, F_DEVNAME);
    }
  }
  if (!ev.host.n) ev.host = h.host;
  map_ip(s, F_SRCIP, &ev.src_ip);
  map_ip(s, F_DSTIP, &ev.dst_ip);
  map_port(s, F_SRCPORT, &ev.src_port);
  map_port(s, F_DSTPORT, &ev.dst_port);
  map_proto(s, &ev);
  map_str(s, F_ACTION, &ev.action);
  map_str(s, F_SERVICE, &ev.service);
  map_str(s, F_APP, &ev.app);
  map_i64(s, F_DURATION, &ev.duration_us, ASH_US_PER_SEC);
  map_i64(s, F_SENTBYTE, &ev.bytes_out, 1);
  map_i64(s, F_RCVDBYTE, &ev.bytes_in, 1);
  map_i64(s, F_SENTPKT, &ev.packets_out, 1);
  map_i64(s, F_RCVDPKT, &ev.packets_in, 1);
  /* FortiGate writes a traffic log when a session closes (ts is its end),
   * and, for long sessions, interim logs (logid 0000000020) with action
   * "accept" and the totals so far: said here, once, for every reader */
  if (!strcmp(ev.kind, ASH_KIND_FLOW) || !strcmp(ev.kind, ASH_KIND_FLOW_DENY)) {
    ev.flow_flags |= ASH_FLOW_TS_END;
    if (ash_str_eq(ev.action, "accept")) ev.flow_flags |= ASH_FLOW_INTERIM;
  }
  if (!map_user(s, F_USER, &ev)) map_user(s, F_XAUTHUSER, &ev);
  /* VPN records name the remote peer remip and the gateway locip */
  if (!ev.src_ip.fam) {
    map_ip(s, F_REMIP, &ev.src_ip);
    if (ev.src_ip.fam) map_port(s, F_REMPORT, &ev.src_port);
  }
  if (!ev.dst_ip.fam) {
    map_ip(s, F_LOCIP, &ev.dst_ip);
    if (ev.dst_ip.fam) map_port(s, F_LOCPORT, &ev.dst_port);
  }
  map_ip(s, F_TUNNELIP, &ev.tunnel_ip);
  map_ip(s, F_ASSIGNIP, &ev.tunnel_ip);

  /* what did not become an event field stays, in line order */
  ash_kv *attrs = s->kv;
  size_t w = s->nkv;
  if (s->present & ~s->consumed) {
    size_t from = 0;
    w = 0;
    for (size_t k = 0; k < s->nside; k++) {
      if (s->consumed >> s->side[k].f & 1) continue;
      size_t pos = s->side[k].pos;
      memcpy(s->merged + w, s->kv + from, (pos - from) * sizeof *s->kv);
      w += pos - from;
      from = pos;
      s->merged[w++] = s->side[k].kv;
    }
    memcpy(s->merged + w, s->kv + from, (s->nkv - from) * sizeof *s->kv);
    w += s->nkv - from;
    attrs = s->merged;
  }
  w = cap_attrs(s, attrs, w, over, n, ash_ctx_line_ctl(ctx));
  ev.attrs = attrs;
  ev.nattrs = w;
  int rc = ash_ctx_emit(ctx, &ev);
  if (rc == ASH_REC_REJECTED || rc == ASH_REC_SKIP)
    return -1; /* ASH_ENOMEM / ASH_EIO would read as a verdict: stop instead */
  return rc ? rc : ASH_REC_PARSED;
}

/* ---- sniffing ---- */

/* key= at the start of body or after a space */
static int has_key(const char *p, size_t n, const char *key) {
  size_t kn = strlen(key);
  const char *q = p, *end = p + n;
  while (q < end) {
    const char *m = memmem(q, (size_t)(end - q), key, kn);
    if (!m) return 0;
    if (m == p || m[-1] == ' ') return 1;
    q = m + 1;
  }
  return 0;
}

static int fgt_sniff(const uint8_t *head, size_t n) {
  const char *p = (const char *)head;
  size_t i = 0;
  int lines = 0, strong = 0, weak = 0;
  while (i < n && lines < 32) {
    const char *nl = memchr(p + i, '\n', n - i);
    if (!nl && lines > 0) break; /* the head may end mid-line */
    size_t e = nl ? (size_t)(nl - p) : n;
    size_t len = e - i;
    if (len && p[e - 1] == '\r') len--;
    if (len) {
      const char *l = p + i;
      ash_syslog_hdr h;
      size_t b = ash_syslog_parse(l, len, 2000, &h) ? h.body : 0;
      const char *body = l + b;
      size_t bn = len - b;
      lines++;
      int dt = has_key(body, bn, "date=") && has_key(body, bn, "time=");
      int when = dt || has_key(body, bn, "eventtime=");
      int logid = has_key(body, bn, "logid=");
      int type = has_key(body, bn, "type=");
      int dev = has_key(body, bn, "devname=") || has_key(body, bn, "devid=");
      if (when && logid && type && (dev || has_key(body, bn, "subtype="))) {
        strong++;
      } else if (dt && (logid || type || dev)) {
        weak++;
      }
    }
    i = e + 1;
  }
  if (!lines) return 0;
  if (strong * 2 >= lines) return 95;
  if (strong) return 75;
  if (weak * 2 >= lines) return 40;
  return weak ? 20 : 0;
}

const ash_format ash_format_fortigate = {
    .name = "fortigate",
    .description = "FortiGate FortiOS 6.x/7.x key=value logs (traffic, VPN, admin), with or "
                   "without a syslog header",
    .ref_is_record = 0,
    .sniff = fgt_sniff,
    .open = fgt_open,
    .parse_line = fgt_parse_line,
    .finish = NULL,
    .close = fgt_close,
    .parse_buffer = NULL,
};
