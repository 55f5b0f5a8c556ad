#!/usr/bin/env python3
"""A station that answers report requests in parts, on the Python `ocpp` package.

OCPP 2.0.1: it accepts GetBaseReport / GetReport (B07/B08), GetMonitoringReport (N02),
CustomerInformation (N09/N10), GetChargingProfiles (K09) and GetDisplayMessages (O04),
then sends the report in parts with `tbc`, out of order and with a part repeated:

- NotifyReport: seqNo 0, 2 (the last), then 1, then 0 again. With `--hold` it stops
  after 0 and 2, prints `HELD <requestId>` and waits for `continue` on stdin.
- NotifyMonitoringReport: seqNo 1, 0, 2 (the last), then 1 again.
- NotifyCustomerInformation: seqNo 0, 2 (the last), 1, then 2 again; the `data` strings
  read "name=Alice;" "tokens=1;" "sessions=3" in seqNo order.
- ReportChargingProfiles: EVSE 1's profile (tbc), the same message again, EVSE 2's
  (last). A request for evseId 9 is answered NoProfiles.
- NotifyDisplayMessages: message 1 (tbc), then message 2 (last), then message 2 again.
  A request for id 99 is answered Unknown.

After each report it prints `SENT <message> <requestId>`. `--refuse A,B` answers those
actions Rejected. On stdin, `events` sends a NotifyEvent with two eventData entries (and
the same message again, as a charger that lost our answer would, N07), and UpdateFirmware
is followed by FirmwareStatusNotification Downloading, Downloaded, Installing, Installed
(L01). Every CSMS call is printed as `CALL <action> <payload as JSON>`.

OCPP 1.6 (`--version 1.6`): UpdateFirmware, followed by FirmwareStatusNotification
Downloading, Downloaded, Installing, Installed (no requestId in 1.6).

    python3 reports_charger.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/REP1
"""

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime, timezone

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def say(line):
    print(line, flush=True)


class Printed:
    """Prints every CSMS call with its payload as sent."""

    async def route_message(self, raw_msg):
        message = json.loads(raw_msg)
        if message[0] == 2:
            say(f"CALL {message[2]} {json.dumps(message[3], separators=(',', ':'))}")
        return await super().route_message(raw_msg)


def entry(name, value):
    return {"component": {"name": "ReportCtrlr"}, "variable": {"name": name},
            "variable_attribute": [{"type": "Actual", "value": value, "mutability": "ReadOnly"}]}


def profile(profile_id, limit):
    return {"id": profile_id, "stack_level": 0, "charging_profile_purpose": "TxDefaultProfile",
            "charging_profile_kind": "Absolute",
            "charging_schedule": [{"id": profile_id, "charging_rate_unit": "A",
                                   "start_schedule": "2025-01-01T00:00:00.000Z",
                                   "charging_schedule_period": [{"start_period": 0,
                                                                 "limit": limit}]}]}


class Station201(Printed, ChargePoint201):
    def __init__(self, identity, ws, args):
        super().__init__(identity, ws, response_timeout=args.timeout)
        self.refuse = set(filter(None, args.refuse.split(",")))
        self.hold = args.hold
        self.released = asyncio.Event()

    def status(self, action, ok="Accepted"):
        return "Rejected" if action in self.refuse else ok

    async def send(self, message):
        await self.call(message, suppress=False)

    # B07/B08: the device model in three parts.
    @on("GetBaseReport")
    def on_get_base_report(self, request_id, report_base, **_):
        return result201.GetBaseReport(status=self.status("GetBaseReport"))

    @after("GetBaseReport")
    async def after_get_base_report(self, request_id, report_base, **_):
        if "GetBaseReport" not in self.refuse:
            await self.device_model(request_id, report_base)

    @on("GetReport")
    def on_get_report(self, request_id, **_):
        return result201.GetReport(status=self.status("GetReport"))

    @after("GetReport")
    async def after_get_report(self, request_id, **_):
        if "GetReport" not in self.refuse:
            await self.device_model(request_id, "GetReport")

    async def device_model(self, request_id, tag):
        def part(seq_no, tbc):
            data = [entry(f"Item{seq_no}", f"{tag}-{seq_no}")]
            if tag == "FullInventory" and seq_no == 1:
                data.append(entry("Extra", f"{tag}-extra"))
            return call201.NotifyReport(
                request_id=request_id, generated_at=now(), seq_no=seq_no, tbc=tbc,
                report_data=data)
        await self.send(part(0, True))
        await self.send(part(2, False))
        if self.hold:
            say(f"HELD {request_id}")
            await self.released.wait()
            self.released.clear()
        await self.send(part(1, True))
        await self.send(part(0, True))
        say(f"SENT NotifyReport {request_id}")

    # N02: monitors in three parts.
    @on("GetMonitoringReport")
    def on_get_monitoring_report(self, request_id, **_):
        return result201.GetMonitoringReport(status=self.status("GetMonitoringReport"))

    @after("GetMonitoringReport")
    async def after_get_monitoring_report(self, request_id, **_):
        if "GetMonitoringReport" in self.refuse:
            return

        def part(seq_no, tbc):
            monitor = {"component": {"name": "EVSE", "evse": {"id": 1}},
                       "variable": {"name": "Power"},
                       "variable_monitoring": [{"id": 10 + seq_no, "transaction": False,
                                                "value": 100.0 * (seq_no + 1),
                                                "type": "UpperThreshold", "severity": 5}]}
            return call201.NotifyMonitoringReport(
                request_id=request_id, generated_at=now(), seq_no=seq_no, tbc=tbc,
                monitor=[monitor])
        for seq_no, tbc in [(1, True), (0, True), (2, False), (1, True)]:
            await self.send(part(seq_no, tbc))
        say(f"SENT NotifyMonitoringReport {request_id}")

    # N09/N10: customer information in three parts.
    @on("CustomerInformation")
    def on_customer_information(self, request_id, report, clear, **_):
        return result201.CustomerInformation(status=self.status("CustomerInformation"))

    @after("CustomerInformation")
    async def after_customer_information(self, request_id, **_):
        if "CustomerInformation" in self.refuse:
            return
        data = ["name=Alice;", "tokens=1;", "sessions=3"]
        for seq_no in [0, 2, 1, 2]:
            await self.send(call201.NotifyCustomerInformation(
                data=data[seq_no], seq_no=seq_no, generated_at=now(), request_id=request_id,
                tbc=seq_no != 2))
        say(f"SENT NotifyCustomerInformation {request_id}")

    # K09: installed profiles, per EVSE.
    @on("GetChargingProfiles")
    def on_get_charging_profiles(self, request_id, charging_profile, evse_id=None, **_):
        status = "NoProfiles" if evse_id == 9 else "Accepted"
        return result201.GetChargingProfiles(status=status)

    @after("GetChargingProfiles")
    async def after_get_charging_profiles(self, request_id, charging_profile, evse_id=None, **_):
        if evse_id == 9:
            return
        first = call201.ReportChargingProfiles(
            request_id=request_id, charging_limit_source="CSO", evse_id=1,
            charging_profile=[profile(1, 16.0)], tbc=True)
        await self.send(first)
        await self.send(first)
        await self.send(call201.ReportChargingProfiles(
            request_id=request_id, charging_limit_source="EMS", evse_id=2,
            charging_profile=[profile(2, 10.0)], tbc=False))
        say(f"SENT ReportChargingProfiles {request_id}")

    # O04: display messages.
    @on("GetDisplayMessages")
    def on_get_display_messages(self, request_id, id=None, **_):
        status = "Unknown" if id and 99 in id else "Accepted"
        return result201.GetDisplayMessages(status=status)

    @after("GetDisplayMessages")
    async def after_get_display_messages(self, request_id, id=None, **_):
        if id and 99 in id:
            return

        def part(message_id, tbc):
            info = {"id": message_id, "priority": "NormalCycle",
                    "message": {"format": "UTF8", "content": f"Message {message_id}"}}
            return call201.NotifyDisplayMessages(request_id=request_id, tbc=tbc,
                                                 message_info=[info])
        await self.send(part(1, True))
        await self.send(part(2, False))
        await self.send(part(2, False))
        say(f"SENT NotifyDisplayMessages {request_id}")

    # L01: firmware status after an update.
    @on("UpdateFirmware")
    def on_update_firmware(self, request_id, firmware, **_):
        return result201.UpdateFirmware(status="Accepted")

    @after("UpdateFirmware")
    async def after_update_firmware(self, request_id, **_):
        for status in ["Downloading", "Downloaded", "Installing", "Installed"]:
            await self.send(call201.FirmwareStatusNotification(status=status,
                                                               request_id=request_id))
        say(f"SENT FirmwareStatusNotification {request_id}")

    # N07: device-model events, the message repeated once.
    async def events(self):
        data = [
            {"event_id": 1, "timestamp": "2025-01-01T10:00:00.000Z", "trigger": "Alerting",
             "actual_value": "Faulted", "event_notification_type": "HardWiredNotification",
             "component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Problem"},
             "tech_code": "E12", "tech_info": "ground fault", "cleared": False,
             "transaction_id": "T-1"},
            {"event_id": 2, "timestamp": "2025-01-01T10:00:01.000Z", "trigger": "Delta",
             "actual_value": "true", "event_notification_type": "PreconfiguredMonitor",
             "component": {"name": "ChargingStation"}, "variable": {"name": "Problem"},
             "cause": 1, "variable_monitoring_id": 7},
        ]
        message = call201.NotifyEvent(generated_at="2025-01-01T10:00:02.000Z", seq_no=0,
                                      event_data=data)
        await self.send(message)
        await self.send(message)
        say("SENT NotifyEvent")

    async def command(self, line):
        if line == "continue":
            self.released.set()
        elif line == "events":
            await self.events()

    async def boot(self):
        await self.send(call201.BootNotification(
            charging_station={"model": "py-reports", "vendor_name": "interop"},
            reason="PowerUp"))


class Station16(Printed, ChargePoint16):
    def __init__(self, identity, ws, args):
        super().__init__(identity, ws, response_timeout=args.timeout)

    @on("UpdateFirmware")
    def on_update_firmware(self, location, retrieve_date, **_):
        return result16.UpdateFirmware()

    @after("UpdateFirmware")
    async def after_update_firmware(self, **_):
        for status in ["Downloading", "Downloaded", "Installing", "Installed"]:
            await self.call(call16.FirmwareStatusNotification(status=status), suppress=False)
        say("SENT FirmwareStatusNotification")

    async def command(self, line):
        pass

    async def boot(self):
        await self.call(call16.BootNotification(
            charge_point_model="py-reports", charge_point_vendor="interop"), suppress=False)


async def commands(station):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        asyncio.ensure_future(station.command(line.strip()))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--version", default="2.0.1", choices=["1.6", "2.0.1"])
    parser.add_argument("--refuse", default="")
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    subprotocol = "ocpp2.0.1" if args.version == "2.0.1" else "ocpp1.6"
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        cls = Station201 if args.version == "2.0.1" else Station16
        station = cls(identity, ws, args)
        started = asyncio.ensure_future(station.start())
        await station.boot()
        say("READY")
        asyncio.ensure_future(commands(station))
        await started


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
