use serde_json::json;

use super::*;

#[test]
fn a_status_outside_the_accepted_ones_is_a_refusal() {
    let r = v16::encode(&Action::Reset {
        hard: true,
        evse: None,
    })
    .expect("encodes");
    assert_eq!(r.action, "Reset");
    assert_eq!(r.payload, json!({"type": "Hard"}));
    assert!(matches!(
        interpret(&r, json!({"status": "Accepted"})),
        Ok(Outcome::Accepted(_))
    ));
    assert_eq!(
        interpret(&r, json!({"status": "Rejected"})),
        Err(CallError::Rejected {
            status: "Rejected".into()
        })
    );
}

#[test]
fn scheduled_is_told_apart_and_set_variables_reads_the_variable_status() {
    let a = Action::ChangeAvailability {
        evse: Some(1),
        connector: None,
        operative: false,
    };
    let r = v201::encode(&a).expect("encodes");
    assert!(matches!(
        interpret(&r, json!({"status": "Scheduled"})),
        Ok(Outcome::Scheduled(_))
    ));
    let set = Action::SetConfiguration {
        key: "OCPPCommCtrlr.HeartbeatInterval".into(),
        value: "60".into(),
        component: None,
        evse: None,
        instance: None,
    };
    let r = v201::encode(&set).expect("encodes");
    let answer = json!({"setVariableResult": [{"attributeStatus": "UnknownVariable",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]});
    assert_eq!(
        interpret(&r, answer),
        Err(CallError::Rejected {
            status: "UnknownVariable".into()
        })
    );
}

#[test]
fn custom_actions_are_checked_against_the_version_and_the_shape() {
    assert!(encode(
        OcppVersion::V16,
        &Action::Custom {
            action: "Reset".into(),
            payload: json!({"type": "Soft"})
        }
    )
    .is_ok());
    assert!(matches!(
        encode(
            OcppVersion::V16,
            &Action::Custom {
                action: "GetVariables".into(),
                payload: json!({})
            }
        ),
        Err(ActionError::Invalid { .. })
    ));
    assert!(matches!(
        encode(
            OcppVersion::V201,
            &Action::Custom {
                action: "Reset".into(),
                payload: json!({"type": "Sometime"})
            }
        ),
        Err(ActionError::Invalid { .. })
    ));
}
