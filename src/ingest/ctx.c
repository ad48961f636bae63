#include "ctx.h"

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

int ash_ctx_emit(ash_parse_ctx *ctx, const ash_event *ev) {
  ctx->events++;
  if (ev->ts != ASH_TIME_UNSET) {
    if (ctx->first_ts == ASH_TIME_UNSET || ev->ts < ctx->first_ts) ctx->first_ts = ev->ts;
    if (ctx->last_ts == ASH_TIME_UNSET || ev->ts > ctx->last_ts) ctx->last_ts = ev->ts;
  }
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

const ash_parse_opts *ash_ctx_opts(const ash_parse_ctx *ctx) { return ctx->opts; }

int64_t ash_ctx_skew(const ash_parse_ctx *ctx, int64_t utc_us) {
  if (utc_us == ASH_TIME_UNSET || !ctx->opts) return utc_us;
  return utc_us + ctx->opts->clock_skew_us;
}

int64_t ash_ctx_local_to_utc(const ash_parse_ctx *ctx, int64_t local_us) {
  if (local_us == ASH_TIME_UNSET || !ctx->opts) return local_us;
  return ash_ctx_skew(ctx, ash_tz_to_utc(ctx->opts->tz, local_us));
}

/* ---- line splitting ---- */

int ash_linesplit_open(ash_linesplit *ls, const ash_format *f, ash_parse_ctx *ctx) {
  memset(ls, 0, sizeof *ls);
  ls->f = f;
  ls->ctx = ctx;
  ash_buf_init(&ls->carry, ASH_MAX_LINE);
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
  int r = ls->f->parse_line(ls->state, ctx, (const char *)p, n, off, &reason);
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

int ash_linesplit_feed(ash_linesplit *ls, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t *nl = memchr(p + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - p) : n;
    size_t seg = end - i;
    int rc = ASH_OK;
    if (ls->overlong) {
      /* discarding the rest of a rejected line */
    } else if (ls->carry.n == 0 && nl) {
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
      } else if (nl) {
        rc = one_line(ls, (const uint8_t *)ls->carry.p, ls->carry.n, ls->carry_off);
        ash_buf_reset(&ls->carry);
      }
    }
    if (rc) {
      ls->offset += n;
      return rc;
    }
    if (nl) {
      ls->overlong = 0;
      i = end + 1;
    } else {
      i = n;
    }
  }
  ls->offset += n;
  return ASH_OK;
}

int ash_linesplit_end(ash_linesplit *ls) {
  int rc = ASH_OK;
  if (!ls->overlong && ls->carry.n)
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
