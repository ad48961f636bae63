#!/usr/bin/env python3
"""Split a generated case at a time and replay its second part into `ashiato watch`.

  watch_replay.py split GENDIR CUT PART1DIR REST.txt
      PART1DIR gets every firewall line and Windows event before CUT (UTC,
      ISO 8601), as files to ingest; REST.txt the rest as one message a line
      in time order, each prefixed with "fw " or "win " (how it is sent).
  watch_replay.py send REST.txt HOST PORT SENT.json [--octet]
      Sends the messages over one TCP connection as fast as the socket takes
      them (FortiGate/PAN-OS/ASA lines with a syslog PRI, Windows events as
      JSON lines, LF-framed, or octet-counted with --octet), and records in
      SENT.json the wall time each message left, by index.

Why time order: watch sees the intrusion's lines in the order a live feed
gives them, so an alert's latency is measured from the line that caused it.
"""
import json
import os
import re
import socket
import sys
import time
from datetime import datetime, timedelta, timezone

FW_TS = re.compile(rb'date=(\d{4}-\d{2}-\d{2}) time=(\d{2}:\d{2}:\d{2})')
TZ_FW = re.compile(rb'tz="([+-]\d{2})(\d{2})"')


def fw_time(line):
    m = FW_TS.search(line)
    if m:
        t = datetime.strptime((m.group(1) + b' ' + m.group(2)).decode(), '%Y-%m-%d %H:%M:%S')
        z = TZ_FW.search(line)
        off = timedelta(hours=int(z.group(1)), minutes=int(z.group(2))) if z else timedelta()
        return (t - off).replace(tzinfo=timezone.utc)
    return None


def win_time(line):
    try:
        return datetime.strptime(json.loads(line)['@timestamp'][:19], '%Y-%m-%dT%H:%M:%S').replace(
            tzinfo=timezone.utc)
    except Exception:
        return None


def split(gen, cut, part1, rest):
    cut_t = datetime.strptime(cut[:19], '%Y-%m-%dT%H:%M:%S').replace(tzinfo=timezone.utc)
    later = []
    for root, _, files in os.walk(os.path.join(gen, 'logs')):
        for fn in sorted(files):
            src = os.path.join(root, fn)
            kind = 'win' if fn.endswith('.jsonl') else 'fw'
            rel = os.path.relpath(src, os.path.join(gen, 'logs'))
            dst = os.path.join(part1, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(src, 'rb') as f, open(dst, 'wb') as out:
                for line in f:
                    line = line.rstrip(b'\n')
                    if not line:
                        continue
                    t = win_time(line) if kind == 'win' else fw_time(line)
                    if t is None or t < cut_t:
                        out.write(line + b'\n')
                    else:
                        later.append((t, kind, line))
    later.sort(key=lambda x: x[0])
    with open(rest, 'wb') as out:
        for _, kind, line in later:
            out.write(kind.encode() + b' ' + line + b'\n')


def send(rest, host, port, sent_path, octet):
    s = socket.create_connection((host, int(port)))
    sent = []
    buf = bytearray()
    with open(rest, 'rb') as f:
        lines = f.read().split(b'\n')
    for i, l in enumerate(lines):
        if not l:
            continue
        kind, _, msg = l.partition(b' ')
        if kind == b'fw':
            msg = b'<189>' + msg
        frame = (str(len(msg)).encode() + b' ' + msg) if octet else msg + b'\n'
        s.sendall(frame)
        sent.append(time.time())
    s.close()
    with open(sent_path, 'w') as f:
        json.dump(sent, f)


if __name__ == '__main__':
    if sys.argv[1] == 'split':
        split(*sys.argv[2:6])
    elif sys.argv[1] == 'send':
        send(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], '--octet' in sys.argv)
    else:
        sys.exit('usage: watch_replay.py split|send ...')
