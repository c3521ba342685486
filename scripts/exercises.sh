#!/usr/bin/env bash
# The exercise runner behind `make exercises`, `make exercise EX=..`,
# `make hint EX=..` and the exercise checks of `make test`.
#
# An exercise is a crate at chapters/NN-slug/exercises/K-name/ (package
# exNN-K-name, id NN-K). See EXERCISES.md for the layout and the rules.
# Every verdict here comes from an exit status (of cargo, of a test binary),
# never from reading cargo's text.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# The starters and the wrong versions build in a target dir of their own,
# so that switching an exercise between them and the solution does not
# rebuild it in the main one each time.
other_target=target/starters

# Which version `make exercise` checks: the learner's mine.rs, or, while it
# is still the starter unchanged, the starter itself (the same code, built
# with the lints the starter allows, so the learner's first check shows the
# failing tests and not warnings about arguments nobody uses yet).
version_of_mine() {
    if cmp -s "$1/mine.rs" "$1/starter.rs"; then echo starter; else echo mine; fi
}

# Runs one exercise's tests against the learner's work; prints the tests'
# results when asked (verbose=1). Returns the tests' status.
check_mine() {
    local dir=$1 verbose=${2:-0} pkg version colour=never
    pkg=$(package_of "$dir")
    version=$(version_of_mine "$dir")
    use_colour && colour=always
    # `--test '*'`: the tests in tests/ only, so no empty "running 0 tests"
    # blocks for the library and its doctests.
    if [ "$verbose" = 1 ]; then
        GHETTO_EXERCISE=$version cargo test -q -p "$pkg" --test '*' --color "$colour"
    else
        GHETTO_EXERCISE=$version cargo test -q -p "$pkg" --test '*' >/dev/null 2>&1
    fi
}

cmd_status() {
    local dir id next="" done=0 total=0 started=0 state
    for dir in $(all_exercises); do [ -f "$dir/mine.rs" ] && started=$((started + 1)); done
    if [ "$started" -gt 0 ]; then
        echo "Checking the $started exercise(s) you started against their tests..."
    fi
    printf '%-6s %-12s %s\n' "id" "state" "exercise"
    for dir in $(all_exercises); do
        id=$(exercise_id "$dir")
        total=$((total + 1))
        if [ ! -f "$dir/mine.rs" ]; then
            state="not started"
        else
            # On a terminal, say which one is being checked until its row
            # replaces the line.
            use_colour && printf '%-6s checking...\r' "$id"
            if check_mine "$dir"; then
                state="done"
                done=$((done + 1))
            else
                state="pending"
            fi
        fi
        [ -z "$next" ] && [ "$state" != "done" ] && next=$id
        printf '%-6s %-12s %s\n' "$id" "$state" "$(title_of "$dir")"
    done
    echo
    echo "$done of $total done."
    if [ -n "$next" ]; then
        echo "Next: $next ($(title_of "$(exercise_dir "$next")"))"
        echo "  make exercise EX=$next   start it (copies the starter to mine.rs) or check your work"
        echo "  make hint EX=$next       when you are stuck"
    else
        echo "All done. The real thing is in ghetto-loop/src: compare your versions with it."
    fi
}

cmd_start_or_check() {
    local id=$1 dir
    dir=$(exercise_dir "$id") || return 2
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
    if [ "$(version_of_mine "$dir")" = starter ]; then
        echo "(mine.rs is still the starter: every test fails until you write your part)"
    fi
    if check_mine "$dir" 1; then
        echo "$id passes. Compare with $dir/solution.rs, then \`make exercises\` for the next one."
    else
        echo "$id does not pass yet. The failing tests above say what is expected; \`make hint EX=$id\` if stuck."
        return 1
    fi
}

cmd_hint() {
    local dir
    dir=$(exercise_dir "$1") || return 2
    cat "$dir/HINT.md"
}

# Builds PKG as VERSION in the checks' target dir, its output into LOG.
# Returns cargo's status.
build_as() {
    local pkg=$1 version=$2 log=$3
    GHETTO_EXERCISE=$version CARGO_TARGET_DIR=$other_target \
        cargo test -q -p "$pkg" --tests --no-run >"$log" 2>&1
}

# The test binaries of PKG as VERSION (built by build_as), one a line.
binaries_of() {
    local pkg=$1 version=$2
    GHETTO_EXERCISE=$version CARGO_TARGET_DIR=$other_target test_executables -p "$pkg" --tests
}

# Every starter fails every one of its tests: each test is run on its own
# and must exit non-zero. Prints one line; returns 1 if a test passes.
starter_fails_everything() {
    local dir=$1 id pkg log bin test ran=0 passed=()
    id=$(exercise_id "$dir")
    pkg=$(package_of "$dir")
    log=$(mktemp)
    if ! build_as "$pkg" starter "$log"; then
        echo "FAIL $id: the starter does not compile:"
        tail -20 "$log"
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
    for bin in $(binaries_of "$pkg" starter); do
        while IFS= read -r test; do
            ran=$((ran + 1))
            # Bounded: a starter's test must fail, not hang.
            if timeout 120 "$bin" "$test" --exact --quiet >/dev/null 2>&1; then
                passed+=("$test")
            fi
        done < <("$bin" --list --format terse 2>/dev/null | sed -n 's/: test$//p')
    done
    if [ "$ran" -eq 0 ]; then
        echo "FAIL $id: it has no test to run against the starter"
        return 1
    fi
    if [ ${#passed[@]} -ne 0 ]; then
        echo "FAIL $id: these tests pass on the starter, so they do not check the exercise: ${passed[*]}"
        return 1
    fi
    echo "ok   $id: all $ran tests fail on the starter"
}

# Every mistake README.md warns about is caught: each teeth/NAME.diff turns
# the solution into a version with that one mistake, which must compile and
# fail the tests. Prints a line per mistake; returns 1 if one is not caught.
teeth_bite() {
    local dir=$1 id pkg diff name wrong log bad=0
    id=$(exercise_id "$dir")
    pkg=$(package_of "$dir")
    for diff in "$dir"/teeth/*.diff; do
        [ -e "$diff" ] || continue
        name=$(basename "$diff" .diff)
        # One file per exercise, rewritten for each mistake: cargo notices
        # that an included file changed, but not that another path is named.
        wrong=$PWD/$other_target/teeth/$id.rs
        log=$(mktemp)
        mkdir -p "$(dirname "$wrong")"
        if ! patch --quiet -o "$wrong" "$dir/solution.rs" "$diff" >"$log" 2>&1; then
            echo "FAIL $id $name: the mistake no longer applies to solution.rs:"
            cat "$log"
            bad=1
        elif ! build_as "$pkg" "wrong:$wrong" "$log"; then
            echo "FAIL $id $name: the wrong version does not compile:"
            tail -20 "$log"
            bad=1
        else
            # Built above, so the bound is the tests' own time. Every test
            # bounds its waits (PATIENCE, 10 s): a run this long hangs.
            local status=0
            GHETTO_EXERCISE="wrong:$wrong" CARGO_TARGET_DIR=$other_target \
                timeout 120 cargo test -q -p "$pkg" --tests --no-fail-fast >"$log" 2>&1 || status=$?
            if [ "$status" -eq 0 ]; then
                echo "FAIL $id $name: the tests pass with this mistake made ($diff):"
                sed -n '/^[-+][^-+]/p' "$diff"
                bad=1
            elif [ "$status" -eq 124 ]; then
                echo "ok   $id $name: caught, but only by the 120 s bound (a test hangs on it)"
            else
                echo "ok   $id $name: caught"
            fi
        fi
        rm -f "$log"
    done
    return $bad
}

# Used by `make test`: every reference solution passes its tests, every
# starter fails every one of them (a test that passes on the starter has no
# teeth), and every mistake an exercise's README warns about is caught.
cmd_verify() {
    local dir bad=0 count=0 mistakes=0
    local pkgs=() teeth=()
    for dir in $(all_exercises); do pkgs+=(-p "$(package_of "$dir")"); done
    if [ ${#pkgs[@]} -eq 0 ]; then
        echo "no exercises yet"
        return 0
    fi

    echo "== exercises: reference solutions must pass"
    GHETTO_EXERCISE=solution cargo test -q "${pkgs[@]}" --tests --no-fail-fast || bad=1

    echo "== exercises: starters must fail every test"
    for dir in $(all_exercises); do
        count=$((count + 1))
        starter_fails_everything "$dir" || bad=1
    done

    echo "== exercises: every mistake a README warns about must fail the tests"
    # The mistakes are patches to the solutions; without `patch` they are
    # skipped, and said to be (CI installs it).
    if scripts/need.sh patch patch "the exercise checks make their deliberate mistakes with it"; then
        for dir in $(all_exercises); do
            teeth=("$dir"/teeth/*.diff)
            [ -e "${teeth[0]}" ] && mistakes=$((mistakes + ${#teeth[@]}))
            teeth_bite "$dir" || bad=1
        done
    else
        echo "   (the deliberate mistakes were not checked)"
    fi

    [ $bad -eq 0 ] || { echo "exercise checks failed"; return 1; }
    echo "$count exercises: solutions pass, starters fail; $mistakes deliberate mistakes caught."
}

# `exercises.sh teeth [ID]`: only the deliberate mistakes, of one exercise
# or of all; for whoever writes an exercise's teeth/*.diff.
cmd_teeth() {
    local dir bad=0
    scripts/need.sh patch patch "the deliberate mistakes are patches to the solutions" || return 1
    if [ -n "${1:-}" ]; then
        dir=$(exercise_dir "$1") || return 2
        teeth_bite "$dir"
        return
    fi
    for dir in $(all_exercises); do teeth_bite "$dir" || bad=1; done
    return $bad
}

case "${1:-status}" in
    status) cmd_status ;;
    start | check) cmd_start_or_check "${2:?usage: exercises.sh check ID}" ;;
    hint) cmd_hint "${2:?usage: exercises.sh hint ID}" ;;
    verify) cmd_verify ;;
    teeth) cmd_teeth "${2:-}" ;;
    *)
        echo "usage: exercises.sh status|check ID|hint ID|verify|teeth [ID]" >&2
        exit 2
        ;;
esac
