#!/usr/bin/env bash
# `make tour`: every chapter's demo, in order, each under a heading.
# The course's main job: if this passes, every chapter runs first time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

chapters=$(find chapters -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9]-*' | sort)
echo "Building every chapter first, so the demos' timelines measure the demos."
cargo build -q --bins $(for c in $chapters; do printf -- '-p ch%s ' "$(basename "$c")"; done)

failed=()
for dir in $chapters; do
    name=$(basename "$dir")
    title=$(title_of "$dir")
    # Bold on a terminal only: `make tour > file` is plain text.
    echo
    bold "=== $name: $title ==="
    echo
    # Each demo ends by itself in seconds; the timeout only bounds a broken one.
    if ! timeout 120 cargo run -q -p "ch$name"; then
        echo "!!! ch$name's demo failed"
        failed+=("ch$name")
    fi
done
echo
if [ ${#failed[@]} -ne 0 ]; then
    echo "tour: ${#failed[@]} demo(s) failed: ${failed[*]}"
    exit 1
fi
echo "tour: all $(echo "$chapters" | wc -w) chapter demos ran and exited 0."
