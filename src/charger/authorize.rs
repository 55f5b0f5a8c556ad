//! Deciding id tags: the gateway's id-tag list first, then (for tags it does not hold)
//! an optional upstream HTTP service whose answers are cached, then the configured
//! policy. Every decision is recorded as an authorization.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Deserialize;

use crate::config::{AuthSettings, Policy};
use crate::domain::auth::{AuthSource, AuthorizationRecord};
use crate::domain::AuthStatus;
use crate::store::Store;

/// Most upstream answers kept; past this, expired ones are dropped first.
const CACHE_LIMIT: usize = 50_000;

/// See the module documentation.
pub struct Authorizer {
    store: Arc<dyn Store>,
    settings: AuthSettings,
    client: Option<reqwest::Client>,
    cache: Mutex<HashMap<String, (AuthStatus, Instant)>>,
}

#[derive(Deserialize)]
struct UpstreamAnswer {
    status: String,
}

/// Why the upstream gave no usable answer.
enum Upstream {
    Answer(AuthStatus),
    Unknown,
    Unreachable(String),
}

fn policy_status(p: Policy) -> AuthStatus {
    match p {
        Policy::Accept => AuthStatus::Accepted,
        Policy::Reject => AuthStatus::Invalid,
    }
}

impl Authorizer {
    pub fn new(settings: &AuthSettings, store: Arc<dyn Store>) -> Result<Authorizer, String> {
        let client = if settings.upstream_url.trim().is_empty() {
            None
        } else {
            Some(
                reqwest::Client::builder()
                    .timeout(settings.upstream_timeout)
                    .connect_timeout(settings.upstream_timeout)
                    .build()
                    .map_err(|e| format!("auth.upstream_url client: {e}"))?,
            )
        };
        Ok(Authorizer {
            store,
            settings: settings.clone(),
            client,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Decides `id_tag` for the charger `identity` and records the decision.
    pub async fn authorize(&self, identity: &str, id_tag: &str) -> AuthStatus {
        let (status, source) = self.decide(identity, id_tag).await;
        let record = AuthorizationRecord {
            id_tag: id_tag.to_owned(),
            status,
            source,
            at: Utc::now(),
        };
        if let Err(e) = self.store.record_authorization(identity, record).await {
            tracing::warn!(error = %e, "could not record an authorization");
        }
        status
    }

    async fn decide(&self, identity: &str, id_tag: &str) -> (AuthStatus, AuthSource) {
        match self.store.id_tag(id_tag).await {
            Ok(Some(tag)) => return (tag.decide(Utc::now()), AuthSource::Local),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "id-tag lookup failed; applying the offline policy");
                return (
                    policy_status(self.settings.offline_policy),
                    AuthSource::Policy,
                );
            }
        }
        let Some(client) = &self.client else {
            return (policy_status(self.settings.unknown), AuthSource::Policy);
        };
        if let Some(status) = self.cached(id_tag) {
            return (status, AuthSource::Upstream);
        }
        match self.ask_upstream(client, identity, id_tag).await {
            Upstream::Answer(status) => {
                self.remember(id_tag, status);
                (status, AuthSource::Upstream)
            }
            Upstream::Unknown => (policy_status(self.settings.unknown), AuthSource::Policy),
            Upstream::Unreachable(why) => {
                tracing::warn!(reason = %why, "upstream authorization unavailable; applying the offline policy");
                (
                    policy_status(self.settings.offline_policy),
                    AuthSource::Policy,
                )
            }
        }
    }

    async fn ask_upstream(
        &self,
        client: &reqwest::Client,
        identity: &str,
        id_tag: &str,
    ) -> Upstream {
        let body = serde_json::json!({"idTag": id_tag, "chargePointId": identity});
        let resp = match client
            .post(self.settings.upstream_url.trim())
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Upstream::Unreachable(e.to_string()),
        };
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Upstream::Unknown;
        }
        if !resp.status().is_success() {
            return Upstream::Unreachable(format!("HTTP {}", resp.status()));
        }
        match resp.json::<UpstreamAnswer>().await {
            Ok(a) => match a.status.to_ascii_lowercase().as_str() {
                "accepted" => Upstream::Answer(AuthStatus::Accepted),
                "blocked" => Upstream::Answer(AuthStatus::Blocked),
                "expired" => Upstream::Answer(AuthStatus::Expired),
                "invalid" => Upstream::Answer(AuthStatus::Invalid),
                "concurrenttx" => Upstream::Answer(AuthStatus::ConcurrentTx),
                other => Upstream::Unreachable(format!("unknown status {other:?}")),
            },
            Err(e) => Upstream::Unreachable(format!("unreadable answer: {e}")),
        }
    }

    fn cached(&self, id_tag: &str) -> Option<AuthStatus> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(id_tag)
            .filter(|(_, at)| at.elapsed() < self.settings.cache_ttl)
            .map(|(s, _)| *s)
    }

    fn remember(&self, id_tag: &str, status: AuthStatus) {
        let ttl = self.settings.cache_ttl;
        if ttl == Duration::ZERO {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.retain(|_, (_, at)| at.elapsed() < ttl);
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
        }
        cache.insert(id_tag.to_owned(), (status, Instant::now()));
    }
}
