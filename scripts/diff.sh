#!/usr/bin/env bash
# `make diff CH=NN`: what chapter NN adds to chapter NN-1.
#
# Two views: the chapter crates' own code side by side (the server you ran in
# NN-1 next to the one you run in NN), and the runtime files chapter NN brings
# to ghetto-loop, listed in its Cargo.toml under [package.metadata.course]
# `runtime = [...]`.
#
# On a terminal it is coloured and paged ($PAGER, else `less -RFX`); piped or
# redirected, it is plain text.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
new_dir=$(chapter_dir "${1:?usage: diff.sh NN}") || exit 2
nn=$(pad "$1")
old_dir=""
[ "$nn" = 01 ] || old_dir=$(chapter_dir "$((10#$nn - 1))" 2>/dev/null) || true

runtime_files() { # the `runtime = [...]` list of a chapter's Cargo.toml (one line or several)
    awk '/^\[package.metadata.course\]/ { in_section = 1; next }
         /^\[/ { in_section = 0 }
         in_section && /^runtime *=/ { in_list = 1 }
         in_list { sub(/#.*/, ""); print; if (/\]/) in_list = 0 }' "$1/Cargo.toml" \
        | sed 's/^runtime *= *//' | tr -d '[]",' | tr ' ' '\n' | sed '/^$/d'
}

show() { # the two views, chapter first, then the runtime
    if [ -n "$old_dir" ]; then
        echo "### $old_dir/src -> $new_dir/src"
        git --no-pager diff --no-index --color="$color" --stat "$old_dir/src" "$new_dir/src" || true
        git --no-pager diff --no-index --color="$color" "$old_dir/src" "$new_dir/src" || true
    fi
    files=$(runtime_files "$new_dir")
    if [ -n "$files" ]; then
        echo
        echo "### what chapter $nn adds to ghetto-loop"
        for f in $files; do
            echo "--- ghetto-loop/$f ($(wc -l < "ghetto-loop/$f") lines)"
        done
        # A chapter that brings one file is shown as a diff against the first
        # file the chapter before it lists (its main one), so a new backend reads
        # as what changed from the one before (select.rs -> poll.rs).
        old_main=$([ -n "$old_dir" ] && runtime_files "$old_dir" | head -n1 || true)
        if [ -n "$old_main" ] && [ "$(echo "$files" | wc -l)" -eq 1 ]; then
            git --no-pager diff --no-index --color="$color" "ghetto-loop/$old_main" "ghetto-loop/$files" || true
        else
            for f in $files; do cat "ghetto-loop/$f"; done
        fi
    fi
}

if use_colour; then
    color=always
    # `less -R` shows the colours; -F leaves a diff that fits on one screen
    # on it, -X keeps it there after quitting.
    show | ${PAGER:-less -RFX}
else
    color=never
    show
fi
