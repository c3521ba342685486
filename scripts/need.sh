#!/usr/bin/env bash
# `need.sh COMMAND PACKAGE "what it is for"`: exits 0 when COMMAND is
# installed; otherwise says in one line how to install it and exits 1.
# The Makefile asks this instead of installing system packages itself.
set -euo pipefail
if [ $# -ne 3 ]; then
    echo "usage: need.sh COMMAND PACKAGE \"what it is for\"" >&2
    exit 2
fi
command=$1 package=$2 purpose=$3
command -v "$command" >/dev/null 2>&1 && exit 0
echo "$command is missing ($purpose); install it with: sudo apt-get install -y $package" >&2
exit 1
