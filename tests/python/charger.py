#!/usr/bin/env python3
"""A charger built on the Python `ocpp` package, to check that the gateway
interoperates with an independent OCPP implementation.

It boots, reports its connector, authorizes, runs a transaction with meter
values and stops it, checking every answer (the package also validates each
CALLRESULT against the official schema). It answers the CSMS's common calls
meanwhile. Exit status 0 means every check passed; otherwise the reason is on
stderr.

    python3 charger.py --version 1.6 --url ws://127.0.0.1:9000/ocpp/PY16
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

ID_TAG = "PYTAG0001"


class CheckFailed(Exception):
    """An answer that is not what a well-behaved CSMS sends."""


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def step(action, answer):
    print(f"{action}: {answer}", flush=True)
    return answer


class Charger16(ChargePoint16):
    """OCPP 1.6: answers the CSMS's common calls, and plays a session."""

    @on("Reset")
    def on_reset(self, **_):
        return result16.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock_connector(self, **_):
        return result16.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(self, **_):
        return result16.ChangeAvailability(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, **_):
        return result16.SetChargingProfile(status="Accepted")

    @on("UpdateFirmware")
    def on_update_firmware(self, **_):
        return result16.UpdateFirmware()

    @on("TriggerMessage")
    def on_trigger_message(self, **_):
        return result16.TriggerMessage(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, **_):
        return result16.DataTransfer(status="Accepted")

    async def ask(self, payload):
        answer = await self.call(payload, suppress=False)
        return step(type(payload).__name__, answer)

    async def status(self, status):
        await self.ask(call16.StatusNotification(
            connector_id=1, error_code="NoError", status=status, timestamp=now()))

    async def session(self, meter_values):
        boot = await self.ask(call16.BootNotification(
            charge_point_model="py-ocpp", charge_point_vendor="interop"))
        check(boot.status == "Accepted", f"BootNotification: status {boot.status}")
        check(isinstance(boot.interval, int) and boot.interval > 0,
              f"BootNotification: interval {boot.interval!r}")
        heartbeat = await self.ask(call16.Heartbeat())
        check(heartbeat.current_time, "Heartbeat: no currentTime")
        await self.status("Available")
        auth = await self.ask(call16.Authorize(id_tag=ID_TAG))
        check(auth.id_tag_info["status"] == "Accepted", f"Authorize: {auth.id_tag_info}")
        await self.status("Preparing")

        energy = 1000
        start = await self.ask(call16.StartTransaction(
            connector_id=1, id_tag=ID_TAG, meter_start=energy, timestamp=now()))
        check(start.id_tag_info["status"] == "Accepted", f"StartTransaction: {start.id_tag_info}")
        tx = start.transaction_id
        check(isinstance(tx, int), f"StartTransaction: transactionId {tx!r}")
        await self.status("Charging")
        for _ in range(meter_values):
            energy += 250
            await self.ask(call16.MeterValues(connector_id=1, transaction_id=tx, meter_value=[{
                "timestamp": now(),
                "sampledValue": [
                    {"value": str(energy), "measurand": "Energy.Active.Import.Register",
                     "unit": "Wh", "context": "Sample.Periodic"},
                    {"value": "7400", "measurand": "Power.Active.Import", "unit": "W",
                     "context": "Sample.Periodic"},
                ],
            }]))
        stop = await self.ask(call16.StopTransaction(
            meter_stop=energy, timestamp=now(), transaction_id=tx, id_tag=ID_TAG, reason="Local"))
        if stop.id_tag_info is not None:
            check(stop.id_tag_info["status"] == "Accepted", f"StopTransaction: {stop.id_tag_info}")
        await self.status("Finishing")
        await self.status("Available")


class Charger201(ChargePoint201):
    """OCPP 2.0.1: answers the CSMS's common calls, and plays a session."""

    @on("Reset")
    def on_reset(self, **_):
        return result201.Reset(status="Accepted")

    @on("UnlockConnector")
    def on_unlock_connector(self, **_):
        return result201.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(self, **_):
        return result201.ChangeAvailability(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, **_):
        return result201.SetChargingProfile(status="Accepted")

    @on("UpdateFirmware")
    def on_update_firmware(self, **_):
        return result201.UpdateFirmware(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(self, **_):
        return result201.TriggerMessage(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, **_):
        return result201.DataTransfer(status="Accepted")

    async def ask(self, payload):
        answer = await self.call(payload, suppress=False)
        return step(type(payload).__name__, answer)

    async def status(self, status):
        await self.ask(call201.StatusNotification(
            timestamp=now(), connector_status=status, evse_id=1, connector_id=1))

    async def session(self, meter_values):
        boot = await self.ask(call201.BootNotification(
            charging_station={"model": "py-ocpp", "vendor_name": "interop"}, reason="PowerUp"))
        check(boot.status == "Accepted", f"BootNotification: status {boot.status}")
        check(isinstance(boot.interval, int) and boot.interval > 0,
              f"BootNotification: interval {boot.interval!r}")
        heartbeat = await self.ask(call201.Heartbeat())
        check(heartbeat.current_time, "Heartbeat: no currentTime")
        await self.status("Available")
        id_token = {"id_token": ID_TAG, "type": "ISO14443"}
        auth = await self.ask(call201.Authorize(id_token=id_token))
        check(auth.id_token_info["status"] == "Accepted", f"Authorize: {auth.id_token_info}")
        await self.status("Occupied")

        tx = f"PY-{int(datetime.now().timestamp() * 1000):x}"
        energy = 1000
        seq_no = 0

        async def event(event_type, trigger, state, samples, **extra):
            nonlocal seq_no
            answer = await self.ask(call201.TransactionEvent(
                event_type=event_type, timestamp=now(), trigger_reason=trigger, seq_no=seq_no,
                transaction_info={"transaction_id": tx, "charging_state": state, **extra},
                meter_value=[{"timestamp": now(), "sampled_value": samples}],
                **({"id_token": id_token, "evse": {"id": 1, "connector_id": 1}}
                   if event_type != "Updated" else {})))
            seq_no += 1
            if answer.id_token_info is not None:
                check(answer.id_token_info["status"] == "Accepted",
                      f"TransactionEvent {event_type}: {answer.id_token_info}")

        def energy_sample(context):
            return {"value": energy, "measurand": "Energy.Active.Import.Register",
                    "context": context, "unit_of_measure": {"unit": "Wh"}}

        await event("Started", "Authorized", "Charging", [energy_sample("Transaction.Begin")])
        for _ in range(meter_values):
            energy += 250
            power = {"value": 7400, "measurand": "Power.Active.Import",
                     "context": "Sample.Periodic", "unit_of_measure": {"unit": "W"}}
            await event("Updated", "MeterValuePeriodic", "Charging",
                        [energy_sample("Sample.Periodic"), power])
        await event("Ended", "StopAuthorized", "EVConnected",
                    [energy_sample("Transaction.End")], stopped_reason="Local")
        await self.status("Available")


async def run(args):
    charger_class, subprotocol = {
        "1.6": (Charger16, "ocpp1.6"),
        "2.0.1": (Charger201, "ocpp2.0.1"),
    }[args.version]
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        check(ws.subprotocol == subprotocol, f"handshake: subprotocol {ws.subprotocol!r}")
        charger = charger_class(identity, ws, response_timeout=args.timeout)
        listener = asyncio.create_task(charger.start())
        try:
            await charger.session(args.meter_values)
            if args.stay:
                # Keep answering the CSMS until it closes the connection.
                try:
                    await listener
                except websockets.exceptions.ConnectionClosedOK:
                    pass
        finally:
            listener.cancel()
    print("ok", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True, help="ws://host:port/ocpp/IDENTITY")
    parser.add_argument("--meter-values", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10, help="seconds per answer")
    parser.add_argument("--stay", action="store_true",
                        help="after the session, answer calls until the CSMS closes")
    parser.add_argument("--debug", action="store_true", help="log every frame")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    try:
        asyncio.run(run(args))
    except CheckFailed as failure:
        print(f"check failed: {failure}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 - any other failure is reported the same way
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
