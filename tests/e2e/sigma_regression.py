#!/usr/bin/env python3
"""SigmaHQ's own regression check, with our engine: every rule of
tests/data/sigma/rules* that has regression data must fire on its EVTX
sample (match_count times, where info.yml gives it). Prints the table:
rules with samples, passed, failed with the reason.

With MODE evtx_dump or ecs the samples are the .json renderings beside
the .evtx files, turned into JSON lines as evtx_dump writes them, or into
Winlogbeat/ECS documents (winlog.event_data...), and ingested as such:
the same rules must fire on the same events whatever the container.

usage: sigma_regression.py BINARY WORKDIR DATADIR [evtx|evtx_dump|ecs]"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

binary, work, data = sys.argv[1], sys.argv[2], sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "evtx"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
case = os.path.join(work, "case.db")

def run(args, cwd=None):
    p = subprocess.run([binary] + args, cwd=cwd or data, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr[-2000:]))
    return p.stdout

# one case holding every sample; identical samples are stored once, under
# the first path, so a sample is known by its sha256
def json_objects(text):
    dec = json.JSONDecoder()
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return
        o, i = dec.raw_decode(text, i)
        yield o

def attr(x, k):
    return x.get("#attributes", {}).get(k) if isinstance(x, dict) else None

def to_ecs(o):
    """evtx_dump's JSON of one event -> a Winlogbeat document."""
    sy = o["Event"]["System"]
    data = o["Event"].get("EventData") or {}
    data = {k: v for k, v in data.items() if k != "#attributes"} if isinstance(data, dict) else {}
    eid = sy.get("EventID")
    if isinstance(eid, dict):
        eid = eid.get("#text")
    w = {"channel": sy.get("Channel"), "event_id": eid,
         "provider_name": attr(sy.get("Provider"), "Name"),
         "computer_name": sy.get("Computer"), "record_id": sy.get("EventRecordID")}
    user = o["Event"].get("UserData")
    if isinstance(user, dict) and user:
        # Winlogbeat writes UserData's one element's children as user_data
        inner = next(iter(user.values()))
        if isinstance(inner, dict):
            w["user_data"] = {k: v for k, v in inner.items() if k != "#attributes"}
    else:
        w["event_data"] = data
    return {"@timestamp": attr(sy.get("TimeCreated"), "SystemTime"), "winlog": w}

fmt = "evtx"
ingest_root, ingest_cwd = "regression_data", data
if mode != "evtx":
    # one JSON-lines file per sample, at the sample's path with .jsonl
    fmt = "winjson"
    ingest_cwd = work
    for j in glob.glob(os.path.join(data, "regression_data", "**", "*.json"), recursive=True):
        rel = os.path.relpath(j, data)[: -len(".json")] + ".jsonl"
        os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
        with open(os.path.join(work, rel), "w", encoding="utf-8") as out:
            for o in json_objects(open(j, encoding="utf-8").read()):
                out.write(json.dumps(o if mode == "evtx_dump" else to_ecs(o)) + "\n")

# one case holding every sample; identical samples are stored once, under
# the first path, so a sample is known by its sha256
sources = [json.loads(l) for l in run(["ingest", case, ingest_root, "--json"], cwd=ingest_cwd).splitlines()
           if l.startswith("{")]
path_of_sha = {}
sha_of_path = {}
for s in sources:
    if s["format"] != fmt:
        continue
    p = s["path"]
    if fmt != "evtx":
        p = p[: -len(".jsonl")] + ".evtx"
    sha_of_path[p] = s["sha256"]
    if not s["duplicate"]:
        path_of_sha[s["sha256"]] = p

rule_dirs = [d for d in ("rules", "rules-emerging-threats", "rules-threat-hunting")
             if os.path.isdir(os.path.join(data, d))]
check = run(["sigma", "--check"] + rule_dirs + ["--json"]).splitlines()
not_loaded = {}
for l in check:
    o = json.loads(l)
    if "reason" in o:
        not_loaded[o["id"]] = o["reason"]
matches = {}
rule_args = sum([["--rules", os.path.join(data, d)] for d in rule_dirs], [])
for l in run(["sigma", case, "--matches", "--json"] + rule_args, cwd=ingest_cwd).splitlines():
    m = json.loads(l)
    p = m["source"]["path"]
    if fmt != "evtx":
        p = p[: -len(".jsonl")] + ".evtx"
    key = (m["rule_id"], sha_of_path.get(p))
    matches[key] = matches.get(key, 0) + 1

total = passed = 0
failed = []
more = []
for info in sorted(glob.glob(os.path.join(data, "regression_data", "**", "info.yml"), recursive=True)):
    text = open(info, encoding="utf-8").read()
    rid = re.search(r"rule_metadata:\s*\n\s*-\s*id:\s*(\S+)", text).group(1)
    title = re.search(r"title:\s*(.*)", text).group(1).strip()
    for t in re.split(r"\n\s*- name:", text.split("regression_tests_info:", 1)[1])[0:]:
        pm = re.search(r"path:\s*(\S+\.evtx)", t)
        if not pm or re.search(r"^\s*#", t.split("path:")[0].splitlines()[-1] if "path:" in t else ""):
            continue
        total += 1
        path = pm.group(1)
        want = re.search(r"match_count:\s*(\d+)", t)
        sha = sha_of_path.get(path)
        got = matches.get((rid, sha), 0)
        if rid in not_loaded:
            failed.append((rid, title, "not loaded: " + not_loaded[rid]))
        elif sha is None:
            failed.append((rid, title, "sample not ingested: " + path))
        elif want and got < int(want.group(1)):
            # match_count is a minimum, as in SigmaHQ's runner (more is
            # a warning there: the sample holds several such events)
            failed.append((rid, title, "%d matches, want %s" % (got, want.group(1))))
        elif not want and got == 0:
            failed.append((rid, title, "no match"))
        else:
            passed += 1
            if want and got > int(want.group(1)):
                more.append((rid, title, got, want.group(1)))

print("%s: rules with samples: %d, passed: %d, failed: %d" % (mode, total, passed, len(failed)))
for rid, title, why in failed:
    print("  FAILED %s  %s: %s" % (rid, title, why))
for rid, title, got, want in more if mode == "evtx" else []:
    print("  (more) %s  %s: %d matches, match_count %s" % (rid, title, got, want))
sys.exit(1 if failed else 0)
