//! Every charger→central-system action of both versions gets an answer that validates
//! against the official response schema, on a lenient and on a strict connection.

use crate::common;

use common::*;
use ocpp_gateway::ocpp::examples::charger_requests;
use ocpp_gateway::ocpp::{v16, v201, OcppVersion};

async fn every_action(version: OcppVersion, strict: bool) {
    let mut s = settings();
    let identity = format!("EVERY-{}-{strict}", version.subprotocol());
    let mut seed = seed(&identity, None);
    seed.strict = strict;
    s.chargers.push(seed);
    let tg = start(s).await;
    let mut c = charger(&tg, &identity, version.subprotocol()).await;
    let requests = charger_requests(version);
    let expected = match version {
        OcppVersion::V16 => v16::CHARGER_ACTIONS,
        OcppVersion::V201 => v201::CHARGER_ACTIONS,
    };
    for action in expected {
        assert!(
            requests.iter().any(|(a, _)| a == action),
            "no example for {action}"
        );
    }
    let with_schema = schema::available();
    for (action, payload) in requests {
        let answer = c.call_frame(action, payload).await;
        assert_eq!(answer[0], 3, "{version} {action} answered with {answer}");
        if with_schema {
            if let Err(e) = schema::validate(version, action, true, &answer[2]) {
                panic!("{version} {action}: {e}");
            }
        }
    }
}

#[tokio::test]
async fn every_1_6_action_is_answered_validly() {
    every_action(OcppVersion::V16, false).await;
    every_action(OcppVersion::V16, true).await;
}

#[tokio::test]
async fn every_2_0_1_action_is_answered_validly() {
    every_action(OcppVersion::V201, false).await;
    every_action(OcppVersion::V201, true).await;
}
