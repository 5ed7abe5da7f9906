# shellcheck shell=bash
# Sourced by compose/local/stack: three Apache Kafka brokers in KRaft mode, each a combined
# broker+controller of one 3-voter quorum, from the jars of compose/local/kafka/pom.xml.
#   broker N: PLAINTEXT 127.0.0.1:909(1+N), CONTROLLER 127.0.0.1:1909(1+N),
#             SASL_SSL 127.0.0.1:2909(1+N) advertised as localhost:2909(1+N) (SCRAM-SHA-512 users,
#             TLS from $STATE/tls: lib/tls.sh)
#   .stack/kafka/cluster.id    the cluster id, made once; every node is formatted with it
#   .stack/kafka/N/            node N's log directory (topics and the metadata log), kept across
#                              restarts: a broker restart keeps its data
#   .stack/kafka/broker-N.properties   from compose/local/broker.properties

BROKERS=(1 2 3)
broker_port() { echo $((BROKER_PORT + $1 - 1)); }
controller_port() { echo $((CONTROLLER_PORT + $1 - 1)); }
secure_port() { echo $((SECURE_BROKER_PORT + $1 - 1)); }
broker_props() { echo "$STATE/kafka/broker-$1.properties"; }
BOOTSTRAP=$HOST:$(broker_port 1),$HOST:$(broker_port 2),$HOST:$(broker_port 3)
# Each broker's heap: three brokers, Connect and both databases stay under ~3 GB resident.
BROKER_HEAP=${CDC_STACK_BROKER_HEAP:-384m}

broker_pid() { pid_from_file "$RUN/broker-$1.pid" "$(broker_props "$1")"; }

broker_write_props() { # N
  local n=$1 voters="" i
  for i in "${BROKERS[@]}"; do voters+="${voters:+,}$i@$HOST:$(controller_port "$i")"; done
  sed -e "s|@NODE@|$n|" -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$(broker_port "$n")|" \
      -e "s|@CONTROLLER_PORT@|$(controller_port "$n")|" -e "s|@VOTERS@|$voters|" \
      -e "s|@SECURE_PORT@|$(secure_port "$n")|" -e "s|@TLS@|$TLS|g" \
      -e "s|@LOG_DIR@|$STATE/kafka/$n|" "$HERE/broker.properties" >"$(broker_props "$n")"
  # Kafka's PEM keystore: the key, then the certificate, in one file.
  [[ -s $TLS/kafka-keystore.pem ]] ||
    (umask 077 && cat "$TLS/server.key" "$TLS/server.crt" >"$TLS/kafka-keystore.pem")
}

scram_users_ensure() { # the SCRAM-SHA-512 user of the SASL_SSL listener, once per cluster
  # (kafka-configs stores it in the cluster's metadata; adding it again only replaces it)
  local done_file
  done_file=$STATE/kafka/scram-$(kafka_cluster_id)
  [[ -f $done_file ]] && return 0
  if ! kafka_tool org.apache.kafka.tools.ConfigCommand --bootstrap-server "$BOOTSTRAP" \
      --alter --entity-type users --entity-name "$KAFKA_USER" \
      --add-config "SCRAM-SHA-512=[iterations=4096,password=$KAFKA_PASSWORD]" \
      >>"$LOGS/tools.log" 2>&1; then
    tail -n 20 "$LOGS/tools.log" >&2
    die "could not create the Kafka SCRAM user $KAFKA_USER (log: $LOGS/tools.log)"
  fi
  touch "$done_file"
  say "Kafka SCRAM-SHA-512 user $KAFKA_USER created"
}

kafka_cluster_id() { # made once per cluster (a base64url UUID, as kafka-storage random-uuid)
  local file=$STATE/kafka/cluster.id
  if [[ ! -s $file ]]; then
    python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))' >"$file.part"
    mv "$file.part" "$file"
  fi
  cat "$file"
}

broker_format() { # N: format node N's log directory once, with the cluster's id
  local n=$1
  local log=$LOGS/broker-$n.out
  [[ -f $STATE/kafka/$n/meta.properties ]] && return 0
  say "broker $n: formatting its storage (cluster $(kafka_cluster_id))"
  if ! kafka_tool kafka.tools.StorageTool format -t "$(kafka_cluster_id)" \
      -c "$(broker_props "$n")" --ignore-formatted >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "broker $n: formatting $STATE/kafka/$n failed (log: $log)"
  fi
}

broker_launch() { # N: start broker N unless it runs; returns at once (readiness: broker_ready)
  local n=$1 pid port
  port=$(broker_port "$n")
  if pid=$(broker_pid "$n"); then say "broker $n already up (pid $pid, port $port)"; return 0; fi
  require_port_free "$port" "broker $n"
  require_port_free "$(controller_port "$n")" "broker $n (controller)"
  require_port_free "$(secure_port "$n")" "broker $n (SASL_SSL)"
  # Where this run's log starts, so that a failure shows this run's lines.
  stat -c %s "$LOGS/broker-$n.log" >"$RUN/broker-$n.logstart" 2>/dev/null || echo 0 >"$RUN/broker-$n.logstart"
  stat -c %s "$LOGS/broker-$n.out" >"$RUN/broker-$n.outstart" 2>/dev/null || echo 0 >"$RUN/broker-$n.outstart"
  launch "broker-$n" "$LOGS/broker-$n.out" "$JAVA" -Xms"$BROKER_HEAP" -Xmx"$BROKER_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:MetaspaceSize=96m -XX:ReservedCodeCacheSize=96m \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -Dcdc.log.dir="$LOGS" -Dcdc.log.name="broker-$n" -cp "$KAFKA_LIBS/*" \
    kafka.Kafka "$(broker_props "$n")"
  say "broker $n launched (pid $(broker_pid "$n"), port $port)"
}

broker_log_tail() { # N: this run's last problems and JVM output, to say why it did not come up
  local n=$1 start
  start=$(cat "$RUN/broker-$n.logstart" 2>/dev/null || echo 0)
  tail -c +"$((start + 1))" "$LOGS/broker-$n.log" 2>/dev/null | grep -E ' (ERROR|FATAL|WARN) ' | tail -n 10 >&2 || true
  start=$(cat "$RUN/broker-$n.outstart" 2>/dev/null || echo 0)
  tail -c +"$((start + 1))" "$LOGS/broker-$n.out" 2>/dev/null | tail -n 10 >&2 || true
}

broker_ready() { # N: the broker answers on its listener (it binds once it has caught up with
  # the quorum's metadata and registered)
  broker_pid "$1" >/dev/null || { broker_log_tail "$1"; die "broker $1 exited (logs: $LOGS/broker-$1.log, broker-$1.out)"; }
  port_open "$(broker_port "$1")"
}

brokers_launch() { # N...: write each one's properties, format what is new, launch what is down
  local n pids=() pid
  mkdir -p "$STATE/kafka"
  kafka_cluster_id >/dev/null  # made before the formats run in parallel
  for n in "$@"; do broker_write_props "$n"; done
  for n in "$@"; do broker_format "$n" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || exit 1; done
  for n in "$@"; do broker_launch "$n"; done
}

brokers_wait() { # N...: until each listens; a broker that does not come up shows its log tail
  local n
  for n in "$@"; do
    if ! wait_until 90 broker_ready "$n"; then
      broker_log_tail "$n"
      die "broker $n not listening on $(broker_port "$n") after 90s (logs: $LOGS/broker-$n.log, broker-$n.out)"
    fi
  done
  say "broker(s) $* listening"
}

broker_stop() { # N: controlled shutdown (SIGTERM): its partitions' leadership moves first. The
  # last voter of a lost quorum cannot shut down cleanly: SIGKILL after 30 s.
  local pid
  if pid=$(broker_pid "$1"); then
    stop_pid "broker $1" "$pid" TERM 30
    say "broker $1 stopped (was pid $pid)"
  else
    say "broker $1 already down"
  fi
}

brokers_stop() { # N...: in parallel, so that the quorum is lost only once all are going
  local n
  for n in "$@"; do broker_stop "$n" & done
  wait
}

quorum_status() { # one line: the KRaft quorum's leader, epoch and voters (Kafka's metadata
  # quorum tool, the same answer as kafka-metadata-quorum describe --status)
  kafka_tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$BOOTSTRAP" \
    describe --status 2>/dev/null | python3 -c '
import json, sys
f = dict(l.split(":", 1) for l in sys.stdin if ":" in l)
voters = " ".join(str(v["id"]) for v in json.loads(f.get("CurrentVoters", "[]")))
print("leader %s (epoch %s), voters %s" % (f["LeaderId"].strip(), f["LeaderEpoch"].strip(), voters))
'
}
