/* Internal to src/watch: the live hunts (live.c) that watch.c runs on
 * every event it stores. Not public API. */
#ifndef ASH_WATCH_INT_H
#define ASH_WATCH_INT_H

#include "ashiato/event.h"
#include "ashiato/store.h"
#include "ashiato/watch.h"

typedef struct ash_live ash_live;

/* One alert: hunt name ("watch-ip", "account-new-source", "loopback-rdp",
 * "lolbin", "tunnel-shape"), severity name, a title (one line) and why it
 * holds (one line); all borrowed for the call. */
typedef int (*ash_live_cb)(void *u, const char *hunt, const char *severity, const char *title,
                           const char *why);

/* Build the hunts' state from iocs and the case s (the accounts' known
 * sources, read once). Caller frees with ash_live_close. */
int ash_live_open(ash_live **out, ash_store *s, const ash_watch_iocs *iocs);
/* Run every live hunt on ev; cb for each alert. now_us (arrival time)
 * spaces repeats: one alert per hunt and key (address, account and
 * source, rule and host) every ASH_LIVE_REPEAT_US. */
#define ASH_LIVE_REPEAT_US (600LL * 1000000)
int ash_live_event(ash_live *l, const ash_event *ev, int64_t now_us, ash_live_cb cb, void *u);
void ash_live_close(ash_live *l);

/* The case's watchlist (watchlist.h: its findings at high or above and
 * the linked accounts' VPN logins) as the live hunts' lists: relays and
 * VPN sources as addresses, the linked accounts, the tunnel and
 * loopback-RDP hosts, the tunnel servers' addresses, implant hashes and
 * file names. Owned by *out; free with ash_live_iocs_free. */
typedef struct ash_live_iocs {
  ash_watch_iocs v;
  ash_ip *ips, *servers;
  char **accounts, **hosts, **sha256, **file_names;
} ash_live_iocs;
int ash_live_iocs_from_case(ash_store *s, ash_live_iocs *out);
void ash_live_iocs_free(ash_live_iocs *x);

/* ---- TLS (tls.c, RFC 5425) ---- */
typedef struct ash_wtls ash_wtls;
/* The server's context: cert (PEM, may hold the chain and the key), key
 * (NULL: in cert), ca (NULL: clients are not asked for a certificate;
 * else one chaining to it is required). ASH_EUSAGE with a sentence in err
 * when a file cannot be read or the key does not match. */
int ash_wtls_open(ash_wtls **out, const char *cert, const char *key, const char *ca, char *err,
                  size_t errn);
void ash_wtls_close(ash_wtls *t);
/* A connection's TLS state on the non-blocking socket fd (accepted), or NULL. */
void *ash_wtls_accept(ash_wtls *t, int fd);
/* Like read(2): > 0 bytes, 0 at the end, -1 with errno EAGAIN when it
 * must wait (*want_write: for the socket to be writable), or
 * ASH_WTLS_HANDSHAKE_FAILED. */
#define ASH_WTLS_HANDSHAKE_FAILED (-2)
long ash_wtls_read(void *conn, uint8_t *buf, size_t n, int *want_write);
/* Bytes decrypted and not read yet (poll does not see them). */
int ash_wtls_pending(void *conn);
void ash_wtls_free(void *conn);

#endif
