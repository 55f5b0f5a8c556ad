#!/usr/bin/env python3
"""A charger on the Python `ocpp` package (which checks every CALL it receives against
the official schema) for load management: it keeps the charging profiles it is sent and
reports what it draws, as it is told to.

It boots and reports each of its EVSEs Available (1.6: connectors 1..N; 2.0.1: EVSE n,
connector 1). Every CALL it receives is printed as `CALL <action> <payload JSON>` as it
arrived, before it is handled. SetChargingProfile and ClearChargingProfile are Accepted,
unless --no-profiles: then it has no handler for them and the package answers CALLERROR
NotImplemented (what a charger without smart charging does). It then reads commands
from stdin, one a line, and prints what became of each:

    start N          a transaction on EVSE N         -> STARTED N <transaction id>
    draw N A1 A2 A3  meter values: Current.Import per phase on EVSE N, amperes
                                                     -> DREW N
    needs N A WH     2.0.1 NotifyEVChargingNeeds on EVSE N: at most A amperes, WH Wh
                                                     -> NEEDS N <status>
    stop N           the transaction on EVSE N ends  -> STOPPED N

    python3 load_charger.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/LM --evses 2
"""

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timezone

import websockets
import websockets.exceptions
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from recorded import Recorder


def now():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def currents(amps):
    return [{"value": a, "measurand": "Current.Import", "phase": p, "unit": "A"}
            for a, p in zip(amps, ["L1", "L2", "L3"])]


class Base16(Recorder, ChargePoint16):
    evses = 1
    transactions = {}

    async def boot(self):
        await self.call(call16.BootNotification(
            charge_point_model="py-ocpp", charge_point_vendor="load"), suppress=False)
        for n in range(1, self.evses + 1):
            await self.call(call16.StatusNotification(
                connector_id=n, error_code="NoError", status="Available"), suppress=False)

    async def start_tx(self, n):
        r = await self.call(call16.StartTransaction(
            connector_id=n, id_tag="LOAD-TAG", meter_start=0, timestamp=now()), suppress=False)
        self.transactions[n] = r.transaction_id
        await self.call(call16.StatusNotification(
            connector_id=n, error_code="NoError", status="Charging"), suppress=False)
        return r.transaction_id

    async def draw(self, n, amps):
        sampled = [{**c, "unit": "A"} for c in currents(amps)]
        for s in sampled:
            s["value"] = str(s["value"])
        await self.call(call16.MeterValues(
            connector_id=n, transaction_id=self.transactions.get(n),
            meter_value=[{"timestamp": now(), "sampled_value": sampled}]), suppress=False)

    async def stop_tx(self, n):
        await self.call(call16.StopTransaction(
            transaction_id=self.transactions.pop(n), meter_stop=1000, timestamp=now()),
            suppress=False)
        await self.call(call16.StatusNotification(
            connector_id=n, error_code="NoError", status="Available"), suppress=False)


class Charger16(Base16):
    @on("SetChargingProfile")
    def on_set_charging_profile(self, **_):
        return result16.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_):
        return result16.ClearChargingProfile(status="Accepted")


class Base201(Recorder, ChargePoint201):
    evses = 1
    seq = 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    async def boot(self):
        await self.call(call201.BootNotification(
            charging_station={"model": "py-ocpp", "vendor_name": "load"},
            reason="PowerUp"), suppress=False)
        for n in range(1, self.evses + 1):
            await self.call(call201.StatusNotification(
                timestamp=now(), connector_status="Available", evse_id=n, connector_id=1),
                suppress=False)

    async def event(self, kind, n, trigger, charging_state=None, meter=None, token=None):
        info = {"transaction_id": f"tx-{n}"}
        if charging_state:
            info["charging_state"] = charging_state
        request = call201.TransactionEvent(
            event_type=kind, timestamp=now(), trigger_reason=trigger, seq_no=self.next_seq(),
            transaction_info=info, evse={"id": n, "connector_id": 1},
            id_token=token, meter_value=meter)
        await self.call(request, suppress=False)

    async def start_tx(self, n):
        await self.call(call201.StatusNotification(
            timestamp=now(), connector_status="Occupied", evse_id=n, connector_id=1),
            suppress=False)
        await self.event("Started", n, "Authorized", "Charging",
                         token={"id_token": "LOAD-TAG", "type": "ISO14443"})
        return f"tx-{n}"

    async def draw(self, n, amps):
        await self.event("Updated", n, "MeterValuePeriodic",
                         meter=[{"timestamp": now(), "sampled_value": currents(amps)}])

    async def needs(self, n, amps, wh):
        r = await self.call(call201.NotifyEVChargingNeeds(
            evse_id=n, charging_needs={
                "requested_energy_transfer": "AC_three_phase",
                "ac_charging_parameters": {"energy_amount": wh, "ev_min_current": 6,
                                           "ev_max_current": amps, "ev_max_voltage": 230}}),
            suppress=False)
        return r.status

    async def stop_tx(self, n):
        await self.event("Ended", n, "EVDeparted")
        await self.call(call201.StatusNotification(
            timestamp=now(), connector_status="Available", evse_id=n, connector_id=1),
            suppress=False)


class Charger201(Base201):
    @on("SetChargingProfile")
    def on_set_charging_profile(self, **_):
        return result201.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_):
        return result201.ClearChargingProfile(status="Accepted")


async def commands(cp):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        words = line.split()
        if not words:
            continue
        n = int(words[1])
        if words[0] == "start":
            print(f"STARTED {n} {await cp.start_tx(n)}", flush=True)
        elif words[0] == "draw":
            await cp.draw(n, [float(a) for a in words[2:5]])
            print(f"DREW {n}", flush=True)
        elif words[0] == "needs":
            print(f"NEEDS {n} {await cp.needs(n, int(words[2]), int(words[3]))}", flush=True)
        elif words[0] == "stop":
            await cp.stop_tx(n)
            print(f"STOPPED {n}", flush=True)


async def run(args):
    classes = {
        ("1.6", False): (Charger16, "ocpp1.6"),
        ("1.6", True): (Base16, "ocpp1.6"),
        ("2.0.1", False): (Charger201, "ocpp2.0.1"),
        ("2.0.1", True): (Base201, "ocpp2.0.1"),
    }
    cls, subprotocol = classes[(args.version, args.no_profiles)]
    cls.evses = args.evses
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        cp = cls(identity, ws, response_timeout=10)
        listener = asyncio.create_task(cp.start())
        await cp.boot()
        print("BOOTED", flush=True)
        steering = asyncio.create_task(commands(cp))
        try:
            await listener
        except websockets.exceptions.ConnectionClosed:
            pass
        steering.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--evses", type=int, default=1)
    parser.add_argument("--no-profiles", action="store_true")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, stream=sys.stderr)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
