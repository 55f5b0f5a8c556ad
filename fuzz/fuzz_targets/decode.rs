//! Arbitrary bytes as a charger's WebSocket text frame, through the whole wire layer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ocpp_gateway::ocpp::fuzz::exercise(data));
