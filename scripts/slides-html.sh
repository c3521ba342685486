#!/usr/bin/env bash
# `make slides-html`: every deck in slides/ to target/slides/NAME.html, plus
# an index.html that links them. Needs no terminal (see slides/presenterm.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
presenterm=${1:?usage: slides-html.sh PATH-TO-PRESENTERM}
out=target/slides
mkdir -p "$out"
for deck in slides/[0-9][0-9]-*.md; do
    name=$(basename "$deck" .md)
    # presenterm writes terminal control codes while it works; keep them in a
    # log and show it only if the export fails.
    if ! "$presenterm" --image-protocol ascii-blocks --config-file slides/presenterm.yaml \
            --export-html "$deck" -o "$out/$name.html" </dev/null >"$out/$name.log" 2>&1; then
        echo "slides-html: exporting $deck failed:" >&2
        sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$out/$name.log" | tail -20 >&2
        exit 1
    fi
    rm -f "$out/$name.log"
    echo "  $deck -> $out/$name.html"
done
# The index (titles, slide counts) is written by the course kit, where the
# same rules are tested (course/src/slides.rs).
cargo run -q -p course --bin slides-index -- slides "$out/index.html"
