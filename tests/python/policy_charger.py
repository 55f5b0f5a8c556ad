#!/usr/bin/env python3
"""A charger on the Python `ocpp` package, driven line by line, for the tests of what
the gateway allows and answers (boot registration, DataTransfer vendors).

It connects and then reads commands from stdin, one JSON object a line:

    {"send": "DataTransfer", "payload": {"vendorId": "x"}}

sends that CALL (built and schema-checked by the package) and prints
{"sent": ACTION, "result": {...}} or {"sent": ACTION, "error": "SecurityError"}.
Every CALL the central system sends is answered (Accepted, or the action's plain
answer) and printed as {"received": ACTION, "payload": {...}}; a TriggerMessage for
BootNotification is followed by a BootNotification, printed like a sent one. Output is
one JSON object a line, flushed.

    python3 policy_charger.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/PY
"""

import argparse
import asyncio
import dataclasses
import json
import sys

import websockets
from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201


def out(obj):
    print(json.dumps(obj), flush=True)


def as_dict(result):
    if result is None:
        return None
    return snake_to_camel_case(dataclasses.asdict(result))


class Scripted:
    """What both versions share: sending a command's CALL and printing the outcome."""

    calls = None
    boot = None

    async def send(self, action, payload):
        try:
            message = getattr(self.calls, action)(**camel_to_snake_case(payload))
            result = await self.call(message, suppress=False)
            out({"sent": action, "result": as_dict(result)})
        except OCPPError as e:
            out({"sent": action, "error": e.code, "description": e.description})
        except Exception as e:  # a refusal of our own (schema) is a finding too
            out({"sent": action, "failed": f"{type(e).__name__}: {e}"})

    def seen(self, action, **payload):
        out({"received": action, "payload": snake_to_camel_case(payload)})


class Charger16(Scripted, ChargePoint16):
    calls = call16
    boot = {"chargePointVendor": "PyVendor", "chargePointModel": "PyModel"}

    @on("TriggerMessage")
    def on_trigger(self, **p):
        self.seen("TriggerMessage", **p)
        return result16.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    async def after_trigger(self, requested_message, **_):
        if requested_message == "BootNotification":
            await self.send("BootNotification", self.boot)

    @on("GetConfiguration")
    def on_get_configuration(self, **p):
        self.seen("GetConfiguration", **p)
        return result16.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        )

    @on("ChangeConfiguration")
    def on_change_configuration(self, **p):
        self.seen("ChangeConfiguration", **p)
        return result16.ChangeConfiguration(status="Accepted")

    @on("RemoteStartTransaction")
    def on_remote_start(self, **p):
        self.seen("RemoteStartTransaction", **p)
        return result16.RemoteStartTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, **p):
        self.seen("Reset", **p)
        return result16.Reset(status="Accepted")


class Charger201(Scripted, ChargePoint201):
    calls = call201
    boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "PyVendor", "model": "PyModel"}}

    @on("TriggerMessage")
    def on_trigger(self, **p):
        self.seen("TriggerMessage", **p)
        return result201.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    async def after_trigger(self, requested_message, **_):
        if requested_message == "BootNotification":
            await self.send(
                "BootNotification",
                {"reason": "Triggered", "chargingStation": self.boot["chargingStation"]},
            )

    @on("GetVariables")
    def on_get_variables(self, get_variable_data, **p):
        self.seen("GetVariables", get_variable_data=get_variable_data, **p)
        return result201.GetVariables(
            get_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "component": d["component"],
                    "variable": d["variable"],
                    "attribute_value": "1",
                }
                for d in get_variable_data
            ]
        )

    @on("SetVariables")
    def on_set_variables(self, set_variable_data, **p):
        self.seen("SetVariables", set_variable_data=set_variable_data, **p)
        return result201.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "component": d["component"],
                    "variable": d["variable"],
                }
                for d in set_variable_data
            ]
        )

    @on("RequestStartTransaction")
    def on_request_start(self, **p):
        self.seen("RequestStartTransaction", **p)
        return result201.RequestStartTransaction(status="Accepted")

    @on("Reset")
    def on_reset(self, **p):
        self.seen("Reset", **p)
        return result201.Reset(status="Accepted")


async def commands(cp):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if "send" in cmd:
            payload = cmd.get("payload")
            if payload is None and cmd["send"] == "BootNotification":
                payload = cp.boot
            asyncio.ensure_future(cp.send(cmd["send"], payload or {}))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    p.add_argument("--url", required=True)
    a = p.parse_args()
    sub, cls = ("ocpp1.6", Charger16) if a.version == "1.6" else ("ocpp2.0.1", Charger201)
    identity = a.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(a.url, subprotocols=[sub]) as ws:
        cp = cls(identity, ws, response_timeout=10)
        out({"connected": identity})
        reader = asyncio.ensure_future(cp.start())
        await commands(cp)
        reader.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, websockets.exceptions.ConnectionClosed):
        pass
