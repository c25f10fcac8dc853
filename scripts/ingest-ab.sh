#!/usr/bin/env bash
# Compare the ingest of two sak binaries (or more) on SQLite or PostgreSQL:
# RUNS rounds, each running every binary once in turn on a fresh database,
# so that a machine whose speed drifts over minutes treats them alike. A
# single run's sak/null ratio moves by several points on a shared machine;
# compare the means of eight or more rounds, and the serve CPU per mail,
# which drifts less than msg/s. On PostgreSQL the database's CPU per mail
# (db ms/mail) is measured from /proc, the null sink's run included (it
# touches no database).
#
#   scripts/ingest-ab.sh [-n RUNS] [-d sqlite|postgres] BIN_A BIN_B ...
#
# BIN is a sak binary (go build -o /tmp/a/sak ./cmd/sak at each commit).
# MSGS and CONNS as for scripts/bench.sh; SAK_TEST_POSTGRES for the DSN.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=8 DB=sqlite
while getopts "n:d:" o; do
  case $o in
    n) RUNS=$OPTARG ;;
    d) DB=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,13p' "$0"; exit 2; }
MSGS=${MSGS:-3000}
CONNS=${CONNS:-16}
PG=${SAK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
mkdir -p bin
go build -o bin/sakload ./cmd/sakload
work=$(mktemp -d)
. scripts/ingest.sh
trap '[ -n "$ingest_pid" ] && kill $ingest_pid 2>/dev/null; rm -rf "$work"' EXIT
export SAK_USER=root PGOPTIONS=--client-min-messages=warning

# run BIN I: one ingest run; appends "I BIN msg/s null ratio cpu-ms-per-mail".
run() {
  local bin=$1 i=$2 dsn
  dsn=$(ingest_db "$DB" "ab_$$_$i")
  ingest_run "$bin" "$dsn" "$work/run"
  ingest_drop "$dsn"
  python3 - "$work/run.json" "$bin" "$i" "$(cat "$work/run.cpu")" "$(getconf CLK_TCK)" "$MSGS" "$(cat "$work/run.dbcpu")" >> "$work/runs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); bin, i, ticks, hz, n, db = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
print(i, bin, r["sak"]["msgs_per_sec"], r["null"]["msgs_per_sec"], r["ratio"], 1000 * ticks / hz / n, 1000 * db / hz / n)
PY
  tail -1 "$work/runs"
}

for i in $(seq "$RUNS"); do
  for bin in "$@"; do run "$bin" "$i"; done
done
python3 - "$work/runs" "$@" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'binary':40} {'msg/s':>8} {'null':>8} {'ratio':>7} {'cpu ms/mail':>12} {'db ms/mail':>11}  (mean of {len(rows) // len(sys.argv[2:])} runs, ± standard deviation of msg/s)")
for b in sys.argv[2:]:
    rs = [r for r in rows if r[1] == b]
    sak, null, ratio, cpu, db = ([float(r[k]) for r in rs] for k in (2, 3, 4, 5, 6))
    sd = st.stdev(sak) if len(sak) > 1 else 0
    print(f"{b:40} {st.mean(sak):8.0f} {st.mean(null):8.0f} {100 * st.mean(ratio):6.1f}% {st.mean(cpu):12.3f} {st.mean(db):11.3f}  ±{sd:.0f}")
PY
