/* The ClickHouse client's error paths, against a fake HTTP server on
 * 127.0.0.1 run by this test (a thread): server down, HTTP 500 with an
 * exception text, a partial answer, a server that never answers, a
 * server that comes up during the backoff; which requests are retried
 * and which are not (an insert whose fate is unknown must not be sent
 * twice). Also the strict URL parser, TabSeparated escaping, and the
 * shard function against values a real 18.16 server computed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "ashiato/ch.h"
#include "ashiato/error.h"

/* ---- the fake server */

enum mode {
  M_OK,
  M_500,
  M_PARTIAL,
  M_SILENT,
  M_OK_ANSWER,
  M_ROWS,
  M_ROWS_PARTIAL,
  M_ROWS_THEN_PARTIAL, /* the first request's answer is M_ROWS', every later one M_PARTIAL's */
  M_SLOW_ROWS          /* M_ROWS' answer after 7 s of silence: a long aggregation */
};

typedef struct fake {
  int lfd, port;
  int listening; /* listen() called: before it, connections are refused */
  int listen_after_ms;
  enum mode mode;
  int stop[2];
  pthread_t th;
  int requests;
  /* the bodies of the requests, each gunzipped when it was gzip */
  char body[4][4096];
  size_t body_n[4];
  int gzip[4];
  int accept_gzip[4];   /* the request asked for a gzip answer */
  char target[4][1024]; /* its request line's target: path and query string */
} fake;

static size_t gunzip(const char *in, size_t n, char *out, size_t cap) {
  z_stream z = {0};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return 0;
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  inflate(&z, Z_FINISH);
  size_t got = cap - z.avail_out;
  inflateEnd(&z);
  return got;
}

/* Read one request (headers, then Content-Length bytes). 0 at EOF. */
static int read_request(fake *f, int fd) {
  char buf[65536];
  size_t n = 0;
  char *end = NULL;
  while (!end) {
    ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
    if (r <= 0) return 0;
    n += (size_t)r;
    buf[n] = 0;
    end = strstr(buf, "\r\n\r\n");
  }
  size_t hlen = (size_t)(end + 4 - buf), want = 0;
  const char *cl = strcasestr(buf, "Content-Length:");
  if (cl && cl < end) want = strtoul(cl + 15, NULL, 10);
  while (n - hlen < want) {
    ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
    if (r <= 0) return 0;
    n += (size_t)r;
  }
  int k = f->requests < 4 ? f->requests : 3;
  const char *ce = strcasestr(buf, "Content-Encoding: gzip");
  f->gzip[k] = ce && ce < end;
  const char *ae = strcasestr(buf, "Accept-Encoding:");
  f->accept_gzip[k] = ae && ae < end && strstr(ae, "gzip") && strstr(ae, "gzip") < end;
  const char *sp = strchr(buf, ' ');
  const char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
  size_t tn = sp && sp2 && sp2 < end ? (size_t)(sp2 - sp - 1) : 0;
  if (tn >= sizeof f->target[k]) tn = sizeof f->target[k] - 1;
  memcpy(f->target[k], sp ? sp + 1 : "", tn);
  f->target[k][tn] = 0;
  if (f->gzip[k])
    f->body_n[k] = gunzip(buf + hlen, want, f->body[k], sizeof f->body[k]);
  else {
    f->body_n[k] = want < sizeof f->body[k] ? want : sizeof f->body[k];
    memcpy(f->body[k], buf + hlen, f->body_n[k]);
  }
  f->requests++;
  return 1;
}

static void say(int fd, const char *s) {
  size_t n = strlen(s);
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static void *serve(void *u) {
  fake *f = u;
  if (f->listen_after_ms) {
    poll(NULL, 0, f->listen_after_ms);
    listen(f->lfd, 8);
  }
  for (;;) {
    struct pollfd p[2] = {{f->lfd, POLLIN, 0}, {f->stop[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0 || (p[1].revents & POLLIN)) break;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0) continue;
    while (read_request(f, fd)) {
      enum mode m = f->mode;
      if (m == M_ROWS_THEN_PARTIAL) m = f->requests == 1 ? M_ROWS : M_PARTIAL;
      if (m == M_SLOW_ROWS) {
        struct pollfd s = {f->stop[0], POLLIN, 0};
        poll(&s, 1, 7000); /* past curl's 5 s window of speed and a 1 s stall */
        m = M_ROWS;
      }
      if (m == M_500) {
        const char *msg = "Code: 60, e.displayText() = DB::Exception: Table case1.nope doesn't"
                          " exist.\n\x1b[31mred\x1b[0m";
        char hdr[256];
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 500 Internal Server Error\r\nContent-Length: %zu\r\n\r\n", strlen(msg));
        say(fd, hdr);
        say(fd, msg);
      } else if (m == M_ROWS) {
        /* two TabSeparated rows: escapes of every kind, an empty field */
        static const char rows[] = "a\\tb\t\\\\x\\n\\0\\'\n\t2\n";
        char hdr[128];
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                 sizeof rows - 1);
        say(fd, hdr);
        say(fd, rows);
      } else if (m == M_ROWS_PARTIAL) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nrow1\nrow2 cut");
        break; /* one row handed on, then the connection ends */
      } else if (m == M_PARTIAL) {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        break; /* close with 90 bytes owed */
      } else if (m == M_SILENT) {
        struct pollfd s = {f->stop[0], POLLIN, 0};
        poll(&s, 1, 10000); /* answer nothing until the test ends */
        break;
      } else {
        say(fd, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n18.16.1");
      }
    }
    close(fd);
  }
  return NULL;
}

/* A fake server on an ephemeral loopback port; listen_after_ms > 0 binds
 * at once but listens only after that long (connections refused until). */
static void fake_start(fake *f, enum mode m, int listen_after_ms) {
  memset(f, 0, sizeof *f);
  f->mode = m;
  f->listen_after_ms = listen_after_ms;
  f->lfd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(f->lfd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t al = sizeof a;
  getsockname(f->lfd, (struct sockaddr *)&a, &al);
  f->port = ntohs(a.sin_port);
  if (!listen_after_ms) assert_int_equal(listen(f->lfd, 8), 0);
  assert_int_equal(pipe(f->stop), 0);
  assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
}

static void fake_stop(fake *f) {
  assert_true(write(f->stop[1], "x", 1) == 1);
  pthread_join(f->th, NULL);
  close(f->lfd);
  close(f->stop[0]);
  close(f->stop[1]);
}

/* A port nothing listens on: bound, then closed. */
static int dead_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t al = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &al);
  close(fd);
  return ntohs(a.sin_port);
}

static ash_ch *client_gz(int port, int retries, int gzip) {
  ash_ch_opts o;
  ash_ch_opts_default(&o);
  o.gzip = gzip;
  o.retries = retries;
  o.backoff_ms = 20;
  o.timeout_ms = 400;
  ash_ch *c = NULL;
  assert_int_equal(ash_ch_open(&c, "127.0.0.1", port, &o), ASH_OK);
  return c;
}

static ash_ch *client(int port, int retries) { return client_gz(port, retries, -1); }

/* ---- error paths */

static void test_server_down_retried_then_clear_error(void **st) {
  (void)st;
  ash_ch *c = client(dead_port(), 3);
  ash_buf out;
  ash_buf_init(&out, 1024);
  assert_int_equal(ash_ch_query(c, NULL, "SELECT 1", 0, &out), ASH_ESTORE);
  /* a request that never connected is retried even when not idempotent */
  assert_int_equal(ash_ch_requests(c), 4);
  assert_int_equal(ash_ch_retries(c), 3);
  assert_non_null(strstr(ash_ch_errmsg(c), "connect"));
  assert_non_null(strstr(ash_ch_errmsg(c), "attempt 4 of 4"));
  assert_int_equal(out.n, 0);
  ash_buf_free(&out);
  ash_ch_close(c);
}

static void test_server_up_during_backoff_succeeds(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_OK, 150);
  ash_ch *c = client(f.port, 6); /* waits 20+40+80+160 ms: listening by then */
  ash_buf out;
  ash_buf_init(&out, 1024);
  assert_int_equal(ash_ch_query(c, NULL, "SELECT version()", 0, &out), ASH_OK);
  assert_string_equal(out.p, "18.16.1");
  assert_true(ash_ch_retries(c) >= 1);
  assert_string_equal(ash_ch_errmsg(c), "");
  ash_buf_free(&out);
  ash_ch_close(c);
  fake_stop(&f);
}

static void test_http_500_keeps_server_text_without_controls(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_500, 0);
  ash_ch *c = client(f.port, 3);
  assert_int_equal(ash_ch_query(c, "case1", "SELECT * FROM nope", ASH_CH_IDEMPOTENT, NULL),
                   ASH_ESTORE);
  assert_int_equal(ash_ch_http_status(c), 500);
  /* an HTTP error is the server's answer: not retried, even idempotent */
  assert_int_equal(ash_ch_requests(c), 1);
  const char *m = ash_ch_errmsg(c);
  assert_non_null(strstr(m, "HTTP 500: Code: 60"));
  assert_non_null(strstr(m, "doesn't exist"));
  for (const char *p = m; *p; p++) assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
  ash_ch_close(c);
  fake_stop(&f);
}

static void test_partial_answer_fails_insert_not_resent(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_PARTIAL, 0);
  ash_ch *c = client(f.port, 3);
  ash_ch_batch *b;
  assert_int_equal(ash_ch_batch_open(&b, c, "case1", "flows"), ASH_OK);
  assert_int_equal(ash_ch_tsv_u64(ash_ch_batch_row(b), 1), ASH_OK);
  assert_int_equal(ash_ch_tsv_str(ash_ch_batch_row(b), "a\tb", 3), ASH_OK);
  assert_int_equal(ash_ch_batch_row_end(b), ASH_OK);
  assert_int_equal(ash_ch_batch_flush(b), ASH_ESTORE);
  /* the server may have stored it: one attempt only, and it says so */
  assert_int_equal(ash_ch_requests(c), 1);
  assert_non_null(strstr(ash_ch_errmsg(c), "partial answer"));
  assert_non_null(strstr(ash_ch_errmsg(c), "not retried"));
  /* the rows stay in the batch, and no row can be added to its sealed body */
  assert_int_equal(ash_ch_batch_pending(b), 1);
  assert_int_equal(ash_ch_batch_sent(b), 0);
  assert_int_equal(ash_ch_batch_row_end(b), ASH_ESTORE);
  ash_ch_batch_close(b);
  /* the same failure on a SELECT is retried: it stores nothing */
  assert_int_equal(ash_ch_query(c, NULL, "SELECT 1", ASH_CH_IDEMPOTENT, NULL), ASH_ESTORE);
  assert_int_equal(ash_ch_requests(c), 1 + 4);
  ash_ch_close(c);
  fake_stop(&f);
}

typedef struct rows_seen {
  int n, stop_at;
  char f[2][2][32];
  size_t len[2][2];
  int nf[2];
} rows_seen;

static int on_row(void *u, char *line, size_t n) {
  rows_seen *r = u;
  if (r->n < 2) {
    char *f[2];
    size_t len[2];
    r->nf[r->n] = ash_ch_tsv_fields(line, n, f, len, 2);
    for (int i = 0; i < r->nf[r->n] && i < 2; i++) {
      memcpy(r->f[r->n][i], f[i], len[i] < 31 ? len[i] : 31);
      r->len[r->n][i] = len[i];
    }
  }
  r->n++;
  return r->stop_at && r->n == r->stop_at ? ASH_ESTOP : 0;
}

/* Rows stream to the callback unescaped; a failure before the first row
 * is retried (nothing was handed on), after it never (it would be handed
 * on twice); the callback can stop the transfer; an error answer's body
 * is the message, never rows. */
static void test_query_rows(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_ROWS, 0);
  ash_ch *c = client(f.port, 3);
  rows_seen r = {0};
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_OK);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.nf[0], 2);
  assert_int_equal(r.len[0][0], 3);
  assert_memory_equal(r.f[0][0], "a\tb", 3);
  assert_int_equal(r.len[0][1], 5);
  assert_memory_equal(r.f[0][1], "\\x\n\0'", 5);
  assert_int_equal(r.nf[1], 2);
  assert_int_equal(r.len[1][0], 0);
  assert_memory_equal(r.f[1][1], "2", 2);
  rows_seen stop = {.stop_at = 1};
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &stop),
                   ASH_ESTOP);
  assert_int_equal(stop.n, 1);
  ash_ch_close(c);
  fake_stop(&f);

  fake_start(&f, M_ROWS_PARTIAL, 0);
  c = client(f.port, 3);
  memset(&r, 0, sizeof r);
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_ESTORE);
  assert_int_equal(r.n, 1);
  assert_int_equal(ash_ch_requests(c), 1);
  ash_ch_close(c);
  fake_stop(&f);

  fake_start(&f, M_PARTIAL, 0);
  c = client(f.port, 3);
  memset(&r, 0, sizeof r);
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_ESTORE);
  assert_int_equal(r.n, 0);
  assert_int_equal(ash_ch_requests(c), 4); /* no row was handed on: retried */
  ash_ch_close(c);
  fake_stop(&f);

  fake_start(&f, M_500, 0);
  c = client(f.port, 3);
  memset(&r, 0, sizeof r);
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_ESTORE);
  assert_int_equal(r.n, 0);
  assert_non_null(strstr(ash_ch_errmsg(c), "doesn't exist"));
  ash_ch_close(c);
  fake_stop(&f);
}

/* A plain query after a reader that handed rows on is retried like any
 * other: the reader's rows are not this request's. */
static void test_query_after_rows_is_retried(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_ROWS_THEN_PARTIAL, 0);
  ash_ch *c = client(f.port, 2);
  rows_seen r = {0};
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_OK);
  assert_int_equal(r.n, 2);
  ash_buf out;
  ash_buf_init(&out, 1 << 16);
  assert_int_equal(ash_ch_query(c, NULL, "SELECT 1", ASH_CH_IDEMPOTENT, &out), ASH_ESTORE);
  assert_int_equal(ash_ch_requests(c), 1 + 3); /* the query's first attempt and 2 retries */
  ash_buf_free(&out);
  ash_ch_close(c);
  fake_stop(&f);
}

/* Answers are asked for compressed as bodies are sent (ash_ch_opts.gzip):
 * not from a loopback server by default, where gzip only costs the
 * server's and our CPU; when asked, in both headers and settings. */
static void test_answer_compression_follows_gzip(void **st) {
  (void)st;
  for (int gz = -1; gz <= 1; gz++) {
    fake f;
    fake_start(&f, M_ROWS, 0);
    ash_ch *c = client_gz(f.port, 0, gz);
    rows_seen r = {0};
    assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_OK);
    ash_buf out;
    ash_buf_init(&out, 1 << 16);
    assert_int_equal(ash_ch_query(c, NULL, "SELECT 1", ASH_CH_IDEMPOTENT, &out), ASH_OK);
    ash_buf_free(&out);
    for (int k = 0; k < 2; k++) {
      assert_int_equal(f.accept_gzip[k], gz == 1);
      assert_int_equal(strstr(f.target[k], "enable_http_compression=1") != NULL, gz == 1);
      assert_non_null(strstr(f.target[k], "wait_end_of_query=1"));
    }
    ash_ch_close(c);
    fake_stop(&f);
  }
}

static void test_silent_server_times_out(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_SILENT, 0);
  ash_ch *c = client(f.port, 0);
  assert_int_equal(ash_ch_query(c, NULL, "SELECT sleep(3)", 0, NULL), ASH_ESTORE);
  assert_non_null(strstr(ash_ch_errmsg(c), "imeout"));
  assert_int_equal(ash_ch_requests(c), 1);
  ash_ch_close(c);
  fake_stop(&f);
}

/* A query answers only when the server is done with it
 * (wait_end_of_query): its silence is not a stall, however long. An
 * insert's still is. */
static void test_long_query_is_not_a_stall(void **st) {
  (void)st;
  ash_ch_opts o;
  ash_ch_opts_default(&o);
  o.retries = 0;
  o.stall_s = 1;
  fake f;
  fake_start(&f, M_SLOW_ROWS, 0);
  ash_ch *c = NULL;
  assert_int_equal(ash_ch_open(&c, "127.0.0.1", f.port, &o), ASH_OK);
  rows_seen r = {0};
  assert_int_equal(ash_ch_query_rows(c, NULL, "SELECT", ASH_CH_IDEMPOTENT, on_row, &r), ASH_OK);
  assert_int_equal(r.n, 2);
  assert_int_equal(ash_ch_requests(c), 1);
  ash_ch_close(c);
  fake_stop(&f);

  fake_start(&f, M_SILENT, 0);
  assert_int_equal(ash_ch_open(&c, "127.0.0.1", f.port, &o), ASH_OK);
  ash_ch_batch *b;
  assert_int_equal(ash_ch_batch_open(&b, c, "case1", "flows"), ASH_OK);
  assert_int_equal(ash_ch_tsv_i64(ash_ch_batch_row(b), 1), ASH_OK);
  assert_int_equal(ash_ch_batch_row_end(b), ASH_OK);
  assert_int_equal(ash_ch_batch_flush(b), ASH_ESTORE);
  assert_non_null(strstr(ash_ch_errmsg(c), "slow"));
  ash_ch_batch_close(b);
  ash_ch_close(c);
  fake_stop(&f);
}

/* The body of a failed flush is sent again unchanged by the next flush:
 * the same rows, once each; gzip-compressed when asked, plain by default
 * to a loopback server. */
static void resend_whole(int gzip) {
  fake f;
  fake_start(&f, M_500, 0);
  ash_ch *c = client_gz(f.port, 0, gzip);
  ash_ch_batch *b;
  assert_int_equal(ash_ch_batch_open(&b, c, "case1", "flows"), ASH_OK);
  for (int i = 0; i < 3; i++) {
    ash_buf *r = ash_ch_batch_row(b);
    assert_int_equal(ash_ch_tsv_i64(r, i - 1), ASH_OK);
    assert_int_equal(ash_ch_tsv_str(r, "x\ny", 3), ASH_OK);
    assert_int_equal(ash_ch_batch_row_end(b), ASH_OK);
  }
  assert_int_equal(ash_ch_batch_flush(b), ASH_ESTORE);
  f.mode = M_OK;
  assert_int_equal(ash_ch_batch_flush(b), ASH_OK);
  assert_int_equal(ash_ch_batch_sent(b), 3);
  assert_int_equal(ash_ch_batch_pending(b), 0);
  assert_int_equal(ash_ch_batch_flush(b), ASH_OK); /* nothing left: no request */
  assert_int_equal(f.requests, 2);
  const char want[] = "-1\tx\\ny\n0\tx\\ny\n1\tx\\ny\n";
  for (int k = 0; k < 2; k++) {
    assert_int_equal(f.gzip[k], gzip == 1);
    assert_int_equal(f.body_n[k], sizeof want - 1);
    assert_memory_equal(f.body[k], want, sizeof want - 1);
  }
  ash_ch_batch_close(b);
  ash_ch_close(c);
  fake_stop(&f);
}

/* before_send runs before each request that sends rows, a full batch's
 * as a flush's, and never for an empty flush; its failure is the send's,
 * the rows kept for the next flush (what the case store's queue of
 * sources rows relies on: they are stored before any row of theirs). */
typedef struct hook_state {
  int calls, fail, requests_seen;
  fake *f;
} hook_state;
static int hook(void *u) {
  hook_state *h = u;
  h->calls++;
  h->requests_seen = h->f->requests;
  return h->fail ? ASH_EIO : ASH_OK;
}

static void test_batch_before_send(void **st) {
  (void)st;
  fake f;
  fake_start(&f, M_OK, 0);
  ash_ch *c = client(f.port, 0);
  ash_ch_batch *b;
  assert_int_equal(ash_ch_batch_open(&b, c, "case1", "flows"), ASH_OK);
  assert_int_equal(ash_ch_batch_limit(b, 2), ASH_OK);
  hook_state h = {0, 1, -1, &f};
  ash_ch_batch_before_send(b, hook, &h);
  assert_int_equal(ash_ch_batch_flush(b), ASH_OK); /* nothing to send: no hook */
  assert_int_equal(h.calls, 0);
  ash_buf *r = ash_ch_batch_row(b);
  assert_int_equal(ash_ch_tsv_i64(r, 1), ASH_OK);
  assert_int_equal(ash_ch_batch_row_end(b), ASH_OK);
  r = ash_ch_batch_row(b);
  assert_int_equal(ash_ch_tsv_i64(r, 2), ASH_OK);
  /* the batch is full: the hook fails, nothing is sent, the rows stay */
  assert_int_equal(ash_ch_batch_row_end(b), ASH_EIO);
  assert_int_equal(h.calls, 1);
  assert_int_equal(f.requests, 0);
  assert_int_equal(ash_ch_batch_pending(b), 2);
  h.fail = 0;
  assert_int_equal(ash_ch_batch_flush(b), ASH_OK);
  assert_int_equal(h.calls, 2);
  assert_int_equal(h.requests_seen, 0); /* before the request */
  assert_int_equal(f.requests, 1);
  assert_int_equal(ash_ch_batch_sent(b), 2);
  const char want[] = "1\n2\n";
  assert_int_equal(f.body_n[0], sizeof want - 1);
  assert_memory_equal(f.body[0], want, sizeof want - 1);
  ash_ch_batch_close(b);
  ash_ch_close(c);
  fake_stop(&f);
}

static void test_failed_batch_resent_whole_by_next_flush(void **st) {
  (void)st;
  resend_whole(1);
  resend_whole(-1);
}

/* ---- text */

static void test_tsv_escape_hostile_bytes(void **st) {
  (void)st;
  ash_buf r;
  ash_buf_init(&r, 4096);
  const char in[] = "a\tb\nc\\d'e\0f\rg\bh\fi\"j\xff";
  assert_int_equal(ash_ch_tsv_str(&r, in, sizeof in - 1), ASH_OK);
  assert_int_equal(ash_ch_tsv_i64(&r, INT64_MIN), ASH_OK);
  assert_int_equal(ash_ch_tsv_u64(&r, UINT64_MAX), ASH_OK);
  const char want[] =
      "\ta\\tb\\nc\\\\d\\'e\\0f\\rg\\bh\\fi\"j\xff\t-9223372036854775808\t18446744073709551615";
  assert_string_equal(r.p, want);
  /* no raw tab or newline is left but the two separators */
  size_t tabs = 0;
  for (size_t i = 0; i < r.n; i++) {
    assert_true(r.p[i] != '\n' && r.p[i] != 0);
    tabs += r.p[i] == '\t';
  }
  assert_int_equal(tabs, 3);
  /* FixedString(16): trailing zeros left for the server to pad, inner
   * ones escaped */
  ash_buf_reset(&r);
  static const uint8_t z[16], v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t pre[16] = {'a', 'b'};
  assert_int_equal(ash_ch_tsv_fixed16(&r, z), ASH_OK);
  assert_int_equal(ash_ch_tsv_fixed16(&r, pre), ASH_OK);
  assert_int_equal(ash_ch_tsv_fixed16(&r, v6), ASH_OK);
  assert_int_equal(r.n, 1 + 1 + 2 + 1 + 5 + 11 * 2 + 1);
  assert_memory_equal(r.p, "\t\tab\t \001\\r\xb8", 10);
  assert_memory_equal(r.p + 10, "\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\001", 23);
  ash_buf_reset(&r);
  assert_int_equal(ash_ch_sql_quote(&r, "x'); DROP", 9), ASH_OK);
  assert_string_equal(r.p, "'x\\'); DROP'");
  ash_buf_free(&r);
}

static void test_url_parse_is_strict(void **st) {
  (void)st;
  ash_ch_url u;
  assert_int_equal(ash_ch_url_parse("clickhouse://127.0.0.1:8123/case1", &u), ASH_OK);
  assert_string_equal(u.host, "127.0.0.1");
  assert_int_equal(u.port, 8123);
  assert_string_equal(u.db, "case1");
  assert_int_equal(ash_ch_url_parse("clickhouse://ch-1.corp.example/_c2", &u), ASH_OK);
  assert_int_equal(u.port, 8123);
  assert_string_equal(u.db, "_c2");
  static const char *const bad[] = {
      "clickhouse://127.0.0.1:8123/",
      "clickhouse://127.0.0.1:8123",
      "clickhouse://:8123/db",
      "clickhouse://127.0.0.1:/db",
      "clickhouse://127.0.0.1:0/db",
      "clickhouse://127.0.0.1:65536/db",
      "clickhouse://127.0.0.1:81a/db",
      "clickhouse://127.0.0.1:8123/db/x",
      "clickhouse://127.0.0.1:8123/db?x=1",
      "clickhouse://u:p@127.0.0.1/db",
      "clickhouse://127.0.0.1:8123/1db",
      "clickhouse://127.0.0.1:8123/my-db",
      "clickhouse://127.0.0.1:8123/db;DROP",
      "CLICKHOUSE://127.0.0.1/db",
      "http://127.0.0.1:8123/db",
      "clickhouse://[::1]:8123/db",
      "clickhouse://127.0.0.1:8123/db#frag",
      "clickhouse://127.0.0.1:8123/d%20b",
      "clickhouse://127.0.0.1:008123/db",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ash_ch_url_parse(bad[i], &u), ASH_EUSAGE);
  char longdb[100] = "clickhouse://h/";
  memset(longdb + 15, 'a', 65);
  assert_int_equal(ash_ch_url_parse(longdb, &u), ASH_EUSAGE); /* 65 > ASH_CH_MAX_IDENT */
  longdb[15 + 64] = 0;
  assert_int_equal(ash_ch_url_parse(longdb, &u), ASH_OK);
  assert_true(ash_ch_ident_ok("flows_local", 11));
  assert_false(ash_ch_ident_ok("flows local", 11));
  assert_false(ash_ch_ident_ok("", 0));
}

/* The shard function is ClickHouse's own sharding key: the values below
 * came from a real 18.16 server (SELECT intHash64(...)). */
static void test_flow_shard_matches_clickhouse_inthash64(void **st) {
  (void)st;
  /* intHash64(toUInt64(5)) = 15228578409069794350 */
  assert_int_equal(ash_ch_flow_shard(0, 5, 2), 15228578409069794350ull % 2);
  assert_int_equal(ash_ch_flow_shard(0, 5, 3), 15228578409069794350ull % 3);
  /* 10.0.0.1 -> 104.109.0.1: intHash64(...) = 7636001113998683925 */
  assert_int_equal(ash_ch_flow_shard(167772161u, 1752002561u, 2), 7636001113998683925ull % 2);
  assert_int_equal(ash_ch_flow_shard(167772161u, 1752002561u, 3), 7636001113998683925ull % 3);
  assert_int_equal(ash_ch_flow_shard(1, 2, 1), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_server_down_retried_then_clear_error),
      cmocka_unit_test(test_server_up_during_backoff_succeeds),
      cmocka_unit_test(test_http_500_keeps_server_text_without_controls),
      cmocka_unit_test(test_partial_answer_fails_insert_not_resent),
      cmocka_unit_test(test_query_rows),
      cmocka_unit_test(test_query_after_rows_is_retried),
      cmocka_unit_test(test_answer_compression_follows_gzip),
      cmocka_unit_test(test_batch_before_send),
      cmocka_unit_test(test_silent_server_times_out),
      cmocka_unit_test(test_long_query_is_not_a_stall),
      cmocka_unit_test(test_failed_batch_resent_whole_by_next_flush),
      cmocka_unit_test(test_tsv_escape_hostile_bytes),
      cmocka_unit_test(test_url_parse_is_strict),
      cmocka_unit_test(test_flow_shard_matches_clickhouse_inthash64),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
