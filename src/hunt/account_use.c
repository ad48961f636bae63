/* account-use and credential-hop: was an account used by its owner, and
 * where did whoever used it go next (issue 11 item 4, scenario.md
 * finding 2: "what did that account do later").
 *
 * account-use judges every VPN session (the shared model, model_vpn.c)
 * against the account's own earlier sessions and against its peers: the
 * source address, its /24, the country the log names, a rentable cloud
 * address, sessions from two countries at once, the hour of the day, and
 * the hosts the session reached (model_reach.c) against the account's
 * history there (model_accounts.c). One finding per account, on its
 * suspicious sessions, with the reasons for and against each weighted.
 *
 * credential-hop follows the suspicious sessions one step further: from
 * each host such a session reached, logons of another account to other
 * hosts while the session held it. An intruder on a server harvests the
 * credentials cached there and moves on with them; an administrator's
 * account doing so is how a domain falls. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/ranges.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

/* Below this many earlier sessions an account has no habits to break:
 * every address of its first sessions is new. */
#define MIN_HISTORY 5
/* A session scoring this is suspicious (followed, listed); an account
 * with one scoring ACCOUNT_MIN makes a finding. */
#define SESS_MIN 40
#define ACCOUNT_MIN 40
/* Two sessions from different countries closer than this (or at once) are
 * not one traveller: an hour is less than any international flight with
 * its airports, and the rare border a commuter crosses in less is between
 * countries whose people then log in from both. */
#define TRAVEL_GAP ASH_HOUR
/* Earlier sessions kept per account for the travel check. */
#define RING 16
#define MAX_SESS_LISTED 8

/* ---- per-session evaluation ---- */

/* What the judging of one session keeps: a few bytes, there may be
 * millions; the reasons themselves are written again for the sessions a
 * finding shows (judge_account's want). */
typedef struct sess_eval {
  hunt_reasons *R; /* the reasons while it is judged, NULL after */
  int32_t travel;  /* index of the session it cannot be travelled from, or -1 */
  int16_t score;
  uint8_t new_hosts, first_rdp, other_acct, admin_acct, returned;
} sess_eval;

/* Per country and per address: how many accounts connected from it
 * (the peers' side of "never seen"). */
typedef struct peer_count {
  uint32_t n, last_user;
} peer_count;

typedef struct au {
  hunt_ctx *c;
  const hunt_vpn *v;
  const hunt_accounts *acc;
  const hunt_reaches *reach;
  uint32_t *order; /* session indices by (user, start) */
  sess_eval *ev;   /* per session */
  ash_keymap countries, addrs;
} au;

static int cmp_user_start(const void *a, const void *b, void *u) {
  const hunt_vpn *v = u;
  const hunt_vpn_session *x = &v->s[*(const uint32_t *)a], *y = &v->s[*(const uint32_t *)b];
  if (x->user != y->user) return x->user < y->user ? -1 : 1;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int peer_add(ash_keymap *m, const void *key, uint32_t user) {
  peer_count *p;
  int fresh;
  int rc = ash_keymap_put(m, key, (void **)&p, &fresh);
  if (rc == ASH_ELIMIT) return ASH_OK;
  if (rc) return rc;
  if (fresh || p->last_user != user) {
    p->n++;
    p->last_user = user;
  }
  return ASH_OK;
}

static uint32_t peers_of(const ash_keymap *m, const void *key) {
  const peer_count *p = ash_keymap_get(m, key);
  return p ? p->n : 0;
}

static void country_key(const char *c, char k[32]) {
  memset(k, 0, 32);
  for (size_t i = 0; c[i] && i < 31; i++)
    k[i] = (char)(c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i]);
}

/* A term of the reasons' catalogue (reasons.c). */
static const char *priv_words(uint32_t p) {
  return p & HUNT_PRIV_4672 ? "priv.4672" : p & HUNT_PRIV_DC ? "priv.dc" : "priv.name";
}

/* The hosts session i reached, judged against the history of the account
 * that logged on there. */
/* The hosts the account's earlier suspicious sessions reached: what an
 * intruder did does not become the owner's habit, and coming back to them
 * is the intruder coming back. */
typedef struct tainted {
  char h[8][64];
  int n;
} tainted;

static int tainted_has(const tainted *T, const char *host) {
  for (int i = 0; i < T->n; i++)
    if (!strcmp(T->h[i], host)) return 1;
  return 0;
}

static void judge_hosts(au *A, uint32_t i, sess_eval *e, const tainted *T,
                        const ash_finding *past) {
  const hunt_vpn_session *s = &A->v->s[i];
  const char *user = hunt_account_name(A->c, s->user);
  size_t k = hunt_reach_first(A->reach, i);
  char seen[8][64];
  int nseen = 0, habitual = 0, total = 0;
  for (; k < A->reach->n && A->reach->v[k].sess == i; k++) {
    const hunt_logon *l = &A->reach->v[k].l;
    int dup = 0;
    for (int j = 0; j < nseen && !dup; j++) dup = !strcmp(seen[j], l->host);
    if (dup || nseen == 8) continue; /* the first eight hosts say enough */
    snprintf(seen[nseen++], 64, "%s", l->host);
    total++;
    uint32_t who = l->account != UINT32_MAX ? l->account : s->user;
    const hunt_account_host *h = hunt_account_on(A->acc, who, l->host);
    int32_t day = (int32_t)(l->ts / ASH_DAY);
    int rdp = l->logon_type < 0 || l->logon_type == 10 || l->logon_type == 12;
    /* the host a tool tied to the account was found on is the intruder's
     * foothold: a session from a new place reaching it again is a return */
    if (past && past->hosts.n && !strcmp(past->hosts.v[0], l->host) && s->new_src &&
        s->start > past->first_seen) {
      if (!e->returned) hunt_why(e->R, "returned_to_detection_host", 10, l->host, past->id);
      e->returned = 1;
    } else if (tainted_has(T, l->host)) {
      if (!e->returned) hunt_why(e->R, "returned_to_host", 8, l->host);
      e->returned = 1;
    } else if (!h || h->first / ASH_DAY >= day) {
      /* a person works on the same few servers; a host an account reaches
       * for the first time is where an intruder looks around */
      e->new_hosts++;
      hunt_why(e->R, "new_host_reached", e->new_hosts == 1 ? 12 : 4, l->host,
               hunt_account_name(A->c, who));
    } else if (rdp && h->first_rdp / ASH_DAY >= day) {
      /* a file-share user has no desktop on the server: an RDP session
       * there is a new way of using it (issue 11) */
      e->first_rdp++;
      hunt_why(e->R, "first_rdp_to_host", 10, hunt_account_name(A->c, who), l->host);
    } else if (h->days >= 3 && h->first < l->ts - 7 * ASH_DAY) {
      /* on three days or more, since more than a week: the account's own
       * everyday host (the days may include later ones: the model counts
       * the whole case) */
      habitual++;
    }
    /* a VPN session is one person's: logons from its tunnel address as
     * someone else are that person typing another's password */
    if (l->account != UINT32_MAX && l->account != s->user && e->other_acct < 2) {
      e->other_acct++;
      uint32_t p = hunt_account_privileged(A->acc, l->account);
      if (p) e->admin_acct++;
      if (p)
        hunt_why(e->R, "admin_credentials_in_session", 20, user, l->host,
                 hunt_account_name(A->c, l->account), priv_words(p));
      else
        hunt_why(e->R, "other_account_in_session", 10, user, l->host,
                 hunt_account_name(A->c, l->account));
    }
  }
  /* reaching only its everyday hosts the everyday way is what its owner
   * does */
  if (total && habitual == total && !e->other_acct) hunt_why(e->R, "usual_hosts", -10, user);
}

/* The past-incident-link finding (high or above) that ties a detection to
 * the account, or NULL. */
static const ash_finding *past_link(const hunt_ctx *c, const char *acct) {
  for (size_t i = 0; i < c->prior.n; i++) {
    const ash_finding *p = &c->prior.v[i];
    if (p->hunt && !strcmp(p->hunt, ASH_HUNT_LINK) && p->score >= 65 && p->accounts.n &&
        !strcasecmp(p->accounts.v[0], acct))
      return p;
  }
  return NULL;
}

/* Judge every session of one account (order[lo..hi)) against the ones
 * before it; the reasons of session want (UINT32_MAX none) into *out. */
static void judge_account(au *A, size_t lo, size_t hi, uint32_t want, hunt_reasons *out) {
  hunt_reasons R;
  uint32_t hours[24] = {0}, nh = 0;
  char countries[16][32];
  int nc = 0;
  uint32_t ring[RING];
  int nring = 0;
  tainted T;
  T.n = 0;
  const ash_finding *past =
      lo < hi ? past_link(A->c, hunt_account_name(A->c, A->v->s[A->order[lo]].user)) : NULL;
  for (size_t x = lo; x < hi; x++) {
    uint32_t i = A->order[x];
    const hunt_vpn_session *s = &A->v->s[i];
    sess_eval *e = &A->ev[i];
    memset(e, 0, sizeof *e);
    e->travel = -1;
    R.n = 0;
    e->R = &R;
    char rem[ASH_IP_STRLEN];
    ash_ip_format(&s->remote, rem);
    /* the prior: a session opened with the account's password */
    hunt_why(e->R, "vpn_login", 10, hunt_account_name(A->c, s->user),
             rem[0] ? rem : "unknown_address");
    int hist = s->nprev >= MIN_HISTORY;
    char ck[32];
    country_key(s->country, ck);
    int known_country = !s->country[0];
    for (int j = 0; j < nc && !known_country; j++) known_country = !strcmp(countries[j], ck);
    ash_cloud cl;
    int cloud = s->remote.fam && ash_ranges_lookup(A->c->ranges, &s->remote, &cl) &&
                ash_cloud_rentable(&cl) == 2;
    if (hist) {
      /* remote workers connect from a handful of home and office
       * addresses; stolen credentials are used from somewhere else */
      if (s->new_src) {
        hunt_why(e->R, "new_vpn_source", 15, rem, HUNT_ARG("%u", s->nprev));
        if (s->new_net) hunt_why0(e->R, "new_vpn_network", 5);
        uint32_t others = peers_of(&A->addrs, &s->remote);
        /* an address several colleagues come from is an office, a hotel
         * or a partner's network, not one intruder's */
        if (others >= 4 && !cloud)
          hunt_why(e->R, "source_shared_with_peers", -10, HUNT_ARG("%u", others - 1), rem);
      } else {
        hunt_why(e->R, "known_vpn_source", -10, rem);
      }
      if (!known_country && nc) {
        hunt_why(e->R, "new_country", 12, s->country, HUNT_ARG("%u", s->nprev));
        if (peers_of(&A->countries, ck) <= 1)
          hunt_why(e->R, "country_rare_among_peers", 5, s->country);
      }
      /* people keep regular hours: an hour of the day (UTC, with the hours
       * either side) holding under 5% of 20 or more earlier logins is off
       * the account's own pattern */
      int hr = (int)((s->start % ASH_DAY + ASH_DAY) % ASH_DAY / ASH_HOUR);
      uint32_t near = hours[hr] + hours[(hr + 23) % 24] + hours[(hr + 1) % 24];
      if (nh >= 20 && near * 20 < nh)
        hunt_why(e->R, "off_hours", 8, HUNT_ARG("%02d", hr), HUNT_ARG("%u", nh));
    } else if (s->new_src && s->nprev) {
      /* a few sessions are still a few addresses: new, with less weight */
      hunt_why(e->R, "new_vpn_source.few", 8, rem, HUNT_ARG("%u", s->nprev));
    }
    /* once a session of the account has been tied to a tool dropped on a
     * server, its sessions from new places after that are the same hands
     * coming back (a new country, a rentable cloud address, or where the
     * log names no country a new network: the owner's own provider
     * changing its address keeps the country and mostly the network); the
     * tied session itself is the intrusion's first */
    if (past && s->new_src) {
      int tied = 0;
      for (size_t k = 0; k < past->ips.n && !tied; k++) tied = !strcmp(past->ips.v[k], rem);
      if (tied)
        hunt_why(e->R, "session_in_past_incident", 15, ASH_HUNT_LINK, past->id,
                 past->title ? past->title : "past_detection");
      else if (past->first_seen != ASH_TIME_UNSET && s->start > past->first_seen &&
               ((s->country[0] && !known_country) || (!s->country[0] && s->new_net) || cloud))
        hunt_why(e->R, "return_after_past_incident", 15, ASH_HUNT_LINK, past->id,
                 past->title ? past->title : "past_detection");
    }
    /* employees do not work from rented cloud servers; relays do */
    if (cloud) hunt_why_cloud(e->R, 15, rem, &cl);
    /* one person is not in two countries at once, nor an hour apart */
    for (int j = 0; j < nring && s->country[0]; j++) {
      const hunt_vpn_session *p = &A->v->s[ring[j]];
      if (!p->country[0] || !strcasecmp(p->country, s->country)) continue;
      if (s->start - p->end > TRAVEL_GAP) continue;
      char pr[ASH_IP_STRLEN];
      ash_ip_format(&p->remote, pr);
      e->travel = (int)ring[j];
      hunt_why(e->R, s->start < p->end ? "impossible_travel" : "impossible_travel.hour", 20, rem,
               s->country, pr, p->country);
      break;
    }
    judge_hosts(A, i, e, &T, past);
    e->score = (int16_t)hunt_reasons_sum(e->R);
    e->R = NULL;
    if (i == want && out) *out = R;
    /* history grows with each session the owner may have made: the
     * suspicious ones teach where the intruder goes instead */
    if (e->score < SESS_MIN) {
      int hr = (int)((s->start % ASH_DAY + ASH_DAY) % ASH_DAY / ASH_HOUR);
      hours[hr]++;
      nh++;
      if (!known_country && nc < 16) memcpy(countries[nc++], ck, 32);
    } else {
      size_t k = hunt_reach_first(A->reach, i);
      for (; k < A->reach->n && A->reach->v[k].sess == i && T.n < 8; k++)
        if (!tainted_has(&T, A->reach->v[k].l.host))
          snprintf(T.h[T.n++], 64, "%s", A->reach->v[k].l.host);
    }
    if (nring < RING)
      ring[nring++] = i;
    else {
      memmove(ring, ring + 1, (RING - 1) * sizeof *ring);
      ring[RING - 1] = i;
    }
  }
}

static void au_free(au *A) {
  free(A->order);
  free(A->ev);
  ash_keymap_free(&A->countries);
  ash_keymap_free(&A->addrs);
}

static int au_build(hunt_ctx *c, au *A) {
  memset(A, 0, sizeof *A);
  A->c = c;
  ash_keymap_init(&A->countries, 32, sizeof(peer_count), ASH_MAX_HUNT_HOSTS);
  ash_keymap_init(&A->addrs, sizeof(ash_ip), sizeof(peer_count), ASH_MAX_HUNT_USERHOST);
  ASH_TRY(hunt_vpn_sessions(c, &A->v));
  ASH_TRY(hunt_accounts_history(c, &A->acc));
  ASH_TRY(hunt_vpn_reach(c, &A->reach));
  size_t n = A->v->ns;
  A->order = malloc((n ? n : 1) * sizeof *A->order);
  A->ev = calloc(n ? n : 1, sizeof *A->ev);
  if (!A->order || !A->ev) return ASH_ENOMEM;
  for (size_t i = 0; i < n; i++) A->order[i] = (uint32_t)i;
  qsort_r(A->order, n, sizeof *A->order, cmp_user_start, (void *)A->v);
  int rc = ASH_OK;
  for (size_t x = 0; !rc && x < n; x++) {
    const hunt_vpn_session *s = &A->v->s[A->order[x]];
    char ck[32];
    country_key(s->country, ck);
    if (s->country[0]) rc = peer_add(&A->countries, ck, s->user);
    if (!rc && s->remote.fam) rc = peer_add(&A->addrs, &s->remote, s->user);
  }
  for (size_t lo = 0; !rc && lo < n;) {
    size_t hi = lo;
    while (hi < n && A->v->s[A->order[hi]].user == A->v->s[A->order[lo]].user) hi++;
    judge_account(A, lo, hi, UINT32_MAX, NULL);
    lo = hi;
  }
  return rc;
}

/* The account-level verdict: the best session's reasons, and what the
 * account did across sessions. */
typedef struct verdict {
  int best;  /* session index */
  int nsusp; /* suspicious sessions */
  int nnew;  /* ... from new sources */
  int score;
  hunt_reasons R;
  const ash_finding *past;
} verdict;

static void account_verdict(au *A, size_t lo, size_t hi, verdict *V) {
  memset(V, 0, sizeof *V);
  V->best = -1;
  for (size_t x = lo; x < hi; x++) {
    uint32_t i = A->order[x];
    if (A->ev[i].score < SESS_MIN) continue;
    V->nsusp++;
    if (A->v->s[i].new_src) V->nnew++;
    if (V->best < 0 || A->ev[i].score > A->ev[V->best].score) V->best = (int)i;
  }
  if (V->best < 0) return;
  judge_account(A, lo, hi, (uint32_t)V->best, &V->R);
  const char *acct = hunt_account_name(A->c, A->v->s[V->best].user);
  /* coming back again and again from new places is not a trip: a person
   * travelling uses one hotel, an intruder whatever relay is at hand */
  if (V->nnew >= 2)
    hunt_why(&V->R, "repeated_new_sources", V->nnew >= 4 ? 15 : 10, acct,
             HUNT_ARG("%d", V->nnew - 1));
  /* the account is already tied to a tool found on a server, and kept
   * coming back from new places afterwards: "what did that account do
   * later" (scenario.md, finding 2) */
  V->past = past_link(A->c, acct);
  int later = 0;
  for (size_t x = lo; V->past && x < hi; x++) {
    uint32_t i = A->order[x];
    const hunt_vpn_session *s = &A->v->s[i];
    if (A->ev[i].score >= SESS_MIN && s->new_src && V->past->last_seen != ASH_TIME_UNSET &&
        s->start > V->past->last_seen + ASH_HOUR)
      later++;
  }
  if (later)
    hunt_why(&V->R, "returns_after_past_incident", 10, HUNT_ARG("%d", later), ASH_HUNT_LINK,
             V->past->id, acct, V->past->title ? V->past->title : "past_detection");
  V->score = hunt_reasons_sum(&V->R);
}

static void sess_words(const au *A, uint32_t i, hunt_text *S) {
  const hunt_vpn_session *v = &A->v->s[i];
  char t[32], rem[ASH_IP_STRLEN], tun[ASH_IP_STRLEN], d[32];
  hunt_fmt_time(v->start, t);
  ash_ip_format(&v->remote, rem);
  ash_ip_format(&v->tunnel, tun);
  hunt_fmt_dur(v->end - v->start, d);
  hunt_say(S, "acct.sum.sess", t, rem[0] ? rem : "?");
  if (v->country[0]) hunt_say(S, "acct.sum.sess.country", v->country);
  if (v->new_src && v->nprev) hunt_say0(S, "acct.sum.sess.new");
  if (tun[0]) hunt_say(S, "acct.sum.sess.tunnel", tun);
  hunt_say(S, "acct.sum.sess.dur", d);
  size_t k = hunt_reach_first(A->reach, i);
  int n = 0;
  char last[64] = "";
  for (; k < A->reach->n && A->reach->v[k].sess == i; k++) {
    const hunt_logon *l = &A->reach->v[k].l;
    if (!strcmp(last, l->host)) continue;
    snprintf(last, sizeof last, "%s", l->host);
    if (n++ >= 4) continue;
    hunt_say(S, n == 1 ? "acct.sum.sess.reach" : "acct.sum.sess.reach.next", l->host,
             l->logon_type < 0 || l->logon_type == 10 || l->logon_type == 12 ? "reach.rdp"
             : l->logon_type == 3                                            ? "reach.smb"
                                                                             : "reach.other");
    if (l->account != UINT32_MAX && l->account != v->user)
      hunt_say(S, "acct.sum.sess.as", hunt_account_name(A->c, l->account));
  }
}

static int make_account_finding(au *A, size_t lo, size_t hi, const verdict *V, hunt_list *out) {
  hunt_ctx *c = A->c;
  const hunt_vpn_session *b = &A->v->s[V->best];
  const char *acct = hunt_account_name(c, b->user);
  ash_finding f;
  ASH_TRY(ash_finding_init(&f, "account-use"));
  char key[200];
  int kl = snprintf(key, sizeof key, "account-use|%s", acct);
  ash_finding_set_id(&f, key, (size_t)kl);
  ash_finding_set_score(&f, V->score);
  ash_finding_add_attack(&f, "T1078");
  ash_finding_add_attack(&f, "T1133");
  int rc = ash_finding_add_account(&f, ash_str_cstr(acct));
  hunt_text S, T;
  hunt_text_init(&S);
  hunt_text_init(&T);
  /* the hosts and countries of the suspicious sessions, for the title */
  char hosts[4][64], ctry[4][32];
  int nhosts = 0, nctry = 0, listed = 0;
  hunt_say(&S, "acct.sum.head", acct, HUNT_ARG("%d", V->nsusp));
  int nev = 0;
  hunt_evq q;
  hunt_evq_init(&q, c, &f);
  for (size_t x = lo; !rc && x < hi; x++) {
    uint32_t i = A->order[x];
    const hunt_vpn_session *v = &A->v->s[i];
    if (A->ev[i].score < SESS_MIN) continue;
    if (listed < MAX_SESS_LISTED) {
      if (listed) hunt_say0(&S, "acct.sum.sess.sep");
      sess_words(A, i, &S);
    }
    listed++;
    ash_finding_see(&f, v->start);
    ash_finding_see(&f, v->end);
    if (v->remote.fam) rc = ash_finding_add_ip(&f, &v->remote);
    if (!rc && v->tunnel.fam) rc = ash_finding_add_ip(&f, &v->tunnel);
    int dup = 0;
    for (int j = 0; j < nctry && !dup; j++) dup = !strcmp(ctry[j], v->country);
    if (v->country[0] && !dup && nctry < 4) snprintf(ctry[nctry++], 32, "%s", v->country);
    if (!rc && v->login_id && nev < 40) hunt_evq_add(&q, v->login_id), nev++;
    size_t k = hunt_reach_first(A->reach, i);
    int per = 0;
    for (; !rc && k < A->reach->n && A->reach->v[k].sess == i; k++) {
      const hunt_logon *l = &A->reach->v[k].l;
      rc = ash_finding_add_host(&f, ash_str_cstr(l->host));
      if (!rc && l->account != UINT32_MAX && l->account != v->user)
        rc = ash_finding_add_account(&f, ash_str_cstr(hunt_account_name(c, l->account)));
      dup = 0;
      for (int j = 0; j < nhosts && !dup; j++) dup = !strcmp(hosts[j], l->host);
      if (!dup && nhosts < 4) snprintf(hosts[nhosts++], 64, "%s", l->host);
      if (!rc && per++ < 3 && nev < 40) hunt_evq_add(&q, l->id), nev++;
    }
    if (!rc && v->logout_id && nev < 40) hunt_evq_add(&q, v->logout_id), nev++;
  }
  if (!rc) rc = hunt_evq_flush(&q);
  /* the sessions listed one after another (";" between them), and those
   * left out counted */
  if (listed > MAX_SESS_LISTED)
    hunt_say(&S, "acct.sum.more", HUNT_ARG("%d", listed - MAX_SESS_LISTED));
  hunt_say0(&S, "acct.sum.stop");
  if (V->past)
    hunt_say(&S, "acct.sum.past", V->past->id, V->past->title ? V->past->title : V->past->id);
  hunt_say_why(&S, "why", &V->R, V->score);
  if (V->nsusp > 1 && V->nnew > 1)
    hunt_say(&T, "acct.title.returns", acct, HUNT_ARG("%d", V->nnew - 1));
  else {
    char rem[ASH_IP_STRLEN];
    ash_ip_format(&b->remote, rem);
    hunt_say(&T, b->new_src ? "acct.title.login.new" : "acct.title.login", acct, rem);
  }
  char list[512];
  size_t ln = 0;
  list[0] = 0;
  for (int j = 0; j < nctry; j++)
    ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s%s", j ? ", " : "", ctry[j]);
  if (nctry) hunt_say(&T, "acct.title.countries", list);
  ln = 0;
  list[0] = 0;
  for (int j = 0; j < nhosts; j++)
    ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s%s", j ? ", " : "", hosts[j]);
  if (nhosts) hunt_say(&T, "acct.title.hosts", list);
  if (!rc) rc = hunt_text_set(&f, &T, &S);
  hunt_text_free(&T);
  hunt_text_free(&S);
  if (!rc) {
    const sess_eval *e = &A->ev[V->best];
    ash_buf det;
    ash_buf_init(&det, 16u << 10);
    rc = ash_buf_printf(&det,
                        "{\"sessions\":%d,\"new_sources\":%d,\"best_session_score\":%d,"
                        "\"new_hosts\":%d,\"other_account\":%d,\"impossible_travel\":%d",
                        V->nsusp, V->nnew, e->score, e->new_hosts, e->other_acct, e->travel >= 0);
    if (!rc) rc = hunt_reasons_json(&det, &V->R);
    if (!rc) rc = ash_buf_adds(&det, "}");
    if (!rc) rc = ash_finding_set_details(&f, det.p, det.n);
    ash_buf_free(&det);
  }
  if (!rc) return hunt_list_add(out, &f);
  ash_finding_free(&f);
  return rc;
}

int ash_hunt_account_use(hunt_ctx *c, hunt_list *out) {
  au A;
  int rc = au_build(c, &A);
  size_t n = rc ? 0 : A.v->ns;
  for (size_t lo = 0; !rc && lo < n;) {
    size_t hi = lo;
    while (hi < n && A.v->s[A.order[hi]].user == A.v->s[A.order[lo]].user) hi++;
    verdict V;
    account_verdict(&A, lo, hi, &V);
    if (V.best >= 0 && V.score >= ACCOUNT_MIN) rc = make_account_finding(&A, lo, hi, &V, out);
    lo = hi;
  }
  au_free(&A);
  return rc;
}

/* ---- credential-hop ---- */

/* One account's logons from one host a suspicious session held. */
typedef struct hop {
  uint32_t user;  /* the VPN account */
  uint32_t sess;  /* the first session it came through */
  uint32_t admin; /* the account whose credentials moved on */
  char jump[64];  /* the host they moved on from */
  int64_t reach_id, reach_ts;
  char targets[8][64];
  int ntargets;
  int64_t ids[12];
  int nids;
  int64_t first, last;
  int dc, new_target, at_jump; /* a target is a DC; never used before; admin on the jump host */
  int acct_score;
} hop;

typedef struct hopscan {
  au *A;
  hostmap *hm;
  hop *v;
  size_t n, cap;
  /* the window being scanned */
  uint32_t sess;
  const char *jump;
  ash_ip ips[8];
  size_t nips;
  int64_t reach_id, reach_ts;
  int acct_score;
  int err;
} hopscan;

static hop *hop_get(hopscan *H, uint32_t user, uint32_t admin, const char *jump) {
  for (size_t i = 0; i < H->n; i++)
    if (H->v[i].user == user && H->v[i].admin == admin && !strcmp(H->v[i].jump, jump))
      return &H->v[i];
  if (H->n >= 256) return NULL;
  hop *v = ash_array_room(H->v, &H->cap, H->n, sizeof *v, 16);
  if (!v) {
    H->err = ASH_ENOMEM;
    return NULL;
  }
  H->v = v;
  hop *h = &H->v[H->n++];
  memset(h, 0, sizeof *h);
  h->user = user;
  h->admin = admin;
  h->sess = H->sess;
  snprintf(h->jump, sizeof h->jump, "%s", jump);
  h->reach_id = H->reach_id;
  h->reach_ts = H->reach_ts;
  h->first = INT64_MAX;
  h->acct_score = H->acct_score;
  return h;
}

static int on_hop_logon(void *u, const hunt_logon *l) {
  hopscan *H = u;
  const hunt_vpn_session *s = &H->A->v->s[H->sess];
  if (!l->src.fam || l->account == UINT32_MAX || l->account == s->user) return ASH_OK;
  if (!strcmp(l->host, H->jump)) return ASH_OK;
  size_t j = 0;
  while (j < H->nips && !ash_ip_eq(&H->ips[j], &l->src)) j++;
  if (j == H->nips) return ASH_OK;
  /* service accounts log on from servers on their schedules (backups,
   * monitoring): that is no one's password being typed */
  const char *name = hunt_account_name(H->A->c, l->account);
  if (!strncasecmp(name, "svc", 3)) return ASH_OK;
  hop *h = hop_get(H, s->user, l->account, H->jump);
  if (!h) return H->err;
  int dup = 0;
  for (int k = 0; k < h->ntargets && !dup; k++) dup = !strcmp(h->targets[k], l->host);
  if (!dup && h->ntargets < 8) {
    snprintf(h->targets[h->ntargets++], 64, "%s", l->host);
    if (hunt_host_is_dc(H->A->acc, l->host)) h->dc = 1;
    const hunt_account_host *ah = hunt_account_on(H->A->acc, l->account, l->host);
    if (!ah || ah->first / ASH_DAY >= l->ts / ASH_DAY) h->new_target = 1;
    if (h->nids < 12) h->ids[h->nids++] = l->id;
  }
  if (l->ts < h->first) h->first = l->ts;
  if (l->ts > h->last) h->last = l->ts;
  return ASH_OK;
}

/* Was admin logged on to the jump host itself (console or RDP) around the
 * hop? Then the credentials may be its own doing. */
typedef struct atjump {
  uint32_t admin;
  const char *jump;
  int hit;
} atjump;

static int on_jump_logon(void *u, const hunt_logon *l) {
  atjump *a = u;
  if (l->account == a->admin && !strcmp(l->host, a->jump) && l->logon_type != 3) a->hit = 1;
  return ASH_OK;
}

static int make_hop_finding(au *A, hop *h, hunt_list *out) {
  hunt_ctx *c = A->c;
  const hunt_vpn_session *s = &A->v->s[h->sess];
  const char *user = hunt_account_name(c, h->user), *adm = hunt_account_name(c, h->admin);
  uint32_t p = hunt_account_privileged(A->acc, h->admin);
  hunt_reasons R;
  R.n = 0;
  char rem[ASH_IP_STRLEN], tun[ASH_IP_STRLEN], t[32];
  ash_ip_format(&s->remote, rem);
  ash_ip_format(&s->tunnel, tun);
  hunt_fmt_time(h->first, t);
  /* the jump host was held by a session already judged suspicious: logons
   * out of it as someone else are that session's doing until shown
   * otherwise */
  hunt_why(&R, "hop_from_suspicious_session", 35, adm, h->jump, user, rem[0] ? rem : "?");
  hunt_why(&R, "session_suspicion", (h->acct_score + 2) / 4, user, HUNT_ARG("%d", h->acct_score));
  if (p) hunt_why(&R, "privileged_account", 20, adm, priv_words(p));
  if (!h->at_jump)
    hunt_why(&R, "admin_not_at_jump_host", 10, adm, h->jump);
  else
    hunt_why(&R, "admin_at_jump_host", -15, adm, h->jump);
  /* the domain controllers hold every account's keys */
  if (h->dc) hunt_why0(&R, "reached_domain_controller", 10);
  if (h->new_target) hunt_why(&R, "new_target_for_account", 5, adm);
  int score = hunt_reasons_sum(&R);
  ash_finding f;
  ASH_TRY(ash_finding_init(&f, "credential-hop"));
  char key[300];
  int kl = snprintf(key, sizeof key, "credential-hop|%s|%s|%s", user, adm, h->jump);
  ash_finding_set_id(&f, key, (size_t)(kl < (int)sizeof key ? kl : (int)sizeof key - 1));
  ash_finding_set_score(&f, score);
  ash_finding_add_attack(&f, "T1078.002");
  ash_finding_add_attack(&f, "T1021");
  ash_finding_add_attack(&f, "T1550");
  int rc = ash_finding_add_account(&f, ash_str_cstr(adm));
  if (!rc) rc = ash_finding_add_account(&f, ash_str_cstr(user));
  if (!rc) rc = ash_finding_add_host(&f, ash_str_cstr(h->jump));
  for (int i = 0; !rc && i < h->ntargets; i++)
    rc = ash_finding_add_host(&f, ash_str_cstr(h->targets[i]));
  if (!rc && s->remote.fam) rc = ash_finding_add_ip(&f, &s->remote);
  if (!rc && s->tunnel.fam) rc = ash_finding_add_ip(&f, &s->tunnel);
  ash_finding_see(&f, s->start);
  ash_finding_see(&f, h->first);
  ash_finding_see(&f, h->last);
  hunt_text S, T;
  hunt_text_init(&S);
  hunt_text_init(&T);
  char ts[32];
  hunt_fmt_time(s->start, ts);
  hunt_say(&S, "hop.sum.vpn", user, ts, rem[0] ? rem : "?");
  if (s->country[0]) hunt_say(&S, "hop.sum.country", s->country);
  char targets[8 * 66];
  size_t tl = 0;
  targets[0] = 0;
  for (int i = 0; i < h->ntargets; i++)
    tl += (size_t)snprintf(targets + tl, sizeof targets - tl, "%s%s", i ? ", " : "", h->targets[i]);
  hunt_say(&S, p ? "hop.sum.hop.admin" : "hop.sum.hop", tun, h->jump, adm, targets, t, user);
  hunt_say_why(&S, "why", &R, score);
  tl = 0;
  targets[0] = 0;
  for (int i = 0; i < h->ntargets && i < 4; i++)
    tl += (size_t)snprintf(targets + tl, sizeof targets - tl, "%s%s", i ? ", " : "", h->targets[i]);
  hunt_say(&T, p ? "hop.title.admin" : "hop.title", adm, h->jump, user, targets);
  if (!rc) rc = hunt_text_set(&f, &T, &S);
  hunt_text_free(&T);
  hunt_text_free(&S);
  /* evidence in the order of the chain */
  hunt_evq q;
  hunt_evq_init(&q, c, &f);
  hunt_evq_add(&q, s->login_id);
  hunt_evq_add(&q, h->reach_id);
  hunt_evq_addv(&q, h->ids, (size_t)h->nids);
  hunt_evq_add(&q, s->logout_id);
  if (!rc) rc = hunt_evq_flush(&q);
  if (!rc) {
    ash_buf det;
    ash_buf_init(&det, 16u << 10);
    rc = ash_buf_printf(&det, "{\"privileged\":%d,\"targets\":%d,\"domain_controller\":%d", p != 0,
                        h->ntargets, h->dc);
    if (!rc) rc = hunt_reasons_json(&det, &R);
    if (!rc) rc = ash_buf_adds(&det, "}");
    if (!rc) rc = ash_finding_set_details(&f, det.p, det.n);
    ash_buf_free(&det);
  }
  if (!rc) return hunt_list_add(out, &f);
  ash_finding_free(&f);
  return rc;
}

/* How long after a session ends logons from a host it reached still count
 * as its doing: an intruder's own logon sessions on the host outlive the
 * VPN session that opened them (RDP disconnected, not logged off). */
#define HOP_AFTER (2 * ASH_HOUR)

int ash_hunt_credential_hop(hunt_ctx *c, hunt_list *out) {
  au A;
  hopscan H;
  memset(&H, 0, sizeof H);
  int rc = au_build(c, &A);
  if (!rc) rc = hunt_hosts(c, &H.hm);
  H.A = &A;
  size_t n = rc ? 0 : A.v->ns;
  for (size_t lo = 0; !rc && lo < n;) {
    size_t hi = lo;
    while (hi < n && A.v->s[A.order[hi]].user == A.v->s[A.order[lo]].user) hi++;
    verdict V;
    account_verdict(&A, lo, hi, &V);
    for (size_t x = lo; !rc && V.best >= 0 && V.score >= ACCOUNT_MIN && x < hi; x++) {
      uint32_t i = A.order[x];
      if (A.ev[i].score < SESS_MIN) continue;
      const hunt_vpn_session *s = &A.v->s[i];
      /* each host the session reached, from its first logon there */
      size_t k = hunt_reach_first(A.reach, i);
      char done[8][64];
      int nd = 0;
      for (; !rc && k < A.reach->n && A.reach->v[k].sess == i; k++) {
        const hunt_logon *l = &A.reach->v[k].l;
        int dup = 0;
        for (int j = 0; j < nd && !dup; j++) dup = !strcmp(done[j], l->host);
        if (dup || nd >= 8) continue;
        snprintf(done[nd++], 64, "%s", l->host);
        H.sess = i;
        H.jump = l->host;
        H.nips = hostmap_ips(H.hm, l->host, H.ips, 8);
        H.reach_id = l->id;
        H.reach_ts = l->ts;
        H.acct_score = V.score;
        if (!H.nips) continue;
        rc = hunt_logons_window(c, l->ts, s->end + HOP_AFTER, on_hop_logon, &H);
        if (!rc) rc = H.err;
      }
    }
    lo = hi;
  }
  for (size_t i = 0; !rc && i < H.n; i++) {
    hop *h = &H.v[i];
    atjump aj = {h->admin, h->jump, 0};
    rc = hunt_logons_window(c, h->reach_ts - ASH_HOUR, h->last, on_jump_logon, &aj);
    h->at_jump = aj.hit;
    if (!rc) rc = make_hop_finding(&A, h, out);
  }
  free(H.v);
  au_free(&A);
  return rc;
}
