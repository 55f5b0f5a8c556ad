#!/usr/bin/env python3
"""A charger with a local authorization list, built on the Python `ocpp` package (which
checks every CALL it receives against the official schema), for the local list tests.

It boots (or, with --no-boot, only says Heartbeat), then answers the CSMS: GetConfiguration / GetVariables with its local list
settings, GetLocalListVersion with its list's version, SendLocalList by applying the
update (or with the statuses given by --answers, one per SendLocalList, then Accepted).
Every CALL it receives is printed on stdout as `CALL <action> <payload JSON>`, as it
arrived. Its list (version and entries) is kept in --state across restarts, as a real
charger keeps it across reboots.

    python3 local_list_charger.py --version 1.6 --url ws://127.0.0.1:9000/ocpp/LL16 \\
        --state /tmp/ll16.json --enabled true --items 2
"""

import argparse
import asyncio
import json
import logging
import os
import sys

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from recorded import Recorder, serve


class List:
    """The charger's local list, kept in a file."""

    def __init__(self, path, initial_version):
        self.path = path
        self.version = initial_version
        self.version, self.entries = 0, {}
        if path and os.path.exists(path):
            with open(path) as f:
                saved = json.load(f)
            self.version, self.entries = saved["version"], saved["entries"]
        if initial_version is not None:
            # Its list was changed behind the CSMS's back (another CSMS, a reset).
            self.version = initial_version

    def apply(self, version, update_type, items, key, info_key):
        if update_type == "Full":
            self.entries = {}
        for item in items or []:
            token = item[key] if isinstance(item[key], str) else item[key]["id_token"]
            if item.get(info_key) is None:
                self.entries.pop(token, None)
            else:
                self.entries[token] = item[info_key]
        self.version = version
        self.save()

    def save(self):
        if self.path:
            with open(self.path, "w") as f:
                json.dump({"version": self.version, "entries": self.entries}, f)


async def answer_of(answers):
    """The next scripted SendLocalList status; `Hang` answers Accepted, 6 s late."""
    status = answers.pop(0) if answers else "Accepted"
    if status == "Hang":
        await asyncio.sleep(6)
        status = "Accepted"
    return status


def settings_of(args):
    """The charger's settings as (name, value) pairs; a value of None is not reported."""
    return {
        "enabled": None if args.enabled == "absent" else args.enabled,
        "items": args.items,
        "bytes": args.bytes,
        "max_length": args.max_length,
    }


class Charger16(Recorder, ChargePoint16):
    def setup(self, args):
        self.args = args
        self.list = List(args.state, args.list_version)
        self.answers = [a for a in args.answers.split(",") if a]

    @on("GetConfiguration")
    def on_get_configuration(self, key=None, **_):
        s = settings_of(self.args)
        known = {
            "LocalAuthListEnabled": s["enabled"],
            "LocalAuthListMaxLength": None if s["max_length"] is None else str(s["max_length"]),
            "SendLocalListMaxLength": None if s["items"] is None else str(s["items"]),
        }
        found, unknown = [], []
        for k in key or list(known):
            if known.get(k) is None:
                unknown.append(k)
            else:
                found.append({"key": k, "readonly": k != "LocalAuthListEnabled", "value": known[k]})
        return result16.GetConfiguration(configuration_key=found, unknown_key=unknown or None)

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **_):
        return result16.GetLocalListVersion(list_version=self.list.version)

    @on("ClearCache")
    def on_clear_cache(self, **_):
        return result16.ClearCache(status="Accepted")

    @on("SendLocalList")
    async def on_send_local_list(self, list_version, update_type, local_authorization_list=None,
                                 **_):
        status = await answer_of(self.answers)
        if status == "Accepted":
            self.list.apply(list_version, update_type, local_authorization_list,
                            "id_tag", "id_tag_info")
        print(f"ANSWERED SendLocalList {list_version}", flush=True)
        return result16.SendLocalList(status=status)

    async def boot(self):
        if self.args.no_boot:
            await self.call(call16.Heartbeat(), suppress=False)
        else:
            await self.call(call16.BootNotification(
                charge_point_model="py-ocpp", charge_point_vendor="local-list"), suppress=False)
        await self.call(call16.StatusNotification(
            connector_id=1, error_code="NoError", status="Available"), suppress=False)


class Charger201(Recorder, ChargePoint201):
    def setup(self, args):
        self.args = args
        self.list = List(args.state, args.list_version)
        self.answers = [a for a in args.answers.split(",") if a]

    @on("GetVariables")
    def on_get_variables(self, get_variable_data, **_):
        s = settings_of(self.args)
        known = {
            "Enabled": s["enabled"],
            "Available": None if s["enabled"] is None else "true",
            "ItemsPerMessage": None if s["items"] is None else str(s["items"]),
            "BytesPerMessage": None if s["bytes"] is None else str(s["bytes"]),
        }
        results = []
        for d in get_variable_data:
            component, variable = d["component"], d["variable"]
            value = known.get(variable["name"]) if component["name"] == "LocalAuthListCtrlr" else None
            result = {"component": component, "variable": variable}
            if s["enabled"] is None:
                result["attribute_status"] = "UnknownComponent"
            elif value is None:
                result["attribute_status"] = "UnknownVariable"
            else:
                result["attribute_status"] = "Accepted"
                result["attribute_value"] = value
            results.append(result)
        return result201.GetVariables(get_variable_result=results)

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **_):
        return result201.GetLocalListVersion(version_number=self.list.version)

    @on("ClearCache")
    def on_clear_cache(self, **_):
        return result201.ClearCache(status="Accepted")

    @on("SendLocalList")
    async def on_send_local_list(self, version_number, update_type, local_authorization_list=None,
                                 **_):
        status = await answer_of(self.answers)
        if status == "Accepted":
            self.list.apply(version_number, update_type, local_authorization_list,
                            "id_token", "id_token_info")
        print(f"ANSWERED SendLocalList {version_number}", flush=True)
        return result201.SendLocalList(status=status)

    async def boot(self):
        if self.args.no_boot:
            await self.call(call201.Heartbeat(), suppress=False)
        else:
            await self.call(call201.BootNotification(
                charging_station={"model": "py-ocpp", "vendor_name": "local-list"},
                reason="PowerUp"), suppress=False)
        await self.call(call201.StatusNotification(
            timestamp="2026-01-01T00:00:00Z", connector_status="Available", evse_id=1,
            connector_id=1), suppress=False)


async def run(args):
    await serve(args, Charger16, Charger201)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--state", default="", help="file keeping the list across restarts")
    parser.add_argument("--enabled", choices=["true", "false", "absent"], default="true")
    parser.add_argument("--items", type=int, help="entries per SendLocalList")
    parser.add_argument("--bytes", type=int, help="2.0.1 BytesPerMessage")
    parser.add_argument("--max-length", type=int, help="1.6 LocalAuthListMaxLength")
    parser.add_argument("--list-version", type=int,
                        help="the version to report at start, whatever --state holds")
    parser.add_argument("--answers", default="",
                        help="statuses for the first SendLocalLists, comma-separated "
                             "(Hang: Accepted after 6 s)")
    parser.add_argument("--no-boot", action="store_true",
                        help="start with a Heartbeat, as a charger back from a network loss")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(run(args))
    except Exception as error:  # noqa: BLE001 - any failure is reported the same way
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
