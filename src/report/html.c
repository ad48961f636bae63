/* The HTML report (report.h): one self-contained page in six sections.
 *
 * Every value from the case is log-derived and so hostile: it goes into
 * the page only through ash_html_text (element text and attribute values,
 * always double-quoted), or as a number we formatted. The page has no
 * script, so there is no script-data context; links are same-page
 * fragments whose ids we make ("f12"), never ids from the case; ATT&CK
 * URLs are plain text built from ids that match T####(.###). */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ashiato/error.h"
#include "ashiato/finding.h"
#include "ashiato/hunt.h"
#include "ashiato/limits.h"
#include "ashiato/plan.h"
#include "ashiato/raw.h"
#include "report_int.h"

/* ---- escaping ---- */

int ash_html_text(ash_buf *out, const char *s, size_t n, int attr) {
  const uint8_t *p = (const uint8_t *)s;
  int rc = ASH_OK;
  for (size_t i = 0; i < n && !rc;) {
    uint8_t c = p[i];
    char esc[40];
    const char *lit = NULL;
    switch (c) {
    case '&': lit = "&amp;"; break;
    case '<': lit = "&lt;"; break;
    case '>': lit = "&gt;"; break;
    case '"': lit = "&quot;"; break;
    case '\'': lit = "&#39;"; break;
    default: break;
    }
    if (lit) {
      rc = ash_buf_adds(out, lit);
      i++;
      continue;
    }
    if (c >= 0x20 && c < 0x7f) {
      size_t j = i; /* a run of plain ASCII in one append */
      while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '&' && p[j] != '<' && p[j] != '>' &&
             p[j] != '"' && p[j] != '\'')
        j++;
      rc = ash_buf_add(out, p + i, j - i);
      i = j;
      continue;
    }
    if (c == '\t' || c == '\n') {
      rc = ash_buf_addc(out, (char)c);
      i++;
      continue;
    }
    uint32_t cp = 0;
    size_t len = c < 0x80 ? 0 : ash_utf8_next(p + i, n - i, &cp);
    if (len && !ash_cp_unsafe(cp)) {
      rc = ash_buf_add(out, p + i, len);
      i += len;
      continue;
    }
    /* a control, DEL, an unsafe code point or a byte that is not UTF-8:
     * shown as what it is, never passed to the page to act on */
    if (len)
      snprintf(esc, sizeof esc, "\\u{%04" PRIX32 "}", cp);
    else
      snprintf(esc, sizeof esc, "\\x%02X", c);
    if (!attr) rc = ash_buf_adds(out, "<span class=\"ctl\">");
    if (!rc) rc = ash_buf_adds(out, esc);
    if (!rc && !attr) rc = ash_buf_adds(out, "</span>");
    i += len ? len : 1;
  }
  return rc;
}

/* ---- the report's state ---- */

typedef struct src {
  ash_source_info in; /* strings below are owned copies */
  char *path, *sha256, *format, *skip;
} src;

typedef struct lane_def {
  ash_msg label;
  const char *prefixes[6];
} lane_def;

/* Which lane a kind belongs to: the source kinds of issue 13 (VPN,
 * firewall, Windows, antivirus), and Other for what fits none. */
static const lane_def LANES[] = {
    {M_LANE_VPN, {"vpn.", NULL}},
    {M_LANE_FW, {"net.", "dns.", "proxy.", "web.", "admin.", NULL}},
    {M_LANE_WIN, {"win.", "auth.", NULL}},
    {M_LANE_AV, {"av.", NULL}},
    {M_LANE_OTHER, {NULL}},
};
#define NLANES (sizeof LANES / sizeof LANES[0])
/* Cells of the time axis, and the events counted per cell and kind: the
 * shade needs presence and rough density, not an exact count, and the cap
 * bounds the work at NBUCKETS * kinds * TL_CAP rows whatever the case. */
#define NBUCKETS 120
#define TL_CAP 24

typedef struct story {
  int64_t ts;
  size_t finding; /* index into r->f */
  int num;        /* 1-based number in section 1 */
  ash_buf html;
} story;

typedef struct acct {
  char *name;
  uint64_t vpn, logons;
  int64_t vpn_first, logon_first;
  char *vsrc[12]; /* distinct VPN source descriptions */
  int nvsrc;
  uint64_t types; /* bit n: logon type n seen */
  struct edge {
    char *host;
    uint64_t n;
    int hot;
    uint64_t intr; /* logons from an address of the intrusion's sessions */
  } * e;
  size_t ne, cape;
} acct;

typedef struct rep {
  ash_store *st;
  const ash_report_opts *o;
  ash_lang L;
  ash_buf *out;
  ash_report_stats stats;
  int rc;
  ash_finding *f;
  json_t **det;
  size_t nf, capf;
  src *s;
  size_t ns, caps;
  src **by_path; /* sorted by path, latest id last */
  int64_t t0, t1;
  ash_raw *raw;
  size_t ev_bytes;
  int budget_said;
  story *sto;
  size_t nsto, capsto;
  acct *acc;
  size_t nacc;
  uint64_t nacc_all;
  char **hosts;
  size_t nhosts;
  uint64_t nhosts_all;
  ash_ip intr_ip[64]; /* the intrusion's session addresses (hot_pair) */
  size_t nintr;
  ash_ip tun_ip[16]; /* tunnel hosts' addresses, with their loopback-rdp finding */
  size_t tun_f[16], ntun;
  /* each finding's title and summary in the report's language and zone,
   * from its catalogue pieces (render_texts); NULL where it has none or
   * they cannot be rendered (a case made by an older version): the hunt's
   * English is shown, marked */
  char **tl, **sm;
} rep;

#define OUT(r) ((r)->out)

static void add(rep *r, const char *s) {
  if (!r->rc) r->rc = ash_buf_adds(r->out, s);
}
static void txt(rep *r, const char *s) {
  if (!r->rc && s) r->rc = ash_html_text(r->out, s, strlen(s), 0);
}
static void attr(rep *r, const char *s) {
  if (!r->rc && s) r->rc = ash_html_text(r->out, s, strlen(s), 1);
}
static void addf(rep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(rep *r, const char *fmt, ...) {
  if (r->rc) return;
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  r->rc = ash_buf_add(r->out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *M(rep *r, ash_msg m) { return ash_msg_get(r->L, m); }

/* Message m with {1}..{9} replaced by args[0..], each escaped for HTML,
 * appended to b. The catalogue's text is ours and is written as it is. */
static int say_to(ash_lang L, ash_buf *b, ash_msg m, int nargs, const char *const *args) {
  const char *t = ash_msg_get(L, m);
  int rc = ASH_OK;
  while (*t && !rc) {
    if (t[0] == '{' && t[1] >= '1' && t[1] <= '9' && t[2] == '}') {
      int k = t[1] - '1';
      const char *a = k < nargs && args[k] ? args[k] : "";
      rc = ash_html_text(b, a, strlen(a), 0);
      t += 3;
      continue;
    }
    const char *e = strchr(t + 1, '{');
    size_t n = e ? (size_t)(e - t) : strlen(t);
    rc = ash_buf_add(b, t, n);
    t += n;
  }
  return rc;
}
static void say(rep *r, ash_msg m, int nargs, const char *const *args) {
  if (!r->rc) r->rc = say_to(r->L, r->out, m, nargs, args);
}
static void say0(rep *r, ash_msg m) { say(r, m, 0, NULL); }

/* Between two sentences of one paragraph: a space in English, nothing in
 * Japanese, whose sentences end in a full-width stop. */
static void gap(rep *r) {
  if (r->L != ASH_LANG_JA) add(r, " ");
}

static void u64s(uint64_t v, char out[24]) { snprintf(out, 24, "%" PRIu64, v); }

/* A time as the reader wants it: local to --tz with the offset, to the
 * second ("2025-03-02 19:22:01 +09:00", "... UTC"). The zone arithmetic is
 * time.c's, the same as the timeline's. */
static void when(rep *r, int64_t t, char out[48]) {
  if (t == ASH_TIME_UNSET) {
    snprintf(out, 48, "-");
    return;
  }
  char iso[40];
  ash_time_format_tz(t, r->o->tz, iso);
  /* "YYYY-MM-DDTHH:MM:SS.ffffff" then "Z" or "+HH:MM" */
  const char *zone = iso + 26;
  snprintf(out, 48, "%.10s %.8s %s", iso, iso + 11, *zone == 'Z' ? "UTC" : zone);
}
static void day(rep *r, int64_t t, char out[48]) {
  char w[48];
  when(r, t, w);
  snprintf(out, 48, "%.10s", w);
}

static const char *sev_name(rep *r, ash_severity s) {
  static const ash_msg m[] = {M_SEV_LOW, M_SEV_MEDIUM, M_SEV_HIGH, M_SEV_CRITICAL};
  return M(r, m[(unsigned)s < 4 ? s : 0]);
}

/* Finding i's title as the report shows it. */
static const char *ftitle(const rep *r, size_t i) {
  return r->tl && r->tl[i] ? r->tl[i] : r->f[i].title ? r->f[i].title : "";
}

/* ---- loading ---- */

static char *dup0(const char *s) { return s ? strdup(s) : NULL; }

static int on_finding(void *u, const ash_finding *f) {
  rep *r = u;
  ash_finding *v = ash_array_room(r->f, &r->capf, r->nf, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  r->f = v;
  json_t **d = realloc(r->det, r->capf * sizeof *d);
  if (!d) return ASH_ENOMEM;
  r->det = d;
  int rc = ash_finding_copy(&r->f[r->nf], f);
  if (rc) return rc;
  r->det[r->nf] = f->details_json ? json_loads(f->details_json, 0, NULL) : NULL;
  r->nf++;
  return ASH_OK;
}

static int on_source(void *u, const ash_source_info *in) {
  rep *r = u;
  src *v = ash_array_room(r->s, &r->caps, r->ns, sizeof *v, 64);
  if (!v) return ASH_ENOMEM;
  r->s = v;
  src *s = &r->s[r->ns];
  memset(s, 0, sizeof *s);
  s->in = *in;
  s->path = dup0(in->path);
  s->sha256 = dup0(in->sha256);
  s->format = dup0(in->format);
  s->skip = dup0(in->skip_reason);
  s->in.path = s->path;
  s->in.sha256 = s->sha256;
  s->in.format = s->format;
  s->in.skip_reason = s->skip;
  r->ns++;
  if (!s->path) return ASH_ENOMEM;
  if (!in->skip_reason && in->first_ts != ASH_TIME_UNSET &&
      (r->t0 == ASH_TIME_UNSET || in->first_ts < r->t0))
    r->t0 = in->first_ts;
  if (!in->skip_reason && in->last_ts != ASH_TIME_UNSET &&
      (r->t1 == ASH_TIME_UNSET || in->last_ts > r->t1))
    r->t1 = in->last_ts;
  return ASH_OK;
}

static int cmp_src_path(const void *a, const void *b) {
  const src *x = *(src *const *)a, *y = *(src *const *)b;
  int c = strcmp(x->path, y->path);
  if (c) return c;
  return x->in.id < y->in.id ? -1 : x->in.id > y->in.id;
}

/* The identity to check an evidence item against: the latest complete
 * source read from that path. A grown file's continuation is later than
 * the source it continues and carries the whole file's size and hash, so
 * it also vouches for the older offsets. */
static const src *src_of(rep *r, const char *path) {
  size_t lo = 0, hi = r->ns;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(r->by_path[mid]->path, path) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  const src *best = NULL;
  for (; lo < r->ns && !strcmp(r->by_path[lo]->path, path); lo++)
    if (r->by_path[lo]->in.complete && !r->by_path[lo]->skip) best = r->by_path[lo];
  return best;
}

/* Every kind an event can have (event.h: ev->kind is one of ASH_KIND_*,
 * the mapped format included). The timeline asks for each of them by
 * name instead of ash_store_kinds, whose count(*) over every event is the
 * one step that grows with the case (23 s of 5.7 million events). */
static const char *const KINDS[] = {
    ASH_KIND_FLOW,         ASH_KIND_FLOW_DENY,      ASH_KIND_VPN_LOGIN,    ASH_KIND_VPN_LOGOUT,
    ASH_KIND_VPN_SESSION,  ASH_KIND_VPN_FAIL,       ASH_KIND_ADMIN_LOGIN,  ASH_KIND_ADMIN_FAIL,
    ASH_KIND_AUTH_LOGIN,   ASH_KIND_AUTH_FAIL,      ASH_KIND_AV_DETECT,    ASH_KIND_AV_ACTION,
    ASH_KIND_WIN_LOGON,    ASH_KIND_WIN_LOGON_FAIL, ASH_KIND_WIN_LOGOFF,   ASH_KIND_WIN_PROCESS,
    ASH_KIND_WIN_SERVICE,  ASH_KIND_WIN_TASK,       ASH_KIND_WIN_LOGCLEAR, ASH_KIND_WIN_ACCOUNT,
    ASH_KIND_WIN_RDP,      ASH_KIND_WIN_NETCONN,    ASH_KIND_WIN_SHARE,    ASH_KIND_WIN_FILE,
    ASH_KIND_WIN_REGISTRY, ASH_KIND_WIN_DNS,        ASH_KIND_WIN_SCRIPT,   ASH_KIND_WIN_KERBEROS,
    ASH_KIND_WIN_EXPLICIT, ASH_KIND_WIN_PRIVILEGE,  ASH_KIND_WIN_NTLM,     ASH_KIND_WIN_EVENT,
    ASH_KIND_WEB,          ASH_KIND_PROXY,          ASH_KIND_DNS_QUERY,    ASH_KIND_LOG};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

static size_t lane_of(const char *kind) {
  for (size_t l = 0; l + 1 < NLANES; l++)
    for (int k = 0; LANES[l].prefixes[k]; k++)
      if (kind && !strncmp(kind, LANES[l].prefixes[k], strlen(LANES[l].prefixes[k]))) return l;
  return NLANES - 1;
}

static const char *jstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The program a loopback-rdp finding names as its relay (its details, else
 * its first file) into out; 0 when the logs name none. */
static int loop_program(const ash_finding *f, json_t *d, char *out, size_t n) {
  const char *prog = jstr(d, "relay_program");
  snprintf(out, n, "%s", *prog ? prog : f->files.n ? f->files.v[0] : "");
  return out[0] != 0;
}

/* ---- page head ---- */

static const char CSS[] =
    ":root{--fg:#1d232a;--mute:#5b6570;--line:#d5dbe1;--bg:#fff;--crit:#b3261e;--high:#d9730d;"
    "--med:#b08900;--low:#5b6f82}"
    "*{box-sizing:border-box}"
    "body{margin:0 auto;max-width:1180px;padding:24px 28px;color:var(--fg);background:var(--bg);"
    "font:15px/1.55 system-ui,-apple-system,'Segoe UI','Noto Sans CJK JP','Hiragino Sans',"
    "'IPAGothic','Meiryo',sans-serif}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;"
    "border-bottom:2px solid var(--fg)}h3{font-size:16px;margin:0 0 6px}h4{font-size:14px;"
    "margin:12px 0 4px;color:var(--mute)}"
    "a{color:#0b57d0}code,pre,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:12.5px}"
    "header .meta{color:var(--mute);margin:0}nav ol{columns:2;margin:8px 0 0;padding-left:20px}"
    ".story li{margin:6px 0}.story .t{font-weight:600;white-space:nowrap}"
    ".sev{display:inline-block;min-width:4.2em;text-align:center;border-radius:3px;color:#fff;"
    "font-size:12px;font-weight:700;padding:1px 6px;margin-right:6px}"
    ".sev-critical .sev,.sev.critical{background:var(--crit)}.sev-high .sev,.sev.high{background:"
    "var(--high)}.sev-medium .sev,.sev.medium{background:var(--med)}.sev-low .sev,.sev.low{"
    "background:var(--low)}"
    ".finding{border:1px solid var(--line);border-left:6px solid var(--low);border-radius:4px;"
    "padding:10px 14px;margin:14px 0}.finding.sev-critical{border-left-color:var(--crit)}"
    ".finding.sev-high{border-left-color:var(--high)}.finding.sev-medium{border-left-color:"
    "var(--med)}"
    ".num{color:var(--mute);font-weight:400;margin-right:4px}.score{color:var(--mute);"
    "font-weight:400;font-size:13px;margin-right:6px}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0;"
    "font-size:13.5px}dl.meta dt{color:var(--mute)}dl.meta dd{margin:0;overflow-wrap:anywhere}"
    "table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid "
    "var(--line);padding:3px 6px;text-align:left;vertical-align:top}th{background:#f3f5f7}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.w{width:4em;text-align:right;font-weight:700}.pos{color:var(--crit)}.neg{color:#1e7d32}"
    "ol.ev{padding-left:22px;margin:4px 0}ol.ev li{margin:6px 0}.evh{font-size:12.5px;"
    "color:var(--mute)}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;"
    "border:1px solid var(--line);border-radius:3px;padding:6px 8px;margin:2px 0;max-height:"
    "22em;overflow:auto}"
    ".ok{color:#1e7d32}.bad{color:#fff;background:var(--crit);padding:2px 6px;border-radius:3px;"
    "font-weight:700}.note{color:var(--mute);font-size:13px}"
    ".ctl{color:#fff;background:#7a3e9d;border-radius:2px;padding:0 2px;font-family:monospace}"
    "svg{width:100%;height:auto;display:block;margin:6px 0}svg text{font-family:system-ui,"
    "'Noto Sans CJK JP','IPAGothic',sans-serif;font-size:12px;fill:#1d232a}"
    "svg .lane{fill:#f3f5f7}svg .cell{fill:#2b5c8a}svg .axis{stroke:#8a949e;stroke-width:1}"
    "svg .mk{stroke:none}svg .crit{fill:#b3261e}svg .high{fill:#d9730d}svg .med{fill:#b08900}"
    "svg .lowf{fill:#5b6f82}svg .edge{stroke:#9aa5b1;fill:none}svg .edge.hot{stroke:#b3261e}"
    "svg .node{fill:#fff;stroke:#5b6570}svg .node.hot{stroke:#b3261e;stroke-width:2}"
    "svg .sto{fill:#1d232a}svg .sto-t{fill:#fff;font-size:11px;font-weight:700}"
    "td.sha{font-family:monospace;font-size:11px;word-break:break-all;min-width:34ch}"
    "td.path{overflow-wrap:anywhere}footer{margin-top:40px;color:var(--mute);font-size:12.5px}"
    "details>summary{cursor:pointer;color:var(--mute)}p.head{margin:2px 0 6px;font-weight:600}"
    "@media print{.finding{break-inside:avoid}pre{max-height:none}}";

/* The policy allows the one style block by its hash, and nothing else:
 * no script, no fetch of any kind (default-src 'none'), images only as
 * data: URLs, no <base>, no form target. */
static void head(rep *r) {
  unsigned char md[32];
  unsigned int mdn = 0;
  EVP_Digest(CSS, sizeof CSS - 1, md, &mdn, EVP_sha256(), NULL);
  char b64[64];
  EVP_EncodeBlock((unsigned char *)b64, md, 32);
  add(r, "<!DOCTYPE html>\n<html lang=\"");
  add(r, M(r, M_LANG_CODE));
  add(r, "\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
         "content=\"default-src 'none'; style-src 'sha256-");
  add(r, b64);
  add(r, "'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
         "<meta name=\"referrer\" content=\"no-referrer\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
  txt(r, M(r, M_TITLE));
  if (r->o->case_name) {
    add(r, ": ");
    txt(r, r->o->case_name);
  }
  add(r, "</title>\n<style>");
  add(r, CSS);
  add(r, "</style></head>\n<body>\n<header><h1>");
  txt(r, M(r, M_TITLE));
  add(r, "</h1><p class=\"meta\">");
  if (r->o->case_name) {
    txt(r, M(r, M_CASE));
    add(r, ": <span class=\"mono\">");
    txt(r, r->o->case_name);
    add(r, "</span> · ");
  }
  if (r->o->generated != ASH_TIME_UNSET) {
    char w[48];
    when(r, r->o->generated, w);
    txt(r, M(r, M_GENERATED));
    add(r, ": ");
    txt(r, w);
    add(r, " · ");
  }
  txt(r, M(r, M_ZONE));
  add(r, ": ");
  txt(r, r->o->tz ? ash_tz_name(r->o->tz) : "UTC");
  add(r, "</p>\n<nav><strong>");
  txt(r, M(r, M_TOC));
  add(r, "</strong><ol>");
  static const ash_msg secs[] = {M_S1, M_S2, M_S3, M_S4, M_S5, M_S6};
  for (int i = 0; i < 6; i++) {
    addf(r, "<li><a href=\"#s%d\">", i + 1);
    /* "1. What happened" -> "What happened": the list numbers it */
    const char *t = M(r, secs[i]);
    txt(r, t + 3);
    add(r, "</a></li>");
  }
  add(r, "</ol></nav></header>\n");
}

/* ---- 1. what happened ---- */

static story *story_new(rep *r, int64_t ts, size_t fi) {
  story *v = ash_array_room(r->sto, &r->capsto, r->nsto, sizeof *v, 16);
  if (!v) {
    r->rc = ASH_ENOMEM;
    return NULL;
  }
  r->sto = v;
  story *s = &r->sto[r->nsto++];
  s->ts = ts;
  s->finding = fi;
  s->num = 0;
  ash_buf_init(&s->html, 1u << 20);
  return s;
}

/* "a, b, c" of a set from index from, at most max items ("…" after). */
static void join(const ash_strset *s, size_t from, size_t max, char *out, size_t n) {
  size_t k = 0;
  out[0] = 0;
  for (size_t i = from; i < s->n && k < max; i++, k++) {
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", k ? ", " : "", s->v[i]);
  }
  if (s->n > from + max) {
    size_t l = strlen(out);
    snprintf(out + l, n - l, ", …");
  }
}

static int is_private_text(const char *ip) {
  ash_ip a;
  if (ash_ip_parse(ash_str_cstr(ip), &a)) return 0;
  return ash_ip_is_private(&a) || ash_ip_is_loopback(&a);
}

/* The host a finding is about: its first host name, else its first
 * internal address (a flow hunt on a firewall log knows only addresses). */
static const char *host_of(const ash_finding *f) {
  if (f->hosts.n) return f->hosts.v[0];
  for (size_t k = 0; k < f->ips.n; k++)
    if (is_private_text(f->ips.v[k])) return f->ips.v[k];
  return "?";
}

static void dur_text(int64_t s, char out[32]) {
  if (s >= 86400)
    snprintf(out, 32, "%" PRId64 "d%02" PRId64 "h", s / 86400, s % 86400 / 3600);
  else if (s >= 3600)
    snprintf(out, 32, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
  else if (s >= 60)
    snprintf(out, 32, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
  else
    snprintf(out, 32, "%" PRId64 "s", s);
}

/* The sentences of section 1, from the findings' fields and details: the
 * hunts' own facts in the catalogue's words, so that they read the same in
 * both languages. Only findings rated high or critical tell the story
 * (the project's one severity scale: a hunt rates high what it takes for
 * an intrusion); when none is, the five best stand in for them. */
static void build_story(rep *r) {
  size_t top = 0;
  for (size_t i = 0; i < r->nf; i++)
    if (r->f[i].severity >= ASH_SEV_HIGH) top++;
  int fallback = top == 0;
  char a[4][1024];
  /* Sigma matches come in dozens (one per rule and host): one sentence
   * per rule, listing its hosts */
  char *done = calloc(r->nf ? r->nf : 1, 1);
  if (!done) {
    r->rc = ASH_ENOMEM;
    return;
  }
  for (size_t i = 0; i < r->nf && !r->rc; i++) {
    const ash_finding *f = &r->f[i];
    json_t *d = r->det[i];
    if (done[i]) continue;
    if (fallback ? i >= 5 : f->severity < ASH_SEV_HIGH) continue;
    const char *h = f->hunt ? f->hunt : "";
    const char *host = host_of(f);
    const char *who = f->accounts.n ? f->accounts.v[0] : "?";
    const char *args[4] = {a[0], a[1], a[2], a[3]};
    if (!strcmp(h, "past-incident-link")) {
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      const char *vpn = "?";
      for (size_t k = 0; k < f->ips.n; k++)
        if (!is_private_text(f->ips.v[k])) {
          vpn = f->ips.v[k];
          break;
        }
      snprintf(a[0], sizeof a[0], "%s", host);
      snprintf(a[1], sizeof a[1], "%s", f->files.n ? f->files.v[0] : "?");
      snprintf(a[2], sizeof a[2], "%s", who);
      snprintf(a[3], sizeof a[3], "%s", vpn);
      r->rc = say_to(r->L, &s->html, M_STORY_LINK, 4, args);
      /* the account's return: new VPN addresses (the public ones after the
       * first) and the hosts it reached later */
      if (json_integer_value(json_object_get(d, "returned_new")) > 0 && !r->rc) {
        /* the hunt dates the finding from the detection to the account's
         * first return (its last_seen) */
        int64_t back = f->last_seen;
        story *s2 = story_new(r, back, i);
        if (!s2) break;
        a[1][0] = 0;
        int seen = 0;
        for (size_t k = 0; k < f->ips.n; k++) {
          if (is_private_text(f->ips.v[k]) || !strcmp(f->ips.v[k], vpn)) continue;
          size_t l = strlen(a[1]);
          snprintf(a[1] + l, sizeof a[1] - l, "%s%s", seen++ ? ", " : "", f->ips.v[k]);
        }
        snprintf(a[0], sizeof a[0], "%s", who);
        join(&f->hosts, 1, 6, a[2], sizeof a[2]);
        if (!a[2][0]) snprintf(a[2], sizeof a[2], "%s", host);
        r->rc = say_to(r->L, &s2->html, M_STORY_RETURN, 3, args);
      }
    } else if (!strcmp(h, "account-use")) {
      /* account_use.c: the account first, each session's outside source
       * and tunnel address, the hosts its sessions reached */
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      snprintf(a[0], sizeof a[0], "%s", who);
      snprintf(a[1], sizeof a[1], "%" PRId64,
               (int64_t)json_integer_value(json_object_get(d, "new_sources")));
      a[2][0] = 0;
      int seen = 0;
      for (size_t k = 0; k < f->ips.n && seen < 8; k++) {
        if (is_private_text(f->ips.v[k])) continue;
        size_t l = strlen(a[2]);
        snprintf(a[2] + l, sizeof a[2] - l, "%s%s", seen++ ? ", " : "", f->ips.v[k]);
      }
      join(&f->hosts, 0, 6, a[3], sizeof a[3]);
      if (!a[3][0]) snprintf(a[3], sizeof a[3], "?");
      r->rc = say_to(r->L, &s->html, M_STORY_ACCOUNT, 4, args);
    } else if (!strcmp(h, "credential-hop") && f->accounts.n >= 2 && f->hosts.n >= 2) {
      /* account_use.c: accounts are the admin, then the session's account;
       * hosts the jump host, then the targets */
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      snprintf(a[0], sizeof a[0], "%s", f->accounts.v[0]);
      snprintf(a[1], sizeof a[1], "%s", f->hosts.v[0]);
      snprintf(a[2], sizeof a[2], "%s", f->accounts.v[1]);
      join(&f->hosts, 1, 6, a[3], sizeof a[3]);
      r->rc = say_to(r->L, &s->html, M_STORY_HOP, 4, args);
    } else if (!strcmp(h, "cloud-tunnel")) {
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      const char *relay = "?";
      for (size_t k = 0; k < f->ips.n; k++)
        if (!is_private_text(f->ips.v[k])) relay = f->ips.v[k];
      snprintf(a[0], sizeof a[0], "%s", host);
      snprintf(a[1], sizeof a[1], "%s", relay);
      snprintf(a[2], sizeof a[2], "%s %s %s", jstr(d, "provider"), jstr(d, "service"),
               jstr(d, "region"));
      snprintf(a[3], sizeof a[3], "%" PRId64,
               (int64_t)json_integer_value(json_object_get(d, "days_active")));
      r->rc = say_to(r->L, &s->html, M_STORY_TUNNEL, 4, args);
    } else if (!strcmp(h, "loopback-rdp")) {
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      snprintf(a[0], sizeof a[0], "%s", host);
      join(&f->accounts, 0, 6, a[1], sizeof a[1]);
      int known = loop_program(f, d, a[2], sizeof a[2]);
      r->rc =
          say_to(r->L, &s->html, known ? M_STORY_LOOP : M_STORY_LOOP_NOPROG, known ? 3 : 2, args);
    } else if (!strcmp(h, "beacon")) {
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      const char *dst = "?";
      for (size_t k = 0; k < f->ips.n; k++)
        if (!is_private_text(f->ips.v[k])) dst = f->ips.v[k];
      snprintf(a[0], sizeof a[0], "%s", host);
      snprintf(a[1], sizeof a[1], "%s", dst);
      char dt[32];
      dur_text((int64_t)json_integer_value(json_object_get(d, "interval_s")), dt);
      snprintf(a[2], sizeof a[2], "%s", dt);
      r->rc = say_to(r->L, &s->html, M_STORY_BEACON, 3, args);
    } else if ((!strcmp(h, "lolbin") || !strcmp(h, "sigma")) && *jstr(d, "rule_title")) {
      const char *rule = jstr(d, "rule_title");
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      ash_strset hs = {0};
      uint64_t nh = 0;
      for (size_t k = i; k < r->nf; k++) {
        if (done[k] || !r->f[k].hunt || strcmp(r->f[k].hunt, h)) continue;
        /* one sentence per incident: section 1 tells each intrusion apart */
        if (strcmp(r->f[k].incident, f->incident)) continue;
        if (fallback ? k >= 5 : r->f[k].severity < ASH_SEV_HIGH) continue;
        if (strcmp(jstr(r->det[k], "rule_title"), rule)) continue;
        done[k] = 1;
        if (r->f[k].first_seen < s->ts) s->ts = r->f[k].first_seen;
        for (size_t m = 0; m < r->f[k].hosts.n; m++) {
          int dup = 0;
          for (size_t q = 0; q < hs.n; q++) dup |= !strcmp(hs.v[q], r->f[k].hosts.v[m]);
          if (dup) continue;
          char **nv = realloc(hs.v, (hs.n + 1) * sizeof *nv);
          if (!nv) break;
          hs.v = nv;
          hs.v[hs.n++] = r->f[k].hosts.v[m]; /* borrowed */
        }
      }
      nh = hs.n;
      snprintf(a[0], sizeof a[0], "%s", rule);
      snprintf(a[1], sizeof a[1], "%" PRIu64, nh);
      join(&hs, 0, 8, a[2], sizeof a[2]);
      free(hs.v);
      r->rc = say_to(r->L, &s->html, nh == 1 ? M_STORY_SIGMA1 : M_STORY_SIGMA, 3, args);
    } else if (!strcmp(h, "implant")) {
      /* one sentence for every flagged binary: they are copies and
       * variants of one tool, and a list of twenty lines hides the story */
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      ash_strset fs = {0}, hs = {0};
      size_t nfiles = 0;
      for (size_t k = i; k < r->nf; k++) {
        if (done[k] || !r->f[k].hunt || strcmp(r->f[k].hunt, h)) continue;
        /* one sentence per incident: section 1 tells each intrusion apart */
        if (strcmp(r->f[k].incident, f->incident)) continue;
        if (fallback ? k >= 5 : r->f[k].severity < ASH_SEV_HIGH) continue;
        done[k] = 1;
        nfiles++;
        if (r->f[k].first_seen < s->ts) s->ts = r->f[k].first_seen;
        for (int w2 = 0; w2 < 2; w2++) {
          const ash_strset *from = w2 ? &r->f[k].hosts : &r->f[k].files;
          ash_strset *to = w2 ? &hs : &fs;
          for (size_t m = 0; m < from->n; m++) {
            /* the file's name, not its folder: the names are what recur */
            const char *nm = from->v[m], *sl = strrchr(nm, '\\');
            if (!w2 && (sl || (sl = strrchr(nm, '/')))) nm = sl + 1;
            int dup = 0;
            for (size_t q = 0; q < to->n; q++) dup |= !strcmp(to->v[q], nm);
            if (dup) continue;
            char **nv = realloc(to->v, (to->n + 1) * sizeof *nv);
            if (!nv) break;
            to->v = nv;
            to->v[to->n++] = (char *)nm; /* borrowed */
          }
        }
      }
      join(&fs, 0, 8, a[0], sizeof a[0]);
      snprintf(a[1], sizeof a[1], "%zu", nfiles);
      join(&hs, 0, 8, a[2], sizeof a[2]);
      if (!a[2][0]) snprintf(a[2], sizeof a[2], "?");
      free(fs.v);
      free(hs.v);
      r->rc = say_to(r->L, &s->html, M_STORY_IMPLANT, 3, args);
    } else {
      story *s = story_new(r, f->first_seen, i);
      if (!s) break;
      snprintf(a[0], sizeof a[0], "%s", h);
      snprintf(a[1], sizeof a[1], "%s", ftitle(r, i));
      r->rc = say_to(r->L, &s->html, M_STORY_OTHER, 2, args);
    }
  }
  free(done);
}

static int cmp_story(const void *a, const void *b) {
  const story *x = a, *y = b;
  if (x->ts != y->ts) {
    if (x->ts == ASH_TIME_UNSET) return 1;
    if (y->ts == ASH_TIME_UNSET) return -1;
    return x->ts < y->ts ? -1 : 1;
  }
  return x->finding < y->finding ? -1 : x->finding > y->finding;
}

static void section_story(rep *r) {
  add(r, "<section id=\"s1\"><h2>");
  txt(r, M(r, M_S1));
  add(r, "</h2>\n");
  if (!r->nf) {
    add(r, "<p>");
    say0(r, M_NOFINDINGS);
    add(r, "</p></section>\n");
    return;
  }
  uint64_t by[4] = {0};
  for (size_t i = 0; i < r->nf; i++) by[(unsigned)r->f[i].severity < 4 ? r->f[i].severity : 0]++;
  char n[5][24];
  u64s(r->nf, n[0]);
  u64s(by[ASH_SEV_CRITICAL], n[1]);
  u64s(by[ASH_SEV_HIGH], n[2]);
  u64s(by[ASH_SEV_MEDIUM], n[3]);
  u64s(by[ASH_SEV_LOW], n[4]);
  const char *ov[] = {n[0], n[1], n[2], n[3], n[4]};
  add(r, "<p>");
  say(r, M_OVERVIEW, 5, ov);
  if (r->t0 != ASH_TIME_UNSET) {
    char w0[48], w1[48];
    when(r, r->t0, w0);
    when(r, r->t1, w1);
    const char *sp[] = {w0, w1};
    gap(r);
    say(r, M_SPAN, 2, sp);
  }
  add(r, "</p>\n<p>");
  say0(r, M_STORY_INTRO);
  add(r, "</p>\n");
  if (r->nsto) qsort(r->sto, r->nsto, sizeof *r->sto, cmp_story);
  /* One intrusion at a time (the hunts' incidents, finding.h): its
   * sentences in time order, which is the story's order (the tool
   * quarantined months before, the account that put it there, its
   * returns, the movement between hosts, the tunnel host, the impact);
   * incidents in the order of their first sentence; then the high
   * findings that no incident took. */
  char **inc = calloc(r->nsto + 1, sizeof *inc);
  size_t ninc = 0;
  if (!inc) r->rc = ASH_ENOMEM;
  for (size_t i = 0; i < r->nsto && !r->rc; i++) {
    char *id = r->f[r->sto[i].finding].incident;
    if (!id[0]) continue;
    size_t j = 0;
    while (j < ninc && strcmp(inc[j], id)) j++;
    if (j == ninc) inc[ninc++] = id;
  }
  int num = 0;
  for (size_t g = 0; g <= ninc && !r->rc; g++) {
    const char *id = g < ninc ? inc[g] : "";
    size_t nst = 0;
    for (size_t i = 0; i < r->nsto; i++) nst += !strcmp(r->f[r->sto[i].finding].incident, id);
    if (!nst) continue;
    if (g < ninc) {
      uint64_t nfi = 0;
      int64_t first = ASH_TIME_UNSET, last = ASH_TIME_UNSET;
      for (size_t i = 0; i < r->nf; i++) {
        const ash_finding *f = &r->f[i];
        if (strcmp(f->incident, id)) continue;
        nfi++;
        if (f->first_seen != ASH_TIME_UNSET && (first == ASH_TIME_UNSET || f->first_seen < first))
          first = f->first_seen;
        int64_t l = f->last_seen != ASH_TIME_UNSET ? f->last_seen : f->first_seen;
        if (l != ASH_TIME_UNSET && (last == ASH_TIME_UNSET || l > last)) last = l;
      }
      char nn[24], w0[48], w1[48];
      u64s(nfi, nn);
      when(r, first, w0);
      when(r, last, w1);
      const char *ia[] = {id, nn, w0, w1};
      addf(r, "<h3 class=\"incident\" id=\"i%zu\" data-incident=\"", g + 1);
      attr(r, id);
      add(r, "\">");
      say(r, M_INCIDENT, 4, ia);
      add(r, "</h3>\n");
    } else if (ninc) {
      add(r, "<h3 class=\"incident\" id=\"i0\">");
      txt(r, M(r, M_UNLINKED));
      add(r, "</h3>\n");
    }
    addf(r, "<ol class=\"story\" start=\"%d\">\n", num + 1);
    for (size_t i = 0; i < r->nsto && !r->rc; i++) {
      story *s = &r->sto[i];
      if (strcmp(r->f[s->finding].incident, id)) continue;
      s->num = ++num;
      char w[48], fn[24];
      when(r, s->ts, w);
      addf(r, "<li id=\"w%d\"><span class=\"t\">", s->num);
      txt(r, w);
      addf(r, "</span> <span class=\"sev %s\">", ash_severity_name(r->f[s->finding].severity));
      txt(r, sev_name(r, r->f[s->finding].severity));
      add(r, "</span>");
      if (!r->rc) r->rc = ash_buf_add(r->out, s->html.p ? s->html.p : "", s->html.n);
      addf(r, " (<a href=\"#f%zu\">", s->finding + 1);
      u64s(s->finding + 1, fn);
      const char *fa[] = {fn};
      say(r, M_SEE, 1, fa);
      add(r, "</a>)</li>\n");
    }
    add(r, "</ol>\n");
  }
  free(inc);
  uint64_t rest = by[ASH_SEV_MEDIUM] + by[ASH_SEV_LOW];
  if (rest && (by[ASH_SEV_HIGH] || by[ASH_SEV_CRITICAL])) {
    char rn[24];
    u64s(rest, rn);
    const char *ra[] = {rn};
    add(r, "<p class=\"note\">");
    say(r, M_STORY_REST, 1, ra);
    add(r, "</p>\n");
  }
  add(r, "</section>\n");
}

/* ---- 2. timeline ---- */

#define TL_W 1000
#define TL_X0 132
#define TL_X1 988
#define AXIS_GAP 56 /* units between two labels of the axis ("2025-03" is about 45) */
#define TL_LANE 24
#define TL_GAP 6

static double xof(rep *r, int64_t t) {
  double span = (double)(r->t1 - r->t0);
  if (span <= 0) span = 1;
  double x = TL_X0 + (double)(t - r->t0) / span * (TL_X1 - TL_X0);
  return x < TL_X0 ? TL_X0 : x > TL_X1 ? TL_X1 : x;
}

static void section_timeline(rep *r) {
  add(r, "<section id=\"s2\"><h2>");
  txt(r, M(r, M_S2));
  add(r, "</h2>\n");
  if (r->t0 == ASH_TIME_UNSET || r->t1 <= r->t0) {
    add(r, "<p>");
    say0(r, M_TL_NONE);
    add(r, "</p></section>\n");
    return;
  }
  int64_t span = r->t1 - r->t0 + 1, bw = (span + NBUCKETS - 1) / NBUCKETS;
  uint32_t cnt[NLANES][NBUCKETS];
  memset(cnt, 0, sizeof cnt);
  int used[NLANES] = {0};
  /* every kind's events per cell, at most TL_CAP a cell (the shade is
   * full there, and the sum of a lane's kinds capped is what the capped
   * sum was); one store call (ash_store_event_cells: on SQLite a small
   * kind read once and a big one walked at most TL_CAP rows a cell,
   * bounded whatever the size of the case; on ClickHouse one request) */
  uint32_t(*cells)[NBUCKETS] = calloc(NKINDS, sizeof *cells);
  int rc =
      cells ? ash_store_event_cells(r->st, KINDS, NKINDS, r->t0, bw, NBUCKETS, TL_CAP, &cells[0][0])
            : ASH_ENOMEM;
  r->stats.queries++;
  if (rc) r->rc = rc;
  for (size_t k = 0; !rc && k < NKINDS; k++) {
    size_t l = lane_of(KINDS[k]);
    for (int b = 0; b < NBUCKETS; b++) {
      cnt[l][b] += cells[k][b];
      if (cells[k][b]) used[l] = 1;
    }
  }
  free(cells);
  for (size_t i = 0; i < r->nf; i++)
    for (size_t k = 0; k < r->f[i].nevidence; k++)
      if (r->f[i].severity >= ASH_SEV_HIGH && r->f[i].evidence[k].ts >= r->t0 &&
          r->f[i].evidence[k].ts <= r->t1)
        used[lane_of(r->f[i].evidence[k].kind)] = 1;
  int nl = 0, row[NLANES];
  for (size_t l = 0; l < NLANES; l++) row[l] = used[l] || l < 4 ? nl++ : -1;
  int y_find = 28 + nl * (TL_LANE + TL_GAP);
  int H = y_find + 48;
  addf(r, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", TL_W, H);
  attr(r, M(r, M_S2));
  add(r, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
  /* axis: ticks at local midnights (months for long cases, weeks or days
   * for short ones), placed with the zone's offset at that time. Months
   * are labelled every 1, 2, 3, 6 or 12 months, or every 2, 5 or 10 years,
   * the first step that leaves AXIS_GAP units between labels: each month
   * of a case of eleven years (../shared/data/evtx: 2013 to 2024) was
   * 6.5 units wide, and its 130 labels ran into one black band. */
  int64_t step_days = span > 120 * ASH_DAY ? 0 : span > 21 * ASH_DAY ? 7 : 1;
  static const int MONTH_STEPS[] = {1, 2, 3, 6, 12, 24, 60, 120};
  int mstep = 1;
  if (!step_days) {
    double per_month = (TL_X1 - TL_X0) / ((double)span / (30.44 * ASH_DAY));
    for (size_t i = 0; i < sizeof MONTH_STEPS / sizeof *MONTH_STEPS; i++) {
      mstep = MONTH_STEPS[i];
      if (mstep * per_month >= AXIS_GAP) break;
    }
  }
  int64_t off0 = (int64_t)ash_tz_offset_at(r->o->tz, r->t0) * ASH_SEC;
  int64_t local0 = r->t0 + off0;
  int64_t d0 = local0 / ASH_DAY - (local0 < 0 && local0 % ASH_DAY);
  int ticks = 0;
  for (int64_t dd = d0; ticks < 400; dd++) {
    int64_t lt = dd * ASH_DAY, t = lt - (int64_t)ash_tz_offset_at(r->o->tz, lt) * ASH_SEC;
    if (t > r->t1) break;
    if (t < r->t0) continue;
    char w[48];
    day(r, t, w); /* YYYY-MM-DD, local */
    int mday = atoi(w + 8);
    int month = atoi(w) * 12 + atoi(w + 5) - 1; /* months since year 0 */
    int take = step_days == 0   ? mday == 1 && month % mstep == 0
               : step_days == 7 ? (dd + 3) % 7 == 0
                                : 1;
    if (!take) continue;
    ticks++;
    double x = xof(r, t);
    addf(r, "<line class=\"axis\" x1=\"%.1f\" y1=\"18\" x2=\"%.1f\" y2=\"%d\"/>", x, x, y_find - 2);
    addf(r, "<text x=\"%.1f\" y=\"13\" text-anchor=\"middle\">", x);
    if (step_days == 0) w[mstep >= 12 ? 4 : 7] = 0; /* YYYY-MM, or YYYY */
    txt(r, step_days == 0 ? w : w + 5);
    add(r, "</text>\n");
  }
  for (size_t l = 0; l < NLANES; l++) {
    if (row[l] < 0) continue;
    int y = 24 + row[l] * (TL_LANE + TL_GAP);
    addf(r, "<text x=\"4\" y=\"%d\">", y + 16);
    txt(r, M(r, LANES[l].label));
    add(r, "</text>");
    addf(r, "<rect class=\"lane\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", TL_X0, y,
         TL_X1 - TL_X0, TL_LANE);
    double cw = (double)(TL_X1 - TL_X0) / NBUCKETS;
    for (int b = 0; b < NBUCKETS; b++) {
      if (!cnt[l][b]) continue;
      /* log shade: one event is visible, TL_CAP or more is full */
      double c = cnt[l][b] > TL_CAP ? TL_CAP : cnt[l][b];
      double op = 0.15 + 0.85 * log1p(c) / log1p(TL_CAP);
      addf(r,
           "<rect class=\"cell\" x=\"%.1f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
           "fill-opacity=\"%.2f\"/>",
           TL_X0 + b * cw, y + 2, cw + 0.3, TL_LANE - 4, op);
    }
    add(r, "\n");
  }
  /* the evidence of high and critical findings, in the lane of its kind */
  for (size_t i = 0; i < r->nf && !r->rc; i++) {
    const ash_finding *f = &r->f[i];
    if (f->severity < ASH_SEV_HIGH) continue;
    const char *cls = f->severity == ASH_SEV_CRITICAL ? "crit" : "high";
    addf(r, "<a href=\"#f%zu\"><title>#%zu ", i + 1, i + 1);
    txt(r, ftitle(r, i));
    add(r, "</title>");
    double lastx = -10;
    for (size_t k = 0; k < f->nevidence; k++) {
      const ash_evidence *e = &f->evidence[k];
      /* a scanned file's time (its mtime) may lie outside the logs' span:
       * it is in section 3, not clamped onto the axis */
      if (e->ts == ASH_TIME_UNSET || e->ts < r->t0 || e->ts > r->t1) continue;
      double x = xof(r, e->ts);
      if (x - lastx < 2) continue; /* one mark per 2 px is as much as an eye sees */
      lastx = x;
      int l = row[lane_of(e->kind)];
      if (l < 0) continue;
      int y = 24 + l * (TL_LANE + TL_GAP);
      addf(r, "<rect class=\"mk %s\" x=\"%.1f\" y=\"%d\" width=\"3\" height=\"%d\"/>", cls, x - 1,
           y, TL_LANE);
    }
    add(r, "</a>\n");
  }
  /* the items of section 1, numbered: items closer than a marker's width
   * share one marker ("12-18"), and neighbouring markers alternate rows,
   * so that no label covers another */
  addf(r, "<text x=\"4\" y=\"%d\">", y_find + 14);
  txt(r, M(r, M_LANE_FINDINGS));
  add(r, "</text>");
  double prev_end = -100;
  int alt = 0;
  for (size_t i = 0; i < r->nsto && !r->rc;) {
    story *s = &r->sto[i];
    if (s->ts == ASH_TIME_UNSET || s->ts < r->t0 || s->ts > r->t1) {
      i++;
      continue;
    }
    double x = xof(r, s->ts);
    size_t j = i + 1;
    while (j < r->nsto && r->sto[j].ts != ASH_TIME_UNSET && r->sto[j].ts <= r->t1 &&
           xof(r, r->sto[j].ts) - x < 24)
      j++;
    int crit = 0;
    for (size_t k = i; k < j; k++) crit |= r->f[r->sto[k].finding].severity == ASH_SEV_CRITICAL;
    /* section 1 numbers its sentences incident by incident, so marks
     * close in time may not be consecutive: the numbers as runs ("3–10,
     * 18"), or the smallest and how many more ("3+8") when that is long */
    int nums[64], nn = 0;
    for (size_t k = i; k < j && nn < 64; k++) {
      int v = r->sto[k].num, q = nn++;
      for (; q > 0 && nums[q - 1] > v; q--) nums[q] = nums[q - 1];
      nums[q] = v;
    }
    char label[64];
    size_t ll = 0;
    label[0] = 0;
    for (int q = 0; q < nn && ll < sizeof label;) {
      int e = q;
      while (e + 1 < nn && nums[e + 1] == nums[e] + 1) e++;
      int wr =
          e > q ? snprintf(label + ll, sizeof label - ll, "%s%d–%d", q ? "," : "", nums[q], nums[e])
                : snprintf(label + ll, sizeof label - ll, "%s%d", q ? "," : "", nums[q]);
      ll += wr > 0 ? (size_t)wr : 0;
      q = e + 1;
    }
    size_t glyphs = 0; /* the en dash is 3 bytes and one glyph */
    for (const char *c = label; *c; c++) glyphs += ((unsigned char)*c & 0xC0) != 0x80;
    if (glyphs > 9 || (size_t)nn < j - i) {
      snprintf(label, sizeof label, "%d+%zu", nums[0], j - i - 1);
      glyphs = strlen(label);
    }
    int lo = nums[0];
    double w = 10 + 6.5 * (double)glyphs;
    if (w < 16) w = 16;
    /* a label near either end of the axis is moved inside the picture
     * (it pointed past the right edge and was cut at "13–18,2"); its
     * link and title still say which marks it stands for */
    double lmin = xof(r, r->t0);
    if (x + w / 2 > TL_W - 1) x = TL_W - 1 - w / 2;
    if (x - w / 2 < lmin) x = lmin + w / 2;
    alt = x - w / 2 < prev_end + 2 ? !alt : 0;
    prev_end = x + w / 2;
    int y = y_find + 4 + alt * 20;
    addf(r, "<a href=\"#w%d\"><title>", lo);
    char w0[48];
    when(r, s->ts, w0);
    txt(r, w0);
    add(r, "</title>");
    addf(r, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"8\"/>",
         crit ? "crit" : "high", x - w / 2, y, w);
    addf(r, "<text class=\"sto-t\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, y + 12);
    txt(r, label);
    add(r, "</text></a>\n");
    i = j;
  }
  add(r, "</svg>\n<p class=\"note\">");
  char bws[32], cap[24];
  dur_text(bw / ASH_SEC, bws);
  snprintf(cap, sizeof cap, "%d", TL_CAP);
  const char *la[] = {bws, cap};
  say(r, M_TL_LEGEND, 2, la);
  add(r, "</p></section>\n");
}

/* ---- 3. findings ---- */

static int attack_ok(const char *t) {
  /* T1234 or T1234.123: anything else is shown as text, without a URL */
  if (!t || t[0] != 'T') return 0;
  for (int i = 1; i <= 4; i++)
    if (!isdigit((unsigned char)t[i])) return 0;
  if (!t[5]) return 1;
  if (t[5] != '.') return 0;
  for (int i = 6; i <= 8; i++)
    if (!isdigit((unsigned char)t[i])) return 0;
  return !t[9];
}

static void set_dd(rep *r, ash_msg label, const ash_strset *s) {
  if (!s->n) return;
  add(r, "<dt>");
  txt(r, M(r, label));
  add(r, "</dt><dd>");
  for (size_t i = 0; i < s->n && i < 40; i++) {
    if (i) add(r, ", ");
    add(r, "<span class=\"mono\">");
    txt(r, s->v[i]);
    add(r, "</span>");
  }
  if (s->n > 40) addf(r, ", … (%zu)", s->n);
  add(r, "</dd>");
}

/* Quote one evidence item: read back from its file through raw.h's check
 * and shown exactly (escaped, never altered); when the check fails, the
 * failure is shown and no text. */
#define EV_SHOW_MAX 4096
/* findings shown whole; the rest are one row each (section_findings) */
#define MAX_ARTICLES 400
static void evidence_item(rep *r, const ash_evidence *e, ash_buf *line) {
  char w[48];
  when(r, e->ts, w);
  add(r, "<li><div class=\"evh\">");
  txt(r, w);
  add(r, " · <span class=\"mono\">");
  txt(r, e->kind ? e->kind : "");
  add(r, "</span>");
  int state = 0; /* 0 quoted, 1 changed, 2 missing, 3 no source, 4 unreadable */
  const char *why = "";
  int err = 0;
  if (e->source_path && e->ref_kind != ASH_REF_NONE) {
    char n[24];
    u64s(e->ref, n);
    const char *a[] = {n};
    add(r, "<br>");
    txt(r, M(r, M_FILE));
    add(r, " <span class=\"mono\">");
    txt(r, e->source_path);
    add(r, "</span> · ");
    say(r, e->ref_kind == ASH_REF_RECORD ? M_RECORD : M_OFFSET, 1, a);
    const src *s = src_of(r, e->source_path);
    if (!s) {
      /* not a log of the case (a scanned binary's match): there is no
       * ingested identity to check, only the scan's own record */
      state = 3;
    } else {
      int rc = ash_raw_get(r->raw, &s->in, e->ref, e->ref_kind == ASH_REF_RECORD, line);
      if (rc == ASH_ECHANGED) {
        state = 1;
        if (ash_raw_check(r->raw, &s->in, &why) != ASH_ECHANGED || !why) why = "size";
      } else if (rc == ASH_ENOTFOUND) {
        state = 2;
      } else if (rc == ASH_ENOMEM) {
        r->rc = rc;
        return;
      } else if (rc) {
        state = 4;
        err = rc;
      }
    }
  } else {
    state = 3;
  }
  add(r, "</div>");
  if (state == 1 || state == 2) {
    const char *a[] = {why};
    add(r, "<p class=\"bad\">");
    say(r, state == 1 ? M_CHANGED : M_MISSING, 1, a);
    add(r, "</p></li>\n");
    r->stats.evidence_withheld++;
    return;
  }
  const char *p = state == 0 ? line->p : e->text;
  size_t n = state == 0 ? line->n : e->text ? strlen(e->text) : 0;
  if (!p) p = "", n = 0;
  /* a line quoted by a hunt whose file had changed starts with raw.h's
   * note: it is the stored event, not the file's text; say so plainly */
  if (state != 0 && !strncmp(p, ASH_RAW_CHANGED_NOTE, strlen(ASH_RAW_CHANGED_NOTE))) {
    add(r, "<p class=\"bad\">");
    const char *a[] = {"SHA-256"};
    say(r, M_CHANGED, 1, a);
    add(r, "</p></li>\n");
    r->stats.evidence_withheld++;
    return;
  }
  size_t show = n > EV_SHOW_MAX ? EV_SHOW_MAX : n;
  while (show < n && show && ((uint8_t)p[show] & 0xc0) == 0x80) show--;
  add(r, "<pre>");
  if (!r->rc) r->rc = ash_html_text(r->out, p, show, 0);
  add(r, "</pre><div class=\"evh\">");
  if (state == 0) {
    add(r, "<span class=\"ok\">✓ ");
    txt(r, M(r, M_VERIFIED));
    add(r, "</span>");
    r->stats.evidence_quoted++;
  } else if (state == 3) {
    txt(r, M(r, M_NOSOURCE));
  } else {
    const char *a[] = {ash_strerror(err)};
    say(r, M_UNREADABLE, 1, a);
  }
  if (show < n) {
    char s1[24], s2[24];
    u64s(show, s1);
    u64s(n, s2);
    const char *a[] = {s1, s2};
    add(r, " · ");
    say(r, M_CUT, 2, a);
  }
  add(r, "</div></li>\n");
  r->ev_bytes += show;
}

/* One sentence for finding i in the report's language, from the same
 * catalogue as section 1 (the title is the hunt's, in English). Every
 * hunt has one; a hunt this version does not know is named. A cloud-tunnel
 * finding below high gets the neutral sentence: the hunt itself does not
 * call it a tunnel. */
static int finding_sentence(rep *r, size_t i, ash_buf *b) {
  const ash_finding *f = &r->f[i];
  json_t *d = r->det[i];
  const char *h = f->hunt ? f->hunt : "";
  const char *host = host_of(f);
  char a[4][1024];
  const char *args[4] = {a[0], a[1], a[2], a[3]};
  const char *pub = "?";
  for (size_t k = 0; k < f->ips.n; k++)
    if (!is_private_text(f->ips.v[k])) pub = f->ips.v[k];
  snprintf(a[0], sizeof a[0], "%s", host);
  snprintf(a[1], sizeof a[1], "%s", pub);
  ash_msg m;
  int n = 3;
  if (!strcmp(h, "cloud-tunnel")) {
    snprintf(a[2], sizeof a[2], "%s %s %s", jstr(d, "provider"), jstr(d, "service"),
             jstr(d, "region"));
    snprintf(a[3], sizeof a[3], "%" PRId64,
             (int64_t)json_integer_value(json_object_get(d, "days_active")));
    m = f->severity >= ASH_SEV_HIGH ? M_STORY_TUNNEL : M_HEAD_SESSIONS;
    n = 4;
  } else if (!strcmp(h, "beacon") && !strcmp(jstr(d, "kind"), "long-connection")) {
    dur_text((int64_t)json_integer_value(json_object_get(d, "connected_s")), a[2]);
    m = M_HEAD_LONGCONN;
  } else if (!strcmp(h, "beacon")) {
    dur_text((int64_t)json_integer_value(json_object_get(d, "interval_s")), a[2]);
    m = M_STORY_BEACON;
  } else if (!strcmp(h, "loopback-rdp")) {
    join(&f->accounts, 0, 6, a[1], sizeof a[1]);
    m = loop_program(f, d, a[2], sizeof a[2]) ? M_STORY_LOOP : M_STORY_LOOP_NOPROG;
  } else if ((!strcmp(h, "lolbin") || !strcmp(h, "sigma")) && *jstr(d, "rule_title")) {
    snprintf(a[0], sizeof a[0], "%s", jstr(d, "rule_title"));
    snprintf(a[2], sizeof a[2], "%s", host);
    m = M_STORY_SIGMA1;
  } else if (!strcmp(h, "implant") && f->files.n) {
    snprintf(a[0], sizeof a[0], "%s", f->files.v[0]);
    snprintf(a[1], sizeof a[1], "%s", host);
    m = M_HEAD_IMPLANT;
    n = 2;
  } else if (!strcmp(h, "past-incident-link")) {
    const char *vpn = NULL;
    for (size_t k = 0; k < f->ips.n; k++)
      if (!is_private_text(f->ips.v[k])) {
        vpn = f->ips.v[k];
        break;
      }
    snprintf(a[1], sizeof a[1], "%s", f->files.n ? f->files.v[0] : "?");
    snprintf(a[2], sizeof a[2], "%s", f->accounts.n ? f->accounts.v[0] : "?");
    snprintf(a[3], sizeof a[3], "%s", vpn ? vpn : "?");
    /* the story's sentence says the account put the tool there: only where
     * the hunt says so (high or above, through a VPN session); below, the
     * account it weighed, and none when it tied none */
    m = !f->accounts.n                               ? M_HEAD_LINK_NONE
        : f->severity >= ASH_SEV_HIGH && vpn != NULL ? M_STORY_LINK
                                                     : M_HEAD_LINK;
    n = m == M_STORY_LINK ? 4 : m == M_HEAD_LINK ? 3 : 2;
  } else if (!strcmp(h, "account-use")) {
    /* account_use.c: the account first, each session's outside source */
    snprintf(a[0], sizeof a[0], "%s", f->accounts.n ? f->accounts.v[0] : "?");
    a[1][0] = 0;
    int seen = 0;
    for (size_t k = 0; k < f->ips.n && seen < 8; k++) {
      if (is_private_text(f->ips.v[k])) continue;
      size_t l = strlen(a[1]);
      snprintf(a[1] + l, sizeof a[1] - l, "%s%s", seen++ ? ", " : "", f->ips.v[k]);
    }
    if (!a[1][0]) snprintf(a[1], sizeof a[1], "?");
    join(&f->hosts, 0, 6, a[2], sizeof a[2]);
    if (!a[2][0]) snprintf(a[2], sizeof a[2], "?");
    m = M_HEAD_ACCOUNT;
  } else if (!strcmp(h, "credential-hop") && f->accounts.n >= 2 && f->hosts.n >= 2) {
    /* account_use.c: accounts are the admin, then the session's account;
     * hosts the jump host, then the targets */
    snprintf(a[0], sizeof a[0], "%s", f->accounts.v[0]);
    snprintf(a[1], sizeof a[1], "%s", f->hosts.v[0]);
    snprintf(a[2], sizeof a[2], "%s", f->accounts.v[1]);
    join(&f->hosts, 1, 6, a[3], sizeof a[3]);
    m = M_STORY_HOP;
    n = 4;
  } else if (!strcmp(h, "rdp-relay")) {
    const char *prog = jstr(d, "program");
    snprintf(a[1], sizeof a[1], "%s", *prog ? prog : f->files.n ? f->files.v[0] : "?");
    m = M_HEAD_RELAY;
    n = 2;
  } else {
    /* any other hunt (a user's, or one added later): named, not explained */
    snprintf(a[0], sizeof a[0], "%s", h);
    snprintf(a[1], sizeof a[1], "%s", host);
    m = M_HEAD_OTHER;
    n = 2;
  }
  r->rc = say_to(r->L, b, m, n, args);
  return r->rc == ASH_OK;
}

/* What the catalogue's renderer asks the report: another finding's title
 * in the report's language, a time in its zone. */
static const char *title_cb(void *u, const char *id) {
  const rep *r = u;
  for (size_t i = 0; i < r->nf; i++)
    if (!strcmp(r->f[i].id, id)) return ftitle(r, i);
  return NULL;
}

/* "2025-03-02 10:22 UTC" (hunt_fmt_time) or ISO 8601 UTC, as the report's
 * zone shows times (when), to the minute or the second as given. */
static int time_cb(void *u, const char *utc, char out[64]) {
  const rep *r = u;
  /* in UTC, as the hunt wrote it */
  char probe[48];
  when((rep *)r, 0, probe);
  if (!r->o->tz || strstr(probe, "UTC")) return 0;
  char iso[40];
  size_t n = strlen(utc);
  int minute = n == 20 && utc[10] == ' ' && !strcmp(utc + 16, " UTC");
  if (minute)
    snprintf(iso, sizeof iso, "%.10sT%.5s:00Z", utc, utc + 11);
  else if (n >= 20 && n < sizeof iso && utc[10] == 'T' && utc[n - 1] == 'Z')
    snprintf(iso, sizeof iso, "%s", utc);
  else
    return 0;
  int64_t t;
  if (ash_time_parse_iso(ash_str_cstr(iso), &t)) return 0;
  char w[48];
  when((rep *)r, t, w);
  /* when: "YYYY-MM-DD HH:MM:SS ZONE" */
  if (minute)
    snprintf(out, 64, "%.16s%s", w, w + 19);
  else
    snprintf(out, 64, "%s", w);
  return 1;
}

/* The arguments of a piece or reason x (at most 9 strings) into args; -1
 * when they are not that. */
static int args_of(json_t *x, const char *args[9]) {
  json_t *av = json_object_get(x, "args");
  if (!json_is_array(av) || json_array_size(av) > 9) return -1;
  size_t n = json_array_size(av);
  for (size_t k = 0; k < n; k++)
    if (!(args[k] = json_string_value(json_array_get(av, k)))) return -1;
  return (int)n;
}

/* Reason x of a finding's details in lang, from its key, form and args
 * through the hunts' catalogue (hunt.h), into out (NUL-terminated). 0 when
 * it cannot be: a case made by an older version (no "args", or a key this
 * version does not know), whose English text is then shown. */
static int reason_in(rep *r, json_t *x, ash_buf *out) {
  const char *key = json_string_value(json_object_get(x, "reason"));
  const char *args[9];
  int n = args_of(x, args);
  if (!key || n < 0) return 0;
  const char *form = json_string_value(json_object_get(x, "form"));
  char id[160];
  int k = snprintf(id, sizeof id, "%s%s%s", key, form && *form ? "." : "", form ? form : "");
  if (k < 0 || (size_t)k >= sizeof id) return 0;
  ash_msg_ctx cx = {title_cb, time_cb, r};
  ash_buf_reset(out);
  if (ash_msg_render(r->L, id, args, (size_t)n, &cx, out) || ash_buf_addc(out, 0)) return 0;
  return 1;
}

/* The pieces js (a finding's title_msg or summary_msg) of finding i in the
 * report's language, or NULL when any piece cannot be rendered (the hunt's
 * English is shown then). A piece "why..." lists the finding's reasons
 * (details.reasons) with their weights. */
static char *render_pieces(rep *r, size_t i, const char *js) {
  json_t *v = js ? json_loads(js, 0, NULL) : NULL;
  if (!json_is_array(v)) {
    json_decref(v);
    return NULL;
  }
  ash_msg_ctx cx = {title_cb, time_cb, r};
  ash_buf b;
  ash_buf_init(&b, 4 * ASH_MAX_FINDING_TEXT);
  int ok = 1;
  for (size_t k = 0; ok && k < json_array_size(v); k++) {
    json_t *x = json_array_get(v, k);
    const char *id = json_string_value(json_object_get(x, "msg"));
    const char *args[9];
    int n = args_of(x, args);
    if (!id || n < 0) {
      ok = 0;
    } else if (!strncmp(id, "why", 3)) {
      json_t *rs = json_object_get(r->det[i], "reasons");
      size_t nr = json_array_size(rs) < 64 ? json_array_size(rs) : 64, fell = 0;
      ash_msg_reason m[64];
      const char *ra[64][9];
      for (size_t q = 0; q < nr; q++) {
        json_t *y = json_array_get(rs, q);
        int na = args_of(y, ra[q]);
        m[q].weight = (int)json_integer_value(json_object_get(y, "weight"));
        m[q].key = json_string_value(json_object_get(y, "reason"));
        m[q].form = json_string_value(json_object_get(y, "form"));
        m[q].args = ra[q];
        m[q].nargs = na < 0 ? 0 : (size_t)na;
        m[q].text = json_string_value(json_object_get(y, "text"));
        if (na < 0) m[q].key = NULL; /* shown by its text */
      }
      ok = !ash_msg_reasons(r->L, id, args, (size_t)n, m, nr, 0, &cx, &b, &fell) && !fell;
    } else {
      ok = !ash_msg_render(r->L, id, args, (size_t)n, &cx, &b);
    }
  }
  json_decref(v);
  char *out = ok && !ash_buf_addc(&b, 0) ? strdup(b.p) : NULL;
  ash_buf_free(&b);
  return out;
}

/* Every finding's title, then every summary (which may name other
 * findings by their titles). Out of memory is the only error. */
static void render_texts(rep *r) {
  if (!r->nf) return;
  r->tl = calloc(r->nf, sizeof *r->tl);
  r->sm = calloc(r->nf, sizeof *r->sm);
  if (!r->tl || !r->sm) {
    r->rc = ASH_ENOMEM;
    return;
  }
  for (size_t i = 0; i < r->nf; i++) r->tl[i] = render_pieces(r, i, r->f[i].title_msg);
  for (size_t i = 0; i < r->nf; i++) r->sm[i] = render_pieces(r, i, r->f[i].summary_msg);
}

static void finding_article(rep *r, size_t i, ash_buf *line) {
  const ash_finding *f = &r->f[i];
  json_t *d = r->det[i];
  const char *sev = ash_severity_name(f->severity);
  /* the finding's id and hunt as attributes too, for a script or a test
   * that reads the page (values from the case: escaped for an attribute) */
  addf(r, "<article class=\"finding sev-%s\" id=\"f%zu\" data-finding=\"", sev, i + 1);
  attr(r, f->id);
  add(r, "\" data-hunt=\"");
  attr(r, f->hunt);
  addf(r, "\"><h3><span class=\"num\">#%zu</span>", i + 1);
  add(r, "<span class=\"sev\">");
  txt(r, sev_name(r, f->severity));
  add(r, "</span><span class=\"score\">");
  txt(r, M(r, M_SCORE));
  addf(r, " %d</span>", f->score);
  /* the title from the catalogue; else the hunt's English, marked, and a
   * Japanese reader gets the sentence of section 1 */
  int tfell = !r->tl[i];
  add(r, tfell && r->L != ASH_LANG_EN ? "<span class=\"t\" data-fallback=\"en\">"
                                      : "<span class=\"t\">");
  txt(r, ftitle(r, i));
  add(r, "</span></h3>\n");
  if (tfell && r->L != ASH_LANG_EN) {
    ash_buf b;
    ash_buf_init(&b, 1u << 16);
    if (finding_sentence(r, i, &b)) {
      add(r, "<p class=\"head\">");
      if (!r->rc) r->rc = ash_buf_add(r->out, b.p, b.n);
      add(r, "</p>\n");
    }
    ash_buf_free(&b);
  }
  add(r, "<dl class=\"meta\"><dt>");
  txt(r, M(r, M_HUNT));
  add(r, "</dt><dd class=\"mono\">");
  txt(r, f->hunt);
  add(r, " · ");
  txt(r, f->id);
  add(r, "</dd>");
  char w[48];
  if (f->first_seen != ASH_TIME_UNSET) {
    when(r, f->first_seen, w);
    add(r, "<dt>");
    txt(r, M(r, M_FIRST));
    add(r, "</dt><dd>");
    txt(r, w);
    add(r, "</dd>");
    when(r, f->last_seen, w);
    add(r, "<dt>");
    txt(r, M(r, M_LAST));
    add(r, "</dt><dd>");
    txt(r, w);
    add(r, "</dd>");
  }
  set_dd(r, M_ACCOUNTS, &f->accounts);
  set_dd(r, M_HOSTS, &f->hosts);
  set_dd(r, M_ADDRESSES, &f->ips);
  set_dd(r, M_FILES, &f->files);
  add(r, "</dl>\n");
  const char *sum = r->sm[i] ? r->sm[i] : f->summary;
  if (sum && *sum) {
    int sfell = !r->sm[i] && r->L != ASH_LANG_EN;
    add(r, f->severity >= ASH_SEV_HIGH ? "<details open><summary>" : "<details><summary>");
    txt(r, M(r, M_SUMMARY));
    if (sfell) txt(r, M(r, M_SUMMARY_LANG));
    add(r,
        sfell ? "</summary><p class=\"sum\" data-fallback=\"en\">" : "</summary><p class=\"sum\">");
    txt(r, sum);
    add(r, "</p></details>\n");
  }
  json_t *rs = json_object_get(d, "reasons");
  add(r, "<h4>");
  txt(r, M(r, M_REASONS));
  add(r, "</h4>");
  if (json_array_size(rs)) {
    add(r, "<table class=\"reasons\">");
    ash_buf said;
    ash_buf_init(&said, 1u << 16);
    for (size_t k = 0; k < json_array_size(rs) && k < 64 && !r->rc; k++) {
      json_t *x = json_array_get(rs, k);
      json_int_t wt = json_integer_value(json_object_get(x, "weight"));
      const char *t = jstr(x, "text");
      if (!*t) t = jstr(x, "reason");
      /* in another language, the sentence from the hunts' catalogue */
      int fallback = 0;
      if (r->L != ASH_LANG_EN) {
        fallback = !reason_in(r, x, &said);
        if (!fallback) t = said.p;
      }
      addf(r, "<tr data-reason=\"");
      attr(r, jstr(x, "reason"));
      add(r, fallback ? "\" data-fallback=\"en\">" : "\">");
      addf(r, "<td class=\"w %s\">%+lld</td><td>", wt < 0 ? "neg" : "pos", (long long)wt);
      txt(r, t);
      if (fallback) {
        add(r, "<span class=\"note\">");
        txt(r, M(r, M_REASON_LANG));
        add(r, "</span>");
      }
      add(r, "</td></tr>");
    }
    ash_buf_free(&said);
    add(r, "</table>\n");
  } else {
    add(r, "<p class=\"note\">");
    say0(r, M_NOREASONS);
    add(r, "</p>\n");
  }
  if (f->attack.n) {
    add(r, "<h4>");
    txt(r, M(r, M_ATTACK));
    add(r, "</h4><ul class=\"attack\">");
    for (size_t k = 0; k < f->attack.n && k < 32; k++) {
      const char *t = f->attack.v[k];
      add(r, "<li><code>");
      txt(r, t);
      add(r, "</code>");
      if (attack_ok(t)) {
        /* plain text, not a link: the report makes no request, even on a
         * click; the reader copies it where a network is */
        char url[80];
        if (t[5] == '.')
          snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%.5s/%s/", t, t + 6);
        else
          snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%s/", t);
        add(r, " <span class=\"mono note\">");
        txt(r, url);
        add(r, "</span>");
      }
      add(r, "</li>");
    }
    add(r, "</ul>\n");
  }
  if (f->nevidence) {
    add(r, "<h4>");
    txt(r, M(r, M_EVIDENCE));
    add(r, "</h4><ol class=\"ev\">\n");
    size_t want = f->severity >= ASH_SEV_HIGH ? 6 : 2, shown = 0;
    for (size_t k = 0; k < f->nevidence && shown < want && !r->rc; k++) {
      if (r->ev_bytes >= ASH_REPORT_EVIDENCE_BUDGET) break;
      evidence_item(r, &f->evidence[k], line);
      shown++;
    }
    add(r, "</ol>\n");
    uint64_t more = f->nevidence - shown + f->evidence_dropped;
    if (more) {
      char m[24];
      u64s(more, m);
      const char *a[] = {m};
      add(r, "<p class=\"note\">");
      say(r, M_MORE_EVIDENCE, 1, a);
      add(r, "</p>\n");
      r->stats.evidence_omitted += more;
    }
  }
  add(r, "</article>\n");
}

static void section_findings(rep *r) {
  add(r, "<section id=\"s3\"><h2>");
  txt(r, M(r, M_S3));
  add(r, "</h2>\n");
  if (!r->nf) {
    add(r, "<p>");
    say0(r, M_NOFINDINGS);
    add(r, "</p>");
  }
  ash_buf line;
  ash_buf_init(&line, ASH_MAX_LINE + 16);
  size_t full = r->nf < MAX_ARTICLES ? r->nf : MAX_ARTICLES;
  for (size_t i = 0; i < full && !r->rc; i++) {
    if (r->ev_bytes >= ASH_REPORT_EVIDENCE_BUDGET && !r->budget_said) {
      add(r, "<p class=\"bad\">");
      say0(r, M_BUDGET);
      add(r, "</p>\n");
      r->budget_said = 1;
    }
    finding_article(r, i, &line);
  }
  ash_buf_free(&line);
  /* past MAX_ARTICLES (a scan of a large collection makes thousands of
   * findings) each finding is one row, so that every finding is still in
   * the report and the page stays within its size */
  if (r->nf > full) {
    char s1[24], s2[24];
    u64s(full, s1);
    u64s(r->nf, s2);
    const char *a[] = {s1, s2};
    add(r, "<p class=\"note\">");
    say(r, M_FINDINGS_CAP, 2, a);
    add(r, "</p>\n<table>");
  }
  for (size_t i = full; i < r->nf && !r->rc; i++) {
    const ash_finding *f = &r->f[i];
    addf(r, "<tr id=\"f%zu\" data-finding=\"", i + 1);
    attr(r, f->id);
    add(r, "\" data-hunt=\"");
    attr(r, f->hunt);
    addf(r, "\"><td class=\"n\">#%zu</td><td><span class=\"sev %s\">", i + 1,
         ash_severity_name(f->severity));
    txt(r, sev_name(r, f->severity));
    addf(r, "</span></td><td class=\"n\">%d</td><td class=\"mono\">", f->score);
    txt(r, f->hunt);
    add(r, "</td><td>");
    txt(r, ftitle(r, i));
    add(r, "</td></tr>\n");
  }
  if (r->nf > full) add(r, "</table>\n");
  add(r, "</section>\n");
}

/* ---- 4. accounts and hosts ---- */

#define MAX_ENT 40
#define MAX_EDGES 400

static int name_eq(const char *a, ash_str b) {
  size_t n = strlen(a);
  return n == b.n && !strncasecmp(a, b.p, n);
}

static acct *acct_of(rep *r, ash_str u) {
  if (!u.n) return NULL;
  for (size_t i = 0; i < r->nacc; i++)
    if (name_eq(r->acc[i].name, u)) return &r->acc[i];
  return NULL;
}

static int on_vpn(void *u, const ash_event *ev, const char *sp, int rec, const char *attrs) {
  (void)sp;
  (void)rec;
  rep *r = u;
  acct *a = acct_of(r, ev->user);
  if (!a) return ASH_OK;
  a->vpn++;
  if (a->vpn_first == ASH_TIME_UNSET || ev->ts < a->vpn_first) a->vpn_first = ev->ts;
  if (!ash_ip_isset(&ev->src_ip) || a->nvsrc >= 12) return ASH_OK;
  char ip[ASH_IP_STRLEN];
  ash_ip_format(&ev->src_ip, ip);
  for (int i = 0; i < a->nvsrc; i++)
    if (!strncmp(a->vsrc[i], ip, strlen(ip)) &&
        (a->vsrc[i][strlen(ip)] == 0 || a->vsrc[i][strlen(ip)] == ' '))
      return ASH_OK;
  /* the country as the VPN logged it (FortiGate srccountry, PAN-OS
   * srcregion), and the cloud provider from the ranges */
  char desc[256];
  snprintf(desc, sizeof desc, "%s", ip);
  if (attrs) {
    json_t *o = json_loads(attrs, 0, NULL);
    const char *c = jstr(o, "srccountry");
    if (!*c) c = jstr(o, "srcregion");
    if (*c && strcmp(c, "Reserved")) {
      size_t l = strlen(desc);
      snprintf(desc + l, sizeof desc - l, " (%s)", c);
    }
    json_decref(o);
  }
  ash_cloud cl;
  if (ash_ranges_lookup(r->o->ranges, &ev->src_ip, &cl)) {
    size_t l = strlen(desc);
    snprintf(desc + l, sizeof desc - l, " [%s %s]", cl.provider, cl.service);
  }
  if (!(a->vsrc[a->nvsrc] = strdup(desc))) return ASH_ENOMEM;
  a->nvsrc++;
  return ASH_OK;
}

/* Which logon edges are the intrusion's (red in the graph). Not every
 * high finding vouches for a pair: a lolbin or Sigma finding names the
 * account that ran a tool and the host it ran on, and an administrator's
 * everyday tools name most accounts and most servers, so "named together
 * in a high finding" paints nearly every edge red and says nothing. The
 * hunts that follow the intruder's credentials do vouch for a pair:
 * past-incident-link (the account that brought the tool to the host),
 * account-use (the account's hosts from its suspect sessions),
 * credential-hop (the accounts it moved on with and the hosts they
 * reached) and loopback-rdp (the accounts logged on through the tunnel).
 * An edge is also the intrusion's when one of its logons came from an
 * address those hunts name as the intruder's session (the VPN tunnel
 * address of its session), whatever the account. */
static int story_account_hunt(const char *h) {
  return h && (!strcmp(h, "past-incident-link") || !strcmp(h, "account-use") ||
               !strcmp(h, "credential-hop") || !strcmp(h, "loopback-rdp"));
}

static int hot_pair(rep *r, const char *acc, const char *host) {
  for (size_t i = 0; i < r->nf; i++) {
    const ash_finding *f = &r->f[i];
    if (f->severity < ASH_SEV_HIGH || !story_account_hunt(f->hunt)) continue;
    int a = 0, h = 0;
    for (size_t k = 0; k < f->accounts.n && !a; k++) a = !strcasecmp(f->accounts.v[k], acc);
    for (size_t k = 0; k < f->hosts.n && !h; k++) h = !strcasecmp(f->hosts.v[k], host);
    if (a && h) return 1;
  }
  return 0;
}

/* The intrusion's sessions, as the addresses its logons come from:
 * - the internal addresses (a VPN tunnel address) that past-incident-link,
 *   account-use and credential-hop name: every logon from them is the
 *   intruder's session, whatever the account;
 * - the tunnel host's own address, which a loopback-rdp finding names:
 *   its everyday users log on elsewhere from it too, so a logon from it
 *   is the intrusion's only when it is by an account that finding saw
 *   coming in through the tunnel, from the finding's first sight on (the
 *   intruder moving on from the host it holds, as ransomware spread by
 *   PsExec does). Loopback itself never counts. */
static void collect_intrusion_ips(rep *r) {
  for (size_t i = 0; i < r->nf; i++) {
    const ash_finding *f = &r->f[i];
    if (f->severity < ASH_SEV_HIGH || !story_account_hunt(f->hunt)) continue;
    int loop = !strcmp(f->hunt, "loopback-rdp");
    for (size_t k = 0; k < f->ips.n; k++) {
      ash_ip ip;
      if (ash_ip_parse(ash_str_cstr(f->ips.v[k]), &ip) || !ash_ip_is_private(&ip) ||
          ash_ip_is_loopback(&ip))
        continue;
      if (loop) {
        if (r->ntun < sizeof r->tun_ip / sizeof r->tun_ip[0]) {
          r->tun_ip[r->ntun] = ip;
          r->tun_f[r->ntun++] = i;
        }
        continue;
      }
      int dup = 0;
      for (size_t m = 0; m < r->nintr && !dup; m++) dup = ash_ip_eq(&r->intr_ip[m], &ip);
      if (!dup && r->nintr < sizeof r->intr_ip / sizeof r->intr_ip[0]) r->intr_ip[r->nintr++] = ip;
    }
  }
}

static int from_intrusion(rep *r, const ash_event *ev) {
  for (size_t m = 0; m < r->nintr; m++)
    if (ash_ip_eq(&r->intr_ip[m], &ev->src_ip)) return 1;
  for (size_t m = 0; m < r->ntun; m++) {
    const ash_finding *f = &r->f[r->tun_f[m]];
    if (!ash_ip_eq(&r->tun_ip[m], &ev->src_ip)) continue;
    if (f->first_seen != ASH_TIME_UNSET && ev->ts < f->first_seen) continue;
    for (size_t k = 0; k < f->accounts.n; k++)
      if (strlen(f->accounts.v[k]) == ev->user.n &&
          !strncasecmp(f->accounts.v[k], ev->user.p, ev->user.n))
        return 1;
  }
  return 0;
}

static int on_logon(void *u, const ash_event *ev, const char *sp, int rec, const char *attrs) {
  (void)sp;
  (void)rec;
  (void)attrs;
  rep *r = u;
  acct *a = acct_of(r, ev->user);
  if (!a || !ev->host.n) return ASH_OK;
  a->logons++;
  if (a->logon_first == ASH_TIME_UNSET || ev->ts < a->logon_first) a->logon_first = ev->ts;
  if (ev->logon_type >= 0 && ev->logon_type < 64) a->types |= 1ull << ev->logon_type;
  /* host names as the findings spell them: short, lower case */
  char h[256];
  size_t n = 0;
  for (; n < ev->host.n && n < sizeof h - 1 && ev->host.p[n] != '.'; n++)
    h[n] = (char)tolower((unsigned char)ev->host.p[n]);
  h[n] = 0;
  int intr = from_intrusion(r, ev);
  for (size_t i = 0; i < a->ne; i++)
    if (!strcmp(a->e[i].host, h)) {
      a->e[i].n++;
      a->e[i].intr += (uint64_t)intr;
      return ASH_OK;
    }
  if (a->ne >= MAX_EDGES) return ASH_OK;
  struct edge *v = ash_array_room(a->e, &a->cape, a->ne, sizeof *v, 8);
  if (!v) return ASH_ENOMEM;
  a->e = v;
  if (!(a->e[a->ne].host = strdup(h))) return ASH_ENOMEM;
  a->e[a->ne].n = 1;
  a->e[a->ne].hot = 0;
  a->e[a->ne].intr = (uint64_t)intr;
  a->ne++;
  return ASH_OK;
}

static int cmp_edge(const void *x, const void *y) {
  const struct edge *a = x, *b = y;
  return a->n < b->n ? 1 : a->n > b->n ? -1 : strcmp(a->host, b->host);
}

static void collect_entities(rep *r) {
  r->acc = calloc(MAX_ENT, sizeof *r->acc);
  r->hosts = calloc(MAX_ENT, sizeof *r->hosts);
  if (!r->acc || !r->hosts) {
    r->rc = ASH_ENOMEM;
    return;
  }
  for (size_t i = 0; i < r->nf && !r->rc; i++) {
    const ash_finding *f = &r->f[i];
    for (size_t k = 0; k < f->accounts.n; k++) {
      if (acct_of(r, ash_str_cstr(f->accounts.v[k]))) continue;
      r->nacc_all++;
      if (r->nacc >= MAX_ENT) continue;
      acct *a = &r->acc[r->nacc++];
      a->name = strdup(f->accounts.v[k]);
      a->vpn_first = a->logon_first = ASH_TIME_UNSET;
      if (!a->name) r->rc = ASH_ENOMEM;
    }
    for (size_t k = 0; k < f->hosts.n; k++) {
      int dup = 0;
      for (size_t m = 0; m < r->nhosts && !dup; m++) dup = !strcasecmp(r->hosts[m], f->hosts.v[k]);
      if (dup) continue;
      r->nhosts_all++;
      if (r->nhosts >= MAX_ENT) continue;
      if (!(r->hosts[r->nhosts++] = strdup(f->hosts.v[k]))) r->rc = ASH_ENOMEM;
    }
  }
  if (r->rc || !r->nacc) return;
  collect_intrusion_ips(r);
  /* one pass over each of two kinds, by the (kind, ts) index: VPN logins
   * and Windows logons are a small share of a case (the flows are the
   * bulk), and only the accounts above are kept */
  ash_event_query q = {
      .kind = ASH_KIND_VPN_LOGIN, .since = ASH_TIME_UNSET, .until = ASH_TIME_UNSET};
  int rc = ash_store_events(r->st, &q, on_vpn, r);
  r->stats.queries++;
  if (!rc) {
    q.kind = ASH_KIND_WIN_LOGON;
    rc = ash_store_events(r->st, &q, on_logon, r);
    r->stats.queries++;
  }
  if (rc) r->rc = rc;
  for (size_t i = 0; i < r->nacc; i++) {
    acct *a = &r->acc[i];
    if (a->ne) qsort(a->e, a->ne, sizeof *a->e, cmp_edge);
    for (size_t k = 0; k < a->ne; k++)
      a->e[k].hot = a->e[k].intr || hot_pair(r, a->name, a->e[k].host);
  }
}

static void finding_links(rep *r, const char *name, int host) {
  int k = 0;
  for (size_t i = 0; i < r->nf && k < 12; i++) {
    const ash_strset *s = host ? &r->f[i].hosts : &r->f[i].accounts;
    int in = 0;
    for (size_t m = 0; m < s->n && !in; m++) in = !strcasecmp(s->v[m], name);
    if (!in) continue;
    addf(r, "%s<a href=\"#f%zu\">#%zu</a>", k++ ? " " : "", i + 1, i + 1);
  }
  uint64_t more = 0;
  for (size_t i = 0; i < r->nf; i++) {
    const ash_strset *s = host ? &r->f[i].hosts : &r->f[i].accounts;
    for (size_t m = 0; m < s->n; m++) more += !strcasecmp(s->v[m], name);
  }
  if (more > 12) addf(r, " … (%" PRIu64 ")", more);
}

static void logon_graph(rep *r) {
  /* hosts of the graph: the busiest edges' hosts, at most MAX_ENT */
  char *gh[MAX_ENT];
  double gy[MAX_ENT], bary[MAX_ENT];
  int ng = 0, nacc = 0;
  uint64_t edges = 0;
  for (size_t i = 0; i < r->nacc; i++) {
    if (r->acc[i].ne) nacc++;
    for (size_t k = 0; k < r->acc[i].ne && k < 12; k++) {
      int have = 0;
      for (int m = 0; m < ng && !have; m++) have = !strcmp(gh[m], r->acc[i].e[k].host);
      if (!have && ng < MAX_ENT) gh[ng++] = r->acc[i].e[k].host;
      edges++;
    }
  }
  if (!edges) {
    add(r, "<p class=\"note\">");
    say0(r, M_GRAPH_NONE);
    add(r, "</p>");
    return;
  }
  /* layout: accounts in finding order on the left; each host on the right
   * at the mean row of its accounts (the barycentre heuristic of Sugiyama
   * et al.), which keeps most lines short and few crossing */
  int row = 0;
  double ay[MAX_ENT];
  for (size_t i = 0; i < r->nacc; i++) ay[i] = r->acc[i].ne ? row++ : -1;
  for (int m = 0; m < ng; m++) {
    double s = 0;
    int n = 0;
    for (size_t i = 0; i < r->nacc; i++)
      for (size_t k = 0; k < r->acc[i].ne && k < 12; k++)
        if (!strcmp(r->acc[i].e[k].host, gh[m])) s += ay[i], n++;
    bary[m] = n ? s / n : 0;
  }
  int ord[MAX_ENT];
  for (int m = 0; m < ng; m++) ord[m] = m;
  for (int a = 1; a < ng; a++) /* insertion sort by barycentre: ng <= 40 */
    for (int b = a; b > 0 && bary[ord[b]] < bary[ord[b - 1]]; b--) {
      int t = ord[b];
      ord[b] = ord[b - 1];
      ord[b - 1] = t;
    }
  for (int m = 0; m < ng; m++) gy[ord[m]] = m;
  int rows = nacc > ng ? nacc : ng;
  double sa = rows > 1 ? (double)(rows - 1) / (nacc > 1 ? nacc - 1 : 1) : 1;
  double sh = rows > 1 ? (double)(rows - 1) / (ng > 1 ? ng - 1 : 1) : 1;
  int H = 30 + rows * 24;
  addf(r, "<svg viewBox=\"0 0 1000 %d\" role=\"img\" aria-label=\"", H);
  attr(r, M(r, M_GRAPH));
  add(r, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
  for (size_t i = 0; i < r->nacc; i++) {
    if (ay[i] < 0) continue;
    double y1 = 20 + ay[i] * sa * 24;
    for (size_t k = 0; k < r->acc[i].ne && k < 12; k++) {
      int m = 0;
      while (m < ng && strcmp(gh[m], r->acc[i].e[k].host)) m++;
      if (m == ng) continue;
      double y2 = 20 + gy[m] * sh * 24;
      double wdt = 1 + 2.2 * log10((double)r->acc[i].e[k].n);
      addf(r,
           "<path class=\"edge%s\" stroke-width=\"%.1f\" d=\"M262 %.1f C500 %.1f 500 %.1f 738 "
           "%.1f\"><title>",
           r->acc[i].e[k].hot ? " hot" : "", wdt, y1, y1, y2, y2);
      txt(r, r->acc[i].name);
      add(r, " → ");
      txt(r, r->acc[i].e[k].host);
      addf(r, ": %" PRIu64, r->acc[i].e[k].n);
      if (r->acc[i].e[k].intr) {
        char ni[24];
        u64s(r->acc[i].e[k].intr, ni);
        const char *ia[] = {ni};
        add(r, " ");
        say(r, M_GRAPH_INTR, 1, ia);
      }
      add(r, "</title></path>\n");
    }
  }
  for (size_t i = 0; i < r->nacc; i++) {
    if (ay[i] < 0) continue;
    double y = 20 + ay[i] * sa * 24;
    int hot = 0;
    for (size_t k = 0; k < r->acc[i].ne; k++) hot |= r->acc[i].e[k].hot;
    addf(r, "<rect class=\"node%s\" x=\"60\" y=\"%.1f\" width=\"200\" height=\"18\" rx=\"3\"/>",
         hot ? " hot" : "", y - 9);
    addf(r, "<text x=\"250\" y=\"%.1f\" text-anchor=\"end\">", y + 4);
    txt(r, r->acc[i].name);
    add(r, "</text>\n");
  }
  for (int m = 0; m < ng; m++) {
    double y = 20 + gy[m] * sh * 24;
    addf(r, "<rect class=\"node\" x=\"740\" y=\"%.1f\" width=\"200\" height=\"18\" rx=\"3\"/>",
         y - 9);
    addf(r, "<text x=\"750\" y=\"%.1f\">", y + 4);
    txt(r, gh[m]);
    add(r, "</text>\n");
  }
  add(r, "</svg>\n");
}

static void section_entities(rep *r) {
  add(r, "<section id=\"s4\"><h2>");
  txt(r, M(r, M_S4));
  add(r, "</h2>\n");
  if (!r->nacc && !r->nhosts) {
    add(r, "<p>");
    say0(r, M_ENT_NONE);
    add(r, "</p></section>\n");
    return;
  }
  if (r->nacc) {
    add(r, "<table><tr>");
    static const ash_msg h[] = {M_ACCOUNT,       M_VPN_SESSIONS, M_VPN_SOURCES, M_FIRST_SEEN,
                                M_HOSTS_REACHED, M_LOGON_TYPES,  M_IN_FINDINGS};
    for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) {
      add(r, "<th>");
      txt(r, M(r, h[k]));
      add(r, "</th>");
    }
    add(r, "</tr>\n");
    for (size_t i = 0; i < r->nacc; i++) {
      acct *a = &r->acc[i];
      char w[48];
      int64_t first = a->vpn_first;
      if (first == ASH_TIME_UNSET || (a->logon_first != ASH_TIME_UNSET && a->logon_first < first))
        first = a->logon_first;
      when(r, first, w);
      add(r, "<tr><td class=\"mono\">");
      txt(r, a->name);
      addf(r, "</td><td class=\"n\">%" PRIu64 "</td><td>", a->vpn);
      for (int k = 0; k < a->nvsrc; k++) {
        if (k) add(r, "<br>");
        txt(r, a->vsrc[k]);
      }
      if (a->nvsrc == 12) add(r, "<br>…");
      add(r, "</td><td>");
      txt(r, w);
      add(r, "</td><td>");
      for (size_t k = 0; k < a->ne && k < 10; k++) {
        addf(r, "%s<span class=\"mono\">", k ? ", " : "");
        txt(r, a->e[k].host);
        addf(r, "</span> (%" PRIu64 ")", a->e[k].n);
      }
      if (a->ne > 10) addf(r, ", … (%zu)", a->ne);
      add(r, "</td><td>");
      int first_t = 1;
      for (int t = 0; t < 64; t++)
        if (a->types >> t & 1) {
          addf(r, "%s%d", first_t ? "" : ", ", t);
          first_t = 0;
        }
      add(r, "</td><td>");
      finding_links(r, a->name, 0);
      add(r, "</td></tr>\n");
    }
    add(r, "</table>\n");
    if (r->nacc_all > r->nacc) {
      char s1[24], s2[24];
      u64s(r->nacc, s1);
      u64s(r->nacc_all, s2);
      const char *a[] = {s1, s2};
      add(r, "<p class=\"note\">");
      say(r, M_ENT_CAP, 2, a);
      add(r, "</p>");
    }
  }
  if (r->nhosts) {
    add(r, "<h4>");
    txt(r, M(r, M_HOSTS));
    add(r, "</h4><table><tr><th>");
    txt(r, M(r, M_HOST));
    add(r, "</th><th>");
    txt(r, M(r, M_LOGONS_IN));
    add(r, "</th><th>");
    txt(r, M(r, M_IN_FINDINGS));
    add(r, "</th></tr>\n");
    for (size_t m = 0; m < r->nhosts; m++) {
      uint64_t n = 0, na = 0;
      for (size_t i = 0; i < r->nacc; i++)
        for (size_t k = 0; k < r->acc[i].ne; k++)
          if (!strcasecmp(r->acc[i].e[k].host, r->hosts[m])) n += r->acc[i].e[k].n, na++;
      add(r, "<tr><td class=\"mono\">");
      txt(r, r->hosts[m]);
      addf(r, "</td><td class=\"n\">%" PRIu64 " (%" PRIu64 ")</td><td>", n, na);
      finding_links(r, r->hosts[m], 1);
      add(r, "</td></tr>\n");
    }
    add(r, "</table>\n");
  }
  add(r, "<h4>");
  txt(r, M(r, M_GRAPH));
  add(r, "</h4>\n");
  logon_graph(r);
  add(r, "</section>\n");
}

/* ---- 5. evidence accounting ---- */

#define MAX_SRC_ROWS 3000

static void section_sources(rep *r) {
  add(r, "<section id=\"s5\"><h2>");
  txt(r, M(r, M_S5));
  add(r, "</h2>\n");
  uint64_t rd = 0, pa = 0, rj = 0;
  int balanced = 1;
  for (size_t i = 0; i < r->ns; i++) {
    rd += r->s[i].in.read;
    pa += r->s[i].in.parsed;
    rj += r->s[i].in.rejected;
    if (r->s[i].in.read != r->s[i].in.parsed + r->s[i].in.rejected) balanced = 0;
  }
  char n[4][24];
  u64s(r->ns, n[0]);
  u64s(rd, n[1]);
  u64s(pa, n[2]);
  u64s(rj, n[3]);
  const char *a[] = {n[0], n[1], n[2], n[3]};
  add(r, "<p>");
  say(r, M_SRC_TOTALS, 4, a);
  add(r, balanced ? " <span class=\"ok\">" : " <span class=\"bad\">");
  say0(r, balanced ? M_SRC_BALANCED : M_SRC_UNBALANCED);
  add(r, "</span></p>\n<table><tr>");
  static const ash_msg h[] = {M_SRC_FILE, M_FORMAT,   M_SIZE,    M_READ,
                              M_PARSED,   M_REJECTED, M_TIMESPAN};
  for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) {
    add(r, "<th>");
    txt(r, M(r, h[k]));
    add(r, "</th>");
    if (k == 2) add(r, "<th>SHA-256</th>");
  }
  add(r, "</tr>\n");
  for (size_t i = 0; i < r->ns && i < MAX_SRC_ROWS; i++) {
    const src *s = &r->s[i];
    add(r, "<tr><td class=\"path mono\">");
    txt(r, s->path);
    add(r, "</td><td>");
    txt(r, s->format);
    addf(r, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"sha\">", s->in.size);
    txt(r, s->sha256);
    if (s->skip) {
      const char *sa[] = {s->skip};
      add(r, "</td><td colspan=\"4\">");
      say(r, M_SKIPPED, 1, sa);
      add(r, "</td></tr>\n");
      continue;
    }
    addf(r,
         "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
         "</td><td class=\"n\">%" PRIu64 "</td><td>",
         s->in.read, s->in.parsed, s->in.rejected);
    char w0[48], w1[48];
    when(r, s->in.first_ts, w0);
    when(r, s->in.last_ts, w1);
    txt(r, w0);
    add(r, " – ");
    txt(r, w1);
    if (!s->in.complete) {
      add(r, " <span class=\"bad\">");
      txt(r, M(r, M_INCOMPLETE));
      add(r, "</span>");
    }
    add(r, "</td></tr>\n");
  }
  add(r, "</table>\n");
  if (r->ns > MAX_SRC_ROWS) {
    char s1[24], s2[24];
    u64s(MAX_SRC_ROWS, s1);
    u64s(r->ns, s2);
    const char *ca[] = {s1, s2};
    add(r, "<p class=\"note\">");
    say(r, M_SRC_CAP, 2, ca);
    add(r, "</p>");
  }
  add(r, "</section>\n");
}

/* ---- 6. recovery plan ----
 *
 * The plan is ash_plan_build's (src/plan), asked for in the report's
 * language: its steps, its sentences and its firewall configuration are
 * the plan's own, so that the report and `ashiato plan` never disagree.
 * The report adds only what belongs to a page: each cited finding linked
 * to its article here, and the backup cut-off in the report's zone (the
 * plan writes its times in UTC). Everything from the plan is log-derived
 * in part (names, addresses), so every piece goes through txt(). */

/* The article of the finding whose id is id, as its 1-based number; 0
 * when the report does not show it. */
static size_t finding_num(rep *r, const char *id) {
  for (size_t i = 0; i < r->nf; i++)
    if (!strcmp(r->f[i].id, id)) return i + 1;
  return 0;
}

static void plan_block(rep *r, const char *label, const char *body) {
  add(r, "<details open><summary>");
  txt(r, label);
  add(r, "</summary><pre>");
  txt(r, body);
  add(r, "</pre></details>\n");
}

static void section_plan(rep *r) {
  add(r, "<section id=\"s6\"><h2>");
  txt(r, M(r, M_S6));
  add(r, "</h2>\n");
  ash_plan_opts po = {.lang = r->L, .firewall = ASH_FW_AUTO, .tz = r->o->tz};
  ash_plan *p = NULL;
  int rc = r->rc ? r->rc : ash_plan_build(r->st, &po, &p);
  r->stats.queries++;
  if (rc == ASH_ENOMEM) r->rc = rc;
  if (rc) {
    const char *ea[] = {ash_strerror(rc)};
    add(r, "<p class=\"bad\">");
    say(r, M_PLAN_ERROR, 1, ea);
    add(r, "</p></section>\n");
    return;
  }
  ash_buf fw;
  ash_buf_init(&fw, 4096);
  const char *vn[] = {ash_fw_vendor_name(p->firewall)};
  if (!r->rc)
    r->rc = ash_plan_msg(p->lang, p->firewall_detected ? "firewall_detected" : "firewall_given", vn,
                         1, &fw);
  const char *fa[] = {fw.p ? fw.p : ""};
  add(r, "<p>");
  say(r, M_PLAN_FROM, 1, fa);
  add(r, "</p>\n");
  ash_buf_free(&fw);
  if (p->cutoff != ASH_TIME_UNSET) {
    char w[48], w2[48], n1[24], n2[24];
    when(r, p->cutoff, w);
    const char *ca[] = {w};
    add(r, "<p class=\"cutoff\"><strong>");
    say(r, M_PLAN_CUTOFF, 1, ca);
    add(r, "</strong>");
    if (p->restore_from != ASH_TIME_UNSET) {
      when(r, p->restore_from, w2);
      const char *ra[] = {w2, p->restore_host[0] ? p->restore_host : "?"};
      gap(r);
      say(r, M_PLAN_RESTORE, 2, ra);
    }
    if (p->backups_seen) {
      u64s(p->backups_seen, n1);
      u64s(p->backups_suspect, n2);
      const char *ba[] = {n1, n2};
      gap(r);
      say(r, M_PLAN_BACKUPS, 2, ba);
    }
    add(r, "</p>\n");
  }
  int phase = 0, k = 0;
  for (size_t i = 0; i < p->nsteps && !r->rc; i++) {
    const ash_plan_step *st = &p->steps[i];
    if ((int)st->phase != phase) {
      if (phase) add(r, "</ol>\n");
      phase = (int)st->phase;
      k = 0;
      addf(r, "<h3 id=\"p%d\">", phase);
      txt(r, ash_plan_phase_title(p->lang, st->phase));
      add(r, "</h3>\n<ol class=\"plan\">\n");
    }
    addf(r, "<li id=\"p%d-%d\" data-action=\"", phase, ++k);
    attr(r, st->action);
    add(r, "\">");
    txt(r, st->text);
    if (st->ncites) {
      add(r, "<br><span class=\"note\">");
      txt(r, M(r, M_PLAN_RESTS_ON));
      add(r, ":</span>");
      /* in page order, so that a reader walks section 3 once */
      size_t nums[ASH_MAX_WATCH_CITES * 2], nn = 0;
      for (size_t j = 0; j < st->ncites; j++) {
        size_t n = finding_num(r, st->cites[j]);
        if (n) {
          size_t q = nn++;
          for (; q > 0 && nums[q - 1] > n; q--) nums[q] = nums[q - 1];
          nums[q] = n;
          continue;
        }
        add(r, " <span class=\"mono\">");
        txt(r, st->cites[j]);
        add(r, "</span>");
      }
      for (size_t j = 0; j < nn; j++) addf(r, " <a href=\"#f%zu\">#%zu</a>", nums[j], nums[j]);
    }
    if (st->config) {
      const char *cv[] = {ash_fw_vendor_name(p->firewall)};
      add(r, "<details open><summary>");
      say(r, M_PLAN_CONFIG, 1, cv);
      add(r, "</summary><pre class=\"fw\">");
      txt(r, st->config);
      add(r, "</pre></details>\n");
    }
    if (st->directory) plan_block(r, M(r, M_PLAN_DIRECTORY), st->directory);
    add(r, "</li>\n");
  }
  if (phase) add(r, "</ol>\n");
  add(r, "</section>\n");
  ash_plan_close(p);
}

/* ---- the whole ---- */

static void free_rep(rep *r) {
  for (size_t i = 0; i < r->nf; i++) {
    ash_finding_free(&r->f[i]);
    json_decref(r->det[i]);
  }
  free(r->f);
  free(r->det);
  for (size_t i = 0; i < r->ns; i++) {
    free(r->s[i].path);
    free(r->s[i].sha256);
    free(r->s[i].format);
    free(r->s[i].skip);
  }
  free(r->s);
  free(r->by_path);
  for (size_t i = 0; i < r->nsto; i++) ash_buf_free(&r->sto[i].html);
  free(r->sto);
  if (r->acc)
    for (size_t i = 0; i < r->nacc; i++) {
      free(r->acc[i].name);
      for (int k = 0; k < r->acc[i].nvsrc; k++) free(r->acc[i].vsrc[k]);
      for (size_t k = 0; k < r->acc[i].ne; k++) free(r->acc[i].e[k].host);
      free(r->acc[i].e);
    }
  free(r->acc);
  for (size_t i = 0; r->tl && i < r->nf; i++) free(r->tl[i]);
  for (size_t i = 0; r->sm && i < r->nf; i++) free(r->sm[i]);
  free(r->tl);
  free(r->sm);
  if (r->hosts)
    for (size_t i = 0; i < r->nhosts; i++) free(r->hosts[i]);
  free(r->hosts);
  ash_raw_close(r->raw);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int ash_report_html(ash_store *st, const ash_report_opts *o, ash_buf *out,
                    ash_report_stats *stats) {
  rep r;
  memset(&r, 0, sizeof r);
  r.st = st;
  r.o = o;
  r.L = o->lang;
  r.out = out;
  r.t0 = r.t1 = ASH_TIME_UNSET;
  double t0 = now_s();
  r.rc = ash_store_findings(st, NULL, on_finding, &r);
  if (!r.rc) r.rc = ash_store_sources(st, on_source, &r);
  r.stats.queries += 2;
  if (!r.rc && r.ns && !(r.by_path = malloc(r.ns * sizeof *r.by_path))) r.rc = ASH_ENOMEM;
  if (!r.rc) {
    for (size_t i = 0; i < r.ns; i++) r.by_path[i] = &r.s[i];
    if (r.ns) qsort(r.by_path, r.ns, sizeof *r.by_path, cmp_src_path);
    r.rc = ash_raw_open(&r.raw, o->raw_flags);
  }
  /* as the hunts do: a compressed member is decoded whole to find a line,
   * so only up to this size */
  if (!r.rc) ash_raw_limit(r.raw, (uint64_t)256 << 20);
  if (!r.rc) render_texts(&r);
  if (!r.rc) build_story(&r);
  double t1 = now_s();
  if (!r.rc) collect_entities(&r);
  double t2 = now_s();
  if (!r.rc) head(&r);
  if (!r.rc) section_story(&r);
  if (!r.rc) section_timeline(&r);
  double t3 = now_s();
  if (!r.rc) section_findings(&r);
  double t4 = now_s();
  r.stats.s_load = t1 - t0;
  r.stats.s_entities = t2 - t1;
  r.stats.s_timeline = t3 - t2;
  r.stats.s_evidence = t4 - t3;
  if (!r.rc) section_entities(&r);
  if (!r.rc) section_sources(&r);
  if (!r.rc) section_plan(&r);
  add(&r, "<footer><p>");
  say0(&r, M_FOOTER);
  add(&r, "</p></footer>\n</body></html>\n");
  r.stats.findings = r.nf;
  r.stats.sources = r.ns;
  if (stats) *stats = r.stats;
  int rc = r.rc;
  free_rep(&r);
  return rc;
}
