#!/bin/sh
# One-shot `tls` service of docker-compose.yml: the stack's CA and certificates, as
# compose/local/lib/tls.sh makes them for the local stack (same names, subjects and extensions),
# into the `tls` volume, once (kept until `down -v`):
#   ca.crt / ca.key          the stack's own CA (what clients are told to trust)
#   server.crt / server.key  CN and SAN DNS:localhost only, so 127.0.0.1 is a wrong host name
#   client.crt / client.key  a client certificate, CN=cdc-console (mutual TLS)
#   other-ca.crt             an unrelated CA (the "unknown CA" case)
# server.key belongs to the postgres image's user (999), mode 0600, as PostgreSQL demands. For
# host clients: docker compose -f compose/docker-compose.yml cp tls:/tls ./tls
set -eu

TLS=${TLS_DIR:-/tls}
PG_UID=${PG_UID:-999}

[ -f "$TLS/.complete" ] && { echo "tls: certificates already made"; exit 0; }
umask 077
rm -rf "${TLS:?}"/*
chmod 755 "$TLS"  # the servers (user 999) reach their files
cd "$TLS"
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
chmod 644 ./*.crt
chown "$PG_UID:$PG_UID" server.key
touch .complete
echo "tls: made the CA and certificates"
