#!/usr/bin/env bash
# Maps a chapter number to its package: `chapter.sh 05` prints ch05-poll.
# A chapter that does not exist gets one line on stderr and status 2.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
chapter_package "${1:?usage: chapter.sh NN}"
