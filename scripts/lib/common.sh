# SPDX-License-Identifier: AGPL-3.0-or-later
# scripts/lib/common.sh — shared by scripts/run, scripts/test and bench:
# Debian package checks, the CMake build, and private PostgreSQL clusters.
# Source it; it defines functions only (and $PNYX_REPO, $PNYX_PGBIN).
# shellcheck shell=bash

PNYX_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PNYX_PGBIN=/usr/lib/postgresql/15/bin

# Packages to build and run pnyxd with a private PostgreSQL 15.
PNYX_RUN_PACKAGES=(build-essential cmake pkg-config libmicrohttpd-dev libpq-dev libjansson-dev
                   libsodium-dev libargon2-dev postgresql-15 ca-certificates)
# Extra packages for the test suite (browser tests use Debian's chromium).
PNYX_TEST_PACKAGES=(libcriterion-dev libcurl4-openssl-dev chromium python3 python3-cryptography)

pnyx_log() { printf '%s\n' "$*" >&2; }
pnyx_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root (directly, or through sudo for a normal user).
pnyx_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the named Debian packages that are missing. `dpkg -s` first, so
# a second run neither calls apt-get nor needs the network.
pnyx_ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    pnyx_log "installing missing Debian packages: ${missing[*]}"
    command -v apt-get >/dev/null || pnyx_die "apt-get not found: install ${missing[*]} by hand"
    pnyx_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    pnyx_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

# pnyx_build <build-dir> <cmake -D args...>: configure (if needed) and build.
pnyx_build() {
    local dir=$1
    shift
    cmake -S "$PNYX_REPO" -B "$dir" "$@" >/dev/null ||
        pnyx_die "cmake configure failed (see above)"
    cmake --build "$dir" -j "$(nproc)" || pnyx_die "build failed"
}

# --- PostgreSQL clusters ----------------------------------------------------
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` user (runuser); a normal user owns their own cluster.
pnyx_pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
pnyx_as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Makes every ancestor of $1 traversable by the postgres user (as root,
# e.g. a checkout under /root, mode 700). Only adds o+x, never read.
pnyx_pg_reachable() {
    [ "$(id -u)" = 0 ] || return 0
    local d
    d=$(cd "$1" && pwd)
    while [ "$d" != / ]; do
        if ! runuser -u postgres -- test -x "$d"; then
            pnyx_log "note: chmod o+x $d so the postgres user can reach the cluster"
            chmod o+x "$d"
        fi
        d=$(dirname "$d")
    done
}

# pnyx_pg_init <dir> [extra postgresql.conf lines...]: creates a cluster in
# <dir>/data with its socket in <dir>/run (unix socket only, trust auth
# inside a 0700 directory) unless one exists. Prints nothing on reuse.
pnyx_pg_init() {
    local dir=$1
    shift
    mkdir -p "$dir/run"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir" "$dir/run"; fi
    chmod 700 "$dir/run"
    pnyx_pg_reachable "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pnyx_log "creating PostgreSQL cluster in $dir/data"
        pnyx_as_pg "$PNYX_PGBIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
            --locale=C --no-instructions >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; pnyx_die "initdb failed"; }
        {
            echo "# pnyx: private cluster, unix socket only"
            echo "listen_addresses = ''"
            echo "unix_socket_directories = '$dir/run'"
            echo "port = 5432"
            local line
            for line in "$@"; do echo "$line"; done
        } | pnyx_as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
    fi
}

pnyx_pg_running() { pnyx_as_pg "$PNYX_PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

# Starts the cluster in its own session, so a Ctrl-C in the terminal
# reaches pnyxd only; the caller stops the cluster afterwards.
pnyx_pg_start() {
    local dir=$1
    pnyx_as_pg setsid "$PNYX_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/run/postgresql.log" -w \
        -t 60 start >/dev/null || { tail -20 "$dir/run/postgresql.log" >&2; pnyx_die "PostgreSQL did not start"; }
}

pnyx_pg_stop() {
    pnyx_as_pg "$PNYX_PGBIN/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# pnyx_pg_createdb <dir> <name>: creates the database unless it exists.
pnyx_pg_createdb() {
    local dir=$1 name=$2
    if ! pnyx_as_pg "$PNYX_PGBIN/psql" -h "$dir/run" -p 5432 -U postgres -d postgres -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        pnyx_as_pg "$PNYX_PGBIN/createdb" -h "$dir/run" -p 5432 -U postgres "$name"
    fi
}
