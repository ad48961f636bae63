#!/usr/bin/env python3
"""Golden plan tests: run.py BINARY CASE WORKDIR [--update]

CASE.args holds the arguments of `ashiato gen` (one line) for a small
generated case. The case is generated, ingested and hunted (with the
project's own cloud ranges file, so every build names the same providers),
and its plan is written three ways: `plan --json` (compared as JSON, kept
pretty-printed in CASE.expected.json so that a change reads as a diff),
`plan` (CASE.expected.en.txt) and `plan --lang ja` (CASE.expected.ja.txt),
both compared byte for byte. The generator is deterministic (the same seed
gives the same bytes) and so are the hunts and the plan: any difference is
a change in what the plan tells a responder. --update rewrites the files."""
import json, os, shlex, shutil, subprocess, sys

def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True)
    if r.returncode:
        sys.exit("%s failed (%d): %s" % (" ".join(cmd[:2]), r.returncode,
                                          r.stderr.decode("utf-8", "replace")[-2000:]))
    return r.stdout

def main():
    binary, case, work = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    update = "--update" in sys.argv[4:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(case + ".args", encoding="utf-8") as f:
        args = shlex.split(f.read().strip())
    ranges = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "data",
                          "cloud-ranges.tsv")
    # relative paths: the sources' paths, cited as evidence, are the same
    # wherever the test runs
    run([binary, "gen", "--out", "g", "-q"] + args, work)
    run([binary, "ingest", "case.db", "g/logs"], work)
    run([binary, "hunt", "case.db", "--ranges", ranges], work)
    got = {
        "json": json.loads(run([binary, "plan", "case.db", "--json"], work)),
        "en.txt": run([binary, "plan", "case.db"], work),
        "ja.txt": run([binary, "plan", "case.db", "--lang", "ja"], work),
    }
    name = os.path.basename(case)
    if update:
        with open(case + ".expected.json", "w", encoding="utf-8") as o:
            json.dump(got["json"], o, indent=1, ensure_ascii=False, sort_keys=True)
            o.write("\n")
        for k in ("en.txt", "ja.txt"):
            with open(case + ".expected." + k, "wb") as o:
                o.write(got[k])
        return
    bad = 0
    with open(case + ".expected.json", encoding="utf-8") as f:
        exp = json.load(f)
    if exp != got["json"]:
        bad += 1
        a = json.dumps(exp, indent=1, ensure_ascii=False, sort_keys=True).splitlines()
        b = json.dumps(got["json"], indent=1, ensure_ascii=False, sort_keys=True).splitlines()
        import difflib
        print("\n".join(list(difflib.unified_diff(a, b, "expected", "got", lineterm=""))[:80]))
    for k in ("en.txt", "ja.txt"):
        with open(case + ".expected." + k, "rb") as f:
            if f.read() != got[k]:
                bad += 1
                print("%s: the %s plan differs (run.py --update to accept)" % (name, k))
    if bad:
        sys.exit("%s: %d of 3 plan outputs differ" % (name, bad))
    print("%s: %d steps as expected" % (name, len(got["json"]["steps"])))

main()
