#!/usr/bin/env python3
"""Score `ashiato hunt --json` output against a generated case's answer.json.

usage: hunt_check.py ANSWER.json FINDINGS.jsonl [--strict] [--require link,tunnel]

Prints one JSON object: what was expected, what ranked first, true and false
positives at high severity or above, the same per hunt ("per_hunt"), and for
each false one the decoy of the family it was mistaken for ("decoy", from
answer.json "benign"). A case made with `gen --benign-only` embeds nothing
(answer.json "intrusion": false): every high or critical finding is false.
With --strict, exits 1 unless the embedded account and the tunnel
host/relay are ranked first in their hunts, found at high severity, and no
benign long-lived cloud session is reported at high severity.
"""
import json
import sys

HIGH = ("high", "critical")


def load(answer_path, findings_path):
    with open(answer_path) as f:
        answer = json.load(f)
    findings = []
    with open(findings_path) as f:
        for line in f:
            line = line.strip()
            if line:
                findings.append(json.loads(line))
    return answer, findings


def intrusion_ips(answer):
    out = set()
    for v in [answer.get("past_vpn_session", {})] + answer.get("return_vpn_sessions", []):
        out.update(x for x in (v.get("src_ip"), v.get("tunnel_ip")) if x)
    if answer.get("tunnel", {}).get("relay_ip"):
        out.add(answer["tunnel"]["relay_ip"])
    return out


def matches(f, answer):
    """Which expected finding f proves (None when none)."""
    if answer.get("intrusion") is False:
        return None
    hunt = f.get("hunt")
    ent = f.get("entities", {})
    accounts = ent.get("accounts", [])
    hosts = ent.get("hosts", [])
    ips = ent.get("ips", [])
    tunnel = answer.get("tunnel", {})
    past = answer.get("past_detection", {})
    if hunt == "past-incident-link":
        if accounts[:1] == [answer.get("linked_account")] and past.get("host") in hosts:
            return "link"
    elif hunt == "cloud-tunnel":
        if tunnel.get("relay_ip") in ips and (
            tunnel.get("host") in hosts or tunnel.get("host_ip") in ips
        ):
            return "tunnel"
    elif hunt == "beacon":
        # the intrusion's relay also takes the implant's half-hourly beacons
        # (src/gen/intrusion.c act_beacons): a true finding, not one of the
        # three expected ones
        if tunnel.get("relay_ip") in ips and (
            tunnel.get("host") in hosts or tunnel.get("host_ip") in ips
        ):
            return "relay-beacon"
    elif hunt == "loopback-rdp":
        if tunnel.get("host") in hosts:
            return "loopback"
    elif hunt == "account-use":
        # the linked account's returns over VPN from new addresses
        returns = {r.get("src_ip") for r in answer.get("return_vpn_sessions", [])}
        past_src = answer.get("past_vpn_session", {}).get("src_ip")
        if accounts[:1] == [answer.get("linked_account")] and (
            returns & set(ips) or past_src in ips
        ):
            return "account-use"
    elif hunt == "credential-hop":
        # the admin's credentials out of the jump host the returns reached
        lm = answer.get("lateral_movement", {})
        if lm.get("admin_account") in accounts and lm.get("jump_host") in hosts:
            return "credential-hop"
    elif hunt in ("lolbin", "sigma"):
        # the abused built-in tools and the ransomware's impact run on known
        # hosts (answer.json): a rule finding on one of them, within the
        # intrusion's days, is a true one (lolbin_generated.sh checks each
        # behaviour; here it only must not count as a false positive)
        bad_hosts = {c.get("host") for c in answer.get("abused_commands", [])}
        bad_hosts |= {c.get("host") for c in answer.get("log_clears", []) if isinstance(c, dict)}
        bad_hosts |= set(answer.get("ransomware", {}).get("hosts", []))
        if set(hosts) & bad_hosts:
            return "lolbin"
    elif hunt == "implant":
        files = set(ent.get("files", []))
        imp = answer.get("implants", [])
        if files & {i.get("file") for i in imp} or files & {i.get("path") for i in imp}:
            return "implant"
    else:
        # hunts that arrived after this checker (account use, credential
        # hop, ...): true when they name a compromised account or one of the
        # intrusion's own addresses
        if set(accounts) & set(answer.get("compromised_accounts", [])) or (
            set(ips) & intrusion_ips(answer)
        ):
            return "intrusion"
    return None


def decoy_of(f, answer):
    """The family decoy (answer.json benign.*) a false finding names, if any."""
    ent = f.get("entities", {})
    accounts = set(ent.get("accounts", []))
    hosts = set(ent.get("hosts", []))
    ips = set(ent.get("ips", []))
    b = answer.get("benign", {})
    # by file first: one admin may carry several decoys on one host
    files = set(ent.get("files", []))
    title = f.get("title") or ""
    for key in ("admin_detection_user", "admin_tools"):
        d = b.get(key)
        if not isinstance(d, dict):
            continue
        for x in [d] + d.get("detections", []):
            if x.get("path") and (x["path"] in files or (x.get("threat") and x["threat"] in title)):
                if x.get("host") in hosts:
                    return key
    for key in ("admin_detection_user", "admin_tools", "admin_travel"):
        d = b.get(key)
        if not isinstance(d, dict):
            continue
        dh = {d.get("host")} | {x.get("host") for x in d.get("detections", [])}
        dips = set()
        for s in [d.get("home_session", {}), d.get("away_session", {})] + [
            x.get("vpn_session", {}) for x in d.get("detections", [])
        ]:
            dips.update(x for x in (s.get("src_ip"), s.get("tunnel_ip")) if x)
        if d.get("account") in accounts and (hosts & dh or ips & dips or not hosts):
            return key
    # the benign cloud sessions: the vendor's support agent of a family,
    # and the monitoring websockets, backups and updates of every case
    for key, v in b.items():
        if isinstance(v, dict) and ips & set(v.get("dst_ips", [])):
            return key
    return None


def benign_ips(answer):
    out = set()
    for k, v in answer.get("benign", {}).items():
        if isinstance(v, dict):
            out.update(v.get("dst_ips", []))
    return out


def score(answer, findings):
    expected = ["link", "tunnel", "loopback"]
    if answer.get("intrusion") is False:
        expected = []
    found = {}
    first = {}
    tp = fp = 0
    fps = []
    benign = benign_ips(answer)
    benign_high = []
    per_hunt = {}
    decoys = {}
    by_hunt = {}
    for rank, f in enumerate(findings):
        m = matches(f, answer)
        hunt = f.get("hunt")
        if hunt not in first:
            first[hunt] = {"rank": rank, "match": m, "severity": f.get("severity"),
                           "title": f.get("title")}
        high = f.get("severity") in HIGH
        if m and high and m not in found:
            found[m] = rank
        ph = per_hunt.setdefault(hunt, {"high": 0, "true_high": 0, "first_true": bool(m)})
        if high:
            ph["high"] += 1
            bh = by_hunt.setdefault(hunt, {"tp": 0, "fp": 0})
            if m:
                tp += 1
                ph["true_high"] += 1
                bh["tp"] += 1
            else:
                fp += 1
                bh["fp"] += 1
                d = decoy_of(f, answer)
                if d:
                    decoys[d] = decoys.get(d, 0) + 1
                fps.append(f"{hunt}: {f.get('title')}" + (f" [decoy {d}]" if d else ""))
        if hunt == "cloud-tunnel" and high and benign & set(f.get("entities", {}).get("ips", [])):
            benign_high.append(f.get("title"))
    first_ok = {
        "link": first.get("past-incident-link", {}).get("match") == "link",
        "tunnel": first.get("cloud-tunnel", {}).get("match") == "tunnel",
        "loopback": first.get("loopback-rdp", {}).get("match") == "loopback",
    }
    # the story hunts (issue 11 item 4): found at high or above, and are the
    # findings of the embedded intrusion in one incident
    story = {}
    for k in ("account-use", "credential-hop"):
        story[k] = k in found
    ids = {f.get("incident") for f in findings
           if matches(f, answer) in ("link", "tunnel", "loopback", "account-use", "credential-hop")}
    story["one_incident"] = len(ids) == 1 and None not in ids
    return {
        "expected": expected,
        "story": story,
        "by_hunt": by_hunt,
        "found_high": found,
        "first_in_hunt_correct": first_ok,
        "tp": tp,
        "fp": fp,
        "fn": len([e for e in expected if e not in found]),
        "false_positives": fps[:10],
        "per_hunt": per_hunt,
        "false_high_by_decoy": decoys,
        "family": answer.get("family", {}),
        "intrusion": answer.get("intrusion", True),
        "benign_high": benign_high,
        "findings": len(findings),
    }


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    answer, findings = load(sys.argv[1], sys.argv[2])
    r = score(answer, findings)
    print(json.dumps(r))
    if "--strict" in sys.argv:
        need = ["link", "tunnel"]
        if "--require" in sys.argv:
            need = sys.argv[sys.argv.index("--require") + 1].split(",")
        ok = not r["benign_high"]
        for k in need:
            ok = ok and r["first_in_hunt_correct"][k] and k in r["found_high"]
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
