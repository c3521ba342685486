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
# * The time, sync and scope suites (chapters 16-18) add the cycles a
#   sleeping task, a queued waiter and a task group could make: a timer
#   entry holding a task's waker, a semaphore's queue holding a waiter's, a
#   group holding its children. Under memcheck they take about 5, 7 and 3
#   seconds; the time suite's 100,000-sleep test alone takes 75 s there, so
#   `make test` skips it (`make soak` runs it too, with VALGRIND_FULL=1).
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

# memcheck PACKAGE TEST WHAT [ARGS...]: runs one integration-test binary
# under memcheck; ARGS go to the test binary (a --skip, say).
memcheck() {
    local package=$1 test=$2 what=$3 binary
    shift 3
    echo "== valgrind: $what under memcheck"
    # Build the test binary and ask cargo where it put it.
    binary=$(test_executable "$package" "$test")
    if [ -z "$binary" ] || [ ! -x "$binary" ]; then
        echo "valgrind.sh: cargo did not report the test binary $package/$test" >&2
        exit 1
    fi
    # One test thread: valgrind serialises threads anyway, and the output
    # stays readable. No backtraces: symbolising them under valgrind takes
    # long, and some tests panic on purpose.
    if RUST_BACKTRACE=0 valgrind --quiet --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite --log-file="$log" \
            "$binary" --test-threads=1 --quiet "$@"; then
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
slow=(--skip a_hundred_thousand_sleeps_wake_in_deadline_order)
if [ "${VALGRIND_FULL:-0}" = 1 ]; then slow=(); fi
memcheck ghetto-loop time "ghetto-loop's time tests" "${slow[@]}"
memcheck ghetto-loop sync "ghetto-loop's sync tests"
memcheck ghetto-loop scope "ghetto-loop's task-group tests"
