/* Palo Alto Networks PAN-OS syslog in the default CSV form (PAN-OS 8.x to
 * 11.x), with or without a syslog header in front.
 *
 * Field positions follow the PAN-OS syslog field documentation ("Traffic
 * Log Fields", "GlobalProtect Log Fields", "System Log Fields"). Each
 * release appends fields at the end, so the names of the newest release
 * describe the older ones too; columns beyond the documented list are kept
 * as "field_<index>" attributes, never dropped.
 *
 *   TRAFFIC       -> net.flow (subtype start/end) or net.deny (deny/drop)
 *   GLOBALPROTECT -> vpn.login (gateway-connected), vpn.logout
 *                    (gateway-logout, with the login duration), vpn.fail
 *                    (any event whose status is failure), auth.login
 *                    (gateway-auth/portal-auth success), log otherwise
 *   SYSTEM globalprotect (PAN-OS before 9.1 logged GlobalProtect there):
 *                    globalprotectgateway-auth-succ, -regist-succ and
 *                    -config-succ -> vpn.login (the last two carry the
 *                    tunnel address), -logout-succ -> vpn.logout, *-fail ->
 *                    vpn.fail, globalprotectportal-auth-succ -> auth.login
 *   anything else (THREAT, CONFIG, other SYSTEM, ...) -> log, every field an
 *                    attribute.
 *
 * Times in the CSV carry no zone: they are the firewall's local time and go
 * through --tz, unless the record has a high-resolution timestamp with an
 * offset (PAN-OS 10.0+), whose offset then applies to every time of the
 * record. --clock-skew applies to all of them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/error.h"
#include "ashiato/format.h"
#include "ashiato/limits.h"
#include "ashiato/time.h"
#include "fields.h"

/* Column names (the documented syslog names). NULL = FUTURE_USE. */
static const char *const TRAFFIC_COLS[] = {NULL,
                                           "receive_time",
                                           "serial",
                                           "type",
                                           "subtype",
                                           NULL,
                                           "time_generated",
                                           "src",
                                           "dst",
                                           "natsrc",
                                           "natdst",
                                           "rule",
                                           "srcuser",
                                           "dstuser",
                                           "app",
                                           "vsys",
                                           "from",
                                           "to",
                                           "inbound_if",
                                           "outbound_if",
                                           "logset",
                                           NULL,
                                           "sessionid",
                                           "repeatcnt",
                                           "sport",
                                           "dport",
                                           "natsport",
                                           "natdport",
                                           "flags",
                                           "proto",
                                           "action",
                                           "bytes",
                                           "bytes_sent",
                                           "bytes_received",
                                           "packets",
                                           "start",
                                           "elapsed",
                                           "category",
                                           NULL,
                                           "seqno",
                                           "actionflags",
                                           "srcloc",
                                           "dstloc",
                                           NULL,
                                           "pkts_sent",
                                           "pkts_received",
                                           "session_end_reason",
                                           "dg_hier_level_1",
                                           "dg_hier_level_2",
                                           "dg_hier_level_3",
                                           "dg_hier_level_4",
                                           "vsys_name",
                                           "device_name",
                                           "action_source",
                                           "src_uuid",
                                           "dst_uuid",
                                           "tunnelid_imsi",
                                           "monitortag_imei",
                                           "parent_session_id",
                                           "parent_start_time",
                                           "tunnel",
                                           "assoc_id",
                                           "chunks",
                                           "chunks_sent",
                                           "chunks_received",
                                           "rule_uuid",
                                           "http2_connection",
                                           "link_change_count",
                                           "policy_id",
                                           "link_switches",
                                           "sdwan_cluster",
                                           "sdwan_device_type",
                                           "sdwan_cluster_type",
                                           "sdwan_site",
                                           "dynusergroup_name",
                                           "xff_ip",
                                           "src_category",
                                           "src_profile",
                                           "src_model",
                                           "src_vendor",
                                           "src_osfamily",
                                           "src_osversion",
                                           "src_host",
                                           "src_mac",
                                           "dst_category",
                                           "dst_profile",
                                           "dst_model",
                                           "dst_vendor",
                                           "dst_osfamily",
                                           "dst_osversion",
                                           "dst_host",
                                           "dst_mac",
                                           "container_id",
                                           "pod_namespace",
                                           "pod_name",
                                           "src_edl",
                                           "dst_edl",
                                           "hostid",
                                           "serialnumber",
                                           "src_dag",
                                           "dst_dag",
                                           "session_owner",
                                           "high_res_timestamp",
                                           "nssai_sst",
                                           "nssai_sd",
                                           "subcategory_of_app",
                                           "category_of_app",
                                           "technology_of_app",
                                           "risk_of_app",
                                           "characteristic_of_app",
                                           "container_of_app",
                                           "tunneled_app",
                                           "is_saas_of_app",
                                           "sanctioned_state_of_app",
                                           "offloaded",
                                           "flow_type",
                                           "cluster_name"};

enum {
  T_RECV = 1,
  T_TYPE = 3,
  T_SUBTYPE = 4,
  T_GEN = 6,
  T_SRC = 7,
  T_DST = 8,
  T_SRCUSER = 12,
  T_APP = 14,
  T_SPORT = 24,
  T_DPORT = 25,
  T_PROTO = 29,
  T_ACTION = 30,
  T_BYTES_SENT = 32,
  T_BYTES_RECV = 33,
  T_START = 35,
  T_ELAPSED = 36,
  T_PKTS_SENT = 44,
  T_PKTS_RECV = 45,
  T_DEVICE = 52,
  T_MIN = 35 /* up to Packets: enough for a flow */
};

static const char *const GP_COLS[] = {NULL,
                                      "receive_time",
                                      "serial",
                                      "type",
                                      "subtype",
                                      NULL,
                                      "time_generated",
                                      "vsys",
                                      "eventid",
                                      "stage",
                                      "auth_method",
                                      "tunnel_type",
                                      "srcuser",
                                      "srcregion",
                                      "machinename",
                                      "public_ip",
                                      "public_ipv6",
                                      "private_ip",
                                      "private_ipv6",
                                      "hostid",
                                      "serialnumber",
                                      "client_ver",
                                      "client_os",
                                      "client_os_ver",
                                      "repeatcnt",
                                      "reason",
                                      "error",
                                      "opaque",
                                      "status",
                                      "location",
                                      "login_duration",
                                      "connect_method",
                                      "error_code",
                                      "portal",
                                      "seqno",
                                      "actionflags",
                                      "high_res_timestamp",
                                      "selection_type",
                                      "response_time",
                                      "priority",
                                      "attempted_gateways",
                                      "gateway",
                                      "dg_hier_level_1",
                                      "dg_hier_level_2",
                                      "dg_hier_level_3",
                                      "dg_hier_level_4",
                                      "vsys_name",
                                      "device_name",
                                      "vsys_id",
                                      "cluster_name"};

enum {
  G_GEN = 6,
  G_EVENTID = 8,
  G_USER = 12,
  G_PUB = 15,
  G_PUB6 = 16,
  G_PRIV = 17,
  G_PRIV6 = 18,
  G_STATUS = 28,
  G_DURATION = 30,
  G_DEVICE = 47,
  G_MIN = 29
};

static const char *const SYS_COLS[] = {NULL,
                                       "receive_time",
                                       "serial",
                                       "type",
                                       "subtype",
                                       NULL,
                                       "time_generated",
                                       "vsys",
                                       "eventid",
                                       "object",
                                       NULL,
                                       NULL,
                                       "module",
                                       "severity",
                                       "opaque",
                                       "seqno",
                                       "actionflags",
                                       "dg_hier_level_1",
                                       "dg_hier_level_2",
                                       "dg_hier_level_3",
                                       "dg_hier_level_4",
                                       "vsys_name",
                                       "device_name",
                                       NULL,
                                       NULL,
                                       "high_res_timestamp"};

enum { S_GEN = 6, S_EVENTID = 8, S_DESC = 14, S_DEVICE = 22, S_MIN = 15 };

/* THREAT shares TRAFFIC's first 31 columns. */
static const char *const THREAT_COLS[] = {"misc",
                                          "threatid",
                                          "category",
                                          "severity",
                                          "direction",
                                          "seqno",
                                          "actionflags",
                                          "srcloc",
                                          "dstloc",
                                          NULL,
                                          "contenttype",
                                          "pcap_id",
                                          "filedigest",
                                          "cloud",
                                          "url_idx",
                                          "user_agent",
                                          "filetype",
                                          "xff",
                                          "referer",
                                          "sender",
                                          "subject",
                                          "recipient",
                                          "reportid",
                                          "dg_hier_level_1",
                                          "dg_hier_level_2",
                                          "dg_hier_level_3",
                                          "dg_hier_level_4",
                                          "vsys_name",
                                          "device_name",
                                          NULL,
                                          "src_uuid",
                                          "dst_uuid",
                                          "http_method",
                                          "tunnel_id_imsi",
                                          "monitortag_imei",
                                          "parent_session_id",
                                          "parent_start_time",
                                          "tunnel",
                                          "thr_category",
                                          "contentver",
                                          NULL,
                                          "assoc_id",
                                          "ppid",
                                          "http_headers",
                                          "url_category_list",
                                          "rule_uuid",
                                          "http2_connection",
                                          "dynusergroup_name"};
enum { TH_FIRST = 31, TH_THREATID = 32, TH_DEVICE = 59 };

/* Other log types: the leading columns every PAN-OS log shares. */
static const char *const COMMON_COLS[] = {NULL,      "receive_time", "serial",        "type",
                                          "subtype", NULL,           "time_generated"};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct pan_state {
  ash_str f[ASH_MAX_FIELDS];
  char *scratch;
  size_t scap;
  ash_attrs attrs;
  ash_strpool pool;
  /* per record */
  int has_off;
  int32_t off_sec;
} pan_state;

static void keys_init(void);
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int pan_open(void **state, const ash_parse_opts *opts) {
  (void)opts;
  pthread_once(&g_once, keys_init);
  pan_state *s = calloc(1, sizeof *s);
  if (!s) return ASH_ENOMEM;
  *state = s;
  return ASH_OK;
}

static void pan_close(void *state) {
  pan_state *s = state;
  if (!s) return;
  free(s->scratch);
  free(s);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* "<anything>,YYYY/MM/DD HH:MM:SS,<serial>,<TYPE>," : the start of every
 * PAN-OS CSV log. */
static int pan_is_body(ash_str b) {
  /* the first column (FUTURE_USE) is a short token such as "1": a space
   * before the first comma means a syslog header is still in front */
  const char *c = b.n ? memchr(b.p, ',', b.n < 24 ? b.n : 24) : NULL;
  if (!c || memchr(b.p, ' ', (size_t)(c - b.p))) return 0;
  size_t i = (size_t)(c - b.p) + 1;
  if (!ASH_FITS(i, 21, b.n)) return 0;
  const char *d = b.p + i;
  if (!(is_digit(d[0]) && is_digit(d[3]) && d[4] == '/' && d[7] == '/' && d[10] == ' ' &&
        d[13] == ':' && d[16] == ':' && d[19] == ','))
    return 0;
  i += 20;
  const char *c2 = memchr(b.p + i, ',', b.n - i < 64 ? b.n - i : 64);
  if (!c2) return 0;
  i = (size_t)(c2 - b.p) + 1;
  size_t k = i;
  while (k < b.n && ((b.p[k] >= 'A' && b.p[k] <= 'Z') || b.p[k] == '_')) k++;
  return k > i + 2 && k < b.n && b.p[k] == ',';
}

static ash_str fld(const pan_state *s, long nf, long i) { return i < nf ? s->f[i] : ASH_STR_NULL; }

static int64_t pan_time(pan_state *s, ash_parse_ctx *ctx, ash_str v) {
  int64_t t;
  if (ash_wall_parse(v, &t)) return ASH_TIME_UNSET;
  if (s->has_off) return ash_ctx_skew(ctx, t - (int64_t)s->off_sec * ASH_US_PER_SEC);
  return ash_ctx_local_to_utc(ctx, t);
}

static void set_ip(ash_ip *ip, ash_str v) {
  if (v.n && ash_ip_parse(v, ip)) ip->fam = 0;
}

static int64_t num(ash_str v) {
  int64_t x;
  return v.n && !ash_str_to_i64(v, &x) ? x : ASH_UNSET;
}

/* Attribute keys with their lengths, built once: the names of the tables
 * above, and "future_use_<i>" / "field_<i>" for unnamed columns (strlen and
 * snprintf per column were a third of the parse time). */
static ash_str g_traffic[NCOLS(TRAFFIC_COLS)], g_gp[NCOLS(GP_COLS)], g_sys[NCOLS(SYS_COLS)],
    g_threat[NCOLS(THREAT_COLS)], g_common[NCOLS(COMMON_COLS)];
static ash_str g_future[ASH_MAX_FIELDS], g_field[ASH_MAX_FIELDS];
static char g_idxbuf[ASH_MAX_FIELDS * 2 * 16];

static void keys_of(const char *const *names, size_t n, ash_str *out) {
  for (size_t i = 0; i < n; i++) out[i] = names[i] ? ash_str_cstr(names[i]) : ASH_STR_NULL;
}

static void keys_init(void) {
  keys_of(TRAFFIC_COLS, NCOLS(TRAFFIC_COLS), g_traffic);
  keys_of(GP_COLS, NCOLS(GP_COLS), g_gp);
  keys_of(SYS_COLS, NCOLS(SYS_COLS), g_sys);
  keys_of(THREAT_COLS, NCOLS(THREAT_COLS), g_threat);
  keys_of(COMMON_COLS, NCOLS(COMMON_COLS), g_common);
  size_t o = 0;
  for (size_t i = 0; i < ASH_MAX_FIELDS; i++) {
    int w = snprintf(g_idxbuf + o, 16, "future_use_%zu", i);
    g_future[i] = ash_str_make(g_idxbuf + o, (size_t)w);
    o += 16;
    w = snprintf(g_idxbuf + o, 16, "field_%zu", i);
    g_field[i] = ash_str_make(g_idxbuf + o, (size_t)w);
    o += 16;
  }
}

/* The documented name of column i: cols covers columns 0.., cols2 (may be
 * NULL) columns first2... An empty key (p == NULL) is FUTURE_USE; a column
 * past the list gets "field_<i>". */
typedef struct colset {
  const ash_str *cols;
  size_t n;
  const ash_str *cols2;
  size_t first2, n2;
} colset;

static ash_str col_key(const colset *c, long i) {
  size_t u = (size_t)i;
  const ash_str *k = NULL;
  if (c->cols2 && u >= c->first2) {
    if (u - c->first2 < c->n2) k = &c->cols2[u - c->first2];
  } else if (u < c->n) {
    k = &c->cols[u];
  }
  if (!k) return g_field[u];
  return k->p ? *k : g_future[u];
}

/* Every column not taken by a normalised field becomes an attribute under
 * its documented name; taken[i] marks the ones already used. */
static void add_rest(pan_state *s, long nf, const colset *c, const unsigned char *taken) {
  for (long i = 0; i < nf; i++) {
    if (taken[i] || !s->f[i].n) continue;
    ash_attrs_add(&s->attrs, col_key(c, i), s->f[i]);
  }
}

static void find_offset(pan_state *s, long nf) {
  s->has_off = 0;
  for (long i = 7; i < nf; i++) {
    ash_str v = s->f[i];
    if (v.n >= 20 && v.n <= 40 && v.p[10] == 'T' && ash_iso_zone_offset(v, &s->off_sec)) {
      s->has_off = 1;
      return;
    }
  }
}

static int emit(pan_state *s, ash_parse_ctx *ctx, ash_event *ev, const ash_frame *fr) {
  ash_frame_apply(fr, ev, &s->attrs, &s->pool);
  if (ev->ts == ASH_TIME_UNSET) ev->ts = ash_frame_utc(fr, ctx);
  ash_attrs_attach(&s->attrs, ev);
  return ash_emit_line(ctx, ev);
}

/* The device name at column col, when the record has it. */
static void take_host(pan_state *s, long nf, int col, ash_event *ev, unsigned char *taken) {
  ev->host = fld(s, nf, col);
  if (ev->host.n) taken[col] = 1;
}

/* A whole number of seconds at column col as the event's duration. */
static void take_secs(pan_state *s, long nf, int col, ash_event *ev, unsigned char *taken) {
  int64_t v = num(fld(s, nf, col));
  if (v != ASH_UNSET && v >= 0 && v < INT64_MAX / ASH_US_PER_SEC) {
    ev->duration_us = v * ASH_US_PER_SEC;
    taken[col] = 1;
  }
}

/* The network fields TRAFFIC and THREAT share (their first 31 columns). */
static void take_network(pan_state *s, ash_event *ev, unsigned char *taken) {
  set_ip(&ev->src_ip, s->f[T_SRC]);
  set_ip(&ev->dst_ip, s->f[T_DST]);
  taken[T_SRC] = ash_ip_isset(&ev->src_ip);
  taken[T_DST] = ash_ip_isset(&ev->dst_ip);
  ev->src_port = ash_port_parse(s->f[T_SPORT]);
  ev->dst_port = ash_port_parse(s->f[T_DPORT]);
  taken[T_SPORT] = ev->src_port >= 0;
  taken[T_DPORT] = ev->dst_port >= 0;
  ash_user_split(s->f[T_SRCUSER], &ev->user, &ev->domain);
  ev->app = s->f[T_APP];
  ev->proto = s->f[T_PROTO];
  ev->action = s->f[T_ACTION];
  taken[T_SRCUSER] = taken[T_APP] = taken[T_PROTO] = taken[T_ACTION] = 1;
}

/* A record of a type whose generated time is its time: enough fields and
 * a valid time, or a rejection with the type's reasons. */
static int start_record(pan_state *s, ash_parse_ctx *ctx, long nf, long min, int gen,
                        const char *too_few, const char *no_time, ash_event *ev,
                        unsigned char *taken, const char **reason) {
  if (nf < min) {
    *reason = too_few;
    return ASH_REC_REJECTED;
  }
  ev->ts = pan_time(s, ctx, s->f[gen]);
  if (ev->ts == ASH_TIME_UNSET) {
    *reason = no_time;
    return ASH_REC_REJECTED;
  }
  taken[gen] = 1;
  return ASH_OK;
}

static int do_traffic(pan_state *s, ash_parse_ctx *ctx, long nf, ash_event *ev, const ash_frame *fr,
                      const char **reason) {
  if (nf < T_MIN) {
    *reason = "PAN-OS TRAFFIC record with too few fields";
    return ASH_REC_REJECTED;
  }
  unsigned char taken[ASH_MAX_FIELDS] = {0};
  ash_str sub = s->f[T_SUBTYPE];
  ev->kind =
      (ash_str_eq(sub, "deny") || ash_str_eq(sub, "drop")) ? ASH_KIND_FLOW_DENY : ASH_KIND_FLOW;
  /* the flow starts at "start"; generated time (log written) is kept */
  ev->ts = pan_time(s, ctx, fld(s, nf, T_START));
  if (ev->ts != ASH_TIME_UNSET) {
    taken[T_START] = 1;
  } else {
    ev->ts = pan_time(s, ctx, s->f[T_GEN]);
    if (ev->ts == ASH_TIME_UNSET) {
      *reason = "PAN-OS TRAFFIC record without a valid time";
      return ASH_REC_REJECTED;
    }
  }
  take_network(s, ev, taken);
  ev->bytes_out = num(s->f[T_BYTES_SENT]);
  ev->bytes_in = num(s->f[T_BYTES_RECV]);
  taken[T_BYTES_SENT] = ev->bytes_out != ASH_UNSET;
  taken[T_BYTES_RECV] = ev->bytes_in != ASH_UNSET;
  ev->packets_out = num(fld(s, nf, T_PKTS_SENT));
  ev->packets_in = num(fld(s, nf, T_PKTS_RECV));
  if (nf > T_PKTS_RECV) {
    taken[T_PKTS_SENT] = ev->packets_out != ASH_UNSET;
    taken[T_PKTS_RECV] = ev->packets_in != ASH_UNSET;
  }
  take_secs(s, nf, T_ELAPSED, ev, taken);
  take_host(s, nf, T_DEVICE, ev, taken);
  colset c = {g_traffic, NCOLS(TRAFFIC_COLS), NULL, 0, 0};
  add_rest(s, nf, &c, taken);
  return emit(s, ctx, ev, fr);
}

static int is_fail(ash_str status) {
  return ash_str_ieq(status, "failure") || ash_str_ieq(status, "failed") ||
         ash_str_ieq(status, "fail");
}

static int do_gp(pan_state *s, ash_parse_ctx *ctx, long nf, ash_event *ev, const ash_frame *fr,
                 const char **reason) {
  unsigned char taken[ASH_MAX_FIELDS] = {0};
  int rc = start_record(s, ctx, nf, G_MIN, G_GEN, "PAN-OS GLOBALPROTECT record with too few fields",
                        "PAN-OS GLOBALPROTECT record without a valid time", ev, taken, reason);
  if (rc) return rc;
  ash_str eid = s->f[G_EVENTID], status = s->f[G_STATUS];
  int logout = 0;
  if (is_fail(status))
    ev->kind = ASH_KIND_VPN_FAIL;
  else if (ash_str_eq(eid, "gateway-connected"))
    ev->kind = ASH_KIND_VPN_LOGIN;
  else if ((logout = ash_str_eq(eid, "gateway-logout")))
    ev->kind = ASH_KIND_VPN_LOGOUT;
  else if (ash_str_eq(eid, "gateway-auth") || ash_str_eq(eid, "portal-auth"))
    ev->kind = ASH_KIND_AUTH_LOGIN;
  else
    ev->kind = ASH_KIND_LOG;
  ash_user_split(s->f[G_USER], &ev->user, &ev->domain);
  taken[G_USER] = 1;
  set_ip(&ev->src_ip, s->f[G_PUB]);
  taken[G_PUB] = ash_ip_isset(&ev->src_ip);
  if (!ash_ip_isset(&ev->src_ip)) {
    set_ip(&ev->src_ip, s->f[G_PUB6]);
    taken[G_PUB6] = ash_ip_isset(&ev->src_ip);
  }
  set_ip(&ev->tunnel_ip, s->f[G_PRIV]);
  /* "0.0.0.0" is how a session without an address is written */
  static const uint8_t zero4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
  if (ash_ip_isset(&ev->tunnel_ip) && !memcmp(ev->tunnel_ip.b, zero4, 16)) ev->tunnel_ip.fam = 0;
  taken[G_PRIV] = ash_ip_isset(&ev->tunnel_ip);
  if (!ash_ip_isset(&ev->tunnel_ip)) {
    set_ip(&ev->tunnel_ip, s->f[G_PRIV6]);
    taken[G_PRIV6] = ash_ip_isset(&ev->tunnel_ip);
  }
  ev->action = status;
  taken[G_STATUS] = 1;
  if (logout) take_secs(s, nf, G_DURATION, ev, taken);
  take_host(s, nf, G_DEVICE, ev, taken);
  colset c = {g_gp, NCOLS(GP_COLS), NULL, 0, 0};
  add_rest(s, nf, &c, taken);
  return emit(s, ctx, ev, fr);
}

/* The description of an old-style GlobalProtect SYSTEM log is a list of
 * "Label: value" items separated by ", " after a first sentence:
 *   "GlobalProtect gateway user authentication succeeded. Login from:
 *    205.178.144.19, User name: tng\jordy, Auth type: profile, ..."
 * Values may contain commas ("Microsoft Windows 10 Pro , 64-bit"), so a
 * value runs up to the next known label. */
static const char *const GP_LABELS[] = {
    "Login from",        "User name", "Private IP", "Client version", "Device name",
    "Client OS version", "Reason",    "Auth type",  "Source region",  "VPN type",
    "Config name",       "Time",      "Message",    "Comment",        "Error",
    "Computer",          "Client OS"};
static const char *const GP_LABEL_KEYS[] = {
    "login_from",        "user_name", "private_ip", "client_version", "device_name",
    "client_os_version", "reason",    "auth_type",  "source_region",  "vpn_type",
    "config_name",       "time",      "message",    "comment",        "error",
    "computer",          "client_os"};
#define NLABELS (sizeof GP_LABELS / sizeof GP_LABELS[0])

typedef struct label_hit {
  size_t at;     /* offset of the label */
  size_t vstart; /* offset of its value */
  int which;
} label_hit;

static size_t find_labels(ash_str d, label_hit *hits, size_t max) {
  size_t nh = 0;
  for (size_t li = 0; li < NLABELS && nh < max; li++) {
    size_t ln = strlen(GP_LABELS[li]);
    size_t from = 0;
    while (from < d.n && nh < max) {
      size_t at = ash_str_find(ash_str_sub(d, from, d.n - from), GP_LABELS[li]);
      if (at == (size_t)-1) break;
      at += from;
      from = at + 1;
      /* a label starts the text or follows ", " / ". " and is followed by
       * ": " (so "Client OS" does not match inside "Client OS version") */
      int start_ok =
          at == 0 || (at >= 2 && (d.p[at - 2] == ',' || d.p[at - 2] == '.') && d.p[at - 1] == ' ');
      if (!start_ok || !ASH_FITS(at + ln, 1, d.n) || d.p[at + ln] != ':') continue;
      size_t v = at + ln + 1;
      if (v < d.n && d.p[v] == ' ') v++;
      hits[nh].at = at;
      hits[nh].vstart = v;
      hits[nh].which = (int)li;
      nh++;
    }
  }
  /* order by position (few items: insertion sort) */
  for (size_t i = 1; i < nh; i++) {
    label_hit t = hits[i];
    size_t j = i;
    while (j > 0 && hits[j - 1].at > t.at) {
      hits[j] = hits[j - 1];
      j--;
    }
    hits[j] = t;
  }
  return nh;
}

static int do_system(pan_state *s, ash_parse_ctx *ctx, long nf, ash_event *ev, const ash_frame *fr,
                     const char **reason) {
  unsigned char taken[ASH_MAX_FIELDS] = {0};
  int rc = start_record(s, ctx, nf, S_MIN, S_GEN, "PAN-OS SYSTEM record with too few fields",
                        "PAN-OS SYSTEM record without a valid time", ev, taken, reason);
  if (rc) return rc;
  take_host(s, nf, S_DEVICE, ev, taken);
  colset c = {g_sys, NCOLS(SYS_COLS), NULL, 0, 0};
  add_rest(s, nf, &c, taken);
  ash_str eid = s->f[S_EVENTID];
  ev->kind = ASH_KIND_LOG;
  int gw = ash_str_starts(eid, "globalprotectgateway-");
  int portal = ash_str_starts(eid, "globalprotectportal-");
  if (gw || portal) {
    ash_str ev_name = ash_str_sub(eid, gw ? 21 : 20, eid.n);
    int fail = ash_str_find(ev_name, "-fail") != (size_t)-1;
    if (fail)
      ev->kind = ASH_KIND_VPN_FAIL;
    else if (gw && (ash_str_eq(ev_name, "auth-succ") || ash_str_eq(ev_name, "regist-succ") ||
                    ash_str_eq(ev_name, "config-succ")))
      ev->kind = ASH_KIND_VPN_LOGIN;
    else if (gw && ash_str_eq(ev_name, "logout-succ"))
      ev->kind = ASH_KIND_VPN_LOGOUT;
    else if (portal && ash_str_eq(ev_name, "auth-succ"))
      ev->kind = ASH_KIND_AUTH_LOGIN;
    ash_str d = s->f[S_DESC];
    label_hit hits[32];
    size_t nh = find_labels(d, hits, 32);
    for (size_t i = 0; i < nh; i++) {
      size_t end = i + 1 < nh ? hits[i + 1].at : d.n;
      if (end < hits[i].vstart) continue;
      ash_str v = ash_str_sub(d, hits[i].vstart, end - hits[i].vstart);
      /* drop the ", " or ". " before the next label, and a final "." */
      v = ash_str_trim(v);
      while (v.n && (v.p[v.n - 1] == ',' || v.p[v.n - 1] == '.')) v.n--;
      v = ash_str_trim(v);
      int w = hits[i].which;
      if (!strcmp(GP_LABELS[w], "Login from") && !ash_ip_isset(&ev->src_ip)) {
        set_ip(&ev->src_ip, v);
        if (ash_ip_isset(&ev->src_ip)) continue;
      } else if (!strcmp(GP_LABELS[w], "User name") && !ev->user.n) {
        ash_user_split(v, &ev->user, &ev->domain);
        continue;
      } else if (!strcmp(GP_LABELS[w], "Private IP") && !ash_ip_isset(&ev->tunnel_ip)) {
        set_ip(&ev->tunnel_ip, v);
        if (ash_ip_isset(&ev->tunnel_ip)) continue;
      }
      ash_attrs_addc(&s->attrs, GP_LABEL_KEYS[w], v);
    }
  }
  return emit(s, ctx, ev, fr);
}

/* THREAT and every other type: kind log. THREAT keeps its network fields
 * and threat name normalised (it shares TRAFFIC's first 31 columns). */
static int do_other(pan_state *s, ash_parse_ctx *ctx, long nf, ash_event *ev, const ash_frame *fr) {
  unsigned char taken[ASH_MAX_FIELDS] = {0};
  ev->kind = ASH_KIND_LOG;
  ev->ts = pan_time(s, ctx, fld(s, nf, T_GEN));
  if (ev->ts != ASH_TIME_UNSET) taken[T_GEN] = 1;
  colset c = {g_common, NCOLS(COMMON_COLS), NULL, 0, 0};
  if (ash_str_eq(s->f[T_TYPE], "THREAT") && nf > TH_THREATID) {
    c = (colset){g_traffic, TH_FIRST, g_threat, TH_FIRST, NCOLS(THREAT_COLS)};
    take_network(s, ev, taken);
    ev->threat = s->f[TH_THREATID];
    taken[TH_THREATID] = 1;
    take_host(s, nf, TH_DEVICE, ev, taken);
  }
  add_rest(s, nf, &c, taken);
  return emit(s, ctx, ev, fr);
}

static int pan_line(void *state, ash_parse_ctx *ctx, const char *line, size_t n, uint64_t offset,
                    const char **reason) {
  pan_state *s = state;
  ash_frame fr;
  if (!ash_frame_parse(line, n, pan_is_body, &fr)) {
    *reason = "not a PAN-OS CSV log record";
    return ASH_REC_REJECTED;
  }
  if (s->scap < fr.body.n + 1) {
    size_t cap = fr.body.n + 1 < 4096 ? 4096 : fr.body.n + 1;
    char *p = realloc(s->scratch, cap);
    if (!p) return ASH_ENOMEM; /* stops the parse (ASH_REC_* lie outside ash_err) */
    s->scratch = p;
    s->scap = cap;
  }
  long nf = ash_csv_split(fr.body.p, fr.body.n, ',', s->f, ASH_MAX_FIELDS, s->scratch);
  if (nf < 0) {
    *reason = "malformed CSV (unclosed quote or too many fields)";
    return ASH_REC_REJECTED;
  }
  if (nf < 7) {
    *reason = "PAN-OS record with too few fields";
    return ASH_REC_REJECTED;
  }
  ash_attrs_reset(&s->attrs);
  ash_strpool_reset(&s->pool);
  find_offset(s, nf);
  ash_event ev;
  ash_event_init(&ev);
  ev.ref = offset;
  ash_str type = s->f[3];
  int rc;
  if (ash_str_eq(type, "TRAFFIC"))
    rc = do_traffic(s, ctx, nf, &ev, &fr, reason);
  else if (ash_str_eq(type, "GLOBALPROTECT"))
    rc = do_gp(s, ctx, nf, &ev, &fr, reason);
  else if (ash_str_eq(type, "SYSTEM"))
    rc = do_system(s, ctx, nf, &ev, &fr, reason);
  else
    rc = do_other(s, ctx, nf, &ev, &fr);
  return rc;
}

static int pan_sniff_line(ash_str l) {
  ash_frame fr;
  return ash_frame_parse(l.p, l.n, pan_is_body, &fr);
}

static int pan_sniff(const uint8_t *head, size_t n) {
  int seen;
  int ok = ash_sniff_lines(head, n, 20, pan_sniff_line, &seen);
  if (!ok) return 0;
  return ok == seen ? 90 : 40 + 50 * ok / seen;
}

const ash_format ash_format_panos = {
    .name = "panos",
    .description = "Palo Alto PAN-OS CSV syslog (TRAFFIC, GLOBALPROTECT, SYSTEM; 8.x-11.x)",
    .sniff = pan_sniff,
    .open = pan_open,
    .parse_line = pan_line,
    .close = pan_close,
};
