# shellcheck shell=bash
# Sourced by compose/local/stack: the authenticated Kafka Connect worker, "connect-secure": HTTPS
# on $CONNECT_SECURE_URL with the stack's certificate, basic auth through Kafka's
# BasicAuthSecurityRestExtension (fixed dev credentials, as the databases' postgres/postgres), a
# group and internal topics of its own. It shares nothing with the plain worker but the brokers:
# starting or stopping one never touches the other.

SECURE_DIR=$STATE/connect-secure
SECURE_PROPERTIES=$SECURE_DIR/worker.properties
SECURE_POM=$HERE/connect-secure/pom.xml
SECURE_LIBS=$(pom_dir "$SECURE_POM" kafka.version connect-secure)
SECURE_KEYSTORE_PASSWORD=local-stack  # guards nothing: the key sits unencrypted in $TLS too

secure_pid() { pid_from_file "$RUN/connect-secure.pid" "$SECURE_PROPERTIES"; }

secure_files() { # worker.properties, the PKCS12 keystore, the credentials and the JAAS file
  mkdir -p "$SECURE_DIR"
  chmod 700 "$SECURE_DIR"
  (
    umask 077
    openssl pkcs12 -export -in "$TLS/server.crt" -inkey "$TLS/server.key" -name localhost \
      -passout "pass:$SECURE_KEYSTORE_PASSWORD" -out "$SECURE_DIR/keystore.p12"
    # PropertyFileLoginModule: one "user=password" line per user.
    printf '%s=%s\n' "$CONNECT_SECURE_USER" "$CONNECT_SECURE_PASSWORD" >"$SECURE_DIR/credentials.properties"
    cat >"$SECURE_DIR/jaas.conf" <<JAAS
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="$SECURE_DIR/credentials.properties";
};
JAAS
  )
  sed -e "s|@BOOTSTRAP@|$BOOTSTRAP|" -e "s|@CONNECT_HOST@|$HOST|" \
      -e "s|@CONNECT_SECURE_PORT@|$CONNECT_SECURE_PORT|" -e "s|@KEYSTORE@|$SECURE_DIR/keystore.p12|" \
      -e "s|@KEYSTORE_PASSWORD@|$SECURE_KEYSTORE_PASSWORD|" "$HERE/worker-secure.properties" >"$SECURE_PROPERTIES"
}

secure_start() { # launches the worker and waits until it answers an authenticated request
  local pid
  if pid=$(secure_pid); then
    say "connect-secure already up (pid $pid, port $CONNECT_SECURE_PORT)"
    return 0
  fi
  require_port_free "$CONNECT_SECURE_PORT" connect-secure
  resolve "$SECURE_POM" "$SECURE_LIBS"
  secure_files
  launch connect-secure "$LOGS/connect-secure.out" \
    "$JAVA" -Xms"$CONNECT_HEAP" -Xmx"$CONNECT_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:MetaspaceSize=96m -XX:ReservedCodeCacheSize=96m -Djava.awt.headless=true \
    -Djava.security.auth.login.config="$SECURE_DIR/jaas.conf" \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dcdc.log.dir="$LOGS" \
    -Dcdc.log.name=connect-secure -cp "$CONNECT_LIBS/*:$SECURE_LIBS/*" \
    org.apache.kafka.connect.cli.ConnectDistributed "$SECURE_PROPERTIES"
  say "connect-secure launched (pid $(secure_pid), port $CONNECT_SECURE_PORT)"
}

secure_ready() { # the worker answers /connectors to the dev credentials over verified TLS
  secure_pid >/dev/null || {
    tail -n 5 "$LOGS/connect-secure.out" "$LOGS/connect-secure.log" >&2
    die "connect-secure exited (logs: $LOGS/connect-secure.log, $LOGS/connect-secure.out)"
  }
  curl -fsS -m 2 -o /dev/null --cacert "$TLS/ca.crt" \
    -u "$CONNECT_SECURE_USER:$CONNECT_SECURE_PASSWORD" "$CONNECT_SECURE_URL/connectors" 2>/dev/null
}

secure_wait_ready() {
  wait_until 120 secure_ready \
    || die "connect-secure REST not answering after 120s (log: $LOGS/connect-secure.log)"
  say "connect-secure healthy"
}

secure_stop() {
  local pid
  if pid=$(secure_pid); then
    stop_pid connect-secure "$pid" TERM 30
    say "connect-secure stopped (was pid $pid)"
  else
    say "connect-secure already down"
  fi
}
