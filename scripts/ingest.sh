# One ingest run of sak serve under sakload, for scripts/bench.sh and
# scripts/ingest-ab.sh, which source this file. They set MSGS, CONNS, PG
# (a PostgreSQL DSN) and work (a scratch directory), build bin/sakload,
# and kill $ingest_pid, when set, on exit.

ingest_pid=

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# ingest_db sqlite|postgres NAME: the DSN of a fresh database: a file in
# $work, or a new schema in $PG.
ingest_db() {
  if [ "$1" = postgres ]; then
    psql "$PG" -qc "CREATE SCHEMA $2" >/dev/null
    echo "$PG&search_path=$2"
  else
    echo "$work/$2.db"
  fi
}

# ingest_drop DSN: removes what ingest_db made.
ingest_drop() {
  case $1 in
    postgres*) psql "$PG" -qc "DROP SCHEMA ${1##*search_path=} CASCADE" >/dev/null ;;
    *) rm -f "$1" "$1-wal" "$1-shm" ;;
  esac
}

# pg_ticks: the CPU time (clock ticks) of the local PostgreSQL so far: the
# postmaster's, its children's that ended (cutime, cstime) and its live
# children's. The difference over a run is what the database spent on it,
# its background writers and autovacuum included.
pg_ticks() {
  local pm
  pm=$(pgrep -o -x postgres) || { echo 0; return; }
  { awk '{print $14+$15+$16+$17}' /proc/$pm/stat
    for c in $(pgrep -P "$pm"); do awk '{print $14+$15}' /proc/$c/stat 2>/dev/null; done
  } | awk '{s+=$1} END {print s}'
}

# ingest_run SAK DSN OUT: SAK serve on DSN under sakload (MSGS messages
# over CONNS connections, beside the null sink). sakload's report goes to
# OUT.json, serve's log to OUT.log, its peak RSS (KiB) to OUT.rss, its
# CPU time (clock ticks) to OUT.cpu and, on PostgreSQL, the database's to
# OUT.dbcpu (pg_ticks over the run, the null sink's part included).
ingest_run() {
  local sak=$1 dsn=$2 out=$3 port pg0
  port=$(free_port)
  SAK_DB=$dsn "$sak" db migrate >/dev/null
  SAK_DB=$dsn "$sak" user add root --email root@example.org --sysadmin >/dev/null 2>&1 || true
  SAK_DB=$dsn "$sak" queue create support --address support@example.org >/dev/null 2>&1 || true
  SAK_DB=$dsn "$sak" serve --smtp 127.0.0.1:$port --log-level warn --autoreply-cap 0 2>"$out.log" &
  ingest_pid=$!
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  pg0=$(pg_ticks)
  bin/sakload -target 127.0.0.1:$port -n "$MSGS" -c "$CONNS" -db "$dsn" -json > "$out.json"
  awk '/VmHWM/ {print $2}' /proc/$ingest_pid/status > "$out.rss"
  awk '{print $14+$15}' /proc/$ingest_pid/stat > "$out.cpu"
  kill $ingest_pid; wait $ingest_pid 2>/dev/null || true
  ingest_pid=
  sleep 0.5 # its connections' backends end
  echo $(($(pg_ticks) - pg0)) > "$out.dbcpu"
}
