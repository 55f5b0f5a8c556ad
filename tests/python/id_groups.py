#!/usr/bin/env python3
"""A charger on the Python `ocpp` package that checks id tags the way strict
firmware does, to test the gateway's groups, reservations and ConcurrentTx.

- ReserveNow: it authorizes the reservation's tag first and answers Accepted
  only if the CSMS accepts it (many chargers do this).
- RequestStartTransaction / RemoteStartTransaction: the same (1.6
  AuthorizeRemoteTxRequests, 2.0.1 AuthorizeRemoteStart).
- After a reservation it plays its cards: authorizations, transactions
  started with one card, presented again elsewhere, and ended with another card
  of the same user.

Every answer it saw is printed as one line `OBS <name> <json>` with the wire's
field names, `PHASE <n>` when a phase is done; the test decides what is right.

    python3 id_groups.py --version 1.6 --url ws://127.0.0.1:9000/ocpp/CP --cards A,B,X,M
"""

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime, timezone

import websockets
from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def observe(name, value):
    print(f"OBS {name} {json.dumps(snake_to_camel_case(value))}", flush=True)


class Concurrent:
    """Routes the CSMS's CALLs in tasks, so a handler may itself call the CSMS (the
    package's own loop waits for each handler)."""

    async def start(self):
        while True:
            message = await self._connection.recv()
            try:
                is_call = json.loads(message)[0] == 2
            except (ValueError, IndexError, TypeError):
                is_call = False
            if is_call:
                task = asyncio.create_task(self.route_message(message))
                self._tasks = getattr(self, "_tasks", set())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                await self.route_message(message)

    def setup(self):
        self.reservations = 0
        self.reserved = asyncio.Event()
        self.started = asyncio.Event()


class Charger16(Concurrent, ChargePoint16):
    async def authorize(self, tag):
        answer = await self.call(call16.Authorize(id_tag=tag), suppress=False)
        return answer.id_tag_info

    @on("ReserveNow")
    async def on_reserve_now(self, **request):
        observe(f"ReserveNow{self.reservations}", request)
        info = await self.authorize(request["id_tag"])
        observe(f"ReserveNow{self.reservations}.Authorize", info)
        self.reservations += 1
        self.reserved.set()
        status = "Accepted" if info["status"] == "Accepted" else "Rejected"
        return result16.ReserveNow(status=status)

    @on("RemoteStartTransaction")
    async def on_remote_start(self, **request):
        observe("RemoteStart", request)
        info = await self.authorize(request["id_tag"])
        observe("RemoteStart.Authorize", info)
        self.started.set()
        status = "Accepted" if info["status"] == "Accepted" else "Rejected"
        return result16.RemoteStartTransaction(status=status)

    async def boot(self):
        await self.call(call16.BootNotification(
            charge_point_model="py-ocpp", charge_point_vendor="groups"), suppress=False)
        for connector in (1, 2):
            await self.call(call16.StatusNotification(
                connector_id=connector, error_code="NoError", status="Available"))

    async def start_tx(self, connector, tag, timestamp):
        answer = await self.call(call16.StartTransaction(
            connector_id=connector, id_tag=tag, meter_start=100, timestamp=timestamp),
            suppress=False)
        return answer.transaction_id, answer.id_tag_info

    async def stop_tx(self, tx, tag=None, reason=None):
        answer = await self.call(call16.StopTransaction(
            meter_stop=500, timestamp=now(), transaction_id=tx, id_tag=tag, reason=reason),
            suppress=False)
        return answer.id_tag_info

    async def cards(self, a, b, x, m):
        observe("Authorize.A", await self.authorize(a))
        observe("Authorize.B", await self.authorize(b))
        observe("Authorize.X", await self.authorize(x))
        observe("Authorize.Group", await self.authorize(self.group))
        started = now()
        tx1, info = await self.start_tx(1, a, started)
        observe("Start.A.1", info)
        observe("Authorize.A.inUse", await self.authorize(a))
        tx2, info = await self.start_tx(2, a, now())
        observe("Start.A.2", info)
        observe("Stop.A.2", await self.stop_tx(tx2, reason="DeAuthorized"))
        # The same start again (a repeat after a lost answer): the same transaction.
        again, info = await self.start_tx(1, a, started)
        observe("Start.A.1.again", {"sameTransaction": again == tx1, **info})
        observe("Authorize.B.whileA", await self.authorize(b))
        tx3, info = await self.start_tx(2, m, now())
        observe("Start.M.2", info)
        observe("Authorize.M.inUse", await self.authorize(m))
        observe("Stop.M.2", await self.stop_tx(tx3, m))
        # Ended with the other card of the same user (its parentIdTag matched).
        observe("Stop.A.1.byB", await self.stop_tx(tx1, b))
        observe("Authorize.A.after", await self.authorize(a))


class Charger201(Concurrent, ChargePoint201):
    async def authorize(self, tag, kind="ISO14443"):
        answer = await self.call(call201.Authorize(
            id_token={"id_token": tag, "type": kind}), suppress=False)
        return answer.id_token_info

    @on("ReserveNow")
    async def on_reserve_now(self, **request):
        observe(f"ReserveNow{self.reservations}", request)
        token = request["id_token"]
        info = await self.authorize(token["id_token"], token["type"])
        observe(f"ReserveNow{self.reservations}.Authorize", info)
        self.reservations += 1
        self.reserved.set()
        status = "Accepted" if info["status"] == "Accepted" else "Rejected"
        return result201.ReserveNow(status=status)

    @on("RequestStartTransaction")
    async def on_request_start(self, **request):
        observe("RemoteStart", request)
        token = request["id_token"]
        info = await self.authorize(token["id_token"], token["type"])
        observe("RemoteStart.Authorize", info)
        self.started.set()
        status = "Accepted" if info["status"] == "Accepted" else "Rejected"
        return result201.RequestStartTransaction(status=status)

    async def boot(self):
        await self.call(call201.BootNotification(
            charging_station={"model": "py-ocpp", "vendor_name": "groups"},
            reason="PowerUp"), suppress=False)
        for evse in (1, 2):
            await self.call(call201.StatusNotification(
                timestamp=now(), connector_status="Available", evse_id=evse, connector_id=1))

    async def event(self, kind, tx, evse, tag, seq, **info):
        answer = await self.call(call201.TransactionEvent(
            event_type=kind, timestamp=now(),
            trigger_reason="Authorized" if tag else "EVCommunicationLost", seq_no=seq,
            transaction_info={"transaction_id": tx, **info},
            evse={"id": evse, "connector_id": 1},
            **({"id_token": {"id_token": tag, "type": "ISO14443"}} if tag else {})),
            suppress=False)
        return answer.id_token_info

    async def cards(self, a, b, x, m):
        observe("Authorize.A", await self.authorize(a))
        observe("Authorize.B", await self.authorize(b))
        observe("Authorize.X", await self.authorize(x))
        observe("Authorize.Group", await self.authorize(self.group, "Central"))
        observe("Start.A.1", await self.event("Started", "PYG-1", 1, a, 0))
        observe("Authorize.A.inUse", await self.authorize(a))
        observe("Start.A.2", await self.event("Started", "PYG-2", 2, a, 0))
        observe("Stop.A.2", await self.event(
            "Ended", "PYG-2", 2, None, 1, stopped_reason="DeAuthorized"))
        # The same transaction presenting its tag again is not concurrent with itself.
        observe("Start.A.1.again", await self.event("Updated", "PYG-1", 1, a, 1))
        observe("Authorize.B.whileA", await self.authorize(b))
        observe("Start.M.2", await self.event("Started", "PYG-3", 2, m, 0))
        observe("Authorize.M.inUse", await self.authorize(m))
        observe("Stop.M.2", await self.event(
            "Ended", "PYG-3", 2, m, 1, stopped_reason="Local"))
        # C09: ended with the other card of the same user (its groupIdToken matched).
        observe("Stop.A.1.byB", await self.event(
            "Ended", "PYG-1", 1, b, 2, stopped_reason="Local"))
        observe("Authorize.A.after", await self.authorize(a))


async def run(args):
    charger_class, subprotocol = {
        "1.6": (Charger16, "ocpp1.6"),
        "2.0.1": (Charger201, "ocpp2.0.1"),
    }[args.version]
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    a, b, x, m = args.cards.split(",")
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        charger = charger_class(identity, ws, response_timeout=args.timeout)
        charger.setup()
        charger.group = args.group
        listener = asyncio.create_task(charger.start())
        try:
            await charger.boot()
            print("PHASE 0", flush=True)
            await asyncio.wait_for(charger.reserved.wait(), args.timeout)
            await charger.cards(a, b, x, m)
            print("PHASE 1", flush=True)
            await asyncio.wait_for(charger.started.wait(), args.timeout)
            print("PHASE 2", flush=True)
            # Answer the CSMS until it closes the connection.
            try:
                await listener
            except websockets.exceptions.ConnectionClosed:
                pass
        finally:
            listener.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True, help="ws://host:port/ocpp/IDENTITY")
    parser.add_argument("--cards", required=True,
                        help="A,B,X,M: two cards of one user, one without a user, a master pass")
    parser.add_argument("--group", required=True, help="the group token of A's user")
    parser.add_argument("--timeout", type=float, default=20, help="seconds per wait")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(run(args))
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
