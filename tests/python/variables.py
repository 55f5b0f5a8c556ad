#!/usr/bin/env python3
"""A station with a device model, on the Python `ocpp` package: variables scoped by
EVSE, connector and component instance, and the limits a CSMS must respect.

OCPP 2.0.1: it reports its whole model in two NotifyReport messages after
GetBaseReport (B07/B08), answers GetVariables and SetVariables for each variable by its
full identity (B05/B06) and refuses, with OccurrenceConstraintViolation, a request
with more entries than its DeviceDataCtrlr.ItemsPerMessage or a frame larger than its
DeviceDataCtrlr.BytesPerMessage (B06.FR.05). Its EVSE 2 has connector 2, and
UnlockConnector for a connector that EVSE does not have answers UnknownConnector (F05).

OCPP 1.6: it answers GetConfiguration and refuses more keys than its
GetConfigurationMaxKeys.

Every CSMS call it receives is printed as one line, `CALL <action> entries=<n>
bytes=<frame length>`, for the test to read.

    python3 variables.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/VAR1 --items 4
"""

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime, timezone

import websockets
from ocpp.exceptions import OccurenceConstraintViolationError, OccurrenceConstraintViolationError
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

LISTS = {"GetVariables": "getVariableData", "SetVariables": "setVariableData",
         "GetConfiguration": "key"}


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def model(items, size):
    """(component, component instance, evse, connector, variable, variable instance)
    -> [value, mutability]"""
    m = {
        ("ChargingStation", None, None, None, "AvailabilityState", None): ["Available", "ReadOnly"],
        ("EVSE", None, 1, None, "AvailabilityState", None): ["Available", "ReadOnly"],
        ("EVSE", None, 2, None, "AvailabilityState", None): ["Unavailable", "ReadOnly"],
        ("Connector", None, 1, 1, "AvailabilityState", None): ["Available", "ReadOnly"],
        ("Connector", None, 2, 2, "AvailabilityState", None): ["Unavailable", "ReadOnly"],
        ("TxCtrlr", None, 1, None, "EVConnectionTimeOut", None): ["30", "ReadWrite"],
        ("TxCtrlr", None, 2, None, "EVConnectionTimeOut", None): ["60", "ReadWrite"],
        ("TokenReader", "Front", None, None, "Enabled", None): ["true", "ReadWrite"],
        ("TokenReader", "Back", None, None, "Enabled", None): ["false", "ReadWrite"],
        ("OCPPCommCtrlr", None, None, None, "HeartbeatInterval", None): ["300", "ReadWrite"],
        ("DeviceDataCtrlr", None, None, None, "ItemsPerMessage", "GetVariables"): [str(items), "ReadOnly"],
        ("DeviceDataCtrlr", None, None, None, "ItemsPerMessage", "SetVariables"): [str(items), "ReadOnly"],
    }
    if size:
        for instance in ("GetVariables", "SetVariables"):
            m[("DeviceDataCtrlr", None, None, None, "BytesPerMessage", instance)] = [str(size), "ReadOnly"]
    return m


def identity_of(entry):
    c, v = entry["component"], entry["variable"]
    evse = c.get("evse") or {}
    return (c["name"], c.get("instance"), evse.get("id"), evse.get("connector_id"),
            v["name"], v.get("instance"))


def wire_entry(key):
    component = {"name": key[0]}
    if key[1] is not None:
        component["instance"] = key[1]
    if key[2] is not None:
        component["evse"] = {"id": key[2]}
        if key[3] is not None:
            component["evse"]["connector_id"] = key[3]
    variable = {"name": key[4]}
    if key[5] is not None:
        variable["instance"] = key[5]
    return component, variable


class Logged:
    """Prints every CSMS call (entries, frame size) and enforces the limits."""

    items = 0
    size = 0
    too_many = OccurrenceConstraintViolationError

    async def route_message(self, raw_msg):
        message = json.loads(raw_msg)
        if message[0] == 2:
            field = LISTS.get(message[2])
            entries = len(message[3].get(field) or []) if field else 0
            print(f"CALL {message[2]} entries={entries} bytes={len(raw_msg.encode())}", flush=True)
        return await super().route_message(raw_msg)

    def within_limits(self, entries, what):
        if self.items and len(entries) > self.items:
            raise self.too_many(
                description=f"{len(entries)} {what}, ItemsPerMessage is {self.items}")


class Station201(Logged, ChargePoint201):
    def __init__(self, identity, ws, args):
        super().__init__(identity, ws, response_timeout=args.timeout)
        self.items, self.size = args.items, args.bytes
        self.variables = model(args.items, args.bytes)
        self.connectors = {1: 1, 2: 2}
        self.report_request = None

    async def route_message(self, raw_msg):
        if self.size and len(raw_msg.encode()) > self.size and json.loads(raw_msg)[0] == 2:
            print(f"CALL {json.loads(raw_msg)[2]} over BytesPerMessage", flush=True)
            message_id = json.loads(raw_msg)[1]
            await self._send(json.dumps([4, message_id, "OccurrenceConstraintViolation",
                                         "larger than BytesPerMessage", {}]))
            return None
        return await super().route_message(raw_msg)

    @on("GetVariables")
    def on_get_variables(self, get_variable_data, **_):
        self.within_limits(get_variable_data, "GetVariableData")
        results = []
        for entry in get_variable_data:
            key = identity_of(entry)
            result = {"component": entry["component"], "variable": entry["variable"]}
            if key in self.variables:
                result.update(attribute_status="Accepted", attribute_value=self.variables[key][0])
            elif not any(k[0] == key[0] for k in self.variables):
                result["attribute_status"] = "UnknownComponent"
            else:
                result["attribute_status"] = "UnknownVariable"
            results.append(result)
        return result201.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data, **_):
        self.within_limits(set_variable_data, "SetVariableData")
        results = []
        for entry in set_variable_data:
            key = identity_of(entry)
            result = {"component": entry["component"], "variable": entry["variable"]}
            if key not in self.variables:
                result["attribute_status"] = "UnknownVariable"
            elif self.variables[key][1] == "ReadOnly":
                result["attribute_status"] = "Rejected"
            else:
                self.variables[key][0] = entry["attribute_value"]
                result["attribute_status"] = "Accepted"
            results.append(result)
        return result201.SetVariables(set_variable_result=results)

    @on("GetBaseReport")
    def on_get_base_report(self, request_id, report_base, **_):
        self.report_request = request_id
        return result201.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    async def after_get_base_report(self, request_id, **_):
        data = []
        for key, (value, mutability) in self.variables.items():
            component, variable = wire_entry(key)
            data.append({"component": component, "variable": variable,
                         "variable_attribute": [{"type": "Actual", "value": value,
                                                 "mutability": mutability}]})
        half = len(data) // 2
        for seq_no, part in enumerate([data[:half], data[half:]]):
            await self.call(call201.NotifyReport(
                request_id=request_id, generated_at=now(), seq_no=seq_no,
                report_data=part, tbc=seq_no == 0), suppress=False)

    @on("UnlockConnector")
    def on_unlock_connector(self, evse_id, connector_id, **_):
        known = self.connectors.get(evse_id) == connector_id
        print(f"UNLOCK evse={evse_id} connector={connector_id} known={known}", flush=True)
        return result201.UnlockConnector(status="Unlocked" if known else "UnknownConnector")

    async def boot(self):
        await self.call(call201.BootNotification(
            charging_station={"model": "py-model", "vendor_name": "interop"},
            reason="PowerUp"), suppress=False)
        for evse, connector in self.connectors.items():
            await self.call(call201.StatusNotification(
                timestamp=now(), connector_status="Available", evse_id=evse,
                connector_id=connector), suppress=False)


class Station16(Logged, ChargePoint16):
    def __init__(self, identity, ws, args):
        super().__init__(identity, ws, response_timeout=args.timeout)
        self.items = args.max_keys
        # The 1.6 error code keeps the specification's spelling.
        self.too_many = OccurenceConstraintViolationError
        self.config = {
            "GetConfigurationMaxKeys": (str(args.max_keys), True),
            "HeartbeatInterval": ("300", False),
            "MeterValueSampleInterval": ("60", False),
            "NumberOfConnectors": ("1", True),
            "ClockAlignedDataInterval": ("0", False),
        }

    @on("GetConfiguration")
    def on_get_configuration(self, key=None, **_):
        keys = key or list(self.config)
        if key:
            self.within_limits(key, "keys")
        known = [{"key": k, "value": self.config[k][0], "readonly": self.config[k][1]}
                 for k in keys if k in self.config]
        unknown = [k for k in keys if k not in self.config]
        return result16.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    async def boot(self):
        await self.call(call16.BootNotification(
            charge_point_vendor="interop", charge_point_model="py-model"), suppress=False)
        await self.call(call16.StatusNotification(
            connector_id=1, error_code="NoError", status="Available"), suppress=False)


async def run(args):
    station, subprotocol = {
        "1.6": (Station16, "ocpp1.6"),
        "2.0.1": (Station201, "ocpp2.0.1"),
    }[args.version]
    identity = args.url.rstrip("/").rsplit("/", 1)[-1]
    async with websockets.connect(args.url, subprotocols=[subprotocol]) as ws:
        s = station(identity, ws, args)
        listener = asyncio.create_task(s.start())
        await s.boot()
        print("READY", flush=True)
        try:
            await listener
        except websockets.exceptions.ConnectionClosed:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True, help="ws://host:port/ocpp/IDENTITY")
    parser.add_argument("--items", type=int, default=4, help="ItemsPerMessage (2.0.1)")
    parser.add_argument("--bytes", type=int, default=0, help="BytesPerMessage (2.0.1; 0: none)")
    parser.add_argument("--max-keys", type=int, default=2, help="GetConfigurationMaxKeys (1.6)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per answer")
    parser.add_argument("--debug", action="store_true", help="log every frame")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    if not args.debug:
        # The refusals this station makes on purpose are not worth a traceback.
        logging.getLogger("ocpp").setLevel(logging.CRITICAL)
    try:
        asyncio.run(run(args))
    except Exception as error:  # noqa: BLE001 - reported the same way, whatever it is
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
