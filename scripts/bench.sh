#!/usr/bin/env bash
# make bench: ingest over SMTP against a null sink on SQLite and
# PostgreSQL, and query timings as whole processes on a generated store.
# Prints a table and appends it, with date, commit and machine, to
# BENCHMARKS.md.
#
#   TICKETS=50000 scripts/bench.sh      (make bench)
#   TICKETS=700000 scripts/bench.sh     (make bench-scale: the seed scale)
#   ONLY=queries STORE=FILE TICKETS=N scripts/bench.sh
#                                       (the query part alone, on a store
#                                        sakgen made before; it is migrated)
#   INGEST_RUNS=N                       (ingest runs per database, default
#                                        3; the median ratio is reported)
#   PG_QUERIES=0                        (no PostgreSQL query section: it
#                                        copies the store into a schema,
#                                        bench_<store>, kept for next time)
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${TICKETS:-50000}
MSGS=${MSGS:-3000}
CONNS=${CONNS:-16}
INGEST_RUNS=${INGEST_RUNS:-3}
PG=${SAK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
CACHE=${BENCH_CACHE:-.bench}
mkdir -p "$CACHE" bin
go build -o bin/sak ./cmd/sak
go build -o bin/sakload ./cmd/sakload
go build -o bin/sakgen ./cmd/sakgen
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}" $ingest_pid; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
export SAK_USER=root PGOPTIONS=--client-min-messages=warning
rows=()
row() { rows+=("$(printf '| %s | %s |' "$1" "$2")"); printf '%-58s %s\n' "$1" "$2"; }

. scripts/ingest.sh

# ingest_report LABEL: one row for the INGEST_RUNS runs of LABEL: the run
# with the median ratio, the ratios of all, and the highest peak RSS. A
# single run's ratio moves by a few points on a shared machine.
ingest_report() {
  python3 - "$work" "$1" "$INGEST_RUNS" <<'PY'
import json, sys
work, label, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = [json.load(open(f"{work}/{label}-{i}.json")) for i in range(n)]
rss = max(int(open(f"{work}/{label}-{i}.rss").read()) for i in range(n))
order = sorted(runs, key=lambda r: r["ratio"])
r = order[len(order) // 2]
s, nl = r["sak"], r["null"]
ratios = ", ".join(f"{100*x['ratio']:.1f}%" for x in runs)
verified, missing = sum(x.get("verified", 0) for x in runs), sum(x.get("missing", 0) for x in runs)
print(f"ingest {label}\t{s['msgs_per_sec']:.0f} msg/s (p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms) = {100*r['ratio']:.1f}% of null sink {nl['msgs_per_sec']:.0f} msg/s, the median of {n} runs ({ratios}); {verified} verified, {missing} missing; serve peak RSS {rss/1024:.0f} MiB")
PY
}

# timing LABEL CMD...: median wall time of 5 runs of a whole process. The
# clock is bash's own ($EPOCHREALTIME, microseconds): reading it with
# $(date) counted the start of a date process too, 4 ms on a machine whose
# page faults are slow.
timing() {
  local label=$1; shift
  local ts=()
  for _ in 1 2 3 4 5; do
    local t0 t1; t0=$EPOCHREALTIME; "$@" >/dev/null; t1=$EPOCHREALTIME
    ts+=($(( 10#${t1//[.,]/} - 10#${t0//[.,]/} )))
  done
  local med; med=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p)
  row "$label" "$(awk -v u="$med" 'BEGIN{printf "%.1f ms (median of 5)", u/1000}')"
}

if [ "${ONLY:-}" != queries ]; then
echo "== ingest: $MSGS messages, $CONNS connections, $INGEST_RUNS runs each"
# Each run on a fresh database, SQLite and PostgreSQL in turn.
for i in $(seq 0 $((INGEST_RUNS - 1))); do
  for db in sqlite postgres; do
    dsn=$(ingest_db $db "bench_$$_$i")
    ingest_run bin/sak "$dsn" "$work/$db-$i"
    ingest_drop "$dsn"
  done
done
for label in sqlite postgres; do
  while IFS=$'\t' read -r k v; do row "$k" "$v"; done < <(ingest_report $label)
done
# PostgreSQL's CPU per mail over its runs (pg_ticks), and the round trips
# a delivery costs it (TestRoundTripsPerDelivery).
row "PostgreSQL CPU per mail (its processes, from /proc)" "$(cat "$work"/postgres-*.dbcpu | awk -v hz="$(getconf CLK_TCK)" -v n="$MSGS" '{s+=$1; k++} END {printf "%.2f ms (mean of %d runs)", 1000*s/hz/n/k, k}')"
row "round trips to PostgreSQL per delivery" "$(SAK_TEST_POSTGRES=$PG go test ./smtpd -run TestRoundTripsPerDelivery -count=1 -v | sed -nE 's/.*roundtrip_test.go:[0-9]+: (.*[^ ]) +([0-9]+) round trips/\1: \2/p' | paste -sd';' | sed 's/;/; /g')"

# big_message [HEADER]: RSS growth of one 20 MiB message (a base64
# attachment) on SQLite; with HEADER "X-Spam-Flag: YES" it is quarantined.
big_message() {
  local dsn="$work/big$#.db" port what="message"
  [ $# -gt 0 ] && what="message held as spam"
  port=$(free_port)
  SAK_DB=$dsn bin/sak user add root --email root@example.org --sysadmin >/dev/null 2>&1
  SAK_DB=$dsn bin/sak queue create support --address support@example.org >/dev/null
  SAK_DB=$dsn bin/sak serve --smtp 127.0.0.1:$port --log-level warn --autoreply-cap 0 --max-size 64M 2>"$work/serve-big.log" &
  local pid=$!; pids+=($pid)
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  python3 - $port <<'PY'
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage(); m["From"] = "big@example.com"; m["To"] = "support@example.org"; m["Subject"] = "warm-up"
m.set_content("small")
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.send_message(m); s.quit()
PY
  local before; before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  BIGHEADER="${1:-}" python3 - $port <<'PY'
import smtplib, sys, os
from email.message import EmailMessage
m = EmailMessage(); m["From"] = "big@example.com"; m["To"] = "support@example.org"; m["Subject"] = "20 MiB"
if os.environ["BIGHEADER"]:
    k, v = os.environ["BIGHEADER"].split(": ", 1); m[k] = v
m.set_content("see attachment")
m.add_attachment(os.urandom(15 * 2**20), maintype="application", subtype="octet-stream", filename="big.bin")
raw = m.as_bytes()
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1])); s.sendmail("big@example.com", ["support@example.org"], raw); s.quit()
print(len(raw), file=open(os.environ["BIGSIZE"], "w"))
PY
  local peak size; peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status); size=$(cat "$BIGSIZE")
  kill $pid; wait $pid 2>/dev/null || true
  row "one $(( size / 1048576 )) MiB $what: serve RSS growth" "$(( (peak - before) / 1024 )) MiB ($(awk -v g=$(( (peak - before) * 1024 )) -v s=$size 'BEGIN{printf "%.1f", g/s}') x its size; RSS $(( before / 1024 )) -> peak $(( peak / 1024 )) MiB)"
}
export BIGSIZE="$work/bigsize"
big_message
big_message "X-Spam-Flag: YES"
fi

echo "== queries on a store of $TICKETS tickets"
store=${STORE:-"$CACHE/store-$TICKETS-v$(ls mailstore/migrations/sqlite | wc -l)-$(cat cmd/sakgen/main.go mailstore/migrations/sqlite/* | sha1sum | cut -c1-8).db"}
if [ ! -f "$store" ]; then
  t0=$(date +%s)
  bin/sakgen --db "$store.tmp" --tickets "$TICKETS" 2>"$work/gen.log"
  mv "$store.tmp" "$store"; rm -f "$store.tmp-wal" "$store.tmp-shm"
  row "generate $TICKETS tickets (sakgen)" "$(( $(date +%s) - t0 )) s, $(tail -1 "$work/gen.log")"
fi
export SAK_DB=$store
bin/sak db migrate >/dev/null
# sql QUERY: the first column of the first row, through Python's sqlite3
# module (the sqlite3 shell is not on every machine).
sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$store" "$1"; }
q=q000
big=$(sql "SELECT ticket_id FROM transactions GROUP BY ticket_id ORDER BY COUNT(*) DESC LIMIT 1")
ntx=$(bin/sak ticket show "$big" -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["transactions"]))')
timing "sak ticket list --queue $q --status open" bin/sak ticket list --queue $q --status open
timing "sak ticket show $big ($ntx transactions)" bin/sak ticket show "$big"
segs=$(sql "SELECT COUNT(DISTINCT id >> 37) FROM messages_fts_data WHERE id >> 37 > 0")
if [ "$segs" -eq 1 ]; then seg="1 index segment"; else seg="$segs index segments"; fi
timing "sak search vitnemål ($seg)" bin/sak search vitnemål
timing "sak search '\"previous mail\"' (a phrase in every reply)" bin/sak search '"previous mail"'
timing "sak stats --queue $q --since 3y" bin/sak stats --queue $q --since 3y

# The same through the API, as on a caseworker's machine: sak serve --http
# on the store, SAK_SERVER and SAK_TOKEN, no database. Root sees every
# ticket; a caseworker of $q sees that queue's.
api_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bin/sak serve --smtp 127.0.0.1:0 --http "127.0.0.1:$api_port" --http-rate 1000000 --log-level error 2>"$work/api.log" &
pids+=($!)
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $api_port))" 2>/dev/null && break; sleep 0.1; done
cw=$(sql "SELECT u.login FROM queue_roles r JOIN users u ON u.id = r.user_id JOIN queues q ON q.id = r.queue_id WHERE q.name = '$q' AND r.role = 'caseworker' LIMIT 1")
root_token=$(bin/sak token create --user root --name bench)
cw_token=$(bin/sak token create --user "$cw" --name bench)
api_root() { SAK_DB= SAK_USER= SAK_SERVER="http://127.0.0.1:$api_port" SAK_TOKEN="$root_token" bin/sak "$@"; }
api_cw() { SAK_DB= SAK_USER= SAK_SERVER="http://127.0.0.1:$api_port" SAK_TOKEN="$cw_token" bin/sak "$@"; }
timing "API: sak ticket list --queue $q --status open (root)" api_root ticket list --queue $q --status open
timing "API: sak ticket list --queue $q --status open ($cw)" api_cw ticket list --queue $q --status open
timing "API: sak ticket show $big (root)" api_root ticket show "$big"
row "API: GET /api/v1/tickets/$big, 16 clients" "$(python3 - "$api_port" "$root_token" "$big" <<'PY'
import http.client, sys, threading, time
port, token, big = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, clients, done, lat = 200, 16, [], []
lock = threading.Lock()
def client():
    c = http.client.HTTPConnection("127.0.0.1", port)
    mine = []
    for _ in range(n):
        t = time.perf_counter()
        c.request("GET", f"/api/v1/tickets/{big}", headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse(); r.read()
        if r.status != 200: raise SystemExit(f"status {r.status}")
        mine.append(time.perf_counter() - t)
    with lock: lat.extend(mine)
t0 = time.perf_counter()
ts = [threading.Thread(target=client) for _ in range(clients)]
for t in ts: t.start()
for t in ts: t.join()
el = time.perf_counter() - t0
lat.sort()
print(f"{len(lat)/el:.0f} requests/s (p50 {1000*lat[len(lat)//2]:.1f} ms, p99 {1000*lat[int(len(lat)*0.99)]:.1f} ms; {len(lat)} requests, the load generator on the same cores)")
PY
)"
raw=$(sql "SELECT COALESCE(SUM(size), 0) FROM messages")
msgs=$(sql "SELECT COUNT(*) FROM messages")
size=$(stat -c %s "$store")
row "SQLite size / (1.5 x raw mail + 1 KiB per mail)" "$(python3 -c "print(f'{$size/2**20:.0f} MiB / {(1.5*$raw+1024*$msgs)/2**20:.0f} MiB = {$size/(1.5*$raw+1024*$msgs):.2f} ($msgs mails, {$raw/2**20:.0f} MiB raw)')")"
# The nightly merge of the search index (contrib/systemd/sak-optimize.timer),
# and search again on the merged index. The store stays merged: a later
# run on it shows 1 segment above.
if [ "$segs" -gt 1 ]; then
  t0=$(date +%s%N); bin/sak db optimize >/dev/null; t1=$(date +%s%N)
  row "sak db optimize ($segs segments into 1)" "$(( (t1 - t0) / 1000000000 )) s"
  timing "sak search vitnemål (1 index segment)" bin/sak search vitnemål
fi

# PostgreSQL: the same store copied into a schema of its own with
# 'sak db copy' (kept for the next run, like the SQLite store; PG_KEEP=0
# drops it at the end), then the same queries as whole processes.
if [ "${PG_QUERIES:-1}" = 1 ]; then
  kill "${pids[@]}" 2>/dev/null || true
  schema=bench_$(basename "$store" .db | tr -c 'a-zA-Z0-9_\n' _)
  case $PG in *\?*) pgdsn="$PG&search_path=$schema" ;; *) pgdsn="$PG?search_path=$schema" ;; esac
  psqls() { PGOPTIONS="$PGOPTIONS -c search_path=$schema" psql "$PG" "$@"; }
  copied=$(psql "$PG" -Atc "SELECT COUNT(*) FROM pg_tables WHERE schemaname = '$schema' AND tablename = 'tickets'")
  if [ "$copied" = 1 ] && [ "$(psqls -Atc 'SELECT COUNT(*) FROM messages')" != "$msgs" ]; then
    psql "$PG" -qc "DROP SCHEMA $schema CASCADE"; copied=0
  fi
  if [ "$copied" != 1 ]; then
    echo "== sak db copy into PostgreSQL schema $schema"
    psql "$PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
    SAK_DB=$pgdsn bin/sak db migrate >/dev/null
    t0=$EPOCHREALTIME
    bin/sak db copy --to "$pgdsn" >"$work/copy.log"
    t1=$EPOCHREALTIME
    row "PostgreSQL: sak db copy of the store (COPY, one transaction, then ANALYZE)" "$(awk -v u=$(( 10#${t1//[.,]/} - 10#${t0//[.,]/} )) 'BEGIN{printf "%d min %d s", u/60e6, (u/1e6)%60}'), $(psqls -Atc 'SELECT COUNT(*) FROM messages') mails"
  fi
  pg() { SAK_DB=$pgdsn bin/sak "$@"; }
  timing "PostgreSQL: sak ticket list --queue $q --status open" pg ticket list --queue $q --status open
  timing "PostgreSQL: sak ticket show $big ($ntx transactions)" pg ticket show "$big"
  timing "PostgreSQL: sak search vitnemål" pg search vitnemål
  timing "PostgreSQL: sak search '\"previous mail\"' (a phrase in every reply)" pg search '"previous mail"'
  timing "PostgreSQL: sak stats --queue $q --since 3y" pg stats --queue $q --since 3y
  pgsize=$(psqls -Atc "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$schema' AND c.relkind IN ('r', 'm')")
  row "PostgreSQL size (tables, indexes, TOAST) / raw mail" "$(python3 -c "print(f'{$pgsize/2**20:.0f} MiB / {$raw/2**20:.0f} MiB = {$pgsize/$raw:.1f} x')")"
  [ "${PG_KEEP:-1}" = 1 ] || psql "$PG" -qc "DROP SCHEMA $schema CASCADE"
fi

commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo "+dirty")
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
{
  echo
  echo "### $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, TICKETS=$TICKETS"
  echo
  echo "Machine: $machine. Command: \`TICKETS=$TICKETS${ONLY:+ ONLY=$ONLY}${STORE:+ STORE=$STORE} scripts/bench.sh\`."
  echo
  echo "| what | result |"
  echo "| --- | --- |"
  printf '%s\n' "${rows[@]}"
} >> BENCHMARKS.md
echo "appended to BENCHMARKS.md"
