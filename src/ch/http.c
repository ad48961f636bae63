/* The ClickHouse HTTP client. See include/ashiato/ch.h for the contract,
 * and for why only requests that never reached the server are retried. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "ashiato/ch.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"

struct ash_ch {
  CURL *h;
  char base[ASH_CH_MAX_HOST + 32]; /* http://host:port/ */
  ash_ch_opts o;
  long status;
  uint64_t requests, retries;
  /* "Expect:" turns off curl's Expect: 100-continue, which would hold
   * every body over 1 KB for a round trip (or a second, when a server
   * does not answer 100); gz adds Content-Encoding: gzip */
  struct curl_slist *hdr, *gz_hdr;
  ash_buf answer;  /* the body of the current request's answer */
  int answer_over; /* the answer passed ASH_CH_MAX_ANSWER */
  /* ash_ch_query_rows: each complete line of the answer goes to row_cb as
   * it arrives (answer then holds only the unfinished line); rows counts
   * them, so that a failed request that delivered rows is never retried */
  int (*row_cb)(void *u, char *line, size_t n);
  void *row_u;
  uint64_t rows;
  int row_rc;          /* what row_cb returned when it stopped the transfer */
  int status_known_ok; /* the answer's status line said 200 */
  uint64_t spill;      /* readers' spill threshold (ash_ch_set_spill); 0: SPILL_MIN */
  char curl_err[CURL_ERROR_SIZE];
  char err[ASH_CH_MAX_ERRTEXT];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;
/* curl_global_init is not safe to call from two threads at once, and the
 * library does not own main(): once, on first use. */
static void curl_init_once(void) { curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }

void ash_ch_opts_default(ash_ch_opts *o) {
  *o = (ash_ch_opts){.retries = 4,
                     .backoff_ms = 200,
                     .connect_timeout_ms = 5000,
                     .timeout_ms = 0,
                     .stall_s = 120,
                     .gzip = -1};
}

/* Keep text as the error, with bytes below 0x20 and DEL made spaces: the
 * server's exception may quote a hostile string from a row. */
static void set_err(ash_ch *c, const char *p, size_t n) {
  if (n >= sizeof c->err) n = sizeof c->err - 1;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)p[i];
    c->err[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
  }
  while (n && c->err[n - 1] == ' ') n--;
  c->err[n] = 0;
}

int ash_ch_open(ash_ch **out, const char *host, int port, const ash_ch_opts *o) {
  if (!out || !host || !*host || strlen(host) > ASH_CH_MAX_HOST || port < 1 || port > 65535)
    return ASH_EUSAGE;
  pthread_once(&curl_once, curl_init_once);
  if (!curl_ok) return ASH_ENOMEM;
  ash_ch *c = calloc(1, sizeof *c);
  if (!c) return ASH_ENOMEM;
  if (o)
    c->o = *o;
  else
    ash_ch_opts_default(&c->o);
  /* Compression pays where bytes are dear. Over loopback they are not:
   * gzip (level 1) of 5*10^6 flow rows cost ashiato 4.1 s more CPU (6.45
   * s against 2.31 s plain) and the two servers 1.3 s more to inflate
   * (5.06 s against 3.77 s), halving the rows per CPU-second
   * (bench/bench_clickhouse.sh 5000000). */
  if (c->o.gzip < 0) c->o.gzip = !(!strcmp(host, "localhost") || !strncmp(host, "127.", 4));
  snprintf(c->base, sizeof c->base, "http://%s:%d/", host, port);
  ash_buf_init(&c->answer, ASH_CH_MAX_ANSWER);
  c->h = curl_easy_init();
  c->hdr = curl_slist_append(NULL, "Expect:");
  c->gz_hdr = curl_slist_append(NULL, "Expect:");
  struct curl_slist *t = c->gz_hdr ? curl_slist_append(c->gz_hdr, "Content-Encoding: gzip") : NULL;
  if (t) c->gz_hdr = t;
  if (!c->h || !c->hdr || !t) {
    ash_ch_close(c);
    return ASH_ENOMEM;
  }
  *out = c;
  return ASH_OK;
}

void ash_ch_close(ash_ch *c) {
  if (!c) return;
  if (c->h) curl_easy_cleanup(c->h);
  curl_slist_free_all(c->hdr);
  curl_slist_free_all(c->gz_hdr);
  ash_buf_free(&c->answer);
  free(c);
}

const char *ash_ch_errmsg(const ash_ch *c) { return c ? c->err : ""; }
long ash_ch_http_status(const ash_ch *c) { return c ? c->status : 0; }
uint64_t ash_ch_requests(const ash_ch *c) { return c ? c->requests : 0; }
uint64_t ash_ch_retries(const ash_ch *c) { return c ? c->retries : 0; }

static size_t on_body(char *p, size_t size, size_t nmemb, void *u) {
  ash_ch *c = u;
  size_t n = size * nmemb;
  if (c->row_cb && c->status_known_ok) {
    /* lines as they come: the unfinished one waits in answer (one line,
     * so answer's cap is a line's) */
    size_t i = 0;
    while (i < n) {
      const char *nl = memchr(p + i, '\n', n - i);
      size_t take = nl ? (size_t)(nl - (p + i)) : n - i;
      if (ash_buf_add(&c->answer, p + i, take)) {
        c->answer_over = 1;
        return 0;
      }
      i += take;
      if (!nl) break;
      i++; /* the newline */
      c->rows++;
      char empty[1] = {0}; /* an empty line, before answer ever grew */
      int rc = c->row_cb(c->row_u, c->answer.p ? c->answer.p : empty, c->answer.n);
      ash_buf_reset(&c->answer);
      if (rc) {
        c->row_rc = rc;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
      }
    }
    return n;
  }
  if (ash_buf_add(&c->answer, p, n)) {
    c->answer_over = 1;
    return 0; /* curl stops with CURLE_WRITE_ERROR */
  }
  return n;
}

/* The answer's status line: rows are handed to row_cb only from a 200
 * answer (an error's body is the server's text, kept for the message). */
static size_t on_header(char *p, size_t size, size_t nmemb, void *u) {
  ash_ch *c = u;
  size_t n = size * nmemb;
  if (n > 5 && !memcmp(p, "HTTP/", 5)) {
    const char *sp = memchr(p, ' ', n);
    c->status_known_ok = sp && (size_t)(sp - p) + 4 <= n && !memcmp(sp + 1, "200", 3);
  }
  return n;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1) {
  }
}

/* Whether a failed attempt can be sent again without a risk of storing
 * its rows twice: curl made no connection, so no byte of it reached a
 * server. CURLINFO_REQUEST_SIZE counts the request bytes sent; 0 with
 * these codes means the server never saw the request. */
static int never_sent(ash_ch *c, CURLcode rc) {
  long sent = -1;
  curl_easy_getinfo(c->h, CURLINFO_REQUEST_SIZE, &sent);
  if (sent != 0) return 0;
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
         rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_SEND_ERROR;
}

/* post's flags beyond ash_ch.h's: the statement has wait_end_of_query=1 */
enum { POST_WAIT = 1 << 8 };
static int post_once(ash_ch *c, const char *params, const void *body, size_t n, int gz, int flags);

static double ms_between(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* ASHIATO_CH_STATS=2 (read once): each request on stderr, with its wall
 * time, this process's CPU in it (inflating and parsing the answer, and
 * the caller's work on its rows: ash_ch_query_rows hands them on as they
 * come), the rows handed on, the bytes sent and received, and the
 * statement's start (=3: the whole statement).
 * That tells where a command waits on the server and where on itself
 * (bench/README.md). */
static int trace_level(void) {
  static int level = -1;
  if (level < 0) {
    const char *v = getenv("ASHIATO_CH_STATS");
    level = v ? atoi(v) : 0;
  }
  return level;
}

/* POST body[0..n) to base + "?" + params; the answer's body is left in
 * c->answer. Retries as ch.h says. */
static int post(ash_ch *c, const char *params, const void *body, size_t n, int gz, int flags) {
  /* the rows this request hands on (a retry needs none handed): an
   * earlier request's must not count, or a plain query after a reader
   * would never be retried */
  c->rows = 0;
  if (trace_level() < 2) return post_once(c, params, body, n, gz, flags);
  struct timespec w0, c0, w1, c1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  int rc = post_once(c, params, body, n, gz, flags);
  clock_gettime(CLOCK_MONOTONIC, &w1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  /* the statement: an insert's is in the query string, a query's is the
   * body; its first 60 bytes, controls as spaces (a quoted value may be
   * a hostile string from the evidence) */
  const char *q = !strncmp(params, "query=", 6) ? params : strstr(params, "&query=");
  if (q && *q == '&') q++;
  const char *st = q ? q + 6 : gz ? "" : (const char *)body;
  size_t sn = q ? strlen(st) : gz ? 0 : n;
  /* ASHIATO_CH_STATS=3: the whole statement (up to 64 KiB) */
  char what[65536];
  size_t k = 0, wmax = trace_level() >= 3 ? sizeof what : 61;
  for (size_t i = 0; i < sn && k < wmax - 1; i++) {
    unsigned char ch = (unsigned char)st[i];
    if (q && ch == '%' && i + 2 < sn && st[i + 1] == '2' && st[i + 2] == '0') {
      ch = ' ';
      i += 2;
    }
    what[k++] = ch < 0x20 || ch >= 0x7f ? ' ' : (char)ch;
  }
  what[k] = 0;
  /* the answer's bytes as they came (compressed, when they were) */
  curl_off_t got = 0;
  curl_easy_getinfo(c->h, CURLINFO_SIZE_DOWNLOAD_T, &got);
  fprintf(stderr,
          "ashiato: ClickHouse request: %9.1f ms wall %8.1f ms cpu %9llu rows %10zu bytes sent"
          " %11lld bytes in  %s%s\n",
          ms_between(&w0, &w1), ms_between(&c0, &c1), (unsigned long long)c->rows, n,
          (long long)got,
          !rc               ? ""
          : rc == c->row_rc ? "(stopped by the reader) "
                            : "(failed) ",
          what);
  return rc;
}

static int post_once(ash_ch *c, const char *params, const void *body, size_t n, int gz, int flags) {
  char url[sizeof c->base + 4096];
  int len = snprintf(url, sizeof url, "%s?%s", c->base, params);
  if (len < 0 || (size_t)len >= sizeof url) {
    set_err(c, "request URL too long", 20);
    return ASH_ELIMIT;
  }
  long wait = c->o.backoff_ms > 0 ? c->o.backoff_ms : 1;
  c->err[0] = 0;
  for (int attempt = 0;; attempt++) {
    CURL *h = c->h;
    curl_easy_reset(h);
    ash_buf_reset(&c->answer);
    c->answer_over = 0;
    c->status = 0;
    c->curl_err[0] = 0;
    c->status_known_ok = 0;
    c->row_rc = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    /* the client speaks plain HTTP to the server it was given, and only
     * there: no redirects, no proxy from the environment */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, gz ? c->gz_hdr : c->hdr);
    /* answers compressed as bodies are (ash_ch_opts.gzip): on loopback,
     * gzip of the 1,042,170 flow rows a hunt reads (181 MB of text) cost
     * the server 0.8-1.3 s more than the plain answer (2.4-3.1 s against
     * 1.5-1.6 s, curl against 18.16) and ashiato its inflating */
    if (c->o.gzip) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    if (c->o.timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    /* A statement with wait_end_of_query=1 (POST_WAIT) is silent until
     * the server has finished it: 18.16 sends no progress headers then,
     * and a hunt's aggregation over a big case runs for minutes, which
     * the stall limit would take for a hung server (and retry, to fail
     * again). Those wait with no stall limit; TCP keepalive still tells a
     * dead peer (no answer to 9 probes 15 s apart after 30 s idle), and
     * a whole-request limit, when set, still holds. (The handle is
     * reused: every request sets the limit, on or off.) */
    int stall = c->o.stall_s > 0 && !(flags & POST_WAIT);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, stall ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall ? c->o.stall_s : 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 15L);
    c->requests++;
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
      if (c->status == 200) {
        c->err[0] = 0; /* an earlier attempt's text is no longer the news */
        return ASH_OK;
      }
      /* ClickHouse answers an exception with its text as the body */
      char pre[64];
      int pn = snprintf(pre, sizeof pre, "HTTP %ld: ", c->status);
      char msg[ASH_CH_MAX_ERRTEXT];
      size_t m = c->answer.n < sizeof msg - (size_t)pn - 1 ? c->answer.n : sizeof msg - pn - 1;
      memcpy(msg, pre, (size_t)pn);
      if (m) memcpy(msg + pn, c->answer.p, m);
      if (!m) {
        memcpy(msg + pn, "(no text)", 9);
        m = 9;
      }
      set_err(c, msg, (size_t)pn + m);
      return ASH_ESTORE;
    }
    if (c->row_rc) return c->row_rc; /* the caller's callback stopped it */
    if (c->answer_over) {
      set_err(c, "answer larger than ASH_CH_MAX_ANSWER", 36);
      return ASH_ELIMIT;
    }
    /* a query whose rows were handed on cannot be sent again: they would
     * be handed on twice */
    int again =
        attempt < c->o.retries && !c->rows && (never_sent(c, rc) || (flags & ASH_CH_IDEMPOTENT));
    char msg[ASH_CH_MAX_ERRTEXT];
    int mn =
        snprintf(msg, sizeof msg, "%s%s%s%s (attempt %d of %d%s)", curl_easy_strerror(rc),
                 c->curl_err[0] ? ": " : "", c->curl_err,
                 rc == CURLE_PARTIAL_FILE ? ", partial answer" : "", attempt + 1, c->o.retries + 1,
                 again || never_sent(c, rc) || (flags & ASH_CH_IDEMPOTENT)
                     ? ""
                     : "; not retried: the request may have been stored");
    set_err(c, msg, mn > 0 ? (size_t)mn : 0);
    if (!again) return ASH_ESTORE;
    c->retries++;
    sleep_ms(wait);
    if (wait < 5000) wait *= 2;
  }
}

int ash_ch_query(ash_ch *c, const char *db, const char *sql, int flags, ash_buf *out) {
  if (!c || !sql) return ASH_EUSAGE;
  char params[256];
  if (db && !ash_ch_ident_ok(db, strlen(db))) return ASH_EUSAGE;
  snprintf(params, sizeof params, "wait_end_of_query=1%s%s%s",
           c->o.gzip ? "&enable_http_compression=1" : "", db ? "&database=" : "", db ? db : "");
  ASH_TRY(post(c, params, sql, strlen(sql), 0, flags | POST_WAIT));
  if (out) ASH_TRY(ash_buf_add(out, c->answer.p ? c->answer.p : "", c->answer.n));
  return ASH_OK;
}

#define SPILL_MIN (256ull << 20)

void ash_ch_set_spill(ash_ch *c, uint64_t bytes) {
  if (c) c->spill = bytes > SPILL_MIN ? bytes : SPILL_MIN;
}

int ash_ch_query_rows(ash_ch *c, const char *db, const char *sql, int flags,
                      int (*cb)(void *u, char *line, size_t n), void *u) {
  if (!c || !sql || !cb) return ASH_EUSAGE;
  uint64_t spill = c->spill ? c->spill : SPILL_MIN;
  char params[256];
  if (db && !ash_ch_ident_ok(db, strlen(db))) return ASH_EUSAGE;
  /* wait_end_of_query: the server finishes the query (buffering the
   * answer, in a temporary file when it is big) before the first row is
   * sent, so that an error met mid-query is an HTTP error and not a
   * truncated list of rows taken for the whole */
  /* a reader's ORDER BY or GROUP BY over a case bigger than the server's
   * memory cap spills to disk rather than failing (ash_ch_set_spill) */
  snprintf(params, sizeof params,
           "wait_end_of_query=1%s&buffer_size=1048576"
           "&max_bytes_before_external_sort=%llu"
           "&max_bytes_before_external_group_by=%llu%s%s",
           c->o.gzip ? "&enable_http_compression=1" : "", (unsigned long long)spill,
           (unsigned long long)spill, db ? "&database=" : "", db ? db : "");
  c->row_cb = cb;
  c->row_u = u;
  int rc = post(c, params, sql, strlen(sql), 0, flags | POST_WAIT);
  if (!rc && c->answer.n) rc = ASH_EFORMAT; /* an answer that did not end its last row */
  c->row_cb = NULL;
  c->row_u = NULL;
  ash_buf_reset(&c->answer);
  return rc;
}

int ash_ch_tsv_fields(char *line, size_t n, char **f, size_t *len, size_t max) {
  size_t k = 0;
  size_t i = 0;
  for (;;) {
    if (k == max) return -1;
    char *w = line + i, *start = w;
    while (i < n && line[i] != '\t') {
      char ch = line[i++];
      if (ch == '\\' && i < n) {
        char e = line[i++];
        switch (e) {
        case 't': ch = '\t'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case '0': ch = 0; break;
        default: ch = e; /* \\ \' and any other byte as itself */
        }
      }
      *w++ = ch;
    }
    f[k] = start;
    len[k] = (size_t)(w - start);
    k++;
    /* over the tab, or the room an escape left, or line[n] (the caller's
     * NUL): every field ends in a NUL */
    *w = 0;
    if (i >= n) break;
    i++;
  }
  return (int)k;
}

/* ---- TabSeparated rows */

int ash_ch_tsv_escape(ash_buf *row, const char *s, size_t n) {
  ASH_TRY(ash_buf_reserve(row, 2 * n));
  char *d = row->p + row->n;
  for (size_t i = 0; i < n; i++) {
    char e = 0;
    switch (s[i]) {
    case '\\': e = '\\'; break;
    case '\t': e = 't'; break;
    case '\n': e = 'n'; break;
    case '\r': e = 'r'; break;
    case '\b': e = 'b'; break;
    case '\f': e = 'f'; break;
    case '\0': e = '0'; break;
    case '\'': e = '\''; break;
    default: *d++ = s[i]; continue;
    }
    *d++ = '\\';
    *d++ = e;
  }
  row->n = (size_t)(d - row->p);
  row->p[row->n] = 0;
  return ASH_OK;
}

/* Every field starts with its tab, the first too (row_end drops that
 * one): "is this the first field?" cannot be told from the row's length,
 * which is still 0 after an empty first field. */
static int sep(ash_buf *row) { return ash_buf_addc(row, '\t'); }

int ash_ch_tsv_str(ash_buf *row, const char *s, size_t n) {
  ASH_TRY(sep(row));
  return ash_ch_tsv_escape(row, s ? s : "", s ? n : 0);
}

static int put_u64(ash_buf *row, uint64_t v) {
  char t[24];
  int i = (int)sizeof t;
  do {
    t[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return ash_buf_add(row, t + i, sizeof t - (size_t)i);
}

int ash_ch_tsv_u64(ash_buf *row, uint64_t v) {
  ASH_TRY(sep(row));
  return put_u64(row, v);
}

int ash_ch_tsv_i64(ash_buf *row, int64_t v) {
  ASH_TRY(sep(row));
  if (v >= 0) return put_u64(row, (uint64_t)v);
  ASH_TRY(ash_buf_addc(row, '-'));
  return put_u64(row, (uint64_t)(-(v + 1)) + 1); /* INT64_MIN's magnitude fits only unsigned */
}

int ash_ch_tsv_fixed16(ash_buf *row, const uint8_t b[16]) {
  /* ClickHouse pads a shorter FixedString value with zero bytes: leave
   * the trailing zeros out (the IPv6 side of an IPv4 flow is all zeros,
   * 32 escaped bytes saved per column) */
  size_t n = 16;
  while (n && !b[n - 1]) n--;
  return ash_ch_tsv_str(row, (const char *)b, n);
}

int ash_ch_sql_quote(ash_buf *sql, const char *s, size_t n) {
  ASH_TRY(ash_buf_addc(sql, '\''));
  ASH_TRY(ash_ch_tsv_escape(sql, s, n)); /* the same escapes hold in a quoted literal */
  return ash_buf_addc(sql, '\'');
}

/* ---- batches */

#define RAW_WINDOW (1u << 20) /* uncompressed bytes deflated at a time */

struct ash_ch_batch {
  ash_ch *c;
  char params[ASH_CH_MAX_IDENT * 2 + 128];
  ash_buf row;  /* the row being built */
  ash_buf raw;  /* rows not yet compressed */
  ash_buf body; /* the request body: compressed rows (or raw ones without gzip) */
  z_stream z;
  int zinit;
  int sealed;                  /* body is final (a flush failed): only a flush may follow */
  int (*before_send)(void *u); /* ash_ch_batch_before_send */
  void *before_u;
  uint64_t pending, sent, limit;
};

int ash_ch_batch_open(ash_ch_batch **out, ash_ch *c, const char *db, const char *table) {
  if (!c || !db || !table || !ash_ch_ident_ok(db, strlen(db)) ||
      !ash_ch_ident_ok(table, strlen(table)))
    return ASH_EUSAGE;
  ash_ch_batch *b = calloc(1, sizeof *b);
  if (!b) return ASH_ENOMEM;
  b->c = c;
  b->limit = ASH_CH_BATCH_ROWS;
  /* the query string: identifiers only, so nothing needs URL-escaping
   * beyond the spaces */
  snprintf(b->params, sizeof b->params, "query=INSERT%%20INTO%%20%s.%s%%20FORMAT%%20TabSeparated",
           db, table);
  ash_buf_init(&b->row, ASH_MAX_LINE * 8u);
  ash_buf_init(&b->raw, RAW_WINDOW + ASH_MAX_LINE * 8u + 1);
  ash_buf_init(&b->body, ASH_CH_MAX_BODY);
  if (c->o.gzip) {
    /* windowBits 15 + 16: a gzip stream, what "Content-Encoding: gzip"
     * names; level 1: on a 2-core machine shared with the servers, CPU
     * is what the insert rate is made of, and level 1 already shrinks
     * these rows ~8x */
    if (deflateInit2(&b->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      free(b);
      return ASH_ENOMEM;
    }
    b->zinit = 1;
  }
  *out = b;
  return ASH_OK;
}

void ash_ch_batch_close(ash_ch_batch *b) {
  if (!b) return;
  if (b->zinit) deflateEnd(&b->z);
  ash_buf_free(&b->row);
  ash_buf_free(&b->raw);
  ash_buf_free(&b->body);
  free(b);
}

int ash_ch_batch_limit(ash_ch_batch *b, uint64_t rows) {
  if (!b || rows < 1 || rows > ASH_CH_BATCH_ROWS) return ASH_EUSAGE;
  b->limit = rows;
  return ASH_OK;
}

void ash_ch_batch_before_send(ash_ch_batch *b, int (*fn)(void *u), void *u) {
  b->before_send = fn;
  b->before_u = u;
}

ash_buf *ash_ch_batch_row(ash_ch_batch *b) { return &b->row; }
uint64_t ash_ch_batch_sent(const ash_ch_batch *b) { return b ? b->sent : 0; }
uint64_t ash_ch_batch_pending(const ash_ch_batch *b) { return b ? b->pending : 0; }

/* Move b->raw into b->body, deflating it (finish: end the gzip stream). */
static int drain(ash_ch_batch *b, int finish) {
  if (!b->zinit) {
    ASH_TRY(ash_buf_add(&b->body, b->raw.p ? b->raw.p : "", b->raw.n));
    ash_buf_reset(&b->raw);
    return ASH_OK;
  }
  b->z.next_in = (Bytef *)b->raw.p;
  b->z.avail_in = (uInt)b->raw.n;
  for (;;) {
    ASH_TRY(ash_buf_reserve(&b->body, 64u << 10));
    size_t room = b->body.cap - b->body.n - 1;
    if (room > b->body.max - b->body.n) room = b->body.max - b->body.n;
    if (room > (1u << 30)) room = 1u << 30;
    b->z.next_out = (Bytef *)b->body.p + b->body.n;
    b->z.avail_out = (uInt)room;
    int zr = deflate(&b->z, finish ? Z_FINISH : Z_NO_FLUSH);
    b->body.n += room - b->z.avail_out;
    if (zr == Z_STREAM_ERROR) return ASH_ENOMEM;
    if (finish ? zr == Z_STREAM_END : b->z.avail_in == 0) break;
    if (b->body.n >= b->body.max) return ASH_ELIMIT;
  }
  ash_buf_reset(&b->raw);
  return ASH_OK;
}

int ash_ch_batch_row_end(ash_ch_batch *b) {
  if (b->sealed) return ASH_ESTORE;     /* the unsent body must be flushed first */
  if (b->row.n == 0) return ASH_EUSAGE; /* a row has at least one field */
  ASH_TRY(ash_buf_add(&b->raw, b->row.p + 1, b->row.n - 1));
  ASH_TRY(ash_buf_addc(&b->raw, '\n'));
  ash_buf_reset(&b->row);
  b->pending++;
  if (b->raw.n >= RAW_WINDOW) ASH_TRY(drain(b, 0));
  if (b->pending >= b->limit || b->body.n + b->raw.n >= ASH_CH_FLUSH_BYTES)
    return ash_ch_batch_flush(b);
  return ASH_OK;
}

int ash_ch_batch_flush(ash_ch_batch *b) {
  if (!b->pending) return ASH_OK;
  if (!b->sealed) {
    ASH_TRY(drain(b, 1));
    b->sealed = 1;
  }
  if (b->before_send) ASH_TRY(b->before_send(b->before_u));
  ASH_TRY(post(b->c, b->params, b->body.p, b->body.n, b->zinit, 0));
  b->sent += b->pending;
  b->pending = 0;
  b->sealed = 0;
  ash_buf_reset(&b->body);
  if (b->zinit && deflateReset(&b->z) != Z_OK) return ASH_ENOMEM;
  return ASH_OK;
}
