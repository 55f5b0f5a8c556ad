//! Load management's store (`LoadStore`) on both engines: circuits with their refusals
//! (unknown meter and parent, cycles, children), attachments and priorities, SoC and
//! user priorities, consumption, meter reports out of order, EVSE power options, and
//! what the load manager reads; then the rows each engine wrote.

use super::{all, page, Pair, Shown};
use ocpp_gateway::store::resources::*;
use ocpp_gateway::store::LoadStore;

fn circuit(name: &str, phases: &str, connected: Option<&str>) -> CircuitSpec {
    CircuitSpec {
        name: name.into(),
        max_current: 32.0,
        min_charge_point_current: Some(6.0),
        offline_reserved_current: None,
        phases: phases.into(),
        phase_rotation: Some("RST".into()),
        connected_phase: connected.map(Into::into),
        electrical_configuration: "star".into(),
        max_voltage: Some("400".into()),
        parent_circuit_id: None,
        electricity_meter_id: None,
        zero_on_idle: false,
        load_balancing_integration: Some(r#"{"id":null}"#.into()),
    }
}

pub(super) async fn load(p: &Pair) {
    let meter = MeterSpec {
        name: "M".into(),
        integration_id: 1,
        integration_parameters: r#"{"a":"b"}"#.into(),
    };
    same_inherent!(p, |s| s.create_meter(meter.clone()));
    let mut root = circuit("Root", "three_phase", None);
    root.electricity_meter_id = Some(1);
    same_inherent!(p, |s| s.create_circuit(root.clone()));
    let mut child = circuit("Child", "single_phase", Some("L1"));
    child.parent_circuit_id = Some(1);
    same_inherent!(p, |s| s.create_circuit(child.clone()));
    let mut orphan = child.clone();
    orphan.parent_circuit_id = Some(99);
    same_inherent!(p, |s| s.create_circuit(orphan.clone()));
    let mut unmetered = root.clone();
    unmetered.electricity_meter_id = Some(99);
    same_inherent!(p, |s| s.create_circuit(unmetered.clone()));
    let cycle = CircuitPatch {
        parent_circuit_id: Some(Some(2)),
        ..Default::default()
    };
    same_inherent!(p, |s| s.update_circuit(1, cycle.clone()));
    let rename = CircuitPatch {
        name: Some("Root 2".into()),
        min_charge_point_current: Some(None),
        ..Default::default()
    };
    same_inherent!(p, |s| s.update_circuit(1, rename.clone()));
    same_inherent!(p, |s| s.update_circuit(99, rename.clone()));
    same_inherent!(p, |s| s.delete_circuit(1));
    same_inherent!(p, |s| s.delete_meter(1));
    for window in super::windows() {
        let f = CircuitFilter { updated: window };
        same_inherent!(p, |s| s.circuits(f.clone(), all()));
    }
    same_inherent!(p, |s| s
        .circuits(CircuitFilter::default(), page(Some(1), 1)));

    // EVSE power options and attachments.
    let three = PowerOptionsPatch {
        phases: Some(Some("three_phase".into())),
        max_amperage: Some(Some(16.0)),
        ..Default::default()
    };
    same_inherent!(p, |s| s.set_power_options(2, three.clone()));
    same_inherent!(p, |s| s.set_power_options(99, three.clone()));
    same_inherent!(p, |s| s.attach_charge_point(2, 1, None));
    same_inherent!(p, |s| s.attach_charge_point(1, 1, Some(2.0)));
    same_inherent!(p, |s| s.attach_charge_point(2, 1, Some(1.0)));
    same_inherent!(p, |s| s.attach_charge_point(1, 99, None));
    same_inherent!(p, |s| s.attach_charge_point(99, 1, None));
    let bad = PowerOptionsPatch {
        phases: Some(Some("three_phase".into())),
        connected_phase: Some(Some("L1".into())),
        ..Default::default()
    };
    same_inherent!(p, |s| s.set_power_options(3, bad.clone()));
    same_inherent!(p, |s| s.create_evse(1, 7, PowerOptions::default()));
    same_inherent!(p, |s| s.create_evse(1, 7, PowerOptions::default()));
    same_inherent!(p, |s| s.create_evse(99, 1, PowerOptions::default()));
    same_inherent!(p, |s| s.set_charge_point_priority(1, 1, 1.5));
    same_inherent!(p, |s| s.set_charge_point_priority(2, 1, 1.5));
    same_inherent!(p, |s| s.set_evse_priority(1, 1, 3, 0.5));
    same_inherent!(p, |s| s.set_evse_priority(1, 1, 4, 0.5));
    same_inherent!(p, |s| s.set_session_priority(1, 1, 2.0));
    same_inherent!(p, |s| s.set_session_priority(2, 1, 2.0));
    same_inherent!(p, |s| s.set_session_priority(1, 999, 2.0));
    same_inherent!(p, |s| s.attached_charge_points(1, all()));
    same_inherent!(p, |s| s.attached_charge_points(1, page(Some(1), 10)));

    // Priorities by SoC and by user, consumption and meter reports.
    let soc = SocPriorities {
        lower_threshold: Some(20.0),
        low_priority: Some(2.0),
        upper_threshold: None,
        high_priority: None,
    };
    same_inherent!(p, |s| s.set_soc_priorities(1, soc.clone()));
    same_inherent!(p, |s| s.soc_priorities(1));
    same_inherent!(p, |s| s.soc_priorities(2));
    let user = UserPrioritySpec {
        target_id: 5,
        kind: "partner".into(),
        priority: 2.5,
    };
    same_inherent!(p, |s| s.create_user_priority(1, user.clone()));
    same_inherent!(p, |s| s.create_user_priority(99, user.clone()));
    let change = UserPriorityPatch {
        kind: Some("userGroup".into()),
        ..Default::default()
    };
    same_inherent!(p, |s| s.update_user_priority(1, 1, change.clone()));
    same_inherent!(p, |s| s.update_user_priority(2, 1, change.clone()));
    same_inherent!(p, |s| s.user_priorities(1, all()));
    same_inherent!(p, |s| s.user_priority(1, 1));
    let at = "2026-01-01T00:00:00.000Z".to_owned();
    same_inherent!(p, |s| s.set_circuit_consumption(
        1,
        [Some(10.5), None, Some(2.0)],
        at.clone()
    ));
    same_inherent!(p, |s| s.set_circuit_consumption(
        99,
        [None, None, None],
        at.clone()
    ));
    same_inherent!(p, |s| s.circuit_consumption(1));
    for (ma, at) in [
        ([Some(1000), Some(2000), None], "2026-01-01T00:00:10.000Z"),
        ([Some(5), None, None], "2026-01-01T00:00:05.000Z"),
        (
            [Some(3000), Some(3000), Some(3000)],
            "2026-01-01T00:00:10.000Z",
        ),
    ] {
        let r = MeterReport {
            currents_ma: ma,
            at: at.into(),
        };
        same_inherent!(p, |s| s.report_consumption(1, r.clone()));
    }
    same_inherent!(p, |s| s.meters(all()));
    same_inherent!(p, |s| s.load_inputs());

    same_inherent!(p, |s| s.delete_user_priority(1, 1));
    same_inherent!(p, |s| s.delete_user_priority(1, 1));
    same_inherent!(p, |s| s.detach_charge_point(2, 1));
    same_inherent!(p, |s| s.detach_charge_point(1, 1));
    same_inherent!(p, |s| s.attach_charge_point(1, 1, None));
    p.same_rows(
        "SELECT id, name, CAST(max_current * 10 AS BIGINT), phases, parent_circuit_id,
           electricity_meter_id, updated_at FROM circuits",
        "isisiis",
    )
    .await;
    p.same_rows(
        "SELECT id, phases, connected_phase, CAST(max_amperage * 10 AS BIGINT), max_power
         FROM evses",
        "issii",
    )
    .await;
}

/// After the charge points are deleted, nothing of theirs is left under a circuit.
pub(super) async fn after_deletes(p: &Pair) {
    same_inherent!(p, |s| s.load_inputs());
    same_inherent!(p, |s| s.delete_circuit(2));
    same_inherent!(p, |s| s.delete_circuit(1));
    same_inherent!(p, |s| s.delete_meter(1));
    same_inherent!(p, |s| s.load_inputs());
}
