#!/usr/bin/env python3
"""Golden hunt tests: run.py BINARY CASE WORKDIR [--update]

CASE.events.jsonl holds the case's log lines in their real source formats,
one JSON object a line: {"file": path under logs/, "format": ingest
format, "line": the raw line}. They are written back to files, ingested
(each file with its format forced, so that format-specific branches such
as FortiGate's "ts is the session's end" run), and hunted. Each finding is
reduced to what a hunt claims (hunt, severity, hosts, addresses, evidence
count, the keys of its details and its textual facts, its incident) and compared, in order, with
CASE.expected.jsonl. Wording is not compared: summaries may be reworded
without touching these files. --update rewrites the expected file."""
import json, os, shutil, subprocess, sys

def main():
    binary, case, work = sys.argv[1], sys.argv[2], sys.argv[3]
    update = "--update" in sys.argv[4:]
    shutil.rmtree(work, ignore_errors=True)
    logs = os.path.join(work, "logs")
    files = {}
    with open(case + ".events.jsonl", encoding="utf-8") as f:
        for n, l in enumerate(f, 1):
            e = json.loads(l)
            rel = os.path.normpath(e["file"])
            if rel.startswith("..") or os.path.isabs(rel):
                sys.exit("%s:%d: file outside logs/" % (case, n))
            files.setdefault((rel, e["format"]), []).append(e["line"])
    db = os.path.join(work, "case.db")
    for (rel, fmt), lines in sorted(files.items()):
        p = os.path.join(logs, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as o:
            o.write("\n".join(lines) + "\n")
        r = subprocess.run([binary, "ingest", db, p, "--format", fmt],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit("ingest %s failed: %s" % (rel, r.stderr))
    # the project's own ranges file, named explicitly: the same providers
    # whatever build or install runs the test
    ranges = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "data",
                          "cloud-ranges.tsv")
    r = subprocess.run([binary, "hunt", db, "--json", "--ranges", ranges], capture_output=True,
                       text=True)
    if r.returncode:
        sys.exit("hunt failed: %s" % r.stderr)
    got = []
    for l in r.stdout.splitlines():
        d = json.loads(l)
        ent = d.get("entities", {})
        # a finding's weighted reasons add up to its score (clamped to the
        # score's range): the report shows them as the score's parts
        why = (d.get("details") or {}).get("reasons")
        if why:
            s = sum(x["weight"] for x in why)
            if max(1, min(100, s)) != d["score"] and max(0, min(100, s)) != d["score"]:
                sys.exit("%s: reasons weigh %d, score %d" % (d["id"], s, d["score"]))
        got.append({"hunt": d["hunt"], "severity": d["severity"],
                    # the incident it is linked into ("INC-1"), or None
                    "incident": d.get("incident"),
                    "hosts": sorted(ent.get("hosts", [])), "ips": sorted(ent.get("ips", [])),
                    "evidence": len(d.get("evidence", [])),
                    "reasons": sorted((d.get("details") or {}).keys()),
                    # the verdicts a hunt states as words (category, kind of
                    # contact, provider): compared; counts and scores are not
                    "facts": {k: v for k, v in (d.get("details") or {}).items()
                              if isinstance(v, str)},
                    # the reasons for and against (details.reasons): their
                    # keys are compared, their weights are not
                    "why": sorted(r["reason"] for r in
                                  (d.get("details") or {}).get("reasons", []))})
    exp_path = case + ".expected.jsonl"
    if update:
        with open(exp_path, "w", encoding="utf-8") as o:
            for g in got:
                o.write(json.dumps(g, sort_keys=True) + "\n")
        return
    with open(exp_path, encoding="utf-8") as f:
        exp = [json.loads(l) for l in f if l.strip()]
    bad = 0
    for i in range(max(len(exp), len(got))):
        e = exp[i] if i < len(exp) else None
        g = got[i] if i < len(got) else None
        if e != g:
            bad += 1
            print("finding %d:\n  expected %s\n  got      %s" % (i + 1, json.dumps(e, sort_keys=True),
                                                              json.dumps(g, sort_keys=True)))
    if bad:
        sys.exit("%s: %d of %d findings differ" % (os.path.basename(case), bad, len(exp)))
    print("%s: %d findings as expected" % (os.path.basename(case), len(exp)))

main()
