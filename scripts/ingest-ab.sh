#!/usr/bin/env bash
# Compare the ingest of two sak binaries (or more) on SQLite or PostgreSQL:
# RUNS rounds, each running every binary once in turn on a fresh database,
# so that a machine whose speed drifts over minutes treats them alike. A
# single run's sak/null ratio moves by several points on a shared machine;
# compare the means of eight or more rounds, and the serve CPU per mail,
# which drifts less than msg/s.
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
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export SAK_USER=root PGOPTIONS=--client-min-messages=warning

# run BIN I: one ingest run; appends "I BIN msg/s null ratio cpu-ms-per-mail".
run() {
  local bin=$1 i=$2 dsn schema="" port
  if [ "$DB" = postgres ]; then
    schema="ab_$$_$i"
    psql "$PG" -qc "CREATE SCHEMA $schema"
    dsn="$PG&search_path=$schema"
  else
    dsn="$work/ingest-$i.db"
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  SAK_DB=$dsn "$bin" db migrate >/dev/null
  SAK_DB=$dsn "$bin" user add root --email root@example.org --sysadmin >/dev/null 2>&1 || true
  SAK_DB=$dsn "$bin" queue create support --address support@example.org >/dev/null 2>&1 || true
  SAK_DB=$dsn "$bin" serve --smtp 127.0.0.1:$port --log-level warn 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  bin/sakload -target 127.0.0.1:$port -n "$MSGS" -c "$CONNS" -db "$dsn" -json > "$work/load.json"
  local ticks; ticks=$(awk '{print $14+$15}' /proc/$pid/stat)
  kill $pid; wait $pid 2>/dev/null || true; pid=
  python3 - "$work/load.json" "$bin" "$i" "$ticks" "$(getconf CLK_TCK)" "$MSGS" >> "$work/runs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); bin, i, ticks, hz, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(i, bin, r["sak"]["msgs_per_sec"], r["null"]["msgs_per_sec"], r["ratio"], 1000 * ticks / hz / n)
PY
  tail -1 "$work/runs"
  if [ -n "$schema" ]; then psql "$PG" -qc "DROP SCHEMA $schema CASCADE"; else rm -f "$dsn"*; fi
}

for i in $(seq "$RUNS"); do
  for bin in "$@"; do run "$bin" "$i"; done
done
python3 - "$work/runs" "$@" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'binary':40} {'msg/s':>8} {'null':>8} {'ratio':>7} {'cpu ms/mail':>12}  (mean of {len(rows) // len(sys.argv[2:])} runs, ± standard deviation of msg/s)")
for b in sys.argv[2:]:
    rs = [r for r in rows if r[1] == b]
    sak, null, ratio, cpu = ([float(r[k]) for r in rs] for k in (2, 3, 4, 5))
    sd = st.stdev(sak) if len(sak) > 1 else 0
    print(f"{b:40} {st.mean(sak):8.0f} {st.mean(null):8.0f} {100 * st.mean(ratio):6.1f}% {st.mean(cpu):12.3f}  ±{sd:.0f}")
PY
