#!/usr/bin/env bash
# The robustness runs that take long: `make soak`. With --short, the few
# seconds of it that `make test` runs.
#
#   scripts/soak.sh --short   the server soak for 4 s with 300 held connections
#   scripts/soak.sh           everything below, then target/soak/report.md:
#
# 1. ghetto-loop's conformance suites under injected faults: 20 seeds at
#    the default rate (one hooked call in ten disturbed) and 10 at 0.3;
# 2. the memcheck runs of scripts/valgrind.sh, the 100,000-sleep test
#    included;
# 3. the soak (`bench soak`): chapter 15's echo server for two minutes with
#    3,000 held connections and churn; its fds and RSS before, during and
#    after. To soak another server of bench's registry, pass its name:
#    SOAK_SERVER=NAME make soak.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${SOAK_SERVER:-ch15-reactor}

if [ "${1:-}" = --short ]; then
    echo "== soak: $server under churn for a few seconds"
    cargo run -q -p bench -- soak --short --server "$server" --out target/soak/short
    exit 0
fi

make -s tools-nextest
out=target/soak
mkdir -p "$out"
start=$SECONDS
scripts/faults.sh "$(seq -s ' ' 1 20)" 0.1 "$out/faults-rate-0.1.txt"
scripts/faults.sh "$(seq -s ' ' 101 110)" 0.3 "$out/faults-rate-0.3.txt"
VALGRIND_FULL=1 scripts/valgrind.sh
echo "== soak: $server under churn (two minutes)"
cargo run -q --release -p bench -- soak --server "$server" --out "$out/server"

{
    echo "# make soak, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "All green in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s."
    echo
    echo "## Conformance suites under injected faults"
    echo
    echo "The event-loop, protocol, net, time and sync suites and the fault layer's own"
    echo "suite, with ghetto-loop built with its \`faults\` feature (scripts/faults.sh):"
    echo
    sed 's/^/- /' "$out/faults-rate-0.1.txt" "$out/faults-rate-0.3.txt"
    echo
    echo "## Memory"
    echo
    echo "valgrind memcheck of chapter 07 and of ghetto-loop's future, task, time (the"
    echo "100,000-sleep test included), sync and scope suites: no error, nothing definitely lost."
    echo
    # The server soak's own report, one heading level down.
    sed 's/^# /## /' "$out/server/report.md"
} >"$out/report.md"
echo "make soak: all green; report in $out/report.md"
