#!/usr/bin/env bash
# `need.sh COMMAND PACKAGE "what it is for"`: exits 0 when COMMAND is
# installed. When it is not, installs PACKAGE with apt-get if this can be
# done without asking anyone for a password (as root, or with sudo that
# needs none), saying so first; otherwise says in one line how to install
# it and exits 1, and the caller decides whether to go on without it.
# GHETTO_NO_INSTALL=1 skips the installing (the self-test uses it).
set -euo pipefail
if [ $# -ne 3 ]; then
    echo "usage: need.sh COMMAND PACKAGE \"what it is for\"" >&2
    exit 2
fi
command=$1 package=$2 purpose=$3
command -v "$command" >/dev/null 2>&1 && exit 0
if [ "${GHETTO_NO_INSTALL:-}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo -n"
        $sudo true 2>/dev/null || sudo=none
    fi
    if [ "$sudo" != none ]; then
        echo "installing $package ($purpose), first use only: apt-get install -y $package" >&2
        if { $sudo apt-get install -y -qq "$package" >/dev/null 2>&1 ||
            { $sudo apt-get update -qq >/dev/null 2>&1 &&
                $sudo apt-get install -y -qq "$package" >/dev/null 2>&1; }; } &&
            command -v "$command" >/dev/null 2>&1; then
            exit 0
        fi
        echo "apt-get could not install $package" >&2
    fi
fi
echo "$command is missing ($purpose); install it with: sudo apt-get install -y $package" >&2
exit 1
