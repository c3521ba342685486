#!/usr/bin/env bash
# `make test`: builds everything and runs every test.
#
# 1. every unit and integration test, one process per test (cargo-nextest),
#    so tests that count open fds see only their own;
# 2. every doctest, the slides' code blocks included (nextest does not run
#    doctests);
# 3. the exercise checks: solutions pass, starters fail every test;
# 4. chapter 07's green threads and ghetto-loop's future, task, time, sync
#    and scope suites under valgrind, when valgrind is installed;
# 5. ghetto-loop's conformance suites under injected faults, three seeds
#    (scripts/faults.sh; `make soak` runs many more), and a short soak of a
#    server under connection churn (scripts/soak.sh --short);
# 6. every `make` command the README shows, so the README cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s tools-nextest

# Exercises compile their reference solutions here (see EXERCISES.md).
export GHETTO_EXERCISE=solution

echo "== build"
cargo build -q --workspace --all-targets
echo "== tests"
cargo nextest run --workspace --no-fail-fast --cargo-quiet --status-level fail --final-status-level slow
echo "== doctests"
cargo test -q --workspace --doc
scripts/exercises.sh verify
if [ -x scripts/valgrind.sh ]; then scripts/valgrind.sh; fi
scripts/faults.sh "1 2 3"
scripts/soak.sh --short
echo "== README commands"
scripts/readme-commands.sh
echo "make test: all passed."
