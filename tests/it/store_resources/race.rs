//! What only a shared store meets: writers racing for one unique value. Whoever loses
//! gets the same `Duplicate` a late writer gets, never an engine error.

use std::sync::Arc;

use ocpp_gateway::config::StoreSettings;
use ocpp_gateway::store::resources::*;
use ocpp_gateway::store::{Resources, SqlStore};

const RACERS: usize = 8;

async fn store() -> Option<(Arc<SqlStore>, String)> {
    let Some(url) = super::fresh_database().await else {
        eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
        return None;
    };
    let settings = StoreSettings {
        url: url.clone(),
        pool_size: RACERS,
        path: "unused".into(),
        fsync: true,
        busy_timeout: std::time::Duration::from_secs(5),
    };
    let store = SqlStore::connect(&settings, "race")
        .await
        .expect("PostgreSQL store");
    Some((Arc::new(store), url))
}

fn charge_point(identity: &str) -> NewChargePoint {
    NewChargePoint {
        identity: identity.into(),
        name: None,
        protocol: None,
        password: None,
        desired_profile: None,
        access_type: "public".into(),
        system_status: "enabled".into(),
    }
}

fn id_tag(uid: &str) -> NewIdTag {
    NewIdTag {
        uid: uid.into(),
        status: "enabled".into(),
        kind: "rfid".into(),
        expire_at: None,
        external_id: None,
        label: None,
        user_id: Some(7),
    }
}

/// Runs `RACERS` writes at once; asserts one won and every other lost on `field`.
async fn one_winner<T: Send + 'static>(
    field: &'static str,
    write: impl Fn(usize) -> tokio::task::JoinHandle<Result<T, ResourceError>>,
) {
    let tasks: Vec<_> = (0..RACERS).map(write).collect();
    let mut won = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => won += 1,
            Err(ResourceError::Duplicate(f)) => assert_eq!(f, field),
            Err(e) => panic!("a racing write failed otherwise: {e:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one racing write wins");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_of_one_unique_value_leave_one_winner() {
    let Some((store, url)) = store().await else {
        return;
    };

    one_winner("network.id", |_| {
        let s = store.clone();
        tokio::spawn(async move { s.create_charge_point(charge_point("RACE")).await })
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..RACERS {
        let cp = store
            .create_charge_point(charge_point(&format!("R{i}")))
            .await
            .expect("created");
        ids.push(cp.id);
    }
    let patch = ChargePointPatch {
        identity: Some("TAKEN".into()),
        ..Default::default()
    };
    one_winner("network.id", |i| {
        let (s, id, patch) = (store.clone(), ids[i], patch.clone());
        tokio::spawn(async move { s.update_charge_point(id, patch).await })
    })
    .await;

    one_winner("idTagUid", |_| {
        let s = store.clone();
        tokio::spawn(async move { s.create_id_tag(id_tag("RACE")).await })
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..RACERS {
        let tag = store
            .create_id_tag(id_tag(&format!("T{i}")))
            .await
            .expect("created");
        ids.push(tag.id);
    }
    let patch = IdTagPatch {
        uid: Some("TAKEN".into()),
        ..Default::default()
    };
    one_winner("idTagUid", |i| {
        let (s, id, patch) = (store.clone(), ids[i], patch.clone());
        tokio::spawn(async move { s.update_id_tag(id, patch).await })
    })
    .await;

    let taken = ChargePointFilter {
        identity: Some("TAKEN".into()),
        ..Default::default()
    };
    let found = store
        .charge_points(
            taken,
            Page {
                after: None,
                limit: 10,
            },
        )
        .await
        .expect("list");
    assert_eq!(found.len(), 1);
    super::drop_database(&url).await;
}
