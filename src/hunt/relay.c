/* rdp-relay: a program set up to relay RDP on a host where no loopback
 * logon shows it used (yet, or in the logs kept): a connection to the
 * host's own port 3389 from a program that is not the RDP service or
 * client, a netsh port proxy, an ssh/plink -R or chisel R: forward. Each
 * is how RDP is carried past a firewall into a host (ATT&CK T1572,
 * T1090); an administrator's port proxy looks the same, so the score stays
 * below the loopback-rdp finding, which also has the logon. Relays that
 * loopback-rdp attached to a logon (hunt_relay_attached) are left to it:
 * one finding for one relay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "hunt_internal.h"

#define MAX_EVIDENCE 100
#define MAX_PROGS 4

/* The file name of a program path, as logged ("C:\...\plink.exe" ->
 * "plink.exe"). */
static const char *file_name(const char *p) {
  const char *s = p;
  for (; *p; p++)
    if (*p == '\\' || *p == '/') s = p + 1;
  return s;
}

/* s as a JSON string, quoted. */
static int jstr(ash_buf *b, const char *s) {
  int r = ash_buf_addc(b, '"');
  r |= ash_buf_add_json_str(b, s, strlen(s));
  return r | ash_buf_addc(b, '"');
}

static int one_host(hunt_ctx *c, const hunt_relay *const *v, size_t n, hunt_list *out) {
  ash_finding f;
  int rc = ash_finding_init(&f, ASH_HUNT_RELAY);
  if (rc) return rc;
  const char *host = v[0]->host;
  ash_finding_set_id(&f, host, strlen(host));
  ash_finding_add_attack(&f, "T1572");
  ash_finding_add_attack(&f, "T1090");
  rc = ash_finding_add_host(&f, ash_str_cstr(host));
  const char *progs[MAX_PROGS];
  size_t np = 0;
  const char *whats[8];
  int ww[8];
  size_t nw = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    ash_finding_see(&f, v[i]->ts);
    if (v[i]->user[0] && !hunt_is_service_account(v[i]->user))
      rc = ash_finding_add_account(&f, ash_str_cstr(v[i]->user));
    if (rc) break;
    if (v[i]->program[0]) {
      size_t p = 0;
      while (p < np && strcmp(progs[p], v[i]->program)) p++;
      if (p == np && np < MAX_PROGS) {
        progs[np++] = v[i]->program;
        rc = ash_finding_add_file(&f, ash_str_cstr(v[i]->program));
      }
    }
    size_t w = 0;
    while (w < nw && whats[w] != v[i]->what) w++;
    if (w == nw && nw < 8) {
      whats[nw] = v[i]->what;
      ww[nw++] = v[i]->weight;
    }
  }
  /* the score: the strongest kind of record, more for each other kind
   * that says the same (a connection and the command that made it) */
  int best = 0, sum = 0;
  for (size_t w = 0; w < nw; w++) {
    if (ww[w] > best) best = ww[w];
    sum += ww[w];
  }
  int score = 30 + best + (sum - best) / 4 - 10;
  if (score > 80) score = 80;
  if (score < 20) score = 20;
  ash_finding_set_score(&f, score);
  ash_buf b;
  ash_buf_init(&b, ASH_MAX_FINDING_TEXT);
  const char *prog = np ? file_name(progs[0]) : "a program";
  hunt_text T, S;
  hunt_text_init(&T);
  hunt_text_init(&S);
  hunt_say(&T, "relay.title", np ? prog : "unnamed_program", host, whats[0]);
  char t1[32], t2[32];
  hunt_fmt_time(f.first_seen, t1);
  hunt_fmt_time(f.last_seen, t2);
  /* the list checked: a failed append leaves b without text */
  for (size_t p = 0; p < np && !rc; p++) rc = ash_buf_printf(&b, "%s%s", p ? ", " : "", progs[p]);
  hunt_say(&S, "relay.sum.head", host, HUNT_ARG("%zu", n), t1, t2,
           np && b.p ? b.p : "unnamed_program.an");
  for (size_t i = 0; i < n && i < 6; i++)
    hunt_say(&S, i ? "relay.sum.rec.next" : "relay.sum.rec", v[i]->what, v[i]->detail);
  if (n > 6) hunt_say(&S, "relay.sum.more", HUNT_ARG("%zu", n - 6));
  hunt_say0(&S, "relay.sum.advice");
  if (!rc) rc = hunt_text_set(&f, &T, &S);
  hunt_text_free(&T);
  hunt_text_free(&S);
  /* details: the programs and the reasons with their weights */
  ash_buf_reset(&b);
  int jr = ash_buf_adds(&b, "{\"programs\":[");
  for (size_t p = 0; p < np; p++) {
    if (p) jr |= ash_buf_adds(&b, ",");
    jr |= jstr(&b, progs[p]);
  }
  jr |= ash_buf_adds(&b, "],\"program\":");
  jr |= jstr(&b, prog);
  jr |= ash_buf_printf(&b, ",\"records\":%zu", n);
  /* each kind of record, named by model_relay.c (a term of the reasons'
   * catalogue, reasons.c, or a command's own name) */
  /* the score's parts as computed above: the base, the strongest kind
   * whole, each other kind a quarter (the integer division's remainder
   * on the first of them), the missing logon, and the bounds */
  hunt_reasons R;
  R.n = 0;
  hunt_why0(&R, "relay_base", 30);
  size_t bi = 0;
  while (bi < nw && ww[bi] != best) bi++;
  if (bi < nw) hunt_why(&R, "relay_record", ww[bi], whats[bi]);
  int quarter = (sum - best) / 4, given = 0, first_other = -1;
  for (size_t w = 0; w < nw; w++) {
    if (w == bi) continue;
    if (first_other < 0) first_other = R.n;
    hunt_why(&R, "relay_record.also", ww[w] / 4, whats[w]);
    given += ww[w] / 4;
  }
  if (first_other >= 0 && first_other < R.n) R.r[first_other].weight += quarter - given;
  hunt_why0(&R, "no_loopback_logon", -10);
  int raw = 30 + best + quarter - 10;
  if (raw != score) hunt_why(&R, "relay_cap", score - raw, HUNT_ARG("%d", score));
  jr |= hunt_reasons_json(&b, &R);
  jr |= ash_buf_adds(&b, "}");
  if (!rc && !jr) rc = ash_finding_set_details(&f, b.p, b.n);
  if (!rc && jr) rc = ASH_ENOMEM;
  ash_buf_free(&b);
  size_t ne = 0;
  hunt_evq q;
  hunt_evq_init(&q, c, &f);
  if (!rc) rc = hunt_relay_evidence(&q, v, n, MAX_EVIDENCE, &ne);
  if (!rc) rc = hunt_evq_flush(&q);
  if (!rc) rc = hunt_list_add(out, &f);
  if (rc) ash_finding_free(&f);
  return rc;
}

int ash_hunt_relay(hunt_ctx *c, hunt_list *out) {
  const hunt_relay *r;
  const rdp_loop *lp;
  size_t n, nl;
  int rc = hunt_relays(c, &r, &n);
  if (!rc && n) rc = hunt_loopback_rdp(c, &lp, &nl);
  if (rc || !n) return rc;
  const hunt_relay **v = malloc(n * sizeof *v);
  if (!v) return ASH_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!hunt_relay_attached(&r[i], lp, nl)) v[m++] = &r[i];
  /* r is in (host, time) order, so each host's records are adjacent */
  for (size_t i = 0; !rc && i < m;) {
    size_t j = i + 1;
    while (j < m && !strcmp(v[j]->host, v[i]->host)) j++;
    rc = one_host(c, v + i, j - i, out);
    i = j;
  }
  free(v);
  return rc;
}
