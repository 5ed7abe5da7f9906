#!/bin/sh
# Entrypoint of the `connect-secure` service: the authenticated Connect worker of the Compose
# stack, as compose/local/lib/connect_secure.sh runs it in the local stack. Makes, once, a CA and
# a server certificate for "localhost" with the JDK's keytool (the image has no openssl) into its
# data volume, writes the basic-auth credentials and JAAS files, then starts the image's worker.
# Trust the CA from the host with:
#   docker compose -f compose/docker-compose.yml cp connect-secure:/kafka/data/tls/ca.crt .
set -eu
TLS=/kafka/data/tls
PASS=local-stack  # the keystore's; guards nothing (the volume is the worker's)
if [ ! -f "$TLS/keystore.p12" ]; then
  mkdir -p "$TLS"
  keytool -genkeypair -alias ca -dname "CN=cdc-console compose CA" -ext bc:c -keyalg RSA \
    -keysize 2048 -validity 3650 -keystore "$TLS/ca.p12" -storetype PKCS12 -storepass "$PASS"
  keytool -exportcert -rfc -alias ca -keystore "$TLS/ca.p12" -storepass "$PASS" -file "$TLS/ca.crt"
  keytool -genkeypair -alias localhost -dname CN=localhost -keyalg RSA -keysize 2048 \
    -validity 3650 -keystore "$TLS/new.p12" -storetype PKCS12 -storepass "$PASS"
  keytool -certreq -alias localhost -keystore "$TLS/new.p12" -storepass "$PASS" \
    | keytool -gencert -alias ca -keystore "$TLS/ca.p12" -storepass "$PASS" -rfc \
        -ext SAN=dns:localhost -ext EKU=serverAuth -validity 3650 >"$TLS/server.crt"
  keytool -importcert -noprompt -alias ca -file "$TLS/ca.crt" -keystore "$TLS/new.p12" -storepass "$PASS"
  keytool -importcert -alias localhost -file "$TLS/server.crt" -keystore "$TLS/new.p12" -storepass "$PASS"
  mv "$TLS/new.p12" "$TLS/keystore.p12"
fi
printf '%s=%s\n' "$CONNECT_SECURE_USER" "$CONNECT_SECURE_PASSWORD" >/kafka/data/credentials.properties
cat >/kafka/data/jaas.conf <<JAAS
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="/kafka/data/credentials.properties";
};
JAAS
export KAFKA_OPTS="${KAFKA_OPTS:-} -Djava.security.auth.login.config=/kafka/data/jaas.conf"
exec /docker-entrypoint.sh start
