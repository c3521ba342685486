#!/usr/bin/env bash
# The robustness runs that take long: `make soak`. With --short, the few
# seconds of it that `make test` runs.
#
#   scripts/soak.sh --short   each server soak for 4 s with 300 held connections
#   scripts/soak.sh           everything below, then target/soak/report.md:
#
# 1. ghetto-loop's conformance suites and chapter 21's tests on ghetto-loop
#    under injected faults: 20 seeds at the default rate (one hooked call
#    in ten disturbed) and 10 at 0.3;
# 2. the memcheck runs of scripts/valgrind.sh, the 100,000-sleep test
#    included;
# 3. the soaks (`bench soak`), each with 3,000 held connections and churn,
#    the server's fds and RSS sampled before, during and after: chapter
#    15's echo server for two minutes, then the capstone's HTTP server on
#    ghetto-loop for 50 s (it closes connections idle for a minute, and the
#    held ones are idle). To soak other servers of bench's registry, name
#    them: SOAK_SERVERS="NAME..." make soak (SOAK_SERVER=NAME: that one only).
set -euo pipefail
cd "$(dirname "$0")/.."
servers=${SOAK_SERVERS:-${SOAK_SERVER:-ch15-reactor ch21-ghetto-loop}}

if [ "${1:-}" = --short ]; then
    for server in $servers; do
        echo "== soak: $server under churn for a few seconds"
        cargo run -q -p bench -- soak --short --server "$server" --out "target/soak/short/$server"
    done
    exit 0
fi

make -s tools-nextest
out=target/soak
mkdir -p "$out"
start=$SECONDS
scripts/faults.sh "$(seq -s ' ' 1 20)" 0.1 "$out/faults-rate-0.1.txt"
scripts/faults.sh "$(seq -s ' ' 101 110)" 0.3 "$out/faults-rate-0.3.txt"
VALGRIND_FULL=1 scripts/valgrind.sh
for server in $servers; do
    echo "== soak: $server under churn"
    cargo run -q --release -p bench -- soak --server "$server" --out "$out/$server"
done

{
    echo "# make soak, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "All green in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s."
    echo
    echo "## Conformance suites under injected faults"
    echo
    echo "The event-loop, protocol, net, time and sync suites, the fault layer's own"
    echo "suite and chapter 21's tests on ghetto-loop, with ghetto-loop built with its"
    echo "\`faults\` feature (scripts/faults.sh):"
    echo
    sed 's/^/- /' "$out/faults-rate-0.1.txt" "$out/faults-rate-0.3.txt"
    echo
    echo "## Memory"
    echo
    echo "valgrind memcheck of chapter 07 and of ghetto-loop's future, task, time (the"
    echo "100,000-sleep test included), sync and scope suites: no error, nothing definitely lost."
    echo
    # Each server soak's own report, one heading level down.
    for server in $servers; do
        sed 's/^# /## /' "$out/$server/report.md"
        echo
    done
} >"$out/report.md"
echo "make soak: all green; report in $out/report.md"
