//! Frame decode and encode per action, in both OCPP versions: `Frame::parse` plus the
//! version's `decode_request` (what every inbound CALL costs before it reaches the
//! domain), and the CALL's text (what every frame sent costs).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ocpp_gateway::ocpp::{examples, v16, v201, Call, Frame, Leniency, OcppVersion};

/// The actions measured: the ones a fleet sends most, and the largest boot.
const ACTIONS: &[(OcppVersion, &str)] = &[
    (OcppVersion::V16, "BootNotification"),
    (OcppVersion::V16, "Heartbeat"),
    (OcppVersion::V16, "StatusNotification"),
    (OcppVersion::V16, "MeterValues"),
    (OcppVersion::V16, "StartTransaction"),
    (OcppVersion::V201, "BootNotification"),
    (OcppVersion::V201, "StatusNotification"),
    (OcppVersion::V201, "MeterValues"),
    (OcppVersion::V201, "TransactionEvent"),
];

/// The CALL frame of `action` as a charger would send it.
fn frame_text(version: OcppVersion, action: &str) -> Option<String> {
    let (_, payload) = examples::charger_requests(version)
        .into_iter()
        .find(|(name, _)| *name == action)?;
    let call = Call {
        id: "19223201".to_owned(),
        action: action.to_owned(),
        payload,
    };
    Some(Frame::Call(call).to_text())
}

fn decode(version: OcppVersion, text: &str) -> bool {
    let Ok(Frame::Call(call)) = Frame::parse(text) else {
        return false;
    };
    match version {
        OcppVersion::V16 => {
            v16::decode_request(&call.action, call.payload, Leniency::Lenient).is_ok()
        }
        OcppVersion::V201 => {
            v201::decode_request(&call.action, call.payload, Leniency::Lenient).is_ok()
        }
    }
}

fn codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("codec");
    group.throughput(Throughput::Elements(1));
    for &(version, action) in ACTIONS {
        let Some(text) = frame_text(version, action) else {
            continue;
        };
        // A frame that does not decode would measure an error path.
        assert!(decode(version, &text), "{version} {action} decodes");
        group.bench_function(format!("decode/{version}/{action}"), |b| {
            b.iter(|| decode(version, black_box(&text)))
        });
        let Ok(frame) = Frame::parse(&text) else {
            continue;
        };
        group.bench_function(format!("encode/{version}/{action}"), |b| {
            b.iter(|| black_box(&frame).to_text())
        });
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
