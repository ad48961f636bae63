/* The relays of RDP on each host (the shared model of loopback-rdp and
 * rdp-relay): connections to the host's own RDP port from a program that
 * is not the RDP service, and the command lines and registry values that
 * set a relay up (netsh portproxy, ssh/plink -R, chisel). Each connection
 * carries the process start (Sysmon 1 / 4688) of the program that made it
 * when the case holds one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "hunt_internal.h"

/* The file name of a path, lower case, without ".exe" and quotes. */
static void base_name(const char *p, size_t n, char *out, size_t outn) {
  size_t s = 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] == '\\' || p[i] == '/') s = i + 1;
  size_t k = 0;
  for (size_t i = s; i < n && k + 1 < outn; i++) {
    char ch = p[i];
    if (ch == '"') continue;
    out[k++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  out[k] = 0;
  if (k > 4 && !strcmp(out + k - 4, ".exe")) out[k - 4] = 0;
}

/* Split cmd into at most max tokens (quotes group), lower case, each
 * truncated to its buffer. Returns the count. */
#define TOK_MAX 24
static size_t tokens(const char *cmd, char tok[TOK_MAX][96]) {
  size_t n = 0;
  const char *p = cmd;
  while (*p && n < TOK_MAX) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    int q = 0;
    size_t k = 0;
    while (*p && (q || (*p != ' ' && *p != '\t'))) {
      if (*p == '"')
        q = !q;
      else if (k + 1 < sizeof tok[0])
        tok[n][k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
      p++;
    }
    tok[n++][k] = 0;
  }
  return n;
}

/* netsh resolves each word of a command as the unique command it is a
 * prefix of ("i p a v" is "interface portproxy add v4tov4", as the
 * attacker's own sample shows), so a word counts when it is a non-empty
 * prefix of the full name. */
static int is_prefix(const char *w, const char *full) {
  size_t n = strlen(w);
  return n && n <= strlen(full) && !strncmp(w, full, n);
}

/* What a command line does to relay traffic, or NULL. */
static const char *relay_command(const char *image, const char *cmd, int *weight) {
  char tok[TOK_MAX][96];
  size_t n = tokens(cmd, tok);
  if (!n) return NULL;
  char b0[96];
  base_name(tok[0], strlen(tok[0]), b0, sizeof b0);
  char bi[96] = "";
  if (image) base_name(image, strlen(image), bi, sizeof bi);
  if (!strcmp(b0, "netsh") || !strcmp(bi, "netsh")) {
    for (size_t i = 1; i + 1 < n; i++) {
      if (!is_prefix(tok[i], "interface") || !is_prefix(tok[i + 1], "portproxy")) continue;
      const char *a = i + 2 < n ? tok[i + 2] : "";
      /* "add"/"set" make a relay; "delete"/"reset" remove one (cleaning
       * up after it, and proof one was there) */
      if (is_prefix(a, "add") || (strlen(a) >= 2 && is_prefix(a, "set"))) {
        *weight = 40;
        return "netsh portproxy add";
      }
      if (is_prefix(a, "delete") || is_prefix(a, "reset")) {
        *weight = 15;
        return "netsh portproxy delete/reset";
      }
      return NULL; /* "show": an administrator listing them relays nothing */
    }
    return NULL;
  }
  /* OpenSSH and PuTTY's plink take -R for a remote forward: a port on the
   * far side that leads back into this host, the usual way to reach a
   * host's RDP from outside past a firewall */
  if (!strcmp(b0, "ssh") || !strcmp(b0, "plink") || !strcmp(bi, "ssh") || !strcmp(bi, "plink")) {
    for (size_t i = 1; i < n; i++)
      if (!strncmp(tok[i], "-r", 2)) {
        *weight = 40;
        return !strcmp(b0, "plink") || !strcmp(bi, "plink") ? "plink -R" : "ssh -R";
      }
    return NULL;
  }
  /* chisel's client takes "R:" remotes the same way */
  if (strstr(b0, "chisel") || strstr(bi, "chisel")) {
    for (size_t i = 1; i < n; i++)
      if (!strncmp(tok[i], "r:", 2)) {
        *weight = 40;
        return "chisel R:";
      }
  }
  return NULL;
}

/* The RDP service (TermService, in svchost.exe) and the kernel's "System"
 * own the accepting side of every RDP connection and the RDP client mstsc
 * the connecting side of an ordinary one: none of them is a relay. */
static int rdp_own(const char *image) {
  char b[96];
  base_name(image, strlen(image), b, sizeof b);
  return !b[0] || !strcmp(b, "svchost") || !strcmp(b, "system") || !strcmp(b, "mstsc");
}

/* The next relay slot; NULL at the cap (c->capped says so) or with *rc
 * ASH_ENOMEM. */
static hunt_relay *room(hunt_ctx *c, size_t *cap, int *rc) {
  if (c->nrelays >= ASH_MAX_HUNT_RDP) {
    c->capped |= HUNT_CAP_HOSTS;
    return NULL;
  }
  hunt_relay *v = ash_array_room(c->relays, cap, c->nrelays, sizeof *v, 16);
  if (!v) {
    *rc = ASH_ENOMEM;
    return NULL;
  }
  c->relays = v;
  hunt_relay *r = &c->relays[c->nrelays++];
  memset(r, 0, sizeof *r);
  return r;
}

static void fill(hunt_relay *r, const ash_host_event *e, int kind, const char *what, int weight) {
  r->id = e->id;
  r->ts = e->ts;
  r->kind = kind;
  r->what = what;
  r->weight = weight;
  if (e->host) hunt_short_host(e->host, strlen(e->host), r->host, sizeof r->host);
  if (e->process) snprintf(r->program, sizeof r->program, "%s", e->process);
  if (e->user) hunt_bare_account(e->user, strlen(e->user), r->user, sizeof r->user);
}

static int on_start(void *u, const ash_host_event *e) {
  *(int64_t *)u = e->id;
  return ASH_OK;
}

/* The latest process start of the relay's program on host (as logged) at
 * or before the relay's record. */
static int start_of(hunt_ctx *c, const hunt_relay *r, const char *host, int64_t *id) {
  *id = 0;
  ash_host_query q;
  memset(&q, 0, sizeof q);
  q.kind = ASH_KIND_WIN_PROCESS;
  q.since = ASH_TIME_UNSET;
  /* at or before ts; a record without a time has no process before it */
  if (r->ts == ASH_TIME_UNSET) return ASH_OK;
  q.until = r->ts == INT64_MAX ? ASH_TIME_UNSET : r->ts + 1;
  q.host = host;
  q.process = r->program;
  q.newest_first = 1;
  q.limit = 1;
  return ash_store_host_events(c->store, &q, on_start, id);
}

static int cmp_relay(const void *x, const void *y) {
  const hunt_relay *a = x, *b = y;
  int h = strcmp(a->host, b->host);
  if (h) return h;
  if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

typedef struct relay_ctx {
  hunt_ctx *c;
  size_t cap;
} relay_ctx;

/* A connection to a loopback address's RDP port from a program that is
 * not the RDP service or client. */
static int on_conn(void *u, const ash_host_event *e) {
  relay_ctx *R = u;
  int rc = ASH_OK;
  if (!e->dst.fam || !e->host || !ash_ip_is_loopback(&e->dst)) return ASH_OK;
  if (!e->process || rdp_own(e->process)) return ASH_OK;
  hunt_relay *r = room(R->c, &R->cap, &rc);
  if (!r) return rc ? rc : ASH_ESTOP;
  fill(r, e, HUNT_RELAY_CONN, "connection to the host's own RDP port", 50);
  char src[ASH_IP_STRLEN], dst[ASH_IP_STRLEN];
  ash_ip_format(&e->src, src);
  ash_ip_format(&e->dst, dst);
  snprintf(r->detail, sizeof r->detail, "%s:%lld -> %s:3389", e->src.fam ? src : "?",
           (long long)(e->src_port < 0 ? 0 : e->src_port), dst);
  return start_of(R->c, r, e->host, &r->start_id);
}

/* A command line that sets a relay up. */
static int on_cmd(void *u, const ash_host_event *e) {
  relay_ctx *R = u;
  int rc = ASH_OK, w = 0;
  const char *what = e->command_line ? relay_command(e->process, e->command_line, &w) : NULL;
  if (!what || !e->host) return ASH_OK;
  hunt_relay *r = room(R->c, &R->cap, &rc);
  if (!r) return rc ? rc : ASH_ESTOP;
  fill(r, e, HUNT_RELAY_CMD, what, w);
  snprintf(r->detail, sizeof r->detail, "%s", e->command_line);
  return ASH_OK;
}

/* A PortProxy registry value. */
static int on_reg(void *u, const ash_host_event *e) {
  relay_ctx *R = u;
  int rc = ASH_OK;
  if (!e->host) return ASH_OK;
  hunt_relay *r = room(R->c, &R->cap, &rc);
  if (!r) return rc ? rc : ASH_ESTOP;
  fill(r, e, HUNT_RELAY_REG, "PortProxy registry value", 40);
  snprintf(r->detail, sizeof r->detail, "%s", e->path ? e->path : "");
  return ASH_OK;
}

int hunt_relays(hunt_ctx *c, const hunt_relay **out, size_t *n) {
  if (c->relays_done) {
    *out = c->relays;
    *n = c->nrelays;
    return ASH_OK;
  }
  relay_ctx R = {c, 0};
  ash_host_query q;
  memset(&q, 0, sizeof q);
  q.since = q.until = ASH_TIME_UNSET;
  q.kind = ASH_KIND_WIN_NETCONN;
  q.dst_port = 3389;
  int rc = ash_store_host_events(c->store, &q, on_conn, &R);
  if (!rc) {
    q.dst_port = 0;
    q.kind = ASH_KIND_WIN_PROCESS;
    q.with_command_line = 1;
    rc = ash_store_host_events(c->store, &q, on_cmd, &R);
  }
  /* netsh keeps each port proxy as a value under this key (the listening
   * address/port as its name, the target as its data): a value set there
   * is a relay configured, by netsh or by anything writing the registry */
  if (!rc) {
    q.with_command_line = 0;
    q.kind = ASH_KIND_WIN_REGISTRY;
    q.path_part = "\\Services\\PortProxy\\";
    rc = ash_store_host_events(c->store, &q, on_reg, &R);
  }
  if (rc == ASH_ESTOP) rc = ASH_OK;
  if (rc) return rc;
  if (c->nrelays) qsort(c->relays, c->nrelays, sizeof *c->relays, cmp_relay);
  c->relays_done = 1;
  *out = c->relays;
  *n = c->nrelays;
  return ASH_OK;
}

int hunt_relay_attached(const hunt_relay *r, const rdp_loop *loops, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(loops[i].host, r->host)) continue;
    int64_t d = loops[i].ts - r->ts;
    if (r->kind == HUNT_RELAY_CONN ? d >= -HUNT_RELAY_AFTER && d <= HUNT_RELAY_BEFORE
                                   : d >= -HUNT_RELAY_CONFIG && d <= HUNT_RELAY_CONFIG)
      return 1;
  }
  return 0;
}

/* Seen already among the first i relays' records (process starts and
 * the records themselves)? */
static int added_before(const hunt_relay *const *v, size_t i, int64_t id, int self) {
  for (size_t k = 0; k < i; k++)
    if (v[k]->id == id || v[k]->start_id == id) return 1;
  return self && v[i]->start_id == id;
}

int hunt_relay_evidence(hunt_evq *q, const hunt_relay *const *v, size_t n, size_t max,
                        size_t *added) {
  *added = 0;
  for (size_t i = 0; !q->rc && i < n && *added < max; i++) {
    int64_t s = v[i]->start_id;
    if (s && !added_before(v, i, s, 0)) {
      hunt_evq_add(q, s);
      ++*added;
    }
    if (*added < max && !added_before(v, i, v[i]->id, 1)) {
      hunt_evq_add(q, v[i]->id);
      ++*added;
    }
  }
  return q->rc;
}
