/* loopback-rdp: RDP logons whose source is the host itself. A person does
 * not RDP from a server to the same server; RDP arrives from 127.0.0.1,
 * ::1 or the host's own address when a program on the host relays it (an
 * HTTPS tunnel, a port proxy). One finding per host, joined to the
 * cloud-tunnel finding of that host whose sessions it falls in. LogonType
 * 2 or 9 from loopback (services, runas /netonly) are not RDP and never
 * count: common.c selects LogonType 10/12 and the TerminalServices
 * events only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

#define MAX_EVIDENCE 100

/* The tunnel finding of this run (or stored) naming host whose time span
 * covers [t0, t1] in part; NULL when none. The best-scored one wins. */
static const ash_finding *tunnel_of(const hunt_ctx *c, const char *host, int64_t t0, int64_t t1) {
  const ash_finding *best = NULL;
  for (size_t i = 0; i < c->prior.n; i++) {
    const ash_finding *f = &c->prior.v[i];
    if (!f->hunt || strcmp(f->hunt, ASH_HUNT_TUNNEL)) continue;
    int named = 0;
    for (size_t h = 0; h < f->hosts.n; h++) named |= !strcmp(f->hosts.v[h], host);
    if (!named) continue;
    if (f->first_seen != ASH_TIME_UNSET && f->last_seen != ASH_TIME_UNSET &&
        (t1 < f->first_seen || t0 > f->last_seen))
      continue;
    if (!best || f->score > best->score) best = f;
  }
  return best;
}

/* The file name of a program path ("C:\\Tools\\plink.exe" -> "plink.exe"). */
static const char *file_name(const char *p) {
  const char *s = p;
  for (; *p; p++)
    if (*p == '\\' || *p == '/') s = p + 1;
  return s;
}

#define MAX_RELAYS 16
#define MAX_PROGS 4

/* s as a JSON string, quoted. */
static int jstr(ash_buf *b, const char *s) {
  int r = ash_buf_addc(b, '"');
  r |= ash_buf_add_json_str(b, s, strlen(s));
  return r | ash_buf_addc(b, '"');
}

static int one_host(hunt_ctx *c, const rdp_loop *v, size_t n, hunt_list *out) {
  ash_finding f;
  int rc = ash_finding_init(&f, ASH_HUNT_LOOPBACK);
  if (rc) return rc;
  const char *host = v[0].host;
  ash_finding_set_id(&f, host, strlen(host));
  ash_finding_add_attack(&f, "T1021.001");
  ash_finding_add_attack(&f, "T1572");
  rc = ash_finding_add_host(&f, ash_str_cstr(host));
  /* counts by kind of record, accounts, addresses */
  const char *whats[8];
  size_t wn[8], nw = 0, naddr = 0;
  char addrs[4][ASH_IP_STRLEN + 16];
  for (size_t i = 0; i < n && !rc; i++) {
    ash_finding_see(&f, v[i].ts);
    if (v[i].user[0]) rc = ash_finding_add_account(&f, ash_str_cstr(v[i].user));
    size_t w = 0;
    while (w < nw && whats[w] != v[i].what) w++;
    if (w == nw && nw < 8) {
      whats[nw] = v[i].what;
      wn[nw++] = 0;
    }
    if (w < nw) wn[w]++;
    size_t a = 0;
    while (a < naddr && strcmp(addrs[a], v[i].addr)) a++;
    if (a == naddr && naddr < 4) snprintf(addrs[naddr++], sizeof addrs[0], "%s", v[i].addr);
  }
  /* the program that relayed these logons: the relay records of the host
   * the model ties to them (hunt_relay_attached), connections first */
  const hunt_relay *rl;
  size_t nrl;
  const hunt_relay *att[MAX_RELAYS];
  size_t na = 0, nconn = 0;
  const char *progs[MAX_PROGS];
  size_t np = 0;
  if (!rc) rc = hunt_relays(c, &rl, &nrl);
  for (int pass = 0; !rc && pass < 2; pass++)
    for (size_t i = 0; i < nrl && na < MAX_RELAYS; i++) {
      if ((rl[i].kind == HUNT_RELAY_CONN) != (pass == 0) || strcmp(rl[i].host, host) ||
          !hunt_relay_attached(&rl[i], v, n))
        continue;
      att[na++] = &rl[i];
      nconn += pass == 0;
      size_t p = 0;
      while (p < np && strcmp(progs[p], rl[i].program)) p++;
      if (rl[i].program[0] && p == np && np < MAX_PROGS) {
        progs[np++] = rl[i].program;
        rc = ash_finding_add_file(&f, ash_str_cstr(rl[i].program));
      }
    }
  const ash_finding *tun = tunnel_of(c, host, f.first_seen, f.last_seen);
  int w_many = n >= 3 ? 5 : 0, w_accts = f.accounts.n >= 2 ? 3 : 0;
  /* a named relaying program is the other half of the claim: the logon
   * came through it */
  int w_relay = nconn ? 8 : np ? 3 : 0;
  int score = 72 + w_many + w_accts + w_relay;
  if (tun) score = tun->score >= 65 ? 95 : 85;
  ash_finding_set_score(&f, score);
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_FINDING_TEXT);
  hunt_text T, S;
  hunt_text_init(&T);
  hunt_text_init(&S);
  hunt_say(&T, "loop.title", host);
  if (f.accounts.n)
    hunt_say(&T, f.accounts.n > 1 ? "loop.title.accts" : "loop.title.acct", f.accounts.v[0]);
  /* only a connection to the RDP port shows which program carried the
   * logons; a port proxy or forward set up the same day may be another
   * way in, so it is named as such */
  if (nconn)
    hunt_say(&T, "loop.title.relayed", file_name(progs[0]));
  else if (np)
    hunt_say(&T, "loop.title.setup", file_name(progs[0]), att[0]->what);
  if (tun) hunt_say0(&T, "loop.title.tunnel");
  char t1[32], t2[32];
  hunt_fmt_time(f.first_seen, t1);
  hunt_fmt_time(f.last_seen, t2);
  ash_buf l1;
  ash_buf_init(&l1, ASH_MAX_FINDING_TEXT);
  for (size_t a = 0; a < naddr; a++) ash_buf_printf(&l1, "%s%s", a ? ", " : "", addrs[a]);
  hunt_say(&S, "loop.sum.head", host, HUNT_ARG("%zu", n), l1.p ? l1.p : "", t1, t2);
  /* the kinds of record (model_hosts.c rdp_what: terms of the catalogue) */
  for (size_t w = 0; w < nw; w++)
    hunt_say(&S, w ? "loop.sum.what.next" : "loop.sum.what", HUNT_ARG("%zu", wn[w]), whats[w]);
  if (f.accounts.n) {
    ash_buf_reset(&l1);
    for (size_t a = 0; a < f.accounts.n; a++)
      ash_buf_printf(&l1, "%s%s", a ? ", " : "", f.accounts.v[a]);
    hunt_say(&S, "loop.sum.accounts", l1.p ? l1.p : "");
  }
  hunt_say0(&S, "loop.sum.why");
  if (tun) {
    hunt_say(&S, "loop.sum.tunnel", tun->id, tun->title ? tun->title : "");
    for (size_t i = 0; !rc && i < tun->ips.n; i++) {
      ash_ip ip;
      if (ash_ip_parse(ash_str_cstr(tun->ips.v[i]), &ip) == ASH_OK)
        rc = ash_finding_add_ip(&f, &ip);
    }
  } else if (!np) {
    hunt_say0(&S, "loop.sum.notunnel");
  }
  if (np) {
    ash_buf_reset(&l1);
    for (size_t p = 0; p < np; p++) ash_buf_printf(&l1, "%s%s", p ? ", " : "", progs[p]);
    hunt_say(&S, nconn ? "loop.sum.relay.conn" : "loop.sum.relay.setup", l1.p ? l1.p : "");
    for (size_t i = 0; i < na && i < 4; i++)
      hunt_say(&S, i ? "loop.sum.relay.item.next" : "loop.sum.relay.item", att[i]->what,
               att[i]->detail);
    hunt_say0(&S, "loop.sum.relay.end");
  }
  hunt_say0(&S, "loop.sum.advice");
  ash_buf_free(&l1);
  if (!rc) rc = hunt_text_set(&f, &T, &S);
  hunt_text_free(&T);
  hunt_text_free(&S);
  /* evidence: the relay's process start and connection, its set-up,
   * then the logons */
  size_t ne = 0;
  hunt_evq q;
  hunt_evq_init(&q, c, &f);
  if (!rc) rc = hunt_relay_evidence(&q, att, na, MAX_EVIDENCE, &ne);
  for (size_t i = 0; !rc && i < n && ne < MAX_EVIDENCE; i++, ne++) hunt_evq_add(&q, v[i].id);
  if (!rc) rc = hunt_evq_flush(&q);
  if (!rc) {
    ash_buf_reset(&b);
    int jr = ash_buf_printf(&b, "{\"events\":%zu,\"tunnel_finding\":\"%s\"", n, tun ? tun->id : "");
    if (np) {
      const char *pn = file_name(progs[0]);
      jr |= ash_buf_adds(&b, nconn ? ",\"relay_program\":" : ",\"relay_setup\":");
      jr |= jstr(&b, pn);
      jr |= ash_buf_adds(&b, ",\"relay_programs\":[");
      for (size_t p = 0; p < np; p++) {
        if (p) jr |= ash_buf_adds(&b, ",");
        jr |= jstr(&b, progs[p]);
      }
      jr |= ash_buf_printf(&b, "],\"relay_connections\":%zu", nconn);
    }
    hunt_reasons R;
    R.n = 0;
    hunt_why0(&R, "loopback_logon", 72);
    if (w_many) hunt_why0(&R, "many_logons", w_many);
    if (w_accts) hunt_why0(&R, "many_accounts", w_accts);
    if (w_relay) hunt_why0(&R, nconn ? "relay_connection" : "relay_setup", w_relay);
    if (tun) hunt_why0(&R, "during_tunnel", score - 72 - w_many - w_accts - w_relay);
    jr |= hunt_reasons_json(&b, &R);
    jr |= ash_buf_adds(&b, "}");
    if (jr)
      rc = ASH_ENOMEM;
    else
      rc = ash_finding_set_details(&f, b.p, b.n);
  }
  ash_buf_free(&b);
  if (!rc) rc = hunt_list_add(out, &f);
  if (rc) ash_finding_free(&f);
  return rc;
}

static int cmp_host(const void *a, const void *b) {
  const rdp_loop *x = a, *y = b;
  int c = strcmp(x->host, y->host);
  if (c) return c;
  if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

int ash_hunt_loopback(hunt_ctx *c, hunt_list *out) {
  const rdp_loop *lp;
  size_t n;
  int rc = hunt_loopback_rdp(c, &lp, &n);
  if (rc || !n) return rc;
  rdp_loop *v = malloc(n * sizeof *v);
  if (!v) return ASH_ENOMEM;
  memcpy(v, lp, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_host);
  for (size_t i = 0; !rc && i < n;) {
    size_t j = i + 1;
    while (j < n && !strcmp(v[j].host, v[i].host)) j++;
    rc = one_host(c, v + i, j - i, out);
    i = j;
  }
  free(v);
  return rc;
}
