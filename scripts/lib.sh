# Shared by the course's scripts (`source scripts/lib.sh` from the
# repository's root): chapter numbers, chapter and exercise lookup, and
# colour only where a person reads it. Each is written here once.

# pad NN: a chapter number as two digits (5, 05 and 005 give 05). Anything
# that is not a number is an error with exit status 2.
pad() {
    local n=${1:-}
    if ! [[ $n =~ ^[0-9]+$ ]]; then
        echo "'$n' is not a chapter number (try 01 to $(last_chapter))" >&2
        return 2
    fi
    printf '%02d' "$((10#$n))"
}

# last_chapter: the number of the last chapter there is.
last_chapter() {
    local last
    last=$(find chapters -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9]-*' | sort | tail -n1)
    last=$(basename "$last")
    echo "${last%%-*}"
}

# chapter_dir NN: chapters/NN-slug, or one line on stderr and status 2 when
# there is no such chapter.
chapter_dir() {
    local nn dir
    nn=$(pad "$1") || return 2
    dir=$(find chapters -mindepth 1 -maxdepth 1 -type d -name "$nn-*" | head -n1)
    if [ -z "$dir" ]; then
        echo "there is no chapter $nn: the chapters are 01 to $(last_chapter) (\`make help\` lists what to do with them)" >&2
        return 2
    fi
    echo "$dir"
}

# chapter_package NN: the chapter's package, ch05-poll for 05.
chapter_package() {
    local dir
    dir=$(chapter_dir "$1") || return 2
    echo "ch$(basename "$dir")"
}

# all_exercises: every exercise's directory, by chapter, then by number.
all_exercises() {
    find chapters -mindepth 3 -maxdepth 3 -path '*/exercises/*' -type d | sort
}

# exercise_id DIR: chapters/01-blocking/exercises/1-echo -> 01-1.
exercise_id() {
    local dir=$1 chapter ex
    chapter=$(basename "$(dirname "$(dirname "$dir")")")
    ex=$(basename "$dir")
    echo "${chapter%%-*}-${ex%%-*}"
}

# exercise_dir ID: the directory of exercise ID (01-1), or one line on
# stderr and status 2.
exercise_dir() {
    local want=$1 dir
    for dir in $(all_exercises); do
        if [ "$(exercise_id "$dir")" = "$want" ]; then
            echo "$dir"
            return 0
        fi
    done
    echo "there is no exercise $want: \`make exercises\` lists them" >&2
    return 2
}

# package_of DIR: the package name in DIR/Cargo.toml.
package_of() {
    sed -n 's/^name *= *"\(.*\)"/\1/p' "$1/Cargo.toml" | head -n1
}

# title_of DIR: the first heading of DIR/README.md.
title_of() {
    sed -n '1s/^# *//p' "$1/README.md"
}

# use_colour: true when stdout is a terminal and NO_COLOR is not set
# (https://no-color.org), so that output sent to a file has no escape codes.
use_colour() {
    [ -t 1 ] && [ -z "${NO_COLOR:-}" ]
}

# bold TEXT...: prints the text, in bold on a terminal, plain elsewhere
# (call it directly: inside `$(...)` stdout is never a terminal).
bold() {
    if use_colour; then printf '\033[1m%s\033[0m' "$*"; else printf '%s' "$*"; fi
}

# test_executables CARGO-TEST-ARGS...: builds the test targets `cargo test
# CARGO-TEST-ARGS --no-run` would run and prints where each executable is,
# one a line, as cargo reports them (this honours CARGO_TARGET_DIR and every
# other cargo setting).
test_executables() {
    cargo test -q --no-run --message-format=json "$@" |
        grep -o '"executable":"[^"]*"' | cut -d'"' -f4
}

# test_executable PACKAGE TEST: builds PACKAGE's integration test TEST and
# prints where its executable is. Only that target's: cargo also reports
# the package's binaries (integration tests may run them), in no fixed
# order.
test_executable() {
    cargo test -q --no-run --message-format=json -p "$1" --test "$2" |
        grep '"kind":\["test"\]' | grep "\"name\":\"$2\"" |
        grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | tail -n1
}
