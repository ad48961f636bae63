/* `ashiato watch`: listeners, the bounded queue, the spool and the store
 * writer. See include/ashiato/watch.h for the contract.
 *
 * Two threads. The network thread polls every socket and frames messages
 * into the queue; it never touches the disk, so a slow disk cannot keep it
 * from reading the UDP sockets. The caller's thread takes messages off the
 * queue, spools, parses, stores, hunts and commits. The queue holds at most
 * ASH_MAX_WATCH_QUEUE bytes (plus what one read of one connection frames,
 * and the drop notes): when full, TCP sockets are not read (the kernel's
 * window then holds the sender back) and UDP datagrams are dropped, each
 * one counted for its sender and stored as a rejection. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "ashiato/watch.h"
#include "watch_int.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

enum { P_UDP = 1, P_TCP = 2, P_TLS = 3 };

/* the transport's name in a spool file's name, a listener's and an
 * alert's sender */
static const char *proto_name(int p) { return p == P_UDP ? "udp" : p == P_TLS ? "tls" : "tcp"; }

/* Messages taken off the queue at once: the worker holds at most this
 * many before it gives their bytes back to the queue. */
#define TAKE_MAX 4096
/* Pending drop counts per sender while the queue is full; beyond it the
 * drops are counted under an unknown sender. */
#define DROP_SLOTS 64
/* How long a stop may spend reading what the senders had sent, and how
 * long a connection may be quiet before the stop takes it as finished. */
#define STOP_DRAIN_US (30LL * 1000000)
#define STOP_QUIET_MS 200
/* A source without a message for this long is finished (its file closed);
 * a message after it opens a source that continues it. */
#define SOURCE_IDLE_US (3600LL * 1000000)
/* How long a made alert may wait for more messages to share its commit. */
#define ALERT_WAIT_US 50000
/* Spool bytes buffered per source before a write. */
#define SPOOL_BUF (64u << 10)
/* A UDP socket's receive buffer: 8 MiB holds ~40,000 messages of 200
 * bytes, most of a second at the rates we are built for, so a worker
 * pause (a commit, a sync) is absorbed by the kernel before anything is
 * dropped. */
#define UDP_RCVBUF (8 << 20)

typedef struct qmsg {
  struct qmsg *next;
  int64_t arrival;
  ash_ip sender;
  int proto;
  const char *why; /* the framer's rejection, or NULL */
  uint64_t drops;  /* a drop note: this many datagrams lost (n == 0) */
  const char *drop_why;
  size_t n;
  uint8_t data[];
} qmsg;

typedef struct listener {
  int fd, proto;
  char name[80];
  uint32_t ovfl; /* last SO_RXQ_OVFL count */
} listener;

typedef struct conn {
  int fd, proto;
  ash_ip peer;
  ash_framer fr;
  void *tls;      /* the TLS state of a tls: listener's connection, else NULL */
  int want_write; /* TLS waits for the socket to be writable */
} conn;

typedef struct dropslot {
  ash_ip sender;
  uint64_t n;
} dropslot;

typedef struct wsrc {
  uint64_t h;
  char key[128];
  char *path;
  int64_t id;
  int fd;
  uint64_t size; /* spooled bytes, buffered ones included */
  uint8_t *wbuf;
  size_t wn;
  EVP_MD_CTX *sha;
  const ash_format *f; /* NULL: messages of no known format */
  ash_recs *recs;
  uint64_t xread, xrej; /* accounted here, not by the parser */
  int64_t continues;
  uint64_t base_size;
  int dirty;
  uint64_t used;
  int64_t last_us; /* arrival of its last message */
} wsrc;

typedef struct prior {
  char *path;
  int64_t id;
  uint64_t size;
} prior;

struct ash_watch {
  ash_store *s;
  ash_watch_opts o;
  ash_wtls *tls; /* the server's TLS context when --tls-cert was given */
  char *spool;
  listener ls[ASH_MAX_WATCH_LISTENERS];
  size_t nls;
  conn *conns;
  size_t nconns;
  int wake[2];
  volatile sig_atomic_t stopping;
  pthread_t th;
  int th_started;
  /* queue */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  qmsg *qhead, *qtail;
  size_t qbytes, qmax;
  int reader_done;
  dropslot drops[DROP_SLOTS];
  /* worker */
  wsrc **src;
  size_t nsrc;
  uint64_t use_clock;
  prior *pri;
  size_t npri, cappri;
  ash_live *live;
  ash_live_iocs own_iocs;
  int64_t first_alert; /* when the oldest alert not given yet was made */
  ash_buf alerts;      /* alert JSON lines (each without its "alerted" and closing brace) */
  size_t nalerts;
  ash_buf esc; /* a message with its LFs escaped, for the spool (escape_lf) */
  ash_buf evjs;
  /* the message being processed, for the alerts */
  const qmsg *cur;
  wsrc *cur_src;
  const ash_event *cur_ev;
  uint64_t cur_ref;
  int err;
  ash_watch_stats st;
};

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * ASH_US_PER_SEC + ts.tv_nsec / 1000;
}

static void sa_to_ip(const struct sockaddr_storage *sa, ash_ip *ip) {
  char t[INET6_ADDRSTRLEN] = "";
  memset(ip, 0, sizeof *ip);
  if (sa->ss_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, t, sizeof t);
  else if (sa->ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, t, sizeof t);
  if (t[0]) ash_ip_parse(ash_str_cstr(t), ip);
}

/* ---- the queue ---- */

static size_t qsize(size_t n) { return sizeof(qmsg) + n; }

/* Queue a message. force: over the cap too (TCP, whose reads stop at the
 * cap, so it overshoots by one read at most; drop notes, a few bytes).
 * Returns 0, or 1 when the queue was full. */
static int qpush(ash_watch *w, int proto, const ash_ip *sender, int64_t arrival, const uint8_t *p,
                 size_t n, const char *why, uint64_t drops, const char *drop_why, int force) {
  pthread_mutex_lock(&w->mu);
  if (!force && w->qbytes + qsize(n) > w->qmax) {
    pthread_mutex_unlock(&w->mu);
    return 1;
  }
  pthread_mutex_unlock(&w->mu);
  qmsg *m = malloc(qsize(n));
  if (!m) return 1; /* counted as a drop by the caller: nothing is silent */
  m->next = NULL;
  m->arrival = arrival;
  if (sender)
    m->sender = *sender;
  else
    memset(&m->sender, 0, sizeof m->sender);
  m->proto = proto;
  m->why = why;
  m->drops = drops;
  m->drop_why = drop_why;
  m->n = n;
  if (n) memcpy(m->data, p, n);
  pthread_mutex_lock(&w->mu);
  if (w->qtail)
    w->qtail->next = m;
  else
    w->qhead = m;
  w->qtail = m;
  w->qbytes += qsize(n);
  if (w->qbytes > w->st.queue_peak) w->st.queue_peak = w->qbytes;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return 0;
}

static int queue_full(ash_watch *w) {
  pthread_mutex_lock(&w->mu);
  int full = w->qbytes >= w->qmax;
  pthread_mutex_unlock(&w->mu);
  return full;
}

static void note_drop(ash_watch *w, const ash_ip *sender) {
  size_t free_slot = DROP_SLOTS;
  for (size_t i = 0; i < DROP_SLOTS; i++) {
    if (w->drops[i].n && ash_ip_eq(&w->drops[i].sender, sender)) {
      w->drops[i].n++;
      return;
    }
    if (!w->drops[i].n && free_slot == DROP_SLOTS && i) free_slot = i;
  }
  /* slot 0 is the unknown sender's: every sender past DROP_SLOTS at once */
  if (free_slot == DROP_SLOTS) {
    memset(&w->drops[0].sender, 0, sizeof w->drops[0].sender);
    w->drops[0].n++;
    return;
  }
  w->drops[free_slot].sender = *sender;
  w->drops[free_slot].n = 1;
}

static void flush_drops(ash_watch *w) {
  for (size_t i = 0; i < DROP_SLOTS; i++) {
    if (!w->drops[i].n) continue;
    qpush(w, P_UDP, &w->drops[i].sender, now_us(), NULL, 0, NULL, w->drops[i].n,
          "UDP datagrams dropped: the queue to the store was full", 1);
    w->drops[i].n = 0;
  }
}

/* ---- the network thread ---- */

typedef struct fctx {
  ash_watch *w;
  const ash_ip *peer;
  int64_t t;
  int proto;
} fctx;

static int on_frame(void *u, const uint8_t *msg, size_t n, const char *why) {
  fctx *c = u;
  qpush(c->w, c->proto, c->peer, c->t, msg, n, why, 0, NULL, 1);
  return 0;
}

static void conn_close(ash_watch *w, size_t i) {
  conn *c = &w->conns[i];
  fctx fc = {w, &c->peer, now_us(), c->proto};
  ash_framer_end(&c->fr, on_frame, &fc);
  ash_framer_free(&c->fr);
  ash_wtls_free(c->tls);
  close(c->fd);
  w->conns[i] = w->conns[--w->nconns];
}

static void read_udp(ash_watch *w, listener *l, uint8_t *buf) {
  for (int k = 0; k < 256; k++) {
    struct sockaddr_storage sa;
    char cbuf[CMSG_SPACE(sizeof(uint32_t))];
    struct iovec iov = {buf, 65536};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_name = &sa;
    mh.msg_namelen = sizeof sa;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    ssize_t r = recvmsg(l->fd, &mh, MSG_DONTWAIT);
    if (r < 0) return;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
      if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SO_RXQ_OVFL) continue;
      uint32_t ov;
      memcpy(&ov, CMSG_DATA(cm), sizeof ov);
      if (ov != l->ovfl) {
        uint32_t d = ov - l->ovfl;
        l->ovfl = ov;
        qpush(w, P_UDP, NULL, now_us(), NULL, 0, NULL, d,
              "UDP datagrams dropped by the kernel before they were read (receive buffer full)", 1);
        pthread_mutex_lock(&w->mu);
        w->st.dropped_kernel += d;
        pthread_mutex_unlock(&w->mu);
      }
    }
    ash_ip peer;
    sa_to_ip(&sa, &peer);
    size_t n = (size_t)r;
    const char *why = NULL;
    if (mh.msg_flags & MSG_TRUNC) why = "message larger than 128 KiB";
    /* one datagram is one message (RFC 5426); a trailing LF or NUL that
     * some senders add is framing */
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == 0)) n--;
    if (qpush(w, P_UDP, &peer, now_us(), buf, n, why, 0, NULL, 0)) {
      note_drop(w, &peer);
      pthread_mutex_lock(&w->mu);
      w->st.dropped_queue++;
      pthread_mutex_unlock(&w->mu);
    }
  }
}

static void accept_tcp(ash_watch *w, listener *l) {
  for (int k = 0; k < 64; k++) {
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    int fd = accept4(l->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    pthread_mutex_lock(&w->mu);
    if (w->nconns >= ASH_MAX_WATCH_CONNS) {
      w->st.conns_refused++;
      pthread_mutex_unlock(&w->mu);
      close(fd);
      continue;
    }
    void *tls = NULL;
    if (l->proto == P_TLS && !(tls = ash_wtls_accept(w->tls, fd))) {
      w->st.tls_failed++;
      pthread_mutex_unlock(&w->mu);
      close(fd);
      continue;
    }
    w->st.conns++;
    pthread_mutex_unlock(&w->mu);
    conn *c = &w->conns[w->nconns++];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->proto = l->proto;
    c->tls = tls;
    sa_to_ip(&sa, &c->peer);
    ash_framer_init(&c->fr);
  }
}

/* One read of a connection into buf (64 KiB), framed: 1 when it is to
 * be closed (its end, an error, a TLS handshake that failed). */
static int conn_read(ash_watch *w, conn *c, uint8_t *buf) {
  long got;
  if (c->tls) {
    got = ash_wtls_read(c->tls, buf, 65536, &c->want_write);
    if (got == ASH_WTLS_HANDSHAKE_FAILED) {
      pthread_mutex_lock(&w->mu);
      w->st.tls_failed++;
      pthread_mutex_unlock(&w->mu);
      return 1;
    }
  } else {
    got = read(c->fd, buf, 65536);
  }
  if (got > 0) {
    fctx fc = {w, &c->peer, now_us(), c->proto};
    ash_framer_feed(&c->fr, buf, (size_t)got, on_frame, &fc);
    return 0;
  }
  return got == 0 || (errno != EAGAIN && errno != EINTR);
}

/* What poll is to wait for on c; TLS may hold decrypted bytes poll does
 * not see (*ready then) */
static short conn_events(const conn *c, int full, int *ready) {
  if (full) return 0;
  if (c->tls && ash_wtls_pending(c->tls)) *ready = 1;
  return (short)(POLLIN | (c->want_write ? POLLOUT : 0));
}

static void *net_main(void *arg) {
  ash_watch *w = arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the caller's thread */
  uint8_t *buf = malloc(65536);
  struct pollfd *pf = calloc(1 + ASH_MAX_WATCH_LISTENERS + ASH_MAX_WATCH_CONNS, sizeof *pf);
  if (!buf || !pf) {
    w->stopping = 1;
  }
  while (!w->stopping) {
    int full = queue_full(w);
    if (!full) flush_drops(w);
    size_t np = 0;
    pf[np].fd = w->wake[0];
    pf[np++].events = POLLIN;
    for (size_t i = 0; i < w->nls; i++) {
      pf[np].fd = w->ls[i].fd;
      pf[np++].events = POLLIN;
    }
    /* back-pressure: a full queue is not read into from TCP, so that the
     * senders' windows close instead of our memory growing */
    int ready = 0;
    for (size_t i = 0; i < w->nconns; i++) {
      pf[np].fd = w->conns[i].fd;
      pf[np++].events = conn_events(&w->conns[i], full, &ready);
    }
    int r = poll(pf, np, ready ? 0 : full ? 5 : 500);
    if (r < 0 && errno != EINTR) break;
    if (r < 0 || (r == 0 && !ready)) continue;
    if (pf[0].revents) break;
    for (size_t i = 0; i < w->nls; i++) {
      if (!pf[1 + i].revents) continue;
      if (w->ls[i].proto == P_UDP)
        read_udp(w, &w->ls[i], buf);
      else
        accept_tcp(w, &w->ls[i]);
    }
    size_t nc = np - 1 - w->nls;
    for (size_t j = nc; j-- > 0;) {
      short ev = pf[1 + w->nls + j].revents;
      conn *c = &w->conns[j];
      if (!ev && !(c->tls && ash_wtls_pending(c->tls))) continue;
      if (queue_full(w) && !(ev & (POLLHUP | POLLERR))) continue;
      if (conn_read(w, c, buf)) conn_close(w, j);
    }
  }
  /* stopping: what the senders already sent is read (with the queue's
   * back-pressure, the worker drains meanwhile) until every connection
   * is at its end or has been quiet for STOP_QUIET_MS, then they close and
   * their partial frames are given. STOP_DRAIN_US at most: a sender that
   * keeps sending cannot hold the stop off. */
  int64_t until = now_us() + STOP_DRAIN_US;
  for (size_t i = 0; i < w->nls && buf; i++)
    if (w->ls[i].proto == P_UDP) read_udp(w, &w->ls[i], buf);
  while (buf && pf && w->nconns && now_us() < until) {
    int full = queue_full(w), ready = 0;
    for (size_t i = 0; i < w->nconns; i++) {
      pf[i].fd = w->conns[i].fd;
      pf[i].events = conn_events(&w->conns[i], full, &ready);
      pf[i].revents = 0;
    }
    size_t nc = w->nconns;
    int r = poll(pf, nc, ready ? 0 : full ? 2 : STOP_QUIET_MS);
    if (r < 0 && errno != EINTR) break;
    if (r == 0 && !full && !ready) break; /* all quiet */
    for (size_t j = nc; j-- > 0;) {
      conn *c = &w->conns[j];
      int pend = c->tls && ash_wtls_pending(c->tls);
      if ((!pf[j].revents && !pend) || (full && !(pf[j].revents & (POLLHUP | POLLERR)))) continue;
      if (conn_read(w, c, buf)) conn_close(w, j);
    }
  }
  for (size_t j = w->nconns; j-- > 0;) conn_close(w, j);
  flush_drops(w);
  free(buf);
  free(pf);
  pthread_mutex_lock(&w->mu);
  w->reader_done = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- listeners ---- */

/* "udp:127.0.0.1:5514", "tcp:[::1]:5514". */
static int bind_one(ash_watch *w, const char *spec) {
  if (w->nls >= ASH_MAX_WATCH_LISTENERS) return ASH_ELIMIT;
  int proto;
  if (!strncmp(spec, "udp:", 4))
    proto = P_UDP;
  else if (!strncmp(spec, "tcp:", 4))
    proto = P_TCP;
  else if (!strncmp(spec, "tls:", 4) && w->tls)
    proto = P_TLS;
  else
    return ASH_EUSAGE;
  const char *a = spec + 4, *colon = strrchr(a, ':');
  if (!colon || colon == a) return ASH_EUSAGE;
  char host[64];
  size_t hn = (size_t)(colon - a);
  if (a[0] == '[') {
    if (hn < 3 || a[hn - 1] != ']') return ASH_EUSAGE;
    a++;
    hn -= 2;
  }
  if (hn >= sizeof host) return ASH_EUSAGE;
  memcpy(host, a, hn);
  host[hn] = 0;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535 || end == colon + 1) return ASH_EUSAGE;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl;
  struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    sl = sizeof *s4;
  } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    sl = sizeof *s6;
  } else {
    return ASH_EUSAGE;
  }
  int fd = socket(ss.ss_family,
                  (proto == P_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ASH_EIO;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (proto == P_UDP) {
    int rb = UDP_RCVBUF;
    /* FORCE passes net.core.rmem_max when we may (root); else the plain
     * request, which the kernel clamps */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof rb))
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) || (proto != P_UDP && listen(fd, 128))) {
    close(fd);
    return ASH_EIO;
  }
  struct sockaddr_storage got;
  socklen_t gl = sizeof got;
  getsockname(fd, (struct sockaddr *)&got, &gl);
  uint16_t gp = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
                                               : ((struct sockaddr_in6 *)&got)->sin6_port);
  listener *l = &w->ls[w->nls++];
  memset(l, 0, sizeof *l);
  l->fd = fd;
  l->proto = proto;
  snprintf(l->name, sizeof l->name, "%s:%s%s%s:%u", proto_name(proto),
           ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "", gp);
  return ASH_OK;
}

/* ---- the case's earlier watch sources (restart) ---- */

static int on_prior(void *u, const ash_source_info *in) {
  ash_watch *w = u;
  size_t sn = strlen(w->spool);
  if (!in->path || strncmp(in->path, w->spool, sn) || in->path[sn] != '/' || in->skip_reason)
    return 0;
  for (size_t i = 0; i < w->npri; i++)
    if (!strcmp(w->pri[i].path, in->path)) {
      /* ingest order: the later source of a path is the one to continue */
      w->pri[i].id = in->id;
      w->pri[i].size = in->size;
      return 0;
    }
  if (w->npri == w->cappri) {
    size_t cap = w->cappri ? w->cappri * 2 : 64;
    prior *p = realloc(w->pri, cap * sizeof *p);
    if (!p) return ASH_ENOMEM;
    w->pri = p;
    w->cappri = cap;
  }
  prior *p = &w->pri[w->npri];
  if (!(p->path = strdup(in->path))) return ASH_ENOMEM;
  p->id = in->id;
  p->size = in->size;
  w->npri++;
  return 0;
}

int ash_watch_open(ash_watch **out, ash_store *s, const ash_watch_opts *o) {
  if (!o->nlisten || !o->spool_dir) return ASH_EUSAGE;
  ash_watch *w = calloc(1, sizeof *w);
  if (!w) return ASH_ENOMEM;
  w->s = s;
  w->o = *o;
  if (w->o.commit_ms <= 0) w->o.commit_ms = 200;
  w->qmax = o->queue_max && o->queue_max < ASH_MAX_WATCH_QUEUE ? o->queue_max : ASH_MAX_WATCH_QUEUE;
  w->wake[0] = w->wake[1] = -1;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  ash_buf_init(&w->alerts, 64u << 20);
  ash_buf_init(&w->esc, ASH_MAX_LINE);
  ash_buf_init(&w->evjs, ASH_MAX_LINE * 8);
  int rc = ASH_OK;
  w->spool = realpath(o->spool_dir, NULL);
  if (!w->spool) {
    if (mkdir(o->spool_dir, 0750) && errno != EEXIST) rc = ASH_EIO;
    if (!rc && !(w->spool = realpath(o->spool_dir, NULL))) rc = ASH_EIO;
  }
  w->conns = calloc(ASH_MAX_WATCH_CONNS, sizeof *w->conns);
  w->src = calloc(ASH_MAX_WATCH_SOURCES, sizeof *w->src);
  if (!rc && (!w->conns || !w->src)) rc = ASH_ENOMEM;
  if (!rc && pipe2(w->wake, O_NONBLOCK | O_CLOEXEC)) rc = ASH_EIO;
  if (!rc && o->tls_cert)
    rc = ash_wtls_open(&w->tls, o->tls_cert, o->tls_key, o->tls_ca, o->err, o->errn);
  for (size_t i = 0; !rc && i < o->nlisten; i++) rc = bind_one(w, o->listen[i]);
  if (!rc) rc = ash_store_sources(s, on_prior, w);
  const ash_watch_iocs *io = &o->iocs;
  if (!rc && !io->nips && !io->naccounts && !io->nhosts) {
    rc = ash_live_iocs_from_case(s, &w->own_iocs);
    io = &w->own_iocs.v;
  }
  if (!rc) rc = ash_live_open(&w->live, s, io);
  if (rc) {
    ash_watch_close(w);
    return rc;
  }
  for (size_t i = 0; i < w->nls; i++)
    if (o->on_listen) o->on_listen(o->u, w->ls[i].name);
  *out = w;
  return ASH_OK;
}

void ash_watch_stop(ash_watch *w) {
  w->stopping = 1;
  if (w->wake[1] >= 0) {
    ssize_t r = write(w->wake[1], "x", 1);
    (void)r;
  }
}

void ash_watch_get_stats(ash_watch *w, ash_watch_stats *out) {
  pthread_mutex_lock(&w->mu);
  *out = w->st;
  pthread_mutex_unlock(&w->mu);
}

/* ---- sources: one spool file per sender, day and format ---- */

static uint64_t hash_key(const char *k) {
  uint64_t h = 1469598103934665603ULL;
  for (; *k; k++) h = (h ^ (uint8_t)*k) * 1099511628211ULL;
  return h;
}

static int spool_flush(wsrc *x) {
  size_t off = 0;
  while (off < x->wn) {
    ssize_t r = write(x->fd, x->wbuf + off, x->wn - off);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ASH_EIO;
    }
    off += (size_t)r;
  }
  x->wn = 0;
  return ASH_OK;
}

static int spool_add(wsrc *x, const uint8_t *p, size_t n) {
  EVP_DigestUpdate(x->sha, p, n);
  x->size += n;
  if (n > SPOOL_BUF - x->wn) {
    int rc = spool_flush(x);
    if (rc) return rc;
    if (n > SPOOL_BUF) {
      /* larger than the buffer: written as it is */
      size_t off = 0;
      while (off < n) {
        ssize_t r = write(x->fd, p + off, n - off);
        if (r < 0 && errno != EINTR) return ASH_EIO;
        if (r > 0) off += (size_t)r;
      }
      return ASH_OK;
    }
  }
  memcpy(x->wbuf + x->wn, p, n);
  x->wn += n;
  return ASH_OK;
}

/* Store the source's accounting as it stands (complete, with its size and
 * the hash of its spool so far): called at every commit, so that a
 * killed run leaves sources whose events are all visible. */
static int src_end(ash_watch *w, wsrc *x) {
  int rc = spool_flush(x);
  if (rc) return rc;
  if (fdatasync(x->fd)) return ASH_EIO;
  struct stat sb;
  if (fstat(x->fd, &sb)) return ASH_EIO;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned char md[32];
  unsigned mdn = 0;
  if (!c || !EVP_MD_CTX_copy_ex(c, x->sha) || !EVP_DigestFinal_ex(c, md, &mdn)) {
    EVP_MD_CTX_free(c);
    return ASH_ENOMEM;
  }
  EVP_MD_CTX_free(c);
  char hex[65];
  for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  ash_source_info in;
  memset(&in, 0, sizeof in);
  ash_mem_result r = {0, 0, 0, 0};
  in.first_ts = in.last_ts = ASH_TIME_UNSET;
  if (x->recs) ash_recs_counts(x->recs, &r, &in.first_ts, &in.last_ts);
  in.id = x->id;
  in.path = x->path;
  in.sha256 = hex;
  in.format = x->f ? x->f->name : "none";
  in.size = x->size;
  in.read = r.read + x->xread;
  in.parsed = r.parsed;
  in.rejected = r.rejected + x->xrej;
  in.events = r.events;
  in.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
  in.continues = x->continues;
  in.base_size = x->base_size;
  x->dirty = 0;
  return ash_store_source_end(w->s, x->id, &in);
}

static void src_free(wsrc *x) {
  if (!x) return;
  ash_recs_close(x->recs);
  if (x->fd >= 0) close(x->fd);
  EVP_MD_CTX_free(x->sha);
  free(x->wbuf);
  free(x->path);
  free(x);
}

static int on_event(void *u, const ash_event *ev);
static int on_reject(void *u, uint64_t ref, const char *reason, const void *raw, size_t n) {
  ash_watch *w = u;
  return ash_store_add_reject(w->s, w->cur_src->id, ref, reason, raw, n);
}

/* Records a killed run spooled but never committed: bytes [from, size) of
 * the spool, one line a record, parsed now into this source. */
static int src_recover(ash_watch *w, wsrc *x, uint64_t from) {
  ash_buf line;
  ash_buf_init(&line, ASH_MAX_WATCH_MSG + 1);
  uint8_t *b = malloc(1 << 16);
  if (!b) return ASH_ENOMEM;
  int rc = ASH_OK;
  uint64_t off = from, lstart = from;
  int over = 0;
  qmsg none;
  memset(&none, 0, sizeof none);
  none.arrival = now_us();
  w->cur = &none;
  while (!rc && off < x->size) {
    ssize_t r = pread(x->fd, b, 1 << 16, (off_t)off);
    if (r <= 0) break;
    for (ssize_t i = 0; !rc && i < r; i++) {
      if (b[i] != '\n') {
        if (ash_buf_addc(&line, (char)b[i])) over = 1;
        continue;
      }
      w->cur_ref = lstart;
      if (over) {
        x->xread++;
        x->xrej++;
        rc = ash_store_add_reject(w->s, x->id, lstart, "message larger than 128 KiB", line.p,
                                  line.n < ASH_MAX_REJECT_RAW ? line.n : ASH_MAX_REJECT_RAW);
      } else if (x->recs) {
        rc = ash_recs_feed(x->recs, (const uint8_t *)line.p, line.n, lstart);
      } else {
        x->xread++;
        x->xrej++;
        rc = ash_store_add_reject(w->s, x->id, lstart, "format not recognised", line.p,
                                  line.n < ASH_MAX_REJECT_RAW ? line.n : ASH_MAX_REJECT_RAW);
      }
      ash_buf_reset(&line);
      over = 0;
      lstart = off + (uint64_t)i + 1;
    }
    off += (uint64_t)r;
  }
  /* a last line the kill cut before its LF is a record too */
  if (!rc && (line.n || over)) {
    w->cur_ref = lstart;
    x->xread++;
    x->xrej++;
    rc = ash_store_add_reject(w->s, x->id, lstart, "cut short: the watch was killed mid-write",
                              line.p, line.n < ASH_MAX_REJECT_RAW ? line.n : ASH_MAX_REJECT_RAW);
    /* the spool goes on after a LF, so that the next record starts a line */
    if (!rc) {
      uint8_t lf = '\n';
      if (pwrite(x->fd, &lf, 1, (off_t)x->size) == 1) {
        EVP_DigestUpdate(x->sha, &lf, 1);
        x->size++;
      }
    }
  }
  w->cur = NULL;
  free(b);
  ash_buf_free(&line);
  x->dirty = 1;
  return rc;
}

static int src_close(ash_watch *w, size_t i) {
  wsrc *x = w->src[i];
  int rc = ASH_OK;
  w->cur_src = x;
  if (x->recs) rc = ash_recs_finish(x->recs);
  if (!rc) rc = src_end(w, x);
  /* the next source of this path (a later message of the day, a
   * restart) continues this one */
  if (!rc) {
    ash_source_info in;
    memset(&in, 0, sizeof in);
    in.path = x->path;
    in.id = x->id;
    in.size = x->size;
    rc = on_prior(w, &in);
  }
  src_free(w->src[i]);
  w->src[i] = w->src[--w->nsrc];
  return rc;
}

static int src_open(ash_watch *w, const char *key, uint64_t h, const ash_format *f, wsrc **out) {
  if (w->nsrc >= ASH_MAX_WATCH_SOURCES) {
    /* the least recently used (a day that ended, a sender gone quiet)
     * makes room; it is finished like at shutdown */
    size_t lru = 0;
    for (size_t i = 1; i < w->nsrc; i++)
      if (w->src[i]->used < w->src[lru]->used) lru = i;
    int rc = src_close(w, lru);
    if (rc) return rc;
  }
  wsrc *x = calloc(1, sizeof *x);
  if (!x) return ASH_ENOMEM;
  x->fd = -1;
  x->h = h;
  x->last_us = now_us();
  snprintf(x->key, sizeof x->key, "%s", key);
  x->f = f;
  size_t pn = strlen(w->spool) + strlen(key) + 8;
  x->path = malloc(pn);
  x->wbuf = malloc(SPOOL_BUF);
  x->sha = EVP_MD_CTX_new();
  int rc = x->path && x->wbuf && x->sha ? ASH_OK : ASH_ENOMEM;
  if (!rc) {
    snprintf(x->path, pn, "%s/%s.log", w->spool, key);
    if (!EVP_DigestInit_ex(x->sha, EVP_sha256(), NULL)) rc = ASH_ENOMEM;
  }
  if (!rc && (x->fd = open(x->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0)
    rc = ASH_EIO;
  struct stat sb;
  if (!rc && fstat(x->fd, &sb)) rc = ASH_EIO;
  if (!rc) {
    /* the spool's hash covers it whole, earlier runs' bytes too */
    uint8_t *b = malloc(1 << 16);
    if (!b) rc = ASH_ENOMEM;
    uint64_t off = 0;
    while (!rc && off < (uint64_t)sb.st_size) {
      ssize_t r = pread(x->fd, b, 1 << 16, (off_t)off);
      if (r <= 0) break;
      EVP_DigestUpdate(x->sha, b, (size_t)r);
      off += (uint64_t)r;
    }
    free(b);
    x->size = off;
  }
  const prior *p = NULL;
  for (size_t i = 0; !rc && i < w->npri; i++)
    if (!strcmp(w->pri[i].path, x->path)) p = &w->pri[i];
  int dup = 0;
  if (!rc)
    rc = ash_store_source_begin(w->s, x->path, x->size, NULL, f ? f->name : "none", &x->id, &dup);
  /* begin looks for a complete source with this hash (none: it is given
   * none) or an incomplete one without a hash, of this path and size (a
   * killed ingest) */
  if (!rc && dup) rc = ASH_ESTORE;
  if (!rc && f) rc = ash_recs_open(&x->recs, f, &w->o.parse, on_event, on_reject, w);
  /* ended at once: a source with no hash yet is what the next begin takes
   * for a killed ingest's leftover and deletes (a second sender's source
   * begun in the same batch would remove this one) */
  if (!rc) rc = src_end(w, x);
  if (!rc) {
    w->src[w->nsrc++] = x;
    w->st.sources++;
    x->dirty = 1;
    uint64_t from = 0;
    if (p && p->size <= x->size) {
      x->continues = p->id;
      x->base_size = p->size;
      from = p->size;
    }
    wsrc *save = w->cur_src;
    const qmsg *savem = w->cur;
    w->cur_src = x;
    if (x->size > from) rc = src_recover(w, x, from);
    w->cur_src = save;
    w->cur = savem;
    if (!rc) {
      *out = x;
      return ASH_OK;
    }
    w->nsrc--;
  }
  src_free(x);
  return rc;
}

/* ---- alerts ---- */

static int on_alert(void *u, const char *hunt, const char *sev, const char *title,
                    const char *why) {
  ash_watch *w = u;
  ash_buf *b = &w->alerts;
  size_t mark = b->n;
  char t[32], a[ASH_IP_STRLEN];
  int rc = ash_buf_adds(b, "{\"alert\":\"");
  if (!rc) rc = ash_buf_add_json_str(b, hunt, strlen(hunt));
  if (!rc) rc = ash_buf_printf(b, "\",\"severity\":\"%s\",\"title\":\"", sev);
  if (!rc) rc = ash_buf_add_json_str(b, title, strlen(title));
  if (!rc) rc = ash_buf_adds(b, "\",\"why\":\"");
  if (!rc) rc = ash_buf_add_json_str(b, why, strlen(why));
  ash_time_format(w->cur ? w->cur->arrival : now_us(), t);
  if (!rc) rc = ash_buf_printf(b, "\",\"received\":\"%s\",\"sender\":\"", t);
  ash_ip_format(w->cur ? &w->cur->sender : &(ash_ip){{0}, 0}, a);
  if (!rc)
    rc = ash_buf_printf(b, "%s:%s\",\"event\":", proto_name(w->cur ? w->cur->proto : P_TCP),
                        a[0] ? a : "unknown");
  if (!rc) {
    ash_buf_reset(&w->evjs);
    int jr = w->cur_ev ? ash_event_to_json(w->cur_ev, w->cur_src->path, 0, NULL, &w->evjs)
                       : ash_buf_adds(&w->evjs, "{}");
    if (jr == ASH_ELIMIT) {
      ash_buf_reset(&w->evjs);
      jr = ash_buf_adds(&w->evjs, "{}");
    }
    rc = jr ? jr : ash_buf_add(b, w->evjs.p, w->evjs.n);
  }
  if (!rc && w->cur && w->cur->n) {
    rc = ash_buf_adds(b, ",\"message\":\"");
    if (!rc) rc = ash_buf_add_json_str(b, (const char *)w->cur->data, w->cur->n);
    if (!rc) rc = ash_buf_adds(b, "\"");
  }
  /* the line ends here; "alerted" and "}" are added when it is given */
  if (!rc) rc = ash_buf_addc(b, '\n');
  if (rc) {
    b->n = mark; /* the alerts buffer is full: the alert is counted as lost, the event is stored */
    if (rc == ASH_ELIMIT) w->st.alerts_lost++;
    return rc == ASH_ELIMIT ? ASH_OK : rc;
  }
  if (!w->nalerts++) w->first_alert = now_us();
  return ASH_OK;
}

static int on_event(void *u, const ash_event *ev) {
  ash_watch *w = u;
  wsrc *x = w->cur_src;
  int rc = ash_store_add_event(w->s, x->id, ev);
  if (rc) return rc;
  w->st.events++;
  /* the event's JSON is made only for an alert (on_alert) */
  w->cur_ev = ev;
  rc = ash_live_event(w->live, ev, w->cur ? w->cur->arrival : now_us(), on_alert, w);
  w->cur_ev = NULL;
  return rc;
}

static void give_alerts(ash_watch *w) {
  if (!w->nalerts) return;
  char t[32];
  ash_time_format(now_us(), t);
  ash_buf line;
  ash_buf_init(&line, w->alerts.n + 128);
  const char *p = w->alerts.p, *end = w->alerts.p + w->alerts.n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) break;
    ash_buf_reset(&line);
    if (!ash_buf_add(&line, p, (size_t)(nl - p)) &&
        !ash_buf_printf(&line, ",\"alerted\":\"%s\"}", t) && w->o.on_alert)
      w->o.on_alert(w->o.u, line.p, line.n);
    w->st.alerts++;
    p = nl + 1;
  }
  ash_buf_free(&line);
  ash_buf_reset(&w->alerts);
  w->nalerts = 0;
}

static int src_close(ash_watch *w, size_t i);

static int commit(ash_watch *w) {
  int rc = ASH_OK;
  /* a source quiet for SOURCE_IDLE_US (yesterday's, a sender gone) is
   * finished, so that a watch of months holds few files open */
  int64_t t = now_us();
  for (size_t i = w->nsrc; !rc && i-- > 0;)
    if (t - w->src[i]->last_us > SOURCE_IDLE_US) rc = src_close(w, i);
  for (size_t i = 0; !rc && i < w->nsrc; i++)
    if (w->src[i]->dirty) rc = src_end(w, w->src[i]);
  if (!rc) rc = ash_store_commit(w->s);
  if (!rc) {
    pthread_mutex_lock(&w->mu);
    w->st.commits++;
    pthread_mutex_unlock(&w->mu);
    /* alerts only for what the case now holds */
    give_alerts(w);
  }
  return rc;
}

/* ---- one message ---- */

static const ash_format *detect(const uint8_t *p, size_t n) {
  const ash_format *f = ash_format_sniff(p, n);
  /* binary formats and the column-mapped one (which needs --map) are not
   * what a syslog sender sends */
  if (!f || !f->parse_line || !strcmp(f->name, "mapped")) return NULL;
  return f;
}

/* A message may hold LFs: an octet-counted TCP frame (RFC 6587 3.4.1)
 * or a UDP datagram carries any bytes, and a multi-line message (a Java
 * stack trace, a PowerShell block) sends them. The spool is a file of
 * lines, one record a line: that is what ingest, `events --raw`, the
 * findings' evidence and a restart's recovery read back. So an LF inside
 * a message is written as "#012", which is rsyslog's escape of control
 * characters on receipt ($EscapeControlCharactersOnReceive, on by default:
 * '#' and three octal digits), the form a responder already meets in
 * collected syslog files. The record is then parsed from the escaped text,
 * so what is stored and what the evidence shows are the same bytes.
 * Returns the bytes to spool and parse. */
static int escape_lf(ash_watch *w, const qmsg *m, const uint8_t **p, size_t *n) {
  *p = m->data;
  *n = m->n;
  const uint8_t *lf = memchr(m->data, '\n', m->n);
  if (!lf) return ASH_OK;
  ash_buf_reset(&w->esc);
  const uint8_t *q = m->data, *end = m->data + m->n;
  while (lf) {
    ASH_TRY(ash_buf_add(&w->esc, q, (size_t)(lf - q)));
    ASH_TRY(ash_buf_add(&w->esc, "#012", 4));
    q = lf + 1;
    lf = memchr(q, '\n', (size_t)(end - q));
  }
  ASH_TRY(ash_buf_add(&w->esc, q, (size_t)(end - q)));
  w->st.escaped++;
  *p = (const uint8_t *)w->esc.p;
  *n = w->esc.n;
  return ASH_OK;
}

static int handle(ash_watch *w, const qmsg *m) {
  char ip[ASH_IP_STRLEN], day[32], key[128];
  ash_ip_format(&m->sender, ip);
  if (!ip[0]) snprintf(ip, sizeof ip, "unknown");
  for (char *c = ip; *c; c++)
    if (*c == ':') *c = '-'; /* IPv6 in a file name */
  ash_time_format(m->arrival, day);
  day[10] = 0;
  const ash_format *f = NULL;
  int plain = !m->drops && !m->why;
  if (plain) f = detect(m->data, m->n);
  snprintf(key, sizeof key, "%s_%s_%s_%s", proto_name(m->proto), ip, day, f ? f->name : "none");
  uint64_t h = hash_key(key);
  wsrc *x = NULL;
  for (size_t i = 0; i < w->nsrc; i++)
    if (w->src[i]->h == h && !strcmp(w->src[i]->key, key)) {
      x = w->src[i];
      break;
    }
  int rc = ASH_OK;
  if (!x && (rc = src_open(w, key, h, f, &x))) return rc;
  x->used = ++w->use_clock;
  x->last_us = m->arrival;
  x->dirty = 1;
  w->cur = m;
  w->cur_src = x;
  uint64_t ref = x->size;
  w->cur_ref = ref;
  if (m->drops) {
    /* the lost datagrams: records received, not stored, each counted */
    x->xread += m->drops;
    x->xrej += m->drops;
    w->st.received += m->drops;
    w->st.rejected += m->drops;
    char why[160];
    snprintf(why, sizeof why, "%s (%" PRIu64 ")", m->drop_why, m->drops);
    return ash_store_add_reject(w->s, x->id, ref, m->drop_why, why, strlen(why));
  }
  w->st.received++;
  const uint8_t *data;
  size_t n;
  /* the escaped form of a message of at most ASH_MAX_WATCH_MSG bytes
   * (4 bytes per LF) fits w->esc; ASH_ELIMIT is kept for safety */
  if ((rc = escape_lf(w, m, &data, &n))) return rc;
  /* the message is spooled first: the evidence its ref points into */
  size_t keep = n;
  if (m->why && keep > ASH_MAX_REJECT_RAW) keep = ASH_MAX_REJECT_RAW;
  rc = spool_add(x, data, keep);
  if (!rc) rc = spool_add(x, (const uint8_t *)"\n", 1);
  if (rc) return rc;
  if (m->why || !x->recs) {
    int blank = 1;
    for (size_t i = 0; blank && i < n; i++)
      blank = data[i] == ' ' || data[i] == '\t' || data[i] == '\r';
    const char *why = m->why ? m->why : blank ? "empty message" : "format not recognised";
    if (m->why && !strncmp(why, "message larger", 14)) w->st.oversized++;
    x->xread++;
    x->xrej++;
    w->st.rejected++;
    return ash_store_add_reject(w->s, x->id, ref, why, data, keep);
  }
  ash_mem_result b, a;
  ash_recs_counts(x->recs, &b, NULL, NULL);
  rc = ash_recs_feed(x->recs, data, n, ref);
  ash_recs_counts(x->recs, &a, NULL, NULL);
  w->st.parsed += a.parsed - b.parsed;
  w->st.rejected += a.rejected - b.rejected;
  return rc;
}

/* A killed run may have spooled messages it never committed: each spool
 * file of the case longer than its last source is opened now, which parses
 * the rest (src_open), whether or not its sender comes back. */
static int recover_all(ash_watch *w) {
  int rc = ASH_OK;
  for (size_t i = 0; !rc && i < w->npri; i++) {
    struct stat sb;
    if (stat(w->pri[i].path, &sb) || (uint64_t)sb.st_size <= w->pri[i].size) continue;
    const char *base = strrchr(w->pri[i].path, '/');
    base = base ? base + 1 : w->pri[i].path;
    size_t bn = strlen(base);
    if (bn < 5 || strcmp(base + bn - 4, ".log") || bn - 4 >= 128) continue;
    char key[128];
    memcpy(key, base, bn - 4);
    key[bn - 4] = 0;
    /* the key ends in _FORMAT (or _none) */
    const ash_format *f = NULL;
    const ash_format *const *all = ash_formats();
    size_t kn = bn - 4;
    for (size_t k = 0; all[k] && !f; k++) {
      size_t fn = strlen(all[k]->name);
      if (fn + 1 < kn && key[kn - fn - 1] == '_' && !strcmp(key + kn - fn, all[k]->name))
        f = all[k];
    }
    if (!f && (kn < 5 || strcmp(key + kn - 5, "_none"))) continue;
    uint64_t h = hash_key(key);
    int open = 0;
    for (size_t k = 0; k < w->nsrc && !open; k++) open = w->src[k]->h == h;
    wsrc *x;
    if (!open) rc = src_open(w, key, h, f, &x);
  }
  return rc;
}

int ash_watch_run(ash_watch *w) {
  int rrc = recover_all(w);
  if (rrc) return rrc;
  if (pthread_create(&w->th, NULL, net_main, w)) return ASH_ENOMEM;
  w->th_started = 1;
  int64_t last = now_us();
  int rc = ASH_OK;
  for (;;) {
    pthread_mutex_lock(&w->mu);
    int64_t due = last + (int64_t)w->o.commit_ms * 1000;
    while (!w->qhead && !w->reader_done && now_us() < due) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      int64_t wait = due - now_us();
      if (wait < 0) wait = 0;
      ts.tv_sec += wait / 1000000;
      ts.tv_nsec += (long)(wait % 1000000) * 1000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    qmsg *take = w->qhead, *lastm = NULL;
    size_t n = 0, bytes = 0;
    for (qmsg *m = take; m && n < TAKE_MAX; m = m->next) {
      lastm = m;
      n++;
      bytes += qsize(m->n);
    }
    if (lastm) {
      w->qhead = lastm->next;
      if (!w->qhead) w->qtail = NULL;
      lastm->next = NULL;
    }
    int done = w->reader_done && !w->qhead;
    pthread_mutex_unlock(&w->mu);
    for (qmsg *m = take; m;) {
      qmsg *next = m->next;
      if (!rc) rc = handle(w, m);
      free(m);
      m = next;
      /* an alert waits for the commit of its message: not for the rest of
       * the batch too (the alert is due within a second of its line) */
      if (!rc && w->nalerts && now_us() - w->first_alert >= ALERT_WAIT_US) {
        rc = commit(w);
        last = now_us();
      }
    }
    w->cur = NULL;
    if (n) {
      pthread_mutex_lock(&w->mu);
      w->qbytes -= bytes;
      pthread_mutex_unlock(&w->mu);
    }
    if (rc) break;
    /* at least every commit_ms, and at once when an alert waits */
    if (w->nalerts || now_us() >= due || done) {
      if ((rc = commit(w))) break;
      last = now_us();
    }
    if (done) break;
  }
  if (rc) {
    ash_watch_stop(w);
    /* the network thread must not block on a queue nobody empties: it
     * never does (pushes do not wait), so it ends at the wake */
  }
  pthread_join(w->th, NULL);
  w->th_started = 0;
  /* free what the reader queued after a failure */
  pthread_mutex_lock(&w->mu);
  for (qmsg *m = w->qhead; m;) {
    qmsg *next = m->next;
    free(m);
    m = next;
  }
  w->qhead = w->qtail = NULL;
  pthread_mutex_unlock(&w->mu);
  /* the end of every source: records held back (unpaired flows) */
  while (!rc && w->nsrc) rc = src_close(w, w->nsrc - 1);
  if (!rc) rc = commit(w);
  return rc;
}

void ash_watch_close(ash_watch *w) {
  if (!w) return;
  if (w->th_started) {
    ash_watch_stop(w);
    pthread_join(w->th, NULL);
  }
  for (qmsg *m = w->qhead; m;) {
    qmsg *next = m->next;
    free(m);
    m = next;
  }
  for (size_t i = 0; i < w->nconns; i++) {
    ash_framer_free(&w->conns[i].fr);
    ash_wtls_free(w->conns[i].tls);
    close(w->conns[i].fd);
  }
  for (size_t i = 0; i < w->nls; i++) close(w->ls[i].fd);
  for (size_t i = 0; i < w->nsrc; i++) src_free(w->src[i]);
  for (size_t i = 0; i < w->npri; i++) free(w->pri[i].path);
  free(w->pri);
  free(w->src);
  free(w->conns);
  if (w->wake[0] >= 0) close(w->wake[0]);
  if (w->wake[1] >= 0) close(w->wake[1]);
  ash_live_close(w->live);
  ash_live_iocs_free(&w->own_iocs);
  ash_buf_free(&w->alerts);
  ash_buf_free(&w->esc);
  ash_buf_free(&w->evjs);
  free(w->spool);
  ash_wtls_close(w->tls);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
}
