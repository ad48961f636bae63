/* ashiato: the normalised event model.
 *
 * One ash_event per log record (a parser may emit more than one, or hold a
 * record back to pair it with a later one). All strings are borrowed from
 * the parser: valid only until the emit call returns; the sink copies what
 * it keeps. Unset numbers are ASH_UNSET, unset strings have n == 0, unset
 * addresses have fam == 0. */
#ifndef ASHIATO_EVENT_H
#define ASHIATO_EVENT_H

#include <stdint.h>

#include "buf.h"
#include "bytes.h"
#include "ip.h"

#define ASH_UNSET INT64_MIN

/* Event kinds in use. Parsers use these constants, never ad-hoc strings. */
#define ASH_KIND_FLOW "net.flow"
#define ASH_KIND_FLOW_DENY "net.deny"
#define ASH_KIND_VPN_LOGIN "vpn.login"
#define ASH_KIND_VPN_LOGOUT "vpn.logout"
#define ASH_KIND_VPN_SESSION "vpn.session"
#define ASH_KIND_VPN_FAIL "vpn.fail"
#define ASH_KIND_ADMIN_LOGIN "admin.login"
#define ASH_KIND_ADMIN_FAIL "admin.fail"
#define ASH_KIND_AUTH_LOGIN "auth.login"
#define ASH_KIND_AUTH_FAIL "auth.fail"
#define ASH_KIND_AV_DETECT "av.detect"
#define ASH_KIND_AV_ACTION "av.action"
#define ASH_KIND_WIN_LOGON "win.logon"
#define ASH_KIND_WIN_LOGON_FAIL "win.logon_fail"
#define ASH_KIND_WIN_LOGOFF "win.logoff"
#define ASH_KIND_WIN_PROCESS "win.process"
#define ASH_KIND_WIN_SERVICE "win.service"
#define ASH_KIND_WIN_TASK "win.task"
#define ASH_KIND_WIN_LOGCLEAR "win.logclear"
#define ASH_KIND_WIN_ACCOUNT "win.account"
#define ASH_KIND_WIN_RDP "win.rdp"
#define ASH_KIND_WIN_NETCONN "win.netconn"
#define ASH_KIND_WIN_SHARE "win.share"
#define ASH_KIND_WIN_FILE "win.file"
#define ASH_KIND_WIN_REGISTRY "win.registry"
#define ASH_KIND_WIN_DNS "win.dns"
#define ASH_KIND_WIN_SCRIPT "win.script"
#define ASH_KIND_WIN_KERBEROS "win.kerberos"
/* Windows: 4648 logon with explicit credentials, 4672 special privileges
 * assigned at logon, 4776 NTLM credential validation. */
#define ASH_KIND_WIN_EXPLICIT "win.explicit_logon"
#define ASH_KIND_WIN_PRIVILEGE "win.privilege"
#define ASH_KIND_WIN_NTLM "win.ntlm"
#define ASH_KIND_WIN_EVENT "win.event" /* any other Windows event */
#define ASH_KIND_WEB "web.request"     /* a web server's access log entry (IIS, W3C) */
#define ASH_KIND_PROXY "proxy.request" /* a forward proxy's access log entry (Squid) */
#define ASH_KIND_DNS_QUERY "dns.query" /* a DNS server's packet log entry */
#define ASH_KIND_LOG "log"             /* a record with no better kind */

enum { ASH_FLOW_TS_END = 1, ASH_FLOW_INTERIM = 2 };

typedef struct ash_kv {
  ash_str k, v;
} ash_kv;

typedef struct ash_event {
  /* UTC microseconds: when the device logged the record. For net.flow
   * that is the session's END on FortiGate (traffic logs are written at
   * close; ts - duration is the start) and its START on PAN-OS start logs,
   * ASA built/teardown pairs and Zeek conn.log. The parser says which in
   * flow_flags (ASH_FLOW_TS_END), so that no reader needs the format. */
  int64_t ts;
  const char *kind; /* one of ASH_KIND_* (static storage) */

  ash_str host;   /* device or computer that logged the record */
  ash_str user;   /* bare account name ("t.sato") */
  ash_str domain; /* account domain ("CORP") when known */

  ash_ip src_ip, dst_ip;
  ash_ip tunnel_ip;           /* VPN tunnel address assigned to the user */
  int32_t src_port, dst_port; /* -1 when unset */

  ash_str proto;   /* "tcp", "udp", "icmp", or number */
  ash_str action;  /* "accept", "deny", "close", "quarantine", ... */
  ash_str app;     /* application id / name */
  ash_str service; /* network service (firewall) or Windows service name */
  ash_str process, parent_process, command_line;
  ash_str threat;  /* AV threat name */
  ash_str path;    /* file path */
  ash_str sha256;  /* hex */
  ash_str channel; /* Windows channel */

  int64_t bytes_out; /* sent by the source */
  int64_t bytes_in;  /* received by the source */
  int64_t packets_out, packets_in;
  int64_t duration_us; /* session duration */
  int64_t logon_type;
  int64_t event_id;

  /* Flows only, settled by the parser (the store keeps them as columns;
   * the JSON form does not print them: they restate the record):
   * ASH_FLOW_TS_END: ts is the session's end, ts - duration its start;
   * ASH_FLOW_INTERIM: an interim report of a session still open, with its
   * totals so far (FortiGate logid 20, Zeek open_conn/conn_long).
   * bytes_total: bytes of both directions together, for devices that log
   * no direction (Cisco ASA), ASH_UNSET otherwise. */
  int flow_flags;
  int64_t bytes_total;

  /* Where it came from: byte offset of the line, or EVTX record number. */
  uint64_t ref;

  /* Everything else the record had, in record order. */
  const ash_kv *attrs;
  size_t nattrs;
} ash_event;

/* The attribute a text parse adds to an event whose record held a raw
 * control byte (C0 other than TAB, or DEL): the record is kept, the bytes
 * stay as they were, and the value names the fields that hold them
 * ("user,attrs.msg"; "record" when no field kept one). */
#define ASH_ATTR_SUSPICIOUS "ash_suspicious_bytes"

/* Reset every field to unset. */
void ash_event_init(ash_event *ev);

/* Append the event as one JSON object (no newline) in the form of
 * cli-contract.md. source_path may be NULL (then no "source" object);
 * ref_is_record chooses "record" over "offset". attrs_json, when non-NULL,
 * is a pre-serialised JSON object written as "attrs" instead of ev->attrs. */
int ash_event_to_json(const ash_event *ev, const char *source_path, int ref_is_record,
                      const char *attrs_json, ash_buf *out);
/* 1 when the event carries ASH_ATTR_SUSPICIOUS, looked up in attrs_json
 * when non-NULL (as stored), else in ev->attrs. The JSON of such an event
 * says "suspicious_bytes":true. A record that itself has a key of that name
 * is flagged too: it imitates the marker, which is suspicious in itself. */
int ash_event_suspicious(const ash_event *ev, const char *attrs_json);
/* Serialise ev->attrs as a JSON object into out (replacing its contents).
 * Duplicate keys are kept in order. */
int ash_event_attrs_json(const ash_event *ev, ash_buf *out);

#endif
