#!/usr/bin/env python3
"""A charger that forgets its transaction, built on the Python `ocpp` package.

It boots, reports its connector Available, starts a transaction (its register
continuing from --meter), sends meter values, and then either stops the
transaction (--stop) or stays charging until it is killed, as a charger that
loses power does: the next run of the script is the charger after the reboot,
which knows nothing of the transaction it had. Once its transaction runs (or
has stopped) it prints one JSON line with what it reported:

    {"tx": ..., "meterStart": ..., "lastEnergy": ..., "samples": ..., "stopped": ...}

    python3 restart_forget.py --version 1.6 --url ws://127.0.0.1:9000/ocpp/RF16 --meter 1000
"""

import argparse
import asyncio
import json
import sys
import uuid
from datetime import datetime, timezone

import websockets
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.routing import on


def tag_of(identity):
    """Each charger's own card: one card charging at two chargers at once would rightly
    be refused (ConcurrentTx)."""
    return ("PYF-" + identity)[:20]


class CheckFailed(Exception):
    """An answer that is not what a well-behaved CSMS sends."""


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Charger16(ChargePoint16):
    async def ask(self, payload):
        return await self.call(payload, suppress=False)

    async def status(self, status):
        await self.ask(call16.StatusNotification(
            connector_id=1, error_code="NoError", status=status, timestamp=now()))

    async def play(self, meter, values, stop):
        boot = await self.ask(call16.BootNotification(
            charge_point_model="py-forget", charge_point_vendor="interop"))
        check(boot.status == "Accepted", f"BootNotification: {boot.status}")
        await self.status("Available")
        await self.status("Preparing")
        start = await self.ask(call16.StartTransaction(
            connector_id=1, id_tag=tag_of(self.id), meter_start=meter, timestamp=now()))
        check(start.id_tag_info["status"] == "Accepted", f"StartTransaction: {start.id_tag_info}")
        tx = start.transaction_id
        await self.status("Charging")
        energy, samples = meter, 0
        for _ in range(values):
            energy += 250
            await self.ask(call16.MeterValues(connector_id=1, transaction_id=tx, meter_value=[{
                "timestamp": now(),
                "sampledValue": [
                    {"value": str(energy), "measurand": "Energy.Active.Import.Register",
                     "unit": "Wh", "context": "Sample.Periodic"},
                    {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }]))
            samples += 2
        if stop:
            energy += 100
            await self.ask(call16.StopTransaction(
                meter_stop=energy, timestamp=now(), transaction_id=tx, id_tag=tag_of(self.id),
                reason="Local"))
            await self.status("Finishing")
            await self.status("Available")
        return {"tx": tx, "meterStart": meter, "lastEnergy": energy, "samples": samples,
                "stopped": stop}


class Charger201(ChargePoint201):
    asked = None

    async def ask(self, payload):
        return await self.call(payload, suppress=False)

    @on("GetTransactionStatus")
    def on_get_transaction_status(self, transaction_id=None, **_):
        # It lost the transaction: not ongoing, nothing of it queued (E14).
        if self.asked is not None:
            self.asked.set()
        return result201.GetTransactionStatus(messages_in_queue=False,
                                              ongoing_indicator=False)

    async def status(self, status):
        await self.ask(call201.StatusNotification(
            timestamp=now(), connector_status=status, evse_id=1, connector_id=1))

    async def play(self, meter, values, stop):
        boot = await self.ask(call201.BootNotification(
            charging_station={"model": "py-forget", "vendor_name": "interop"},
            reason="PowerUp"))
        check(boot.status == "Accepted", f"BootNotification: {boot.status}")
        self.asked = asyncio.Event()
        await self.status("Available")
        if self.after_loss:
            # The CSMS asks about the transaction it lost before closing it (E14).
            await asyncio.wait_for(self.asked.wait(), self.timeout)
        await self.status("Occupied")
        tx = str(uuid.uuid4())
        id_token = {"id_token": tag_of(self.id), "type": "ISO14443"}
        energy, samples, seq_no = meter, 0, 0

        async def event(event_type, trigger, state, extra_samples=(), **info):
            nonlocal seq_no, samples
            sampled = [{"value": energy, "measurand": "Energy.Active.Import.Register",
                        "unit_of_measure": {"unit": "Wh"}}, *extra_samples]
            answer = await self.ask(call201.TransactionEvent(
                event_type=event_type, timestamp=now(), trigger_reason=trigger, seq_no=seq_no,
                transaction_info={"transaction_id": tx, "charging_state": state, **info},
                meter_value=[{"timestamp": now(), "sampled_value": sampled}],
                **({"id_token": id_token, "evse": {"id": 1, "connector_id": 1}}
                   if event_type == "Started" else {})))
            seq_no += 1
            samples += len(sampled)
            if answer.id_token_info is not None:
                check(answer.id_token_info["status"] == "Accepted",
                      f"TransactionEvent {event_type}: {answer.id_token_info}")

        await event("Started", "Authorized", "Charging")
        for _ in range(values):
            energy += 250
            power = {"value": 7400, "measurand": "Power.Active.Import",
                     "unit_of_measure": {"unit": "W"}}
            await event("Updated", "MeterValuePeriodic", "Charging", [power])
        if stop:
            energy += 100
            await event("Ended", "StopAuthorized", "EVConnected", stopped_reason="Local")
            await self.status("Available")
        return {"tx": tx, "meterStart": meter, "lastEnergy": energy, "samples": samples,
                "stopped": stop}


async def run(args):
    charger_class, subprotocol = {
        "1.6": (Charger16, "ocpp1.6"),
        "2.0.1": (Charger201, "ocpp2.0.1"),
    }[args.version]
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        charger = charger_class(identity, ws, response_timeout=args.timeout)
        charger.after_loss, charger.timeout = args.after_loss, args.timeout
        listener = asyncio.create_task(charger.start())
        report = await charger.play(args.meter, args.meter_values, args.stop)
        print(json.dumps(report), flush=True)
        if not args.stop:
            # Charging until killed: the transaction is never stopped.
            await listener
        listener.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True, help="ws://host:port/ocpp/IDENTITY")
    parser.add_argument("--meter", type=int, default=1000, help="the register at the start, Wh")
    parser.add_argument("--meter-values", type=int, default=3)
    parser.add_argument("--stop", action="store_true", help="stop the transaction and exit")
    parser.add_argument("--after-loss", action="store_true",
                        help="a previous life was killed mid-transaction")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per answer")
    args = parser.parse_args()
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
