//! A circuit's JSON both ways: the create/update body read field by field (types,
//! ranges, enumerations and `multipleOf: 0.1` here; what depends on other fields or rows
//! is the store's, `store::resources::electrical`), and the circuit as the reference
//! shows it. `connectedPhase` and `phaseRotation` are never null in the reference: they
//! are left out when not set, and an update may clear them with `null`.

use serde_json::{json, Map, Value};

use crate::api::error::ApiError;
use crate::api::fields::{boolean, choice, integer, object, tenths, text, Fields};
use crate::store::resources::electrical::{
    CONFIGURATIONS, CONNECTED_PHASES, PHASES, PHASE_ROTATIONS, VOLTAGES,
};
use crate::store::resources::{CircuitPatch, CircuitSpec, CircuitView};

const MAX_NAME: usize = 255;

/// The `loadBalancingIntegration` object: `id` an integer or null, `fields` an object.
fn integration(name: &str, v: &Value) -> Result<String, String> {
    let o = object(name, v)?;
    if o.get("id").is_some_and(|id| !id.is_null() && !id.is_i64()) {
        return Err(format!("The {name}.id must be an integer or null."));
    }
    if o.get("fields").is_some_and(|f| !f.is_object()) {
        return Err(format!("The {name}.fields must be an object."));
    }
    Ok(Value::Object(o).to_string())
}

/// The body as a patch (every field it gives, checked); a create also needs `name`,
/// `phases` and `maxCurrent`.
pub fn read(body: &Map<String, Value>, creating: bool) -> Result<CircuitPatch, ApiError> {
    let mut f = Fields::new(body);
    if creating {
        for field in ["name", "phases", "maxCurrent"] {
            f.require(field);
        }
    }
    let patch = CircuitPatch {
        name: f.value("name", &text(MAX_NAME)),
        max_current: f.value("maxCurrent", &tenths(0.1)),
        min_charge_point_current: f.read("minChargePointCurrent", true, &tenths(0.0)),
        offline_reserved_current: f.read("offlineReservedCurrent", true, &tenths(0.0)),
        phases: f.value("phases", &choice(PHASES)),
        phase_rotation: f.read("phaseRotation", !creating, &choice(PHASE_ROTATIONS)),
        connected_phase: f.read("connectedPhase", !creating, &choice(CONNECTED_PHASES)),
        electrical_configuration: f.value("electricalConfiguration", &choice(CONFIGURATIONS)),
        max_voltage: f.read("maxVoltage", true, &choice(VOLTAGES)),
        parent_circuit_id: f.read("parentCircuitId", true, &integer(1)),
        electricity_meter_id: f.read("electricityMeterId", true, &integer(1)),
        zero_on_idle: f.value("setSessionLimitToZeroOnIdle", &boolean),
        load_balancing_integration: f.read("loadBalancingIntegration", true, &integration),
    };
    f.finish()?;
    Ok(patch)
}

/// A new circuit from a create's patch: `electricalConfiguration` defaults to `star`.
pub fn spec(patch: &CircuitPatch) -> CircuitSpec {
    patch.apply(&CircuitSpec {
        name: String::new(),
        max_current: 0.0,
        min_charge_point_current: None,
        offline_reserved_current: None,
        phases: String::new(),
        phase_rotation: None,
        connected_phase: None,
        electrical_configuration: "star".into(),
        max_voltage: None,
        parent_circuit_id: None,
        electricity_meter_id: None,
        zero_on_idle: false,
        load_balancing_integration: None,
    })
}

/// The circuit's own fields, as the reference shows them (plus its timestamps).
pub fn render(c: &CircuitView) -> Map<String, Value> {
    let integration = c
        .load_balancing_integration
        .as_deref()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .unwrap_or(Value::Null);
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    put("id", json!(c.id));
    put("name", json!(c.name));
    put("maxCurrent", json!(c.max_current));
    put("minChargePointCurrent", json!(c.min_charge_point_current));
    put("offlineReservedCurrent", json!(c.offline_reserved_current));
    put("phases", json!(c.phases));
    if let Some(r) = &c.phase_rotation {
        put("phaseRotation", json!(r));
    }
    if let Some(p) = &c.connected_phase {
        put("connectedPhase", json!(p));
    }
    put("electricalConfiguration", json!(c.electrical_configuration));
    put("maxVoltage", json!(c.max_voltage));
    put("parentCircuitId", json!(c.parent_circuit_id));
    put("electricityMeterId", json!(c.electricity_meter_id));
    put("setSessionLimitToZeroOnIdle", json!(c.zero_on_idle));
    put("loadBalancingIntegration", integration);
    put("createdAt", json!(c.created_at));
    put("lastUpdatedAt", json!(c.updated_at));
    out
}
