/* The meaning of Windows event ids: one ash_winrec (from EVTX, or from a
 * JSON export of the same event) becomes one normalised event.
 *
 * Only this file knows what 4624 or Sysmon 1 mean. Every data item of the
 * record is kept as an attribute whatever the event, so a field this file
 * does not name is still there; the normalised fields are a convenience
 * for the hunts, never a replacement. Values are taken as logged: a logon
 * of type 2 from 127.0.0.1 stays a type 2 logon, an RDP address written
 * "LOCAL" is not turned into an address.
 *
 * Strings in the event borrow from the record where they can (a
 * "DOMAIN\user" is split into two slices of the original) and are copied
 * into the caller's scratch buffer only when they must change (lower-case
 * host name, joined paths). Scratch may move while it grows, so copies are
 * recorded as offsets and turned into pointers once, at the end. */
#include "winevent.h"

#include <string.h>

#include "ashiato/error.h"
#include "ashiato/limits.h"
#include "msgtable.h"

typedef struct fixup {
  ash_str *dst;
  size_t off, n;
} fixup;

typedef struct mctx {
  const ash_winrec *r;
  ash_event *ev;
  ash_buf *b;
  fixup fx[16];
  int nfx;
  int rc;
} mctx;

/* ---- small helpers ---- */

static int ieq(ash_str a, const char *lit) { return ash_str_ieq(a, lit); }

static int isnil(ash_str s) { return s.n == 0 || (s.n == 1 && s.p[0] == '-'); }

static ash_str trim(ash_str s) {
  while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
    s.p++;
    s.n--;
  }
  while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' ||
                 s.p[s.n - 1] == '\n'))
    s.n--;
  return s;
}

/* The first data item named name (names are case-sensitive in Windows
 * events, but JSON exports sometimes change case: fall back to a
 * case-insensitive match). */
static ash_str get(const ash_winrec *r, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < r->ndata; i++)
    if (r->data[i].k.n == n && !memcmp(r->data[i].k.p, name, n)) return r->data[i].v;
  for (size_t i = 0; i < r->ndata; i++)
    if (ash_str_ieq(r->data[i].k, name)) return r->data[i].v;
  return ASH_STR_NULL;
}

static ash_str getv(const ash_winrec *r, const char *name) {
  ash_str s = trim(get(r, name));
  return isnil(s) ? ASH_STR_NULL : s;
}

static const char *find(ash_str s, const char *lit) {
  size_t n = strlen(lit);
  if (!n || s.n < n) return NULL;
  for (size_t i = 0; i + n <= s.n; i++)
    if (s.p[i] == lit[0] && !memcmp(s.p + i, lit, n)) return s.p + i;
  return NULL;
}

/* Copy into scratch (optionally lower-cased) and point dst at the copy at
 * the end of the mapping. */
static void save(mctx *m, ash_str *dst, const char *p, size_t n, int lower) {
  if (m->rc || !n) return;
  if (m->nfx >= (int)(sizeof m->fx / sizeof m->fx[0])) {
    m->rc = ASH_ELIMIT;
    return;
  }
  size_t off = m->b->n;
  if ((m->rc = ash_buf_add(m->b, p, n))) return;
  if (lower)
    for (size_t i = 0; i < n; i++) {
      char c = m->b->p[off + i];
      if (c >= 'A' && c <= 'Z') m->b->p[off + i] = (char)(c + 32);
    }
  m->fx[m->nfx].dst = dst;
  m->fx[m->nfx].off = off;
  m->fx[m->nfx].n = n;
  m->nfx++;
}

/* Two pieces joined by sep into one saved string. */
static void save_join(mctx *m, ash_str *dst, ash_str a, const char *sep, ash_str b) {
  if (m->rc) return;
  if (m->nfx >= (int)(sizeof m->fx / sizeof m->fx[0])) {
    m->rc = ASH_ELIMIT;
    return;
  }
  size_t start = m->b->n;
  if ((m->rc = ash_buf_add(m->b, a.p, a.n))) return;
  if (a.n && b.n && (m->rc = ash_buf_adds(m->b, sep))) return;
  if ((m->rc = ash_buf_add(m->b, b.p, b.n))) return;
  m->fx[m->nfx].dst = dst;
  m->fx[m->nfx].off = start;
  m->fx[m->nfx].n = m->b->n - start;
  m->nfx++;
}

/* "DOMAIN\user", "user@domain" or "user"; dom (a separate domain field)
 * wins over a domain found inside the name. "-" and "" mean nobody. */
static void account(mctx *m, ash_str name, ash_str dom) {
  name = trim(name);
  dom = trim(dom);
  if (isnil(name)) return;
  ash_str u = name, d = ASH_STR_NULL;
  const char *bs = memchr(name.p, '\\', name.n);
  if (bs) {
    d = ash_str_make(name.p, (size_t)(bs - name.p));
    u = ash_str_make(bs + 1, name.n - (size_t)(bs - name.p) - 1);
  } else {
    for (size_t i = name.n; i > 0; i--)
      if (name.p[i - 1] == '@') {
        u = ash_str_make(name.p, i - 1);
        d = ash_str_make(name.p + i, name.n - i);
        break;
      }
  }
  if (isnil(u)) return;
  m->ev->user = u;
  m->ev->domain = !isnil(dom) ? dom : (isnil(d) ? ASH_STR_NULL : d);
}

static int unspecified(const ash_ip *ip) {
  static const uint8_t zero[16];
  if (ip->fam == 6) return !memcmp(ip->b, zero, 16);
  return ip->fam == 4 && !ip->b[12] && !ip->b[13] && !ip->b[14] && !ip->b[15];
}

/* An address as Windows writes it: "-", "::ffff:10.1.2.3", "fe80::1%10",
 * "LOCAL". Anything that is not a usable address leaves out unset (the
 * text stays in the attributes). */
static void addr(ash_str s, ash_ip *out) {
  s = trim(s);
  if (isnil(s)) return;
  ash_ip ip;
  if (ash_ip_parse(s, &ip) == ASH_OK && !unspecified(&ip)) *out = ip;
}

static int32_t port(ash_str s) {
  int64_t v;
  s = trim(s);
  if (isnil(s) || ash_str_to_i64(s, &v) || v <= 0 || v > 65535) return -1;
  return (int32_t)v;
}

/* "10.1.2.3:50123", "[fe80::1]:50123" (RdpCoreTS 131 ClientIP). */
static void addr_port(ash_str s, ash_ip *ip, int32_t *p) {
  s = trim(s);
  if (isnil(s)) return;
  if (s.p[0] == '[') {
    const char *rb = memchr(s.p, ']', s.n);
    if (!rb) return;
    addr(ash_str_make(s.p + 1, (size_t)(rb - s.p) - 1), ip);
    size_t rest = s.n - (size_t)(rb - s.p) - 1;
    if (rest > 1 && rb[1] == ':') *p = port(ash_str_make(rb + 2, rest - 1));
    return;
  }
  const char *c1 = memchr(s.p, ':', s.n);
  if (c1 && !memchr(c1 + 1, ':', s.n - (size_t)(c1 - s.p) - 1)) {
    addr(ash_str_make(s.p, (size_t)(c1 - s.p)), ip);
    *p = port(ash_str_make(c1 + 1, s.n - (size_t)(c1 - s.p) - 1));
    return;
  }
  addr(s, ip);
}

static int64_t num(ash_str s) {
  int64_t v;
  s = trim(s);
  if (isnil(s) || ash_str_to_i64(s, &v)) return ASH_UNSET;
  return v;
}

/* Short lower-case host name: "WIN10-Client01.offsec.lan" -> "win10-client01".
 * An address is kept whole. */
static void host(mctx *m, ash_str c) {
  c = trim(c);
  if (isnil(c)) return;
  ash_ip ip;
  size_t n = c.n;
  if (ash_ip_parse(c, &ip) != ASH_OK) {
    const char *dot = memchr(c.p, '.', c.n);
    if (dot && dot > c.p) n = (size_t)(dot - c.p);
  }
  save(m, &m->ev->host, c.p, n, 1);
}

/* ---- sources ---- */

enum {
  SRC_OTHER,
  SRC_SECURITY,
  SRC_SYSTEM,
  SRC_RCM,
  SRC_LSM,
  SRC_RDPCORE,
  SRC_SYSMON,
  SRC_POWERSHELL,
  SRC_DEFENDER,
};

static int source(const ash_winrec *r) {
  static const struct {
    const char *channel, *provider;
    int src;
  } T[] = {
      {"Security", "Microsoft-Windows-Security-Auditing", SRC_SECURITY},
      {"System", "Service Control Manager", SRC_SYSTEM},
      {"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
       "Microsoft-Windows-TerminalServices-RemoteConnectionManager", SRC_RCM},
      {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
       "Microsoft-Windows-TerminalServices-LocalSessionManager", SRC_LSM},
      {"Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
       "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS", SRC_RDPCORE},
      {"Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", SRC_SYSMON},
      {"Microsoft-Windows-PowerShell/Operational", "Microsoft-Windows-PowerShell", SRC_POWERSHELL},
      {"PowerShellCore/Operational", "PowerShellCore", SRC_POWERSHELL},
      {"Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-Windows Defender",
       SRC_DEFENDER},
  };
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
    if (ieq(r->channel, T[i].channel)) return T[i].src;
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
    if (ieq(r->provider, T[i].provider)) return T[i].src;
  return SRC_OTHER;
}

/* ---- events ---- */

static void logon_fields(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  account(m, get(r, "TargetUserName"), get(r, "TargetDomainName"));
  ev->logon_type = num(get(r, "LogonType"));
  addr(get(r, "IpAddress"), &ev->src_ip);
  ev->src_port = port(get(r, "IpPort"));
  ev->process = getv(r, "ProcessName");
}

static void subject(mctx *m) {
  account(m, get(m->r, "SubjectUserName"), get(m->r, "SubjectDomainName"));
}

/* <Command> and <Arguments> of a scheduled task definition (4698). */
static void task_command(mctx *m, ash_str xml) {
  ash_str part[2] = {ASH_STR_NULL, ASH_STR_NULL};
  static const char *const open[2] = {"<Command>", "<Arguments>"};
  static const char *const close[2] = {"</Command>", "</Arguments>"};
  for (int k = 0; k < 2; k++) {
    const char *a = find(xml, open[k]);
    if (!a) continue;
    a += strlen(open[k]);
    ash_str rest = ash_str_make(a, xml.n - (size_t)(a - xml.p));
    const char *b = find(rest, close[k]);
    if (b) part[k] = ash_str_make(a, (size_t)(b - a));
  }
  if (!part[0].n) return;
  /* unescape the XML entities the task XML uses */
  if (m->rc) return;
  size_t start = m->b->n;
  for (int k = 0; k < 2 && !m->rc; k++) {
    if (k && part[1].n) m->rc = ash_buf_addc(m->b, ' ');
    ash_str s = part[k];
    for (size_t i = 0; i < s.n && !m->rc; i++) {
      static const struct {
        const char *e;
        char c;
      } E[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      char c = s.p[i];
      if (c == '&')
        for (size_t e = 0; e < 5; e++) {
          size_t l = strlen(E[e].e);
          if (i + l <= s.n && !memcmp(s.p + i, E[e].e, l)) {
            c = E[e].c;
            i += l - 1;
            break;
          }
        }
      m->rc = ash_buf_addc(m->b, c);
    }
  }
  if (m->rc) return;
  if (m->nfx >= (int)(sizeof m->fx / sizeof m->fx[0])) {
    m->rc = ASH_ELIMIT;
    return;
  }
  m->fx[m->nfx].dst = &m->ev->command_line;
  m->fx[m->nfx].off = start;
  m->fx[m->nfx].n = m->b->n - start;
  m->nfx++;
}

static void security(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  switch (r->event_id) {
  case 4624:
    ev->kind = ASH_KIND_WIN_LOGON;
    logon_fields(m);
    break;
  case 4625:
    ev->kind = ASH_KIND_WIN_LOGON_FAIL;
    logon_fields(m);
    break;
  case 4634:
  case 4647:
    ev->kind = ASH_KIND_WIN_LOGOFF;
    account(m, get(r, "TargetUserName"), get(r, "TargetDomainName"));
    ev->logon_type = num(get(r, "LogonType"));
    break;
  case 4648:
    /* the credentials used are the target's; the subject typed them */
    ev->kind = ASH_KIND_WIN_EXPLICIT;
    account(m, get(r, "TargetUserName"), get(r, "TargetDomainName"));
    addr(get(r, "IpAddress"), &ev->dst_ip);
    ev->dst_port = port(get(r, "IpPort"));
    ev->process = getv(r, "ProcessName");
    break;
  case 4672:
    ev->kind = ASH_KIND_WIN_PRIVILEGE;
    subject(m);
    break;
  case 4688: {
    ev->kind = ASH_KIND_WIN_PROCESS;
    /* Windows 10 names the account the process runs as in Target* when
     * it differs from the creator */
    ash_str tu = getv(r, "TargetUserName");
    if (tu.n)
      account(m, tu, get(r, "TargetDomainName"));
    else
      subject(m);
    ev->process = getv(r, "NewProcessName");
    ev->command_line = getv(r, "CommandLine");
    ev->parent_process = getv(r, "ParentProcessName");
    break;
  }
  case 4697:
    ev->kind = ASH_KIND_WIN_SERVICE;
    subject(m);
    ev->service = getv(r, "ServiceName");
    ev->path = getv(r, "ServiceFileName");
    ev->command_line = ev->path;
    ev->action = ash_str_cstr("install");
    break;
  case 4698:
  case 4699:
  case 4700:
  case 4701:
  case 4702: {
    static const char *const act[] = {"create", "delete", "enable", "disable", "update"};
    ev->kind = ASH_KIND_WIN_TASK;
    subject(m);
    ev->path = getv(r, "TaskName");
    ev->action = ash_str_cstr(act[r->event_id - 4698]);
    task_command(m, get(r, r->event_id == 4702 ? "TaskContentNew" : "TaskContent"));
    break;
  }
  case 4720:
  case 4722:
  case 4725:
  case 4726:
  case 4728:
  case 4732:
  case 4738:
  case 4756: {
    /* the actor is the user; the account acted upon stays in the
     * attributes (TargetUserName, MemberName, MemberSid) */
    ev->kind = ASH_KIND_WIN_ACCOUNT;
    subject(m);
    const char *a = r->event_id == 4720   ? "create"
                    : r->event_id == 4722 ? "enable"
                    : r->event_id == 4725 ? "disable"
                    : r->event_id == 4726 ? "delete"
                    : r->event_id == 4738 ? "change"
                                          : "group_add";
    ev->action = ash_str_cstr(a);
    break;
  }
  case 4768:
  case 4769:
  case 4771: {
    ev->kind = ASH_KIND_WIN_KERBEROS;
    account(m, get(r, "TargetUserName"), get(r, "TargetDomainName"));
    addr(get(r, "IpAddress"), &ev->src_ip);
    ev->src_port = port(get(r, "IpPort"));
    ev->service = getv(r, "ServiceName");
    ash_str st = trim(get(r, "Status"));
    if (st.n) ev->action = ash_str_cstr(ieq(st, "0x0") ? "success" : "failure");
    break;
  }
  case 4776: {
    ev->kind = ASH_KIND_WIN_NTLM;
    account(m, get(r, "TargetUserName"), ASH_STR_NULL);
    ash_str st = trim(get(r, "Status"));
    if (st.n) ev->action = ash_str_cstr(ieq(st, "0x0") ? "success" : "failure");
    break;
  }
  case 4778:
  case 4779:
    ev->kind = ASH_KIND_WIN_RDP;
    account(m, get(r, "AccountName"), get(r, "AccountDomain"));
    addr(get(r, "ClientAddress"), &ev->src_ip);
    ev->action = ash_str_cstr(r->event_id == 4778 ? "reconnect" : "disconnect");
    break;
  case 5140:
  case 5145: {
    ev->kind = ASH_KIND_WIN_SHARE;
    subject(m);
    addr(get(r, "IpAddress"), &ev->src_ip);
    ev->src_port = port(get(r, "IpPort"));
    ash_str share = getv(r, "ShareName"), rel = getv(r, "RelativeTargetName");
    if (r->event_id == 5145 && rel.n)
      save_join(m, &ev->path, share,
                (share.n && share.p[share.n - 1] == '\\') || rel.p[0] == '\\' ? "" : "\\", rel);
    else
      ev->path = share;
    break;
  }
  case 5156: {
    ev->kind = ASH_KIND_WIN_NETCONN;
    ev->process = getv(r, "Application");
    addr(get(r, "SourceAddress"), &ev->src_ip);
    ev->src_port = port(get(r, "SourcePort"));
    addr(get(r, "DestAddress"), &ev->dst_ip);
    ev->dst_port = port(get(r, "DestPort"));
    int64_t p = num(get(r, "Protocol"));
    ev->proto = p == 6    ? ash_str_cstr("tcp")
                : p == 17 ? ash_str_cstr("udp")
                : p == 1  ? ash_str_cstr("icmp")
                          : getv(r, "Protocol");
    ev->action = ash_str_cstr("allow");
    break;
  }
  case 1102:
    ev->kind = ASH_KIND_WIN_LOGCLEAR;
    subject(m);
    ev->action = ash_str_cstr("clear");
    break;
  default: break;
  }
}

static void system_log(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  if (r->event_id == 7045) {
    ev->kind = ASH_KIND_WIN_SERVICE;
    ev->service = getv(r, "ServiceName");
    ev->path = getv(r, "ImagePath");
    ev->command_line = ev->path;
    ev->action = ash_str_cstr("install");
  } else if (r->event_id == 7036) {
    ev->kind = ASH_KIND_WIN_SERVICE;
    ev->service = getv(r, "param1");
    ash_str st = getv(r, "param2");
    save(m, &ev->action, st.p, st.n, 1);
  } else if (r->event_id == 7040) {
    ev->kind = ASH_KIND_WIN_SERVICE;
    ev->service = getv(r, "param1");
    ev->action = ash_str_cstr("start_type_change");
  }
}

static void rdp(mctx *m, int src) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  if (src == SRC_RCM && r->event_id == 1149) {
    ev->kind = ASH_KIND_WIN_RDP;
    account(m, get(r, "Param1"), get(r, "Param2"));
    addr(get(r, "Param3"), &ev->src_ip);
    ev->action = ash_str_cstr("auth_success");
  } else if (src == SRC_LSM && r->event_id >= 21 && r->event_id <= 25) {
    static const char *const act[] = {"logon", "shell_start", "logoff", "disconnect", "reconnect"};
    ev->kind = ASH_KIND_WIN_RDP;
    account(m, get(r, "User"), ASH_STR_NULL);
    /* "LOCAL" (console) and "::%16777216"-style values are not
     * addresses: left unset, kept as logged in the attributes */
    addr(get(r, "Address"), &ev->src_ip);
    ev->action = ash_str_cstr(act[r->event_id - 21]);
  } else if (src == SRC_RDPCORE && r->event_id == 131) {
    ev->kind = ASH_KIND_WIN_RDP;
    addr_port(get(r, "ClientIP"), &ev->src_ip, &ev->src_port);
    ash_str ct = getv(r, "ConnType");
    save(m, &ev->proto, ct.p, ct.n, 1);
    ev->action = ash_str_cstr("connect");
  }
}

/* "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." */
static void sysmon_hash(mctx *m, ash_str h) {
  const char *p = find(h, "SHA256=");
  if (!p) return;
  p += 7;
  size_t n = 0, rest = h.n - (size_t)(p - h.p);
  while (n < rest && p[n] != ',') n++;
  if (n == 64) save(m, &m->ev->sha256, p, n, 1);
}

static void sysmon(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  account(m, get(r, "User"), ASH_STR_NULL);
  ev->process = getv(r, "Image");
  switch (r->event_id) {
  case 1:
    ev->kind = ASH_KIND_WIN_PROCESS;
    ev->command_line = getv(r, "CommandLine");
    ev->parent_process = getv(r, "ParentImage");
    sysmon_hash(m, get(r, "Hashes"));
    break;
  case 3: {
    ev->kind = ASH_KIND_WIN_NETCONN;
    ash_str proto = getv(r, "Protocol");
    save(m, &ev->proto, proto.p, proto.n, 1);
    addr(get(r, "SourceIp"), &ev->src_ip);
    ev->src_port = port(get(r, "SourcePort"));
    addr(get(r, "DestinationIp"), &ev->dst_ip);
    ev->dst_port = port(get(r, "DestinationPort"));
    break;
  }
  case 11:
    ev->kind = ASH_KIND_WIN_FILE;
    ev->path = getv(r, "TargetFilename");
    ev->action = ash_str_cstr("create");
    break;
  case 12:
  case 13:
  case 14:
    ev->kind = ASH_KIND_WIN_REGISTRY;
    ev->path = getv(r, "TargetObject");
    ev->action = ash_str_cstr(r->event_id == 13 ? "set" : r->event_id == 14 ? "rename" : "change");
    break;
  case 22: ev->kind = ASH_KIND_WIN_DNS; break;
  default: break;
  }
}

/* A "Name = value" line of PowerShell's ContextInfo. */
static ash_str context_line(ash_str ctx, const char *key) {
  const char *p = find(ctx, key);
  if (!p) return ASH_STR_NULL;
  p += strlen(key);
  size_t rest = ctx.n - (size_t)(p - ctx.p), n = 0;
  while (n < rest && p[n] != '\r' && p[n] != '\n') n++;
  return trim(ash_str_make(p, n));
}

static void powershell(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  if (r->event_id == 4103) {
    ev->kind = ASH_KIND_WIN_SCRIPT;
    ash_str ctx = get(r, "ContextInfo");
    account(m, context_line(ctx, "User = "), ASH_STR_NULL);
    ev->command_line = context_line(ctx, "Host Application = ");
    ev->path = context_line(ctx, "Script Name = ");
  } else if (r->event_id == 4104) {
    ev->kind = ASH_KIND_WIN_SCRIPT;
    ev->command_line = getv(r, "ScriptBlockText");
    ev->path = getv(r, "Path");
  }
}

/* MPTHREAT_ACTION (Microsoft, MpClient.h): the numbers Defender logs as
 * "Action ID" next to the "Action Name" reference (Action ID 2 with
 * %%809 Quarantine, 9 with %%887 Not Applicable in the records we have). */
static const char *mp_action(int64_t id) {
  switch (id) {
  case 1: return "Clean";
  case 2: return "Quarantine";
  case 3: return "Remove";
  case 6: return "Allow";
  case 8: return "UserDefined";
  case 9: return "Not Applicable"; /* MP_THREAT_ACTION_NOACTION, as %%887 renders */
  case 10: return "Block";
  default: return NULL;
  }
}

/* Defender's "Action Name": its text when the record holds a reference
 * (%%809), from the message table or else from the Action ID beside it;
 * a reference neither explains stays as logged. */
static ash_str action_name(const ash_winrec *r) {
  ash_str a = getv(r, "Action Name");
  int64_t code;
  if (a.n < 3 || a.p[0] != '%' || a.p[1] != '%' ||
      ash_str_to_i64(ash_str_make(a.p + 2, a.n - 2), &code) || code < 0 || code > 0xffffffffLL)
    return a;
  const char *t = ash_msgtable_text(ASH_MSG_DEFENDER, (uint32_t)code);
  if (!t) t = mp_action(num(get(r, "Action ID")));
  return t ? ash_str_cstr(t) : a;
}

static void defender(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  switch (r->event_id) {
  case 1006:
  case 1015:
  case 1116: ev->kind = ASH_KIND_AV_DETECT; break;
  case 1007:
  case 1117:
  case 1118:
  case 1119: ev->kind = ASH_KIND_AV_ACTION; break;
  case 5001:
    ev->kind = ASH_KIND_AV_ACTION;
    ev->action = ash_str_cstr("realtime_protection_disabled");
    return;
  default: return;
  }
  ev->threat = getv(r, "Threat Name");
  account(m, get(r, "Detection User"), ASH_STR_NULL);
  ev->process = getv(r, "Process Name");
  /* "file:_C:\dir\x.exe" (several resources separated by ';'): the first
   * file path; the full text stays in the attributes */
  ash_str p = getv(r, "Path");
  if (p.n) {
    const char *u = find(p, ":_");
    const char *colon = memchr(p.p, ':', p.n);
    if (u && u == colon) p = ash_str_make(u + 2, p.n - (size_t)(u + 2 - p.p));
    const char *semi = memchr(p.p, ';', p.n);
    if (semi) p.n = (size_t)(semi - p.p);
    ev->path = p;
  }
  ash_str a = action_name(r);
  if (a.n && !ieq(a, "Not Applicable")) save(m, &ev->action, a.p, a.n, 1);
}

/* Any other event: the usual names, when they are there. */
static void generic(mctx *m) {
  const ash_winrec *r = m->r;
  ash_event *ev = m->ev;
  ash_str su = getv(r, "SubjectUserName");
  if (su.n)
    subject(m);
  else if (getv(r, "TargetUserName").n)
    account(m, get(r, "TargetUserName"), get(r, "TargetDomainName"));
  else
    account(m, get(r, "User"), ASH_STR_NULL);
  addr(get(r, "IpAddress"), &ev->src_ip);
  ev->src_port = port(get(r, "IpPort"));
  ash_str proc = getv(r, "Image");
  if (!proc.n) proc = getv(r, "ProcessName");
  if (!proc.n) proc = getv(r, "NewProcessName");
  ev->process = proc;
}

int ash_winevent_map(const ash_winrec *rec, ash_event *ev, ash_buf *scratch) {
  ash_event_init(ev);
  mctx m;
  memset(&m, 0, sizeof m);
  m.r = rec;
  m.ev = ev;
  m.b = scratch;
  ev->ts = rec->ts;
  ev->kind = ASH_KIND_WIN_EVENT;
  ev->event_id = rec->event_id;
  ev->channel = rec->channel;
  ev->ref = rec->record_id;
  host(&m, rec->computer);
  int src = source(rec);
  switch (src) {
  case SRC_SECURITY: security(&m); break;
  case SRC_SYSTEM: system_log(&m); break;
  case SRC_RCM:
  case SRC_LSM:
  case SRC_RDPCORE: rdp(&m, src); break;
  case SRC_SYSMON: sysmon(&m); break;
  case SRC_POWERSHELL: powershell(&m); break;
  case SRC_DEFENDER: defender(&m); break;
  default: break;
  }
  /* the event log service's own events (1102 in Security, 104 in System) */
  if (ieq(rec->provider, "Microsoft-Windows-Eventlog") &&
      (rec->event_id == 1102 || rec->event_id == 104)) {
    ev->kind = ASH_KIND_WIN_LOGCLEAR;
    ev->user = ev->domain = ASH_STR_NULL;
    subject(&m);
    ev->action = ash_str_cstr("clear");
  }
  if (!strcmp(ev->kind, ASH_KIND_WIN_EVENT)) generic(&m);

  /* attributes: every data item as logged, each followed by its text when
   * it holds a "%%NNNN" reference we can resolve ("<Name>.text": the
   * reference itself stays where the record had it, which is what Sigma
   * rules and the raw record show), then the provider and the user SID of
   * the System section (named so that no data item can be mistaken for
   * them) */
  ash_msgtable tab = src == SRC_SECURITY   ? ASH_MSG_SECURITY
                     : src == SRC_DEFENDER ? ASH_MSG_DEFENDER
                                           : ASH_MSG_NONE;
  size_t nd = rec->ndata;
  size_t extra = (rec->provider.n ? 1 : 0) + (rec->user_sid.n ? 1 : 0);
  if (nd + extra > ASH_MAX_ATTRS) nd = ASH_MAX_ATTRS - extra;
  struct {
    size_t ko, kn, vo, vn;
  } tx[ASH_MAX_ATTRS];
  int txi[ASH_MAX_ATTRS];
  size_t nt = 0;
  for (size_t i = 0; i < nd && !m.rc; i++) {
    txi[i] = -1;
    if (tab == ASH_MSG_NONE || nd + extra + nt >= ASH_MAX_ATTRS ||
        !ash_msgtable_has_ref(rec->data[i].v))
      continue;
    size_t ko = scratch->n;
    if (ash_buf_add(scratch, rec->data[i].k.p, rec->data[i].k.n) ||
        ash_buf_adds(scratch, ".text")) {
      m.rc = ASH_ELIMIT;
      break;
    }
    size_t vo = scratch->n;
    int done = ash_msgtable_render(tab, rec->data[i].v, scratch);
    if (done < 0) {
      m.rc = ASH_ELIMIT;
      break;
    }
    if (!done) { /* no reference we know: nothing to add */
      scratch->n = ko;
      continue;
    }
    tx[nt].ko = ko;
    tx[nt].kn = vo - ko;
    tx[nt].vo = vo;
    tx[nt].vn = scratch->n - vo;
    txi[i] = (int)nt++;
  }
  size_t total = nd + extra + nt;
  size_t pad = (8 - scratch->n % 8) % 8;
  size_t kvoff = 0;
  if (!m.rc && total) {
    static const char zeros[8];
    m.rc = ash_buf_add(scratch, zeros, pad);
    kvoff = scratch->n;
    for (size_t i = 0; i < total && !m.rc; i++) {
      ash_kv kv;
      memset(&kv, 0, sizeof kv);
      m.rc = ash_buf_add(scratch, &kv, sizeof kv);
    }
  }
  if (m.rc) return m.rc;
  /* scratch no longer moves: resolve the copies */
  for (int i = 0; i < m.nfx; i++) *m.fx[i].dst = ash_str_make(scratch->p + m.fx[i].off, m.fx[i].n);
  if (total) {
    ash_kv *kv = (ash_kv *)(void *)(scratch->p + kvoff);
    size_t k = 0;
    for (size_t i = 0; i < nd; i++) {
      kv[k++] = rec->data[i];
      if (txi[i] >= 0) {
        size_t t = (size_t)txi[i];
        kv[k].k = ash_str_make(scratch->p + tx[t].ko, tx[t].kn);
        kv[k++].v = ash_str_make(scratch->p + tx[t].vo, tx[t].vn);
      }
    }
    if (rec->provider.n) {
      kv[k].k = ash_str_cstr("System.Provider");
      kv[k++].v = rec->provider;
    }
    if (rec->user_sid.n) {
      kv[k].k = ash_str_cstr("System.UserID");
      kv[k++].v = rec->user_sid;
    }
    ev->attrs = kv;
    ev->nattrs = k;
  }
  return ASH_OK;
}
