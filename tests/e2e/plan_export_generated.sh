#!/usr/bin/env bash
# plan and export on generated cases of several firewalls and seeds: the
# plan names the linked account, the relay, the tunnel host and the backup
# cut-off (the past incident, weeks before the ransomware, not the
# ransomware's date), with firewall configuration for the case's own
# vendor; every step cites findings and evidence that lead back to the
# case's sources; text comes in English and Japanese; the STIX bundle
# validates against the OASIS schemas (ajv, draft 2020-12), the MISP event
# and the IOC CSV hold the same indicators; re-export gives the same bytes.
set -euo pipefail
bin=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
schemas="$here/../data/stix2-json-schemas/schemas"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# ajv-cli and ajv-formats, pinned, in a node_modules of the build tree
# (kept between runs; never global)
ajv_dir=$(dirname "$work")/node-ajv
if [ ! -f "$ajv_dir/node_modules/ajv-formats/package.json" ] ||
   [ ! -f "$ajv_dir/node_modules/ajv-cli/package.json" ]; then
  command -v npm >/dev/null || fail "npm is missing (scripts/setup installs it)"
  mkdir -p "$ajv_dir"
  npm install --prefix "$ajv_dir" --no-audit --no-fund --no-save --loglevel=error \
    ajv-cli@5.0.0 ajv-formats@3.0.1 >/dev/null || fail "npm install ajv-cli ajv-formats"
fi
# the validator must reject what the schemas reject, or it proves nothing
echo '{"type":"bundle","id":"bundle--00000000-0000-5000-8000-000000000000","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--x"}]}' >bad.json
if NODE_PATH="$ajv_dir/node_modules" node "$here/stix_validate.js" "$schemas" bad.json >bad.txt 2>&1; then
  fail "the STIX validator accepted an invalid bundle"
fi

run_case() {
  local seed=$1 fw=$2
  shift 2
  local d="s$seed-$fw"
  "$bin" gen --out "$d" --seed "$seed" --firewall "$fw" --users 20 --servers 6 --days 40 \
    --flows-per-day 300 -q "$@" || fail "$d: gen"
  "$bin" ingest "$d.db" "$d/logs" >/dev/null 2>&1 || fail "$d: ingest"
  "$bin" hunt "$d.db" --json >"$d.hunt.jsonl" || fail "$d: hunt"
  "$bin" scan --case "$d.db" "$d/files" >/dev/null 2>&1 || fail "$d: scan"
  "$bin" plan "$d.db" --json >"$d.plan.json" || fail "$d: plan --json"
  "$bin" plan "$d.db" >"$d.plan.txt" || fail "$d: plan"
  "$bin" plan "$d.db" --lang ja >"$d.plan.ja.txt" || fail "$d: plan --lang ja"
  "$bin" sources "$d.db" --json >"$d.sources.jsonl"
  "$bin" export "$d.db" --stix "$d.stix.json" --misp "$d.misp.json" --csv-iocs "$d.iocs.csv" ||
    fail "$d: export"
  "$bin" export "$d.db" --stix "$d.stix2.json" --csv-iocs "$d.iocs2.csv"
  cmp -s "$d.stix.json" "$d.stix2.json" || fail "$d: a second STIX export differs"
  cmp -s "$d.iocs.csv" "$d.iocs2.csv" || fail "$d: a second CSV export differs"
  NODE_PATH="$ajv_dir/node_modules" node "$here/stix_validate.js" "$schemas" "$d.stix.json" \
    >"$d.ajv.txt" 2>&1 || fail "$d: STIX bundle invalid: $(head -c 3000 "$d.ajv.txt")"
  python3 - "$d" "$fw" <<'PY' || fail "$d: plan/export content"
import csv, json, sys
d, fw = sys.argv[1], sys.argv[2]
ans = json.load(open(d + "/answer.json"))
p = json.load(open(d + ".plan.json"))
steps = {}
for s in p["steps"]:
    steps.setdefault(s["action"], []).append(s)
def values(a):
    return [v for s in steps.get(a, []) for v in s["values"]]
linked, relay, thost = ans["linked_account"], ans["tunnel"]["relay_ip"], ans["tunnel"]["host"]
assert p["firewall"] == fw and p["firewall_detected"], (p["firewall"], fw)
# 1 contain: the relay and the intruder's VPN sources, with the config
assert relay in values("block_addresses"), values("block_addresses")
assert ans["past_vpn_session"]["src_ip"] in values("block_addresses")
block = steps["block_addresses"][0]
assert relay in block["config"], "relay not in the firewall configuration"
marker = {"fortigate": "config firewall address", "panos": "set address-group",
          "asa": "object-group network", "iptables": "iptables -N"}[fw]
assert marker in block["config"], block["config"][:200]
for r in ans.get("return_vpn_sessions", []):
    assert r["src_ip"] in values("block_addresses"), ("return source", r["src_ip"])
# no benign address is blocked: none of the case's benign cloud endpoints
benign = set()
for k, v in ans["benign"].items():
    if isinstance(v, dict):
        benign.update(v.get("dst_ips", []))
assert benign, "the generator listed no benign endpoints"
blocked = set(values("block_addresses"))
assert not (benign & blocked), ("benign address blocked", benign & blocked)
assert linked in values("disable_vpn") and linked in values("reset_linked"), linked
assert thost in values("isolate_tunnel_host"), values("isolate_tunnel_host")
# 2 eradicate: the tunnel's service, and a rebuild of the tunnel host
assert ans["tunnel"]["service_name"] in values("remove_service"), values("remove_service")
assert thost in values("rebuild_hosts")
# 3 credentials: krbtgt twice, the DC having been reached
assert "krbtgt_twice" in steps, list(steps)
# 4 restore: DC first; the cut-off is the past incident, not the ransomware
order = steps["restore_order"][0]["values"]
dcs = [s["name"] for s in ans["organisation"]["servers"] if "domain controller" in s["role"]]
assert order and order[0] in dcs, order
cut = p["cutoff"]
# (to the second: PAN-OS and ASA log whole seconds)
assert ans["past_vpn_session"]["login"][:19] <= cut[:19] <= ans["past_detection"]["ts"][:19], (
    cut, ans["past_vpn_session"]["login"], ans["past_detection"]["ts"])
assert cut[:10] < ans["ransomware"]["ts"][:10]
assert p["restore_from"] and p["restore_from"] < cut, p["restore_from"]
assert cut in steps["backup_cutoff"][0]["text"]
assert p["backups_suspect"] > 0
# 5 watch
w = p["watchlist"]
assert relay in [x["value"] for x in w["relays"]]
assert linked in [x["value"] for x in w["accounts"]]
assert any(t["host"] == thost and t["relay_ip"] == relay and t["port"] == ans["tunnel"]["relay_port"]
           for t in w["tunnels"]), w["tunnels"]
assert w["watch_days"] >= 90
# every step but the catch-alls cites findings; every evidence is a source
paths = {json.loads(l)["path"] for l in open(d + ".sources.jsonl")}
ids = {json.loads(l)["id"] for l in open(d + ".hunt.jsonl")}
for s in p["steps"]:
    if s["action"] not in ("krbtgt_not_required",):
        assert s["findings"], s["action"]
    for e in s["evidence"]:
        if "source" in e and e["source"]["path"].startswith(d + "/logs"):
            assert e["source"]["path"] in paths, e
    for f in s["findings"]:
        assert f in ids or f.startswith("implant-"), f
# the text plans name the same, in both languages
en, ja = open(d + ".plan.txt", encoding="utf-8").read(), open(d + ".plan.ja.txt", encoding="utf-8").read()
for x in (linked, relay, thost, cut):
    assert x in en and x in ja, x
assert "1. Contain" in en and "1. 封じ込め" in ja and "krbtgt" in ja
# exports: the same indicators
st = json.load(open(d + ".stix.json"))
pats = [o["pattern"] for o in st["objects"] if o["type"] == "indicator"]
assert "[ipv4-addr:value = '%s']" % relay in pats, pats
types = {o["type"] for o in st["objects"]}
for t in ("identity", "indicator", "observed-data", "sighting", "attack-pattern",
          "relationship", "report", "infrastructure", "malware"):
    assert t in types, t
rep = [o for o in st["objects"] if o["type"] == "report"][0]
assert len(rep["object_refs"]) == len(st["objects"]) - 1
ev = json.load(open(d + ".misp.json"))["Event"]
vals = {(a["type"], a["value"]) for a in ev["Attribute"]}
assert ("ip-dst", relay) in vals and ("target-user", linked) in vals, vals
assert any(t["name"].startswith("misp-galaxy:mitre-attack-pattern=") for t in ev["Tag"])
for im in ans["implants"]:
    assert ("sha256", im["sha256"]) in vals, im
rows = list(csv.DictReader(open(d + ".iocs.csv", newline="", encoding="utf-8")))
assert any(r["type"] == "ipv4" and r["value"] == relay and r["role"] == "relay" for r in rows)
print("%s: %d steps, cut-off %s, %d STIX objects, %d MISP attributes, %d CSV rows" % (
    d, len(p["steps"]), cut, len(st["objects"]), len(ev["Attribute"]), len(rows)))
PY
}

run_case 3 fortigate --sysmon
run_case 21 panos
run_case 13 asa

# --firewall overrides the detected vendor; usage errors
"$bin" plan s3-fortigate.db --firewall iptables --json | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["firewall"] == "iptables" and not p["firewall_detected"]
b = [s for s in p["steps"] if s["action"] == "block_addresses"][0]
assert "table inet ashiato" in b["config"]' || fail "--firewall iptables"
set +e
"$bin" plan s3-fortigate.db --firewall checkpoint >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown firewall: want exit 2"
"$bin" plan s3-fortigate.db --lang fr >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown language: want exit 2"
"$bin" export s3-fortigate.db >/dev/null 2>&1
[ $? -eq 2 ] || fail "export without a format: want exit 2"
"$bin" plan missing.db >/dev/null 2>&1
[ $? -eq 1 ] || fail "missing case: want exit 1"
set -e
echo ok
