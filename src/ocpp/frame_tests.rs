//! Frame parsing and encoding: every malformed-frame case and its exact answer.

use serde_json::json;

use super::*;
use ErrorCode::*;

const ID37: &str = "0123456789012345678901234567890123456";
const ID36: &str = "012345678901234567890123456789012345";

/// (input, expected code, expected id)
const MALFORMED: &[(&str, ErrorCode, Option<&str>)] = &[
    ("", FormatViolation, None),
    ("not json", FormatViolation, None),
    ("[2, \"a\", \"Heartbeat\", {}", FormatViolation, None),
    (
        "[2, \"a\", \"Heartbeat\", {}] trailing",
        FormatViolation,
        None,
    ),
    ("{\"messageTypeId\": 2}", RpcFrameworkError, None),
    ("\"text\"", RpcFrameworkError, None),
    ("42", RpcFrameworkError, None),
    ("null", RpcFrameworkError, None),
    ("[]", RpcFrameworkError, None),
    ("[2]", RpcFrameworkError, None),
    (
        "[\"2\", \"a\", \"Heartbeat\", {}]",
        RpcFrameworkError,
        Some("a"),
    ),
    (
        "[2.5, \"a\", \"Heartbeat\", {}]",
        RpcFrameworkError,
        Some("a"),
    ),
    ("[null, 7, \"Heartbeat\", {}]", RpcFrameworkError, None),
    ("[2, 17, \"Heartbeat\", {}]", RpcFrameworkError, None),
    ("[2, null, \"Heartbeat\", {}]", RpcFrameworkError, None),
    ("[3, {\"id\": \"a\"}, {}]", RpcFrameworkError, None),
    (
        "[5, \"a\", \"Heartbeat\", {}]",
        MessageTypeNotSupported,
        Some("a"),
    ),
    ("[1, \"a\"]", MessageTypeNotSupported, Some("a")),
    (
        "[-2, \"a\", \"Heartbeat\", {}]",
        MessageTypeNotSupported,
        Some("a"),
    ),
    ("[6, \"a\"]", MessageTypeNotSupported, Some("a")),
    ("[2, \"a\", \"Heartbeat\"]", RpcFrameworkError, Some("a")),
    (
        "[2, \"a\", \"Heartbeat\", {}, {}]",
        RpcFrameworkError,
        Some("a"),
    ),
    ("[2, \"a\"]", RpcFrameworkError, Some("a")),
    ("[3, \"a\"]", RpcFrameworkError, Some("a")),
    ("[3, \"a\", {}, {}]", RpcFrameworkError, Some("a")),
    ("[4, \"a\", \"GenericError\"]", RpcFrameworkError, Some("a")),
    (
        "[4, \"a\", \"GenericError\", \"\", {}, 1]",
        RpcFrameworkError,
        Some("a"),
    ),
    ("[2, \"a\", 7, {}]", RpcFrameworkError, Some("a")),
    ("[2, \"a\", null, {}]", RpcFrameworkError, Some("a")),
    (
        "[2, \"a\", \"Heartbeat\", null]",
        FormatViolation,
        Some("a"),
    ),
    ("[2, \"a\", \"Heartbeat\", []]", FormatViolation, Some("a")),
    (
        "[2, \"a\", \"Heartbeat\", \"{}\"]",
        FormatViolation,
        Some("a"),
    ),
    ("[3, \"a\", 1]", FormatViolation, Some("a")),
    ("[4, \"a\", 1, \"\", {}]", RpcFrameworkError, Some("a")),
    (
        "[4, \"a\", \"GenericError\", null, {}]",
        RpcFrameworkError,
        Some("a"),
    ),
];

#[test]
fn malformed_frames_get_the_exact_code_and_id() {
    for (input, code, id) in MALFORMED {
        let err = Frame::parse(input).expect_err(input);
        assert_eq!(err.code, *code, "input {input:?}: {}", err.description);
        assert_eq!(err.id.as_deref(), *id, "input {input:?}");
    }
}

#[test]
fn message_ids_are_limited_to_36_characters() {
    let long = format!("[2, \"{ID37}\", \"Heartbeat\", {{}}]");
    let err = Frame::parse(&long).expect_err("over-long id");
    assert_eq!(err.code, RpcFrameworkError);
    assert_eq!(err.id.as_deref(), Some(ID37));

    let ok = format!("[2, \"{ID36}\", \"Heartbeat\", {{}}]");
    assert_eq!(
        Frame::parse(&ok).map(|f| f.id().to_owned()),
        Ok(ID36.to_owned())
    );

    // 36 characters, more than 36 bytes.
    let wide = "é".repeat(36);
    let text = format!("[3, \"{wide}\", {{}}]");
    assert!(Frame::parse(&text).is_ok());
}

#[test]
fn well_formed_frames_parse() {
    let call = Frame::parse(r#"[2,"19223201","BootNotification",{"chargePointVendor":"V"}]"#);
    assert_eq!(
        call,
        Ok(Frame::Call(Call {
            id: "19223201".into(),
            action: "BootNotification".into(),
            payload: json!({"chargePointVendor": "V"}),
        }))
    );
    let result = Frame::parse(r#" [3, "x", {"status": "Accepted"}] "#);
    assert_eq!(
        result,
        Ok(Frame::CallResult(CallResult {
            id: "x".into(),
            payload: json!({"status": "Accepted"}),
        }))
    );
    let error = Frame::parse(r#"[4,"x","FormationViolation","bad",{"k":1}]"#);
    let Ok(Frame::CallError(error)) = error else {
        panic!("not a CALLERROR: {error:?}");
    };
    assert_eq!(error.error_code(), Some(FormatViolation));
    assert_eq!(error.details, json!({"k": 1}));
    assert_eq!(
        Frame::parse("[2,\"\",\"Heartbeat\",{}]").map(|f| f.id().to_owned()),
        Ok(String::new())
    );
}

#[test]
fn received_call_errors_are_read_liberally() {
    for text in [
        r#"[4,"x","GenericError",""]"#,
        r#"[4,"x","GenericError","",null]"#,
    ] {
        let Ok(Frame::CallError(e)) = Frame::parse(text) else {
            panic!("{text} rejected");
        };
        assert_eq!(e.details, json!({}));
    }
    let Ok(Frame::CallError(e)) = Frame::parse(r#"[4,"x","Odd","",[1]]"#) else {
        panic!("odd details rejected");
    };
    assert_eq!(e.error_code(), None);
    assert_eq!(e.details, json!([1]));
}

#[test]
fn to_text_is_compact_and_round_trips() {
    let frames = [
        Frame::Call(Call {
            id: "1".into(),
            action: "Heartbeat".into(),
            payload: json!({}),
        }),
        Frame::CallResult(CallResult {
            id: "1".into(),
            payload: json!({"currentTime": "2024-01-01T00:00:00Z"}),
        }),
        Frame::CallError(CallErrorFrame::new(
            "1",
            NotImplemented,
            OcppVersion::V16,
            "no",
        )),
    ];
    assert_eq!(frames[0].to_text(), r#"[2,"1","Heartbeat",{}]"#);
    assert_eq!(
        frames[1].to_text(),
        r#"[3,"1",{"currentTime":"2024-01-01T00:00:00Z"}]"#
    );
    assert_eq!(frames[2].to_text(), r#"[4,"1","NotImplemented","no",{}]"#);
    for frame in frames {
        assert_eq!(Frame::parse(&frame.to_text()), Ok(frame));
    }
}

#[test]
fn call_errors_are_spelt_for_the_version() {
    let v16 = CallErrorFrame::new("a", FormatViolation, OcppVersion::V16, "d");
    assert_eq!(v16.code, "FormationViolation");
    assert_eq!(v16.details, json!({}));
    let v201 = CallErrorFrame::new("a", FormatViolation, OcppVersion::V201, "d");
    assert_eq!(v201.code, "FormatViolation");
    let rpc = CallErrorFrame::new("a", RpcFrameworkError, OcppVersion::V16, "d");
    assert_eq!(rpc.code, "ProtocolError");
    let long = CallErrorFrame::new("a", GenericError, OcppVersion::V201, "ü".repeat(300));
    assert_eq!(long.description.chars().count(), MAX_DESCRIPTION_LEN);
}

#[test]
fn errors_without_an_id_are_answered_with_minus_one() {
    let Err(err) = Frame::parse("{") else {
        panic!("accepted");
    };
    let answer = err.answer(OcppVersion::V16);
    assert_eq!(answer.id, "-1");
    assert_eq!(answer.code, "FormationViolation");
    let Err(err) = Frame::parse("[9,\"q\"]") else {
        panic!("accepted");
    };
    let answer = err.answer(OcppVersion::V201);
    assert_eq!(
        (answer.id.as_str(), answer.code.as_str()),
        ("q", "MessageTypeNotSupported")
    );
}

#[test]
fn arbitrary_junk_never_panics() {
    let junk = [
        "[",
        "]",
        "[[[[[[",
        "[2,\"a\",\"A\",{\"x\":[1,2,{\"y\":null}]}]",
        "\u{0}",
        "[2,\"a\",\"\u{1F600}\",{}]",
        "[18446744073709551616,\"a\"]",
        "[1e400,\"a\"]",
        "[true,\"a\"]",
    ];
    for text in junk {
        let _ = Frame::parse(text);
    }
    let deep = "[".repeat(10_000);
    assert_eq!(
        Frame::parse(&deep).map_err(|e| e.code),
        Err(FormatViolation)
    );
}
