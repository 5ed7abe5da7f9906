# shellcheck shell=bash
# Sourced by compose/local/stack: the two PostgreSQL 15 clusters (source with wal_level=logical,
# sink), our own, never the system's, managed with initdb/pg_ctl; data under .stack/pg.

pg_bindir() {
  local d
  # shellcheck disable=SC2012  # version-sorted directory names, no odd characters
  for d in /usr/lib/postgresql/15/bin "$(pg_config --bindir 2>/dev/null || true)" \
           $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [[ -n $d && -x $d/initdb ]] && { echo "$d"; return 0; }
  done
  return 1
}

# PostgreSQL refuses to run as root: as root the clusters belong to user postgres.
if (( EUID == 0 )); then PG_OWNER=postgres; AS_PG=(runuser -u postgres --)
else PG_OWNER=$(id -un); AS_PG=(); fi
PGHOME=$(readlink -f "$STATE/pg" || echo "$STATE/pg")

prepare_pg_home() {
  # User postgres must reach the clusters, and a unix socket path is limited to 107 bytes. If the
  # project lies under a directory closed to others (/root) or deep down, the clusters live in
  # /tmp instead and .stack/pg links there.
  local dir=$STATE/pg alt
  if [[ ! -e $dir ]]; then
    mkdir -p "$dir"
    if ! "${AS_PG[@]}" test -x "$dir" || (( ${#dir} > 80 )); then
      rmdir "$dir"
      alt=/tmp/cdc-console-stack-$(printf %s "$ROOT" | md5sum | cut -c1-12)
      rm -rf "$alt"  # left by an earlier .stack that was deleted: start afresh, like .stack
      mkdir -p "$alt"
      ln -s "$alt" "$dir"
      say "clusters in $alt (user $PG_OWNER cannot use $dir)"
    fi
  fi
  PGHOME=$(readlink -f "$dir")
  mkdir -p "$PGHOME/run"
  if (( EUID == 0 )); then chown "$PG_OWNER:" "$PGHOME" "$PGHOME/run"; fi
}

pg_port() { case $1 in source) echo "$SOURCE_PORT" ;; sink) echo "$SINK_PORT" ;; esac; }

pg_pid() { # NAME: PID of the cluster's postmaster, from its own postmaster.pid, if it runs.
  # A live postmaster has the data dir as working directory: that tells a stale file whose PID
  # now belongs to another process.
  local data=$PGHOME/$1 pid
  [[ -f $data/postmaster.pid ]] && read -r pid <"$data/postmaster.pid" && [[ $pid =~ ^[0-9]+$ ]] \
    && [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$data" ]] && pid_alive "$pid" && echo "$pid"
}

psql_() { # NAME DB ARGS...: psql over the cluster's unix socket (trust), quiet, stop on error
  PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$PGHOME/run" -p "$(pg_port "$1")" -U postgres -d "$2" "${@:3}"
}

pg_init() { # NAME: initdb into a temporary dir, renamed when done (a killed initdb is redone)
  local name=$1 tmp=$PGHOME/$1.initdb pwfile=$PGHOME/$1.pw
  say "$name: initdb"
  rm -rf "$tmp"
  printf '%s\n' "$PG_PASSWORD" >"$pwfile"
  if (( EUID == 0 )); then chown "$PG_OWNER:" "$pwfile"; fi
  # Host connections (what the console and Debezium use) need the password; the local socket,
  # used only by this script, trusts.
  logged "$LOGS/$name.log" "${AS_PG[@]}" "$PGBIN/initdb" -D "$tmp" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync
  rm -f "$pwfile"
  # Settings live in stack.conf, rewritten on every start (the socket path follows the project).
  echo "include 'stack.conf'" | "${AS_PG[@]}" tee -a "$tmp/postgresql.conf" >/dev/null
  mv "$tmp" "$PGHOME/$name"
}

pg_write_tls() { # NAME: the server's certificate, key and the stack's CA, in the data dir
  # The server demands its key be its own and readable by it alone; the copies follow the
  # certificates if lib/tls.sh made them anew.
  local data=$PGHOME/$1 f
  for f in server.crt server.key ca.crt; do
    "${AS_PG[@]}" tee "$data/$f" <"$TLS/$f" >/dev/null
    "${AS_PG[@]}" chmod 600 "$data/$f"
  done
}

pg_write_hba() { # NAME: who may connect how (compose/sql/pg_hba.conf, pg_ident.conf, shared
  # with Docker Compose), written on every start so that an existing cluster gets it too
  local data=$PGHOME/$1 f
  for f in pg_hba.conf pg_ident.conf; do
    "${AS_PG[@]}" tee "$data/$f" <"$ROOT/compose/sql/$f" >/dev/null
  done
}

pg_write_conf() { # NAME
  local name=$1
  pg_write_tls "$name"
  pg_write_hba "$name"
  {
    echo "listen_addresses = '$HOST'"
    echo "port = $(pg_port "$name")"
    echo "unix_socket_directories = '$PGHOME/run'"
    # TLS (lib/tls.sh's certificates): offered to every client, required of some roles by
    # pg_hba.conf; the CA checks client certificates (the `cert` method).
    echo "ssl = on"
    echo "ssl_cert_file = 'server.crt'"
    echo "ssl_key_file = 'server.key'"
    echo "ssl_ca_file = 'ca.crt'"
    # A dev stack: durability traded for speed.
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    if [[ $name == source ]]; then
      # Debezium's pgoutput replication.
      echo "wal_level = logical"
      # Without synchronous commit, WAL reaches Debezium only once the WAL writer flushes it:
      # every 200 ms by default, which added ~100 ms (up to 200) to each change's latency.
      echo "wal_writer_delay = 10ms"
      echo "max_replication_slots = 10"
      echo "max_wal_senders = 10"
      # As in production: a slot nobody reads is invalidated before it fills the disk, and the
      # console's slot guard has a limit to count down to (generous: a stopped connector has
      # hours before its slot is lost).
      echo "max_slot_wal_keep_size = 4GB"
    fi
  } | "${AS_PG[@]}" tee "$PGHOME/$name/stack.conf" >/dev/null
}

pg_apply_sql() { # NAME: database NAME exists and compose/sql/NAME.sql (idempotent) is applied
  local name=$1
  if [[ -z $(psql_ "$name" postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'") ]]; then
    psql_ "$name" postgres -c "CREATE DATABASE $name"
  fi
  psql_ "$name" "$name" -f "$ROOT/compose/sql/$name.sql"
}

pg_start() { # NAME
  local name=$1 port pid data=$PGHOME/$1
  port=$(pg_port "$name")
  if pid=$(pg_pid "$name"); then
    # Settings, certificates and pg_hba.conf as this checkout has them; all take a reload.
    pg_write_conf "$name"
    logged "$LOGS/$name.log" "${AS_PG[@]}" "$PGBIN/pg_ctl" reload -s -D "$data"
    pg_apply_sql "$name"
    say "$name already up (pid $pid, port $port)"
    return 0
  fi
  require_port_free "$port" "$name"
  [[ -f $data/PG_VERSION ]] || pg_init "$name"
  # A killed session leaves postmaster.pid and the socket lock file behind; if their PID now
  # belongs to another process, postgres refuses to start. pg_pid said ours is not running.
  rm -f "$data/postmaster.pid" "$PGHOME/run/.s.PGSQL.$port" "$PGHOME/run/.s.PGSQL.$port.lock"
  pg_write_conf "$name"
  # Without -l, the server logs to pg_ctl's stdout: our log file, opened here, so user postgres
  # needs no write access to .stack/logs.
  if ! (cd / && setsid -w "${AS_PG[@]}" "$PGBIN/pg_ctl" start -w -t 60 -D "$data") \
      </dev/null >>"$LOGS/$name.log" 2>&1 9>&-; then
    tail -n 20 "$LOGS/$name.log" >&2
    die "$name did not start (log: $LOGS/$name.log)"
  fi
  pg_apply_sql "$name"
  say "$name started (pid $(pg_pid "$name"), port $port)"
}

pg_stop() { # NAME: fast shutdown (SIGINT) by the postmaster's PID
  local pid
  if pid=$(pg_pid "$1"); then
    stop_pid "$1" "$pid" INT 30
    say "$1 stopped (was pid $pid)"
  else
    say "$1 already down"
  fi
}

