#!/usr/bin/env bash
# The course's own tools behave the way a Rust user expects (part of
# `make test`):
#
# 1. a chapter that does not exist gets one line and status 2, from every
#    target that takes a chapter, and cargo is never asked about it;
# 2. `need.sh` says how to install a missing tool, in one line (with
#    its installing switched off);
# 3. every chapter's CLI error is `error:` plus `caused by:` lines, even
#    with RUST_BACKTRACE=1 (a port already taken);
# 4. piped output has no colour codes (`make diff`), and `make diff` shows
#    the chapter's own change before the runtime's;
# 5. an exercise's check shows the learner's result, not the tools' noise.
#
# Checks exit statuses and the scripts' own words, never cargo's text.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

failed=0
passed=0
fail() {
    echo "FAIL  $1"
    failed=$((failed + 1))
}
ok() {
    echo "ok    $1"
    passed=$((passed + 1))
}
log=$(mktemp)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -f "$log"
}
trap cleanup EXIT

# expect_status WANT DESCRIPTION COMMAND...: runs COMMAND into $log and
# checks its exit status.
expect_status() {
    local want=$1 what=$2 got=0
    shift 2
    "$@" >"$log" 2>&1 </dev/null || got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit status $got, not $want:"
        sed 's/^/      /' "$log" | tail -20
        return 1
    fi
}

# 1. Chapters that do not exist (21 is the last one planned, so 42 and 99
#    stay missing).
for cmd in "make -s ch99" "make -s serve CH=99" "make -s client CH=42" "make -s diff CH=42"; do
    # shellcheck disable=SC2086 # the words of the command
    expect_status 2 "$cmd" $cmd || continue
    lines=$(grep -Ecv '^make(\[[0-9]+\])?: \*\*\*' "$log" || true)
    if [ "$lines" -ne 1 ] || ! grep -q '^there is no chapter [0-9]*: the chapters are' "$log"; then
        fail "$cmd: not the one line about the missing chapter:"
        sed 's/^/      /' "$log"
    else
        ok "$cmd: one line, status 2"
    fi
done
if expect_status 2 "scripts/chapter.sh seven" scripts/chapter.sh seven; then
    ok "scripts/chapter.sh seven: not a number, status 2"
fi

# 2. need.sh.
if expect_status 1 "need.sh for a missing tool" env GHETTO_NO_INSTALL=1 scripts/need.sh no-such-tool-here no-such-package "a test"; then
    if [ "$(cat "$log")" = "no-such-tool-here is missing (a test); install it with: sudo apt-get install -y no-such-package" ]; then
        ok "need.sh: a missing tool gets one line naming its package"
    else
        fail "need.sh: unexpected words: $(cat "$log")"
    fi
fi
if expect_status 0 "need.sh for bash" scripts/need.sh bash bash "a test"; then
    ok "need.sh: an installed tool passes silently"
fi

# 3. Short errors from every chapter's binary: a first chapter 01 server
#    holds a port, and every chapter is asked to serve on it.
chapters=$(find chapters -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9]-*' | sort)
cargo build -q --bins $(for c in $chapters; do printf -- '-p ch%s ' "$(basename "$c")"; done)
bin_dir=$(cargo metadata -q --format-version 1 --no-deps | grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)/debug
holder=$(mktemp)
"$bin_dir/ch01-blocking" serve 127.0.0.1:0 >"$holder" 2>&1 &
server_pid=$!
addr=""
for _ in $(seq 1 200); do # up to 10 seconds
    addr=$(sed -n 's/^listening on \(.*\)$/\1/p' "$holder")
    [ -n "$addr" ] && break
    sleep 0.05
done
rm -f "$holder"
if [ -z "$addr" ]; then
    fail "chapter 01's server did not say where it listens"
else
    for dir in $chapters; do
        pkg=ch$(basename "$dir")
        expect_status 1 "$pkg serve $addr (taken)" \
            env RUST_BACKTRACE=1 "$bin_dir/$pkg" serve "$addr" || continue
        if head -n1 "$log" | grep -q '^error: ' && [ "$(grep -cv '^caused by: ' "$log")" -eq 1 ]; then
            ok "$pkg serve on a taken port: $(head -n1 "$log")"
        else
            fail "$pkg serve on a taken port with RUST_BACKTRACE=1 printed more than the error and its causes:"
            sed 's/^/      /' "$log" | head -20
        fi
    done
fi
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

# 4. `make diff` into a pipe: plain text, the chapter's own change first.
if expect_status 0 "make diff CH=12" make -s diff CH=12; then
    first=$(grep -n '^### ' "$log" | head -n1)
    if grep -q $'\033' "$log"; then
        fail "make diff CH=12 | ...: escape codes in piped output"
    elif [[ $first != *"chapters/11-event-loop/src -> chapters/12-protocols/src"* ]] ||
        ! grep -q '^### what chapter 12 adds to ghetto-loop' "$log"; then
        fail "make diff CH=12: the chapter's change, then the runtime's, expected; headings: $(grep '^### ' "$log" | tr '\n' ' ')"
    else
        ok "make diff CH=12: plain when piped; the chapter first, then the runtime"
    fi
fi

# 5. An untouched exercise: the learner sees the tests that fail, and none
#    of cargo's empty blocks, no warning about the starter's unused
#    arguments. Only where the learner has no mine.rs of their own.
ex=$(exercise_dir 01-1)
if [ -e "$ex/mine.rs" ]; then
    echo "skip  make exercise EX=01-1 (you have a mine.rs there; not touching it)"
else
    make -s exercise EX=01-1 >/dev/null
    # make's own status for a failed recipe is 2.
    expect_status 2 "make exercise EX=01-1 on the starter" make -s exercise EX=01-1 || true
    rm -f "$ex/mine.rs"
    # Cargo's empty blocks, compiler warnings, and a test's own error
    # printed after the starter's panic ("Error: Os { .. }").
    noise='running 0 tests|^warning|^Error: '
    if grep -qE "$noise" "$log"; then
        fail "make exercise EX=01-1: noise from the tools:"
        grep -nE "$noise" "$log" | sed 's/^/      /'
    elif ! grep -q '01-1 does not pass yet' "$log"; then
        fail "make exercise EX=01-1: no verdict:"
        tail -5 "$log" | sed 's/^/      /'
    else
        ok "make exercise EX=01-1 on the starter: the failing tests and the verdict, no noise"
    fi
fi

echo
echo "selftest: $passed passed, $failed failed."
[ "$failed" -eq 0 ]
