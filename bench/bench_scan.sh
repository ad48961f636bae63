#!/usr/bin/env bash
# bench/bench_scan.sh: scan throughput of `ashiato scan` against Debian's
# `yara` command line running the very same rules (the ones
# `ashiato scan --emit-rules` prints), over one generated folder of mixed
# files, in one run. Use a Release build:
#
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-rel -j2 --target ashiato
#   bench/bench_scan.sh build-rel/ashiato [MB]
#
# MB is the folder size (default 500). The folder is generated once (seeded,
# the same bytes every time) under $BENCH_DIR (default /tmp/ashiato-bench-scan)
# and reused. The page cache is warmed first, so the figures compare CPU,
# not the disk. Both tools run single-threaded first (the same work), then
# both with their default thread counts. Prints one line per run and the
# ratios; --json prints them as one JSON object instead.
set -euo pipefail
bin=${1:-build/ashiato}
mb=${2:-500}
json=0
[ "${3:-}" = "--json" ] && json=1
dir=${BENCH_DIR:-/tmp/ashiato-bench-scan}
command -v yara >/dev/null || { echo "bench_scan: Debian's yara is not installed" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench_scan: no binary at $bin" >&2; exit 1; }

mkdir -p "$dir"
cat >"$dir/corp.profile" <<'EOF'
domain:  CORP.EXAMPLE.LOCAL
netbios: CORP
dc:      DC01, DC02, DC03
server:  FS01, FS02, APP01, APP02, DB01, DB02, BK01, WSUS01, PRINT01, EXCH01
admin:   adm.tanaka, adm.suzuki, da-yamada, t.sato.admin
service: svc_backup, svc_sql, svc_scan, svc_web, svc_exch
account: t.sato, k.ito, m.abe, y.ono, h.kato, s.mori, r.endo, a.ueda
range:   10.20.0.0/16, 192.168.10.0/24
ip:      10.20.1.10, 10.20.1.11, 10.20.1.12, 10.20.5.20
url:     https://intranet.corp.example.local/, https://wiki.corp.example.local/
share:   \\FS01\Finance, \\FS01\Share, \\FS02\HR
EOF

data="$dir/data-$mb"
if [ ! -f "$data/.complete" ]; then
  echo "bench_scan: generating $mb MB of mixed files in $data (once)" >&2
  rm -rf "$data"
  mkdir -p "$data"
  python3 - "$data" "$mb" <<'PY'
import os, random, sys
out, mb = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
words = ("the of and to in is for on that with as by at from this are be was or an "
         "service server error warning user logon process network update install "
         "Microsoft Windows System32 kernel32.dll ntdll.dll Copyright Corporation "
         "version 10.0.19041.1 localhost Administrator http https config").split()
def text(n):
    parts, size = [], 0
    while size < n:
        line = " ".join(r.choice(words) for _ in range(12)) + " %d.%d.%d.%d\n" % (
            r.randrange(1, 224), r.randrange(256), r.randrange(256), r.randrange(256))
        parts.append(line); size += len(line)
    return "".join(parts).encode()[:n]
def binary(n):
    # executable-like: header, code-like random bytes, string tables in
    # ASCII and UTF-16LE, zero padding
    b = bytearray(b"\x7fELF\x02\x01\x01" + bytes(57))
    while len(b) < n:
        k = r.random()
        if k < 0.6: b += r.randbytes(4096)
        elif k < 0.8: b += text(2048)
        elif k < 0.9: b += text(1024).decode().encode("utf-16-le")
        else: b += bytes(4096)
    return bytes(b[:n])
names = ["CORP\\adm.tanaka", "\\\\DC01\\SYSVOL", "10.20.1.10", "svc_backup", "corp.example.local"]
total, i = mb << 20, 0
sizes = [(0.55, lambda n: binary(n), ".bin"), (0.30, lambda n: text(n), ".log"),
         (0.15, lambda n: r.randbytes(n), ".dat")]
made = 0
while made < total:
    k = r.random()
    acc = 0
    for share, fn, ext in sizes:
        acc += share
        if k <= acc: break
    # mostly small files, a few large; the first is larger than one scan
    # window (64 MiB), so the windowed path is measured too
    n = (80 << 20) if i == 0 else r.choices(
        [4 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 32 << 20], [20, 25, 25, 20, 8, 2])[0]
    n = int(min(total - made, n))
    body = bytearray(fn(max(n, 64)))
    if i % 97 == 0:   # a few implants among them
        off = len(body) // 2
        for s in names:
            enc = s.encode("utf-16-le") if i % 2 else s.encode()
            body[off:off + len(enc)] = enc
            off += len(enc) + 16
    d = os.path.join(out, "host%02d" % (i % 16), "dir%d" % (i % 7))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d%s" % (i, ext)), "wb") as f: f.write(body)
    made += len(body); i += 1
print(i, made)
PY
  touch "$data/.complete"
fi

bytes=$(du -sb --exclude=.complete "$data" | cut -f1)
files=$(find "$data" -type f ! -name .complete | wc -l)
rules="$dir/env.yar"
"$bin" scan --emit-rules --profile "$dir/corp.profile" >"$rules"
yara -w "$rules" /dev/null >/dev/null # the rules compile in Debian's yara
cat $(find "$data" -type f) >/dev/null # warm the page cache

# run LABEL COMMAND...: wall and CPU (user+sys) seconds into $dir/time.LABEL.
# CPU time is reported too because on a shared machine the wall time says
# as much about the neighbours as about the tool.
run() {
  local label=$1
  shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" >"$dir/out.$label" 2>"$dir/err.$label"; } 2>"$dir/time.$label" || true
}
wall() { cut -d' ' -f1 "$dir/time.$1"; }
cpu() { awk '{ printf "%.2f", $2 + $3 }' "$dir/time.$1"; }
# single-threaded both (fast mode both: the first match of a string is enough)
run ashiato "$bin" scan --profile "$dir/corp.profile" --json --quiet --threads 1 "$data"
run yara1 yara -w -r -f -p 1 "$rules" "$data"
run ashiatoN "$bin" scan --profile "$dir/corp.profile" --json --quiet "$data"
run yaraN yara -w -r -f "$rules" "$data"
ash_files=$(wc -l <"$dir/out.ashiato")
yara_files=$(cut -d' ' -f2- "$dir/out.yara1" | sort -u | wc -l)
mbs() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
names=$(grep -c '^    \$n' "$rules")
load=$(cut -d' ' -f1 /proc/loadavg)
if [ $json -eq 1 ]; then
  printf '{"bytes":%s,"files":%s,"strings":%s,"cpus":%s,"load":%s' "$bytes" "$files" "$names" "$(nproc)" "$load"
  for l in ashiato yara1 ashiatoN yaraN; do
    printf ',"%s":{"wall_s":%s,"cpu_s":%s,"mbs":%s}' "$l" "$(wall $l)" "$(cpu $l)" "$(mbs "$(wall $l)")"
  done
  printf ',"ratio_1_thread":%s,"ratio_1_thread_cpu":%s,"ratio_default_threads":%s' \
    "$(ratio "$(wall yara1)" "$(wall ashiato)")" "$(ratio "$(cpu yara1)" "$(cpu ashiato)")" \
    "$(ratio "$(wall yaraN)" "$(wall ashiatoN)")"
  printf ',"ashiato_flagged":%s,"yara_flagged":%s}\n' "$ash_files" "$yara_files"
else
  echo "folder: $files files, $bytes bytes; $names YARA strings; yara $(yara --version);" \
    "$(nproc) CPUs, load average $load"
  line() { printf '%-28s %7.2f s wall %7s MB/s   %6.2f s CPU %7s MB/s CPU  %s\n' "$1" "$(wall "$2")" \
    "$(mbs "$(wall "$2")")" "$(cpu "$2")" "$(mbs "$(cpu "$2")")" "${3:-}"; }
  line "ashiato scan --threads 1" ashiato "$ash_files files flagged"
  line "yara -f -p 1" yara1 "$yara_files files matched"
  line "ashiato scan ($(nproc) threads)" ashiatoN
  line "yara -f (default threads)" yaraN
  echo "throughput ratio ashiato / yara, 1 thread each:   $(ratio "$(wall yara1)" "$(wall ashiato)") wall," \
    "$(ratio "$(cpu yara1)" "$(cpu ashiato)") CPU"
  echo "throughput ratio ashiato / yara, default threads: $(ratio "$(wall yaraN)" "$(wall ashiatoN)") wall"
  echo "(ashiato also computes the SHA-256 of every flagged file; yara does not)"
fi
