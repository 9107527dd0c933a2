#!/usr/bin/env bash
# Remakes create-order.page1.json and create-order.page2.json, the tutorial's sample REPORT
# logs, as `aws logs filter-log-events --log-group-name /aws/lambda/create-order
# --filter-pattern REPORT` would export them (two pages): slsim runs production.toml with
# --logs, and the REPORT lines are moved to 2026-11-18 07:00 UTC and spread over log streams
# (a new stream at each cold start, as Lambda starts one per execution environment).
# Synthetic data made by the slsim project; run from the repository's root.
set -euo pipefail
here=scenarios/imports/tutorial
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --release --quiet -- run "$here/production.toml" --out "$tmp/out" --logs --no-charts --quiet
python3 - "$tmp/out/logs/create-order.log" "$here" <<'PY'
import datetime, hashlib, json, sys
log, here = sys.argv[1], sys.argv[2]
epoch = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
start = datetime.datetime(2026, 11, 18, 7, 0, tzinfo=datetime.timezone.utc)
shift_ms = int(start.timestamp() * 1000)
events, streams = [], []
for n, line in enumerate(open(log)):
    stamp, message = line.rstrip("\n").split("\t", 1)
    if not message.startswith("REPORT"):
        continue
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    ms = int((t - epoch).total_seconds() * 1000 + 0.5) + shift_ms
    if "Init Duration" in message or not streams:
        streams.append("2026/11/18/[$LATEST]" + hashlib.sha1(str(n).encode()).hexdigest()[:32])
    events.append({
        "logStreamName": streams[-1],
        "timestamp": ms,
        "message": message + "\n",
        "ingestionTime": ms + 412,
        "eventId": str(37_000_000_000_000_000 + ms * 1000 + n % 1000),
    })
half = len(events) // 2
for page, chunk in ((1, events[:half]), (2, events[half:])):
    body = {"events": chunk, "searchedLogStreams": []}
    if page == 1:
        body["nextToken"] = "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCqvEXAMPLETOKEN"
    with open(f"{here}/create-order.page{page}.json", "w") as f:
        json.dump(body, f, indent=4)
        f.write("\n")
print(len(events), "REPORT events in", len(set(e["logStreamName"] for e in events)), "streams")
PY
