#!/usr/bin/env bash
# `make test`: builds everything and runs every test.
#
# 1. every unit and integration test, one process per test (cargo-nextest);
#    without nextest (not installed and no network to install it), the same
#    tests under `cargo test`, where the tests that count the process's fds
#    or threads run alone in a process of their own
#    (`course::testing::alone`);
# 2. every doctest, the slides' code blocks included (nextest does not run
#    doctests);
# 3. the exercise checks: solutions pass, starters fail every test, and
#    every mistake an exercise's README warns about fails it;
# 4. chapter 07's green threads and ghetto-loop's future, task, time, sync
#    and scope suites under valgrind, when valgrind is installed;
# 5. ghetto-loop's conformance suites under injected faults, three seeds
#    (scripts/faults.sh; `make soak` runs many more), a short soak of a
#    server under connection churn (scripts/soak.sh --short), and the
#    course's own tools (scripts/selftest.sh);
# 6. every `make` command the README shows, so the README cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."

# Exercises compile their reference solutions here (see EXERCISES.md).
export GHETTO_EXERCISE=solution

echo "== build"
cargo build -q --workspace --all-targets
if cargo nextest --version >/dev/null 2>&1 || make -s tools-nextest; then
    echo "== tests"
    cargo nextest run --workspace --no-fail-fast --cargo-quiet --status-level fail --final-status-level slow
    echo "== doctests"
    cargo test -q --workspace --doc
else
    echo "== tests and doctests (cargo test: cargo-nextest is missing and could not be installed)"
    cargo test -q --workspace --no-fail-fast
fi
scripts/exercises.sh verify
scripts/valgrind.sh
scripts/faults.sh "1 2 3"
scripts/soak.sh --short
scripts/selftest.sh
echo "== README commands"
scripts/readme-commands.sh
echo "make test: all passed."
