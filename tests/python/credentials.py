#!/usr/bin/env python3
"""A charger that takes a security-profile raise the way a real one does, built on the
Python `ocpp` package (which checks every CSMS call against the official schemas).

It connects with the password it holds (none: profile 0), keeps the password the CSMS
sends (1.6 ChangeConfiguration AuthorizationKey, 2.0.1 SetVariables BasicAuthPassword),
records SetNetworkProfile / NetworkConfigurationPriority, and when it is told to move
(1.6 ChangeConfiguration SecurityProfile; 2.0.1 Reset) it drops the connection and
reconnects with the password it now holds, then boots. It prints one line per step;
"BOOTED <n>" after the n-th boot. Exit status 0 means every step worked.

    python3 credentials.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/CP1 --boots 2
"""

import argparse
import asyncio
import base64
import sys

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201


class State:
    def __init__(self, password):
        self.password = password
        self.move = asyncio.Event()
        self.network = None


def say(line):
    print(line, flush=True)


def charger16(state):
    class Charger16(ChargePoint16):
        @on("ChangeConfiguration")
        def on_change_configuration(self, key, value, **_):
            if key == "AuthorizationKey":
                state.password = value
                say("KEY taken")
            elif key == "SecurityProfile":
                say(f"PROFILE {value}")
            return result16.ChangeConfiguration(status="Accepted")

        @after("ChangeConfiguration")
        def after_change_configuration(self, key, **_):
            # Moves once the answer is on its way, as a charger reconnecting would.
            if key == "SecurityProfile":
                state.move.set()

        @on("InstallCertificate")
        def on_install_certificate(self, certificate_type, **_):
            say(f"INSTALLED {certificate_type}")
            return result16.InstallCertificate(status="Accepted")

    return Charger16


def charger201(state):
    class Charger201(ChargePoint201):
        @on("SetVariables")
        def on_set_variables(self, set_variable_data, **_):
            results = []
            for d in set_variable_data:
                name = d["variable"]["name"]
                if name == "BasicAuthPassword":
                    state.password = d["attribute_value"]
                    say("PASSWORD taken")
                else:
                    say(f"SET {name}={d['attribute_value']}")
                results.append({"attribute_status": "Accepted", "component": d["component"],
                                "variable": d["variable"]})
            return result201.SetVariables(set_variable_result=results)

        @on("GetVariables")
        def on_get_variables(self, get_variable_data, **_):
            return result201.GetVariables(get_variable_result=[
                {"attribute_status": "Accepted", "attribute_value": "1",
                 "component": d["component"], "variable": d["variable"]}
                for d in get_variable_data])

        @on("SetNetworkProfile")
        def on_set_network_profile(self, configuration_slot, connection_data, **_):
            state.network = connection_data
            say(f"NETWORK slot {configuration_slot} profile {connection_data['security_profile']}")
            return result201.SetNetworkProfile(status="Accepted")

        @on("InstallCertificate")
        def on_install_certificate(self, certificate_type, **_):
            say(f"INSTALLED {certificate_type}")
            return result201.InstallCertificate(status="Accepted")

        @on("Reset")
        def on_reset(self, type, **_):
            say(f"RESET {type}")
            return result201.Reset(status="Accepted")

        @after("Reset")
        def after_reset(self, **_):
            state.move.set()

    return Charger201


async def boot(cp, version):
    if version == "1.6":
        r = await cp.call(call16.BootNotification(charge_point_vendor="PyCred", charge_point_model="M"))
    else:
        r = await cp.call(call201.BootNotification(
            charging_station={"vendor_name": "PyCred", "model": "M"}, reason="PowerUp"))
    if r.status != "Accepted":
        raise SystemExit(f"boot answered {r.status}")


async def run(args):
    state = State(args.password)
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    subprotocol = "ocpp1.6" if args.version == "1.6" else "ocpp2.0.1"
    make = charger16(state) if args.version == "1.6" else charger201(state)
    for n in range(1, args.boots + 1):
        headers = {}
        if state.password:
            token = base64.b64encode(f"{identity}:{state.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        async with websockets.connect(args.url, subprotocols=[subprotocol],
                                      additional_headers=headers) as ws:
            cp = make(identity, ws)
            task = asyncio.create_task(cp.start())
            await asyncio.wait_for(boot(cp, args.version), args.timeout)
            say(f"BOOTED {n}")
            if n < args.boots:
                await asyncio.wait_for(state.move.wait(), args.timeout)
                state.move.clear()
            task.cancel()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--password", default=None)
    parser.add_argument("--boots", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(run(args)))
    except Exception as e:  # noqa: BLE001 - the reason goes to stderr
        print(f"failed: {e!r}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
