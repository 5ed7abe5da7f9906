# shellcheck shell=bash
# Sourced by compose/local/stack: an Apache Flink session cluster (`stack up flink`; not part of
# the default `up`): one JobManager (REST 127.0.0.1:8081), TaskManagers (1 by default, 2 slots
# each), the SQL gateway (127.0.0.1:8084), with the Kafka and JDBC SQL connectors and the
# PostgreSQL driver on their classpath.
#   .stack/tools/flink-<version>-<pom hash>/   lib/ (flink-dist, table, log4j) and
#       bin/bash-java-utils.jar from PyPI's apache-flink-libraries wheel (Maven Central does not
#       serve flink-dist), connectors/ from compose/local/flink/pom.xml
#   .stack/flink/conf/config.yaml   from compose/local/flink/config.yaml
#   .stack/flink/checkpoints/ savepoints/ tmp/ web/
#   .stack/logs/flink-jobmanager.log flink-taskmanager-N.log flink-sql-gateway.log (+ .out)
# The JVMs start with `java -cp`, not Flink's bin/ scripts (the wheel has none): the memory
# options the scripts would pass come from BashJavaUtils, as in the scripts.

FLINK_VERSION=2.2.1  # = flink.version of compose/local/flink/pom.xml and compose/docker/flink
FLINK_POM=$HERE/flink/pom.xml
FLINK_HOME=$(pom_dir "$FLINK_POM" flink.version flink)
FLINK_STATE=$STATE/flink
FLINK_CONF=$FLINK_STATE/conf
FLINK_REST_PORT=8081
FLINK_GATEWAY_PORT=8084
FLINK_REST_URL=http://$HOST:$FLINK_REST_PORT
FLINK_GATEWAY_URL=http://$HOST:$FLINK_GATEWAY_PORT
FLINK_TASKMANAGERS=(1 2)  # `up flink` starts 1; `start taskmanager 2` adds a second
flink_tm_port() { echo $((6140 + $1)); }  # TaskManager N's RPC port: a fixed one, for status
FLINK_GATEWAY_HEAP=${CDC_STACK_FLINK_GATEWAY_HEAP:-384m}

# What Flink's own config.yaml passes to every JVM on Java 17 (env.java.opts.all): Kryo and
# the planner's code generation reach into these packages. And UTC: Flink's JDBC sink writes a
# job's TIMESTAMP(3) window bounds (UTC, table.local-time-zone) through java.sql.Timestamp, in
# the JVM's zone; on a machine in another zone the sink's timestamptz would be shifted.
FLINK_JAVA_OPTS=(
  -Duser.timezone=UTC
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

flink_log() { echo "$LOGS/flink-$1.log"; }  # jobmanager | taskmanager-N | sql-gateway
# The log file's path is on the JVM's command line (-Dlog.file) and names this state directory
# and the process: the marker that tells our PID from a recycled one.
flink_pid() { pid_from_file "$RUN/flink-$1.pid" "-Dlog.file=$(flink_log "$1")"; }

flink_dist_ensure() { # Flink's lib/ from PyPI: the wheel is a release's lib/ and opt/ in a zip
  local wheel_dir=$TOOLS/wheels-flink wheel
  [[ -f $FLINK_HOME/.dist-complete ]] && return 0
  say "fetching Flink $FLINK_VERSION from PyPI (apache-flink-libraries, ~310 MB)"
  rm -rf "$wheel_dir" "${FLINK_HOME:?}/lib" "${FLINK_HOME:?}/bin"
  mkdir -p "$wheel_dir" "$FLINK_HOME"
  logged "$LOGS/tools.log" python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --dest "$wheel_dir" "apache-flink-libraries==$FLINK_VERSION"
  wheel=$(compgen -G "$wheel_dir/apache_flink_libraries-*.whl" | head -n 1)
  # lib/ and bash-java-utils.jar only: opt/ (PyFlink, the SQL client) and the metrics plugins
  # are not used. pip keeps the wheel in its own cache; this copy is removed.
  python3 - "$wheel" "$FLINK_HOME" <<'PY'
import os, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for name in wheel.namelist():
        if name.startswith("pyflink/lib/") or name == "pyflink/bin/bash-java-utils.jar":
            dest = os.path.join(sys.argv[2], name[len("pyflink/"):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with wheel.open(name) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
PY
  rm -rf "$wheel_dir"
  [[ -f $FLINK_HOME/lib/flink-dist-$FLINK_VERSION.jar ]] \
    || die "the apache-flink-libraries $FLINK_VERSION wheel has no lib/flink-dist-$FLINK_VERSION.jar"
  touch "$FLINK_HOME/.dist-complete"
  say "Flink $FLINK_VERSION unpacked into $(realpath --relative-to="$ROOT" "$FLINK_HOME")"
}

flink_tools_ensure() { # the distribution and the connectors at once (network-bound both)
  local pids=() pid
  ensure_packages
  JAVA=$(java_bin)
  [[ $(pom_version "$FLINK_POM" flink.version) == "$FLINK_VERSION" ]] \
    || die "flink.version of $FLINK_POM differs from FLINK_VERSION ($FLINK_VERSION) in lib/flink.sh"
  flink_dist_ensure & pids+=($!)
  resolve "$FLINK_POM" "$FLINK_HOME/connectors" & pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || exit 1; done
}

flink_write_conf() {
  mkdir -p "$FLINK_CONF" "$FLINK_STATE"/{checkpoints,savepoints,tmp,web/upload,plugins}
  sed -e "s|@HOST@|$HOST|g" -e "s|@REST_PORT@|$FLINK_REST_PORT|" \
      -e "s|@GATEWAY_PORT@|$FLINK_GATEWAY_PORT|" -e "s|@STATE@|$FLINK_STATE|g" \
      "$HERE/flink/config.yaml" >"$FLINK_CONF/config.yaml"
}

flink_resource_params() { # JM|TM ARGS...: the JVM's memory options (line 1) and the -D
  # options that fix the derived sizes (line 2), as Flink's jobmanager.sh/taskmanager.sh get them
  "$JAVA" -cp "$FLINK_HOME/bin/bash-java-utils.jar:$FLINK_HOME/lib/*" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "GET_$1_RESOURCE_PARAMS" \
    --configDir "$FLINK_CONF" "${@:2}" 2>>"$LOGS/flink-tools.log" \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

flink_launch() { # NAME JVM-OPTIONS MAIN-CLASS ARGS...: one of the cluster's JVMs
  local name=$1 jvm=$2 main=$3 log
  shift 3
  log=$(flink_log "$name")
  stat -c %s "$log" >"$RUN/flink-$name.logstart" 2>/dev/null || echo 0 >"$RUN/flink-$name.logstart"
  # shellcheck disable=SC2086  # JVM-OPTIONS: BashJavaUtils' options, one word each
  launch "flink-$name" "${log%.log}.out" env FLINK_CONF_DIR="$FLINK_CONF" \
    FLINK_PLUGINS_DIR="$FLINK_STATE/plugins" "$JAVA" $jvm "${FLINK_JAVA_OPTS[@]}" \
    -Djava.awt.headless=true -Dlog.file="$log" \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dcdc.log.dir="$LOGS" \
    -Dcdc.log.name="flink-$name" -cp "$FLINK_HOME/lib/*:$FLINK_HOME/connectors/*" "$main" "$@"
}

flink_jobmanager_launch() {
  local pid params=()
  if pid=$(flink_pid jobmanager); then say "flink jobmanager already up (pid $pid, port $FLINK_REST_PORT)"; return 0; fi
  require_port_free "$FLINK_REST_PORT" "flink jobmanager"
  require_port_free 6123 "flink jobmanager (RPC)"
  mapfile -t params < <(flink_resource_params JM)
  (( ${#params[@]} == 2 )) || die "flink: BashJavaUtils gave no JobManager memory options (log: $LOGS/flink-tools.log)"
  # shellcheck disable=SC2086  # the -D options, one word each
  flink_launch jobmanager "${params[0]}" \
    org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    --configDir "$FLINK_CONF" ${params[1]}
  say "flink jobmanager launched (pid $(flink_pid jobmanager), REST $FLINK_REST_URL)"
}

flink_taskmanager_launch() { # N
  local n=$1 pid params=() ids
  if pid=$(flink_pid "taskmanager-$n"); then say "flink taskmanager $n already up (pid $pid)"; return 0; fi
  require_port_free "$(flink_tm_port "$n")" "flink taskmanager $n"
  # A fixed resource id: the REST API and the console name it taskmanager-N, and a restarted
  # TaskManager replaces its predecessor's registration at once.
  ids=(-D "taskmanager.resource-id=taskmanager-$n" -D "taskmanager.rpc.port=$(flink_tm_port "$n")")
  mapfile -t params < <(flink_resource_params TM "${ids[@]}")
  (( ${#params[@]} == 2 )) || die "flink: BashJavaUtils gave no TaskManager memory options (log: $LOGS/flink-tools.log)"
  # shellcheck disable=SC2086  # the -D options, one word each
  flink_launch "taskmanager-$n" "${params[0]}" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    --configDir "$FLINK_CONF" "${ids[@]}" ${params[1]}
  say "flink taskmanager $n launched (pid $(flink_pid "taskmanager-$n"))"
}

flink_gateway_launch() {
  local pid
  if pid=$(flink_pid sql-gateway); then say "flink sql-gateway already up (pid $pid, port $FLINK_GATEWAY_PORT)"; return 0; fi
  require_port_free "$FLINK_GATEWAY_PORT" "flink sql-gateway"
  flink_launch sql-gateway "-Xms$FLINK_GATEWAY_HEAP -Xmx$FLINK_GATEWAY_HEAP -XX:MaxMetaspaceSize=256m" \
    org.apache.flink.table.gateway.SqlGateway
  say "flink sql-gateway launched (pid $(flink_pid sql-gateway), $FLINK_GATEWAY_URL)"
}

flink_alive() { # NAME: fail the wait at once when the JVM has exited (it will not come back)
  flink_pid "$1" >/dev/null && return 0
  tail -n 8 "$(flink_log "$1")" "$(flink_log "$1" | sed 's/\.log$/.out/')" >&2 2>/dev/null
  die "flink $1 exited (log: $(flink_log "$1"))"
}

flink_rest_ready() { flink_alive jobmanager && curl -fsS -m 2 -o /dev/null "$FLINK_REST_URL/overview" 2>/dev/null; }
flink_tm_registered() { # N: the JobManager lists taskmanager-N
  flink_alive "taskmanager-$1" \
    && curl -fsS -m 2 "$FLINK_REST_URL/taskmanagers" 2>/dev/null | grep -q "\"id\":\"taskmanager-$1\""
}
flink_gateway_ready() { flink_alive sql-gateway && curl -fsS -m 2 -o /dev/null "$FLINK_GATEWAY_URL/v1/info" 2>/dev/null; }

flink_wait() { # [TM...]: REST, the TaskManagers' registration, the gateway
  local n
  wait_until 90 flink_rest_ready || die "flink REST $FLINK_REST_URL not answering after 90s (log: $(flink_log jobmanager))"
  say "flink jobmanager answers ($FLINK_REST_URL)"
  for n in "$@"; do
    wait_until 90 flink_tm_registered "$n" \
      || die "flink taskmanager $n not registered after 90s (log: $(flink_log "taskmanager-$n"))"
    say "flink taskmanager $n registered"
  done
  if flink_pid sql-gateway >/dev/null; then
    wait_until 90 flink_gateway_ready || die "flink sql-gateway not answering after 90s (log: $(flink_log sql-gateway))"
    say "flink sql-gateway answers ($FLINK_GATEWAY_URL)"
  fi
}

flink_up() { # `up flink`: the whole cluster with TaskManager 1; leaves running parts alone
  flink_tools_ensure
  flink_write_conf
  flink_jobmanager_launch
  flink_taskmanager_launch 1
  flink_gateway_launch
  flink_wait 1
  say "flink up ($FLINK_VERSION): REST $FLINK_REST_URL, SQL gateway $FLINK_GATEWAY_URL"
}

flink_start() { # jobmanager | taskmanager [N] | sql-gateway: that one and the JobManager
  flink_tools_ensure
  flink_write_conf
  flink_jobmanager_launch
  case $1 in
    taskmanager) flink_taskmanager_launch "${2:-1}"; flink_wait "${2:-1}" ;;
    sql-gateway) flink_gateway_launch; flink_wait ;;
    *) flink_wait ;;
  esac
}

flink_stop_one() { # NAME SIGNAL: TERM shuts a JVM down cleanly; KILL is a crash (tests)
  local pid how=""
  [[ $2 == KILL ]] && how=", SIGKILL"
  if pid=$(flink_pid "$1"); then
    stop_pid "flink $1" "$pid" "$2" 30
    say "flink $1 stopped (was pid $pid$how)"
  else
    say "flink $1 already down"
  fi
}

flink_stop() { # jobmanager | taskmanager [N] | sql-gateway, [KILL]
  local n
  case $1 in
    taskmanager)
      if [[ -n ${2:-} ]]; then flink_stop_one "taskmanager-$2" "${3:-TERM}"; return; fi
      for n in "${FLINK_TASKMANAGERS[@]}"; do
        flink_pid "taskmanager-$n" >/dev/null && flink_stop_one "taskmanager-$n" "${3:-TERM}"
      done
      return 0 ;;
    *) flink_stop_one "$1" "${3:-TERM}" ;;
  esac
}

flink_down() { # QUIET: the gateway, the TaskManagers, then the JobManager; QUIET=1 says
  # nothing when Flink was not running (the default `down`)
  local n any=0 name
  for name in sql-gateway "${FLINK_TASKMANAGERS[@]/#/taskmanager-}" jobmanager; do
    flink_pid "$name" >/dev/null && any=1
  done
  (( any || ! ${1:-0} )) || return 0
  flink_stop_one sql-gateway TERM
  for n in "${FLINK_TASKMANAGERS[@]}"; do
    flink_pid "taskmanager-$n" >/dev/null && flink_stop_one "taskmanager-$n" TERM
  done
  flink_stop_one jobmanager TERM
}

flink_args() { # start|stop SERVICE...: whether these are Flink's forms of the two commands
  local kill='' n
  [[ $1 == stop ]] && kill='?( --kill)'
  for n in jobmanager sql-gateway "taskmanager?( [12])"; do
    # shellcheck disable=SC2053  # a pattern on purpose
    [[ ${*:2} == $n$kill ]] && return 0
  done
  return 1
}

flink_status() { # one line each; Flink is optional: its state does not change status's exit code
  local pid n
  pid=$(flink_pid jobmanager) || true
  status_line jobmanager "$pid" "$FLINK_REST_PORT"
  for n in "${FLINK_TASKMANAGERS[@]}"; do
    pid=$(flink_pid "taskmanager-$n") || true
    # The second TaskManager is listed only while it runs.
    [[ $n == 1 || -n $pid ]] && status_line "taskmanager-$n" "$pid" "$(flink_tm_port "$n")"
  done
  pid=$(flink_pid sql-gateway) || true
  status_line sql-gateway "$pid" "$FLINK_GATEWAY_PORT"
}
