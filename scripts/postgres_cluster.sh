# A throwaway PostgreSQL cluster for the store tests, sourced by scripts/test.sh (and usable by
# hand: `source scripts/postgres_cluster.sh && postgres_cluster_start`).
#
# postgres_cluster_start: initdb + pg_ctl from Debian's postgresql package
# (/usr/lib/postgresql/<version>/bin, the newest installed), in a new temporary directory, on a
# free port on 127.0.0.1 and a unix socket in that directory, trust authentication, fsync off
# (a test cluster). initdb refuses to run as root, so under root the cluster runs as the
# `postgres` user (created by the Debian package) or, without it, a system user
# `smime-pgtest` made here. On success it exports SMIME_TEST_POSTGRES_URL (an admin URL: the
# tests create a fresh database per test) and returns 0; on failure it prints why and
# returns 1. postgres_cluster_stop stops the cluster and removes the directory.

postgres_cluster_bin_dir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

postgres_cluster_start() {
    local bin user port
    bin="$(postgres_cluster_bin_dir)" || {
        echo "postgres: no initdb/pg_ctl under /usr/lib/postgresql/*/bin (Debian package postgresql)"
        return 1
    }
    POSTGRES_CLUSTER_DIR="$(mktemp -d "${TMPDIR:-/tmp}/smime-pgtest.XXXXXX")"
    POSTGRES_CLUSTER_RUN=()
    if [ "$(id -u)" = 0 ]; then
        user=postgres
        if ! id -u "$user" >/dev/null 2>&1; then
            user=smime-pgtest
            id -u "$user" >/dev/null 2>&1 ||
                useradd --system --no-create-home --shell /usr/sbin/nologin "$user" || return 1
        fi
        chown "$user" "$POSTGRES_CLUSTER_DIR"
        POSTGRES_CLUSTER_RUN=(runuser -u "$user" --)
    fi
    chmod 700 "$POSTGRES_CLUSTER_DIR"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    if ! "${POSTGRES_CLUSTER_RUN[@]}" "$bin/initdb" -D "$POSTGRES_CLUSTER_DIR/data" -U smime \
        --auth=trust --encoding=UTF8 --no-locale >"$POSTGRES_CLUSTER_DIR/initdb.log" 2>&1; then
        cat "$POSTGRES_CLUSTER_DIR/initdb.log"
        echo "postgres: initdb failed (log above)"
        return 1
    fi
    if ! "${POSTGRES_CLUSTER_RUN[@]}" "$bin/pg_ctl" -D "$POSTGRES_CLUSTER_DIR/data" \
        -l "$POSTGRES_CLUSTER_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $POSTGRES_CLUSTER_DIR -c fsync=off -c max_connections=200" \
        start >/dev/null; then
        cat "$POSTGRES_CLUSTER_DIR/server.log" 2>/dev/null
        echo "postgres: pg_ctl start failed (log above)"
        return 1
    fi
    export SMIME_TEST_POSTGRES_URL="postgres://smime@127.0.0.1:$port/postgres"
    echo "postgres: $("$bin/postgres" --version) running in $POSTGRES_CLUSTER_DIR on port $port"
}

postgres_cluster_stop() {
    [ -n "${POSTGRES_CLUSTER_DIR:-}" ] || return 0
    local bin
    bin="$(postgres_cluster_bin_dir)" &&
        "${POSTGRES_CLUSTER_RUN[@]}" "$bin/pg_ctl" -D "$POSTGRES_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$POSTGRES_CLUSTER_DIR"
    POSTGRES_CLUSTER_DIR=
    unset SMIME_TEST_POSTGRES_URL
}
