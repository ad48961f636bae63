/* Windows events of the simulated hosts, written as Winlogbeat 8 / ECS JSON
 * lines (winlog.channel, winlog.event_id, winlog.event_data or
 * winlog.user_data, winlog.computer_name, winlog.record_id, @timestamp),
 * one file per host and channel group. The event data follow what Windows
 * itself records for each event id (names, order, value forms such as
 * "%%1833" and "0x3e7"), so that a parser meets here what it meets in
 * real collections. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ashiato/stream.h"
#include "ashiato/time.h"
#include "gen_int.h"

static const char *const CHANNEL[CH_COUNT] = {
    "Security",
    "System",
    "Microsoft-Windows-Windows Defender/Operational",
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "Microsoft-Windows-Sysmon/Operational",
    "Microsoft-Windows-PowerShell/Operational"};
static const int GROUP_OF[CH_COUNT] = {GG_SECURITY, GG_SYSTEM, GG_DEFENDER,  GG_TS,
                                       GG_TS,       GG_SYSMON, GG_POWERSHELL};
static const char *const GROUP_NAME[GG_COUNT] = {"security",         "system", "defender",
                                                 "terminalservices", "sysmon", "powershell"};

const char *g_group_of(int chan) { return GROUP_NAME[GROUP_OF[chan]]; }

void g_fmt_iso(int64_t t, char out[32]) { ash_time_format(t, out); }

void g_fmt_iso_ms(int64_t t, char out[32]) {
  char full[32];
  ash_time_format(t, full); /* YYYY-MM-DDTHH:MM:SS.ffffffZ */
  memcpy(out, full, 23);
  out[23] = 'Z';
  out[24] = 0;
}

/* "2025-03-02 01:22:01.123" as Sysmon writes UtcTime. */
static void fmt_sysmon(int64_t t, char out[32]) {
  g_fmt_iso_ms(t, out);
  out[10] = ' ';
  out[23] = 0;
}

void g_kv_begin(g_ctx *c) { ash_buf_reset(&c->kv); }

void g_kv(g_ctx *c, const char *k, const char *v) {
  ash_buf *b = &c->kv;
  if (b->n) ash_buf_addc(b, ',');
  ash_buf_addc(b, '"');
  ash_buf_add_json_str(b, k, strlen(k));
  ash_buf_adds(b, "\":\"");
  ash_buf_add_json_str(b, v, strlen(v));
  ash_buf_addc(b, '"');
}

void g_kvf(g_ctx *c, const char *k, const char *fmt, ...) {
  char tmp[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  g_kv(c, k, tmp);
}

void g_win_push(g_ctx *c, int64_t ts, int host, int chan, int eid) {
  if (chan == CH_SYSMON && !c->o->sysmon) return;
  g_rec *r = g_rec_new(&c->sched);
  if (!r) return;
  r->ts = ts - ts % 1000; /* Winlogbeat keeps milliseconds */
  r->type = GR_WIN;
  r->u.w.host = (uint32_t)host;
  r->u.w.chan = (uint8_t)chan;
  r->u.w.eid = (uint16_t)eid;
  r->u.w.data = malloc(c->kv.n + 1);
  if (!r->u.w.data) {
    g_rec_release(&c->sched, r);
    return;
  }
  memcpy(r->u.w.data, c->kv.p ? c->kv.p : "", c->kv.n);
  r->u.w.data[c->kv.n] = 0;
  g_sched_push(&c->sched, r);
}

typedef struct prov {
  const char *name, *guid;
} prov;

static prov provider_of(int chan, int eid) {
  static const prov EVENTLOG = {"Microsoft-Windows-Eventlog",
                                "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"};
  switch (chan) {
  case CH_SECURITY:
    if (eid == 1102) return EVENTLOG;
    return (prov){"Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-a5ba-3e3b0328c30d}"};
  case CH_SYSTEM:
    if (eid == 104) return EVENTLOG;
    if (eid >= 7000 && eid < 7100)
      return (prov){"Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}"};
    if (eid == 1074) return (prov){"User32", "{b0aa8734-56f7-41cc-b2f4-de228e98b946}"};
    return (prov){"EventLog", NULL};
  case CH_DEFENDER:
    return (prov){"Microsoft-Windows-Windows Defender", "{11cd958a-c507-4ef3-b3f2-5fd9dfbd2c78}"};
  case CH_RCM:
    return (prov){"Microsoft-Windows-TerminalServices-RemoteConnectionManager",
                  "{c76baa63-ae81-421c-b425-340b4b24157f}"};
  case CH_LSM:
    return (prov){"Microsoft-Windows-TerminalServices-LocalSessionManager",
                  "{5d896912-022d-40aa-a3a8-4fa5515c76d7}"};
  case CH_SYSMON:
    return (prov){"Microsoft-Windows-Sysmon", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"};
  default: return (prov){"Microsoft-Windows-PowerShell", "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}"};
  }
}

static int is_user_data(int chan, int eid) {
  return (chan == CH_RCM && eid == 1149) || (chan == CH_LSM && eid >= 21 && eid <= 25) ||
         (chan == CH_SECURITY && eid == 1102) || (chan == CH_SYSTEM && eid == 104);
}

static const char *task_of(int chan, int eid) {
  if (chan != CH_SECURITY) return NULL;
  switch (eid) {
  case 4624:
  case 4625: return "Logon";
  case 4634:
  case 4647: return "Logoff";
  case 4688: return "Process Creation";
  case 4697: return "Security System Extension";
  case 4698: return "Other Object Access Events";
  case 4768: return "Kerberos Authentication Service";
  case 4769: return "Kerberos Service Ticket Operations";
  case 5140: return "File Share";
  case 1102: return "Log clear";
  default: return NULL;
  }
}

int g_win_render(g_ctx *c, const g_rec *r, ash_buf *b) {
  const g_win *w = &r->u.w;
  g_host *h = &c->org.hosts[w->host];
  uint64_t rid = ++h->rec[w->chan];
  char ts[32];
  g_fmt_iso_ms(r->ts, ts);
  prov p = provider_of(w->chan, w->eid);
  const char *level = "information";
  if (w->chan == CH_DEFENDER && (w->eid == 1116 || w->eid == 1117)) level = "warning";
  if (w->chan == CH_SYSTEM && w->eid == 1074) level = "information";
  ash_buf_reset(b);
  ash_buf_printf(
      b,
      "{\"@timestamp\":\"%s\",\"agent\":{\"name\":\"%s\",\"type\":\"winlogbeat\","
      "\"version\":\"8.13.4\"},\"ecs\":{\"version\":\"8.0.0\"},\"event\":{\"code\":\"%u\","
      "\"kind\":\"event\",\"provider\":\"%s\"},\"host\":{\"name\":\"%s.%s\"},"
      "\"log\":{\"level\":\"%s\"},\"winlog\":{\"api\":\"wineventlog\","
      "\"channel\":\"%s\",\"computer_name\":\"%s\",",
      ts, h->upper, (unsigned)w->eid, p.name, h->name, c->org.domain, level, CHANNEL[w->chan],
      h->fqdn);
  int ud = is_user_data(w->chan, w->eid);
  if (!ud) {
    ash_buf_adds(b, "\"event_data\":{");
    ash_buf_adds(b, w->data);
    ash_buf_adds(b, "},");
  }
  ash_buf_printf(b, "\"event_id\":\"%u\",", (unsigned)w->eid);
  if (w->chan == CH_SECURITY)
    ash_buf_printf(b, "\"keywords\":[\"%s\"],", w->eid == 4625 ? "Audit Failure" : "Audit Success");
  ash_buf_printf(b, "\"opcode\":\"Info\",");
  if (p.guid) ash_buf_printf(b, "\"provider_guid\":\"%s\",", p.guid);
  ash_buf_printf(b, "\"provider_name\":\"%s\",\"record_id\":\"%llu\"", p.name,
                 (unsigned long long)rid);
  const char *task = task_of(w->chan, w->eid);
  if (task) ash_buf_printf(b, ",\"task\":\"%s\"", task);
  if (ud) {
    ash_buf_adds(b, ",\"user_data\":{");
    ash_buf_adds(b, w->data);
    ash_buf_adds(b, w->data[0] ? ",\"xml_name\":\"EventXML\"}" : "\"xml_name\":\"EventXML\"}");
  }
  return ash_buf_adds(b, "}}\n");
}

/* ---- building blocks ---- */

static void guid(g_ctx *c, char out[40]) {
  uint64_t a = g_next(&c->rng), b = g_next(&c->rng);
  snprintf(out, 40, "{%08x-%04x-%04x-%04x-%012llx}", (unsigned)(a >> 32),
           (unsigned)((a >> 16) & 0xffff), (unsigned)(0x4000 | (a & 0x0fff)),
           (unsigned)(0x8000 | ((b >> 48) & 0x3fff)), (unsigned long long)(b & 0xffffffffffffULL));
}

static const char *acct_name(g_ctx *c, int user, const char *name) {
  return user >= 0 ? c->org.users[user].name : name;
}

static void sid_of(g_ctx *c, int user, const char *name, char out[80]) {
  if (user >= 0) {
    g_user_sid(c, user, out);
    return;
  }
  if (name && !strcmp(name, "SYSTEM")) {
    snprintf(out, 80, "S-1-5-18");
    return;
  }
  /* Service accounts: stable RIDs from their names. */
  uint32_t h = 0;
  for (const char *p = name; p && *p; p++) h = h * 31 + (uint8_t)*p;
  snprintf(out, 80, "%s-%u", c->org.dom_sid, 1000 + h % 90);
}

static uint64_t logon_id(g_ctx *c) { return 0x100000 + (g_next(&c->rng) & 0x3fffffff); }

void g_ev_logon(g_ctx *c, int64_t ts, const g_logon *l) {
  g_host *h = &c->org.hosts[l->host];
  char sid[80], g[40], hx[24];
  const char *name = acct_name(c, l->user, l->name);
  const char *dom = l->dom ? l->dom : c->org.netbios;
  sid_of(c, l->user, l->name, sid);
  g_kv_begin(c);
  g_kv(c, "SubjectUserSid", l->type == 3 ? "S-1-0-0" : "S-1-5-18");
  char subj[40]; /* the machine account of the host, "FS01$" */
  snprintf(subj, sizeof subj, "%s$", h->upper);
  g_kv(c, "SubjectUserName", l->type == 3 ? "-" : subj);
  g_kv(c, "SubjectDomainName", l->type == 3 ? "-" : c->org.netbios);
  g_kv(c, "SubjectLogonId", l->type == 3 ? "0x0" : "0x3e7");
  g_kv(c, "TargetUserSid", sid);
  g_kv(c, "TargetUserName", name);
  g_kv(c, "TargetDomainName", dom);
  snprintf(hx, sizeof hx, "0x%llx", (unsigned long long)l->logon_id);
  g_kv(c, "TargetLogonId", hx);
  g_kvf(c, "LogonType", "%d", l->type);
  int kerb = l->type == 3 && l->workstation == NULL;
  switch (l->type) {
  case 3:
    g_kv(c, "LogonProcessName", kerb ? "Kerberos" : "NtLmSsp ");
    g_kv(c, "AuthenticationPackageName", kerb ? "Kerberos" : "NTLM");
    break;
  case 5:
    g_kv(c, "LogonProcessName", "Advapi  ");
    g_kv(c, "AuthenticationPackageName", "Negotiate");
    break;
  case 9:
    g_kv(c, "LogonProcessName", "seclogo");
    g_kv(c, "AuthenticationPackageName", "Negotiate");
    break;
  default:
    g_kv(c, "LogonProcessName", "User32 ");
    g_kv(c, "AuthenticationPackageName", "Negotiate");
  }
  g_kv(c, "WorkstationName", l->workstation ? l->workstation : (l->type == 3 ? "-" : h->upper));
  if (kerb)
    guid(c, g);
  else
    snprintf(g, sizeof g, "{00000000-0000-0000-0000-000000000000}");
  g_kv(c, "LogonGuid", g);
  g_kv(c, "TransmittedServices", "-");
  g_kv(c, "LmPackageName", l->type == 3 && !kerb ? "NTLM V2" : "-");
  g_kv(c, "KeyLength", l->type == 3 && !kerb ? "128" : "0");
  if (l->type == 3) {
    g_kv(c, "ProcessId", "0x0");
    g_kv(c, "ProcessName", "-");
  } else if (l->type == 5) {
    g_kvf(c, "ProcessId", "0x%x", h->pid_lsass - 64);
    g_kv(c, "ProcessName", "C:\\Windows\\System32\\services.exe");
  } else {
    g_kvf(c, "ProcessId", "0x%x", l->type == 10 ? h->pid_svchost_ts : h->pid_lsass + 120);
    g_kv(c, "ProcessName", "C:\\Windows\\System32\\svchost.exe");
  }
  g_kv(c, "IpAddress", l->ip ? l->ip : "-");
  g_kvf(c, "IpPort", "%d", l->port);
  g_kv(c, "ImpersonationLevel", "%%1833");
  g_kv(c, "RestrictedAdminMode", l->type == 10 ? "%%1843" : "-");
  g_kv(c, "RemoteCredentialGuard", "-");
  g_kv(c, "TargetOutboundUserName", "-");
  g_kv(c, "TargetOutboundDomainName", "-");
  g_kv(c, "VirtualAccount", "%%1843");
  g_kv(c, "TargetLinkedLogonId", "0x0");
  g_kv(c, "ElevatedToken", l->type == 3 || l->type == 10 ? "%%1842" : "%%1843");
  g_win_push(c, ts, l->host, CH_SECURITY, 4624);
}

void g_ev_logoff(g_ctx *c, int64_t ts, const g_logon *l) {
  char sid[80];
  sid_of(c, l->user, l->name, sid);
  g_kv_begin(c);
  g_kv(c, "TargetUserSid", sid);
  g_kv(c, "TargetUserName", acct_name(c, l->user, l->name));
  g_kv(c, "TargetDomainName", l->dom ? l->dom : c->org.netbios);
  g_kvf(c, "TargetLogonId", "0x%llx", (unsigned long long)l->logon_id);
  g_kvf(c, "LogonType", "%d", l->type);
  g_win_push(c, ts, l->host, CH_SECURITY, 4634);
}

/* An RDP session: RemoteConnectionManager 1149 (authentication), Security
 * 4624 type 10, LocalSessionManager 21/22 (or 25 on reconnection), and at
 * its end 24 (disconnected) or 23 + 4634 (logged off). */
void g_ev_rdp(g_ctx *c, int64_t ts, int64_t end, int host, int user, const char *src,
              const char *lsm_src, int disconnect) {
  g_host *h = &c->org.hosts[host];
  const char *name = c->org.users[user].name;
  char dn[96];
  snprintf(dn, sizeof dn, "%s\\%s", c->org.netbios, name);
  g_kv_begin(c);
  g_kv(c, "Param1", name);
  g_kv(c, "Param2", c->org.netbios);
  g_kv(c, "Param3", src);
  g_win_push(c, ts - 1500 * 1000, host, CH_RCM, 1149);
  g_logon l = {host, user, NULL, NULL, 10, src, NULL, logon_id(c), 0};
  char ws[24];
  int owner_ws = c->org.users[user].ws;
  snprintf(ws, sizeof ws, "%s", c->org.hosts[owner_ws].upper);
  l.workstation = ws;
  l.port = (int)g_range(&c->rng, 49152, 65535);
  if (!strcmp(src, "127.0.0.1") || !strcmp(src, "::1")) l.port = 0;
  g_ev_logon(c, ts, &l);
  uint32_t sess = h->next_session_id++;
  if (h->next_session_id > 60) h->next_session_id = 2;
  int reconnect = lsm_src && lsm_src[0] == '!';
  const char *addr = reconnect ? lsm_src + 1 : (lsm_src ? lsm_src : src);
  g_kv_begin(c);
  g_kv(c, "User", dn);
  g_kvf(c, "SessionID", "%u", sess);
  g_kv(c, "Address", addr);
  g_win_push(c, ts + 800 * 1000, host, CH_LSM, reconnect ? 25 : 21);
  if (!reconnect) {
    g_kv_begin(c);
    g_kv(c, "User", dn);
    g_kvf(c, "SessionID", "%u", sess);
    g_kv(c, "Address", "LOCAL");
    g_win_push(c, ts + 2100 * 1000, host, CH_LSM, 22);
  }
  if (end <= ts) return;
  g_kv_begin(c);
  g_kv(c, "User", dn);
  g_kvf(c, "SessionID", "%u", sess);
  if (disconnect) {
    g_kv(c, "Address", addr);
    g_win_push(c, end, host, CH_LSM, 24);
  } else {
    g_win_push(c, end, host, CH_LSM, 23);
    g_ev_logoff(c, end + 300 * 1000, &l);
  }
}

void g_ev_process(g_ctx *c, int64_t ts, int host, int user, const char *image, const char *cmdline,
                  const char *parent, const char *sha256) {
  g_host *h = &c->org.hosts[host];
  char sid[80];
  const char *uname = user >= 0 ? c->org.users[user].name : NULL;
  if (user >= 0)
    g_user_sid(c, user, sid);
  else
    snprintf(sid, sizeof sid, "S-1-5-18");
  uint32_t pid = (uint32_t)g_range(&c->rng, 1000, 30000) & ~3u;
  uint32_t ppid = (uint32_t)g_range(&c->rng, 600, 12000) & ~3u;
  uint64_t lid = user >= 0 ? logon_id(c) : 0x3e7;
  g_kv_begin(c);
  g_kv(c, "SubjectUserSid", sid);
  if (uname) {
    g_kv(c, "SubjectUserName", uname);
    g_kv(c, "SubjectDomainName", c->org.netbios);
  } else {
    char mach[32];
    snprintf(mach, sizeof mach, "%s$", h->upper);
    g_kv(c, "SubjectUserName", mach);
    g_kv(c, "SubjectDomainName", c->org.netbios);
  }
  g_kvf(c, "SubjectLogonId", "0x%llx", (unsigned long long)lid);
  g_kvf(c, "NewProcessId", "0x%x", pid);
  g_kv(c, "NewProcessName", image);
  g_kv(c, "TokenElevationType", uname ? "%%1937" : "%%1936");
  g_kvf(c, "ProcessId", "0x%x", ppid);
  g_kv(c, "CommandLine", cmdline);
  g_kv(c, "TargetUserSid", "S-1-0-0");
  g_kv(c, "TargetUserName", "-");
  g_kv(c, "TargetDomainName", "-");
  g_kv(c, "TargetLogonId", "0x0");
  g_kv(c, "ParentProcessName", parent);
  g_kv(c, "MandatoryLabel", uname ? "S-1-16-12288" : "S-1-16-16384");
  g_win_push(c, ts, host, CH_SECURITY, 4688);
  if (!c->o->sysmon || h->role == HR_WS) return;
  char t[32], pg[40], g[40], hashes[200], ubuf[96];
  fmt_sysmon(ts, t);
  guid(c, g);
  guid(c, pg);
  char hex[65];
  if (!sha256) {
    ash_sha256_hex(image, strlen(image), hex);
    sha256 = hex;
  }
  snprintf(hashes, sizeof hashes, "SHA256=%s", sha256);
  for (char *p = hashes + 7; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 32);
  snprintf(ubuf, sizeof ubuf, "%s\\%s", uname ? c->org.netbios : "NT AUTHORITY",
           uname ? uname : "SYSTEM");
  const char *base = strrchr(image, '\\');
  base = base ? base + 1 : image;
  g_kv_begin(c);
  g_kv(c, "RuleName", "-");
  g_kv(c, "UtcTime", t);
  g_kv(c, "ProcessGuid", g);
  g_kvf(c, "ProcessId", "%u", pid);
  g_kv(c, "Image", image);
  g_kv(c, "FileVersion", "-");
  g_kv(c, "Description", "-");
  g_kv(c, "Product", "-");
  g_kv(c, "Company", "-");
  g_kv(c, "OriginalFileName", base);
  g_kv(c, "CommandLine", cmdline);
  g_kv(c, "CurrentDirectory", "C:\\Windows\\system32\\");
  g_kv(c, "User", ubuf);
  g_kv(c, "LogonGuid", g);
  g_kvf(c, "LogonId", "0x%llx", (unsigned long long)lid);
  g_kv(c, "TerminalSessionId", uname ? "2" : "0");
  g_kv(c, "IntegrityLevel", uname ? "High" : "System");
  g_kv(c, "Hashes", hashes);
  g_kv(c, "ParentProcessGuid", pg);
  g_kvf(c, "ParentProcessId", "%u", ppid);
  g_kv(c, "ParentImage", parent);
  g_kv(c, "ParentCommandLine", parent);
  g_kv(c, "ParentUser", ubuf);
  g_win_push(c, ts, host, CH_SYSMON, 1);
}

void g_ev_service(g_ctx *c, int64_t ts, int host, int user, const char *svc, const char *image) {
  char sid[80];
  if (user >= 0)
    g_user_sid(c, user, sid);
  else
    snprintf(sid, sizeof sid, "S-1-5-18");
  g_kv_begin(c);
  g_kv(c, "ServiceName", svc);
  g_kv(c, "ImagePath", image);
  g_kv(c, "ServiceType", "user mode service");
  g_kv(c, "StartType", "demand start");
  g_kv(c, "AccountName", "LocalSystem");
  g_win_push(c, ts, host, CH_SYSTEM, 7045);
  g_kv_begin(c);
  g_kv(c, "SubjectUserSid", sid);
  g_kv(c, "SubjectUserName", user >= 0 ? c->org.users[user].name : "SYSTEM");
  g_kv(c, "SubjectDomainName", user >= 0 ? c->org.netbios : "NT AUTHORITY");
  g_kvf(c, "SubjectLogonId", "0x%llx", (unsigned long long)logon_id(c));
  g_kv(c, "ServiceName", svc);
  g_kv(c, "ServiceFileName", image);
  g_kv(c, "ServiceType", "0x10");
  g_kv(c, "ServiceStartType", "3");
  g_kv(c, "ServiceAccount", "LocalSystem");
  g_win_push(c, ts + 20 * 1000, host, CH_SECURITY, 4697);
}

void g_ev_task(g_ctx *c, int64_t ts, int host, int user, const char *task, const char *cmd) {
  char sid[80], xml[1400], date[32];
  g_user_sid(c, user, sid);
  g_fmt_iso(ts + G_TZ_OFF, date);
  date[19] = 0;
  /* The command and its arguments are split as Task Scheduler stores them. */
  char exe[512], args[512];
  const char *sp = cmd[0] == '"' ? strchr(cmd + 1, '"') : strchr(cmd, ' ');
  if (sp && cmd[0] == '"') sp++;
  if (sp) {
    snprintf(exe, sizeof exe, "%.*s", (int)(sp - cmd), cmd);
    snprintf(args, sizeof args, "%s", *sp == ' ' ? sp + 1 : sp);
  } else {
    snprintf(exe, sizeof exe, "%s", cmd);
    args[0] = 0;
  }
  snprintf(xml, sizeof xml,
           "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Task version=\"1.2\" "
           "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n  "
           "<RegistrationInfo>\r\n    <Date>%s</Date>\r\n    <Author>%s\\%s</Author>\r\n    "
           "<URI>%s</URI>\r\n  </RegistrationInfo>\r\n  <Triggers>\r\n    <CalendarTrigger>\r\n "
           "     <StartBoundary>%s</StartBoundary>\r\n      <ScheduleByDay>\r\n        "
           "<DaysInterval>1</DaysInterval>\r\n      </ScheduleByDay>\r\n    </CalendarTrigger>\r\n "
           " </Triggers>\r\n  <Principals>\r\n    <Principal id=\"Author\">\r\n      "
           "<UserId>S-1-5-18</UserId>\r\n      <RunLevel>HighestAvailable</RunLevel>\r\n    "
           "</Principal>\r\n  </Principals>\r\n  <Actions Context=\"Author\">\r\n    <Exec>\r\n  "
           "    <Command>%s</Command>\r\n      <Arguments>%s</Arguments>\r\n    </Exec>\r\n  "
           "</Actions>\r\n</Task>",
           date, c->org.netbios, c->org.users[user].name, task, date, exe, args);
  g_kv_begin(c);
  g_kv(c, "SubjectUserSid", sid);
  g_kv(c, "SubjectUserName", c->org.users[user].name);
  g_kv(c, "SubjectDomainName", c->org.netbios);
  g_kvf(c, "SubjectLogonId", "0x%llx", (unsigned long long)logon_id(c));
  g_kv(c, "TaskName", task);
  g_kv(c, "TaskContent", xml);
  g_kv(c, "ClientProcessStartKey", "3096224743817256");
  g_kv(c, "ClientProcessId", "5432");
  g_kv(c, "ParentProcessId", "812");
  g_kv(c, "RpcCallClientLocality", "0");
  g_kv(c, "FQDN", c->org.hosts[host].fqdn);
  g_win_push(c, ts, host, CH_SECURITY, 4698);
}

static void av_common(g_ctx *c, int64_t ts, const char *threat, const char *category,
                      const char *severity, const char *path, const char *detuser,
                      const char *process, const char *det_id, uint64_t threat_id) {
  char t[32];
  g_fmt_iso_ms(ts, t);
  g_kv(c, "Product Name", "Microsoft Defender Antivirus");
  g_kv(c, "Product Version", "4.18.24090.11");
  g_kv(c, "Detection ID", det_id);
  g_kv(c, "Detection Time", t);
  g_kv(c, "Unused", "");
  g_kv(c, "Unused2", "");
  g_kvf(c, "Threat ID", "%llu", (unsigned long long)threat_id);
  g_kv(c, "Threat Name", threat);
  g_kv(c, "Severity ID", !strcmp(severity, "Severe") ? "5" : !strcmp(severity, "High") ? "4" : "2");
  g_kv(c, "Severity Name", severity);
  g_kv(c, "Category ID",
       !strcmp(category, "Tool")    ? "34"
       : !strcmp(category, "Virus") ? "42"
                                    : "27");
  g_kv(c, "Category Name", category);
  g_kvf(c, "FWLink",
        "https://go.microsoft.com/fwlink/?linkid=37020&name=%s&threatid=%llu&enterprise=1", threat,
        (unsigned long long)threat_id);
  g_kv(c, "Status Code", "1");
  g_kv(c, "Status Description", "");
  g_kv(c, "State", "1");
  g_kv(c, "Source ID", "3");
  g_kv(c, "Source Name", "Real-Time Protection");
  g_kv(c, "Process Name", process);
  g_kv(c, "Detection User", detuser);
  g_kv(c, "Unused3", "");
  g_kvf(c, "Path", "file:_%s", path);
  g_kv(c, "Origin ID", "1");
  g_kv(c, "Origin Name", "Local machine");
  g_kv(c, "Execution ID", "1");
  g_kv(c, "Execution Name", "Suspended");
  g_kv(c, "Type ID", "0");
  g_kv(c, "Type Name", "Concrete");
  g_kv(c, "Pre Execution Status", "0");
}

/* The Defender 1116 (detected: action 9) or 1117 (action taken: 2,
 * quarantine) record of one detection made at ts, logged at at. */
static void av_event(g_ctx *c, int64_t ts, int64_t at, int host, const char *threat,
                     const char *category, const char *severity, const char *path,
                     const char *detuser, const char *process, const char *det, uint64_t tid,
                     int quarantined) {
  g_kv_begin(c);
  av_common(c, ts, threat, category, severity, path, detuser, process, det, tid);
  g_kv(c, "Action ID", quarantined ? "2" : "9");
  g_kv(c, "Action Name", quarantined ? "Quarantine" : "Not Applicable");
  g_kv(c, "Unused4", "");
  g_kv(c, "Error Code", "0x00000000");
  g_kv(c, "Error Description", "The operation completed successfully. ");
  g_kv(c, "Unused5", "");
  g_kv(c, "Post Clean Status", "0");
  g_kv(c, "Additional Actions ID", "0");
  g_kv(c, "Additional Actions String", "No additional actions required");
  g_kv(c, "Remediation User", quarantined ? "NT AUTHORITY\\SYSTEM" : "");
  g_kv(c, "Unused6", "");
  g_kv(c, "Security intelligence Version", "AV: 1.421.1234.0, AS: 1.421.1234.0, NIS: 1.421.1234.0");
  g_kv(c, "Engine Version", "AM: 1.1.24090.11, NIS: 1.1.24090.11");
  g_win_push(c, at, host, CH_DEFENDER, quarantined ? 1117 : 1116);
}

void g_ev_av(g_ctx *c, int64_t ts, int host, const char *threat, const char *category,
             const char *severity, const char *path, const char *detuser, const char *process,
             int quarantine_delay_ms) {
  char det[40];
  guid(c, det);
  uint64_t tid = 2147480000ULL + (g_mix(strlen(threat) * 131 + (uint8_t)threat[0]) % 900000);
  av_event(c, ts, ts, host, threat, category, severity, path, detuser, process, det, tid, 0);
  if (quarantine_delay_ms < 0) return;
  av_event(c, ts, ts + (int64_t)quarantine_delay_ms * 1000, host, threat, category, severity, path,
           detuser, process, det, tid, 1);
}

void g_ev_ps(g_ctx *c, int64_t ts, int host, const char *script) {
  char g[40];
  guid(c, g);
  for (size_t i = 1; i < strlen(g) - 1; i++)
    if (g[i] >= 'A' && g[i] <= 'F') g[i] = (char)(g[i] + 32);
  g_kv_begin(c);
  g_kv(c, "MessageNumber", "1");
  g_kv(c, "MessageTotal", "1");
  g_kv(c, "ScriptBlockText", script);
  g_kvf(c, "ScriptBlockId", "%.*s", 36, g + 1);
  g_kv(c, "Path", "");
  g_win_push(c, ts, host, CH_POWERSHELL, 4104);
}

void g_ev_sysmon_net(g_ctx *c, int64_t ts, int host, const char *image, const char *user,
                     const char *sip, int sport, const char *dip, int dport) {
  if (!c->o->sysmon) return;
  char t[32], g[40];
  fmt_sysmon(ts, t);
  guid(c, g);
  g_kv_begin(c);
  g_kv(c, "RuleName", "-");
  g_kv(c, "UtcTime", t);
  g_kv(c, "ProcessGuid", g);
  g_kvf(c, "ProcessId", "%u", (unsigned)(g_range(&c->rng, 1000, 9000) & ~3));
  g_kv(c, "Image", image);
  g_kv(c, "User", user);
  g_kv(c, "Protocol", "tcp");
  g_kv(c, "Initiated", "true");
  g_kv(c, "SourceIsIpv6", strchr(sip, ':') ? "true" : "false");
  g_kv(c, "SourceIp", sip);
  g_kv(c, "SourceHostname", c->org.hosts[host].fqdn);
  g_kvf(c, "SourcePort", "%d", sport);
  g_kv(c, "SourcePortName", "-");
  g_kv(c, "DestinationIsIpv6", strchr(dip, ':') ? "true" : "false");
  g_kv(c, "DestinationIp", dip);
  g_kv(c, "DestinationHostname", "-");
  g_kvf(c, "DestinationPort", "%d", dport);
  g_kv(c, "DestinationPortName", dport == 443 ? "https" : dport == 3389 ? "ms-wbt-server" : "-");
  g_win_push(c, ts, host, CH_SYSMON, 3);
}

void g_ev_sysmon_file(g_ctx *c, int64_t ts, int host, const char *image, const char *path,
                      const char *user) {
  if (!c->o->sysmon) return;
  char t[32], g[40];
  fmt_sysmon(ts, t);
  guid(c, g);
  g_kv_begin(c);
  g_kv(c, "RuleName", "EXE");
  g_kv(c, "UtcTime", t);
  g_kv(c, "ProcessGuid", g);
  g_kvf(c, "ProcessId", "%u", (unsigned)(g_range(&c->rng, 1000, 9000) & ~3));
  g_kv(c, "Image", image);
  g_kv(c, "TargetFilename", path);
  g_kv(c, "CreationUtcTime", t);
  g_kv(c, "User", user);
  g_win_push(c, ts, host, CH_SYSMON, 11);
}

void g_ev_kerberos(g_ctx *c, int64_t ts, int user, const char *ip, const char *service) {
  g_org *org = &c->org;
  int dc = org->dc[org->ndc > 1 ? (int)g_below(&c->rng, (uint32_t)org->ndc) : 0];
  char sid[80], ipb[64];
  g_user_sid(c, user, sid);
  snprintf(ipb, sizeof ipb, "::ffff:%s", ip);
  int port = (int)g_range(&c->rng, 49152, 65535);
  g_kv_begin(c);
  g_kv(c, "TargetUserName", org->users[user].name);
  g_kv(c, "TargetDomainName", org->netbios);
  g_kv(c, "TargetSid", sid);
  g_kv(c, "ServiceName", "krbtgt");
  g_kvf(c, "ServiceSid", "%s-502", org->dom_sid);
  g_kv(c, "TicketOptions", "0x40810010");
  g_kv(c, "Status", "0x0");
  g_kv(c, "TicketEncryptionType", "0x12");
  g_kv(c, "PreAuthType", "2");
  g_kv(c, "IpAddress", ipb);
  g_kvf(c, "IpPort", "%d", port);
  g_kv(c, "CertIssuerName", "");
  g_kv(c, "CertSerialNumber", "");
  g_kv(c, "CertThumbprint", "");
  g_win_push(c, ts, dc, CH_SECURITY, 4768);
  if (!service) return;
  char svc[40], tun[200], g[40];
  snprintf(svc, sizeof svc, "%s$", service);
  snprintf(tun, sizeof tun, "%s@%s", org->users[user].name, org->DOMAIN);
  guid(c, g);
  g_kv_begin(c);
  g_kv(c, "TargetUserName", tun);
  g_kv(c, "TargetDomainName", org->DOMAIN);
  g_kv(c, "ServiceName", svc);
  g_kvf(c, "ServiceSid", "%s-%u", org->dom_sid, 1000 + (unsigned)(svc[0] + svc[1]));
  g_kv(c, "TicketOptions", "0x40810000");
  g_kv(c, "TicketEncryptionType", "0x12");
  g_kv(c, "IpAddress", ipb);
  g_kvf(c, "IpPort", "%d", port + 1 > 65535 ? 49152 : port + 1);
  g_kv(c, "Status", "0x0");
  g_kv(c, "LogonGuid", g);
  g_kv(c, "TransmittedServices", "-");
  g_win_push(c, ts + 40 * 1000, dc, CH_SECURITY, 4769);
}

void g_ev_logclear(g_ctx *c, int64_t ts, int host, int user, const char *channel) {
  char sid[80];
  g_user_sid(c, user, sid);
  g_kv_begin(c);
  if (!strcmp(channel, "Security")) {
    g_kv(c, "SubjectUserSid", sid);
    g_kv(c, "SubjectUserName", c->org.users[user].name);
    g_kv(c, "SubjectDomainName", c->org.netbios);
    g_kvf(c, "SubjectLogonId", "0x%llx", (unsigned long long)logon_id(c));
    g_win_push(c, ts, host, CH_SECURITY, 1102);
  } else {
    g_kv(c, "SubjectUserName", c->org.users[user].name);
    g_kv(c, "SubjectDomainName", c->org.netbios);
    g_kv(c, "Channel", channel);
    g_kv(c, "BackupPath", "");
    g_win_push(c, ts, host, CH_SYSTEM, 104);
  }
}
