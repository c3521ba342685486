#!/usr/bin/env bash
# Every `make ...` command in README.md's code blocks still works, so the
# README cannot rot.
#
# 1. Each command's target must be listed by `make help`.
# 2. The quick, non-interactive ones are run and must exit 0: chapter demos,
#    `make exercises`, `make hint`, `make diff`, `make help`...
# 3. `make serve` is started on a free port (ADDR=127.0.0.1:0), must print
#    `listening on ADDR`, and must echo a line sent through `make client`;
#    then it is stopped.
# 4. The rest are only checked: `tour`, `test`, `check` and `slides-html` are
#    run by CI itself (.ci/run); `slides` is interactive (its deck must
#    exist); `bench` and `soak` take minutes; `chNN` in prose is a
#    placeholder.
#
# Commands are taken from the fenced code blocks and from `inline code` in
# the text alike.
#
# A command this script does not know fails it: teach it how to check the
# new command, here, when you add one to the README.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

readme=${1:-README.md} # another file, to test this script
log_dir=$(mktemp -d)
server_pgid=""
cleanup() {
    # Stop the server we started (its whole process group: make, cargo and
    # the chapter binary), if it is still running.
    if [ -n "$server_pgid" ]; then kill -- "-$server_pgid" 2>/dev/null || true; fi
    rm -rf "$log_dir"
}
trap cleanup EXIT

# The `make ...` lines of every fenced code block (comments and trailing
# blanks removed), then every `make ...` in inline code in the text; each once.
mapfile -t commands < <(
    {
        awk '/^```/ { inside = !inside; next } inside' "$readme" |
            sed -n 's/^[[:space:]]*\(make\( [^#]*\)\{0,1\}\)\(#.*\)\{0,1\}$/\1/p'
        awk '/^```/ { inside = !inside; next } !inside' "$readme" |
            grep -o '`make[^`]*`' | tr -d '`' || true
    } | sed 's/[[:space:]]*$//' | awk '!seen[$0]++'
)
if [ ${#commands[@]} -eq 0 ]; then
    echo "readme-commands: no make command found in $readme's code blocks" >&2
    exit 1
fi

# Targets as `make help` lists them (`chNN` stands for ch01, ch02...).
mapfile -t targets < <(make -s help | sed -n 's/^  make \([^ ]*\).*/\1/p')
listed() {
    local want=$1 t
    [[ $want =~ ^ch[0-9][0-9]$ ]] && want=chNN
    for t in "${targets[@]}"; do [ "$t" = "$want" ] && return 0; done
    return 1
}

failed=0
ran=0
checked=0
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }

# Runs a command with a bound; shows its output only if it fails.
run() {
    local cmd=$1 limit=$2 out="$log_dir/out"
    if timeout "$limit" bash -c "$cmd" >"$out" 2>&1; then
        echo "ok    $cmd"
        ran=$((ran + 1))
    else
        fail "$cmd (exit $?):"
        tail -20 "$out" | sed 's/^/      /'
    fi
}

# `make serve` on a free port, then `make client` against it.
serve_and_client() {
    local cmd=$1 ch out="$log_dir/serve" addr=""
    ch=$(sed -n 's/.*CH=\([0-9][0-9]*\).*/\1/p' <<<"$cmd")
    [ -n "$ch" ] || { fail "$cmd: no CH=NN"; return; }
    # A session of its own, so the whole group can be stopped afterwards.
    setsid make -s serve CH="$ch" ADDR=127.0.0.1:0 >"$out" 2>&1 </dev/null &
    server_pgid=$!
    for _ in $(seq 1 600); do # up to 5 minutes: the first build compiles
        addr=$(sed -n 's/^listening on \(.*\)$/\1/p' "$out" | head -n1)
        [ -n "$addr" ] && break
        kill -0 "$server_pgid" 2>/dev/null || break
        sleep 0.5
    done
    if [ -z "$addr" ]; then
        fail "make serve CH=$ch ADDR=127.0.0.1:0 never printed 'listening on ADDR':"
        tail -20 "$out" | sed 's/^/      /'
    else
        echo "ok    make serve CH=$ch ADDR=127.0.0.1:0 (listening on $addr)"
        ran=$((ran + 1))
        local reply
        reply=$(printf 'hello from the README\n' |
            timeout 120 make -s client CH="$ch" ADDR="$addr" 2>/dev/null || true)
        if [ "$reply" = "hello from the README" ]; then
            echo "ok    make client CH=$ch ADDR=$addr (echoed)"
            ran=$((ran + 1))
        else
            fail "make client CH=$ch ADDR=$addr: sent a line, got back: ${reply:-nothing}"
        fi
    fi
    kill -- "-$server_pgid" 2>/dev/null || true
    wait "$server_pgid" 2>/dev/null || true
    server_pgid=""
}

served=()
for cmd in "${commands[@]}"; do
    read -r _ target _ <<<"$cmd"
    target=${target:-help}
    if ! listed "$target"; then
        fail "$cmd: \`make help\` does not list a target '$target'"
        continue
    fi
    case $target in
        tour | test | check | slides-html)
            echo "ci    $cmd (run by .ci/run)"
            checked=$((checked + 1))
            ;;
        bench | bench-quick | bench-publish | bench-counts)
            echo "skip  $cmd (needs a bench run: minutes of load; the target exists)"
            checked=$((checked + 1))
            ;;
        soak)
            echo "skip  $cmd (ten minutes of fault runs, memcheck and a soak; the target exists)"
            checked=$((checked + 1))
            ;;
        slides)
            # Interactive: check that the deck it would show exists.
            ch=$(sed -n 's/.*CH=\([0-9][0-9]*\).*/\1/p' <<<"$cmd")
            if [ -z "$ch" ]; then
                echo "skip  $cmd (interactive, and no CH=NN: the target exists)"
                checked=$((checked + 1))
            elif ls "slides/$(pad "$ch")"-*.md >/dev/null 2>&1; then
                echo "deck  $cmd (interactive; the deck exists)"
                checked=$((checked + 1))
            else
                fail "$cmd: no deck slides/$ch-*.md"
            fi
            ;;
        serve | client)
            # One server per chapter, started once for both commands.
            ch=$(sed -n 's/.*CH=\([0-9][0-9]*\).*/\1/p' <<<"$cmd")
            if [[ " ${served[*]-} " != *" $ch "* ]]; then
                served+=("$ch")
                serve_and_client "$cmd"
            fi
            ;;
        exercise)
            # Starting an exercise creates the learner's mine.rs: only do it
            # where there is none, and remove the copy afterwards.
            ex=$(sed -n 's/.*EX=\([0-9-]*\).*/\1/p' <<<"$cmd")
            dir=$(exercise_dir "$ex" 2>/dev/null) || dir=""
            if [ -z "$dir" ]; then
                fail "$cmd: no exercise $ex"
            elif [ -e "$dir/mine.rs" ]; then
                echo "skip  $cmd (you have a $dir/mine.rs; not touching it)"
                checked=$((checked + 1))
            else
                run "$cmd" 120
                rm -f "$dir/mine.rs"
            fi
            ;;
        help | exercises | hint | diff)
            run "$cmd" 300
            ;;
        ch[0-9][0-9])
            run "$cmd" 600
            ;;
        chNN)
            echo "skip  $cmd (a placeholder; the chapters' own commands are run)"
            checked=$((checked + 1))
            ;;
        *)
            fail "$cmd: this script does not know how to check '$target'; teach it"
            ;;
    esac
done

echo
echo "readme-commands: ${#commands[@]} commands in $readme: $ran run, $checked checked only, $failed failed."
[ "$failed" -eq 0 ]
