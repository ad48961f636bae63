#!/usr/bin/env python3
"""Tables of bench_hunt.sh: results.jsonl (one line per case, the output of
tests/e2e/hunt_check.py under "r") -> precision, recall and first rank per
hunt, a table per family axis, the misses, and the false high/critical
findings of the benign-only cases.

usage: bench_hunt_table.py RESULTS.jsonl
"""
import collections
import json
import sys

FACTS = (("link", "past-incident-link"), ("tunnel", "cloud-tunnel"), ("loopback", "loopback-rdp"))
AXES = ("intruder", "detuser", "vpn", "cloud", "port", "loopback", "past_months", "decoys")


def pct(a, b):
    return f"{a}/{b}" if b else "-"


def fact_row(rows):
    n = len(rows)
    out = []
    for k, _ in FACTS:
        rec = sum(1 for r in rows if k in r["r"]["found_high"])
        first = sum(1 for r in rows if r["r"]["first_in_hunt_correct"][k])
        out += [pct(rec, n), pct(first, n)]
    # precision over the three hunts of the facts (lolbin's many true
    # findings would hide their false ones); false high: every hunt
    hi = th = 0
    for r in rows:
        for _, h in FACTS:
            v = r["r"].get("per_hunt", {}).get(h, {})
            hi += v.get("high", 0)
            th += v.get("true_high", 0)
    fp = sum(r["r"]["fp"] for r in rows)
    out += [str(fp), f"{th / hi:.3f}" if hi else "-"]
    return out


def table(head, rows):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w[i]) for i, x in enumerate(r))
    print(line(head))
    for r in rows:
        print(line(r))


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    intr = [r for r in rows if r["kind"] == "intrusion"]
    ben = [r for r in rows if r["kind"] == "benign"]
    if intr:
        n = len(intr)
        print(f"\n== per hunt over {n} intrusion seeds (positives: high or critical)")
        hunts = collections.OrderedDict()
        for r in intr:
            for h, v in r["r"].get("per_hunt", {}).items():
                a = hunts.setdefault(h, [0, 0, 0, 0])
                a[0] += v["high"]
                a[1] += v["true_high"]
                a[2] += 1 if v["first_true"] else 0
                a[3] += 1
        body = []
        for h, (hi, th, ft, seen) in sorted(hunts.items()):
            fact = next((k for k, name in FACTS if name == h), None)
            rec = pct(sum(1 for r in intr if fact in r["r"]["found_high"]), n) if fact else "n/a"
            body.append([h, hi, th, f"{th / hi:.3f}" if hi else "-", rec, pct(ft, seen)])
        table(["hunt", "high", "true", "precision", "recall", "first true"], body)
        print("(recall: the seeds where the hunt's embedded fact is found high; first true: "
              "of the seeds with a finding of the hunt, those whose first one is true)")
        head = ["value", "n", "link rec", "link 1st", "tunnel rec", "tunnel 1st", "loop rec",
                "loop 1st", "false high", "prec 3 hunts"]
        print(f"\nall {n} seeds: " + "  ".join(f"{h} {v}" for h, v in zip(head[2:], fact_row(intr))))
        for ax in AXES:
            groups = collections.defaultdict(list)
            for r in intr:
                groups[str(r["r"]["family"].get(ax, "?"))].append(r)
            print(f"\n-- family axis {ax}")
            table(head, [[v, len(g)] + fact_row(g) for v, g in sorted(groups.items())])
        print("\n== misses (embedded fact not found high, or not first in its hunt)")
        any_miss = False
        for r in intr:
            rr = r["r"]
            for k, hunt in FACTS:
                if k in rr["found_high"] and rr["first_in_hunt_correct"][k]:
                    continue
                any_miss = True
                fam = ",".join(f"{a}={rr['family'].get(a)}" for a in AXES if a in rr["family"])
                what = "not found high" if k not in rr["found_high"] else "found, not first"
                print(f"seed {r['seed']} {hunt}: {what} [{fam}]")
        if not any_miss:
            print("none")
        fps = collections.Counter()
        dec = collections.Counter()
        for r in intr:
            for t in r["r"]["false_positives"]:
                fps[t.split(":")[0]] += 1
            for d, c in r["r"].get("false_high_by_decoy", {}).items():
                dec[d] += c
        print("\nfalse high findings by hunt: " + (", ".join(f"{h} {c}" for h, c in fps.most_common()) or "none"))
        print("false high findings naming a decoy: " + (", ".join(f"{d} {c}" for d, c in dec.most_common()) or "none"))
    if ben:
        total = sum(r["r"]["fp"] for r in ben)
        print(f"\n== benign-only: {total} high/critical findings over {len(ben)} cases (target 0)")
        by = collections.Counter()
        dec = collections.Counter()
        for r in ben:
            for t in r["r"]["false_positives"]:
                by[t.split(":")[0]] += 1
            for d, c in r["r"].get("false_high_by_decoy", {}).items():
                dec[d] += c
        print("by hunt: " + (", ".join(f"{h} {c}" for h, c in by.most_common()) or "none"))
        print("naming a decoy: " + (", ".join(f"{d} {c}" for d, c in dec.most_common()) or "none"))
    print("\nmean hunt time per case: %.2f s" % (sum(r["hunt_ms"] for r in rows) / max(1, len(rows)) / 1000))


if __name__ == "__main__":
    main()
