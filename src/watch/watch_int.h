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

#endif
