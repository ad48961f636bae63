/* The shared model of antivirus detections: av.detect and av.action
 * records grouped per host into incidents (the same file, the same threat,
 * or anything detected there within minutes), with what Sysmon 11 says of
 * when and by whom the file was written. Built once per run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "hunt_internal.h"

/* Detections of one file on one host within this are one incident. */
#define SAME_INCIDENT (6 * ASH_HOUR)
/* ... and detections of anything on one host within this. */
#define SAME_BURST (10 * ASH_MIN)

static int has_word(const char *s, const char *w) { return s && strcasestr(s, w) != NULL; }

/* hacktool / credential theft / exploit first, adware and tests last */
static int category(const char *threat, const char *cat) {
  static const char *const low[] = {"adware",          "pua:",     "pup",       "softwarebundler",
                                    "browsermodifier", "eicar",    "test file", "unwanted",
                                    "monitoringtool",  "program:", "joke"};
  static const char *const high[] = {
      "hacktool",   "exploit",    "backdoor",    "pws:",   "password", "credential",
      "ransom",     "virtool",    "mimikatz",    "cobalt", "lazagne",  "rubeus",
      "sharphound", "bloodhound", "meterpreter", "tool"};
  for (size_t i = 0; i < sizeof low / sizeof low[0]; i++)
    if (has_word(threat, low[i]) || has_word(cat, low[i])) return HUNT_CAT_LOW;
  for (size_t i = 0; i < sizeof high / sizeof high[0]; i++)
    if (has_word(threat, high[i]) || has_word(cat, high[i])) return HUNT_CAT_HIGH;
  return HUNT_CAT_MID;
}

/* The detection that a record on host at ts belongs to, or a new one;
 * NULL at the cap (c->capped says so) or out of memory (*err). */
static hunt_detection *incident_for(hunt_ctx *c, hunt_detections *D, const char *host,
                                    const char *threat, const char *path, int64_t ts, int *err) {
  for (size_t i = D->n; i-- > 0;) {
    hunt_detection *x = &D->v[i];
    if (ts - x->last > SAME_INCIDENT) break;
    if (strcmp(x->host, host)) continue;
    /* the same file, or anything else detected there within minutes: one
     * intrusion leaves several tools (mimikatz.exe and mimidrv.sys) */
    if ((threat && *threat && !strcasecmp(x->threat, threat)) ||
        (path && *path && !strcasecmp(x->path, path)) || ts - x->last <= SAME_BURST)
      return x;
  }
  if (D->n >= ASH_MAX_HUNT_DETECTIONS) {
    c->capped |= HUNT_CAP_DETECTIONS; /* later detections are not linked */
    return NULL;
  }
  hunt_detection *v = ash_array_room(D->v, &D->cap, D->n, sizeof *v, 16);
  if (!v) {
    *err = ASH_ENOMEM;
    return NULL;
  }
  D->v = v;
  hunt_detection *x = &D->v[D->n++];
  memset(x, 0, sizeof *x);
  snprintf(x->host, sizeof x->host, "%s", host);
  x->first = x->last = x->t0 = ts;
  snprintf(x->threat, sizeof x->threat, "%s", threat ? threat : "");
  snprintf(x->path, sizeof x->path, "%s", path ? path : "");
  return x;
}

typedef struct load_ctx {
  hunt_ctx *c;
  hunt_detections *D;
  int err;
} load_ctx;

/* One antivirus record, in (ts, id) order, into its incident. ASH_ESTOP
 * at the cap or out of memory (err). */
static int on_av(void *u, const ash_av_event *a) {
  load_ctx *L = u;
  int64_t id = a->id, ts = a->ts;
  char host[64] = "";
  if (a->host) hunt_short_host(a->host, strlen(a->host), host, sizeof host);
  if (ts == ASH_TIME_UNSET || !host[0]) return ASH_OK;
  const char *threat = a->threat, *path = a->path;
  int detect = !a->action;
  hunt_detection *x = incident_for(L->c, L->D, host, threat, path, ts, &L->err);
  if (!x) return ASH_ESTOP; /* at the cap, or out of memory (err) */
  if (ts > x->last) x->last = ts;
  if (!x->threat[0] && threat) snprintf(x->threat, sizeof x->threat, "%s", threat);
  if (!x->path[0] && path) snprintf(x->path, sizeof x->path, "%s", path);
  if (threat && strcasecmp(threat, x->threat)) {
    int k = 0;
    while (k < x->nmore && strcasecmp(x->more[k], threat)) k++;
    if (k == x->nmore && x->nmore < 4)
      snprintf(x->more[x->nmore++], sizeof x->more[0], "%s", threat);
  }
  if (path && strcasecmp(path, x->path)) {
    int k = 0;
    while (k < x->nmpath && strcasecmp(x->mpath[k], path)) k++;
    if (k == x->nmpath && x->nmpath < 4)
      snprintf(x->mpath[x->nmpath++], sizeof x->mpath[0], "%s", path);
  }
  const char *cat = a->category;
  int cl = category(threat, cat);
  if (cl > x->cat) x->cat = cl;
  if (cat && !x->category[0]) snprintf(x->category, sizeof x->category, "%s", cat);
  const char *du = a->user;
  if (du && !x->det_user[0]) {
    char b[128];
    hunt_bare_account(du, strlen(du), b, sizeof b);
    if (!hunt_is_service_account(b))
      snprintf(x->det_user, sizeof x->det_user, "%s", b);
    else if (b[0] && !x->det_system[0])
      snprintf(x->det_system, sizeof x->det_system, "%s", du);
  }
  const char *proc = a->process;
  if (proc && !x->process[0] && strcasecmp(proc, "unknown"))
    snprintf(x->process, sizeof x->process, "%s", proc);
  const char *act = a->what;
  if (act && (!detect || !x->action[0])) snprintf(x->action, sizeof x->action, "%s", act);
  if (detect && x->ndet < HUNT_DET_IDS) x->det_ids[x->ndet++] = id;
  if (!detect && x->nact < HUNT_DET_IDS) x->act_ids[x->nact++] = id;
  return ASH_OK;
}

static int load_detections(hunt_ctx *c, hunt_detections *D) {
  load_ctx L = {c, D, ASH_OK};
  int rc = ash_store_av_events(c->store, on_av, &L);
  if (rc == ASH_ESTOP) rc = ASH_OK;
  return rc ? rc : L.err;
}

/* The latest write before the detection is the one that was caught. */
static int on_file(void *u, const ash_host_event *e) {
  hunt_detection *x = u;
  char hs[64] = "";
  if (e->host) hunt_short_host(e->host, strlen(e->host), hs, sizeof hs);
  if (strcmp(hs, x->host)) return ASH_OK;
  x->file_id = e->id;
  x->t0 = e->ts == ASH_TIME_UNSET ? x->first : e->ts;
  snprintf(x->file_proc, sizeof x->file_proc, "%s", e->process ? e->process : "");
  x->file_user[0] = 0;
  if (e->user) {
    char a[128];
    hunt_bare_account(e->user, strlen(e->user), a, sizeof a);
    if (!hunt_is_service_account(a)) snprintf(x->file_user, sizeof x->file_user, "%s", a);
  }
  return ASH_OK;
}

/* Sysmon 11: when the detected file was written (in the week before its
 * detection, or the minute after: logging order is not write order), and
 * by what. */
static int file_creation(hunt_ctx *c, hunt_detection *x) {
  if (!x->path[0]) return ASH_OK;
  ash_host_query q;
  memset(&q, 0, sizeof q);
  q.kind = ASH_KIND_WIN_FILE;
  q.since = x->first - 7 * ASH_DAY;
  q.until = x->first + ASH_MIN + 1;
  q.path = x->path;
  return ash_store_host_events(c->store, &q, on_file, x);
}

void hunt_detections_free(hunt_detections *D) {
  if (!D) return;
  free(D->v);
  free(D);
}

int hunt_detections_load(hunt_ctx *c, const hunt_detections **out) {
  if (!c->dets) {
    hunt_detections *D = calloc(1, sizeof *D);
    if (!D) return ASH_ENOMEM;
    int rc = load_detections(c, D);
    for (size_t i = 0; !rc && i < D->n; i++) rc = file_creation(c, &D->v[i]);
    if (rc) {
      hunt_detections_free(D);
      return rc;
    }
    c->dets = D;
  }
  *out = c->dets;
  return ASH_OK;
}
