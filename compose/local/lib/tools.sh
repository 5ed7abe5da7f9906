# shellcheck shell=bash
# Sourced by compose/local/stack: what the stack runs on. System packages come from Debian, only
# when missing; Kafka, Kafka Connect and Debezium are upstream releases from Maven Central,
# resolved declaratively from the poms in compose/local/{kafka,connect,debezium}/.

java_bin() { # Kafka 4 and Debezium 3 need Java 17+; prefer Debian's 17 over whatever `java` is
  local j
  for j in /usr/lib/jvm/java-17-openjdk-*/bin/java "$(command -v java || true)"; do
    [[ -n $j && -x $j ]] && { echo "$j"; return 0; }
  done
  return 1
}

ensure_packages() {
  local missing=()
  pg_bindir >/dev/null || missing+=(postgresql)
  java_bin >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  (( ${#missing[@]} )) || return 0
  say "installing ${missing[*]} (apt-get)"
  # Slim Debian images drop /usr/share/man, and the JRE's postinst then fails on its man link.
  as_root mkdir -p /usr/share/man/man1
  logged "$LOGS/tools.log" as_root apt-get update -q
  logged "$LOGS/tools.log" as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  say "installed ${missing[*]}"
}

pom_version() { # POM PROPERTY: the property's value in the pom (kafka.version, debezium.version)
  sed -n "s|.*<$2>\(.*\)</$2>.*|\1|p" "$1" | head -n 1
}

resolve() { # POM DEST: the pom's runtime jars copied into DEST by Maven, once. The directory
  # name carries the pom's hash, so an edited pom resolves anew; .complete is written last, so
  # an interrupted resolve is redone. Maven's local repository (~/.m2) caches the downloads.
  local pom=$1 dest=$2 log=$LOGS/maven.log missing
  [[ -f $dest/.complete ]] && return 0
  say "resolving $(basename "$(dirname "$pom")") from Maven Central ($(realpath --relative-to="$ROOT" "$pom"))"
  rm -rf "$dest"
  # -U: a failure Maven cached (a network error) is retried, not replayed from ~/.m2.
  if ! mvn -B -q -U -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dest" >>"$log" 2>&1; then
    tail -n 15 "$log" >&2
    missing=$(grep -oE "(Could not (find|transfer|resolve) artifact|Failed to collect dependencies at|The following artifacts could not be resolved:) [^ ]+" "$log" | tail -n 1)
    die "Maven could not resolve $(realpath --relative-to="$ROOT" "$pom")${missing:+: $missing}
  (full log: $log). If Maven Central did not answer, re-run the same command once it does
  (what was downloaded stays cached in ~/.m2); if the artifact or version does not exist,
  correct the pom."
  fi
  touch "$dest/.complete"
  say "resolved $(compgen -G "$dest/*.jar" | wc -l) jars into $(realpath --relative-to="$ROOT" "$dest")"
}

pom_dir() { # POM PROPERTY NAME: the resolve directory of this pom's content
  echo "$TOOLS/$3-$(pom_version "$1" "$2")-$(sha256sum "$1" | cut -c1-12)"
}

KAFKA_POM=$HERE/kafka/pom.xml
CONNECT_POM=$HERE/connect/pom.xml
DEBEZIUM_POM=$HERE/debezium/pom.xml
KAFKA_LIBS=$(pom_dir "$KAFKA_POM" kafka.version kafka)
CONNECT_LIBS=$(pom_dir "$CONNECT_POM" kafka.version connect)
# plugin.path names the parent; the plugin is its subdirectory (Connect's layout).
DEBEZIUM_PLUGINS=$(pom_dir "$DEBEZIUM_POM" debezium.version debezium)

ensure_tools() {
  ensure_packages
  # shellcheck disable=SC2034  # used by lib/postgres.sh
  PGBIN=$(pg_bindir)
  JAVA=$(java_bin)
  # The resolves at once: each is mostly waiting on the network or on Maven's startup.
  local pids=() pid
  resolve "$KAFKA_POM" "$KAFKA_LIBS" & pids+=($!)
  resolve "$CONNECT_POM" "$CONNECT_LIBS" & pids+=($!)
  resolve "$DEBEZIUM_POM" "$DEBEZIUM_PLUGINS/debezium-connector-postgres" & pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || exit 1; done
}

kafka_tool() { # MAIN-CLASS ARGS...: one of Kafka's own command-line tools from the same classpath
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -Dcdc.log.dir="$LOGS" -Dcdc.log.name=tools -cp "$KAFKA_LIBS/*" "$@"
}
