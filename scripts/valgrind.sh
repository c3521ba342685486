#!/usr/bin/env bash
# Memory checks under valgrind's memcheck (part of `make test`).
#
# * Chapter 07's green threads switch stacks with swapcontext and map their
#   stacks by hand, which is where memory bugs hide: a stack used after it
#   was unmapped, a context freed twice, a thread's closure never dropped.
#   The tests register each green-thread stack with valgrind (see
#   chapters/07-green-threads/src/context.rs), so it does not mistake a
#   switch for a stack overflow.
# * ghetto-loop's futures and tasks (chapters 13-14) hold each other in
#   `Rc`s: a task holds its loop, the loop's table holds the task, a future
#   holds handles to both. A cycle nobody breaks is memory that is never
#   freed; memcheck reports it as "definitely lost". The task tests drop
#   loops with parked tasks, aborted tasks and detached ones.
#
# Any error, or any block "definitely lost", fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

if ! command -v valgrind >/dev/null; then
    echo "== valgrind: not installed, so the memory checks are skipped."
    echo "   (CI installs it; on Debian or Ubuntu: sudo apt-get install valgrind)"
    exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# memcheck PACKAGE TEST WHAT: runs one integration-test binary under memcheck.
memcheck() {
    local package=$1 test=$2 what=$3 binary
    echo "== valgrind: $what under memcheck"
    # Build the test binary and ask cargo where it put it.
    binary=$(test_executables -p "$package" --test "$test" | tail -n1)
    if [ -z "$binary" ] || [ ! -x "$binary" ]; then
        echo "valgrind.sh: cargo did not report the test binary $package/$test" >&2
        exit 1
    fi
    # One test thread: valgrind serialises threads anyway, and the output
    # stays readable. No backtraces: symbolising them under valgrind takes
    # long, and some tests panic on purpose.
    if RUST_BACKTRACE=0 valgrind --quiet --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite --log-file="$log" \
            "$binary" --test-threads=1 --quiet; then
        echo "valgrind: no memory errors, nothing definitely lost."
    else
        status=$?
        echo "valgrind: $what failed under valgrind (exit $status); its report:" >&2
        cat "$log" >&2
        exit 1
    fi
}

memcheck ch07-green-threads green "chapter 07's green-thread tests"
memcheck ghetto-loop future "ghetto-loop's callback-future tests"
memcheck ghetto-loop task "ghetto-loop's task tests"
