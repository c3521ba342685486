#!/usr/bin/env bash
# The exercise runner behind `make exercises`, `make exercise EX=..`,
# `make hint EX=..` and the exercise checks of `make test`.
#
# An exercise is a crate at chapters/NN-slug/exercises/K-name/ (package
# exNN-K-name, id NN-K). See EXERCISES.md for the layout and the rules.
set -euo pipefail
cd "$(dirname "$0")/.."

all_exercises() {
    # Sorted by chapter, then by exercise number.
    find chapters -mindepth 3 -maxdepth 3 -path '*/exercises/*' -type d | sort
}

id_of() { # chapters/01-blocking/exercises/1-echo -> 01-1
    local dir=$1 chapter ex
    chapter=$(basename "$(dirname "$(dirname "$dir")")")
    ex=$(basename "$dir")
    echo "${chapter%%-*}-${ex%%-*}"
}

package_of() { # the package name from the crate's Cargo.toml
    sed -n 's/^name *= *"\(.*\)"/\1/p' "$1/Cargo.toml" | head -n1
}

dir_of() {
    local want=$1 dir
    for dir in $(all_exercises); do
        if [ "$(id_of "$dir")" = "$want" ]; then echo "$dir"; return 0; fi
    done
    echo "no exercise $want; \`make exercises\` lists them" >&2
    return 2
}

title_of() { sed -n '1s/^# *//p' "$1/README.md"; }

# Runs one exercise's tests against the learner's mine.rs; prints cargo's
# output only when asked (verbose=1). Returns the test status.
check_mine() {
    local dir=$1 verbose=${2:-0} pkg
    pkg=$(package_of "$dir")
    if [ "$verbose" = 1 ]; then
        GHETTO_EXERCISE=mine cargo test -q -p "$pkg" --color always
    else
        GHETTO_EXERCISE=mine cargo test -q -p "$pkg" >/dev/null 2>&1
    fi
}

cmd_status() {
    local dir id next="" done=0 total=0 state
    printf '%-6s %-12s %s\n' "id" "state" "exercise"
    for dir in $(all_exercises); do
        id=$(id_of "$dir"); total=$((total + 1))
        if [ ! -f "$dir/mine.rs" ]; then
            state="not started"
        elif check_mine "$dir"; then
            state="done"; done=$((done + 1))
        else
            state="pending"
        fi
        [ -z "$next" ] && [ "$state" != "done" ] && next=$id
        printf '%-6s %-12s %s\n' "$id" "$state" "$(title_of "$dir")"
    done
    echo
    echo "$done of $total done."
    if [ -n "$next" ]; then
        echo "Next: $next ($(title_of "$(dir_of "$next")"))"
        echo "  make exercise EX=$next   start it (copies the starter to mine.rs) or check your work"
        echo "  make hint EX=$next       when you are stuck"
    else
        echo "All done. The real thing is in ghetto-loop/src: compare your versions with it."
    fi
}

cmd_start_or_check() {
    local id=$1 dir
    dir=$(dir_of "$id")
    if [ ! -f "$dir/mine.rs" ]; then
        cp "$dir/starter.rs" "$dir/mine.rs"
        echo "Started $id: $(title_of "$dir")"
        echo "  read:  $dir/README.md"
        echo "  edit:  $dir/mine.rs   (yours: git ignores it, course updates never touch it)"
        echo "  check: make exercise EX=$id"
        echo "  stuck: make hint EX=$id"
        return 0
    fi
    echo "Checking $id against $dir/mine.rs ..."
    if check_mine "$dir" 1; then
        echo "$id passes. Compare with $dir/solution.rs, then \`make exercises\` for the next one."
    else
        echo "$id does not pass yet. The failing tests above say what is expected; \`make hint EX=$id\` if stuck."
        return 1
    fi
}

cmd_hint() {
    local dir
    dir=$(dir_of "$1")
    cat "$dir/HINT.md"
}

# Used by `make test`: every reference solution passes its tests, and every
# starter fails every one of them (a test that passes on the starter has no
# teeth). The starters build in a target dir of their own so that switching
# between the two does not rebuild the whole workspace each time.
cmd_verify() {
    local dir pkg id out bad=0 count=0 ran
    local pkgs=()
    for dir in $(all_exercises); do pkgs+=(-p "$(package_of "$dir")"); done
    if [ ${#pkgs[@]} -eq 0 ]; then echo "no exercises yet"; return 0; fi

    echo "== exercises: reference solutions must pass"
    GHETTO_EXERCISE=solution cargo test -q "${pkgs[@]}" --no-fail-fast

    echo "== exercises: starters must fail every test"
    for dir in $(all_exercises); do
        pkg=$(package_of "$dir"); id=$(id_of "$dir"); count=$((count + 1))
        out=$(GHETTO_EXERCISE=starter CARGO_TARGET_DIR=target/starters \
              cargo test -p "$pkg" --no-fail-fast -- --test-threads=4 2>&1) || true
        if echo "$out" | grep -qE '^error(\[E[0-9]+\])?:.*could not compile|^error\[E'; then
            echo "FAIL $id: the starter does not compile"; echo "$out" | tail -20; bad=1; continue
        fi
        ran=$(echo "$out" | grep -cE '^test .* \.\.\. (ok|FAILED)$' || true)
        if [ "$ran" -eq 0 ]; then
            echo "FAIL $id: no test ran against the starter"; bad=1; continue
        fi
        if echo "$out" | grep -E '^test .* \.\.\. ok$'; then
            echo "FAIL $id: the tests above pass on the starter, so they do not check the exercise"; bad=1
        else
            echo "ok   $id: all $ran tests fail on the starter"
        fi
    done
    [ $bad -eq 0 ] || { echo "exercise checks failed"; return 1; }
    echo "$count exercises: solutions pass, starters fail."
}

case "${1:-status}" in
    status) cmd_status ;;
    start|check) cmd_start_or_check "${2:?usage: exercises.sh check ID}" ;;
    hint) cmd_hint "${2:?usage: exercises.sh hint ID}" ;;
    verify) cmd_verify ;;
    *) echo "usage: exercises.sh status|check ID|hint ID|verify" >&2; exit 2 ;;
esac
