"""Invariant 15 of check.py: the Flink services of compose/docker-compose.yml are the local
stack's `up flink` (compose/local/lib/flink.sh), behind the profile `flink`.

  a. the default model (no profile) has no Flink service: `docker compose up` stays as it was;
  b. flink-jobmanager, flink-taskmanager and flink-sql-gateway carry the profile `flink` and
     run the image built from docker/flink.Dockerfile;
  c. host port 8081 is published to flink-jobmanager:8081 and 8084 to flink-sql-gateway:8084,
     the ports of lib/flink.sh (FLINK_REST_PORT, FLINK_GATEWAY_PORT);
  d. the versions are the local stack's: the Dockerfile's FROM is flink:<flink.version of
     compose/local/flink/pom.xml>, which is lib/flink.sh's FLINK_VERSION, and the jars it ADDs
     from Maven Central are exactly the pom's dependencies (but the SQL gateway, which the
     image's opt/ holds), each at the pom's version and with a SHA-256 checksum;
  e. the settings are the local stack's: every key of compose/local/flink/config.yaml without
     a placeholder is set to the same value in FLINK_PROPERTIES of the JobManager and the
     TaskManager, and the gateway's command sets its endpoint port to 8084.
"""

import os
import re

FLINK_SERVICES = ("flink-jobmanager", "flink-taskmanager", "flink-sql-gateway")


def pom_artifacts(pom_path):
    """{artifactId: version} of the pom's dependencies, ${properties} resolved."""
    with open(pom_path, encoding="utf-8") as f:
        text = f.read()
    props = dict(re.findall(r"<([A-Za-z0-9.\-]+)>([^<$]+)</\1>",
                            text.split("<properties>", 1)[1].split("</properties>", 1)[0]))
    deps = {}
    for dep in re.findall(r"<dependency>(.*?)</dependency>", text, re.S):
        artifact = re.search(r"<artifactId>(.*?)</artifactId>", dep).group(1)
        version = re.search(r"<version>(.*?)</version>", dep).group(1)
        deps[artifact] = re.sub(r"\$\{(.*?)\}", lambda m: props.get(m.group(1), m.group(0)), version)
    return props, deps


def shell_var(path, name):
    with open(path, encoding="utf-8") as f:
        m = re.search(r"^%s=([^\s#]+)" % re.escape(name), f.read(), re.M)
    return m.group(1) if m else None


def flat_yaml(text):
    """{key: value} of a flat `key: value` file (comments and blank lines skipped)."""
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if ":" in line and not line.startswith(" "):
            key, value = line.split(":", 1)
            out[key.strip()] = value.strip()
    return out


def check_flink(check, default_model, flink_model, base, ports_of, env_of, compose_rendered):
    local = os.path.join(base, "local")
    services = flink_model["services"]
    # a.
    if compose_rendered:
        present = sorted(n for n in default_model["services"] if n in FLINK_SERVICES)
        check(not present, "the default model has no Flink service (profile `flink`)",
              "found %r" % present)
    # b.
    for name in FLINK_SERVICES:
        svc = services.get(name)
        if not check(svc is not None, "%s is defined (profile `flink`)" % name):
            continue
        check(svc.get("profiles") == ["flink"], "%s runs only with the profile `flink`" % name,
              "profiles %r" % svc.get("profiles"))
        build = svc.get("build") or {}
        dockerfile = build.get("dockerfile", "") if isinstance(build, dict) else ""
        check(dockerfile.endswith("docker/flink.Dockerfile") or name != "flink-jobmanager"
              and svc.get("image") == services.get("flink-jobmanager", {}).get("image"),
              "%s runs the image of docker/flink.Dockerfile" % name)
    # c.
    lib = os.path.join(local, "lib", "flink.sh")
    for port_var, name in (("FLINK_REST_PORT", "flink-jobmanager"),
                           ("FLINK_GATEWAY_PORT", "flink-sql-gateway")):
        port = int(shell_var(lib, port_var) or 0)
        pubs = {(pub, tgt) for ip, pub, tgt in ports_of(services.get(name, {})) if pub is not None}
        check((port, port) in pubs, "host port %d (%s) is published to %s:%d" % (port, port_var, name, port),
              "published %r" % sorted(pubs))
    # d.
    props, deps = pom_artifacts(os.path.join(local, "flink", "pom.xml"))
    version = props.get("flink.version")
    check(version and version == shell_var(lib, "FLINK_VERSION"),
          "Flink %s: pom's flink.version is lib/flink.sh's FLINK_VERSION" % version)
    with open(os.path.join(base, "docker", "flink.Dockerfile"), encoding="utf-8") as f:
        dockerfile = f.read()
    base_image = re.search(r"^FROM\s+(\S+)", dockerfile, re.M).group(1)
    check(base_image.startswith("flink:%s-" % version) or base_image == "flink:%s" % version,
          "docker/flink.Dockerfile is FROM the pom's Flink %s" % version, "FROM %s" % base_image)
    adds = re.findall(r"ADD\s+(?:--\S+\s+|\\\s*\n\s*)*(\S+\.jar)", dockerfile)
    checksums = len(re.findall(r"ADD\s+[^\n]*--checksum=sha256:[0-9a-f]{64}", dockerfile))
    added = {}
    for url in adds:
        m = re.search(r"/([^/]+)/([^/]+)/\1-\2\.jar$", url)
        if m:
            added[m.group(1)] = m.group(2)
    want = {a: v for a, v in deps.items() if a != "flink-sql-gateway"}
    check(added == want and checksums == len(adds),
          "docker/flink.Dockerfile adds the pom's connectors and driver, same versions, checksummed",
          "adds %r, pom %r, %d checksums" % (added, want, checksums))
    # e.
    with open(os.path.join(local, "flink", "config.yaml"), encoding="utf-8") as f:
        settings = {k: v for k, v in flat_yaml(f.read()).items() if "@" not in v}
    for name in ("flink-jobmanager", "flink-taskmanager"):
        given = flat_yaml(env_of(services.get(name, {})).get("FLINK_PROPERTIES") or "")
        differ = sorted(k for k in settings if given.get(k) != settings[k])
        check(not differ, "%s has compose/local/flink/config.yaml's %d settings" % (name, len(settings)),
              "differ: %s" % ", ".join("%s=%r (local %r)" % (k, given.get(k), settings[k]) for k in differ))
    command = services.get("flink-sql-gateway", {}).get("command") or []
    gateway_port = shell_var(lib, "FLINK_GATEWAY_PORT")
    check("-Dsql-gateway.endpoint.rest.port=%s" % gateway_port in command,
          "flink-sql-gateway serves on %s, as the local stack's" % gateway_port, "command %r" % command)
