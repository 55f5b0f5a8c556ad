#!/usr/bin/env python3
"""A 2.0.1 charging station built on the Python `ocpp` package that authorizes
Plug & Charge contracts: it boots, then for each line on stdin, a JSON object
{"idToken": EMAID, "hashData": [OCSPRequestDataType, ...]} or {"idToken": EMAID,
"certificate": PEM}, sends Authorize with idToken type eMAID and
iso15118CertificateHashData or the contract certificate chain, and prints the answer as one JSON
line {"status": idTokenInfo.status, "certificateStatus": ...}. The package checks both
messages against the official schemas. It ends at the end of stdin.

    python3 pnc_station.py --url ws://127.0.0.1:9000/ocpp/PNC1
"""

import argparse
import asyncio
import json
import sys

import websockets
from ocpp.v201 import ChargePoint
from ocpp.v201 import call


async def lines():
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        if line.strip():
            yield json.loads(line)


async def main(args):
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=["ocpp2.0.1"]) as ws:
        cp = ChargePoint(identity, ws)
        runner = asyncio.ensure_future(cp.start())
        boot = await cp.call(
            call.BootNotification(
                charging_station={"model": "PnC", "vendor_name": "V"}, reason="PowerUp"
            )
        )
        print(json.dumps({"boot": boot.status}), flush=True)
        async for request in lines():
            answer = await cp.call(
                call.Authorize(
                    id_token={"idToken": request["idToken"], "type": "eMAID"},
                    iso15118_certificate_hash_data=request.get("hashData"),
                    certificate=request.get("certificate"),
                )
            )
            print(
                json.dumps(
                    {
                        "status": answer.id_token_info["status"],
                        "certificateStatus": answer.certificate_status,
                    }
                ),
                flush=True,
            )
        runner.cancel()
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    sys.exit(asyncio.run(main(p.parse_args())))
