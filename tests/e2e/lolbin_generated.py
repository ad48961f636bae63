#!/usr/bin/env python3
"""The hunt lolbin (the built-in Sigma pack) on a generated case: every
abused command of answer.json that is one of the pack's behaviours is
found on its host, by the rule for that behaviour (the impact phase:
shadow copies, recovery, backups and logs on every ransomware host).

usage: lolbin_generated.py BINARY WORKDIR SEED"""
import json
import os
import shutil
import subprocess
import sys

binary, work, seed = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
out, case = os.path.join(work, "gen"), os.path.join(work, "case.db")

def run(args, ok=(0,)):
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr[-2000:]))
    return p.stdout

run(["gen", "--out", out, "--seed", seed, "--days", "20", "--quiet"])
run(["ingest", case, os.path.join(out, "logs")], ok=(0, 1))
# a user's own rule given with --rules runs with the pack
user_rule = os.path.join(work, "whoami.yml")
with open(user_rule, "w") as f:
    f.write("title: Whoami All\nlogsource:\n  product: windows\n  category: process_creation\n"
            "detection:\n  sel:\n    CommandLine|contains: 'whoami /all'\n  condition: sel\nlevel: low\n")
found = set()
for line in run(["hunt", case, "--hunt", "lolbin", "--json", "--rules", user_rule]).splitlines():
    f = json.loads(line)
    title = f["title"]
    # "Sigma: <rule title> on <host>"
    rule, host = title[len("Sigma: "):].rsplit(" on ", 1)
    found.add((rule, host))

# what each behaviour of the generator is found by
RULE = {
    "shadow copy deletion": "Shadow Copies Deleted",
    "recovery disabled": "System Recovery Disabled or Backups Deleted",
    "backup catalog deletion": "System Recovery Disabled or Backups Deleted",
    "log clearing": "Event Log Cleared From the Command Line",
    "credential dumping": "LSASS Memory Dumped",
    "port proxy": "Port Proxy Added With netsh",
    "enable RDP": "RDP Enabled From the Command Line",
    "persistence (scheduled task)": "Scheduled Task Created to Run as SYSTEM",
}
answer = json.load(open(os.path.join(out, "answer.json")))
missed, checked = [], 0
for c in answer["abused_commands"]:
    rule = RULE.get(c["why"])
    if c["why"] == "discovery" and ("nltest" in c["command_line"] or "group" in c["command_line"]):
        rule = "Active Directory Reconnaissance"
    if not rule:
        continue
    checked += 1
    if (rule, c["host"]) not in found:
        missed.append("%s on %s (%s)" % (rule, c["host"], c["command_line"]))
for c in answer["abused_commands"]:
    if c["command_line"].startswith("whoami /all"):
        checked += 1
        if ("Whoami All", c["host"]) not in found:
            missed.append("the --rules rule on %s" % c["host"])
for h in answer["ransomware"]["hosts"]:
    checked += 1
    if ("Shadow Copies Deleted", h) not in found:
        missed.append("impact on %s" % h)
print("seed %s: %d behaviours checked, %d missed, %d lolbin findings" % (seed, checked, len(missed), len(found)))
for m in missed:
    print("  MISSED " + m)
sys.exit(1 if missed or checked == 0 else 0)
