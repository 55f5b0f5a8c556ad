//! The reads: every list with each of its filters, windows and pages, and every single
//! read, known ids and unknown ones.

use super::{all, page, pages, window, windows, Pair, Shown};
use ocpp_gateway::store::resources::*;

pub(super) async fn reads(p: &Pair) {
    for pg in pages() {
        same!(p, |s| s.charge_points(ChargePointFilter::default(), pg));
        same!(p, |s| s.evses(EvseFilter::default(), pg));
        same!(p, |s| s.hardware_status_logs(1, Window::default(), pg));
        same!(p, |s| s.network_status_logs(1, Window::default(), pg));
        same!(p, |s| s.sessions(SessionFilter::default(), pg));
        same!(p, |s| s.id_tags(IdTagFilter::default(), pg));
        same!(p, |s| s.authorizations(AuthorizationFilter::default(), pg));
        same!(p, |s| s.security_events(SecurityEventFilter::default(), pg));
    }
    let listed = answer!(p, |s| s.charge_points(ChargePointFilter::default(), all()));
    assert_eq!(listed.expect("listed").len(), 4, "the fixture is loaded");

    // PostgreSQL text cannot hold NUL: a filter with one matches nothing, in both.
    for identity in ["CP-1", "cp-1", "cp-3", "nobody", "CP-1\0"] {
        let f = ChargePointFilter {
            identity: Some(identity.into()),
            ..Default::default()
        };
        same!(p, |s| s.charge_points(f.clone(), all()));
    }
    for name in ["CP One", "cp one", "Ünïcode 名前", "CP"] {
        let f = ChargePointFilter {
            name: Some(name.into()),
            ..Default::default()
        };
        same!(p, |s| s.charge_points(f.clone(), all()));
    }
    for w in windows() {
        let f = ChargePointFilter {
            updated: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.charge_points(f.clone(), all()));
        let f = EvseFilter {
            updated: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.evses(f.clone(), all()));
        for cp in [1, 2, 3] {
            same!(p, |s| s.hardware_status_logs(cp, w.clone(), all()));
            same!(p, |s| s.network_status_logs(cp, w.clone(), all()));
        }
        for f in [
            SessionFilter {
                updated: w.clone(),
                ..Default::default()
            },
            SessionFilter {
                started: w.clone(),
                ..Default::default()
            },
            SessionFilter {
                stopped: w.clone(),
                ..Default::default()
            },
        ] {
            same!(p, |s| s.sessions(f.clone(), all()));
        }
        let f = IdTagFilter {
            updated: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.id_tags(f.clone(), all()));
        for f in [
            AuthorizationFilter {
                created: w.clone(),
                ..Default::default()
            },
            AuthorizationFilter {
                updated: w.clone(),
                ..Default::default()
            },
        ] {
            same!(p, |s| s.authorizations(f.clone(), all()));
        }
        let f = ReservationFilter {
            created: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.reservations(f.clone(), 0, 10));
        let f = SecurityEventFilter {
            occurred: w.clone(),
            ..Default::default()
        };
        same!(p, |s| s.security_events(f.clone(), all()));
    }
    for id in [-1, 0, 1, 2, 3, 4, 5, 99] {
        same!(p, |s| s.charge_point(id));
        same!(p, |s| s.evse(id));
        same!(p, |s| s.session(id));
        same!(p, |s| s.id_tag(id));
        same!(p, |s| s.authorization(id));
        same!(p, |s| s.reservation(id));
        same!(p, |s| s.security_event(id));
        same!(p, |s| s.latest_hardware_status_log(id));
        same!(p, |s| s.latest_network_status_log(id));
        same!(p, |s| s.session_transaction_id(id));
    }
    for cp in [Some(1), Some(2), Some(3), Some(99)] {
        let f = EvseFilter {
            charge_point_id: cp,
            ..Default::default()
        };
        same!(p, |s| s.evses(f.clone(), all()));
        same!(p, |s| s.evses(f.clone(), page(Some(2), 1)));
        let f = SecurityEventFilter {
            charge_point_id: cp,
            ..Default::default()
        };
        same!(p, |s| s.security_events(f.clone(), all()));
        let f = SessionFilter {
            charge_point_id: cp,
            ..Default::default()
        };
        same!(p, |s| s.sessions(f.clone(), all()));
    }
    let configured = answer!(p, |s| s.configurations(1, None));
    assert_eq!(configured.expect("configurations").len(), 8);
    for (cp, key) in [
        (1, Some("B")),
        (1, Some("b")),
        (1, Some("gone")),
        (1, Some("b\0")),
        (2, None),
        (3, None),
    ] {
        same!(p, |s| s.configurations(cp, key.map(str::to_owned)));
    }
    session_filters(p).await;
    other_filters(p).await;
    inspection(p).await;
}

/// The reads operators and the acceptance tests use beside the API's.
async fn inspection(p: &Pair) {
    for identity in ["CP-1", "CP-2", "cp-3", "CP-4", "cp-1", "nobody"] {
        same_inherent!(p, |s| s.charge_point_by_identity(identity));
        same_inherent!(p, |s| s.sessions_of(identity));
        same_inherent!(p, |s| s.meter_value_count(identity));
        for evse in [0, 1, 2, 3, 9] {
            same_inherent!(p, |s| s.evse_status(identity, evse));
        }
    }
    for table in [
        "charge_points",
        "sessions",
        "meter_values",
        "outbox",
        "configurations",
    ] {
        same_inherent!(p, |s| s.count(table));
    }
}

async fn session_filters(p: &Pair) {
    let filters = [
        SessionFilter {
            charge_point_identity: Some("CP-2".into()),
            ..Default::default()
        },
        SessionFilter {
            charge_point_identity: Some("nobody".into()),
            ..Default::default()
        },
        SessionFilter {
            charge_point_identity: Some("CP-2\0".into()),
            status: Some("\0".into()),
            ..Default::default()
        },
        SessionFilter {
            evse_id: Some(2),
            ..Default::default()
        },
        SessionFilter {
            evse_id: Some(1),
            ..Default::default()
        },
        SessionFilter {
            status: Some("finished".into()),
            ..Default::default()
        },
        SessionFilter {
            id_tag: Some("TAG1".into()),
            ..Default::default()
        },
        SessionFilter {
            id_tag: Some("tag1".into()),
            ..Default::default()
        },
        SessionFilter {
            charge_point_id: Some(1),
            status: Some("finished".into()),
            stopped: window(Some("2022-01-01T00:00:00.000Z"), None),
            ..Default::default()
        },
    ];
    for f in filters {
        same!(p, |s| s.sessions(f.clone(), all()));
        same!(p, |s| s.sessions(f.clone(), page(Some(1), 1)));
    }
}

async fn other_filters(p: &Pair) {
    let tags = [
        IdTagFilter {
            uid: Some("TAG1".into()),
            ..Default::default()
        },
        IdTagFilter {
            uid: Some("tag1".into()),
            ..Default::default()
        },
        IdTagFilter {
            label: Some("\0".into()),
            ..Default::default()
        },
        IdTagFilter {
            status: Some("enabled".into()),
            ..Default::default()
        },
        IdTagFilter {
            kind: Some("rfid".into()),
            ..Default::default()
        },
        IdTagFilter {
            label: Some("Label B".into()),
            ..Default::default()
        },
    ];
    for f in tags {
        same!(p, |s| s.id_tags(f.clone(), all()));
    }
    let auths = [
        AuthorizationFilter {
            status: Some("rejected".into()),
            ..Default::default()
        },
        AuthorizationFilter {
            method: Some("rfid".into()),
            ..Default::default()
        },
        AuthorizationFilter {
            status: Some("accepted".into()),
            method: Some("remote".into()),
            ..Default::default()
        },
    ];
    for f in auths {
        same!(p, |s| s.authorizations(f.clone(), all()));
        same!(p, |s| s.authorizations(f.clone(), page(Some(1), 1)));
    }
    let reservations = [
        ReservationFilter::default(),
        ReservationFilter {
            evse_id: Some(2),
            ..Default::default()
        },
        ReservationFilter {
            evse_id: Some(4),
            ..Default::default()
        },
        ReservationFilter {
            status: Some("active".into()),
            ..Default::default()
        },
    ];
    for f in reservations {
        for (offset, limit) in [(0, 10), (1, 1), (2, 5), (3, 0), (100, 10), (u64::MAX, 10)] {
            same!(p, |s| s.reservations(f.clone(), offset, limit));
        }
    }
    for kind in ["ResetOrReboot", "resetorreboot"] {
        let f = SecurityEventFilter {
            kind: Some(kind.into()),
            ..Default::default()
        };
        same!(p, |s| s.security_events(f.clone(), all()));
    }
}
