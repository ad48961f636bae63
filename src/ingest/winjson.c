/* Windows events as exported, in the shapes collections come in:
 *
 *  - Winlogbeat 7/8 and Elastic Agent (ECS): {"@timestamp":..., "winlog":
 *    {"channel", "event_id", "record_id", "computer_name", "provider_name",
 *    "event_data":{...} or "user_data":{...}, ...}}, nested or with dotted
 *    keys ("winlog.event_data.TargetUserName") as Kibana exports write them;
 *  - NXLog (im_msvistalog + to_json) and the Security-Datasets exports:
 *    flat {"EventTime" or "TimeCreated", "Hostname", "EventID", "Channel",
 *    "SourceName", "RecordNumber", ... and the event data as top-level
 *    keys}, possibly with what Logstash added on the way;
 *  - evtx_dump -o jsonl: {"Event":{"System":{...}, "EventData":{...} or
 *    "UserData":{...}}};
 *  - event XML (<Event xmlns=...>, Splunk XmlWinEventLog, WEF, wevtutil),
 *    read by winxml.c, one event a line or spread over several.
 *
 * Each record is decoded into an ash_winrec and mapped by
 * ash_winevent_map (winevent.c), the same mapper as EVTX, so that a logon
 * reads the same whatever container carried it. The container's own
 * metadata about the record (winlog.task, keywords, NXLog's Severity, ...)
 * is kept as attributes after the event data, transport metadata of the
 * flat shapes as "Transport.*"; Winlogbeat's agent/ecs/event.* and the
 * rendered message are not the record's and are left out. Which of a
 * record's times is its time is pick_time's business. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fields.h"
#include "winevent.h"
#include "winxml.h"

#define MAX_META 64
#define MAX_FREE 32

typedef struct wj_state {
  ash_kv data[ASH_MAX_ATTRS];
  size_t nd, dropped;
  ash_kv meta[MAX_META];
  size_t nm;
  ash_kv out[ASH_MAX_ATTRS];
  ash_strpool pool;
  char *freeme[MAX_FREE];
  size_t nfree;
  int unnamed; /* unnamed Data items seen in this record */
  ash_buf scratch;
  int tz_given; /* --tz: zoneless times are in that zone, nothing inferred */
  /* records whose time fields disagree (see pick_time), for the one
   * warning per source at the end */
  uint64_t records, conflicts, first_conflict_off;
  char first_conflict[192];
  /* event XML (Splunk XmlWinEventLog, WEF, wevtutil): an <Event> may
   * span lines; they are gathered here until its end tag */
  ash_buf xml, xtext;
  int in_xml;
  uint64_t xml_off;
} wj_state;

/* The compact JSON texts of text_of, freed with the record they belong
 * to, and at the end of the source (the last record's). */
static void free_texts(wj_state *s) {
  for (size_t i = 0; i < s->nfree; i++) free(s->freeme[i]);
  s->nfree = 0;
}

static int wj_open(void **state, const ash_parse_opts *opts) {
  wj_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  ash_buf_init(&s->scratch, ASH_MAX_ATTRS_JSON);
  ash_buf_init(&s->xml, ASH_MAX_LINE);
  ash_buf_init(&s->xtext, ASH_MAX_LINE);
  s->tz_given = opts && opts->tz;
  *state = s;
  return ASH_OK;
}

static void wj_close(void *state) {
  wj_state *s = state;
  if (!s) return;
  free_texts(s);
  ash_buf_free(&s->scratch);
  ash_buf_free(&s->xml);
  ash_buf_free(&s->xtext);
  free(s);
}

static void reset(wj_state *s) {
  s->nd = s->dropped = s->nm = 0;
  ash_strpool_reset(&s->pool);
  free_texts(s);
}

/* A JSON value as text: strings as they are (borrowed from the tree),
 * numbers and booleans written out, arrays and objects as compact JSON. */
static ash_str text_of(wj_state *s, json_t *v) {
  switch (json_typeof(v)) {
  case JSON_STRING: return ash_str_make(json_string_value(v), json_string_length(v));
  case JSON_INTEGER:
    return ash_strpool_printf(&s->pool, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  case JSON_REAL: return ash_strpool_printf(&s->pool, "%.17g", json_real_value(v));
  case JSON_TRUE: return ash_str_cstr("true");
  case JSON_FALSE: return ash_str_cstr("false");
  case JSON_NULL: return ASH_STR_NULL;
  default: {
    if (s->nfree >= MAX_FREE) return ASH_STR_NULL;
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!t) return ASH_STR_NULL;
    s->freeme[s->nfree++] = t;
    return ash_str_cstr(t);
  }
  }
}

static void add_data(wj_state *s, ash_str k, ash_str v) {
  if (s->nd >= ASH_MAX_ATTRS - 8) {
    s->dropped++;
    return;
  }
  s->data[s->nd].k = k;
  s->data[s->nd++].v = v;
}

static void add_meta(wj_state *s, ash_str k, ash_str v) {
  if (!v.n) return;
  if (s->nm >= MAX_META) {
    s->dropped++;
    return;
  }
  s->meta[s->nm].k = k;
  s->meta[s->nm++].v = v;
}

static ash_str key_str(const char *k) { return ash_str_cstr(k); }

/* Event data members: leaves by name; an array under a name gives one item
 * per element ("Data" items of evtx_dump become Data1, Data2, ... as the
 * EVTX parser names unnamed items); a nested object (UserData's
 * <EventXML>) gives its leaves. */
static void data_member(wj_state *s, const char *k, json_t *v, int depth) {
  if (!strcmp(k, "#attributes") || !strcmp(k, "xmlns") || !strcmp(k, "xml_name")) return;
  if (json_is_object(v)) {
    json_t *txt = json_object_get(v, "#text");
    if (txt) {
      data_member(s, k, txt, depth);
      return;
    }
    if (depth < 2) {
      const char *k2;
      json_t *v2;
      json_object_foreach(v, k2, v2) data_member(s, k2, v2, depth + 1);
      return;
    }
  }
  if (json_is_array(v) && !strcmp(k, "Data")) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      ash_str name = ash_strpool_printf(&s->pool, "Data%d", ++s->unnamed);
      add_data(s, name, text_of(s, e));
    }
    return;
  }
  if (!strcmp(k, "Data") && depth > 0) {
    add_data(s, ash_strpool_printf(&s->pool, "Data%d", ++s->unnamed), text_of(s, v));
    return;
  }
  add_data(s, key_str(k), text_of(s, v));
}

static void data_object(wj_state *s, json_t *obj) {
  if (!json_is_object(obj)) return;
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) data_member(s, k, v, 1);
}

static int int_of(json_t *v, int64_t *out) {
  if (json_is_integer(v)) {
    *out = json_integer_value(v);
    return 0;
  }
  if (json_is_string(v))
    return ash_str_to_i64(ash_str_make(json_string_value(v), json_string_length(v)), out);
  if (json_is_object(v)) {
    json_t *t = json_object_get(v, "#text");
    if (t && !json_is_object(t)) return int_of(t, out);
  }
  return -1;
}

static ash_str str_of(json_t *v) {
  if (!json_is_string(v)) return ASH_STR_NULL;
  return ash_str_make(json_string_value(v), json_string_length(v));
}

/* ---- time ----
 *
 * A record may carry several times, and in the field they disagree:
 *  - the record's own creation time: Event.System.TimeCreated (always
 *    UTC), Winlogbeat's @timestamp (Winlogbeat sets it from the record's
 *    TimeCreated), NXLog's EventTime ("2020-09-22 14:53:01", local time of
 *    the collector and whole seconds, or ISO 8601 with a zone), the flat
 *    exports' TimeCreated;
 *  - Sysmon's UtcTime: UTC by Sysmon's definition, with milliseconds,
 *    written by the machine that logged the event;
 *  - transport times: @timestamp added by Logstash on the way (the flat
 *    and NXLog shapes), NXLog's EventReceivedTime (local, seconds).
 * pick_time chooses one and notes a disagreement. */

typedef struct wtime {
  int64_t us;
  int set, zoned;
  const char *name;
} wtime;

typedef struct wtimes {
  wtime rec; /* the record's creation time */
  wtime utc; /* Sysmon UtcTime */
  wtime tr;  /* transport time with a zone (@timestamp) */
  wtime trl; /* transport time without one (EventReceivedTime) */
} wtimes;

/* ISO 8601 with or without a zone, or seconds (milliseconds) since the
 * epoch. us is UTC when zoned, wall-clock time otherwise. */
static int time_of(json_t *v, const char *name, wtime *t) {
  if (json_is_integer(v) || json_is_real(v)) {
    double d = json_number_value(v);
    if (d < 0 || d > 4102444800.0 * 1000) return -1;
    if (d > 4102444800.0) d /= 1000; /* milliseconds */
    t->us = (int64_t)(d * 1e6);
    t->set = t->zoned = 1;
    t->name = name;
    return 0;
  }
  ash_str x = str_of(v);
  if (!x.n || ash_time_parse_iso(x, &t->us)) return -1;
  int32_t off;
  t->zoned = x.p[x.n - 1] == 'Z' || x.p[x.n - 1] == 'z' || ash_iso_zone_offset(x, &off);
  t->set = 1;
  t->name = name;
  return 0;
}

/* Time fields that disagree by more than this are a finding about the
 * collection, not jitter: Sysmon's UtcTime precedes the record by
 * milliseconds (seconds under load: 6.4 s is the most in the
 * Security-Datasets exports), Logstash's @timestamp follows it by the
 * transport delay (5 s at most there), while a zone mistake is a whole
 * number of quarter hours. */
#define DISAGREE_US (5 * 60 * ASH_US_PER_SEC)

static int64_t absdiff(int64_t a, int64_t b) { return a > b ? a - b : b - a; }

static void note_conflict(wj_state *s, uint64_t offset, const char *fmt, const wtime *a,
                          int64_t aus, const wtime *b, int64_t bus, const char *used) {
  char ta[32], tb[32];
  ash_time_format(aus, ta);
  ash_time_format(bus, tb);
  int64_t dus = aus - bus; /* to the nearest second */
  int64_t d = (dus >= 0 ? dus + ASH_US_PER_SEC / 2 : dus - ASH_US_PER_SEC / 2) / ASH_US_PER_SEC;
  char sign = d < 0 ? '-' : '+';
  if (d < 0) d = -d;
  ash_str txt =
      ash_strpool_printf(&s->pool, fmt, a->name, ta, b->name, tb, sign, (long long)(d / 3600),
                         (long long)(d / 60 % 60), (long long)(d % 60), used);
  add_meta(s, ash_str_cstr("time_conflict"), txt);
  if (!s->conflicts++) {
    s->first_conflict_off = offset;
    size_t n = txt.n < sizeof s->first_conflict - 1 ? txt.n : sizeof s->first_conflict - 1;
    memcpy(s->first_conflict, txt.p, n);
    s->first_conflict[n] = 0;
  }
}

#define CONFLICT_FMT "%s %s and %s %s differ by %c%lldh%02lldm%02llds; %s used"

/* Choose the event time. A time that carries a zone wins over one that
 * does not, and of two the one with sub-second precision:
 *  1. the record's own time when it carries a zone, or when its zone is
 *     known (--tz, or inferred below) and no UtcTime is there;
 *  2. Sysmon's UtcTime, which also wins over a zoned record time it
 *     disagrees with: Sysmon writes UTC itself, while the record time of
 *     an export is a rendering, and renderings are where zones go wrong
 *     (the flat Security-Datasets exports write local time with a "Z");
 *  3. a zoneless record time whose zone is unknown (read as UTC), unless
 *     a transport time with a zone disagrees with it: then the transport
 *     time, late by the transport delay but not by hours;
 *  4. the transport time alone.
 * Inferred zone: NXLog's EventReceivedTime (collector's local clock) and
 * Logstash's @timestamp (UTC) are the same moment within the transport
 * delay, so their difference rounded to a quarter hour is the collector's
 * UTC offset, the zone EventTime was written in. It is used only when
 * --tz was not given and the remainder is under two minutes. */
static int pick_time(wj_state *s, const ash_parse_ctx *ctx, const wtimes *t, uint64_t offset,
                     int64_t *out) {
  int inferred = 0;
  int64_t zone = 0;
  if (!s->tz_given && t->rec.set && !t->rec.zoned && t->tr.set && t->trl.set && !t->trl.zoned) {
    int64_t d = t->tr.us - t->trl.us, q = 15 * 60 * ASH_US_PER_SEC;
    int64_t r = (d >= 0 ? d + q / 2 : d - q / 2) / q * q;
    if (absdiff(d, r) < 120 * ASH_US_PER_SEC && absdiff(r, 0) <= 14 * 3600 * ASH_US_PER_SEC) {
      inferred = 1;
      zone = r;
    }
  }
  int64_t rec = 0;
  int rec_known = 0;
  if (t->rec.set) {
    if (t->rec.zoned) {
      rec = ash_ctx_skew(ctx, t->rec.us);
      rec_known = 1;
    } else if (s->tz_given) {
      rec = ash_ctx_local_to_utc(ctx, t->rec.us);
      rec_known = 1;
    } else if (inferred) {
      rec = ash_ctx_skew(ctx, t->rec.us + zone);
      rec_known = 1;
    } else {
      rec = ash_ctx_skew(ctx, t->rec.us); /* zone unknown: as UTC */
    }
  }
  int64_t utc = t->utc.set ? ash_ctx_skew(ctx, t->utc.us) : 0;
  int64_t tr = t->tr.set ? ash_ctx_skew(ctx, t->tr.us) : 0;
  if (t->rec.set && t->utc.set && absdiff(rec, utc) > DISAGREE_US) {
    note_conflict(s, offset,
                  rec_known ? CONFLICT_FMT : CONFLICT_FMT " (the first read as UTC: no --tz)",
                  &t->rec, rec, &t->utc, utc, "UtcTime");
    *out = utc;
    return 0;
  }
  if (t->rec.set && t->rec.zoned) {
    *out = rec;
    return 0;
  }
  if (t->utc.set) { /* agrees with a zoneless record time, and is finer */
    *out = utc;
    return 0;
  }
  if (t->rec.set && (rec_known || !t->tr.set)) {
    *out = rec;
    return 0;
  }
  if (t->rec.set) {
    if (absdiff(rec, tr) <= DISAGREE_US) {
      *out = rec;
      return 0;
    }
    note_conflict(s, offset, CONFLICT_FMT " (the first read as UTC: no --tz)", &t->rec, rec, &t->tr,
                  tr, t->tr.name);
    *out = tr;
    return 0;
  }
  if (t->tr.set) {
    *out = tr;
    return 0;
  }
  return -1;
}

/* Sysmon's UtcTime among the event data, for Sysmon records only (other
 * providers' fields of that name carry no such promise). */
static void sysmon_utc(const wj_state *s, const ash_winrec *w, wtimes *t) {
  if (!ash_str_ieq(w->channel, "Microsoft-Windows-Sysmon/Operational") &&
      !ash_str_ieq(w->provider, "Microsoft-Windows-Sysmon"))
    return;
  for (size_t i = 0; i < s->nd; i++)
    if (ash_str_ieq(s->data[i].k, "UtcTime")) {
      int64_t us;
      ash_str v = s->data[i].v;
      if (v.n && !ash_time_parse_iso(v, &us)) {
        t->utc.us = us; /* zoneless text, UTC by definition */
        t->utc.set = t->utc.zoned = 1;
        t->utc.name = "UtcTime";
      }
      return;
    }
}

/* Winlogbeat: nested "winlog":{...} or dotted "winlog.x" keys. */
static json_t *wb_get(json_t *root, json_t *wl, const char *path) {
  if (wl) {
    json_t *v = wl;
    const char *p = path;
    while (v && *p) {
      const char *dot = strchr(p, '.');
      size_t n = dot ? (size_t)(dot - p) : strlen(p);
      if (!json_is_object(v)) return NULL;
      json_t *next = json_object_getn(v, p, n);
      v = next;
      p = dot ? dot + 1 : p + n;
    }
    if (v) return v;
  }
  char full[96];
  size_t n = strlen(path);
  if (n + 8 > sizeof full) return NULL;
  memcpy(full, "winlog.", 7);
  memcpy(full + 7, path, n + 1);
  return json_object_get(root, full);
}

static const char *const WB_MAPPED[] = {"channel",       "event_id",       "record_id",
                                        "computer_name", "provider_name",  "event_data",
                                        "user_data",     "user.identifier"};

static int wb_mapped(const char *rel) {
  for (size_t i = 0; i < sizeof WB_MAPPED / sizeof WB_MAPPED[0]; i++)
    if (!strcmp(rel, WB_MAPPED[i])) return 1;
  return 0;
}

/* winlog.* leaves other than the mapped ones, named "winlog.<path>". */
static void wb_meta(wj_state *s, json_t *v, const char *prefix) {
  const char *k;
  json_t *x;
  json_object_foreach(v, k, x) {
    ash_str full = ash_strpool_printf(&s->pool, "%s.%s", prefix, k);
    if (!full.n) continue;
    const char *rel = full.p + 7; /* after "winlog." */
    if (wb_mapped(rel)) continue;
    if (json_is_object(x)) {
      wb_meta(s, x, full.p);
      continue;
    }
    if (json_is_array(x)) {
      /* keywords: ["Audit Success"] */
      char buf[256];
      size_t n = 0, i;
      json_t *e;
      json_array_foreach(x, i, e) {
        ash_str t = text_of(s, e);
        if (n && n + 1 < sizeof buf) buf[n++] = ',';
        if (t.n && n + t.n < sizeof buf) {
          memcpy(buf + n, t.p, t.n);
          n += t.n;
        }
      }
      add_meta(s, full, ash_strpool_dup(&s->pool, ash_str_make(buf, n)));
      continue;
    }
    add_meta(s, full, text_of(s, x));
  }
}

static int winlogbeat(wj_state *s, json_t *root, ash_winrec *w, wtimes *tm, const char **reason) {
  json_t *wl = json_object_get(root, "winlog");
  if (!json_is_object(wl)) wl = NULL;
  if (int_of(wb_get(root, wl, "event_id"), &w->event_id)) {
    json_t *ev = json_object_get(root, "event");
    json_t *code =
        json_is_object(ev) ? json_object_get(ev, "code") : json_object_get(root, "event.code");
    if (int_of(code, &w->event_id)) {
      *reason = "no event id (winlog.event_id)";
      return -1;
    }
  }
  if (time_of(json_object_get(root, "@timestamp"), "@timestamp", &tm->rec))
    time_of(wb_get(root, wl, "time_created"), "winlog.time_created", &tm->rec);
  int64_t rid;
  if (!int_of(wb_get(root, wl, "record_id"), &rid) && rid >= 0) w->record_id = (uint64_t)rid;
  w->channel = str_of(wb_get(root, wl, "channel"));
  w->provider = str_of(wb_get(root, wl, "provider_name"));
  w->computer = str_of(wb_get(root, wl, "computer_name"));
  if (!w->computer.n) {
    json_t *h = json_object_get(root, "host");
    w->computer =
        str_of(json_is_object(h) ? json_object_get(h, "name") : json_object_get(root, "host.name"));
  }
  w->user_sid = str_of(wb_get(root, wl, "user.identifier"));
  if (wl) {
    data_object(s, json_object_get(wl, "event_data"));
    data_object(s, json_object_get(wl, "user_data"));
    wb_meta(s, wl, "winlog");
  }
  /* dotted export: "winlog.event_data.X" / "winlog.user_data.X" */
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (!strncmp(k, "winlog.event_data.", 18))
      data_member(s, k + 18, v, 1);
    else if (!strncmp(k, "winlog.user_data.", 17))
      data_member(s, k + 17, v, 1);
    else if (!strncmp(k, "winlog.", 7) && !wb_mapped(k + 7))
      add_meta(s, key_str(k), text_of(s, v));
  }
  json_t *log = json_object_get(root, "log");
  if (json_is_object(log))
    add_meta(s, ash_str_cstr("log.level"), str_of(json_object_get(log, "level")));
  return 0;
}

/* NXLog's own fields; every other key is event data. */
static const char *const NX_META[] = {"EventTime",
                                      "TimeCreated",
                                      "EventTimeWritten",
                                      "Hostname",
                                      "Keywords",
                                      "EventType",
                                      "SeverityValue",
                                      "Severity",
                                      "EventID",
                                      "SourceName",
                                      "ProviderName",
                                      "ProviderGuid",
                                      "Version",
                                      "Task",
                                      "OpcodeValue",
                                      "RecordNumber",
                                      "ActivityID",
                                      "RelatedActivityID",
                                      "ExecutionProcessID",
                                      "ExecutionThreadID",
                                      "Channel",
                                      "Message",
                                      "Category",
                                      "Opcode",
                                      "UserID",
                                      "AccountType",
                                      "EventReceivedTime",
                                      "SourceModuleName",
                                      "SourceModuleType",
                                      "Level",
                                      "LevelValue"};
/* Not the record's: NXLog's receipt (EventReceivedTime, the input
 * module), and what Logstash adds on the way to an export (@timestamp,
 * @version, tags, and host/port of the sender for its tcp/udp inputs).
 * Kept as "Transport.<name>" attributes: the collector's clocks are
 * evidence about the collection (see pick_time). */
static const char *const NX_TRANSPORT[] = {"EventReceivedTime",
                                           "SourceModuleName",
                                           "SourceModuleType",
                                           "@timestamp",
                                           "@version",
                                           "tags",
                                           "host",
                                           "port"};

static int in_list(const char *k, const char *const *l, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(k, l[i])) return 1;
  return 0;
}

static int nxlog(wj_state *s, json_t *root, ash_winrec *w, wtimes *tm, const char **reason) {
  if (int_of(json_object_get(root, "EventID"), &w->event_id)) {
    *reason = "no event id (EventID)";
    return -1;
  }
  if (time_of(json_object_get(root, "EventTime"), "EventTime", &tm->rec))
    time_of(json_object_get(root, "TimeCreated"), "TimeCreated", &tm->rec);
  time_of(json_object_get(root, "@timestamp"), "@timestamp", &tm->tr);
  time_of(json_object_get(root, "EventReceivedTime"), "EventReceivedTime", &tm->trl);
  int64_t rid;
  if (!int_of(json_object_get(root, "RecordNumber"), &rid) && rid >= 0)
    w->record_id = (uint64_t)rid;
  w->channel = str_of(json_object_get(root, "Channel"));
  w->provider = str_of(json_object_get(root, "SourceName"));
  if (!w->provider.n) w->provider = str_of(json_object_get(root, "ProviderName"));
  w->computer = str_of(json_object_get(root, "Hostname"));
  w->user_sid = str_of(json_object_get(root, "UserID"));
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (in_list(k, NX_TRANSPORT, sizeof NX_TRANSPORT / sizeof NX_TRANSPORT[0])) {
      add_meta(s, ash_strpool_printf(&s->pool, "Transport.%s", k), text_of(s, v));
      continue;
    }
    if (!in_list(k, NX_META, sizeof NX_META / sizeof NX_META[0])) {
      data_member(s, k, v, 1);
      continue;
    }
    if (!strcmp(k, "Message")) continue; /* the rendering, not the record */
    if (!strcmp(k, "EventTime") || !strcmp(k, "EventID") || !strcmp(k, "RecordNumber") ||
        !strcmp(k, "Channel") || !strcmp(k, "Hostname") || !strcmp(k, "UserID") ||
        !strcmp(k, "SourceName"))
      continue;
    add_meta(s, ash_strpool_printf(&s->pool, "System.%s", k), text_of(s, v));
  }
  return 0;
}

static json_t *attr_of(json_t *el, const char *name) {
  json_t *a = json_is_object(el) ? json_object_get(el, "#attributes") : NULL;
  return json_is_object(a) ? json_object_get(a, name) : NULL;
}

static int evtx_dump(wj_state *s, json_t *event, ash_winrec *w, wtimes *tm, const char **reason) {
  json_t *sys = json_object_get(event, "System");
  if (int_of(json_object_get(sys, "EventID"), &w->event_id)) {
    *reason = "no event id (Event.System.EventID)";
    return -1;
  }
  time_of(attr_of(json_object_get(sys, "TimeCreated"), "SystemTime"), "TimeCreated", &tm->rec);
  int64_t rid;
  if (!int_of(json_object_get(sys, "EventRecordID"), &rid) && rid >= 0)
    w->record_id = (uint64_t)rid;
  w->channel = str_of(json_object_get(sys, "Channel"));
  w->computer = str_of(json_object_get(sys, "Computer"));
  json_t *prov = json_object_get(sys, "Provider");
  w->provider = str_of(attr_of(prov, "Name"));
  w->user_sid = str_of(attr_of(json_object_get(sys, "Security"), "UserID"));
  data_object(s, json_object_get(event, "EventData"));
  data_object(s, json_object_get(event, "UserData"));
  static const char *const SYS[] = {"Version", "Level", "Task", "Opcode", "Keywords"};
  for (size_t i = 0; i < sizeof SYS / sizeof SYS[0]; i++) {
    json_t *v = json_object_get(sys, SYS[i]);
    if (v && !json_is_object(v))
      add_meta(s, ash_strpool_printf(&s->pool, "System.%s", SYS[i]), text_of(s, v));
  }
  json_t *ex = json_object_get(sys, "Execution");
  static const char *const EXEC[][2] = {{"ProcessID", "System.Execution.ProcessID"},
                                        {"ThreadID", "System.Execution.ThreadID"}};
  for (size_t i = 0; i < 2; i++) {
    json_t *v = attr_of(ex, EXEC[i][0]);
    if (v) add_meta(s, ash_str_cstr(EXEC[i][1]), text_of(s, v));
  }
  add_meta(s, ash_str_cstr("System.Provider.Guid"), str_of(attr_of(prov, "Guid")));
  return 0;
}

static int is_body(ash_str b) { return b.n && b.p[0] == '{'; }

/* The JSON object of a line: the line itself, or the message of a syslog
 * line. NXLog's to_syslog_bsd takes the event source as the tag, which may
 * hold spaces ("Microsoft-Windows-Windows Defender[2932]:") where the
 * generic syslog framing stops; then the object after the tag's ": {" is
 * taken. */
static int body_of(const char *line, size_t n, ash_str *body) {
  ash_frame fr;
  if (ash_frame_parse(line, n, is_body, &fr)) {
    *body = fr.body;
    return 1;
  }
  if (n && line[0] == '<') {
    ash_str l = ash_str_make(line, n);
    size_t at = ash_str_find(l, ": {");
    if (at != (size_t)-1) {
      *body = ash_str_sub(l, at + 2, n);
      return 1;
    }
  }
  return 0;
}

/* Map a decoded record and emit it with the container's metadata.
 * Returns ASH_REC_PARSED, ASH_REC_REJECTED (with *reason) or an error. */
static int map_emit(wj_state *s, ash_parse_ctx *ctx, ash_winrec *wp, uint64_t offset,
                    const char **reason) {
  ash_winrec w = *wp;
  int rc = ASH_REC_REJECTED;
  {
    w.data = s->data;
    w.ndata = s->nd;
    ash_event ev;
    ash_buf_reset(&s->scratch);
    int m = ash_winevent_map(&w, &ev, &s->scratch);
    if (m == ASH_ENOMEM) {
      rc = ASH_ENOMEM; /* no verdict on the record: the parse stops with it */
    } else if (m) {
      *reason = "event could not be mapped";
    } else {
      /* the mapper's attributes (event data, System.Provider/UserID), then
       * the record number and the container's metadata */
      size_t k = ev.nattrs < ASH_MAX_ATTRS ? ev.nattrs : ASH_MAX_ATTRS;
      if (k) memcpy(s->out, ev.attrs, k * sizeof *s->out);
      ash_str ridtxt = w.record_id
                           ? ash_strpool_printf(&s->pool, "%llu", (unsigned long long)w.record_id)
                           : ASH_STR_NULL;
      if (ridtxt.n && k < ASH_MAX_ATTRS - 1) {
        s->out[k].k = ash_str_cstr("System.EventRecordID");
        s->out[k++].v = ridtxt;
      }
      for (size_t i = 0; i < s->nm; i++) {
        if (k >= ASH_MAX_ATTRS - 1) {
          s->dropped++;
          continue;
        }
        s->out[k++] = s->meta[i];
      }
      if (s->dropped) {
        s->out[k].k = ash_str_cstr("attrs_dropped");
        s->out[k++].v = ash_strpool_printf(&s->pool, "%zu", s->dropped);
      }
      ev.attrs = s->out;
      ev.nattrs = k;
      ev.ref = offset;
      rc = ash_emit_line(ctx, &ev);
    }
  }
  return rc;
}

/* ---- event XML ---- */

typedef struct xml_rec {
  wj_state *s;
  ash_winrec *w;
  wtimes *tm;
  int have_id;
} xml_rec;

static void xml_system(void *u, ash_str elem, ash_str attr, ash_str v) {
  xml_rec *x = u;
  wj_state *s = x->s;
  if (!attr.n) {
    int64_t id;
    if (ash_str_eq(elem, "EventID")) {
      if (!ash_str_to_i64(ash_str_trim(v), &id)) {
        x->w->event_id = id;
        x->have_id = 1;
      }
    } else if (ash_str_eq(elem, "EventRecordID")) {
      if (!ash_str_to_i64(ash_str_trim(v), &id) && id >= 0) x->w->record_id = (uint64_t)id;
    } else if (ash_str_eq(elem, "Channel")) {
      x->w->channel = v;
    } else if (ash_str_eq(elem, "Computer")) {
      x->w->computer = v;
    } else {
      add_meta(s, ash_strpool_printf(&s->pool, "System.%.*s", (int)elem.n, elem.p), v);
    }
    return;
  }
  if (ash_str_eq(elem, "TimeCreated") && ash_str_eq(attr, "SystemTime")) {
    if (!ash_time_parse_iso(v, &x->tm->rec.us)) {
      x->tm->rec.set = x->tm->rec.zoned = 1; /* SystemTime is UTC by the schema */
      x->tm->rec.name = "TimeCreated";
    }
  } else if (ash_str_eq(elem, "Provider") && ash_str_eq(attr, "Name")) {
    x->w->provider = v;
  } else if (ash_str_eq(elem, "Security") && ash_str_eq(attr, "UserID")) {
    x->w->user_sid = v;
  } else {
    add_meta(
        s,
        ash_strpool_printf(&s->pool, "System.%.*s.%.*s", (int)elem.n, elem.p, (int)attr.n, attr.p),
        v);
  }
}

static void xml_data(void *u, ash_str name, ash_str v) {
  xml_rec *x = u;
  wj_state *s = x->s;
  if (!name.n) name = ash_strpool_printf(&s->pool, "Data%d", ++s->unnamed);
  add_data(s, name, v);
}

/* The events of the gathered text s->xml (one, or several when a line
 * holds more). Each event is one record: the first one parsed is the
 * line's outcome, further ones are counted with ash_ctx_parsed, and a bad
 * one is rejected on its own (with its text) without losing the events
 * after it. Returns ASH_REC_PARSED, ASH_REC_SKIP (nothing complete yet,
 * or only rejections, already counted) or an error. */
static int xml_events(wj_state *s, ash_parse_ctx *ctx, const char **reason) {
  const char *p = s->xml.p;
  size_t n = s->xml.n, at = 0;
  int emitted = 0;
  /* decoded text is never longer than its source: one reservation keeps
   * every slice handed out stable */
  ash_buf_reset(&s->xtext);
  int rr = n ? ash_buf_reserve(&s->xtext, n) : ASH_OK;
  if (rr) return rr; /* out of memory (or past the cap): no verdict on a record */
  for (;;) {
    size_t start = at + ash_winxml_find(p + at, n - at);
    if (start >= n || ash_str_find(ash_str_make(p + start, n - start), "</Event>") == (size_t)-1) {
      at = start; /* nothing, or the start of an event the next lines complete */
      break;
    }
    reset(s);
    s->unnamed = 0;
    s->records++;
    ash_winrec w;
    memset(&w, 0, sizeof w);
    wtimes tm;
    memset(&tm, 0, sizeof tm);
    xml_rec x = {s, &w, &tm, 0};
    ash_winxml_cb cb = {xml_system, xml_data, &x};
    size_t end = 0;
    uint64_t off = s->xml_off + start;
    const char *why = NULL;
    int rc = ASH_REC_REJECTED;
    if (ash_winxml_event(p + start, n - start, s->xtext.p, &cb, &end, &why)) {
      /* resume at the next <Event; the text up to it is the rejected one */
      end = 6 + ash_winxml_find(p + start + 6, n - start - 6);
    } else if (!x.have_id) {
      why = "XML: no System/EventID";
    } else {
      sysmon_utc(s, &w, &tm);
      if (pick_time(s, ctx, &tm, off, &w.ts))
        why = "XML: no System/TimeCreated/@SystemTime";
      else
        rc = map_emit(s, ctx, &w, off, &why);
    }
    at = start + end;
    if (rc == ASH_REC_PARSED) {
      if (emitted++) ash_ctx_parsed(ctx);
      continue;
    }
    if (rc != ASH_REC_REJECTED) return rc; /* the store failed */
    int r = ash_ctx_reject(ctx, off, why ? why : "XML: malformed event", p + start, at - start);
    if (r) return r;
  }
  /* keep an event begun but not ended; drop what was read */
  if (at >= n) {
    s->xml.n = 0;
    s->in_xml = 0;
  } else {
    memmove(s->xml.p, s->xml.p + at, n - at);
    s->xml.n = n - at;
    s->xml_off += at;
  }
  (void)reason;
  return emitted ? ASH_REC_PARSED : ASH_REC_SKIP;
}

static int is_xml_line(ash_str l) {
  l = ash_str_trim(l);
  return ash_str_starts(l, "<Event") || ash_str_starts(l, "<?xml") || ash_str_starts(l, "</Event");
}

/* One line of event XML: the start, middle or end of an <Event> (or a
 * whole one, or several), or the <?xml?>/<Events> wrapper around them. */
static int xml_line(wj_state *s, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  size_t from = 0;
  if (!s->in_xml) {
    from = ash_winxml_find(line, n);
    if (from >= n) return ASH_REC_SKIP; /* <?xml ...?>, <Events>, </Events> */
    s->in_xml = 1;
    s->xml.n = 0;
    s->xml_off = offset + from;
  } else if (ash_buf_addc(&s->xml, '\n')) {
    goto too_long;
  }
  if (ash_buf_add(&s->xml, line + from, n - from)) goto too_long;
  if (ash_str_find(ash_str_make(line, n), "</Event>") == (size_t)-1) return ASH_REC_SKIP;
  return xml_events(s, ctx, reason);
too_long:
  s->xml.n = 0;
  s->in_xml = 0;
  *reason = "XML: <Event> longer than the line limit";
  return ASH_REC_REJECTED;
}

static int wj_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                   const char **reason) {
  wj_state *s = state;
  if (s->in_xml || is_xml_line(ash_str_make(line, n)))
    return xml_line(s, ctx, line, n, offset, reason);
  ash_str body;
  if (!body_of(line, n, &body)) {
    *reason = "not a JSON object";
    return ASH_REC_REJECTED;
  }
  json_error_t err;
  json_t *root = json_loadb(body.p, body.n, 0, &err);
  if (!json_is_object(root)) {
    json_decref(root);
    *reason = "invalid JSON";
    return ASH_REC_REJECTED;
  }
  reset(s);
  s->unnamed = 0;
  s->records++;
  ash_winrec w;
  memset(&w, 0, sizeof w);
  wtimes tm;
  memset(&tm, 0, sizeof tm);
  int bad;
  json_t *event = json_object_get(root, "Event");
  if (json_is_object(event) && json_is_object(json_object_get(event, "System"))) {
    bad = evtx_dump(s, event, &w, &tm, reason);
  } else if (json_object_get(root, "winlog") || json_object_get(root, "winlog.event_id") ||
             json_object_get(root, "winlog.channel")) {
    bad = winlogbeat(s, root, &w, &tm, reason);
  } else if (json_object_get(root, "EventID")) {
    bad = nxlog(s, root, &w, &tm, reason);
  } else {
    *reason = "not a Windows event (no winlog, EventID or Event.System)";
    bad = 1;
  }
  if (!bad) {
    sysmon_utc(s, &w, &tm);
    if (pick_time(s, ctx, &tm, offset, &w.ts)) {
      *reason = "no usable time (TimeCreated, EventTime, @timestamp or UtcTime)";
      bad = 1;
    }
  }
  int rc = bad ? ASH_REC_REJECTED : map_emit(s, ctx, &w, offset, reason);
  json_decref(root);
  return rc;
}

static int sniff_line(ash_str l) {
  ash_str b;
  if (!body_of(l.p, l.n, &b)) return 0;
  if (ash_str_find(b, "\"winlog\":{") != (size_t)-1 ||
      ash_str_find(b, "\"winlog\": {") != (size_t)-1 ||
      ash_str_find(b, "\"winlog.event_id\"") != (size_t)-1 ||
      ash_str_find(b, "\"winlog.channel\"") != (size_t)-1)
    return 1;
  if (ash_str_find(b, "\"EventID\"") != (size_t)-1 &&
      (ash_str_find(b, "\"SourceName\"") != (size_t)-1 ||
       ash_str_find(b, "\"Channel\"") != (size_t)-1))
    return 1;
  if (ash_str_starts(b, "{\"Event\":{") && ash_str_find(b, "\"System\"") != (size_t)-1) return 1;
  return 0;
}

/* Event XML: the event schema's namespace on an <Event> element. */
static int sniff_xml(const uint8_t *head, size_t n) {
  ash_str h = ash_str_make((const char *)head, n);
  size_t at = ash_winxml_find(h.p, h.n);
  return at < n &&
         ash_str_find(ash_str_sub(h, at, 400),
                      "http://schemas.microsoft.com/win/2004/08/events/event") != (size_t)-1;
}

static int wj_sniff(const uint8_t *head, size_t n) {
  if (sniff_xml(head, n)) return 85;
  int seen;
  int ok = ash_sniff_lines(head, n, 20, sniff_line, &seen);
  if (!ok) return 0;
  return ok == seen ? 90 : 40 + 40 * ok / seen;
}

/* End of the source: one warning line for the records whose time fields
 * disagree (each also carries a time_conflict attribute). */
static int wj_finish(void *state, ash_parse_ctx *ctx) {
  wj_state *s = state;
  free_texts(s);
  if (s->in_xml && s->xml.n) {
    s->in_xml = 0;
    int rc = ash_ctx_reject(ctx, s->xml_off, "XML: <Event> not closed at the end of the input",
                            s->xml.p, s->xml.n);
    if (rc) return rc;
  }
  if (s->conflicts) {
    char msg[400];
    snprintf(msg, sizeof msg,
             "%llu of %llu records carry time fields that disagree by more than 5 minutes (first, "
             "at byte %llu: %s); each has a time_conflict attribute. An export that writes "
             "local time as UTC, or a collector zone not given with --tz, does this.",
             (unsigned long long)s->conflicts, (unsigned long long)s->records,
             (unsigned long long)s->first_conflict_off, s->first_conflict);
    ash_ctx_warn(ctx, msg);
  }
  return ASH_OK;
}

const ash_format ash_format_winjson = {
    .name = "winjson",
    .description = "Windows events as JSON lines (Winlogbeat 7/8, Elastic Agent, NXLog, "
                   "evtx_dump, Security-Datasets flat exports) or as event XML (Splunk "
                   "XmlWinEventLog, Windows Event Forwarding, wevtutil)",
    .sniff = wj_sniff,
    .open = wj_open,
    .parse_line = wj_line,
    .finish = wj_finish,
    .close = wj_close,
};
