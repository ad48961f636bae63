/* Unit tests of ash_winevent_map: what Windows events become. Records are
 * built here as the containers (EVTX, JSON exports) hand them over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ashiato/buf.h"
#include "ashiato/error.h"
#include "ashiato/event.h"
#include "ashiato/limits.h"
#include "ingest/msgtable.h"
#include "ingest/winevent.h"

typedef struct rec {
  ash_winrec w;
  ash_kv kv[64];
  ash_buf scratch;
  ash_event ev;
} rec;

/* channel, provider, event id, then name/value pairs, NULL-terminated */
static void build(rec *r, const char *channel, const char *provider, int64_t id, ...) {
  memset(r, 0, sizeof *r);
  r->w.ts = 1700000000000000LL;
  r->w.record_id = 42;
  r->w.event_id = id;
  r->w.channel = ash_str_cstr(channel);
  r->w.provider = ash_str_cstr(provider);
  r->w.computer = ash_str_cstr("APP02.corp.example.local");
  va_list ap;
  va_start(ap, id);
  const char *k;
  size_t n = 0;
  while ((k = va_arg(ap, const char *))) {
    r->kv[n].k = ash_str_cstr(k);
    r->kv[n].v = ash_str_cstr(va_arg(ap, const char *));
    n++;
  }
  va_end(ap);
  r->w.data = r->kv;
  r->w.ndata = n;
  ash_buf_init(&r->scratch, 1 << 20);
  assert_int_equal(ash_winevent_map(&r->w, &r->ev, &r->scratch), ASH_OK);
}

static void done(rec *r) { ash_buf_free(&r->scratch); }

static void str_is(ash_str s, const char *want) {
  if (!want) {
    assert_int_equal(s.n, 0);
    return;
  }
  if (s.n != strlen(want) || memcmp(s.p, want, s.n))
    fail_msg("got '%.*s', want '%s'", (int)s.n, s.p ? s.p : "", want);
}

static void ip_is(const ash_ip *ip, const char *want) {
  char t[ASH_IP_STRLEN];
  ash_ip_format(ip, t);
  assert_string_equal(t, want ? want : "");
}

static const char *attr(const ash_event *ev, const char *k) {
  static char v[256];
  for (size_t i = 0; i < ev->nattrs; i++)
    if (ash_str_eq(ev->attrs[i].k, k)) {
      size_t n = ev->attrs[i].v.n < sizeof v - 1 ? ev->attrs[i].v.n : sizeof v - 1;
      memcpy(v, ev->attrs[i].v.p, n);
      v[n] = 0;
      return v;
    }
  return NULL;
}

#define SEC "Security", "Microsoft-Windows-Security-Auditing"

static void logon(rec *r, const char *type, const char *ip, const char *port) {
  build(r, SEC, 4624, "SubjectUserName", "APP02$", "SubjectDomainName", "CORP", "TargetUserName",
        "t.sato", "TargetDomainName", "CORP", "LogonType", type, "IpAddress", ip, "IpPort", port,
        "ProcessName", "C:\\Windows\\System32\\svchost.exe", NULL);
}

static void test_logon_loopback_rdp(void **st) {
  (void)st;
  rec r;
  /* the tunnelled RDP of the scenario: type 10 from the host itself */
  logon(&r, "10", "127.0.0.1", "0");
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_LOGON);
  assert_int_equal(r.ev.logon_type, 10);
  ip_is(&r.ev.src_ip, "127.0.0.1");
  assert_true(ash_ip_is_loopback(&r.ev.src_ip));
  assert_int_equal(r.ev.src_port, -1);
  str_is(r.ev.user, "t.sato");
  str_is(r.ev.domain, "CORP");
  str_is(r.ev.host, "app02");
  assert_int_equal(r.ev.event_id, 4624);
  assert_int_equal(r.ev.ref, 42);
  str_is(r.ev.channel, "Security");
  assert_string_equal(attr(&r.ev, "IpAddress"), "127.0.0.1");
  assert_string_equal(attr(&r.ev, "System.Provider"), "Microsoft-Windows-Security-Auditing");
  done(&r);
  logon(&r, "10", "::1", "51234");
  assert_int_equal(r.ev.logon_type, 10);
  ip_is(&r.ev.src_ip, "::1");
  assert_true(ash_ip_is_loopback(&r.ev.src_ip));
  assert_int_equal(r.ev.src_port, 51234);
  done(&r);
}

static void test_logon_type2_stays(void **st) {
  (void)st;
  rec r;
  /* a console logon that Windows records with 127.0.0.1 is not RDP */
  logon(&r, "2", "127.0.0.1", "0");
  assert_int_equal(r.ev.logon_type, 2);
  ip_is(&r.ev.src_ip, "127.0.0.1");
  done(&r);
}

static void test_address_forms(void **st) {
  (void)st;
  rec r;
  logon(&r, "3", "-", "-");
  assert_int_equal(r.ev.src_ip.fam, 0);
  assert_int_equal(r.ev.src_port, -1);
  assert_string_equal(attr(&r.ev, "IpAddress"), "-");
  done(&r);
  logon(&r, "3", "::ffff:10.1.2.3", "445");
  ip_is(&r.ev.src_ip, "10.1.2.3");
  assert_int_equal(r.ev.src_ip.fam, 4);
  done(&r);
  logon(&r, "3", "fe80::1%10", "445");
  ip_is(&r.ev.src_ip, "fe80::1");
  done(&r);
  logon(&r, "3", "::", "0");
  assert_int_equal(r.ev.src_ip.fam, 0);
  done(&r);
}

static void test_accounts(void **st) {
  (void)st;
  rec r;
  build(&r, SEC, 4688, "SubjectUserName", "t.sato", "SubjectDomainName", "CORP", "TargetUserName",
        "-", "NewProcessName", "C:\\Windows\\System32\\vssadmin.exe", "CommandLine",
        "vssadmin delete shadows /all /quiet", "ParentProcessName",
        "C:\\Windows\\System32\\cmd.exe", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_PROCESS);
  str_is(r.ev.user, "t.sato");
  str_is(r.ev.domain, "CORP");
  str_is(r.ev.command_line, "vssadmin delete shadows /all /quiet");
  str_is(r.ev.parent_process, "C:\\Windows\\System32\\cmd.exe");
  done(&r);
  /* UPN in Kerberos service tickets */
  build(&r, SEC, 4769, "TargetUserName", "t.sato@CORP.EXAMPLE.LOCAL", "TargetDomainName",
        "CORP.EXAMPLE.LOCAL", "ServiceName", "app02$", "IpAddress", "::ffff:10.20.0.5", "IpPort",
        "50123", "Status", "0x0", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_KERBEROS);
  str_is(r.ev.user, "t.sato");
  str_is(r.ev.domain, "CORP.EXAMPLE.LOCAL");
  ip_is(&r.ev.src_ip, "10.20.0.5");
  str_is(r.ev.action, "success");
  done(&r);
  /* Sysmon's DOMAIN\user and its hashes */
  build(&r, "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", 1, "Image",
        "C:\\Windows\\System32\\netsh.exe", "CommandLine",
        "netsh interface portproxy add v4tov4 listenport=3389", "User", "CORP\\t.sato", "Hashes",
        "SHA1=AA,MD5=BB,SHA256=0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF,"
        "IMPHASH=CC",
        "ParentImage", "C:\\Windows\\System32\\cmd.exe", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_PROCESS);
  str_is(r.ev.user, "t.sato");
  str_is(r.ev.domain, "CORP");
  str_is(r.ev.sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  str_is(r.ev.process, "C:\\Windows\\System32\\netsh.exe");
  done(&r);
}

static void test_rdp_1149_lsm_131(void **st) {
  (void)st;
  rec r;
  build(&r, "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager", 1149, "Param1", "t.sato",
        "Param2", "CORP", "Param3", "127.0.0.1", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_RDP);
  str_is(r.ev.user, "t.sato");
  str_is(r.ev.domain, "CORP");
  ip_is(&r.ev.src_ip, "127.0.0.1");
  str_is(r.ev.action, "auth_success");
  done(&r);
  /* LSM 21 from the console: "LOCAL" is not an address */
  build(&r, "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "Microsoft-Windows-TerminalServices-LocalSessionManager", 21, "User", "CORP\\t.sato",
        "SessionID", "2", "Address", "LOCAL", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_RDP);
  str_is(r.ev.action, "logon");
  str_is(r.ev.user, "t.sato");
  assert_int_equal(r.ev.src_ip.fam, 0);
  assert_string_equal(attr(&r.ev, "Address"), "LOCAL");
  done(&r);
  build(&r, "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "Microsoft-Windows-TerminalServices-LocalSessionManager", 25, "User", "CORP\\t.sato",
        "SessionID", "2", "Address", "::%16777216", NULL);
  str_is(r.ev.action, "reconnect");
  assert_int_equal(r.ev.src_ip.fam, 0);
  assert_string_equal(attr(&r.ev, "Address"), "::%16777216");
  done(&r);
  build(&r, "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
        "Microsoft-Windows-TerminalServices-LocalSessionManager", 24, "User", "CORP\\t.sato",
        "SessionID", "2", "Address", "::1", NULL);
  str_is(r.ev.action, "disconnect");
  ip_is(&r.ev.src_ip, "::1");
  done(&r);
  build(&r, "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS", 131, "ConnType", "TCP", "ClientIP",
        "127.0.0.1:50812", NULL);
  ip_is(&r.ev.src_ip, "127.0.0.1");
  assert_int_equal(r.ev.src_port, 50812);
  str_is(r.ev.proto, "tcp");
  done(&r);
  build(&r, "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational",
        "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS", 131, "ConnType", "TCP", "ClientIP",
        "[::1]:50813", NULL);
  ip_is(&r.ev.src_ip, "::1");
  assert_int_equal(r.ev.src_port, 50813);
  done(&r);
}

static void test_defender_hacktool(void **st) {
  (void)st;
  rec r;
  build(&r, "Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-Windows Defender",
        1116, "Threat Name", "HackTool:Win32/Mimikatz.D", "Severity Name", "High", "Category Name",
        "Tool", "Process Name", "C:\\Windows\\explorer.exe", "Detection User", "CORP\\t.sato",
        "Path", "file:_C:\\Users\\t.sato\\Downloads\\m.exe; file:_C:\\Temp\\x.dll", "Action Name",
        "Not Applicable", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_AV_DETECT);
  str_is(r.ev.threat, "HackTool:Win32/Mimikatz.D");
  str_is(r.ev.path, "C:\\Users\\t.sato\\Downloads\\m.exe");
  str_is(r.ev.user, "t.sato");
  str_is(r.ev.domain, "CORP");
  str_is(r.ev.action, NULL);
  assert_string_equal(attr(&r.ev, "Category Name"), "Tool");
  assert_string_equal(attr(&r.ev, "Severity Name"), "High");
  done(&r);
  build(&r, "Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-Windows Defender",
        1117, "Threat Name", "HackTool:Win32/Mimikatz.D", "Detection User", "CORP\\t.sato", "Path",
        "file:_C:\\Users\\t.sato\\Downloads\\m.exe", "Action Name", "Quarantine", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_AV_ACTION);
  str_is(r.ev.action, "quarantine");
  done(&r);
}

static void test_services_tasks_clear(void **st) {
  (void)st;
  rec r;
  build(&r, "System", "Service Control Manager", 7045, "ServiceName", "PSEXESVC", "ImagePath",
        "%SystemRoot%\\PSEXESVC.exe", "ServiceType", "user mode service", "StartType",
        "demand start", "AccountName", "LocalSystem", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_SERVICE);
  str_is(r.ev.service, "PSEXESVC");
  str_is(r.ev.path, "%SystemRoot%\\PSEXESVC.exe");
  str_is(r.ev.action, "install");
  done(&r);
  build(&r, "System", "Service Control Manager", 7036, "param1", "PSEXESVC", "param2", "Running",
        NULL);
  str_is(r.ev.action, "running");
  done(&r);
  build(&r, SEC, 4698, "SubjectUserName", "t.sato", "SubjectDomainName", "CORP", "TaskName",
        "\\evil", "TaskContent",
        "<Task><Actions><Exec><Command>cmd.exe</Command><Arguments>/c whoami &gt; "
        "x.txt</Arguments></Exec></Actions></Task>",
        NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_TASK);
  str_is(r.ev.command_line, "cmd.exe /c whoami > x.txt");
  str_is(r.ev.path, "\\evil");
  done(&r);
  build(&r, "System", "Microsoft-Windows-Eventlog", 104, "SubjectUserName", "t.sato",
        "SubjectDomainName", "CORP", "Channel", "System", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_LOGCLEAR);
  str_is(r.ev.user, "t.sato");
  done(&r);
  build(&r, "Security", "Microsoft-Windows-Eventlog", 1102, "SubjectUserName", "t.sato",
        "SubjectDomainName", "CORP", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_LOGCLEAR);
  done(&r);
  build(&r, SEC, 5145, "SubjectUserName", "t.sato", "SubjectDomainName", "CORP", "IpAddress",
        "10.0.0.9", "IpPort", "50000", "ShareName", "\\\\*\\ADMIN$", "RelativeTargetName",
        "PSEXESVC.exe", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_SHARE);
  str_is(r.ev.path, "\\\\*\\ADMIN$\\PSEXESVC.exe");
  done(&r);
}

static void test_other_events_kept(void **st) {
  (void)st;
  rec r;
  build(&r, "Application", "MSSQLSERVER", 33205, "Data1", "audit_schema_version:1", NULL);
  assert_string_equal(r.ev.kind, ASH_KIND_WIN_EVENT);
  assert_int_equal(r.ev.event_id, 33205);
  assert_string_equal(attr(&r.ev, "Data1"), "audit_schema_version:1");
  done(&r);
  /* a host name that is an address is kept whole */
  memset(&r, 0, sizeof r);
  r.w.computer = ash_str_cstr("10.1.2.3");
  r.w.event_id = 1;
  ash_buf_init(&r.scratch, 1 << 20);
  assert_int_equal(ash_winevent_map(&r.w, &r.ev, &r.scratch), ASH_OK);
  str_is(r.ev.host, "10.1.2.3");
  assert_int_equal(r.ev.nattrs, 0);
  done(&r);
}

#define DEF "Microsoft-Windows-Windows Defender/Operational", "Microsoft-Windows-Windows Defender"

/* issue 17: "action: %%811" in findings. Defender's Action Name reference
 * becomes the action, from the table or from the Action ID beside it; a
 * reference neither explains stays as logged. */
static void test_defender_action_reference_resolved(void **st) {
  (void)st;
  rec r;
  build(&r, DEF, 1117, "Threat Name", "HackTool:Win64/Mimikatz", "Action ID", "2", "Action Name",
        "%%809", NULL);
  str_is(r.ev.action, "quarantine");
  assert_string_equal(attr(&r.ev, "Action Name"), "%%809");
  assert_string_equal(attr(&r.ev, "Action Name.text"), "Quarantine");
  done(&r);
  build(&r, DEF, 1117, "Action ID", "6", "Action Name", "%%811", NULL);
  str_is(r.ev.action, "allow");
  done(&r);
  /* 1116 before any action: Not Applicable is no action */
  build(&r, DEF, 1116, "Action ID", "9", "Action Name", "%%887", NULL);
  str_is(r.ev.action, NULL);
  done(&r);
  /* a code the table lacks: the MPTHREAT_ACTION name of the Action ID */
  build(&r, DEF, 1117, "Action ID", "3", "Action Name", "%%810", NULL);
  str_is(r.ev.action, "remove");
  assert_null(attr(&r.ev, "Action Name.text"));
  done(&r);
  build(&r, DEF, 1117, "Action ID", "77", "Action Name", "%%810", NULL);
  str_is(r.ev.action, "%%810");
  done(&r);
}

/* Security insertion strings get a "<Name>.text" beside the code, which
 * stays where the record had it (Sigma rules match '%%4417'). */
static void test_security_references_text_beside_code(void **st) {
  (void)st;
  rec r;
  build(&r, SEC, 4688, "SubjectUserName", "wardog", "TokenElevationType", "%%1937",
        "NewProcessName", "C:\\Windows\\System32\\cmd.exe", NULL);
  assert_string_equal(attr(&r.ev, "TokenElevationType"), "%%1937");
  assert_string_equal(attr(&r.ev, "TokenElevationType.text"), "TokenElevationTypeFull (2)");
  /* the text follows its item */
  assert_true(ash_str_eq(r.ev.attrs[2].k, "TokenElevationType.text"));
  done(&r);
  /* an AccessList: each known code replaced, the layout kept, an unknown
   * one left as it is */
  build(&r, SEC, 5145, "AccessList", "%%4416\r\n\t\t\t\t%%4423\r\n\t\t\t\t%%99999", NULL);
  assert_string_equal(attr(&r.ev, "AccessList.text"),
                      "ReadData (or ListDirectory)\r\n\t\t\t\tReadAttributes\r\n\t\t\t\t%%99999");
  done(&r);
  /* nothing known, nothing added; other providers get no table */
  build(&r, SEC, 4625, "FailureReason", "%%2313", NULL);
  assert_null(attr(&r.ev, "FailureReason.text"));
  done(&r);
  build(&r, "Application", "SomeApp", 1, "Direction", "%%14593", NULL);
  assert_null(attr(&r.ev, "Direction.text"));
  done(&r);
}

/* The table's reading of references: "%%" and digits, nothing else. */
static void test_msgtable_reference_syntax(void **st) {
  (void)st;
  assert_true(ash_msgtable_has_ref(ash_str_cstr("%%1936")));
  assert_true(ash_msgtable_has_ref(ash_str_cstr("x %%14593 y")));
  assert_false(ash_msgtable_has_ref(ash_str_cstr("100%% sure")));
  assert_false(ash_msgtable_has_ref(ash_str_cstr("%1936")));
  assert_false(ash_msgtable_has_ref(ash_str_cstr("%%")));
  assert_string_equal(ash_msgtable_text(ASH_MSG_SECURITY, 14593), "Outbound");
  assert_string_equal(ash_msgtable_text(ASH_MSG_DEFENDER, 809), "Quarantine");
  assert_null(ash_msgtable_text(ASH_MSG_DEFENDER, 1936));
  assert_null(ash_msgtable_text(ASH_MSG_NONE, 1936));
  ash_buf b;
  ash_buf_init(&b, 64);
  /* ten digits are no message id: copied as they are */
  assert_int_equal(ash_msgtable_render(ASH_MSG_SECURITY, ash_str_cstr("%%14593123456"), &b), 0);
  assert_int_equal(b.n, 13);
  ash_buf_reset(&b);
  assert_int_equal(ash_msgtable_render(ASH_MSG_SECURITY, ash_str_cstr("%%1842"), &b), 1);
  assert_int_equal(b.n, 3);
  assert_memory_equal(b.p, "Yes", 3);
  ash_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_logon_loopback_rdp),
      cmocka_unit_test(test_logon_type2_stays),
      cmocka_unit_test(test_address_forms),
      cmocka_unit_test(test_accounts),
      cmocka_unit_test(test_rdp_1149_lsm_131),
      cmocka_unit_test(test_defender_hacktool),
      cmocka_unit_test(test_services_tasks_clear),
      cmocka_unit_test(test_other_events_kept),
      cmocka_unit_test(test_defender_action_reference_resolved),
      cmocka_unit_test(test_security_references_text_beside_code),
      cmocka_unit_test(test_msgtable_reference_syntax),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
