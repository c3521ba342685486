#!/usr/bin/env bash
# Maps a chapter number to its package: `chapter.sh 05` prints ch05-poll.
set -euo pipefail
cd "$(dirname "$0")/.."
nn=$(printf '%02d' "$((10#${1:?usage: chapter.sh NN}))")
dir=$(find chapters -mindepth 1 -maxdepth 1 -type d -name "$nn-*" | head -n1)
if [ -z "$dir" ]; then
    echo "no chapter $nn; the chapters are:" >&2
    ls chapters >&2
    exit 2
fi
echo "ch$(basename "$dir")"
