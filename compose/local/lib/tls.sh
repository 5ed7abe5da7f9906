# shellcheck shell=bash
# Sourced by compose/local/stack: the certificates of the stack's TLS endpoints (Kafka's SASL_SSL
# listener, PostgreSQL's ssl, the authenticated Connect worker's HTTPS), made once with openssl
# into $STATE/tls and kept across restarts:
#   ca.crt / ca.key          the stack's own CA (what clients are told to trust)
#   server.crt / server.key  the servers' certificate: CN and SAN DNS:localhost only, so that
#                            127.0.0.1 is a wrong host name (the hostname-verification tests)
#   client.crt / client.key  a client certificate (mutual TLS), CN=cdc-console
#   other-ca.crt             an unrelated CA (the "unknown CA" tests)
# Keys are PEM, unencrypted, readable by the caller only; the PostgreSQL copy is made by
# lib/postgres.sh with the ownership the server demands.

TLS=$STATE/tls

tls_sign() { # NAME CN EXTENSIONS: NAME.key and NAME.crt signed by the stack's CA
  local name=$1 cn=$2 ext=$3
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" \
    -keyout "$TLS/$name.key" -out "$TLS/$name.csr"
  openssl x509 -req -in "$TLS/$name.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile <(printf '%s\n' "$ext") -out "$TLS/$name.crt"
  rm -f "$TLS/$name.csr"
}

tls_ca() { # NAME CN: a self-signed CA certificate and its key
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$TLS/$1.key" -out "$TLS/$1.crt"
}

tls_generate() {
  local leaf='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment'
  tls_ca ca "cdc-console local stack CA"
  tls_sign server localhost "$leaf
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost"
  tls_sign client cdc-console "$leaf
extendedKeyUsage=clientAuth"
  tls_ca other-ca "an unrelated CA"
  rm -f "$TLS/other-ca.key"
}

tls_ensure() { # the certificates exist (made once; a half-made set is made again)
  [[ -f $TLS/.complete ]] && return 0
  command -v openssl >/dev/null || {
    say "installing openssl (apt-get)"
    logged "$LOGS/tools.log" as_root apt-get update -q
    logged "$LOGS/tools.log" as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends openssl
  }
  rm -rf "$TLS"
  mkdir -p "$TLS"
  chmod 700 "$TLS"
  (umask 077 && logged "$LOGS/tools.log" tls_generate)
  touch "$TLS/.complete"
  say "generated the stack's CA and certificates ($TLS)"
}
