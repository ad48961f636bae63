#!/usr/bin/env python3
"""Checks a report's DOM as headless Chromium built it (--dump-dom), the
console lines of its stderr and the requests of its net log.

usage: report_check.py OUT LANG [--findings F.jsonl] [--answer answer.json]
       [--hostile] [--canary]
OUT.dom, OUT.err and OUT.netlog are chromium_load's files. --canary
inverts the request and console checks: the page is one that must trip
them, so that a checker gone blind fails instead of passing."""
import json, sys
from html.parser import HTMLParser

out, lang = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
def opt(name):
    return args[args.index(name) + 1] if name in args else None

def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)

# ---- requests: anything the page asked for that is not itself or data:
log = json.load(open(out + ".netlog"))
types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
page_requests = []
for e in log["events"]:
    p = e.get("params") or {}
    if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
        continue  # (the job's end event carries only its error)
    # the browser's own jobs (its updater, its clock) say they have no
    # origin; a request from the page carries the page's origin ("null"
    # for a file: page)
    if p.get("initiator") == "not an origin":
        continue
    url = p.get("url", "")
    if not (url.startswith("file:") or url.startswith("data:")):
        page_requests.append(url)
# console lines of the browser's own pages (chrome://...) are not the page's
console = [l for l in open(out + ".err", errors="replace")
           if ":CONSOLE" in l and "source: chrome://" not in l and "source: devtools://" not in l]
if "--canary" in args:
    if not page_requests:
        fail("canary: the net-log check saw no request from a page that makes one")
    if not console:
        fail("canary: the console check saw nothing from a page that logs errors")
    print("canary ok")
    sys.exit(0)
if page_requests:
    fail("the page made requests: %s" % page_requests[:5])
if console:
    fail("console messages: %s" % console[:3])

# ---- the DOM
class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.ids, self.text = [], [], {}, []
        self.section, self.sections = None, {}
        self.ctl = []
        # the reasons' rows: (finding id, key, text, fallback) each
        self.art, self.row, self.rows = None, None, []
        self.heads = {}  # finding id -> its headline sentence
        self.head = None
        # finding id -> [text, fallback] of its title (h3 span.t) and of
        # its summary (p.sum)
        self.titles, self.sums = {}, {}
        self.cap, self.capdepth = None, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "article" and "data-finding" in a:
            self.art = a["data-finding"]
        if tag == "tr" and "data-reason" in a:
            self.row = [self.art, a["data-reason"], [], a.get("data-fallback")]
            self.td = 0
        if tag == "td" and self.row:
            self.td += 1  # the first cell is the weight
        if tag == "p" and a.get("class") == "head" and self.art:
            self.head = []
        if self.art and self.cap is None and (
                (tag == "span" and a.get("class") == "t") or (tag == "p" and a.get("class") == "sum")):
            self.cap = [[], a.get("data-fallback")]
            (self.titles if tag == "span" else self.sums)[self.art] = self.cap
            self.capdepth = 0
        elif self.cap is not None and tag in ("span", "p"):
            self.capdepth += 1
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "section":
            self.section = a.get("id")
            self.sections[self.section] = []
        if tag not in ("br", "meta", "img", "input", "link", "rect", "line", "circle", "path"):
            self.stack.append((tag, a))
    def handle_endtag(self, tag):
        if self.cap is not None and tag in ("span", "p"):
            if self.capdepth:
                self.capdepth -= 1
            else:
                self.cap[0] = "".join(self.cap[0])
                self.cap = None
        if tag == "tr" and self.row:
            self.row[2] = "".join(self.row[2])
            self.rows.append(tuple(self.row))
            self.row = None
        if tag == "p" and self.head is not None:
            self.heads[self.art] = "".join(self.head)
            self.head = None
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, d):
        self.text.append(d)
        if self.cap is not None:
            self.cap[0].append(d)
        if self.row and self.td == 2:
            self.row[2].append(d)
        if self.head is not None:
            self.head.append(d)
        if self.section:
            self.sections[self.section].append(d)
        if self.stack and self.stack[-1][1].get("class") == "ctl":
            self.ctl.append(d)

dom = Dom()
dom.feed(open(out + ".dom", encoding="utf-8").read())
text = "".join(dom.text)
for tag, a in dom.tags:
    if tag in ("script", "iframe", "object", "embed", "img", "link", "form", "base"):
        fail("element <%s> in the report" % tag)
    for k, v in a.items():
        if k.startswith("on"):
            fail("event handler attribute %s=%r" % (k, v))
        if k in ("src", "srcset", "action", "formaction", "xlink:href"):
            fail("attribute %s=%r loads or goes somewhere" % (k, v))
        if k == "href" and not (v or "").startswith("#"):
            fail("link to %r (only same-page links are allowed)" % v)
html = [a for t, a in dom.tags if t == "html"][0]
if html.get("lang") != lang:
    fail("lang=%r, want %r" % (html.get("lang"), lang))
styles = [t for t, a in dom.tags if t == "style"]
if len(styles) != 1:
    fail("%d style elements (one, allowed by its hash)" % len(styles))
for s in ("s1", "s2", "s3", "s4", "s5", "s6"):
    if s not in dom.sections:
        fail("section %s missing" % s)
heads = {"en": ["What happened", "Timeline", "Findings", "Accounts and hosts",
                "Evidence accounting", "Recovery plan"],
         "ja": ["何が起きたか", "タイムライン", "検出結果", "アカウントとホスト",
                "証拠の記録と照合", "復旧計画"]}[lang]
for h in heads:
    if h not in text:
        fail("heading %r missing" % h)
if "\u202e" in text or "\x00" in text:
    fail("a raw RTL override or NUL reached the page's text")

if opt("--findings"):
    fs = [json.loads(l) for l in open(opt("--findings"))]
    # an <article> each, or past the report's cap a table row each
    arts = [a for t, a in dom.tags if "data-finding" in a]
    # the case also holds the scan's implant findings, which `hunt --json`
    # does not print
    shown = [(a.get("data-hunt"), a.get("data-finding")) for a in arts]
    if not all(i for _, i in shown):
        fail("articles without their finding id")
    want = {f["id"] for f in fs}
    got = {i for h, i in shown if h != "implant"}
    if want != got:
        fail("findings missing from the page: %s; not in the case: %s"
             % (sorted(want - got)[:5], sorted(got - want)[:5]))
    if len({i for _, i in shown}) != len(shown):
        fail("a finding is shown twice")
    print("%d findings present" % len(fs))
    # the reasons (details.reasons): a row each, in the report's language
    # from the hunts' catalogue; none falls back to English in a case this
    # version made, and English shows each reason's own text
    byid = {f["id"]: f for f in fs}
    rows = [r for r in dom.rows if r[0] in byid]
    if not rows:
        fail("no reason rows")
    back = [r for r in dom.rows if r[3]]
    if back:
        fail("%d reasons fell back to English: %s" % (len(back), sorted({r[1] for r in back})))
    for fid, key, t, _ in rows:
        want = [x for x in (byid[fid].get("details") or {}).get("reasons", []) if x["reason"] == key]
        if not want:
            fail("reason %s of %s is not the finding's" % (key, fid))
        if lang == "en" and t not in {x["text"] for x in want}:
            fail("reason %s of %s reads %r, not its text" % (key, fid, t))
        if lang == "ja" and (t in {x["text"] for x in want} or t.isascii()):
            fail("reason %s of %s is not in Japanese: %r" % (key, fid, t))
    # every finding's title and summary in the report's language, from
    # the hunts' catalogue (title_msg, summary_msg): in Japanese none falls
    # back to the English; in English (zone UTC) each is the hunt's own
    # text, byte for byte, so the pieces say what the hunt said
    for fid in [i for _, i in shown]:
        if fid not in dom.titles or fid not in dom.sums:
            fail("finding %s without its title or summary" % fid)
        (t, tf), (sm, sf) = dom.titles[fid], dom.sums[fid]
        if tf or sf:
            fail("finding %s: its %s fell back to English" % (fid, "title" if tf else "summary"))
        if lang == "ja" and (t.isascii() or sm.isascii()):
            fail("finding %s: title or summary not in Japanese: %r" % (fid, t[:80]))
        if lang == "en" and fid in byid and (t != byid[fid]["title"] or sm != byid[fid]["summary"]):
            fail("finding %s: the report's English is not the hunt's:\n%r\n%r" % (fid, t, byid[fid]["title"]))
    print("%d titles and summaries in %s" % (len(shown), lang))
    print("%d reasons in %s" % (len(rows), lang))

if opt("--answer"):
    a = json.load(open(opt("--answer")))
    s1 = "".join(dom.sections["s1"])
    relay, acct = a["tunnel"]["relay_ip"], a["linked_account"]
    if opt("--findings"):
        # the linked account's past detection: its reasons, in the language
        link = [f for f in fs if f["hunt"] == "past-incident-link"
                and acct in f["entities"].get("accounts", [])]
        if not link:
            fail("no past-incident-link finding names %s" % acct)
        lr = [r for r in dom.rows if r[0] == link[0]["id"]]
        if len(lr) != len(link[0]["details"]["reasons"]):
            fail("the linked account's finding shows %d of its %d reasons"
                 % (len(lr), len(link[0]["details"]["reasons"])))
        if lang == "ja" and any(r[2].isascii() for r in lr):
            fail("the linked account's reasons are not in Japanese: %s" % lr)
    host = a["tunnel"]["host"]
    for want, what in ((relay, "tunnel relay"), (acct, "linked account"), (host, "tunnel host")):
        if want not in s1:
            fail("section 1 does not name the %s %s" % (what, want))
    s2 = "".join(dom.sections["s2"])
    if not any(t == "svg" for t, _ in dom.tags):
        fail("no SVG")
    print("section 1 names relay %s, account %s, host %s" % (relay, acct, host))

    # section 1 tells the intrusion as one incident: a heading carrying the
    # incident of the linked account's past-detection finding, before the
    # sentences that name the relay
    import re
    raw = open(out + ".dom", encoding="utf-8").read()
    sec = lambda n: raw[raw.index('<section id="%s">' % n):].split("</section>", 1)[0]
    r1 = sec("s1")
    incs = re.findall(r'<h3 class="incident" id="i[1-9][0-9]*" data-incident="([^"]+)"', r1)
    if not incs:
        fail("section 1 has no incident heading")
    if opt("--findings"):
        link = [f for f in fs if f["hunt"] == "past-incident-link"]
        if not link or link[0].get("incident") not in incs:
            fail("the past-detection finding's incident %r is not a heading of section 1 (%s)"
                 % (link and link[0].get("incident"), incs))
        i0 = r1.index('data-incident="%s"' % link[0]["incident"])
        if relay not in r1[i0:]:
            fail("the relay is not told under incident %s" % link[0]["incident"])
    print("section 1 grouped by incident: %s" % incs)

    # section 6: the plan, naming the linked account, the relay and the
    # tunnel host, with the firewall configuration, steps linked to their
    # findings, and the backup cut-off (the past detection months before
    # the ransomware, not the ransomware) in the report's zone
    r6 = sec("s6")
    t6 = re.sub(r"<[^>]+>", "", r6)
    for want, what in ((relay, "relay"), (acct, "linked account"), (host, "tunnel host")):
        if want not in t6:
            fail("section 6 does not name the %s %s" % (what, want))
    pres = re.findall(r'<pre class="fw">(.*?)</pre>', r6, re.S)
    if not any(relay in p for p in pres):
        fail("section 6 has no firewall configuration blocking the relay")
    for h in re.findall(r'href="#(f[0-9]+)"', r6):
        if h not in dom.ids:
            fail("section 6 links to #%s, which is not on the page" % h)
    if not re.search(r'href="#f[0-9]+"', r6):
        fail("section 6 cites no finding")
    import datetime as dt
    m = re.search(r'<p class="cutoff">.*?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (UTC|[+-]\d\d:\d\d)',
                  r6, re.S)
    if not m:
        fail("section 6 gives no backup cut-off date")
    zone = dt.timezone.utc if m.group(2) == "UTC" else dt.timezone(
        dt.timedelta(hours=int(m.group(2)[:3]), minutes=int(m.group(2)[0] + m.group(2)[4:])))
    cut = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
    iso = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    past, ransom = iso(a["past_detection"]["ts"]), iso(a["ransomware"]["ts"])
    if not (past - dt.timedelta(days=2) <= cut <= past):
        fail("backup cut-off %s is not the past detection's time (%s)" % (cut, past))
    if not cut < ransom - dt.timedelta(days=1):
        fail("backup cut-off %s is not before the ransomware (%s)" % (cut, ransom))
    want_zone = "+09:00" if lang == "ja" else "UTC"
    if m.group(2) != want_zone:
        fail("backup cut-off in %s, want the report's zone %s" % (m.group(2), want_zone))
    # the steps' own times (the cut-off in its step, backup runs, when each
    # implant entered) in the zone too, never in another
    steps = re.findall(r'<li id="p\d-\d+"[^>]*>(.*?)</li>', r6, re.S)
    times = [t for st in steps for t in re.findall(
        r'\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)|'
        r' \d\d:\d\d:\d\d (?:UTC|[+-]\d\d:\d\d))', st)]
    if not times:
        fail("section 6's steps give no time")
    # ISO 8601 or the page's own form, with the zone's offset ("Z" is UTC)
    ok = (" UTC", "Z") if want_zone == "UTC" else (want_zone,)
    other = [t for t in times if not t.endswith(ok)]
    if other:
        fail("section 6's steps give times outside the report's zone %s: %s" % (want_zone, other[:3]))
    print("section 6 names account, relay, host; cut-off %s %s; %d step times in %s"
          % (m.group(1), m.group(2), len(times), want_zone))

if "--hostile" in args:
    s3 = "".join(dom.sections["s3"])
    for want in ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>',
                 "javascript:alert(3)", "</style>"):
        if want not in s3:
            fail("hostile text %r is not shown as text" % want)
    if "\\u{202E}" not in dom.ctl or "\\x00" not in dom.ctl:
        fail("U+202E / NUL not shown as marked escapes: %r" % sorted(set(dom.ctl)))
    s5 = "".join(dom.sections["s5"])
    if '<b>"x\'' not in s5:
        fail("hostile file name not shown as text in section 5")
    print("hostile text shown as text")
print("ok", out)
