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

/* Values of the record's own fields, whatever the container called them
 * (EVTX "Detection User", ECS "detection_user", ...). */
static const char *DET_SQL =
    "SELECT id,ts,kind,host,user,threat,path,action,process,"
    " CASE WHEN json_valid(attrs) THEN coalesce(json_extract(attrs,'$.\"Category Name\"'),"
    "  json_extract(attrs,'$.category'),json_extract(attrs,'$.Category')) END,"
    " CASE WHEN json_valid(attrs) THEN coalesce(json_extract(attrs,'$.\"Detection User\"'),"
    "  json_extract(attrs,'$.detection_user'),json_extract(attrs,'$.DetectionUser')) END,"
    " CASE WHEN json_valid(attrs) THEN coalesce(json_extract(attrs,'$.\"Action Name\"'),"
    "  json_extract(attrs,'$.action_name'),json_extract(attrs,'$.ActionName')) END,"
    " CASE WHEN json_valid(attrs) THEN coalesce(json_extract(attrs,'$.\"Process Name\"'),"
    "  json_extract(attrs,'$.process_name'),json_extract(attrs,'$.ProcessName')) END"
    " FROM events_wide WHERE kind IN ('av.detect','av.action') ORDER BY ts,id";

static int load_detections(hunt_ctx *c, hunt_detections *D) {
  sqlite3_stmt *st;
  int rc = hunt_prepare(c, DET_SQL, &st), err = ASH_OK;
  if (rc) return rc;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0), ts = hunt_col_i64(st, 1, ASH_TIME_UNSET);
    const char *kind = hunt_col_text(st, 2);
    const char *hraw = hunt_col_text(st, 3);
    char host[64] = "";
    if (hraw) hunt_short_host(hraw, strlen(hraw), host, sizeof host);
    if (ts == ASH_TIME_UNSET || !kind || !host[0]) continue;
    const char *threat = hunt_col_text(st, 5), *path = hunt_col_text(st, 6);
    int detect = !strcmp(kind, "av.detect");
    hunt_detection *x = incident_for(c, D, host, threat, path, ts, &err);
    if (!x) break; /* at the cap, or out of memory (err) */
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
    const char *cat = hunt_col_text(st, 9);
    int cl = category(threat, cat);
    if (cl > x->cat) x->cat = cl;
    if (cat && !x->category[0]) snprintf(x->category, sizeof x->category, "%s", cat);
    const char *du = hunt_col_text(st, 4);
    if (!du) du = hunt_col_text(st, 10);
    if (du && !x->det_user[0]) {
      char a[128];
      hunt_bare_account(du, strlen(du), a, sizeof a);
      if (!hunt_is_service_account(a))
        snprintf(x->det_user, sizeof x->det_user, "%s", a);
      else if (a[0] && !x->det_system[0])
        snprintf(x->det_system, sizeof x->det_system, "%s", du);
    }
    const char *proc = hunt_col_text(st, 12);
    if (!proc) proc = hunt_col_text(st, 8);
    if (proc && !x->process[0] && strcasecmp(proc, "unknown"))
      snprintf(x->process, sizeof x->process, "%s", proc);
    const char *act = hunt_col_text(st, 11);
    if (!act) act = hunt_col_text(st, 7);
    if (act && (!detect || !x->action[0])) snprintf(x->action, sizeof x->action, "%s", act);
    if (detect && x->ndet < HUNT_DET_IDS) x->det_ids[x->ndet++] = id;
    if (!detect && x->nact < HUNT_DET_IDS) x->act_ids[x->nact++] = id;
  }
  if (r != SQLITE_DONE && r != SQLITE_ROW) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc ? rc : err;
}

/* Sysmon 11: when the detected file was written, and by what. */
static int file_creation(hunt_ctx *c, hunt_detection *x) {
  if (!x->path[0]) return ASH_OK;
  sqlite3_stmt *st;
  int rc = hunt_prepare(c,
                        "SELECT id,ts,host,process,user FROM events_wide WHERE kind='win.file' AND"
                        " ts>=? AND ts<=? AND path=? COLLATE NOCASE ORDER BY ts",
                        &st);
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, x->first - 7 * ASH_DAY);
  sqlite3_bind_int64(st, 2, x->first + ASH_MIN);
  sqlite3_bind_text(st, 3, x->path, -1, SQLITE_STATIC);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *h = hunt_col_text(st, 2);
    char hs[64] = "";
    if (h) hunt_short_host(h, strlen(h), hs, sizeof hs);
    if (strcmp(hs, x->host)) continue;
    /* the latest write before the detection is the one that was caught */
    x->file_id = sqlite3_column_int64(st, 0);
    x->t0 = hunt_col_i64(st, 1, x->first);
    const char *p = hunt_col_text(st, 3), *u = hunt_col_text(st, 4);
    snprintf(x->file_proc, sizeof x->file_proc, "%s", p ? p : "");
    x->file_user[0] = 0;
    if (u) {
      char a[128];
      hunt_bare_account(u, strlen(u), a, sizeof a);
      if (!hunt_is_service_account(a)) snprintf(x->file_user, sizeof x->file_user, "%s", a);
    }
  }
  if (r != SQLITE_DONE) rc = ASH_ESTORE;
  sqlite3_finalize(st);
  return rc;
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
