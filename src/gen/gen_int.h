/* Internal to the generator: the simulated organisation, the event
 * scheduler and the writers. Only include/ashiato/ headers are used: the
 * generator must not know how the parsers or the store work. */
#ifndef ASH_GEN_INT_H
#define ASH_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ashiato/buf.h"
#include "ashiato/gen.h"
#include "ashiato/ip.h"

#define G_SEC 1000000LL
#define G_MIN (60 * G_SEC)
#define G_HOUR (3600 * G_SEC)
#define G_DAY (86400 * G_SEC)
/* The organisation's zone: Japan, fixed +09:00 (no daylight saving). */
#define G_TZ_OFF (9 * G_HOUR)

/* ---- random numbers (xoshiro256**, seeded through splitmix64) ---- */
typedef struct g_rng {
  uint64_t s[4];
} g_rng;
void g_rng_seed(g_rng *r, uint64_t seed, uint64_t stream);
uint64_t g_next(g_rng *r);
uint32_t g_below(g_rng *r, uint32_t n);            /* [0, n); 0 when n == 0 */
int64_t g_range(g_rng *r, int64_t lo, int64_t hi); /* [lo, hi] */
double g_unit(g_rng *r);                           /* [0, 1) */
int g_chance(g_rng *r, double p);
double g_exp(g_rng *r, double mean);
double g_lognorm(g_rng *r, double median, double sigma);
uint32_t g_poisson(g_rng *r, double lambda);
/* splitmix64 step, also used as a cheap stable hash. */
uint64_t g_mix(uint64_t x);

/* ---- cloud and internet endpoints (real published ranges) ---- */
enum g_role {
  EP_SAAS,    /* office SaaS used by workstations */
  EP_CDN,     /* content delivery */
  EP_WEB,     /* the rest of the web (not in the cloud lists) */
  EP_BACKUP,  /* object storage for the nightly backup */
  EP_MONITOR, /* monitoring SaaS: persistent websockets from every server */
  EP_UPDATE,  /* vendor update service */
  EP_AVCLOUD, /* antivirus cloud lookups and definitions */
  EP_DNS,     /* public resolvers used by the DCs */
  EP_NTP,
  EP_RELAY_POOL /* where the attackers rent their relay */
};

typedef struct g_endpoint {
  const char *name;     /* "saas-mail" */
  const char *fqdn;     /* what the address is used for */
  int role;             /* enum g_role */
  const char *provider; /* "aws", "azure", "gcp", "" */
  const char *region, *service;
  const char *cidr;    /* a prefix from the provider's list */
  const char *country; /* FortiGate dstcountry */
  uint16_t port;
  uint8_t proto;
  uint8_t naddr;   /* how many addresses of the prefix it uses */
  uint16_t weight; /* share of user traffic (SAAS/CDN/WEB) */
  const char *app, *appcat;
} g_endpoint;

const g_endpoint *g_endpoints(size_t *n);
/* The k-th address an endpoint uses (stable for a seed). */
uint32_t g_ep_addr(const g_endpoint *ep, uint64_t seed, uint32_t k);

/* ---- the organisation ---- */
enum g_hrole { HR_DC, HR_FS, HR_APP, HR_DB, HR_BK, HR_UPD, HR_WS };

enum g_chan {
  CH_SECURITY,
  CH_SYSTEM,
  CH_DEFENDER,
  CH_RCM, /* TerminalServices-RemoteConnectionManager/Operational */
  CH_LSM, /* TerminalServices-LocalSessionManager/Operational */
  CH_SYSMON,
  CH_POWERSHELL,
  CH_COUNT
};
enum g_group { GG_SECURITY, GG_SYSTEM, GG_DEFENDER, GG_TS, GG_SYSMON, GG_POWERSHELL, GG_COUNT };

struct g_file;

typedef struct g_host {
  char name[24]; /* "fs01" */
  char upper[24];
  char fqdn[160]; /* "FS01.corp.example.local" */
  uint32_t ip;
  int role;
  int owner;         /* user index for workstations, else -1 */
  uint32_t mon_ep_k; /* which monitoring address */
  uint64_t rec[CH_COUNT];
  struct g_file *files[GG_COUNT];
  uint32_t pid_lsass, pid_svchost_ts, pid_defender, pid_sysmon;
  /* monitoring websocket state (servers) */
  int64_t mon_until;
  uint32_t mon_addr;
  uint32_t next_session_id; /* RDP session ids */
} g_host;

typedef struct g_user {
  char name[40]; /* "t.sato" */
  char full[64];
  uint32_t rid;
  int ws;    /* host index */
  int admin; /* IT admin: RDPs to servers */
  double remote_p;
  double evening_p;
  ash_ip home;
  int home_k;     /* index into the home address pool, -1 for IPv6 */
  int fixed_home; /* the ISP never renumbers it (decoy admins) */
  /* today */
  int mode; /* 0 off, 1 office, 2 remote */
  int64_t arrive, leave;
  int64_t vpn_start[3], vpn_end[3];
  int nvpn;
  uint32_t cur_tunnel; /* 0 when not connected */
  int64_t cur_tunnel_from, cur_tunnel_until;
  int64_t last_seen_ip_change;
  /* a trip abroad: its sessions come from one hotel address in one country
   * until trip_until; last_vpn_end keeps flights possible (life.c) */
  int64_t trip_until, last_vpn_end;
  ash_ip trip_addr;
  const char *trip_country;
} g_user;

typedef struct g_org {
  char domain[128]; /* "corp.example.local" */
  char DOMAIN[128]; /* "CORP.EXAMPLE.LOCAL" */
  char netbios[32]; /* "CORP" */
  char dom_sid[64]; /* "S-1-5-21-a-b-c" */
  g_host *hosts;
  size_t nhosts, nservers; /* servers are hosts[0..nservers) */
  g_user *users;
  size_t nusers;
  int *admins;
  size_t nadmins;
  int dc[2], ndc, fs[4], nfs, app[8], napp, db[4], ndb, bk, upd;
  uint32_t fw_public; /* firewall WAN address (SNAT) */
  /* VPN tunnel pool */
  uint32_t pool_base;
  uint32_t pool_n;
  int64_t *pool_busy; /* busy until */
  uint32_t pool_next;
  /* home ISP address pool (documentation ranges) */
  uint32_t *homes;
  uint8_t *home_used; /* 0 free, 1 benign user, 2 reserved for the intruder */
  size_t nhomes;
} g_org;

/* ---- output files ---- */
typedef struct g_file {
  char *path;
  char *buf;
  size_t n, cap;
  size_t flush_at; /* flush when this many bytes are buffered */
  int created;
  uint64_t records;
  struct g_file *next;
} g_file;

typedef struct g_out {
  char *dir;
  g_file *files; /* every file, for the final flush */
  size_t buffered, max_buffered;
  uint64_t bytes;
  int failed;
  char failed_path[512];
} g_out;

int g_mkdirs(const char *path);                /* mkdir -p */
g_file *g_out_file(g_out *o, const char *rel); /* NULL on ENOMEM */
int g_out_write(g_out *o, g_file *f, const char *p, size_t n);
int g_out_flush_all(g_out *o);
/* A file that will not be written again: flush it and free its buffer. */
int g_out_done(g_out *o, g_file *f);
void g_out_free(g_out *o);
/* Write a whole binary file (implants); creates parent directories. */
int g_out_blob(g_out *o, const char *rel, const void *p, size_t n);

/* ---- scheduled records ---- */
enum g_rtype { GR_FLOW, GR_VPN_UP, GR_VPN_DOWN, GR_VPN_FAIL, GR_WIN };
enum g_zone { Z_USERS, Z_SERVERS, Z_VPN, Z_WAN };
enum g_fact { FA_CLOSE, FA_TIMEOUT, FA_SRV_RST, FA_CLI_RST, FA_ACCEPT, FA_DENY };

typedef struct g_flow {
  int64_t start, dur;
  uint32_t src, dst;
  uint16_t sport, dport;
  uint8_t proto, szone, dzone, action;
  uint8_t filler; /* 1: part of the per-hour traffic budget; 2: the record
                   * of a connection being built (ASA) */
  int16_t ep;     /* endpoint index for WAN destinations, -1 */
  int32_t user;   /* VPN user, -1 */
  uint64_t sent, rcvd, sentd, rcvdd;
  uint32_t spkt, rpkt, spktd, rpktd;
  uint32_t durd; /* seconds since the previous record of the session */
  uint32_t sessionid;
} g_flow;

typedef struct g_vpn {
  int32_t user; /* -1: unknown name in uname */
  const char *uname;
  ash_ip remip;
  uint32_t tunnel_ip;
  uint32_t tunnel_id;
  int64_t dur;
  uint64_t sent, rcvd;
  const char *country;
  const char *reason;
} g_vpn;

typedef struct g_win {
  uint32_t host;
  uint8_t chan;
  uint16_t eid;
  char *data; /* JSON members ("k":"v",...) of event_data / user_data; owned */
} g_win;

typedef struct g_rec {
  int64_t ts;
  uint8_t type;
  union {
    g_flow f;
    g_vpn v;
    g_win w;
  } u;
  struct g_rec *next_free;
} g_rec;

typedef struct g_heap_ent {
  int64_t ts;
  uint64_t seq;
  g_rec *r;
} g_heap_ent;

typedef struct g_sched {
  g_heap_ent *h;
  size_t n, cap;
  uint64_t seq;
  g_rec *free_list;
  int64_t horizon; /* records before this were written already */
  int64_t end;     /* records at or after this are dropped */
} g_sched;

g_rec *g_rec_new(g_sched *s);
void g_sched_push(g_sched *s, g_rec *r);
g_rec *g_sched_pop_before(g_sched *s, int64_t t); /* NULL when none */
void g_rec_release(g_sched *s, g_rec *r);
void g_sched_free(g_sched *s);

/* ---- firewall writers ---- */
struct g_ctx;
typedef struct g_fw_writer {
  const char *name;
  const char *ext;
  int (*flow)(struct g_ctx *c, const g_rec *r, ash_buf *b);
  int (*vpn)(struct g_ctx *c, const g_rec *r, ash_buf *b);
  /* text written at the top of each daily file (Zeek headers), may be NULL */
  int (*header)(struct g_ctx *c, int64_t day_local, ash_buf *b);
  int logs_start; /* also a record when a connection is built (ASA) */
  int interim;    /* writes interim records of long sessions (FortiGate) */
  /* VPN events go to their own daily files with this path prefix (Zeek
   * sees no VPN logins); NULL: in the firewall's files */
  const char *vpn_prefix;
} g_fw_writer;

const g_fw_writer *g_fw_fortigate(void);
const g_fw_writer *g_fw_panos(void);
const g_fw_writer *g_fw_asa(void);
const g_fw_writer *g_fw_zeek(void);

/* ---- scenario families (family.c) ---- */
enum g_axis {
  GA_INTRUDER,
  GA_DETUSER,
  GA_VPN,
  GA_CLOUD,
  GA_PORT,
  GA_LOOPBACK,
  GA_PAST,
  GA_DECOYS,
  GA_COUNT
};
enum { GI_EVERYDAY, GI_STRANGER };
enum { GD_VICTIM, GD_SYSTEM, GD_OTHER };
enum { GL_127_0_0_1, GL_127_8, GL_V6, GL_SELF };
enum { GDC_TRAVEL = 1, GDC_TOOLS = 2, GDC_OTHERADMIN = 4, GDC_VENDOR = 8, G_DECOY_ALL = 15 };
#define G_NCLOUD 6
#define G_MONTH_DAYS 30.44
extern const char *const G_CLOUDS[G_NCLOUD];

typedef struct g_family {
  int on;       /* 0: the classic case, nothing below applies */
  unsigned set; /* axes named by the caller (bit per enum g_axis) */
  int intruder, detuser, vpn, cloud, loopback, past_months;
  uint16_t port;
  unsigned decoys;  /* GDC_* bits */
  char loop127[16]; /* the 127/8 address of loopback=127/8 */
} g_family;

/* Parse a --family value (NULL or "classic": f->on = 0). */
int g_family_parse(const char *spec, g_family *f, char *why, size_t whylen);
/* Parse and complete: axes not named are drawn from the seed; checks that
 * the case is long enough for the past interval. */
int g_family_resolve(const ash_gen_opts *o, g_family *f, char *why, size_t whylen);
/* The value of an axis as written in answer.json and accepted by --family. */
const char *g_family_value(const g_family *f, int axis, char *buf, size_t n);
const char *g_family_axis(int axis);

/* ---- the intrusion plan (ground truth) ---- */
#define G_MAX_ACTS 4096
#define G_MAX_TSESS 64

typedef struct g_tsess {
  int64_t start, end;
  int64_t rdp_ts[2];
  const char *rdp_src[2];
  int nrdp;
  int rdp_user; /* user index */
} g_tsess;

typedef struct g_implant {
  char host[24];
  char path[256];    /* Windows path */
  char relpath[512]; /* path under DIR */
  char sha256[65];
  char role[32];
  size_t size;
  int64_t ts; /* written */
} g_implant;

typedef struct g_benign_file {
  char host[24];
  char path[256];
  char relpath[512];
  char sha256[65];
  size_t size;
  const char *why;
} g_benign_file;

typedef struct g_cmd {
  int64_t ts;
  char host[24];
  char user[40];
  char cmd[512];
  const char *why;
} g_cmd;

typedef struct g_vsess {
  int64_t start, end;
  ash_ip remip;
  uint32_t tunnel;
  const char *country;
  int new_source;
} g_vsess;

typedef struct g_plan {
  int user_a; /* the linked account */
  int user_b; /* the admin whose credentials were stolen */
  /* phase 1: the past incident */
  int s1; /* host with the past detection */
  g_vsess past_vpn;
  int64_t past_rdp_ts, past_rdp_end;
  int64_t past_write_ts, past_detect_ts, past_quarantine_ts;
  char past_threat[96], past_path[256], past_sha256[65], past_category[40];
  /* phase 2 */
  g_vsess ret[8];
  int nret;
  int s2; /* jump server */
  int t;  /* tunnel host */
  uint32_t relay;
  const char *relay_region;
  const char *relay_cidr;
  uint16_t relay_port;
  g_tsess ts[G_MAX_TSESS];
  int nts;
  int64_t backdoor_ts, tunnel_first, tunnel_last;
  g_implant implants[16];
  int nimplants;
  g_cmd cmds[96];
  int ncmds;
  int64_t ransom_ts;
  int ransom_hosts[16];
  int nransom;
  char ransom_path[256];
  char backdoor_path[256];
  char backdoor_service[64];
  int64_t clear_ts[16];
  int clear_host[16];
  int nclear;
  g_benign_file benign[8];
  int nbenign;
  /* days (0-based) of the phases */
  int past_day, ret_day, ransom_day;
  /* family details of the plan (family.c axes made concrete) */
  int intrusion;       /* 0 with --benign-only */
  int everyday;        /* A logs on to s1 in ordinary life (its file server) */
  char past_du[96];    /* Defender's Detection User of the past detection */
  char past_proc[128]; /* and its Process Name */
  int other_user;      /* detuser=other: the admin logged on to s1, else -1 */
  int64_t other_rdp, other_rdp_end;
  const g_endpoint *relay_ep;
  char loop_src[48]; /* RDP source of the loopback logons (families) */
  /* decoys (decoy.c) */
  struct g_decoys {
    int travel_admin, travel_host;
    g_vsess travel_home, travel_away;
    int64_t travel_rdp[2], travel_rdp_end[2];
    int tools_admin, ntools;
    struct g_tooldet {
      int host;
      g_vsess v;
      int64_t rdp, rdp_end, det;
      const char *threat;
      char path[256];
    } tools[3];
    int oa_admin, oa_host;
    int64_t oa_rdp, oa_rdp_end, oa_det;
    const char *oa_threat;
    char oa_path[256];
    int vendor_host;
    uint32_t vendor_ip;
    uint16_t vendor_port;
    const g_endpoint *vendor_ep;
    int nvendor;
    int64_t vendor_s[8], vendor_e[8];
  } dec;
  /* the intrusion's acts, in time order */
  struct g_act {
    int64_t ts;
    int kind;
    int arg;
  } acts[G_MAX_ACTS];
  int nacts, next_act;
} g_plan;

typedef struct g_benign_stat {
  uint64_t mon_sessions, mon_interim;
  uint64_t backup_sessions, update_sessions;
  uint64_t av_detections, hacktool_benign;
  uint64_t rdp_admin, rdp_ws_from_vpn, loopback_console;
  uint64_t vpn_travel, vpn_spray;
} g_benign_stat;

/* ---- the whole run ---- */
typedef struct g_ctx {
  const ash_gen_opts *o;
  ash_gen_stats *st;
  g_org org;
  g_plan plan;
  g_out out;
  g_sched sched;
  g_rng rng;    /* ordinary life */
  g_rng rng_fw; /* firewall rendering details (session ids, ports) */
  int64_t start, end;
  const g_fw_writer *fw;
  g_family fam;
  g_file *fw_file, *vpn_file;
  int64_t fw_file_day, vpn_file_day;
  ash_buf line;
  ash_buf kv; /* event data builder */
  uint32_t fw_session;
  int64_t fw_dt_sec; /* last second formatted by the firewall writer */
  char fw_dt[24];    /* "date=YYYY-MM-DD time=HH:MM:SS" pieces for it */
  uint32_t vpn_tunnel_id;
  g_benign_stat ben;
  const g_endpoint *eps;
  size_t neps;
  int ep_backup[8], nep_backup, ep_monitor, ep_update, ep_av, ep_dns[4], nep_dns, ep_ntp;
  int *ep_user; /* cumulative weights for user traffic */
  size_t nep_user;
  uint32_t ep_user_total;
  int making_filler;       /* set while the hour's budgeted flows are made */
  uint64_t filler_written; /* budgeted flows written */
  double structured_rate;  /* other flows written per hour, recently */
} g_ctx;

/* org.c */
int g_org_build(g_ctx *c);
void g_org_free(g_org *org);
void g_ip4_str(uint32_t ip, char out[16]);
uint32_t g_tunnel_alloc(g_ctx *c, int64_t from, int64_t until);
void g_home_assign(g_ctx *c, int u);
int g_is_workday(int64_t local_day);
/* Fill b with the user's "DOMAIN\\name" etc. */
const char *g_user_sid(g_ctx *c, int u, char out[80]);

/* winevt.c: build and schedule Windows events. kv is reset by g_kv_begin
 * and handed to g_win_push, which copies it. */
void g_kv_begin(g_ctx *c);
void g_kv(g_ctx *c, const char *k, const char *v);
void g_kvf(g_ctx *c, const char *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void g_win_push(g_ctx *c, int64_t ts, int host, int chan, int eid);
int g_win_render(g_ctx *c, const g_rec *r, ash_buf *b);
const char *g_group_of(int chan);

/* Ready-made events. ip may be "-" or any text. */
typedef struct g_logon {
  int host;
  int user;         /* index, or -1 with name/dom below */
  const char *name; /* when user < 0 (machine/service accounts) */
  const char *dom;
  int type;       /* LogonType */
  const char *ip; /* IpAddress */
  const char *workstation;
  uint64_t logon_id;
  int port;
} g_logon;
void g_ev_logon(g_ctx *c, int64_t ts, const g_logon *l);
void g_ev_logoff(g_ctx *c, int64_t ts, const g_logon *l);
void g_ev_rdp(g_ctx *c, int64_t ts, int64_t end, int host, int user, const char *src,
              const char *lsm_src, int disconnect);
void g_ev_process(g_ctx *c, int64_t ts, int host, int user, const char *image, const char *cmdline,
                  const char *parent, const char *sha256);
void g_ev_service(g_ctx *c, int64_t ts, int host, int user, const char *svc, const char *image);
void g_ev_task(g_ctx *c, int64_t ts, int host, int user, const char *task, const char *cmd);
void g_ev_av(g_ctx *c, int64_t ts, int host, const char *threat, const char *category,
             const char *severity, const char *path, const char *detuser, const char *process,
             int quarantine_delay_ms);
void g_ev_ps(g_ctx *c, int64_t ts, int host, const char *script);
void g_ev_sysmon_net(g_ctx *c, int64_t ts, int host, const char *image, const char *user,
                     const char *sip, int sport, const char *dip, int dport);
void g_ev_sysmon_file(g_ctx *c, int64_t ts, int host, const char *image, const char *path,
                      const char *user);
void g_ev_kerberos(g_ctx *c, int64_t ts, int user, const char *ip, const char *service);
void g_ev_logclear(g_ctx *c, int64_t ts, int host, int user, const char *channel);

/* Schedule a flow (its final record at start + dur, interim records
 * before it when it is long). */
void g_flow_push(g_ctx *c, const g_flow *f);
void g_flow_push_shaped(g_ctx *c, const g_flow *f, int bursty);
/* *f as a TCP session from a server to the internet (the tunnel, its
 * heartbeats, a vendor's support session), from start for dur: the fields
 * such sessions share, with a drawn ephemeral source port. The caller sets
 * the bytes and the action. */
void g_flow_server_out(g_ctx *c, g_flow *f, uint32_t src, uint32_t dst, uint16_t dport,
                       int64_t start, int64_t dur);

/* life.c */
int g_life_init(g_ctx *c);
void g_life_free(void);
void g_life_day(g_ctx *c, int day);
void g_life_hour(g_ctx *c, int64_t t0);

/* intrusion.c */
int g_plan_make(g_ctx *c);
void g_add_act(g_plan *p, int64_t ts, int kind, int arg);
int64_t g_local_midnight_of_day(g_ctx *c, int day);
/* The VPN login, logout and first LDAP flow of a planned session. */
void g_vpn_records(g_ctx *c, g_vsess *v, int user);
void g_rdp_flow(g_ctx *c, uint32_t src, int sz, int user, int host, int64_t s, int64_t e);
/* An address of the documentation ranges nobody else uses (marked taken). */
ash_ip g_fresh_ip(g_ctx *c, g_rng *r);
/* The relay pool entries of a provider (cloud.c); n <= cap. */
int g_relay_pool(const char *provider, const g_endpoint **out, int cap);

/* decoy.c: benign look-alikes of a family, planned with the intrusion and
 * run as acts of the same plan. */
enum { ACT_DECOY_BASE = 100 };
void g_decoy_plan(g_ctx *c);
void g_decoy_act(g_ctx *c, int kind, int arg);
int g_implant_build(g_ctx *c, g_implant *im);
void g_plan_hour(g_ctx *c, int64_t t0);

/* pe.c */
void g_benign_add(g_ctx *c, const char *host, const char *winpath, const char *rel, const void *p,
                  size_t n, const char *why);
int g_files_write(g_ctx *c);
size_t g_pe_build(uint8_t *out, size_t cap, uint64_t seed, const char *const *ascii, size_t nascii,
                  const char *const *wide, size_t nwide);

/* answer.c */
int g_answer_write(g_ctx *c);

/* time helpers */
void g_fmt_iso_ms(int64_t t, char out[32]); /* 2025-03-02T01:22:01.123Z */
void g_fmt_iso(int64_t t, char out[32]);    /* ash_time_format */

#endif
