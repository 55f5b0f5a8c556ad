//! The charging profile that carries an EVSE's allowance, in both versions.
//!
//! One profile per EVSE, on the stack level and id range `[load]` reserves (the API may set
//! neither), in amperes per phase, one period from 0, `Relative` (no start time, so no
//! dependence on the charger's clock):
//! - while the EVSE runs a transaction: a `TxProfile` for it (1.6 §3.13.2: a TxProfile
//!   overrules a TxDefaultProfile; 2.0.1 K01.FR.03 needs its transactionId) — it outranks
//!   whatever the API set at a lower stack level, so the circuit's limit holds;
//! - otherwise: a `TxDefaultProfile` on the EVSE, so a session that starts draws no more
//!   than what the circuit has free before the manager reacts.
//!
//! The charger drops a TxProfile when its transaction ends (1.6 §3.13.4, 2.0.1 K01.FR.05):
//! the next idle allowance goes out as a TxDefaultProfile again. The JSON is written by the
//! outbound encoders of each version from the domain [`ChargingProfile`], like any profile
//! the API sets.

use crate::domain::action::{
    ChargingProfile, ChargingSchedule, ProfileKind, ProfilePurpose, RateUnit, SchedulePeriod,
};

/// The id of the gateway's profile on `evse`.
pub fn profile_id(base: i64, evse: u32) -> i64 {
    base + i64::from(evse)
}

/// The profile limiting `evse` to `amps` per phase on `phases` conductors: a TxProfile
/// for `transaction` when one runs, else a TxDefaultProfile.
pub fn limit_profile(
    base: i64,
    stack_level: u32,
    evse: u32,
    amps: f64,
    phases: u8,
    transaction: Option<&str>,
) -> ChargingProfile {
    let id = profile_id(base, evse);
    ChargingProfile {
        id,
        stack_level: i32::try_from(stack_level).unwrap_or(i32::MAX),
        purpose: match transaction {
            Some(_) => ProfilePurpose::TxProfile,
            None => ProfilePurpose::TxDefaultProfile,
        },
        kind: ProfileKind::Relative,
        recurrency: None,
        valid_from: None,
        valid_to: None,
        transaction_id: transaction.map(str::to_owned),
        schedule: ChargingSchedule {
            id,
            duration: None,
            start_schedule: None,
            rate_unit: RateUnit::A,
            // Tenths of an ampere are what chargers resolve (the schemas' multipleOf 0.1).
            periods: vec![SchedulePeriod {
                start_period: 0,
                limit: (amps.max(0.0) * 10.0).floor() / 10.0,
                number_phases: Some(i32::from(phases.clamp(1, 3))),
            }],
            min_charging_rate: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charger::outbound::encode;
    use crate::domain::action::Action;

    fn limit_action(
        base: i64,
        level: u32,
        evse: u32,
        amps: f64,
        phases: u8,
        tx: Option<&str>,
    ) -> Action {
        Action::SetChargingProfile {
            evse,
            profile: limit_profile(base, level, evse, amps, phases, tx),
        }
    }
    use crate::ocpp::OcppVersion;

    #[test]
    fn an_idle_evse_gets_a_default_profile_and_a_running_one_a_tx_profile() {
        let idle = encode(
            OcppVersion::V16,
            &limit_action(2_100_000_000, 8, 2, 12.37, 3, None),
        )
        .expect("1.6");
        assert_eq!(idle.action, "SetChargingProfile");
        let p = &idle.payload["csChargingProfiles"];
        assert_eq!(idle.payload["connectorId"], 2);
        assert_eq!(p["chargingProfileId"], 2_100_000_002);
        assert_eq!(p["stackLevel"], 8);
        assert_eq!(p["chargingProfilePurpose"], "TxDefaultProfile");
        assert_eq!(p["chargingProfileKind"], "Relative");
        assert_eq!(p["chargingSchedule"]["chargingRateUnit"], "A");
        assert_eq!(
            p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"],
            12.3
        );
        assert_eq!(
            p["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"],
            3
        );
        assert!(p.get("transactionId").is_none());

        // 2.0.1 K01.FR.03: a TxProfile names its transaction.
        let tx = encode(
            OcppVersion::V201,
            &limit_action(2_100_000_000, 8, 1, 16.0, 1, Some("tx-9")),
        )
        .expect("2.0.1");
        let p = &tx.payload["chargingProfile"];
        assert_eq!(tx.payload["evseId"], 1);
        assert_eq!(p["chargingProfilePurpose"], "TxProfile");
        assert_eq!(p["transactionId"], "tx-9");
        assert_eq!(p["id"], 2_100_000_001);
    }
}
