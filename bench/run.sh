#!/usr/bin/env bash
# The foundation's benchmark: cold start, latency/throughput under load, resident memory,
# on SQLite and (when reachable) PostgreSQL. See bench/README.md.
#
#   bench/run.sh
#
# Environment (all optional):
#   BENCH_DURATION=20s        wrk duration of each measured run
#   BENCH_WARMUP=3s           wrk warm-up before each measured run (discarded)
#   BENCH_CONNECTIONS=32      concurrent connections
#   BENCH_THREADS=2           wrk threads
#   BENCH_COLD_RUNS=5         cold-start repetitions (median reported)
#   BENCH_BACKENDS="sqlite postgres"
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   server to use; a throw-away database
#                             sd_bench_<random> is created on it and dropped on exit.
#                             When set, PostgreSQL must be reachable; when unset, the default
#                             above is tried and PostgreSQL is skipped if it does not answer.
#   BENCH_SKIP_BUILD=1        use the existing release binary as is
#   CARGO_TARGET_DIR          defaults to $HOME/.cache/shuangda/target-release (outside the repo)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-3s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
COLD_RUNS=${BENCH_COLD_RUNS:-5}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
PG_URL_DEFAULT=postgres://postgres@127.0.0.1:5432
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/shuangda/target-release}
BIN=$CARGO_TARGET_DIR/release/shuangda

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/out/$STAMP
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/sd_bench.XXXXXX)
RAND=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup
SERVER_PID=""
SAMPLER_PID=""
PG_ADMIN=""
PG_DBS=()

# Running and not a zombie (an exited child stays visible to kill -0 until it is waited for).
alive() { [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

SHUTDOWN_MS=0
stop_server() {
    # SIGTERM (graceful), wait up to 15 s, then SIGKILL. Sets SHUTDOWN_MS.
    local pid=$SERVER_PID t0
    [[ -n $pid ]] || return 0
    SERVER_PID=""
    SHUTDOWN_MS=0
    if alive "$pid"; then
        t0=$(date +%s%N)
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do
            alive "$pid" || break
            sleep 0.05
        done
        if alive "$pid"; then
            log "server $pid ignored SIGTERM for 15 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        SHUTDOWN_MS=$((($(date +%s%N) - t0) / 1000000))
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    if [[ -n $SAMPLER_PID ]]; then kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; fi
    stop_server
    for db in "${PG_DBS[@]+"${PG_DBS[@]}"}"; do
        psql "$PG_ADMIN" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
            || log "could not drop database $db"
    done
    rm -rf "$TMP"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- prerequisites
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "building release binary into $CARGO_TARGET_DIR (first build takes ~10 min on 2 cores)"
    (cd "$REPO" && cargo build --release) >"$OUT/build.log" 2>&1 \
        || { tail -30 "$OUT/build.log" >&2; die "release build failed (see $OUT/build.log)"; }
fi
[[ -x $BIN ]] || die "no binary at $BIN"
# Run a private copy, so a concurrent cargo build in the same target dir cannot swap it mid-run.
cp "$BIN" "$TMP/shuangda"
BIN_BUILT=$BIN
BIN=$TMP/shuangda
for tool in curl od; do command -v "$tool" >/dev/null || die "$tool is required"; done
if ! command -v wrk >/dev/null; then
    log "installing wrk from Debian"
    SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
    $SUDO apt-get install -y wrk >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq && $SUDO apt-get install -y wrk >/dev/null; } \
        || die "could not install wrk"
fi

# PostgreSQL: the server part of the URL (scheme://user@host:port), database names appended.
PG_BASE=""
if [[ " $BACKENDS " == *" postgres "* ]]; then
    url=${BENCH_PG_URL:-$PG_URL_DEFAULT}
    [[ $url =~ ^(postgres(ql)?://[^/?]+) ]] || die "BENCH_PG_URL should look like $PG_URL_DEFAULT"
    if command -v psql >/dev/null \
        && timeout 5 psql "${BASH_REMATCH[1]}/postgres" -qAtc 'SELECT 1' >/dev/null 2>&1; then
        PG_BASE=${BASH_REMATCH[1]}
        PG_ADMIN=$PG_BASE/postgres
    elif [[ -n ${BENCH_PG_URL:-} ]]; then
        die "PostgreSQL at $url is not reachable (or psql is missing)"
    else
        log "PostgreSQL not reachable at $url: skipping it"
        BACKENDS=${BACKENDS//postgres/}
    fi
fi

# ---------------------------------------------------------------- helpers
NEXT_DB=0
# Sets DB_URL and DATA_DIR to a fresh, empty database for $1 (sqlite|postgres).
fresh_db() {
    NEXT_DB=$((NEXT_DB + 1))
    DATA_DIR=$TMP/$1-$NEXT_DB
    mkdir -p "$DATA_DIR"
    if [[ $1 == sqlite ]]; then
        DB_URL=sqlite:$DATA_DIR/shuangda.db
    else
        local name=sd_bench_${RAND}_$NEXT_DB
        psql "$PG_ADMIN" -qAtc "CREATE DATABASE \"$name\"" >/dev/null
        PG_DBS+=("$name")
        DB_URL=$PG_BASE/$name
    fi
}

# Run the binary against the current DB_URL/DATA_DIR, from the data dir so that no
# ./shuangda.toml is picked up.
sd() {
    (cd "$DATA_DIR" && exec env -u SHUANGDA_CONFIG SHUANGDA_DATABASE_URL="$DB_URL" \
        SHUANGDA_DATA_DIR="$DATA_DIR" RUST_LOG="${SD_LOG:-warn}" "$BIN" "$@")
}

# Start `serve` in the background (extra args passed on); waits for /readyz 200.
# Sets SERVER_PID, ADDR, READY_MS (spawn → first 200 from /readyz, wall clock).
start_server() {
    local logf=$1; shift
    local t0 now port
    t0=$(date +%s%N)
    # `( … exec … ) &` so that $! is the server's own pid (for SIGTERM and /proc).
    (cd "$DATA_DIR" && exec env -u SHUANGDA_CONFIG SHUANGDA_DATABASE_URL="$DB_URL" \
        SHUANGDA_DATA_DIR="$DATA_DIR" RUST_LOG="${SD_LOG:-warn}" "$BIN" serve --bind 127.0.0.1:0 "$@") \
        >"$logf" 2>&1 &
    SERVER_PID=$!
    ADDR=""
    while :; do
        now=$(date +%s%N)
        ((now - t0 < 120000000000)) || die "server not ready after 120 s (see $logf)"
        alive "$SERVER_PID" || { cat "$logf" >&2; die "server exited during start-up"; }
        if [[ -z $ADDR ]]; then
            port=$(grep -ao 'http://127\.0\.0\.1:[0-9]*' "$logf" | head -1 | sed 's/.*://' || true)
            [[ -n $port ]] && ADDR=127.0.0.1:$port
        fi
        if [[ -n $ADDR ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$ADDR/readyz") == 200 ]]; then
            READY_MS=$((($(date +%s%N) - t0) / 1000000))
            return 0
        fi
        sleep 0.005
    done
}

# CPU time (user+system) the process has used, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
CLK_TCK=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
median() { sort -n | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

# wrk latency value (e.g. 812.00us, 1.23ms, 1.02s) → milliseconds.
wrk_pct() {
    awk -v p="$1" '$1 == p && /(us|ms|s)$/ {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
        printf "%.2f", v; exit }' "$2"
}

# ---------------------------------------------------------------- measurements
SUMMARY=$OUT/summary.tsv   # backend endpoint p50 p99 rps cpu_us non2xx sockerr rss_med rss_peak
BACKEND_SUM=$OUT/backends.tsv # backend cold_med cold_min cold_max rss_idle hwm shutdown_ms demo_ready_ms rss_empty
: >"$SUMMARY"; : >"$BACKEND_SUM"

load_run() { # backend label path [token]
    local backend=$1 label=$2 path=$3 token=${4:-}
    local base=$OUT/$backend-$label
    local hdr=()
    [[ -n $token ]] && hdr=(-H "Authorization: Bearer $token")
    # Sanity: one request must answer 200 before we measure.
    local code
    code=$(curl -s -o "$base.sample" -w '%{http_code}' --max-time 5 "${hdr[@]+"${hdr[@]}"}" "http://$ADDR$path")
    [[ $code == 200 ]] || die "$path answered $code before load (see $base.sample)"
    if [[ $path == /api/* ]] && command -v jq >/dev/null; then
        log "$backend $label: $(jq '.items | length' "$base.sample") items, $(wc -c <"$base.sample") bytes"
    else
        log "$backend $label: $(wc -c <"$base.sample") bytes"
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${hdr[@]+"${hdr[@]}"}" "http://$ADDR$path" >"$base.warmup.txt" 2>&1
    # Sample RSS every 200 ms while wrk runs.
    local pid=$SERVER_PID
    (while alive "$pid"; do rss_kb "$pid"; sleep 0.2; done) >"$base.rss.txt" &
    SAMPLER_PID=$!
    local ticks0 ticks1
    ticks0=$(cpu_ticks "$pid")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${hdr[@]+"${hdr[@]}"}" "http://$ADDR$path" >"$base.wrk.txt" 2>&1
    ticks1=$(cpu_ticks "$pid")
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    local p50 p99 rps non2xx sockerr rss_med rss_peak reqs cpu_us
    p50=$(wrk_pct 50% "$base.wrk.txt")
    p99=$(wrk_pct 99% "$base.wrk.txt")
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$base.wrk.txt")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$base.wrk.txt")
    sockerr=$(grep -a 'Socket errors' "$base.wrk.txt" | sed 's/^ *Socket errors: *//' || true)
    rss_med=$(grep -v '^0$' "$base.rss.txt" | median)
    rss_peak=$(sort -n "$base.rss.txt" | tail -1)
    # Server CPU per request: less sensitive than req/s to other work on the machine.
    reqs=$(awk '/ requests in / {print $1}' "$base.wrk.txt")
    cpu_us=$(awk -v t=$((ticks1 - ticks0)) -v hz="$CLK_TCK" -v n="${reqs:-0}" 'BEGIN {if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-"}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$label $path" "${p50:--}" "${p99:--}" \
        "${rps:--}" "$cpu_us" "${non2xx:-0}" "${sockerr:-none}" "$rss_med" "$rss_peak" >>"$SUMMARY"
    log "$backend $label: p50 ${p50}ms p99 ${p99}ms ${rps} req/s, ${cpu_us} µs server CPU/req, non-2xx ${non2xx:-0}, socket errors ${sockerr:-none}"
}

bench_backend() {
    local backend=$1 i
    log "== $backend: cold start x$COLD_RUNS on an empty database"
    local colds=() rss_empty=()
    for i in $(seq 1 "$COLD_RUNS"); do
        fresh_db "$backend"
        start_server "$OUT/$backend-cold-$i.log"
        colds+=("$READY_MS")
        sleep 0.5
        rss_empty+=("$(rss_kb "$SERVER_PID")")
        stop_server
        log "$backend cold start $i: ${READY_MS} ms"
    done
    printf '%s\n' "${colds[@]}" >"$OUT/$backend-cold.txt"
    printf '%s\n' "${rss_empty[@]}" >"$OUT/$backend-cold-rss.txt"
    local cold_med cold_min cold_max
    cold_med=$(median <"$OUT/$backend-cold.txt")
    cold_min=$(sort -n "$OUT/$backend-cold.txt" | head -1)
    cold_max=$(sort -n "$OUT/$backend-cold.txt" | tail -1)

    log "== $backend: serve --demo, load"
    fresh_db "$backend"
    start_server "$OUT/$backend-serve.log" --demo
    local demo_ready=$READY_MS
    local staff_token admin_token
    staff_token=$(sd token issue --username staff --name bench 2>>"$OUT/$backend-token.err" | tail -1)
    admin_token=$(sd token issue --username sysadmin --name bench 2>>"$OUT/$backend-token.err" | tail -1)
    [[ $staff_token == sdt_* && $admin_token == sdt_* ]] || die "token issue failed (see $OUT/$backend-token.err)"
    sleep 2
    local rss_idle
    rss_idle=$(rss_kb "$SERVER_PID")
    load_run "$backend" login /login
    load_run "$backend" units-staff /api/v1/units "$staff_token"
    load_run "$backend" units-sysadmin /api/v1/units "$admin_token"
    local hwm shutdown_ms
    hwm=$(hwm_kb "$SERVER_PID")
    grep -a '^Vm\|^Threads' "/proc/$SERVER_PID/status" >"$OUT/$backend-proc-status.txt" || true
    stop_server
    shutdown_ms=$SHUTDOWN_MS
    log "$backend: stopped (SIGTERM → exit ${shutdown_ms} ms)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$cold_med" "$cold_min" "$cold_max" \
        "$rss_idle" "$hwm" "$shutdown_ms" "$demo_ready" "$(median <"$OUT/$backend-cold-rss.txt")" >>"$BACKEND_SUM"
}

T_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${LOAD_START%% *}" 'BEGIN {exit !(l < 0.5)}' || log "load average is $LOAD_START: other work on the machine will distort the figures"
for backend in $BACKENDS; do
    [[ $backend == sqlite || $backend == postgres ]] || die "unknown backend $backend"
    bench_backend "$backend"
done
T_END=$(date +%s)

# ---------------------------------------------------------------- report
{
    echo "## Benchmark run $STAMP"
    echo
    echo "- machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; server and wrk share the cores (loopback)"
    echo "- commit: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet HEAD -- src migrations templates assets Cargo.toml Cargo.lock 2>/dev/null || echo ' (+ uncommitted changes in the working tree)'), binary: release profile ($BIN_BUILT, built $(date -u -r "$BIN_BUILT" +%Y-%m-%dT%H:%MZ))"
    echo "- wrk: -t$THREADS -c$CONNECTIONS -d$DURATION --latency after a $WARMUP warm-up; RUST_LOG=warn"
    if [[ -n $PG_BASE ]]; then echo "- PostgreSQL: $(psql "$PG_ADMIN" -qAtc 'SHOW server_version' 2>/dev/null) at ${PG_BASE#*@}"; fi
    echo "- load average (1/5/15 min) before: $LOAD_START, after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- benchmark phase took $((T_END - T_START)) s; raw outputs in bench/out/$STAMP/"
    echo
    echo "| backend | cold start to /readyz 200, median (min–max) | RSS idle, empty DB | RSS idle, demo loaded | RSS peak (VmHWM) | SIGTERM → exit |"
    echo "| --- | --- | --- | --- | --- | --- |"
    while IFS=$'\t' read -r b cm cmin cmax idle hwm sd_ms _ empty; do
        echo "| $b | $cm ms ($cmin–$cmax) | $(mib "$empty") MiB | $(mib "$idle") MiB | $(mib "$hwm") MiB | $sd_ms ms |"
    done <"$BACKEND_SUM"
    echo
    echo "| backend | endpoint | p50 ms | p99 ms | req/s | server CPU µs/req | non-2xx | socket errors | RSS under load, median / peak |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    while IFS=$'\t' read -r b ep p50 p99 rps cpu non2xx sockerr rmed rpeak; do
        echo "| $b | $ep | $p50 | $p99 | $rps | $cpu | $non2xx | $sockerr | $(mib "$rmed") / $(mib "$rpeak") MiB |"
    done <"$SUMMARY"
    echo
    echo 'RSS idle, empty DB: 0.5 s after a cold start (median of the cold runs); demo loaded: 2 s after `serve --demo` became ready, which includes what hashing the 11 demo passwords (Argon2, ~19 MiB each) left in the heap; VmHWM: peak over the whole `--demo` run.'
    echo
    echo "units-staff: Bearer token of \`staff\` (65 units visible); units-sysadmin: \`sysadmin\` (all 85)."
} >"$OUT/table.md"
cp "$OUT/table.md" "$BENCH_DIR/out/latest.md"
cat "$OUT/table.md"
log "done: $OUT/table.md, bench/out/latest.md"
