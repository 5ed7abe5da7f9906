#!/bin/bash
# One-shot `tls` service of compose/docker-compose.yml: the Compose stack's CA and certificates,
# made once into /tls (compose/docker/tls on the host) with the local stack's recipe
# (compose/local/lib/tls.sh), plus Kafka's PEM keystore (key, then certificate):
#   ca.crt                   the CA host clients trust (kafka.tls.ca_file)
#   server.crt / server.key  CN and SAN DNS:localhost only, as the local stack's
#   client.crt / client.key  a client certificate (mutual TLS), CN=cdc-console
#   other-ca.crt             an unrelated CA
#   kafka-keystore.pem       readable by the brokers' user (uid 1000 in apache/kafka)
set -euo pipefail
TLS=/tls
[[ -f $TLS/.complete ]] && exit 0
umask 077
cd "$TLS"

ca() { # NAME CN
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$1.key" -out "$1.crt"
}
sign() { # NAME CN EXTENSIONS
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
    -extfile <(printf '%s\n' "$3") -out "$1.crt"
  rm -f "$1.csr"
}
leaf='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment'
ca ca "cdc-console local stack CA"
sign server localhost "$leaf
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost"
sign client cdc-console "$leaf
extendedKeyUsage=clientAuth"
ca other-ca "an unrelated CA"
rm -f other-ca.key
cat server.key server.crt >kafka-keystore.pem
chown 1000:1000 kafka-keystore.pem
chmod 644 ./*.crt
touch .complete
echo "certificates made in compose/docker/tls"
