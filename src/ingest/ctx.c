#include "ctx.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"

void ash_ctx_init(ash_parse_ctx *ctx, const ash_parse_opts *opts,
                  int (*on_event)(void *, const ash_event *),
                  int (*on_reject)(void *, uint64_t, const char *, const void *, size_t), void *u) {
  memset(ctx, 0, sizeof *ctx);
  ctx->opts = opts;
  ctx->on_event = on_event;
  ctx->on_reject = on_reject;
  ctx->u = u;
  ctx->first_ts = ctx->last_ts = ASH_TIME_UNSET;
}

int ash_ctl_bytes(const uint8_t *p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  /* runs over every line of every text file: 64 bytes a step, one branch */
  const __m128i c1f = _mm_set1_epi8(0x1f), tab = _mm_set1_epi8('\t'), del = _mm_set1_epi8(0x7f);
  for (; ASH_FITS(i, 64, n); i += 64) {
    __m128i acc = _mm_setzero_si128();
    for (int k = 0; k < 4; k++) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
      __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x); /* x <= 0x1f */
      low = _mm_andnot_si128(_mm_cmpeq_epi8(x, tab), low);
      acc = _mm_or_si128(acc, _mm_or_si128(low, _mm_cmpeq_epi8(x, del)));
    }
    if (_mm_movemask_epi8(acc)) return 1;
  }
#endif
  const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
  const uint64_t high = 0x8080808080808080ull;
  for (; ASH_FITS(i, 8, n); i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    /* exact per byte (no carry crosses a byte): (b & 0x7f) + 0x60 reaches
     * the high bit iff b & 0x7f >= 0x20, and or-ing b keeps b >= 0x80 out;
     * (t & 0x7f) + 0x7f | t has the high bit clear iff t == 0 */
    uint64_t below = ~(((w & low7) + ones * 0x60) | w) & high;
    uint64_t t = w ^ (ones * '\t'), d = w ^ (ones * 0x7f);
    uint64_t tab8 = ~(((t & low7) + low7) | t) & high;
    uint64_t del8 = ~(((d & low7) + low7) | d) & high;
    if ((below & ~tab8) | del8) return 1;
  }
  for (; i < n; i++)
    if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) return 1;
  return 0;
}

/* ---- flagging events whose record held control bytes ---- */

/* Room for the field names of ASH_ATTR_SUSPICIOUS: with its key its JSON
 * stays far below the 512 bytes formats keep free under
 * ASH_MAX_ATTRS_JSON (names are escaped at most twice their size: keys
 * holding control bytes are named by position). */
#define SUSP_NAMES 160

typedef struct names {
  char p[SUSP_NAMES + 4];
  size_t n;
  int full;
} names;

static void name_add(names *nm, const char *a, size_t an, const char *b, size_t bn) {
  if (nm->full) return;
  size_t need = (nm->n ? 1 : 0) + an + bn;
  if (need > SUSP_NAMES - nm->n) {
    memcpy(nm->p + nm->n, nm->n ? ",..." : "...", nm->n ? 4 : 3);
    nm->n += nm->n ? 4 : 3;
    nm->full = 1;
    return;
  }
  if (nm->n) nm->p[nm->n++] = ',';
  memcpy(nm->p + nm->n, a, an);
  memcpy(nm->p + nm->n + an, b, bn);
  nm->n += an + bn;
}

static int str_ctl(ash_str s) { return s.n && ash_ctl_bytes((const uint8_t *)s.p, s.n); }

/* Emit ev with one more attribute, ASH_ATTR_SUSPICIOUS, naming the fields
 * (in the order of the event JSON, then attrs by key) that hold a control
 * byte. Runs only for records that held one, so the copy of attrs costs
 * nothing on clean input. */
static int emit_flagged(ash_parse_ctx *ctx, const ash_event *ev) {
  /* the flag is one of the ASH_MAX_ATTR_MARKS slots above the record's
   * own ASH_MAX_ATTRS (limits.h): it is added even when the parser filled
   * every slot, and it is the only mark a text format gets */
  if (ev->nattrs > ASH_MAX_ATTRS) return ASH_ELIMIT;
  const struct {
    const char *name;
    ash_str v;
  } f[] = {{"host", ev->host},
           {"user", ev->user},
           {"domain", ev->domain},
           {"proto", ev->proto},
           {"action", ev->action},
           {"app", ev->app},
           {"service", ev->service},
           {"process", ev->process},
           {"parent_process", ev->parent_process},
           {"command_line", ev->command_line},
           {"threat", ev->threat},
           {"path", ev->path},
           {"sha256", ev->sha256},
           {"channel", ev->channel}};
  names nm = {.n = 0, .full = 0};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (str_ctl(f[i].v)) name_add(&nm, f[i].name, strlen(f[i].name), "", 0);
  for (size_t i = 0; i < ev->nattrs; i++) {
    const ash_kv *a = &ev->attrs[i];
    if (!str_ctl(a->k) && !str_ctl(a->v)) continue;
    if (str_ctl(a->k) || a->k.n > SUSP_NAMES) {
      char pos[32];
      int l = snprintf(pos, sizeof pos, "attrs[%zu]", i);
      name_add(&nm, pos, (size_t)l, "", 0);
    } else {
      name_add(&nm, "attrs.", 6, a->k.p, a->k.n);
    }
  }
  /* the byte was in text no field kept (an ASA message's fixed words, a
   * key=value separator): the record as a whole is named */
  if (!nm.n) name_add(&nm, "record", 6, "", 0);
  ash_kv *attrs = malloc((ev->nattrs + 1) * sizeof *attrs);
  if (!attrs) return ASH_ENOMEM;
  if (ev->nattrs) memcpy(attrs, ev->attrs, ev->nattrs * sizeof *attrs);
  attrs[ev->nattrs].k = ASH_STR_LIT(ASH_ATTR_SUSPICIOUS);
  attrs[ev->nattrs].v = ash_str_make(nm.p, nm.n);
  ash_event e = *ev;
  e.attrs = attrs;
  e.nattrs = ev->nattrs + 1;
  int rc = ctx->on_event ? ctx->on_event(ctx->u, &e) : ASH_OK;
  free(attrs);
  return rc;
}

int ash_ctx_emit(ash_parse_ctx *ctx, const ash_event *ev) {
  ctx->events++;
  if (ev->ts != ASH_TIME_UNSET) {
    if (ctx->first_ts == ASH_TIME_UNSET || ev->ts < ctx->first_ts) ctx->first_ts = ev->ts;
    if (ctx->last_ts == ASH_TIME_UNSET || ev->ts > ctx->last_ts) ctx->last_ts = ev->ts;
  }
  if (ctx->line_ctl) return emit_flagged(ctx, ev);
  return ctx->on_event ? ctx->on_event(ctx->u, ev) : ASH_OK;
}

void ash_ctx_parsed(ash_parse_ctx *ctx) {
  ctx->read++;
  ctx->parsed++;
}

int ash_ctx_reject(ash_parse_ctx *ctx, uint64_t ref, const char *reason, const void *raw,
                   size_t n) {
  ctx->read++;
  ctx->rejected++;
  if (n > ASH_MAX_REJECT_RAW) n = ASH_MAX_REJECT_RAW;
  return ctx->on_reject ? ctx->on_reject(ctx->u, ref, reason, raw, n) : ASH_OK;
}

void ash_ctx_warn(ash_parse_ctx *ctx, const char *msg) {
  if (ctx->opts && ctx->opts->on_warn) ctx->opts->on_warn(ctx->opts->warn_u, ctx->member, msg);
}
int ash_ctx_line_ctl(const ash_parse_ctx *ctx) { return ctx->line_ctl; }
void ash_ctx_set_line_ctl(ash_parse_ctx *ctx, int ctl) { ctx->line_ctl = ctl != 0; }

const ash_parse_opts *ash_ctx_opts(const ash_parse_ctx *ctx) { return ctx->opts; }

void ash_ctx_release(ash_parse_ctx *ctx, uint64_t upto) {
  if (ctx->on_release) ctx->on_release(ctx->release_u, upto);
}

int64_t ash_ctx_skew(const ash_parse_ctx *ctx, int64_t utc_us) {
  if (utc_us == ASH_TIME_UNSET || !ctx->opts) return utc_us;
  return utc_us + ctx->opts->clock_skew_us;
}

int64_t ash_ctx_local_to_utc(const ash_parse_ctx *ctx, int64_t local_us) {
  if (local_us == ASH_TIME_UNSET || !ctx->opts) return local_us;
  return ash_ctx_skew(ctx, ash_tz_to_utc(ctx->opts->tz, local_us));
}

/* ---- line splitting ---- */

/* How far after a stream's first lone CR a LF still makes it a LF stream
 * (the CR then came from a field of the first record), and how much of a
 * stream can decide: both bound what the splitter holds back. */
#define EOL_WINDOW (64u << 10)
#define EOL_DECIDE ASH_MAX_LINE

int ash_linesplit_open(ash_linesplit *ls, const ash_format *f, ash_parse_ctx *ctx) {
  memset(ls, 0, sizeof *ls);
  ls->f = f;
  ls->ctx = ctx;
  ash_buf_init(&ls->carry, ASH_MAX_LINE);
  ash_buf_init(&ls->hold, EOL_DECIDE);
  ls->scan.cr = SIZE_MAX;
  if (f->open) return f->open(&ls->state, ctx->opts);
  return ASH_OK;
}

static int is_blank(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\f' && p[i] != '\v') return 0;
  return 1;
}

static int one_line(ash_linesplit *ls, const uint8_t *p, size_t n, uint64_t off) {
  if (n && p[n - 1] == '\r') n--;
  if (is_blank(p, n)) return ASH_OK;
  ash_parse_ctx *ctx = ls->ctx;
  if (!ash_utf8_valid(p, n)) return ash_ctx_reject(ctx, off, "invalid UTF-8", p, n);
  const char *reason = NULL;
  uint64_t ev0 = ctx->events;
  /* a control byte is kept and flagged, never a reason to reject: an
   * intruder who puts one in the user name they log in with would
   * otherwise hide the login */
  ctx->line_ctl = ash_ctl_bytes(p, n);
  int r = ls->f->parse_line(ls->state, ctx, (const char *)p, n, off, &reason);
  ctx->line_ctl = 0;
  switch (r) {
  case ASH_REC_PARSED:
    ctx->read++;
    ctx->parsed++;
    return ASH_OK;
  case ASH_REC_SKIP: return ASH_OK;
  case ASH_REC_REJECTED:
    /* a parser that emitted events and then rejected is a bug: keep the
     * accounting honest and say so */
    return ash_ctx_reject(ctx, off,
                          ctx->events != ev0 ? "parser error (partial record)"
                                             : (reason ? reason : "malformed record"),
                          p, n);
  default: return r < 0 ? ASH_EFORMAT : r; /* a storage error passed up */
  }
}

static int overlong_reject(ash_linesplit *ls, const uint8_t *p, size_t n) {
  ls->overlong = 1;
  return ash_ctx_reject(ls->ctx, ls->carry_off, "line longer than 1 MiB", p, n);
}

/* The line ends of a stream whose first m bytes are p (final: there are no
 * more); ASH_EOL_UNSET while more bytes could change the answer. A pure
 * function of the stream's first bytes, so that the splitter fed in pieces
 * of any size and a read-back of the whole member agree. Incremental: st
 * remembers the bytes already looked at (they gave ASH_EOL_UNSET), so that
 * a start held over many small pieces is scanned once. */
static int eol_step(ash_eol_scan *st, const uint8_t *p, size_t m, int final) {
  if (m >= EOL_DECIDE) {
    m = EOL_DECIDE;
    final = 1;
  }
  size_t from = st->m < m ? st->m : m;
  st->m = m;
  const uint8_t *lf = memchr(p + from, '\n', m - from);
  size_t e = lf ? (size_t)(lf - p) : m;
  if (st->cr == SIZE_MAX) {
    const uint8_t *cr = memchr(p + from, '\r', e - from);
    if (cr) st->cr = (size_t)(cr - p);
  }
  if (st->cr == SIZE_MAX) return lf || final ? ASH_EOL_LF : ASH_EOL_UNSET;
  if (lf) return e - st->cr <= EOL_WINDOW ? ASH_EOL_LF : ASH_EOL_CR; /* CRLF: e == cr + 1 */
  return final || m - st->cr > EOL_WINDOW ? ASH_EOL_CR : ASH_EOL_UNSET;
}

int ash_eol_detect(const uint8_t *p, size_t n) {
  ash_eol_scan st = {0, SIZE_MAX};
  return eol_step(&st, p, n, 1);
}

size_t ash_eol_line_len(const uint8_t *p, size_t n, int eol) {
  const uint8_t *lf = memchr(p, '\n', n);
  size_t len = lf ? (size_t)(lf - p) : n;
  if (eol != ASH_EOL_CR) return len && p[len - 1] == '\r' ? len - 1 : len;
  const uint8_t *cr = memchr(p, '\r', len);
  return cr ? (size_t)(cr - p) : len;
}

/* Index of the next line end at or after i in p[0, n): a LF, or a CR when
 * the stream ends its lines with CR; n when the piece has none. *lf and
 * *cr keep the last search (SIZE_MAX: none yet), so that a piece of many
 * short CR lines is not rescanned to its next LF for every line. */
static size_t next_end(const ash_linesplit *ls, const uint8_t *p, size_t n, size_t i, size_t *lf,
                       size_t *cr) {
  if (*lf == SIZE_MAX || *lf < i) {
    const uint8_t *q = memchr(p + i, '\n', n - i);
    *lf = q ? (size_t)(q - p) : n;
  }
  if (ls->eol != ASH_EOL_CR) return *lf;
  if (*cr == SIZE_MAX || *cr < i) {
    const uint8_t *q = memchr(p + i, '\r', n - i);
    *cr = q ? (size_t)(q - p) : n;
  }
  return *cr < *lf ? *cr : *lf;
}

/* Feed once the line ends are known (ls->eol set). With CR line ends a
 * CRLF is a CR ending the line and a LF ending an empty one, skipped like
 * every blank line: nothing needs remembering when a piece ends between
 * the two. */
static int feed_lines(ash_linesplit *ls, const uint8_t *p, size_t n) {
  size_t i = 0, lf = SIZE_MAX, cr = SIZE_MAX;
  while (i < n) {
    size_t end = next_end(ls, p, n, i, &lf, &cr);
    int found = end < n;
    size_t seg = end - i;
    int rc = ASH_OK;
    if (ls->overlong) {
      /* discarding the rest of a rejected line */
    } else if (ls->carry.n == 0 && found) {
      if (seg > ASH_MAX_LINE) {
        ls->carry_off = ls->offset + i;
        rc = overlong_reject(ls, p + i, seg);
      } else {
        rc = one_line(ls, p + i, seg, ls->offset + i);
      }
    } else {
      if (ls->carry.n == 0) ls->carry_off = ls->offset + i;
      int a = ash_buf_add(&ls->carry, p + i, seg);
      if (a == ASH_ELIMIT) {
        if (ls->carry.n)
          rc = overlong_reject(ls, (const uint8_t *)ls->carry.p, ls->carry.n);
        else
          rc = overlong_reject(ls, p + i, seg);
        ash_buf_reset(&ls->carry);
      } else if (a) {
        rc = a;
      } else if (found) {
        rc = one_line(ls, (const uint8_t *)ls->carry.p, ls->carry.n, ls->carry_off);
        ash_buf_reset(&ls->carry);
      }
    }
    if (rc) {
      ls->offset += n;
      return rc;
    }
    if (found) {
      ls->overlong = 0;
      i = end + 1;
    } else {
      i = n;
    }
  }
  ls->offset += n;
  return ASH_OK;
}

/* The line ends are decided: run the held start of the stream, then the
 * rest of the piece. */
static int release_hold(ash_linesplit *ls, int eol, const uint8_t *rest, size_t rn) {
  ls->eol = eol;
  int rc = ls->hold.n ? feed_lines(ls, (const uint8_t *)ls->hold.p, ls->hold.n) : ASH_OK;
  ash_buf_free(&ls->hold);
  if (!rc && rn) rc = feed_lines(ls, rest, rn);
  return rc;
}

int ash_linesplit_feed(ash_linesplit *ls, const uint8_t *p, size_t n) {
  if (ls->eol != ASH_EOL_UNSET) return feed_lines(ls, p, n);
  if (!ls->hold.n) {
    /* the common case, decided by the first piece alone: a LF first and
     * no CR before it */
    ash_eol_scan st = {0, SIZE_MAX};
    int e = eol_step(&st, p, n, 0);
    if (e != ASH_EOL_UNSET) return release_hold(ls, e, p, n);
    ls->scan = st; /* undecided: n < EOL_DECIDE, all of p is held */
    return ash_buf_add(&ls->hold, p, n);
  }
  size_t take = EOL_DECIDE - ls->hold.n < n ? EOL_DECIDE - ls->hold.n : n;
  int rc = ash_buf_add(&ls->hold, p, take);
  if (rc) return rc;
  int e = eol_step(&ls->scan, (const uint8_t *)ls->hold.p, ls->hold.n, 0);
  if (e == ASH_EOL_UNSET) return ASH_OK;
  return release_hold(ls, e, p + take, n - take);
}

int ash_linesplit_end(ash_linesplit *ls) {
  int rc = ASH_OK;
  if (ls->eol == ASH_EOL_UNSET && ls->hold.n)
    rc = release_hold(ls, eol_step(&ls->scan, (const uint8_t *)ls->hold.p, ls->hold.n, 1), NULL, 0);
  if (!rc && !ls->overlong && ls->carry.n)
    rc = one_line(ls, (const uint8_t *)ls->carry.p, ls->carry.n, ls->carry_off);
  ash_buf_reset(&ls->carry);
  ls->overlong = 0;
  if (!rc && ls->f->finish) rc = ls->f->finish(ls->state, ls->ctx);
  return rc;
}

int ash_linesplit_abort(ash_linesplit *ls, const char *reason) {
  int rc;
  if (!ls->overlong && ls->carry.n)
    rc = ash_ctx_reject(ls->ctx, ls->carry_off, reason, ls->carry.p, ls->carry.n);
  else
    rc = ash_ctx_reject(ls->ctx, ls->offset, reason, "", 0);
  ash_buf_reset(&ls->carry);
  ls->overlong = 0;
  if (!rc && ls->f->finish) rc = ls->f->finish(ls->state, ls->ctx);
  return rc;
}

void ash_linesplit_close(ash_linesplit *ls) {
  if (ls->f && ls->f->close && ls->state) ls->f->close(ls->state);
  ls->state = NULL;
  ash_buf_free(&ls->carry);
  ash_buf_free(&ls->hold);
}

/* ---- parsing a buffer without a store ---- */

typedef struct memu {
  int (*on_event)(void *u, const ash_event *ev);
  void *u;
} memu;

int ash_parse_memory(const ash_format *f, const uint8_t *buf, size_t n, const ash_parse_opts *opts,
                     int (*on_event)(void *u, const ash_event *ev),
                     int (*on_reject)(void *u, uint64_t ref, const char *reason, const void *raw,
                                      size_t rn),
                     void *u, ash_mem_result *res) {
  ash_parse_opts defaults = {0};
  defaults.threads = 1;
  ash_parse_ctx ctx;
  ash_ctx_init(&ctx, opts ? opts : &defaults, on_event, on_reject, u);
  int rc;
  if (f->parse_buffer) {
    rc = f->parse_buffer(&ctx, buf, n);
  } else {
    ash_linesplit ls;
    rc = ash_linesplit_open(&ls, f, &ctx);
    if (!rc) rc = ash_linesplit_feed(&ls, buf, n);
    if (!rc) rc = ash_linesplit_end(&ls);
    ash_linesplit_close(&ls);
  }
  if (res) {
    res->read = ctx.read;
    res->parsed = ctx.parsed;
    res->rejected = ctx.rejected;
    res->events = ctx.events;
  }
  return rc;
}

/* ---- records one at a time (ash_recs, format.h) ---- */

struct ash_recs {
  ash_parse_ctx ctx;
  ash_parse_opts opts;
  ash_linesplit ls;
};

int ash_recs_open(ash_recs **out, const ash_format *f, const ash_parse_opts *opts,
                  int (*on_event)(void *u, const ash_event *ev),
                  int (*on_reject)(void *u, uint64_t ref, const char *reason, const void *raw,
                                   size_t rn),
                  void *u) {
  if (!f->parse_line) return ASH_EUSAGE;
  ash_recs *r = calloc(1, sizeof *r);
  if (!r) return ASH_ENOMEM;
  if (opts) r->opts = *opts;
  if (r->opts.threads < 1) r->opts.threads = 1;
  ash_ctx_init(&r->ctx, &r->opts, on_event, on_reject, u);
  int rc = ash_linesplit_open(&r->ls, f, &r->ctx);
  if (rc) {
    ash_linesplit_close(&r->ls);
    free(r);
    return rc;
  }
  /* a record is given whole: no line ends to decide */
  r->ls.eol = ASH_EOL_LF;
  ash_buf_free(&r->ls.hold);
  *out = r;
  return ASH_OK;
}

int ash_recs_feed(ash_recs *r, const uint8_t *rec, size_t n, uint64_t ref) {
  /* one_line skips a blank line without counting it, which is right for a
   * file (a blank line is no record) but a message received is one */
  if (n && rec[n - 1] == '\n') n--;
  if (is_blank(rec, n)) return ash_ctx_reject(&r->ctx, ref, "empty message", rec, n);
  if (n > ASH_MAX_LINE) return ash_ctx_reject(&r->ctx, ref, "line longer than 1 MiB", rec, n);
  uint64_t read0 = r->ctx.read;
  int rc = one_line(&r->ls, rec, n, ref);
  /* a format skips lines that are no records (a Zeek "#" header): as a
   * message it was still received, so it is counted as a rejection */
  if (!rc && r->ctx.read == read0)
    rc = ash_ctx_reject(&r->ctx, ref, "not a record of its format", rec, n);
  return rc;
}

int ash_recs_finish(ash_recs *r) {
  return r->ls.f->finish ? r->ls.f->finish(r->ls.state, &r->ctx) : ASH_OK;
}

void ash_recs_counts(const ash_recs *r, ash_mem_result *res, int64_t *first_ts, int64_t *last_ts) {
  if (res) {
    res->read = r->ctx.read;
    res->parsed = r->ctx.parsed;
    res->rejected = r->ctx.rejected;
    res->events = r->ctx.events;
  }
  if (first_ts) *first_ts = r->ctx.first_ts;
  if (last_ts) *last_ts = r->ctx.last_ts;
}

void ash_recs_close(ash_recs *r) {
  if (!r) return;
  ash_linesplit_close(&r->ls);
  free(r);
}
