#!/usr/bin/env bash
# Chapter 07's green-thread tests under valgrind (part of `make test`).
#
# Green threads switch stacks with swapcontext and map their stacks by hand,
# which is where memory bugs hide: a stack used after it was unmapped, a
# context freed twice, a thread's closure never dropped. Valgrind's memcheck
# sees those. The tests register each green-thread stack with valgrind (see
# chapters/07-green-threads/src/context.rs), so it does not mistake a
# switch for a stack overflow. Any error, or any block "definitely lost",
# fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "== valgrind: not installed, so chapter 07's memory check is skipped."
    echo "   (CI installs it; on Debian or Ubuntu: sudo apt-get install valgrind)"
    exit 0
fi

echo "== valgrind: chapter 07's green-thread tests under memcheck"
# Build the test binary and ask cargo where it put it (this honours
# CARGO_TARGET_DIR and any other cargo setting).
binary=$(cargo test -q -p ch07-green-threads --test green --no-run --message-format=json \
    | grep '"name":"green"' | grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | tail -n1)
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
    echo "valgrind.sh: cargo did not report the chapter 07 test binary" >&2
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One test thread: valgrind serialises threads anyway, and the output stays
# readable. No backtraces: symbolising them under valgrind takes long and
# the panic test panics on purpose.
if RUST_BACKTRACE=0 valgrind --quiet --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite --log-file="$log" \
        "$binary" --test-threads=1 --quiet; then
    echo "valgrind: no memory errors, nothing definitely lost."
else
    status=$?
    echo "valgrind: chapter 07's tests failed under valgrind (exit $status); its report:" >&2
    cat "$log" >&2
    exit 1
fi
