#!/usr/bin/env python3
"""A 2.0.1 charger built on the Python `ocpp` package that connects over TLS with
its cipher suites restricted, as a charger whose TLS stack offers only some of the
suites OCPP lists. It prints the suite negotiated, boots, and prints the answer.

    python3 tls_proxy_charger.py --url wss://127.0.0.1:8443/ocpp/CP1 --ca ca.pem \
        --cipher AES128-GCM-SHA256 [--user CP1 --password SECRET] [--cert C --key K]

Exit status 0: booted (lines `cipher=...`, `boot=...`); 3: the WebSocket upgrade was
refused (line `refused=HTTP_STATUS`); 4: the TLS handshake failed (`tls_error=...`).
"""

import argparse
import asyncio
import base64
import ssl
import sys

import websockets
import websockets.exceptions
from ocpp.v201 import ChargePoint
from ocpp.v201 import call


async def main(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    # TLS 1.2 only: TLS 1.3 suites cannot be restricted this way, and OCPP's list
    # (A00.FR.318/418) is a TLS 1.2 one.
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(args.cipher)
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    headers = {}
    if args.user is not None:
        token = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    if args.forge_client_cert:
        # What a proxy would forward, sent by the charger itself.
        with open(args.forge_client_cert) as f:
            headers["X-Forwarded-Client-Cert"] = "".join(f.read().split("-----")[2].split())
    kwargs = {"ssl": ctx, "subprotocols": ["ocpp2.0.1"], "additional_headers": headers}
    if args.server_name:
        kwargs["server_hostname"] = args.server_name
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    try:
        ws = await asyncio.wait_for(websockets.connect(args.url, **kwargs), 10)
    except websockets.exceptions.InvalidStatus as e:
        print(f"refused={e.response.status_code}", flush=True)
        return 3
    except (ssl.SSLError, ConnectionError) as e:
        print(f"tls_error={e}", flush=True)
        return 4
    async with ws:
        print(f"cipher={ws.transport.get_extra_info('ssl_object').cipher()[0]}", flush=True)
        cp = ChargePoint(identity, ws)
        runner = asyncio.ensure_future(cp.start())
        try:
            answer = await asyncio.wait_for(
                cp.call(
                    call.BootNotification(
                        charging_station={"model": "M", "vendor_name": "V"},
                        reason="PowerUp",
                    )
                ),
                10,
            )
            print(f"boot={answer.status}", flush=True)
        finally:
            runner.cancel()
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cipher", required=True)
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--server-name")
    p.add_argument("--forge-client-cert", help="a PEM file sent as X-Forwarded-Client-Cert")
    sys.exit(asyncio.run(main(p.parse_args())))
