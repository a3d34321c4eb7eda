#!/usr/bin/env bash
# Fuzz the API against its own OpenAPI document (issue #13) with schemathesis: generated and
# mutated requests to every operation, as several roles, on SQLite and PostgreSQL. Checks: no
# server error, every status documented, content types and bodies as documented.
#
#   bench/fuzz.sh
#
# Environment (all optional):
#   FUZZ_SECONDS=60            time budget per role and database (schemathesis --max-time)
#   FUZZ_ROLES="staff director liaison.scjg handler.gaj sysadmin"
#   FUZZ_BACKENDS="sqlite postgres"
#   FUZZ_PG_URL=postgres://postgres@127.0.0.1:5432   server for throw-away databases
#   FUZZ_BIN=path/to/shuangda  use this binary instead of building the release one
# Installs schemathesis from PyPI when `st` is missing. Writes bench/out/fuzz-<stamp>/ (raw
# output per run) and prints a Markdown table for bench/RESULTS.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
SECONDS_PER_RUN=${FUZZ_SECONDS:-60}
ROLES=${FUZZ_ROLES:-staff director liaison.scjg handler.gaj sysadmin}
BACKENDS=${FUZZ_BACKENDS:-sqlite postgres}
PG_BASE=${FUZZ_PG_URL:-postgres://postgres@127.0.0.1:5432}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/out/fuzz-$STAMP
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/sd_fuzz.XXXXXX)
SERVER_PID=""
PG_DBS=()

log() { printf '[fuzz %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
cleanup() {
    set +e
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for db in "${PG_DBS[@]+"${PG_DBS[@]}"}"; do
        psql "$PG_BASE/postgres" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v st >/dev/null; then
    log "installing schemathesis from PyPI"
    pip install -q schemathesis >/dev/null
fi
if [[ -n ${FUZZ_BIN:-} ]]; then
    BIN=$FUZZ_BIN
else
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/shuangda/target-release}
    log "building the release binary"
    (cd "$REPO" && cargo build --release) >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
    BIN=$CARGO_TARGET_DIR/release/shuangda
fi

printf '| database | role | operations | test cases | failures | server errors (5xx) |\n|---|---|---|---|---|---|\n' >"$OUT/table.md"
for backend in $BACKENDS; do
    data=$TMP/$backend
    mkdir -p "$data"
    if [[ $backend == sqlite ]]; then
        url=sqlite:$data/shuangda.db
    else
        name=sd_fuzz_$$
        psql "$PG_BASE/postgres" -qAtc "CREATE DATABASE $name" >/dev/null
        PG_DBS+=("$name")
        url=$PG_BASE/$name
    fi
    export SHUANGDA_DATABASE_URL=$url SHUANGDA_DATA_DIR=$data RUST_LOG=warn
    (cd "$data" && exec "$BIN" serve --demo --bind 127.0.0.1:0) >"$OUT/$backend-server.log" 2>&1 &
    SERVER_PID=$!
    addr=""
    for _ in $(seq 1 600); do
        addr=$(grep -ao 'http://127\.0\.0\.1:[0-9]*' "$OUT/$backend-server.log" | head -1 || true)
        [[ -n $addr ]] && curl -sf "$addr/readyz" >/dev/null && break
        sleep 0.1
    done
    [[ -n $addr ]] || { log "server did not start (see $OUT/$backend-server.log)"; exit 1; }
    for role in $ROLES; do
        token=$(cd "$data" && "$BIN" token issue --username "$role" --name fuzz 2>/dev/null | tail -1)
        log "$backend $role: ${SECONDS_PER_RUN}s"
        set +e
        st run "$addr/api/v1/openapi.json" --url "$addr" \
            --header "Authorization: Bearer $token" \
            --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
            --max-time "$SECONDS_PER_RUN" --workers 2 --request-timeout 10 \
            --generation-allow-x00 true --no-color \
            >"$OUT/$backend-$role.txt" 2>&1
        set -e
        f=$OUT/$backend-$role.txt
        ops=$({ grep -aoE 'Tested: [0-9]+' "$f" || true; } | grep -oE '[0-9]+' | head -1)
        cases=$({ grep -aoE '[0-9]+ generated' "$f" || true; } | grep -oE '[0-9]+' | tail -1)
        # One block per failing operation, headed by a rule with the operation's name.
        fails=$({ grep -acE '^_{3,} [A-Z]+ /' "$f" || true; })
        server=$({ grep -acE 'Server error' "$f" || true; })
        printf '| %s | %s | %s | %s | %s | %s |\n' "$backend" "$role" "${ops:--}" "${cases:--}" "$fails" "$server" >>"$OUT/table.md"
    done
    grep -aE ' 5[0-9][0-9] |panicked|ERROR' "$OUT/$backend-server.log" | head -20 >"$OUT/$backend-server-errors.txt" || true
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
done
cat "$OUT/table.md"
log "raw outputs in $OUT"
