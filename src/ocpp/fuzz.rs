//! The whole wire layer driven by arbitrary bytes, as a charger could send them: what the
//! fuzz target (`fuzz/`) and the corpus regression test call. Any input must end in a
//! message or an exact error; a panic here is a bug of the wire layer.
//!
//! The first byte of the input picks one charger action of each version, under which the
//! CALL's payload is decoded as well as under its own action, so that every decoder is
//! reached without the input having to spell its name; the rest is the frame text.

use super::{
    v16, v201, CallErrorFrame, DecodeError, ErrorCode, Frame, FrameError, Leniency, OcppVersion,
};
use serde_json::Value;

const VERSIONS: [OcppVersion; 2] = [OcppVersion::V16, OcppVersion::V201];
const MODES: [Leniency; 2] = [Leniency::Lenient, Leniency::Strict];

/// Feeds `data` through everything a charger's frame reaches in the wire layer: the
/// UTF-8 check, [`Frame::parse`], both versions' request decoders in both modes, the
/// re-encoding of the frame, and the CALLERROR answering each fault. Panics only when
/// the wire layer breaks one of its own promises (a re-encoded frame that does not read
/// back the same, an answer that is not a valid CALLERROR, a decoder that panics).
pub fn exercise(data: &[u8]) {
    let (selector, bytes) = match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, data),
    };
    // The socket layer refuses text frames that are not UTF-8 before they get here.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let frame = match Frame::parse(text) {
        Ok(frame) => frame,
        Err(fault) => return answer_frame_error(&fault),
    };
    round_trip(&frame);
    let Frame::Call(call) = frame else {
        return;
    };
    let selected = [
        v16::CHARGER_ACTIONS[usize::from(selector) % v16::CHARGER_ACTIONS.len()],
        v201::CHARGER_ACTIONS[usize::from(selector) % v201::CHARGER_ACTIONS.len()],
    ];
    for version in VERSIONS {
        decode_both_ways(version, &call.id, &call.action, &call.payload, true);
        for action in selected {
            decode_both_ways(version, &call.id, action, &call.payload, false);
        }
    }
}

/// Decodes a payload under `action` strictly and leniently, answering any refusal.
/// `own` is whether `action` is the frame's own, for which a success must name it.
fn decode_both_ways(version: OcppVersion, id: &str, action: &str, payload: &Value, own: bool) {
    let mut strict_ok = false;
    // Strict first: whatever it accepts, the lenient reading must accept too.
    for leniency in MODES.into_iter().rev() {
        let decoded = match version {
            OcppVersion::V16 => v16::decode_request(action, payload.clone(), leniency).map(|d| {
                assert!(
                    !own || d.message.action() == action,
                    "{action} decoded as another"
                );
                d.deviations
            }),
            OcppVersion::V201 => {
                v201::decode_request(action, payload.clone(), leniency).map(|d| d.deviations)
            }
        };
        match decoded {
            Ok(deviations) => {
                if leniency == Leniency::Strict {
                    assert!(
                        deviations.is_empty(),
                        "strict decode recorded {deviations:?}"
                    );
                    strict_ok = true;
                }
            }
            Err(refusal) => {
                assert!(
                    !strict_ok,
                    "{version} {action}: accepted strictly, refused leniently: {refusal}"
                );
                answer_decode_error(version, id, &refusal);
            }
        }
    }
}

/// A malformed frame's answer, in both versions' spelling.
fn answer_frame_error(fault: &FrameError) {
    for version in VERSIONS {
        check_answer(version, fault.answer(version), fault.code);
    }
}

/// A refused payload's answer, as the charger actor builds it.
fn answer_decode_error(version: OcppVersion, id: &str, refusal: &DecodeError) {
    let answer = CallErrorFrame::new(id, refusal.code, version, refusal.description.clone());
    check_answer(version, answer, refusal.code);
}

/// An answer must spell a code of its version, keep its description within 2.0.1's
/// limit, and read back as itself (unless its id is over-long: an over-long id is
/// answered as it came, and is just as unreadable on the way back).
fn check_answer(version: OcppVersion, answer: CallErrorFrame, code: ErrorCode) {
    assert_eq!(answer.code, code.as_str(version));
    let known = answer.error_code().map(|c| c.as_str(version));
    assert_eq!(
        known,
        Some(answer.code.as_str()),
        "unknown code {}",
        answer.code
    );
    assert!(answer.description.chars().count() <= super::frame::MAX_DESCRIPTION_LEN);
    if answer.id.chars().count() <= super::frame::MAX_ID_LEN {
        round_trip(&Frame::CallError(answer));
    }
}

/// A frame, written and read again, must be the same frame.
fn round_trip(frame: &Frame) {
    let text = frame.to_text();
    match Frame::parse(&text) {
        Ok(again) => assert_eq!(&again, frame, "{text} read back differently"),
        Err(fault) => panic!("{text} does not read back: {fault}"),
    }
}
