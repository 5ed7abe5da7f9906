#!/bin/sh
# One-shot `tls` service of compose/docker-compose.yml, the Compose stack's only maker of
# certificates: the stack's CA and certificates, as compose/local/lib/tls.sh makes them for the
# local stack (same names, subjects and extensions), made once into the `tls` volume (kept until
# `down -v`), plus the keystores the local stack derives from them:
#   ca.crt / ca.key          the stack's own CA (what clients are told to trust)
#   server.crt / server.key  CN and SAN DNS:localhost only, so 127.0.0.1 is a wrong host name
#   client.crt / client.key  a client certificate, CN=cdc-console (mutual TLS)
#   other-ca.crt             an unrelated CA (the "unknown CA" case)
#   kafka-keystore.pem       the brokers' SASL_SSL keystore: server.key then server.crt, as
#                            compose/local/lib/kafka.sh makes it
#   keystore.p12             connect-secure's HTTPS keystore: server.key and server.crt as PKCS12,
#                            alias localhost, password local-stack, as
#                            compose/local/lib/connect_secure.sh makes it
# Every service mounts the volume read-only at /tls. Ownership and modes, per image:
#   server.key          uid 999 (the postgres image's user), 0600: PostgreSQL refuses a key that
#                       is not its own or that others can read;
#   kafka-keystore.pem  uid 1000 (appuser, apache/kafka), keystore.p12 uid 1001 (kafka,
#                       quay.io/debezium/connect): mode 0644, readable by any user, so that they
#                       work whatever user the image runs as. Acceptable in this dev stack only:
#                       the key is a throwaway one, the volume is mounted by the stack's own
#                       containers, and server.key is the same key.
#   *.crt 0644; ca.key and client.key 0600 (root; for host clients, copied out with the rest).
# For host clients (the CA, the client certificate):
#   docker compose -f compose/docker-compose.yml cp source:/tls ./tls
set -eu

TLS=${TLS_DIR:-/tls}
PG_UID=${PG_UID:-999}        # postgres image
KAFKA_UID=${KAFKA_UID:-1000} # apache/kafka image (appuser)
CONNECT_UID=${CONNECT_UID:-1001} # quay.io/debezium/connect image (kafka)
# The PKCS12 keystore's password: compose/local/lib/connect_secure.sh's SECURE_KEYSTORE_PASSWORD,
# connect-secure's CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_PASSWORD and _KEY_PASSWORD (check.py
# compares them). It guards nothing: server.key sits unencrypted beside it.
KEYSTORE_PASSWORD=local-stack

umask 077
chmod 755 "$TLS"  # the servers (not root) reach their files
cd "$TLS"

if [ -f .complete ]; then
  echo "tls: certificates already made"
else
  rm -rf "${TLS:?}"/* "$TLS"/.[!.]*
  leaf='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment'

  ca() { # NAME CN
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=$2" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$1.key" -out "$1.crt"
  }

  sign() { # NAME CN EXTENSIONS
    printf '%s\n' "$3" >"$1.ext"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile "$1.ext" -out "$1.crt"
    rm -f "$1.csr" "$1.ext"
  }

  ca ca "cdc-console local stack CA"
  sign server localhost "$leaf
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost"
  sign client cdc-console "$leaf
extendedKeyUsage=clientAuth"
  ca other-ca "an unrelated CA"
  rm -f other-ca.key
  touch .complete
  echo "tls: made the CA and certificates"
fi

# The derived keystores, made on every run (cheap), so that a volume made before they existed
# gets them too and they always hold the current server.key. Written aside, then renamed.
cat server.key server.crt >kafka-keystore.pem.new
openssl pkcs12 -export -in server.crt -inkey server.key -name localhost \
  -passout "pass:$KEYSTORE_PASSWORD" -out keystore.p12.new
chown "$KAFKA_UID:$KAFKA_UID" kafka-keystore.pem.new
chown "$CONNECT_UID:$CONNECT_UID" keystore.p12.new
chmod 644 kafka-keystore.pem.new keystore.p12.new  # dev stack only: see the header
mv kafka-keystore.pem.new kafka-keystore.pem
mv keystore.p12.new keystore.p12

chmod 644 ./*.crt
chmod 600 ./*.key
chown "$PG_UID:$PG_UID" server.key
echo "tls: kafka-keystore.pem and keystore.p12 ready"
