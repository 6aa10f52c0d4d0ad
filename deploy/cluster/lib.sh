# SPDX-License-Identifier: AGPL-3.0-or-later
# deploy/cluster/lib.sh — shared by deploy/cluster/{up,fail,heal,state,sync,down}.
# Source it after `set -euo pipefail`; it sources scripts/lib/common.sh
# (pnyx_as_pg, pnyx_pg_reachable, pnyx_ensure_packages, $PNYX_PGBIN).
#
# Layout of a cluster directory DIR (everything lives there):
#   cluster.env            KEY=VALUE, shell-sourceable (see README.md)
#   pg/monitor pg/node1 pg/node2   PostgreSQL data directories (pg_autoctl;
#                          pg/ belongs to the PostgreSQL user)
#   pg/backup/             pg_autoctl's pg_basebackup staging area
#   xdg/                   pg_autoctl's config, state and pid files
#   run/                   unix sockets (PostgreSQL, HAProxy stats)
#   pnyxd-data/            the data directory every pnyxd shares (signing key)
#   haproxy.cfg            HAProxy configuration (deploy/cluster/haproxy-config)
#   logs/NAME.log          one log per process
#   pids/NAME.pid          one line: the pid of a process that leads its own
#                          session (setsid), so its process group is exactly
#                          that piece and all it started
#   failed                 what `fail` killed and `heal` restarts
# shellcheck shell=bash disable=SC2034 # the scripts that source it use them

CLUSTER_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/common.sh
. "$CLUSTER_LIB_DIR/../../scripts/lib/common.sh"

PG_AUTOCTL=/usr/bin/pg_autoctl
HAPROXY=/usr/sbin/haproxy
CL_NODES=(node1 node2)
# the prefix that runs a command as the PostgreSQL user (pnyx_as_pg, for
# commands under `timeout`)
CL_AS_PG=()
if [ "$(id -u)" = 0 ]; then CL_AS_PG=(runuser -u postgres --); fi

cl_log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# cl_dir DIR: the absolute path of DIR (which must exist).
cl_dir() {
    [ -d "$1" ] || pnyx_die "no such directory: $1"
    (cd "$1" && pwd)
}

cl_env_load() {
    [ -f "$DIR/cluster.env" ] || pnyx_die "$DIR/cluster.env not found: no cluster was brought up there"
    # shellcheck disable=SC1091
    . "$DIR/cluster.env"
}

# The environment pg_autoctl runs in: its config, state and pid files under
# DIR/xdg, sockets in DIR/run, PostgreSQL 15's binaries first on PATH.
cl_pg_env() {
    printf '%s\n' "XDG_CONFIG_HOME=$DIR/xdg/config" "XDG_DATA_HOME=$DIR/xdg/data" \
        "XDG_RUNTIME_DIR=$DIR/xdg/run" "PGHOST=$DIR/run" "PATH=$PNYX_PGBIN:/usr/bin:/bin" \
        "HOME=$DIR/xdg" "PG_AUTOCTL_DEBUG=" "LC_ALL=C"
}

# cl_autoctl ARGS...: pg_autoctl as the PostgreSQL user in that environment
# (bounded: 60 s).
cl_autoctl() {
    local -a e
    mapfile -t e < <(cl_pg_env)
    (cd "$DIR" && timeout -k 5 60 "${CL_AS_PG[@]}" env -i "${e[@]}" "$PG_AUTOCTL" "$@")
}

# cl_psql PORT DB SQL: one query over the unix socket, unaligned output
# (bounded: 10 s).
cl_psql() {
    PGCONNECT_TIMEOUT=3 timeout -k 2 10 "${CL_AS_PG[@]}" "$PNYX_PGBIN/psql" -X -h "$DIR/run" -p "$1" \
        -U postgres -d "$2" -tAq -v ON_ERROR_STOP=1 -c "$3"
}

# cl_monitor_sql SQL: a query on the monitor's database (bounded: 5 s).
cl_monitor_sql() {
    PGCONNECT_TIMEOUT=3 timeout -k 2 5 \
        "$PNYX_PGBIN/psql" -X -h 127.0.0.1 -p "$MONITOR_PORT" -U autoctl_node -d pg_auto_failover \
        -tAq -F ' ' -v ON_ERROR_STOP=1 -c "$1"
}

# --- processes --------------------------------------------------------------
# cl_spawn NAME AS CMD...: starts CMD in a new session (its own process
# group) in the background, as AS (root or postgres), logging to
# DIR/logs/NAME.log; DIR/pids/NAME.pid gets its pid (= its group id).
cl_spawn() {
    local name=$1 as=$2
    shift 2
    local pidf="$DIR/pids/$name.pid" logf="$DIR/logs/$name.log"
    rm -f "$pidf"
    printf -- '--- %s start %s\n' "$name" "$(date -u +%FT%TZ)" >>"$logf"
    # The pid file is written by root: sh writes its own pid ($$) there
    # before exec, so the pid is the session leader's.
    local -a pre=()
    if [ "$as" = postgres ] && [ "$(id -u)" = 0 ]; then pre=(runuser -u postgres --); fi
    # shellcheck disable=SC2016 # $$ and $0 belong to the inner sh
    "${pre[@]}" setsid -f sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidf" "$@" \
        >>"$logf" 2>&1 </dev/null
    local i
    for i in $(seq 50); do
        [ -s "$pidf" ] && return 0
        sleep 0.1
    done
    pnyx_die "$name did not start (no pid file after 5 s; see $logf)"
}

# cl_pid NAME: the recorded pid (empty when none).
cl_pid() { cat "$DIR/pids/$1.pid" 2>/dev/null || true; }

# cl_group_alive PGID: true while any process is in that group.
cl_group_alive() { [ -n "$1" ] && kill -0 -- "-$1" 2>/dev/null; }

# cl_stop NAME [GRACE]: SIGTERM to NAME's process group, SIGKILL after
# GRACE seconds (default 15); returns when the group is empty.
cl_stop() {
    local name=$1 grace=${2:-15} pid i t0=$SECONDS tree
    pid=$(cl_pid "$name")
    [ -n "$pid" ] || return 0
    tree=$(cl_tree "$pid" | tr '\n' ' ')
    if cl_group_alive "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for i in $(seq $((grace * 10))); do
            cl_group_alive "$pid" || break
            sleep 0.1
        done
        if cl_group_alive "$pid"; then
            cl_log "$name: still running after ${grace}s, SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    # what the group started in sessions of their own (PostgreSQL children)
    # shellcheck disable=SC2086
    for i in $(seq 50); do
        cl_alive $tree || break
        sleep 0.1
    done
    local left="" p
    for p in $tree; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
    # shellcheck disable=SC2086
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
    [ $((SECONDS - t0)) -lt 3 ] || cl_log "$name took $((SECONDS - t0))s to stop"
    rm -f "$DIR/pids/$name.pid"
}

# cl_tree PGID: every process of that group and all their descendants
# (PostgreSQL's postmaster puts each child in a session of its own, so a
# process group alone misses backends, walsenders and the checkpointer).
cl_tree() {
    ps -eo pid=,ppid=,pgid= | awk -v g="$1" '
        { pid[NR] = $1; ppid[NR] = $2; if ($3 == g) keep[$1] = 1 }
        END {
            do {
                more = 0
                for (i = 1; i <= NR; i++)
                    if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; more = 1 }
            } while (more)
            for (p in keep) print p
        }'
}

# cl_kill NAME: SIGKILL NAME's process group and everything it started, at
# once (a dead machine).
cl_kill() {
    local name=$1 pid i pids
    pid=$(cl_pid "$name")
    [ -n "$pid" ] || pnyx_die "$name: no pid recorded"
    pids=$(cl_tree "$pid" | tr '\n' ' ')
    # shellcheck disable=SC2086
    kill -KILL -- "-$pid" $pids 2>/dev/null || true
    for i in $(seq 100); do
        # shellcheck disable=SC2086
        cl_alive $pids || break
        sleep 0.05
    done
    rm -f "$DIR/pids/$name.pid"
}

# cl_alive PID...: true if one of them is still running.
cl_alive() {
    local p
    for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
    return 1
}

# cl_strays: pids of processes that name DIR on their command line and are
# not in a recorded group (a pg_autoctl or postgres left over by a failed
# run). Never this shell or its ancestors.
cl_strays() {
    local me=$$
    ps -eo pid=,args= | while read -r pid args; do
        [ "$pid" = "$me" ] && continue
        case " $args " in
        *" $DIR/"* | *"=$DIR/"* | *" $DIR "*) ;;
        *) continue ;;
        esac
        case "$args" in
        *deploy/cluster/*) continue ;; # the scripts themselves (up/down DIR)
        esac
        echo "$pid"
    done
}

# --- ports --------------------------------------------------------------------
# cl_free_port: a loopback TCP port that no socket uses and not yet handed
# out by this run (CL_TAKEN), below the kernel's ephemeral range (where
# outgoing connections, many under load, would take it between our choice
# and the bind).
CL_TAKEN=" "
cl_free_port() {
    local p i lo=10000 hi=32767 eph
    eph=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    if [ "${eph:-0}" -gt $((lo + 1000)) ]; then hi=$((eph - 1)); fi
    for i in $(seq 200); do
        p=$((lo + RANDOM % (hi - lo + 1)))
        case $CL_TAKEN in *" $p "*) continue ;; esac
        if command -v ss >/dev/null; then
            [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] || continue
        elif (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            continue
        fi
        CL_TAKEN="$CL_TAKEN$p "
        echo "$p"
        return 0
    done
    pnyx_die "no free port found"
}

# --- the formation --------------------------------------------------------------
# cl_nodes: "name port reportedstate goalstate" per PostgreSQL node.
cl_nodes() {
    cl_monitor_sql "SELECT nodename, nodeport, reportedstate, goalstate FROM pgautofailover.node
                    WHERE formationid = 'default' ORDER BY nodeid"
}

# cl_primary: name and port of the node that serves writes (primary,
# wait_primary or single, assigned and reported alike); empty if none.
cl_primary() {
    cl_monitor_sql "SELECT nodename, nodeport FROM pgautofailover.node
                    WHERE formationid = 'default'
                      AND reportedstate IN ('primary','wait_primary','single')
                      AND goalstate IN ('primary','wait_primary','single')
                    ORDER BY nodeid LIMIT 1"
}

# cl_formation_healthy: exactly one primary and every other node a
# secondary, reported as assigned.
cl_formation_healthy() {
    local n
    n=$(cl_monitor_sql "SELECT count(*) FILTER (WHERE reportedstate = 'primary' AND goalstate = 'primary') = 1
                             AND count(*) FILTER (WHERE reportedstate = 'secondary' AND goalstate = 'secondary') = count(*) - 1
                        FROM pgautofailover.node WHERE formationid = 'default'" 2>/dev/null) || return 1
    [ "$n" = t ]
}

# cl_wait SECONDS WHAT CMD...: polls CMD every 0.2 s until it succeeds;
# dies after SECONDS.
cl_wait() {
    local secs=$1 what=$2
    shift 2
    local end=$((SECONDS + secs))
    while ! "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || pnyx_die "timed out after ${secs}s waiting for $what"
        sleep 0.2
    done
}

cl_http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# --- pnyxd --------------------------------------------------------------------
# cl_pnyxd_env I: the environment of pnyxd I (1-based), from cluster.env.
cl_pnyxd_env() {
    local i=$1 port
    port=$(echo "$PNYXD_PORTS" | cut -d' ' -f"$i")
    printf '%s\n' "PATH=/usr/bin:/bin" "PNYX_DATABASE_URL=$DATABASE_URL" \
        "PNYX_DATABASE_READ_URL=$DATABASE_READ_URL" "PNYX_DATA_DIR=$DIR/pnyxd-data" \
        "PNYX_STATIC_DIR=$PNYX_REPO/static" "PNYX_SQL_DIR=$PNYX_REPO/sql" \
        "PNYX_LISTEN=127.0.0.1:$port" "PNYX_LOG_LEVEL=${PNYX_LOG_LEVEL:-info}" "PNYX_WORKERS=1" \
        "PNYX_TRUSTED_PROXIES=127.0.0.1" "PNYX_MAX_PER_IP=1024"
    # Every connection comes from HAProxy (127.0.0.1): its X-Forwarded-For
    # gives the client to the login throttle and /metrics, and the
    # per-address socket limit must exceed HAProxy's maxconn 512 per pnyxd.
    # Extra settings for every pnyxd (e.g. PNYX_DB_TIMEOUT=2), one
    # KEY=VALUE per line in DIR/pnyxd.env when the caller wants them.
    if [ -f "$DIR/pnyxd.env" ]; then grep -E '^PNYX_[A-Z0-9_]+=' "$DIR/pnyxd.env" || true; fi
}

# cl_pnyxd_start I: starts pnyxd I (does not wait).
cl_pnyxd_start() {
    local -a e
    mapfile -t e < <(cl_pnyxd_env "$1")
    cl_spawn "pnyxd$1" root env -i "${e[@]}" "$PNYXD" serve
}

cl_pnyxd_wait() {
    local port
    port=$(echo "$PNYXD_PORTS" | cut -d' ' -f"$1")
    cl_wait "${2:-60}" "pnyxd$1 /readyz on port $port" cl_http_ok "http://127.0.0.1:$port/readyz"
}

# cl_pnyxd_pids: the pids of the running pnyxd, space-separated, in order
# (0 for one that is down).
cl_pnyxd_pids() {
    local i out="" p
    for i in $(seq "$PNYXD_COUNT"); do
        p=$(cl_pid "pnyxd$i")
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then out="$out $p"; else out="$out 0"; fi
    done
    echo "${out# }"
}

# cl_haproxy_all_up: HAProxy's stats list every pnyxd as UP.
cl_haproxy_all_up() {
    local up
    up=$(curl -fsS --max-time 2 "$HAPROXY_STATS_URL;csv" | awk -F, '$1 == "pnyxd" && $2 ~ /^pnyxd[0-9]+$/ && $18 == "UP"' | wc -l)
    [ "$up" -eq "$PNYXD_COUNT" ]
}

# cl_env_line KEY VALUE: KEY='VALUE' (values never hold a quote), so both
# a shell (`. DIR/cluster.env`) and a line parser that strips the quotes
# read it.
cl_env_line() {
    case $2 in *"'"*) pnyx_die "cluster.env: a quote in $1" ;; esac
    printf "%s='%s'\n" "$1" "$2"
}

# cl_env_set KEY VALUE: replaces KEY's line in DIR/cluster.env.
cl_env_set() {
    local tmp="$DIR/cluster.env.tmp"
    grep -v "^$1=" "$DIR/cluster.env" >"$tmp" || true
    cl_env_line "$1" "$2" >>"$tmp"
    mv "$tmp" "$DIR/cluster.env"
}

# cl_node_start NAME: `pg_autoctl run` for a PostgreSQL node or the monitor.
cl_node_start() {
    local -a e
    mapfile -t e < <(cl_pg_env)
    cl_spawn "$1" postgres env -i "${e[@]}" "$PG_AUTOCTL" run --pgdata "$DIR/pg/$1"
}
