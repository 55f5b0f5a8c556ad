//! The identity of an OCPP 2.0.1 variable, written as one configuration key.
//!
//! A variable is known by its component (name, instance, EVSE and connector) and its own
//! name and instance; two variables that differ in any of these are two keys. The key
//! reads
//!
//! ```text
//! Component[(ComponentInstance)][[evse[.connector]]].Variable[.VariableInstance]
//! ```
//!
//! e.g. `OCPPCommCtrlr.HeartbeatInterval`, `DeviceDataCtrlr.ItemsPerMessage.GetVariables`,
//! `EVSE[2].AvailabilityState`, `Connector[2.1].ConnectorType`,
//! `TxCtrlr(Left).EVConnectionTimeOut`. A variable of a component with no instance and no
//! EVSE reads `Component.Variable[.VariableInstance]`, as it always has. Parentheses and
//! brackets cannot occur in an OCPP identifier, so the scope never mixes with a name.

use std::fmt;

use serde_json::{json, Value};

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VariableKey {
    pub component: String,
    pub component_instance: Option<String>,
    pub evse: Option<u32>,
    pub connector: Option<u32>,
    pub variable: String,
    pub variable_instance: Option<String>,
}

impl VariableKey {
    /// Reads a key; `None` when it is not of the form above (no variable, an empty name,
    /// an unclosed scope, a connector without an EVSE number).
    pub fn parse(key: &str) -> Option<VariableKey> {
        let split = key.find(['(', '[', '.'])?;
        let component = &key[..split];
        if component.is_empty() {
            return None;
        }
        let mut rest = &key[split..];
        let mut component_instance = None;
        if let Some(r) = rest.strip_prefix('(') {
            let end = r.find(')')?;
            component_instance = Some(non_empty(&r[..end])?.to_owned());
            rest = &r[end + 1..];
        }
        let (mut evse, mut connector) = (None, None);
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let mut numbers = r[..end].splitn(2, '.');
            evse = Some(numbers.next()?.parse().ok()?);
            connector = numbers.next().map(str::parse).transpose().ok()?;
            rest = &r[end + 1..];
        }
        let rest = rest.strip_prefix('.')?;
        let mut parts = rest.splitn(2, '.');
        let variable = non_empty(parts.next()?)?.to_owned();
        let variable_instance = match parts.next() {
            Some(i) => Some(non_empty(i)?.to_owned()),
            None => None,
        };
        Some(VariableKey {
            component: component.to_owned(),
            component_instance,
            evse,
            connector,
            variable,
            variable_instance,
        })
    }

    /// The variable a set-configuration names: `name` alone is a key (its scope, where it
    /// has none, from `evse` and `instance`, the component's instance); with `component`,
    /// `name` is the variable's own name.
    pub fn named(
        name: &str,
        component: Option<&str>,
        evse: Option<u32>,
        instance: Option<&str>,
    ) -> Option<VariableKey> {
        let mut key = match component {
            Some(c) => VariableKey {
                component: c.to_owned(),
                variable: name.to_owned(),
                ..VariableKey::default()
            },
            None => VariableKey::parse(name)?,
        };
        if key.component_instance.is_none() {
            key.component_instance = instance.map(str::to_owned);
        }
        if key.evse.is_none() {
            key.evse = evse;
        }
        Some(key)
    }

    /// The key of a `component` / `variable` pair as OCPP 2.0.1 writes them (a
    /// `getVariableResult`, a NotifyReport's `reportData`, a `setVariableResult`).
    pub fn of_entry(entry: &Value) -> VariableKey {
        let text = |pointer: &str| {
            entry
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let number = |pointer: &str| {
            entry
                .pointer(pointer)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        VariableKey {
            component: text("/component/name").unwrap_or_default(),
            component_instance: text("/component/instance"),
            evse: number("/component/evse/id"),
            connector: number("/component/evse/connectorId"),
            variable: text("/variable/name").unwrap_or_default(),
            variable_instance: text("/variable/instance"),
        }
    }

    /// The OCPP 2.0.1 `component` object.
    pub fn component_json(&self) -> Value {
        let mut c = json!({"name": self.component});
        if let Some(i) = &self.component_instance {
            c["instance"] = json!(i);
        }
        if let Some(evse) = self.evse {
            let mut e = json!({"id": evse});
            if let Some(connector) = self.connector {
                e["connectorId"] = json!(connector);
            }
            c["evse"] = e;
        }
        c
    }

    /// The OCPP 2.0.1 `variable` object.
    pub fn variable_json(&self) -> Value {
        let mut v = json!({"name": self.variable});
        if let Some(i) = &self.variable_instance {
            v["instance"] = json!(i);
        }
        v
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl fmt::Display for VariableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.component)?;
        if let Some(i) = &self.component_instance {
            write!(f, "({i})")?;
        }
        match (self.evse, self.connector) {
            (Some(e), Some(c)) => write!(f, "[{e}.{c}]")?,
            (Some(e), None) => write!(f, "[{e}]")?,
            _ => {}
        }
        write!(f, ".{}", self.variable)?;
        if let Some(i) = &self.variable_instance {
            write!(f, ".{i}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscoped_keys_read_as_before() {
        for key in [
            "OCPPCommCtrlr.HeartbeatInterval",
            "DeviceDataCtrlr.ItemsPerMessage.GetVariables",
        ] {
            let k = VariableKey::parse(key).expect("parses");
            assert_eq!(k.to_string(), key);
            assert_eq!(k.evse, None);
            assert_eq!(k.component_instance, None);
        }
        let k = VariableKey::parse("DeviceDataCtrlr.ItemsPerMessage.GetVariables").expect("key");
        assert_eq!(k.variable_instance.as_deref(), Some("GetVariables"));
    }

    #[test]
    fn scoped_keys_round_trip() {
        for key in [
            "EVSE[2].AvailabilityState",
            "Connector[2.1].ConnectorType",
            "TxCtrlr(Left).EVConnectionTimeOut",
            "Meter(Main)[1.2].Power.Max",
        ] {
            let k = VariableKey::parse(key).expect(key);
            assert_eq!(k.to_string(), key);
        }
        let k = VariableKey::parse("Meter(Main)[1.2].Power.Max").expect("key");
        assert_eq!(
            (k.component.as_str(), k.evse, k.connector),
            ("Meter", Some(1), Some(2))
        );
        assert_eq!(
            (
                k.component_instance.as_deref(),
                k.variable_instance.as_deref()
            ),
            (Some("Main"), Some("Max"))
        );
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in [
            "",
            "HeartbeatInterval",
            ".Variable",
            "EVSE[2]",
            "EVSE[x].A",
            "EVSE[2.].A",
            "EVSE[2.A",
            "C().V",
            "C(I.V",
            "C.",
            "C.V.",
        ] {
            assert_eq!(VariableKey::parse(key), None, "{key:?}");
        }
    }

    #[test]
    fn entries_of_the_wire_key_every_scope() {
        let entry = json!({
            "component": {"name": "EVSE", "evse": {"id": 2}},
            "variable": {"name": "AvailabilityState"},
        });
        assert_eq!(
            VariableKey::of_entry(&entry).to_string(),
            "EVSE[2].AvailabilityState"
        );
        let entry = json!({
            "component": {"name": "Connector", "instance": "A", "evse": {"id": 1, "connectorId": 2}},
            "variable": {"name": "Type", "instance": "X"},
        });
        let k = VariableKey::of_entry(&entry);
        assert_eq!(k.to_string(), "Connector(A)[1.2].Type.X");
        assert_eq!(k.component_json(), entry["component"]);
        assert_eq!(k.variable_json(), entry["variable"]);
    }
}
