#!/usr/bin/env python3
"""Connector registration for the local stack (called by compose/local/stack; stdlib only).

  connectors.py sync   URL CONNECTOR_DIR             create or update every CONNECTOR_DIR/*.json
  connectors.py wait   URL CONNECTOR_DIR TIMEOUT LOG wait until each connector and task is RUNNING
  connectors.py states URL CONNECTOR_DIR             one line per connector: name, states
  connectors.py signal-topics CONNECTOR_DIR          the Kafka signal topics the connectors read

Keys starting with "_" in a connector file are comments and dropped; the files are the ones
compose/docker-compose.yml registers, unchanged. `sync` only PUTs a config that differs from the
stored one: a PUT restarts the connector and its tasks, and `stack up` must not disturb a running pipeline.
"""
import json
import pathlib
import sys
import time
import urllib.error
import urllib.request

# Connect answers these while its worker joins the group or rebalances: retry, do not fail.
TRANSIENT = {404, 409, 500, 503, 504}


def request(method, url, body=None, timeout=10):
    """Returns (status, parsed JSON body or None). Connection errors raise OSError."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw) if raw else None
        except ValueError:
            return e.code, {"message": raw.decode(errors="replace")}


def connectors(conn_dir):
    """[(name, config)] for every connector file, in file-name order."""
    out = []
    for path in sorted(pathlib.Path(conn_dir).glob("*.json")):
        spec = json.loads(path.read_text())
        config = {k: v for k, v in spec["config"].items() if not k.startswith("_")}
        config["name"] = spec["name"]  # Connect stores the name inside the config too
        out.append((spec["name"], config))
    return out


def sync(url, conn_dir):
    deadline = time.monotonic() + 60
    for name, config in connectors(conn_dir):
        while True:
            status, stored = request("GET", f"{url}/connectors/{name}/config")
            body = stored
            if status == 200 and stored == config:
                print(f"{name}: unchanged")
                break
            if status in (200, 404):
                status, body = request("PUT", f"{url}/connectors/{name}/config", config, timeout=60)
                if status in (200, 201):
                    print(f"{name}: {'created' if status == 201 else 'updated'}")
                    break
            if status not in TRANSIENT or time.monotonic() > deadline:
                sys.exit(f"{name}: PUT /connectors/{name}/config answered {status}: {message(body)}")
            time.sleep(0.5)


def message(body):
    if isinstance(body, dict):
        return body.get("message") or json.dumps(body)
    return str(body)


def describe(status):
    """'connector RUNNING, task 0 RUNNING' from GET /connectors/N/status."""
    parts = [f"connector {status['connector']['state']}"]
    parts += [f"task {t['id']} {t['state']}" for t in status.get("tasks", [])]
    return ", ".join(parts)


def first_trace_line(status):
    for item in [status.get("connector", {})] + status.get("tasks", []):
        if item.get("trace"):
            return item["trace"].strip().splitlines()[0]
    return ""


def all_running(status):
    tasks = status.get("tasks", [])
    return (status["connector"]["state"] == "RUNNING" and tasks
            and all(t["state"] == "RUNNING" for t in tasks))


def any_failed(status):
    return any(i["state"] == "FAILED" for i in [status["connector"]] + status.get("tasks", []))


def wait(url, conn_dir, timeout, log):
    deadline = time.monotonic() + float(timeout)
    for name, _ in connectors(conn_dir):
        restarted = False
        last = None
        while True:
            try:
                code, status = request("GET", f"{url}/connectors/{name}/status")
            except OSError as e:
                code, status = None, None
                last = f"REST not answering ({e})"
            if code == 200:
                last = describe(status)
                if all_running(status):
                    print(f"{name}: {last}")
                    break
                # A task that failed while a dependency was down (source stopped, broker
                # restarted) stays FAILED: restart it once, as an operator would.
                if any_failed(status) and not restarted:
                    request("POST", f"{url}/connectors/{name}/restart?includeTasks=true&onlyFailed=true")
                    restarted = True
            elif code is not None:
                last = f"status answered {code}"
            if time.monotonic() > deadline:
                trace = first_trace_line(status) if code == 200 else ""
                sys.exit(f"{name}: not RUNNING after {timeout}s ({last})"
                         + (f"\n  {trace}" if trace else "") + f"\n  see {log}")
            time.sleep(0.5)


def states(url, conn_dir):
    for name, _ in connectors(conn_dir):
        try:
            code, status = request("GET", f"{url}/connectors/{name}/status", timeout=3)
            print(f"{name}: {describe(status) if code == 200 else 'not registered'}")
        except OSError:
            print(f"{name}: unknown (Connect down)")


def signal_topics(conn_dir):
    """Debezium's Kafka signal channel reads signal.kafka.topic (default <topic.prefix>-signal)
    and does not create it: the stack does, once, for every connector that enables the channel."""
    for _, config in connectors(conn_dir):
        channels = [c.strip() for c in config.get("signal.enabled.channels", "source").split(",")]
        if "kafka" in channels:
            print(config.get("signal.kafka.topic") or f"{config['topic.prefix']}-signal")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"sync": sync, "wait": wait, "states": states, "signal-topics": signal_topics}[cmd](*args)
