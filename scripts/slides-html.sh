#!/usr/bin/env bash
# `make slides-html`: every deck in slides/ to target/slides/NAME.html, plus
# an index.html that links them. Needs no terminal (see slides/presenterm.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
presenterm=${1:?usage: slides-html.sh PATH-TO-PRESENTERM}
out=target/slides
mkdir -p "$out"
rows=""
count=0
for deck in slides/[0-9][0-9]-*.md; do
    name=$(basename "$deck" .md)
    title=$(sed -n 's/^title: *//p' "$deck" | head -n1 | tr -d '"')
    slides=$(( $(grep -c '^<!-- end_slide -->' "$deck") + 1 ))
    # presenterm writes terminal control codes while it works; keep them in a
    # log and show it only if the export fails.
    if ! "$presenterm" --image-protocol ascii-blocks --config-file slides/presenterm.yaml \
            --export-html "$deck" -o "$out/$name.html" </dev/null >"$out/$name.log" 2>&1; then
        echo "slides-html: exporting $deck failed:" >&2
        sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$out/$name.log" | tail -20 >&2
        exit 1
    fi
    rm -f "$out/$name.log"
    echo "  $deck -> $out/$name.html ($slides slides)"
    rows+="<li><a href=\"$name.html\">${name%%-*}: ${title}</a> <small>($slides slides)</small></li>"$'\n'
    count=$((count + 1))
done
cat > "$out/index.html" <<HTML
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ghetto-loop: async under the hood, the slides</title>
<style>body{font-family:sans-serif;max-width:46em;margin:3em auto;line-height:1.6}</style></head>
<body>
<h1>ghetto-loop: async under the hood</h1>
<p>One deck per chapter. Present them in a terminal with <code>make slides CH=NN</code>.</p>
<ol start="0">
$rows</ol>
</body>
</html>
HTML
echo "slides-html: $count decks and $out/index.html written."
