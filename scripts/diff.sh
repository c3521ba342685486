#!/usr/bin/env bash
# `make diff CH=NN`: what chapter NN adds to chapter NN-1.
#
# Two views: the chapter crates' own code side by side (the server you ran in
# NN-1 next to the one you run in NN), and the runtime files chapter NN brings
# to ghetto-loop, listed in its Cargo.toml under [package.metadata.course]
# `runtime = [...]`.
set -euo pipefail
cd "$(dirname "$0")/.."
nn=$(printf '%02d' "$((10#${1:?usage: diff.sh NN}))")
prev=$(printf '%02d' "$((10#$nn - 1))")
new_dir=$(find chapters -mindepth 1 -maxdepth 1 -type d -name "$nn-*" | head -n1)
old_dir=$(find chapters -mindepth 1 -maxdepth 1 -type d -name "$prev-*" | head -n1)
[ -n "$new_dir" ] || { echo "no chapter $nn" >&2; exit 2; }

runtime_files() { # the `runtime = [...]` list of a chapter's Cargo.toml
    sed -n '/^\[package.metadata.course\]/,/^\[/p' "$1/Cargo.toml" \
        | sed -n 's/^runtime *= *\[\(.*\)\]/\1/p' | tr -d '",' | tr ' ' '\n' | sed '/^$/d'
}

color=$([ -t 1 ] && echo always || echo never)
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
    # Against the previous chapter's runtime files, when it named any, so a
    # new backend reads as a diff of the one before (select -> poll).
    old_files=$([ -n "$old_dir" ] && runtime_files "$old_dir" || true)
    if [ -n "$old_files" ] && [ "$(echo "$files" | wc -l)" -eq 1 ] && [ "$(echo "$old_files" | wc -l)" -eq 1 ]; then
        git --no-pager diff --no-index --color="$color" "ghetto-loop/$old_files" "ghetto-loop/$files" || true
    else
        for f in $files; do cat "ghetto-loop/$f"; done
    fi
fi
