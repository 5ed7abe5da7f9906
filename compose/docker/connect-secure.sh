#!/bin/sh
# Entrypoint of the `connect-secure` service: the authenticated Connect worker of the Compose
# stack, as compose/local/lib/connect_secure.sh runs it in the local stack. Its HTTPS keystore is
# the stack's, /tls/keystore.p12 (the `tls` volume, made by docker/tls.sh: the stack's server
# certificate for "localhost", signed by the stack's CA /tls/ca.crt). This writes the basic-auth
# credentials and JAAS files, then starts the image's worker.
set -eu
[ -r /tls/keystore.p12 ] || { echo "connect-secure: /tls/keystore.p12 missing (the tls service makes it)" >&2; exit 1; }
printf '%s=%s\n' "$CONNECT_SECURE_USER" "$CONNECT_SECURE_PASSWORD" >/kafka/data/credentials.properties
cat >/kafka/data/jaas.conf <<JAAS
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="/kafka/data/credentials.properties";
};
JAAS
export KAFKA_OPTS="${KAFKA_OPTS:-} -Djava.security.auth.login.config=/kafka/data/jaas.conf"
exec /docker-entrypoint.sh start
