#!/usr/bin/env python3
"""A station on the Python `ocpp` package for the operator's settings: display messages
(O01/O05), variable monitoring (N04-N06), network profiles (B09), transaction status
(E14), running cost (I02/I03, and the 1.6 California pricing DataTransfer) and firmware
(L01/L03).

Every CSMS call it receives is printed as one line, `CALL <action> <payload JSON>` (the
frame's payload as it came), for the test to check against the schema and the body it
posted. It accepts everything, unless told otherwise on stdin, one line each:

    next <Action> <Status>   the next <Action> is answered with <Status>
    next <Action> error      the next <Action> is answered with a CALLERROR
    start <transactionId>    start a transaction (2.0.1 TransactionEvent Started on
                             EVSE 1; 1.6 StartTransaction on connector 1)
    update <transactionId>   2.0.1 TransactionEvent Updated
    queue <transactionId>    hold the transaction's Ended event: GetTransactionStatus
                             answers messagesInQueue true, then sends it (offline)
    boot                     BootNotification again (as after a power loss), alone
    available <evse>         StatusNotification Available

Each line is acknowledged with `ACK <line>`.

    python3 setters_charger.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/SET1
"""

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime, timezone

import websockets
from ocpp.exceptions import InternalError
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Told:
    """The answers the test asked for, and the printing of every CSMS call."""

    def __init__(self):
        self.overrides = {}

    async def route_message(self, raw_msg):
        message = json.loads(raw_msg)
        if message[0] == 2:
            print(f"CALL {message[2]} {json.dumps(message[3])}", flush=True)
        return await super().route_message(raw_msg)

    def status(self, action, default="Accepted"):
        """The status to answer `action` with; raises the CALLERROR when told to."""
        told = self.overrides.pop(action, None)
        if told == "error":
            raise InternalError(description=f"{action} failed on the station")
        return told or default


class Station201(Told, ChargePoint201):
    def __init__(self, identity, ws):
        Told.__init__(self)
        ChargePoint201.__init__(self, identity, ws, response_timeout=30)
        self.next_monitor = 100
        self.queued = {}
        self.seq = {}

    @on("SetDisplayMessage")
    def on_set_display_message(self, message, **_):
        return result201.SetDisplayMessage(status=self.status("SetDisplayMessage"))

    @on("ClearDisplayMessage")
    def on_clear_display_message(self, id, **_):
        return result201.ClearDisplayMessage(status=self.status("ClearDisplayMessage"))

    @on("SetVariableMonitoring")
    def on_set_variable_monitoring(self, set_monitoring_data, **_):
        status = self.status("SetVariableMonitoring")
        results = []
        for m in set_monitoring_data:
            result = {"status": status, "type": m["type"], "severity": m["severity"],
                      "component": m["component"], "variable": m["variable"]}
            if status == "Accepted":
                if "id" in m:
                    result["id"] = m["id"]
                else:
                    result["id"] = self.next_monitor
                    self.next_monitor += 1
            results.append(result)
        return result201.SetVariableMonitoring(set_monitoring_result=results)

    @on("ClearVariableMonitoring")
    def on_clear_variable_monitoring(self, id, **_):
        status = self.status("ClearVariableMonitoring")
        return result201.ClearVariableMonitoring(
            clear_monitoring_result=[{"id": i, "status": status if i < 1000 else "NotFound"}
                                     for i in id])

    @on("SetMonitoringBase")
    def on_set_monitoring_base(self, monitoring_base, **_):
        return result201.SetMonitoringBase(status=self.status("SetMonitoringBase"))

    @on("SetMonitoringLevel")
    def on_set_monitoring_level(self, severity, **_):
        return result201.SetMonitoringLevel(status=self.status("SetMonitoringLevel"))

    @on("SetNetworkProfile")
    def on_set_network_profile(self, configuration_slot, connection_data, **_):
        return result201.SetNetworkProfile(status=self.status("SetNetworkProfile"))

    @on("GetTransactionStatus")
    def on_get_transaction_status(self, transaction_id=None, **_):
        self.status("GetTransactionStatus")
        queued = transaction_id in self.queued if transaction_id else bool(self.queued)
        if transaction_id is None:
            return result201.GetTransactionStatus(messages_in_queue=queued)
        return result201.GetTransactionStatus(messages_in_queue=queued,
                                              ongoing_indicator=False)

    @after("GetTransactionStatus")
    async def after_get_transaction_status(self, transaction_id=None, **_):
        # E14.FR.03: the queued messages follow; the Ended event was held back.
        for tx in [t for t in self.queued if transaction_id in (None, t)]:
            await self.transaction_event(tx, "Ended", offline=True)
            del self.queued[tx]

    @on("CostUpdated")
    def on_cost_updated(self, total_cost, transaction_id, **_):
        self.status("CostUpdated")
        return result201.CostUpdated()

    @on("PublishFirmware")
    def on_publish_firmware(self, location, checksum, request_id, **_):
        return result201.PublishFirmware(status=self.status("PublishFirmware"))

    @on("UnpublishFirmware")
    def on_unpublish_firmware(self, checksum, **_):
        return result201.UnpublishFirmware(status=self.status("UnpublishFirmware", "Unpublished"))

    @on("UpdateFirmware")
    def on_update_firmware(self, request_id, firmware, **_):
        return result201.UpdateFirmware(status=self.status("UpdateFirmware"))

    async def transaction_event(self, tx, kind, offline=False):
        seq = self.seq.get(tx, 0)
        self.seq[tx] = seq + 1
        event = {"event_type": kind, "timestamp": now(), "seq_no": seq,
                 "trigger_reason": "Authorized" if kind == "Started" else "EVCommunicationLost",
                 "transaction_info": {"transaction_id": tx},
                 "meter_value": [{"timestamp": now(), "sampled_value": [
                     {"value": 1000.0 * seq, "measurand": "Energy.Active.Import.Register"}]}]}
        if kind == "Started":
            event["evse"] = {"id": 1, "connector_id": 1}
            event["id_token"] = {"id_token": "TAG1", "type": "ISO14443"}
        else:
            event["transaction_info"]["stopped_reason"] = "EVDisconnected"
        if offline:
            event["offline"] = True
        answer = await self.call(call201.TransactionEvent(**event), suppress=False)
        print(f"TX {kind} {tx} {json.dumps(answer.total_cost)}", flush=True)

    async def command(self, words):
        if words[0] == "start":
            await self.transaction_event(words[1], "Started")
        elif words[0] == "update":
            await self.transaction_event(words[1], "Updated")
        elif words[0] == "queue":
            self.queued[words[1]] = True
        elif words[0] == "boot":
            # Only the boot: the test reports the EVSE itself (`available`).
            await self.call(call201.BootNotification(
                charging_station={"model": "py-setters", "vendor_name": "interop"},
                reason="PowerUp"), suppress=False)
        elif words[0] == "available":
            await self.call(call201.StatusNotification(
                timestamp=now(), connector_status="Available", evse_id=int(words[1]),
                connector_id=1), suppress=False)

    async def boot(self):
        await self.call(call201.BootNotification(
            charging_station={"model": "py-setters", "vendor_name": "interop"},
            reason="PowerUp"), suppress=False)
        await self.call(call201.StatusNotification(
            timestamp=now(), connector_status="Available", evse_id=1, connector_id=1),
            suppress=False)


class Station16(Told, ChargePoint16):
    def __init__(self, identity, ws):
        Told.__init__(self)
        ChargePoint16.__init__(self, identity, ws, response_timeout=30)

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id, message_id=None, data=None, **_):
        return result16.DataTransfer(status=self.status("DataTransfer"))

    @on("UpdateFirmware")
    def on_update_firmware(self, location, retrieve_date, **_):
        self.status("UpdateFirmware")
        return result16.UpdateFirmware()

    @on("SignedUpdateFirmware")
    def on_signed_update_firmware(self, request_id, firmware, **_):
        return result16.SignedUpdateFirmware(status=self.status("SignedUpdateFirmware"))

    @on("GetConfiguration")
    def on_get_configuration(self, key=None, **_):
        # The California pricing convention: it shows cost and price.
        known = [{"key": "CustomDisplayCostAndPrice", "readonly": True, "value": "true"}]
        if key:
            return result16.GetConfiguration(
                configuration_key=[k for k in known if k["key"] in key],
                unknown_key=[k for k in key if k not in {x["key"] for x in known}])
        return result16.GetConfiguration(configuration_key=known)

    async def command(self, words):
        if words[0] == "start":
            answer = await self.call(call16.StartTransaction(
                connector_id=1, id_tag="TAG1", meter_start=0, timestamp=now()), suppress=False)
            print(f"TX Started {answer.transaction_id}", flush=True)

    async def boot(self):
        await self.call(call16.BootNotification(
            charge_point_model="py-setters", charge_point_vendor="interop"), suppress=False)
        await self.call(call16.StatusNotification(
            connector_id=1, error_code="NoError", status="Available"), suppress=False)


async def control(station):
    """Reads the test's lines from stdin."""
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        words = line.split()
        if len(words) == 3 and words[0] == "next":
            station.overrides[words[1]] = words[2]
        elif words:
            await station.command(words)
        print(f"ACK {line.strip()}", flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    protocol, cls = {"1.6": ("ocpp1.6", Station16), "2.0.1": ("ocpp2.0.1", Station201)}[args.version]
    async with websockets.connect(args.url, subprotocols=[protocol]) as ws:
        station = cls(identity, ws)
        runner = asyncio.create_task(station.start())
        await station.boot()
        print("READY", flush=True)
        ctl = asyncio.create_task(control(station))
        await asyncio.wait([runner, ctl], return_when=asyncio.FIRST_COMPLETED)


if __name__ == "__main__":
    asyncio.run(main())
