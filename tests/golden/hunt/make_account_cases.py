#!/usr/bin/env python3
"""Writes the hand-made golden hunt cases of issue 11 item 2 (run once;
the .events.jsonl files are committed, this script says how they were
made). Lines follow the vendors' documented formats, in the shapes the
other golden inputs have: Cisco ASA syslog (113039 AnyConnect parent
session started, 722051 address assigned, 113019 session disconnected)
and Winlogbeat 8 JSON of Security 4624, TerminalServices 1149 and Defender
1116/1117. Addresses are documentation ranges (RFC 5737) and RFC 1918.

okada_first_rdp: s.okada works from 198.51.100.40 over AnyConnect and uses
  fs01 by SMB (type 3) every weekday for four weeks. Then a session from
  203.0.113.66 (never seen), tunnel 10.212.134.23; 11 minutes before a
  Defender Mimikatz detection in C:\\Users\\Public\\Music with detection user
  NT AUTHORITY\\SYSTEM, an RDP logon (4624 type 10 + 1149) reaches fs01 from
  the tunnel. Expected: critical.
admin_own_tool: k.mori, an admin, connects from his usual 198.51.100.80 and
  RDPs to fs01 every weekday; HackTool:Win32/AutoKMS is detected in
  C:\\Users\\k.mori\\Tools with detection user CORP\\k.mori right after his
  usual logon. Expected: below high.
admin_first_rdp_usual_source: k.mori from his usual source uses fs01 by SMB
  for four weeks, then RDPs to it for the first time and AutoKMS is detected
  in his own Tools folder as himself. Expected: medium (usual_vpn_source,
  own_profile_path and the admin-tool class against the first RDP).
admin_tool_staged_as_system: the same, but the AutoKMS sits in ProgramData
  and the detection user is SYSTEM. Expected: high.
account_returns_hop: issue 11 item 4 in FortiGate SSL-VPN event lines
  (tunnel-up/tunnel-down with srccountry, as FortiOS documents log ids
  0101039947/0101039948) and Winlogbeat 4624/4672/1149. k.ueda works from
  198.51.100.50 (Japan) and uses fs01 by SMB; the admin t.kondo works from
  198.51.100.60 and RDPs to dc01 (4672 at each logon). The decoy: t.kondo
  abroad for a day (203.0.113.90, Singapore), at his hour, RDP to dc01 as
  always: not high. The intrusion: k.ueda comes back three times from
  203.0.113.0/24 addresses abroad, each time RDP to app01 (never used);
  during the first, t.kondo's account logs on from app01 (10.10.1.12) to
  fs01 and dc01. Expected: account-use k.ueda and credential-hop t.kondo,
  high or above, one incident."""
import datetime as dt, json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
JST = dt.timezone(dt.timedelta(hours=9))
rec = [1000]


def iso(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def asa(t, sev, mid, text):
    return {"file": "firewall/asa.log", "format": "asa",
            "line": "<16%d>1 %s asa-hq - - - %%ASA-%d-%d: %s" % (
                sev, t.astimezone(JST).isoformat(timespec="milliseconds"), sev, mid, text)}


def vpn(user, pub, tun, start, end):
    d = end - start
    h, m, s = d.seconds // 3600 + d.days * 24, d.seconds // 60 % 60, d.seconds % 60
    g = "GP-Corp-Users"
    return [asa(start, 6, 113039, "Group <%s> User <%s> IP <%s> AnyConnect parent session started." % (g, user, pub)),
            asa(start, 4, 722051, "Group <%s> User <%s> IP <%s> IPv4 Address <%s> IPv6 address <::> assigned to session" % (g, user, pub, tun)),
            asa(end, 4, 113019, "Group = %s, Username = %s, IP = %s, Session disconnected. Session Type: SSL, Duration: %dh:%02dm:%02ds, Bytes xmt: %d, Bytes rcv: %d, Reason: User Requested" % (g, user, pub, h, m, s, 40000000 + d.seconds * 1000, 9000000 + d.seconds * 200))]


def fgt(t, up, user, pub, country, tun, dur=0, tid=[4000]):
    # FortiGate SSL-VPN tunnel-up / tunnel-down (FortiOS log ids 0101039947/8)
    lt = t.astimezone(JST)
    tid[0] += up
    desc, act = ("SSL VPN tunnel up", "tunnel-up") if up else ("SSL VPN tunnel down", "tunnel-down")
    line = ('date=%s time=%s devname="FGT-HQ" devid="FG100FTK20000001" eventtime=%d tz="+0900" '
            'logid="%s" type="event" subtype="vpn" level="information" vd="root" logdesc="%s" '
            'action="%s" tunneltype="ssl-tunnel" tunnelid=%d remip=%s srccountry="%s" tunnelip=%s '
            'user="%s" group="VPN-Users" dst_host="N/A" reason="%s"' % (
                lt.strftime("%Y-%m-%d"), lt.strftime("%H:%M:%S"), int(t.timestamp()) * 10**9,
                "0101039947" if up else "0101039948", desc, act, tid[0], pub, country, tun, user,
                "tunnel established" if up else "connection closed"))
    if not up:
        line += ' duration=%d sentbyte=%d rcvdbyte=%d' % (dur, 9000000 + dur * 100, 40000000 + dur * 900)
    line += ' msg="%s"' % ("SSL tunnel established" if up else "SSL tunnel shutdown")
    return {"file": "firewall/fortigate.log", "format": "fortigate", "line": line}


def fvpn(user, pub, country, tun, start, end):
    return [fgt(start, 1, user, pub, country, tun), fgt(end, 0, user, pub, country, tun,
                                                         int((end - start).total_seconds()))]


def win(host, t, eid, provider, channel, data, user_data=False):
    rec[0] += 1
    wl = {"api": "wineventlog", "channel": channel, "computer_name": host.upper() + ".corp.example.local",
          "event_id": str(eid), "opcode": "Info", "provider_name": provider, "record_id": str(rec[0])}
    wl["user_data" if user_data else "event_data"] = data
    if eid == 4624:
        wl["task"] = "Logon"
        wl["keywords"] = ["Audit Success"]
    d = {"@timestamp": iso(t), "agent": {"name": host.upper(), "type": "winlogbeat", "version": "8.13.4"},
         "ecs": {"version": "8.0.0"}, "event": {"code": str(eid), "kind": "event", "provider": provider},
         "host": {"name": host + ".corp.example.local"}, "winlog": wl}
    kind = "security" if eid in (4624, 4672) else "terminalservices" if eid == 1149 else "defender"
    return {"file": "windows/%s/%s.jsonl" % (host, kind), "format": "winjson",
            "line": json.dumps(d, separators=(",", ":"))}


def logon(host, t, user, lt, ip, ws):
    return win(host, t, 4624, "Microsoft-Windows-Security-Auditing", "Security", {
        "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-", "SubjectLogonId": "0x0",
        "TargetUserSid": "S-1-5-21-1243976550-2348644573-3496910651-1107", "TargetUserName": user,
        "TargetDomainName": "CORP", "TargetLogonId": "0x%x" % (0x900000 + rec[0]), "LogonType": str(lt),
        "LogonProcessName": "User32 " if lt == 10 else "NtLmSsp ",
        "AuthenticationPackageName": "Negotiate" if lt == 10 else "NTLM", "WorkstationName": ws,
        "IpAddress": ip, "IpPort": str(50000 + rec[0] % 9000), "ImpersonationLevel": "%%1833",
        "ElevatedToken": "%%1842"})


def rdp1149(host, t, user, ip):
    return win(host, t, 1149, "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
               "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
               {"Param1": user, "Param2": "CORP", "Param3": ip, "xml_name": "EventXML"}, True)


def defender(host, t, eid, threat, path, user, proc):
    return win(host, t, eid, "Microsoft-Windows-Windows Defender", "Microsoft-Windows-Windows Defender/Operational", {
        "Product Name": "Microsoft Defender Antivirus", "Detection ID": "{5b1c7a0e-3f2d-4c11-9e55-0d7e2a6b9c41}",
        "Detection Time": iso(t), "Threat ID": "2147719097", "Threat Name": threat, "Severity ID": "4",
        "Severity Name": "High", "Category ID": "34", "Category Name": "Tool", "Status Code": "1",
        "Source ID": "3", "Source Name": "Real-Time Protection", "Process Name": proc, "Detection User": user,
        "Path": "file:_" + path, "Origin ID": "1", "Origin Name": "Local machine", "Action ID": "9" if eid == 1116 else "2",
        "Action Name": "Not Applicable" if eid == 1116 else "Quarantine", "Error Code": "0x00000000"})


def weekdays(first, n):
    d = first
    while n:
        if d.weekday() < 5:
            yield d
            n -= 1
        d += dt.timedelta(days=1)


def own_host(out):
    # fs01's own address, as its computer account's logons on itself show it
    t = dt.datetime(2025, 3, 3, 7, 0, tzinfo=JST)
    out.append(logon("fs01", t, "FS01$", 3, "10.10.1.11", "-"))


def okada():
    out, rnd = [], random.Random(11)
    own_host(out)
    for i, d in enumerate(weekdays(dt.datetime(2025, 3, 3, tzinfo=JST), 20)):
        s = d.replace(hour=9, minute=rnd.randrange(0, 20))
        e = d.replace(hour=18, minute=rnd.randrange(0, 30))
        tun = "10.212.134.%d" % (10 + i % 5)
        out += vpn("s.okada", "198.51.100.40", tun, s, e)
        for k in range(3):
            out.append(logon("fs01", s + dt.timedelta(minutes=5 + 120 * k), "s.okada", 3, tun, "PC-OKADA"))
    # the return: a new public address, RDP from its tunnel, Mimikatz as SYSTEM
    s = dt.datetime(2025, 4, 2, 1, 12, 5, tzinfo=JST)
    det = s + dt.timedelta(minutes=25)
    out += vpn("s.okada", "203.0.113.66", "10.212.134.23", s, s + dt.timedelta(hours=1, minutes=3))
    rdp = det - dt.timedelta(minutes=11)
    out.append(rdp1149("fs01", rdp - dt.timedelta(seconds=2), "s.okada", "10.212.134.23"))
    out.append(logon("fs01", rdp, "s.okada", 10, "10.212.134.23", "FS01"))
    p = "C:\\Users\\Public\\Music\\mm.exe"
    out.append(defender("fs01", det, 1116, "HackTool:Win32/Mimikatz.D", p, "NT AUTHORITY\\SYSTEM", "Unknown"))
    out.append(defender("fs01", det + dt.timedelta(seconds=3), 1117, "HackTool:Win32/Mimikatz.D", p,
                        "NT AUTHORITY\\SYSTEM", "Unknown"))
    return out


def admin():
    out, rnd = [], random.Random(12)
    own_host(out)
    days = list(weekdays(dt.datetime(2025, 3, 3, tzinfo=JST), 21))
    for i, d in enumerate(days):
        s = d.replace(hour=8, minute=rnd.randrange(30, 50))
        tun = "10.212.134.%d" % (30 + i % 5)
        out += vpn("k.mori", "198.51.100.80", tun, s, d.replace(hour=19, minute=rnd.randrange(0, 30)))
        r = s + dt.timedelta(minutes=6)
        out.append(rdp1149("fs01", r - dt.timedelta(seconds=2), "k.mori", tun))
        out.append(logon("fs01", r, "k.mori", 10, tun, "FS01"))
        if d is days[-1]:
            det = r + dt.timedelta(minutes=9)
            p = "C:\\Users\\k.mori\\Tools\\kms\\AutoKMS.exe"
            out.append(defender("fs01", det, 1116, "HackTool:Win32/AutoKMS", p, "CORP\\k.mori",
                                "C:\\Windows\\explorer.exe"))
            out.append(defender("fs01", det + dt.timedelta(seconds=3), 1117, "HackTool:Win32/AutoKMS", p,
                                "CORP\\k.mori", "C:\\Windows\\explorer.exe"))
    return out


def admin_first(staged):
    """k.mori from his usual 198.51.100.80, fs01 by SMB only for four
    weeks; then his first RDP to fs01 and an AutoKMS detection. staged=0:
    in his own Tools folder as himself (the admin-tools decoy: medium);
    staged=1: in C:\\ProgramData as SYSTEM (high: where it sat and who ran
    it still count against an admin tool)."""
    out, rnd = [], random.Random(13 + staged)
    own_host(out)
    days = list(weekdays(dt.datetime(2025, 3, 3, tzinfo=JST), 21))
    for i, d in enumerate(days):
        s = d.replace(hour=8, minute=rnd.randrange(30, 50))
        tun = "10.212.134.%d" % (40 + i % 5)
        out += vpn("k.mori", "198.51.100.80", tun, s, d.replace(hour=19, minute=rnd.randrange(0, 30)))
        r = s + dt.timedelta(minutes=6)
        if d is not days[-1]:
            out.append(logon("fs01", r, "k.mori", 3, tun, "PC-MORI"))
            continue
        out.append(rdp1149("fs01", r - dt.timedelta(seconds=2), "k.mori", tun))
        out.append(logon("fs01", r, "k.mori", 10, tun, "FS01"))
        det = r + dt.timedelta(minutes=9)
        if staged:
            p, u, pr = "C:\\ProgramData\\kms\\AutoKMS.exe", "NT AUTHORITY\\SYSTEM", "Unknown"
        else:
            p, u, pr = "C:\\Users\\k.mori\\Tools\\kms\\AutoKMS.exe", "CORP\\k.mori", "C:\\Windows\\explorer.exe"
        out.append(defender("fs01", det, 1116, "HackTool:Win32/AutoKMS", p, u, pr))
        out.append(defender("fs01", det + dt.timedelta(seconds=3), 1117, "HackTool:Win32/AutoKMS", p, u, pr))
    return out


def priv(host, t, user):
    return win(host, t, 4672, "Microsoft-Windows-Security-Auditing", "Security", {
        "SubjectUserSid": "S-1-5-21-1243976550-2348644573-3496910651-1150", "SubjectUserName": user,
        "SubjectDomainName": "CORP", "SubjectLogonId": "0x%x" % (0x900000 + rec[0]),
        "PrivilegeList": "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeDebugPrivilege"})


def returns():
    out, rnd = [], random.Random(13)
    own_host(out)
    out.append(logon("dc01", dt.datetime(2025, 3, 3, 7, 1, tzinfo=JST), "APP01$", 3, "10.10.1.12", "-"))
    days = list(weekdays(dt.datetime(2025, 3, 3, tzinfo=JST), 20))
    for i, d in enumerate(days):
        s = d.replace(hour=9, minute=rnd.randrange(0, 20))
        tun = "10.212.134.%d" % (10 + i % 5)
        out += fvpn("k.ueda", "198.51.100.50", "Japan", tun, s, d.replace(hour=18, minute=rnd.randrange(0, 30)))
        out.append(logon("fs01", s + dt.timedelta(minutes=4), "k.ueda", 3, tun, "PC-UEDA"))
        s = d.replace(hour=8, minute=rnd.randrange(30, 50))
        tun = "10.212.134.%d" % (40 + i % 5)
        out += fvpn("t.kondo", "198.51.100.60", "Japan", tun, s, d.replace(hour=19, minute=rnd.randrange(0, 30)))
        r = s + dt.timedelta(minutes=6)
        out.append(rdp1149("dc01", r - dt.timedelta(seconds=2), "t.kondo", tun))
        out.append(logon("dc01", r, "t.kondo", 10, tun, "DC01"))
        out.append(priv("dc01", r, "t.kondo"))
    # the decoy: the admin abroad for a day, his hour, his host, his way
    d = dt.datetime(2025, 3, 31, tzinfo=JST)
    s = d.replace(hour=8, minute=41)
    out += fvpn("t.kondo", "203.0.113.90", "Singapore", "10.212.134.48", s, d.replace(hour=17))
    out.append(rdp1149("dc01", s + dt.timedelta(minutes=5), "t.kondo", "10.212.134.48"))
    out.append(logon("dc01", s + dt.timedelta(minutes=5, seconds=2), "t.kondo", 10, "10.212.134.48", "DC01"))
    out.append(priv("dc01", s + dt.timedelta(minutes=5, seconds=2), "t.kondo"))
    # the intrusion: three returns abroad, RDP to app01, the admin's hop
    for i, (pub, c, day) in enumerate((("203.0.113.211", "Netherlands", 2), ("203.0.113.140", "Hong Kong", 4),
                                        ("203.0.113.68", "Romania", 7))):
        s = dt.datetime(2025, 4, day, 2, 15 + i, tzinfo=JST)
        tun = "10.212.134.%d" % (60 + i)
        out += fvpn("k.ueda", pub, c, tun, s, s + dt.timedelta(hours=2, minutes=10))
        r = s + dt.timedelta(minutes=3)
        out.append(rdp1149("app01", r - dt.timedelta(seconds=2), "k.ueda", tun))
        out.append(logon("app01", r, "k.ueda", 10, tun, "APP01"))
        if not i:
            out.append(logon("fs01", r + dt.timedelta(minutes=41), "t.kondo", 3, "10.10.1.12", "APP01"))
            out.append(logon("dc01", r + dt.timedelta(minutes=42), "t.kondo", 3, "10.10.1.12", "APP01"))
            out.append(priv("dc01", r + dt.timedelta(minutes=42), "t.kondo"))
    return out


for name, fn in (("okada_first_rdp", okada), ("admin_own_tool", admin), ("account_returns_hop", returns),
                 ("admin_first_rdp_usual_source", lambda: admin_first(0)),
                 ("admin_tool_staged_as_system", lambda: admin_first(1))):
    with open(os.path.join(HERE, name + ".events.jsonl"), "w", encoding="utf-8") as o:
        for e in fn():
            o.write(json.dumps(e) + "\n")
