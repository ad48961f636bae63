#!/usr/bin/env bash
# hunt on real EVTX samples (tests/data/hunt, see its README): Defender
# hacktool detections become one past-incident-link finding that says no
# account could be tied to them from these logs (naming the detection user),
# with the 1116/1117 records as evidence; RDP 1149 logons from another host
# and LogonType 2 logons from 127.0.0.1/::1 make no loopback-rdp finding;
# the netsh portproxy commands on fs01 (one in netsh's abbreviations) make
# one rdp-relay finding naming netsh.exe, its three 4688 records as evidence.
set -euo pipefail
bin=$1
work=$2
data=${ASH_TEST_DATA:?}/hunt
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" ingest case.db "$data" >/dev/null 2>&1
"$bin" hunt case.db --json >f.jsonl
python3 - f.jsonl <<'PY' || fail "findings"
import json, sys
fs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert not [f for f in fs if f["hunt"] == "loopback-rdp"], [f["title"] for f in fs]
links = [f for f in fs if f["hunt"] == "past-incident-link"]
assert len(links) == 1, [f["title"] for f in links]
f = links[0]
assert f["entities"]["hosts"] == ["win10-client01"], f["entities"]
assert f["entities"]["accounts"] == ["admmig"], f["entities"]
assert "C:\\Users\\admmig\\Documents\\mimikatz.exe" in f["entities"]["files"], f["entities"]
assert "HackTool:Win32/Mimikatz.D" in f["summary"] and "HackTool:Win64/Mikatz!dha" in f["summary"]
assert "No account could be tied" in f["summary"], f["summary"]
assert f["severity"] == "medium", f["severity"]
ids = set()
for e in f["evidence"]:
    assert e["source"]["path"].endswith("defender_1116_1117_hacktool.evtx"), e
    assert "record" in e["source"], e
    ids.add(e["kind"])
assert ids == {"av.detect", "av.action"}, ids
relays = [f for f in fs if f["hunt"] in ("rdp-relay", "loopback-rdp") and "fs01" in f["entities"]["hosts"]]
assert len(relays) == 1, [f["title"] for f in relays]
r = relays[0]
assert r["hunt"] == "rdp-relay" and "netsh.exe" in r["title"], r["title"]
assert r["details"]["program"] == "netsh.exe", r["details"]
assert r["entities"]["files"] == ["C:\\Windows\\System32\\netsh.exe"], r["entities"]
assert r["entities"]["accounts"] == ["admmig"], r["entities"]
ev = r["evidence"]
assert [e["kind"] for e in ev] == ["win.process"] * 3, ev
assert all(e["source"]["path"].endswith("netsh_portproxy_4688.evtx") for e in ev), ev
assert "connectp=3389" in ev[0]["text"], ev[0]
reasons = r["details"]["reasons"]
# the shared shape (cli-contract.md): key, weight, English text, arguments
assert all({"reason", "weight", "text", "args"} <= set(x) and isinstance(x["weight"], int)
           and all(isinstance(a, str) for a in x["args"]) for x in reasons), reasons
assert [x["args"] for x in reasons if x["reason"] == "relay_record"] == [
    ["netsh portproxy add"], ["netsh portproxy delete/reset"]], reasons
assert any(x["weight"] < 0 for x in reasons) and any(x["weight"] > 0 for x in reasons), reasons
PY
# the same from the text output
"$bin" hunt case.db --dry-run >text.txt
grep -q 'past-incident-link' text.txt || fail "text output"
grep -q 'record [0-9]' text.txt || fail "no record numbers in text output"
echo ok
