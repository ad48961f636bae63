#!/usr/bin/env python3
"""SigmaHQ's own regression check, with our engine: every rule of
tests/data/sigma/rules* that has regression data must fire on its EVTX
sample (match_count times, where info.yml gives it). Prints the table:
rules with samples, passed, failed with the reason.

usage: sigma_regression.py BINARY WORKDIR DATADIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

binary, work, data = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
case = os.path.join(work, "case.db")

def run(args):
    p = subprocess.run([binary] + args, cwd=data, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr[-2000:]))
    return p.stdout

# one case holding every sample; identical samples are stored once, under
# the first path, so a sample is known by its sha256
sources = [json.loads(l) for l in run(["ingest", case, "regression_data", "--json"]).splitlines()
           if l.startswith("{")]
path_of_sha = {}
sha_of_path = {}
for s in sources:
    if s["format"] != "evtx":
        continue
    sha_of_path[s["path"]] = s["sha256"]
    if not s["duplicate"]:
        path_of_sha[s["sha256"]] = s["path"]

rule_dirs = [d for d in ("rules", "rules-emerging-threats", "rules-threat-hunting")
             if os.path.isdir(os.path.join(data, d))]
check = run(["sigma", "--check"] + rule_dirs + ["--json"]).splitlines()
not_loaded = {}
for l in check:
    o = json.loads(l)
    if "reason" in o:
        not_loaded[o["id"]] = o["reason"]
matches = {}
for l in run(["sigma", case, "--matches", "--json"] + sum([["--rules", d] for d in rule_dirs], [])).splitlines():
    m = json.loads(l)
    key = (m["rule_id"], sha_of_path.get(m["source"]["path"]))
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

print("rules with samples: %d, passed: %d, failed: %d" % (total, passed, len(failed)))
for rid, title, why in failed:
    print("  FAILED %s  %s: %s" % (rid, title, why))
for rid, title, got, want in more:
    print("  (more) %s  %s: %d matches, match_count %s" % (rid, title, got, want))
sys.exit(1 if failed else 0)
