#!/usr/bin/env python3
"""Checks the deployment files without a container engine or a cluster: the YAML
parses, compose services name an image or a build, Kubernetes objects have the keys
the API server requires, probes point at the gateway's endpoints, the systemd unit has
its sections and runs `serve`, and the Dockerfile runs as a non-root user."""
import configparser
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


compose = yaml.safe_load((HERE / "compose.yaml").read_text())
need(isinstance(compose.get("services"), dict) and compose["services"], "compose: no services")
for name, svc in (compose.get("services") or {}).items():
    need("image" in svc or "build" in svc, f"compose: {name} has neither image nor build")

for path in sorted((HERE / "kubernetes").glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc is None:
            continue
        where = f"{path.name}: {doc.get('kind')}"
        for key in ("apiVersion", "kind", "metadata"):
            need(key in doc, f"{where}: missing {key}")
        need("name" in doc.get("metadata", {}), f"{where}: metadata.name missing")
        if doc.get("kind") in ("StatefulSet", "Deployment"):
            spec = doc["spec"]
            labels = spec["template"]["metadata"]["labels"]
            need(spec["selector"]["matchLabels"].items() <= labels.items(), f"{where}: selector does not match the template")
            for c in spec["template"]["spec"]["containers"]:
                need(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/ready", f"{where}: readiness probe is not /ready")
                need(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", f"{where}: liveness probe is not /health")

unit = configparser.ConfigParser(strict=False, interpolation=None)
unit.optionxform = str
unit.read_string((HERE / "ocpp-gateway.service").read_text())
for section in ("Unit", "Service", "Install"):
    need(unit.has_section(section), f"systemd: no [{section}]")
need(" serve" in unit.get("Service", "ExecStart", fallback=""), "systemd: ExecStart does not run serve")

docker = (HERE / "Dockerfile").read_text()
need(docker.count("FROM ") >= 2, "Dockerfile: not multi-stage")
need("\nUSER " in docker, "Dockerfile: runs as root")

if errors:
    print("deploy check failed:\n  " + "\n  ".join(errors))
    sys.exit(1)
print("deploy files: ok")
