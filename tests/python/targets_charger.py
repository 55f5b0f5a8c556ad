#!/usr/bin/env python3
"""A charger on the Python `ocpp` package (which checks every CALL it receives against
the official schema) for the actions that name a finer target than the whole charge
point: Reset of one EVSE, ChangeAvailability of one connector, a remote start with an
id token type and a group, TriggerMessage about one connector, CancelReservation of any
reservation it holds, GetInstalledCertificateIds for several types, SetChargingProfile
(Rejected for stack level 9) and ClearChargingProfile.

It boots, reports EVSE 1 connector 1, then answers: Reset, ChangeAvailability,
RemoteStartTransaction / RequestStartTransaction, TriggerMessage (1.6 also
ExtendedTriggerMessage), CancelReservation,
GetInstalledCertificateIds (one made-up certificate per type asked), ChangeConfiguration
(1.6: HeartbeatInterval Accepted, ConnectionTimeOut Rejected, others NotSupported) and
ClearCache with
Accepted, except that CancelReservation answers Rejected for a reservation id not given
in --reservations. Every CALL it receives is printed as `CALL <action> <payload JSON>`
as it arrived, before it is handled.

    python3 targets_charger.py --version 2.0.1 --url ws://127.0.0.1:9000/ocpp/T201 \\
        --reservations 77
"""

import argparse
import asyncio
import logging
import sys

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from recorded import Recorder, serve


def hash_of(certificate_type):
    """A made-up certificate's hash data, told apart by its type."""
    return {"hash_algorithm": "SHA256", "issuer_name_hash": "00" * 32,
            "issuer_key_hash": "11" * 32, "serial_number": certificate_type[:20]}


class Charger16(Recorder, ChargePoint16):
    reservations = set()

    @on("Reset")
    def on_reset(self, **_):
        return result16.Reset(status="Accepted")

    @on("ChangeAvailability")
    def on_change_availability(self, **_):
        return result16.ChangeAvailability(status="Accepted")

    @on("RemoteStartTransaction")
    def on_remote_start(self, **_):
        return result16.RemoteStartTransaction(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id, **_):
        held = reservation_id in self.reservations
        return result16.CancelReservation(status="Accepted" if held else "Rejected")

    @on("TriggerMessage")
    def on_trigger_message(self, **_):
        return result16.TriggerMessage(status="Accepted")

    @on("ExtendedTriggerMessage")
    def on_extended_trigger_message(self, **_):
        return result16.ExtendedTriggerMessage(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, cs_charging_profiles, **_):
        refused = cs_charging_profiles["stack_level"] == 9
        return result16.SetChargingProfile(status="Rejected" if refused else "Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_):
        return result16.ClearChargingProfile(status="Accepted")

    @on("ChangeConfiguration")
    def on_change_configuration(self, key, **_):
        status = {"HeartbeatInterval": "Accepted", "ConnectionTimeOut": "Rejected"}
        return result16.ChangeConfiguration(status=status.get(key, "NotSupported"))

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(self, certificate_type, **_):
        return result16.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data=[hash_of(certificate_type)])

    @on("ClearCache")
    def on_clear_cache(self, **_):
        return result16.ClearCache(status="Accepted")

    async def boot(self):
        await self.call(call16.BootNotification(
            charge_point_model="py-ocpp", charge_point_vendor="targets"), suppress=False)
        await self.call(call16.StatusNotification(
            connector_id=1, error_code="NoError", status="Available"), suppress=False)


class Charger201(Recorder, ChargePoint201):
    reservations = set()

    @on("Reset")
    def on_reset(self, **_):
        return result201.Reset(status="Accepted")

    @on("ChangeAvailability")
    def on_change_availability(self, **_):
        return result201.ChangeAvailability(status="Accepted")

    @on("RequestStartTransaction")
    def on_request_start(self, **_):
        return result201.RequestStartTransaction(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id, **_):
        held = reservation_id in self.reservations
        return result201.CancelReservation(status="Accepted" if held else "Rejected")

    @on("TriggerMessage")
    def on_trigger_message(self, **_):
        return result201.TriggerMessage(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(self, charging_profile, **_):
        refused = charging_profile["stack_level"] == 9
        return result201.SetChargingProfile(status="Rejected" if refused else "Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **_):
        return result201.ClearChargingProfile(status="Accepted")

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(self, certificate_type=None, **_):
        chains = [{"certificate_type": t, "certificate_hash_data": hash_of(t)}
                  for t in certificate_type or ["CSMSRootCertificate"]]
        return result201.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data_chain=chains)

    @on("ClearCache")
    def on_clear_cache(self, **_):
        return result201.ClearCache(status="Accepted")

    async def boot(self):
        await self.call(call201.BootNotification(
            charging_station={"model": "py-ocpp", "vendor_name": "targets"},
            reason="PowerUp"), suppress=False)
        await self.call(call201.StatusNotification(
            timestamp="2026-01-01T00:00:00Z", connector_status="Available", evse_id=1,
            connector_id=1), suppress=False)


async def run(args):
    reservations = {int(r) for r in args.reservations.split(",") if r}
    Charger16.reservations = Charger201.reservations = reservations
    await serve(args, Charger16, Charger201)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=["1.6", "2.0.1"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--reservations", default="", help="reservation ids it holds")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, stream=sys.stderr)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
