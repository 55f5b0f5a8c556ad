"""What the recording test chargers share: every CSMS CALL printed as it arrived
(`CALL <action> <payload JSON>`), before the `ocpp` package checks and handles it, and
the run of one charger: connect, boot, print `BOOTED`, answer until the socket closes."""

import asyncio
import json

import websockets
import websockets.exceptions


class Recorder:
    """Prints every CALL as it arrived, before the package handles it."""

    async def _handle_call(self, msg):
        print(f"CALL {msg.action} {json.dumps(msg.payload)}", flush=True)
        await super()._handle_call(msg)


async def serve(args, charger16, charger201):
    """Runs the charger of `args.version` against `args.url` until the socket closes.
    A charger's `setup(args)`, if it has one, runs before it boots."""
    charger_class, subprotocol = {
        "1.6": (charger16, "ocpp1.6"),
        "2.0.1": (charger201, "ocpp2.0.1"),
    }[args.version]
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        charger = charger_class(identity, ws, response_timeout=10)
        if hasattr(charger, "setup"):
            charger.setup(args)
        listener = asyncio.create_task(charger.start())
        await charger.boot()
        print("BOOTED", flush=True)
        try:
            await listener
        except websockets.exceptions.ConnectionClosed:
            pass
