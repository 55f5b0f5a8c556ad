#!/usr/bin/env python3
"""Checks the deployment files without a container engine or a cluster: the YAML
parses, compose services name an image or a build, Kubernetes objects have the keys
the API server requires, the gateway's probes point at its endpoints, cluster
deployments give every node the shared store, the broker and a node id of its own
(and run at least two nodes), the HAProxy file balances to every node, the systemd
unit has its sections and runs `serve`, the Dockerfile runs as a non-root user, and the
TLS-terminating HAProxy offers the cipher suites OCPP requires, verifies client
certificates and never passes on a certificate header a charger sent."""
import configparser
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


def is_gateway(image):
    return str(image or "").startswith("ocpp-gateway")


CLUSTER_ENV = ("OCPP_GATEWAY__STORE__URL", "OCPP_GATEWAY__CLUSTER__NATS_URL", "OCPP_GATEWAY__CLUSTER__NODE_ID")

for compose_file in ("compose.yaml", "compose.cluster.yaml"):
    compose = yaml.safe_load((HERE / compose_file).read_text())
    need(isinstance(compose.get("services"), dict) and compose["services"], f"{compose_file}: no services")
    gateways = {}
    for name, svc in (compose.get("services") or {}).items():
        need("image" in svc or "build" in svc, f"{compose_file}: {name} has neither image nor build")
        if is_gateway(svc.get("image")):
            gateways[name] = svc.get("environment") or {}
    need(gateways, f"{compose_file}: no gateway service")
    if compose_file == "compose.cluster.yaml":
        need(len(gateways) >= 2, f"{compose_file}: fewer than two gateway nodes")
        for name, env in gateways.items():
            for key in CLUSTER_ENV:
                need(env.get(key), f"{compose_file}: {name} lacks {key}")
        ids = [env.get("OCPP_GATEWAY__CLUSTER__NODE_ID") for env in gateways.values()]
        need(len(set(ids)) == len(ids), f"{compose_file}: node ids repeat: {ids}")
        need({"postgres", "nats"} <= set(compose["services"]), f"{compose_file}: PostgreSQL or NATS missing")
        haproxy = (HERE / "haproxy.cfg").read_text()
        for name in gateways:
            need(f"server {name} {name}:9000" in haproxy, f"haproxy.cfg: no OCPP server line for {name}")

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
                if not is_gateway(c.get("image")):
                    need(c.get("readinessProbe"), f"{where}: {c.get('name')} has no readiness probe")
                    continue
                need(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/ready", f"{where}: readiness probe is not /ready")
                need(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", f"{where}: liveness probe is not /health")
                env = {e["name"] for e in c.get("env", [])}
                if "OCPP_GATEWAY__STORE__URL" in env:
                    for key in CLUSTER_ENV:
                        need(key in env, f"{where}: cluster node lacks {key}")
                    node_id = next(e for e in c["env"] if e["name"] == "OCPP_GATEWAY__CLUSTER__NODE_ID")
                    need(node_id.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name", f"{where}: node id is not the pod name")
                    need(spec.get("replicas", 1) >= 2, f"{where}: a cluster of fewer than two nodes")

unit = configparser.ConfigParser(strict=False, interpolation=None)
unit.optionxform = str
unit.read_string((HERE / "ocpp-gateway.service").read_text())
for section in ("Unit", "Service", "Install"):
    need(unit.has_section(section), f"systemd: no [{section}]")
need(" serve" in unit.get("Service", "ExecStart", fallback=""), "systemd: ExecStart does not run serve")

docker = (HERE / "Dockerfile").read_text()
need(docker.count("FROM ") >= 2, "Dockerfile: not multi-stage")
need("\nUSER " in docker, "Dockerfile: runs as root")

# The TLS-terminating proxy (deploy/haproxy/): OCPP 2.0.1 A00.FR.318/319/418/419.
OCPP_SUITES = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "AES128-GCM-SHA256", "AES256-GCM-SHA384")
tls_proxy = (HERE / "haproxy" / "haproxy.cfg").read_text()
lines = [line.split("#", 1)[0].strip() for line in tls_proxy.splitlines()]
ciphers = next((line.split()[1].split(":") for line in lines if line.startswith("ssl-default-bind-ciphers ")), [])
for suite in OCPP_SUITES:
    need(suite in ciphers, f"haproxy/haproxy.cfg: cipher suite {suite} not offered")
need(any("ssl-min-ver TLSv1.2" in line for line in lines), "haproxy/haproxy.cfg: TLS below 1.2 allowed")
binds = [line for line in lines if line.startswith("bind ")]
need(binds and all(" ssl " in b and "haproxy-rsa.pem" in b and "haproxy-ecdsa.pem" in b for b in binds), "haproxy/haproxy.cfg: a bind without the RSA and ECDSA certificates")
need(binds and all("ca-file" in b and "verify optional" in b for b in binds), "haproxy/haproxy.cfg: client certificates are not verified against the charger CA")
drop = next((i for i, line in enumerate(lines) if line == "http-request del-header X-Forwarded-Client-Cert"), None)
put = next((i for i, line in enumerate(lines) if line.startswith("http-request set-header X-Forwarded-Client-Cert")), None)
need(drop is not None and put is not None and drop < put, "haproxy/haproxy.cfg: a charger's own X-Forwarded-Client-Cert is not dropped first")
need(put is not None and "ssl_c_verify 0" in lines[put], "haproxy/haproxy.cfg: an unverified client certificate is forwarded")
script = HERE / "haproxy" / "rsa-server-cert.sh"
need(script.exists() and script.stat().st_mode & 0o111, "haproxy/rsa-server-cert.sh missing or not executable")

if errors:
    print("deploy check failed:\n  " + "\n  ".join(errors))
    sys.exit(1)
print("deploy files: ok")
