/* ashiato: watch — live syslog into a case, with streaming hunts.
 *
 * Listeners (UDP and TCP, IPv4 and IPv6) receive syslog messages (RFC
 * 3164 or 5424 headers; TCP framed by LF or by RFC 6587 octet counting).
 * A network thread frames them into a bounded queue; the caller's thread
 * (ash_watch_run) detects each message's format, appends it to a spool
 * file (the evidence: one per sender, UTC day of arrival and format, under
 * the spool directory), parses it with the same parsers as ingest, stores
 * its events in the case as a source of that spool file, and runs the live
 * hunts on them. Every message received is one record of its source:
 * read = parsed + rejected, where rejections include messages too large,
 * empty, of no known format, and UDP datagrams dropped (queue full, or
 * dropped by the kernel before they were read: counted, never silent).
 *
 * Durability: the spool files are synced and the store committed at least
 * every commit_ms (and before any alert is given), so that what an alert
 * names is in the case. A restart on the same case and spool directory
 * continues: a sender's spool file of the same day gets a new source that
 * continues the last one (store.h), and bytes a killed run spooled but did
 * not commit are parsed again then, so nothing spooled is lost.
 *
 * The library never prints: alerts and events are given to callbacks
 * (from the ash_watch_run thread). */
#ifndef ASHIATO_WATCH_H
#define ASHIATO_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "ip.h"
#include "store.h"

typedef struct ash_watch ash_watch;

/* What the live hunts look for, beyond the forms that need no list
 * (loopback RDP, the lolbin rules). Strings borrowed for ash_watch_open.
 * All empty: the case's own watchlist (watchlist.h) is used. */
typedef struct ash_watch_iocs {
  const ash_ip *ips; /* relay and intruder addresses */
  size_t nips;
  const char *const *accounts; /* linked accounts (bare names) */
  size_t naccounts;
  const char *const *hosts; /* the tunnel hosts (servers), short names */
  size_t nhosts;
  const ash_ip *servers; /* the tunnel servers' addresses (the tunnel's shape) */
  size_t nservers;
  const char *const *sha256; /* implants (lower-case hex) */
  size_t nsha256;
  const char *const *file_names; /* implant and tool file names ("igfxtel.exe") */
  size_t nfile_names;
} ash_watch_iocs;

typedef struct ash_watch_stats {
  uint64_t received; /* messages framed, plus datagrams dropped */
  uint64_t parsed, rejected, events;
  uint64_t dropped_queue;  /* UDP datagrams dropped: the queue was full */
  uint64_t dropped_kernel; /* UDP datagrams the kernel dropped (SO_RXQ_OVFL) */
  uint64_t oversized;      /* messages over ASH_MAX_WATCH_MSG (rejected) */
  uint64_t escaped;        /* messages with LFs inside, spooled with them as "#012" */
  uint64_t conns, conns_refused;
  uint64_t tls_failed; /* TLS connections whose handshake failed (no message) */
  uint64_t alerts, commits, sources;
  uint64_t alerts_lost; /* alerts that did not fit the pending buffer (64 MiB) */
  uint64_t queue_peak;  /* bytes */
} ash_watch_stats;

typedef struct ash_watch_opts {
  const char *const *listen; /* "udp:ADDR:PORT" or "tcp:ADDR:PORT", IPv6 as [::1] */
  size_t nlisten;
  const char *spool_dir; /* created when missing */
  /* TLS (RFC 5425) for "tls:ADDR:PORT" listeners: the server's certificate
   * (PEM, may hold its chain and its key), its key (NULL: in tls_cert), and
   * CA certificates a client's certificate must chain to (NULL: clients are
   * not asked for one). NULL tls_cert: no tls: listener may be given. */
  const char *tls_cert, *tls_key, *tls_ca;
  char *err; /* room for a sentence on why open failed (a TLS file), or NULL */
  size_t errn;
  ash_parse_opts parse;
  ash_watch_iocs iocs;
  int commit_ms;    /* 0: 200 */
  size_t queue_max; /* bytes the queue may hold; 0 (or more): ASH_MAX_WATCH_QUEUE */
  /* One alert, a JSON object (no newline), borrowed for the call; made
   * after the commit that stored its message. */
  void (*on_alert)(void *u, const char *json, size_t n);
  /* A listener is bound: "udp:127.0.0.1:5514" (the port the kernel chose
   * when 0 was asked), borrowed for the call. */
  void (*on_listen)(void *u, const char *where);
  void *u;
} ash_watch_opts;

/* Bind the listeners and load the case's state (its watch sources, the
 * accounts' known sources). s must stay open until ash_watch_close.
 * ASH_EUSAGE for a bad listen address, ASH_EIO when one cannot be bound.
 * Caller frees with ash_watch_close. */
int ash_watch_open(ash_watch **out, ash_store *s, const ash_watch_opts *o);
/* Receive until ash_watch_stop, then drain the queue, flush the parsers,
 * commit and return ASH_OK; or return the first store or spool error. */
int ash_watch_run(ash_watch *w);
/* Ask ash_watch_run to finish. Async-signal-safe (a signal handler may
 * call it). */
void ash_watch_stop(ash_watch *w);
void ash_watch_get_stats(ash_watch *w, ash_watch_stats *out);
/* NULL is a no-op. */
void ash_watch_close(ash_watch *w);

/* ---- framing, exposed for tests ---- */

/* A TCP connection's frames: RFC 6587 octet counting ("LEN SP MSG", LEN
 * 1-9 then at most 6 digits) or LF-terminated, told apart per frame (a
 * syslog message starts with '<', a JSON line with '{': neither is a
 * digit followed by a space). CR, LF and NUL between frames are skipped. */
typedef struct ash_framer {
  int state;
  uint64_t want; /* bytes left of a counted frame */
  uint8_t *buf;
  size_t n, cap;
  char digits[8];
  size_t nd;
  int over; /* the frame is over ASH_MAX_WATCH_MSG: kept only in part */
} ash_framer;

/* cb gets each message (without its trailer); why is NULL, or a static
 * reason when the message is rejected (then msg holds at most its first
 * ASH_MAX_REJECT_RAW bytes). A non-zero return from cb is returned. */
typedef int (*ash_frame_cb)(void *u, const uint8_t *msg, size_t n, const char *why);
void ash_framer_init(ash_framer *f);
int ash_framer_feed(ash_framer *f, const uint8_t *p, size_t n, ash_frame_cb cb, void *u);
/* The connection closed: a LF-framed message without its LF is given; a
 * counted one cut short is rejected. */
int ash_framer_end(ash_framer *f, ash_frame_cb cb, void *u);
void ash_framer_free(ash_framer *f);

#endif
