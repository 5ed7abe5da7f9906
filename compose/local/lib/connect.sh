# shellcheck shell=bash
# Sourced by compose/local/stack: one Kafka Connect 4.3 worker in distributed mode (its config,
# offsets and status in Kafka, three replicas each), with Debezium's PostgreSQL connector in a
# plugin directory; compose/connectors/*.json registered through its REST API.

WORKER_PROPERTIES=$STATE/connect/worker.properties
CONNECT_HEAP=${CDC_STACK_CONNECT_HEAP:-512m}

connect_pid() { pid_from_file "$RUN/connect.pid" "$WORKER_PROPERTIES"; }

# What the connector files read through the worker's EnvVarConfigProvider (${env:CDC_*}); Docker
# Compose sets the same names on its `connect` service (compose/docker/check.py compares).
connect_env() {
  CONNECT_ENV=(CDC_SOURCE_HOST="$HOST" CDC_SOURCE_PORT="$SOURCE_PORT"
    CDC_SOURCE_PASSWORD="$PG_PASSWORD" CDC_KAFKA_BOOTSTRAP="$BOOTSTRAP")
}

connect_env_missing() { # PID: the names of CONNECT_ENV the running worker was launched without
  local assignment
  connect_env
  for assignment in "${CONNECT_ENV[@]}"; do
    grep -qz "^${assignment%%=*}=" "/proc/$1/environ" 2>/dev/null \
      || printf '%s ' "${assignment%%=*}"
  done
}

connect_start() { # launches the worker without waiting for it (the JVM needs ~10 s)
  local pid missing
  if pid=$(connect_pid); then
    missing=$(connect_env_missing "$pid")
    if [[ -z $missing ]]; then
      say "connect already up (pid $pid, port $CONNECT_PORT)"
      return 0
    fi
    # A worker launched before a connector file used a variable cannot resolve it: the
    # connector's task would fail on the literal ${env:…}. Relaunch it with the current set.
    say "connect (pid $pid) was launched without ${missing% }: restarting it"
    connect_stop
  fi
  require_port_free "$CONNECT_PORT" connect
  mkdir -p "$(dirname "$WORKER_PROPERTIES")"
  sed -e "s|@BOOTSTRAP@|$BOOTSTRAP|" -e "s|@CONNECT_HOST@|$HOST|" \
      -e "s|@CONNECT_PORT@|$CONNECT_PORT|" -e "s|@PLUGIN_PATH@|$DEBEZIUM_PLUGINS|" \
      "$HERE/worker.properties" >"$WORKER_PROPERTIES"
  # Where this worker's log starts, so that connect_ready reads only its own lines.
  stat -c %s "$LOGS/connect.log" >"$RUN/connect.logstart" 2>/dev/null || echo 0 >"$RUN/connect.logstart"
  connect_env
  launch connect "$LOGS/connect.out" env "${CONNECT_ENV[@]}" \
    "$JAVA" -Xms"$CONNECT_HEAP" -Xmx"$CONNECT_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:MetaspaceSize=96m -XX:ReservedCodeCacheSize=96m -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dcdc.log.dir="$LOGS" \
    -Dcdc.log.name=connect -cp "$CONNECT_LIBS/*" \
    org.apache.kafka.connect.cli.ConnectDistributed "$WORKER_PROPERTIES"
  say "connect launched (pid $(connect_pid), port $CONNECT_PORT)"
}

connect_failure() { # the fatal error of this worker's log, if any: a worker whose herder thread
  # died keeps its JVM and REST port for another minute and would never become healthy
  local start
  start=$(cat "$RUN/connect.logstart" 2>/dev/null || echo 0)
  tail -c +"$((start + 1))" "$LOGS/connect.log" 2>/dev/null \
    | grep -A1 -m1 'Uncaught exception in herder work thread' | tail -n 1 || true
}

connect_ready() { # /health answers 200 once the worker has joined its group and read its topics
  local failure
  if ! connect_pid >/dev/null; then
    tail -n 5 "$LOGS/connect.out" "$LOGS/connect.log" >&2
    die "connect exited (logs: $LOGS/connect.log, $LOGS/connect.out)"
  fi
  failure=$(connect_failure)
  if [[ -n $failure ]]; then
    stop_pid connect "$(connect_pid)" KILL 5  # it ignores SIGTERM in this state
    die "connect failed: $failure"$'\n'"  log: $LOGS/connect.log"
  fi
  curl -fsS -m 2 -o /dev/null "$CONNECT_URL/health" 2>/dev/null
}

connect_wait_ready() {
  wait_until 120 connect_ready || die "connect REST not healthy after 120s (log: $LOGS/connect.log)"
}

connect_stop() {
  local pid
  if pid=$(connect_pid); then
    stop_pid connect "$pid" TERM 30
    say "connect stopped (was pid $pid)"
  else
    say "connect already down"
  fi
}

connectors() { # sync|wait|states: see connectors.py; each output line becomes a progress line
  local args=("$CONNECT_URL" "$ROOT/compose/connectors")
  case $1 in
    wait) args+=(180 "$LOGS/connect.log") ;;
  esac
  python3 "$HERE/connectors.py" "$1" "${args[@]}" | while IFS= read -r line; do say "$line"; done
}

signal_topics_ensure() { # the Kafka signal topic of each connector that reads one: one partition
  # (Debezium reads partition 0 only), three replicas; made once per cluster, as the SCRAM user
  local topic done_file
  while IFS= read -r topic; do
    done_file=$STATE/kafka/topic-$topic-$(kafka_cluster_id)
    [[ -f $done_file ]] && continue
    if ! kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create \
        --if-not-exists --topic "$topic" --partitions 1 --replication-factor 3 \
        >>"$LOGS/tools.log" 2>&1; then
      tail -n 20 "$LOGS/tools.log" >&2
      die "could not create the signal topic $topic (log: $LOGS/tools.log)"
    fi
    touch "$done_file"
    say "signal topic $topic created"
  done < <(python3 "$HERE/connectors.py" signal-topics "$ROOT/compose/connectors")
}

register_connectors() { # create/update every compose/connectors/*.json, wait until RUNNING
  local pid
  # `start source` heals through here too: a worker that cannot resolve the files' ${env:…}
  # is relaunched first (connect_start does), or the sync would hand it an unresolvable config.
  if pid=$(connect_pid) && [[ -n $(connect_env_missing "$pid") ]]; then
    connect_start
  fi
  signal_topics_ensure
  connect_wait_ready
  say "connect healthy"
  connectors sync
  connectors wait
}
