#!/usr/bin/env bash
# Renders OUTPUT_DIR/report.html in headless Chromium and fails unless it renders: the DOM
# Chromium builds must hold every table, figure and inline SVG of the file, and a screenshot of
# the page must not be blank.
#
#   scripts/check-report.sh output/thumbnail          # after slsim run / sweep / merge
#
# Chromium: $CHROMIUM, else chromium, chromium-browser or google-chrome on the PATH
# (Debian: apt-get install -y chromium). Exit codes: 0 renders, 1 does not render,
# 2 bad arguments, 3 no Chromium found (nothing was checked).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTPUT_DIR   (a folder holding report.html)" >&2
    exit 2
fi
dir=$1
report="$dir/report.html"
if [[ ! -f $report ]]; then
    echo "check-report: $report does not exist (run slsim run, sweep or merge first)" >&2
    exit 2
fi
browser=${CHROMIUM:-}
if [[ -z $browser ]]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
    done
fi
if [[ -z $browser ]] || ! command -v "$browser" >/dev/null 2>&1; then
    echo "check-report: no Chromium found (set CHROMIUM, or apt-get install -y chromium)" >&2
    exit 3
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
url="file://$(cd "$dir" && pwd)/report.html"
run_chromium() {
    # a fresh profile each time; no network, no first-run or background work
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$work/profile.XXXX")" "$@" 2>>"$work/chromium.log"
}

fail() {
    echo "check-report: $report does not render: $*" >&2
    grep -v -e dbus -e "^$" "$work/chromium.log" | tail -n 5 >&2 || true
    exit 1
}

count() { { grep -o "$1" "$2" || true; } | wc -l | tr -d ' '; }

run_chromium --dump-dom "$url" >"$work/dom.html" || fail "chromium --dump-dom failed"
[[ -s $work/dom.html ]] || fail "the dumped DOM is empty"
for tag in '<table' '<figure' '<svg' '<img'; do
    want=$(count "$tag" "$report")
    got=$(count "$tag" "$work/dom.html")
    if [[ $got -lt $want ]]; then
        fail "the file has $want $tag elements, the rendered DOM $got"
    fi
done
tables=$(count '<table' "$work/dom.html")
[[ $tables -ge 1 ]] || fail "no table in the rendered DOM"
grep -q '</html>' "$work/dom.html" || fail "the rendered DOM is cut short"

run_chromium --screenshot="$work/shot.png" --window-size=1280,2000 "$url" >/dev/null \
    || fail "chromium --screenshot failed"
[[ -s $work/shot.png ]] || fail "no screenshot"
# non-blank: the decoded pixels take many values (a blank page: one or two)
if command -v python3 >/dev/null 2>&1; then
    python3 - "$work/shot.png" <<'PY' || fail "the screenshot is blank"
import sys, zlib
data = open(sys.argv[1], "rb").read()
pos, idat = 8, b""
while pos < len(data):
    n = int.from_bytes(data[pos:pos + 4], "big")
    if data[pos + 4:pos + 8] == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
distinct = len(set(raw))
print(f"check-report: screenshot {len(raw)} bytes of pixels, {distinct} distinct byte values")
sys.exit(0 if distinct > 16 else 1)
PY
else
    size=$(wc -c <"$work/shot.png")
    [[ $size -gt 30000 ]] || fail "the screenshot is only $size bytes (blank?)"
fi
figures=$(count '<figure' "$work/dom.html")
svgs=$(count '<svg' "$work/dom.html")
echo "check-report: $report renders ($tables tables, $figures charts, $svgs inline SVG)"
