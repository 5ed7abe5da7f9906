#!/bin/sh
# Registers every connector file in $CONNECTORS_DIR with Kafka Connect.
#
# Each file is {"name": "...", "config": {...}} (compose/connectors/*.json). For each one this
# PUTs the "config" object to $CONNECT_URL/connectors/<name>/config, which creates the connector
# or updates it in place: running it again is harmless (idempotent).
#
# POSIX sh + awk + curl only (no jq, no python): it runs inside quay.io/debezium/connect, whose
# own entrypoint already relies on awk and whose build relies on curl. Used by the
# `register-connectors` service of compose/docker-compose.yml; also works from a host shell:
#   CONNECT_URL=http://localhost:8083 CONNECTORS_DIR=compose/connectors sh compose/docker/register-connectors.sh
#
# Exit status: 0 when every file was accepted (HTTP 200 or 201), non-zero otherwise.
set -eu

CONNECT_URL=${CONNECT_URL:-http://connect:8083}
CONNECTORS_DIR=${CONNECTORS_DIR:-/cdc/connectors}
WAIT_TRIES=${WAIT_TRIES:-90}      # tries, 2 s apart, for the REST API to answer
PUT_TRIES=${PUT_TRIES:-15}        # tries, 2 s apart, per connector on 409/5xx/no answer

log() { printf '%s\n' "register-connectors: $*" >&2; }

# json_top FILE KEY: prints the raw JSON text of the value of KEY in the file's top-level object.
# Strings (with escapes) and nested objects/arrays are skipped correctly, so a "name" or "config"
# key nested deeper is never mistaken for the top-level one. Exit 1: key absent; 2: malformed.
json_top() {
    awk -v want="$2" '
    function strend(p,   q, ch) {          # p: index of an opening quote -> index of its closing quote
        for (q = p + 1; q <= n; q++) {
            ch = substr(s, q, 1)
            if (ch == "\\") { q++; continue }
            if (ch == "\"") return q
        }
        return 0
    }
    function skipws(p,   ch) {
        while (p <= n) {
            ch = substr(s, p, 1)
            if (ch != " " && ch != "\t" && ch != "\n" && ch != "\r") break
            p++
        }
        return p
    }
    function valend(p,   ch, d, q) {        # p: first char of a value -> index of its last char
        ch = substr(s, p, 1)
        if (ch == "\"") return strend(p)
        if (ch == "{" || ch == "[") {
            d = 0
            for (q = p; q <= n; q++) {
                ch = substr(s, q, 1)
                if (ch == "\"") { q = strend(q); if (q == 0) return 0; continue }
                if (ch == "{" || ch == "[") d++
                else if (ch == "}" || ch == "]") { d--; if (d == 0) return q }
            }
            return 0
        }
        for (q = p; q <= n; q++) {
            ch = substr(s, q, 1)
            if (ch == "," || ch == "}" || ch == "]" || ch == " " || ch == "\t" || ch == "\n" || ch == "\r") break
        }
        return q > p ? q - 1 : 0
    }
    { s = s $0 "\n" }
    END {
        n = length(s); depth = 0; i = 1
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "\"") {
                j = strend(i)
                if (j == 0) exit 2
                tok = substr(s, i, j - i + 1)
                i = j + 1
                if (depth == 1) {
                    k = skipws(i)
                    if (substr(s, k, 1) == ":") {
                        if (tok == "\"" want "\"") {
                            k = skipws(k + 1)
                            e = valend(k)
                            if (e == 0) exit 2
                            print substr(s, k, e - k + 1)
                            exit 0
                        }
                        i = k + 1
                    }
                }
                continue
            }
            if (c == "{" || c == "[") depth++
            else if (c == "}" || c == "]") depth--
            i++
        }
        exit 1
    }' "$1"
}

# Wait for the REST API (compose also waits for the connect healthcheck; this covers host use).
tries=0
until curl -fsS -o /dev/null --max-time 5 "$CONNECT_URL/connectors"; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$WAIT_TRIES" ]; then
        log "Kafka Connect at $CONNECT_URL did not answer GET /connectors"
        exit 1
    fi
    sleep 2
done

body=$(mktemp)
trap 'rm -f "$body"' EXIT
count=0
failed=0
for file in "$CONNECTORS_DIR"/*.json; do
    [ -f "$file" ] || continue
    count=$((count + 1))

    if ! raw_name=$(json_top "$file" name); then
        log "$file: no top-level \"name\" (expected {\"name\": ..., \"config\": {...}})"
        failed=1; continue
    fi
    if ! config=$(json_top "$file" config); then
        log "$file: no top-level \"config\" object (expected {\"name\": ..., \"config\": {...}})"
        failed=1; continue
    fi
    case $raw_name in
        \"*\") name=${raw_name#\"}; name=${name%\"} ;;
        *) log "$file: \"name\" is not a string"; failed=1; continue ;;
    esac
    case $name in
        '' | *[!A-Za-z0-9._-]*) log "$file: connector name '$name' must match [A-Za-z0-9._-]+"; failed=1; continue ;;
    esac
    case $config in
        '{'*) ;;
        *) log "$file: \"config\" is not an object"; failed=1; continue ;;
    esac

    tries=0
    while :; do
        code=$(printf '%s\n' "$config" | curl -sS -o "$body" -w '%{http_code}' --max-time 60 \
            -X PUT -H 'Content-Type: application/json' --data-binary @- \
            "$CONNECT_URL/connectors/$name/config") || code=000
        case $code in
            201) log "$name: created (from $file)"; break ;;
            200) log "$name: updated (from $file)"; break ;;
            409 | 5?? | 000)
                # 409: the worker group is rebalancing; 5xx/000: not ready yet. Try again.
                tries=$((tries + 1))
                if [ "$tries" -ge "$PUT_TRIES" ]; then
                    log "$name: giving up after HTTP $code: $(cat "$body")"
                    failed=1; break
                fi
                sleep 2 ;;
            *)
                log "$name: rejected with HTTP $code: $(cat "$body")"
                failed=1; break ;;
        esac
    done
done

if [ "$count" -eq 0 ]; then
    log "no *.json files in $CONNECTORS_DIR"
    exit 1
fi
exit "$failed"
