//! Deciding id tags: the gateway's id-tag list first, then (for tags it does not hold)
//! an optional upstream HTTP service whose answers are cached, then the configured
//! policy. A user's group token is answered from the user's tags, the remote-start tag
//! from the remote starts the gateway sent; an accepted tag already in another
//! transaction is `ConcurrentTx` (see `domain::tag_group`). Every decision is recorded
//! as an authorization.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Deserialize;

use crate::config::{AuthSettings, Policy};
use crate::domain::auth::{AuthDecision, AuthSource, AuthorizationRecord, IdTagRecord};
use crate::domain::tag_group::{concurrent, group_user, TagUse};
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

/// What a look-up found: a tag's answer (with the gateway's record of it, if it holds
/// one), or a user's group's.
enum Found {
    Tag(AuthStatus, AuthSource, Option<IdTagRecord>),
    Group(AuthDecision),
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

    /// Decides `id_tag` for the charger `identity` (before a transaction) and records the
    /// decision.
    pub async fn authorize(&self, identity: &str, id_tag: &str) -> AuthStatus {
        self.answer(identity, id_tag, &TagUse::Authorize)
            .await
            .status
    }

    /// Decides `id_tag` presented at the charger `identity` for `used`, with the tag's
    /// group, and records the decision.
    pub async fn answer(&self, identity: &str, id_tag: &str, used: &TagUse) -> AuthDecision {
        let (decision, source) = self.decide(identity, id_tag, used).await;
        let record = AuthorizationRecord {
            id_tag: id_tag.to_owned(),
            status: decision.status,
            source,
            at: Utc::now(),
        };
        if let Err(e) = self.store.record_authorization(identity, record).await {
            tracing::warn!(error = %e, "could not record an authorization");
        }
        decision
    }

    async fn decide(
        &self,
        identity: &str,
        id_tag: &str,
        used: &TagUse,
    ) -> (AuthDecision, AuthSource) {
        let central = &self.settings.remote_start_tag;
        if !central.is_empty() && id_tag == central {
            return (self.remote_start(identity, id_tag).await, AuthSource::Local);
        }
        let (status, source, record) = match self.look_up(identity, id_tag).await {
            Found::Group(d) => return (d, AuthSource::Local),
            Found::Tag(status, source, record) => (status, source, record),
        };
        let mut decision = AuthDecision {
            status,
            group: record.as_ref().and_then(IdTagRecord::group),
        };
        // Master-pass tags may end any transaction (C16): never concurrent.
        let master = self.settings.master_pass_user_id;
        let master_pass = master != 0 && record.and_then(|r| r.user_id) == Some(master);
        // A group token (of a user the list has no tags of) is shared, never concurrent.
        let shared = group_user(id_tag).is_some();
        if status == AuthStatus::Accepted
            && !master_pass
            && !shared
            && self.in_use(identity, id_tag, used).await
        {
            decision.status = AuthStatus::ConcurrentTx;
        }
        (decision, source)
    }

    /// Whether the tag is in another transaction than the one it is presented for.
    async fn in_use(&self, identity: &str, id_tag: &str, used: &TagUse) -> bool {
        if *used == TagUse::Stop {
            return false;
        }
        match self.store.tag_transactions(id_tag).await {
            Ok(open) => concurrent(used, identity, &open),
            Err(e) => {
                tracing::warn!(error = %e, "open transactions of a tag unreadable; not answering ConcurrentTx");
                false
            }
        }
    }

    /// The remote-start tag: accepted only at a charger the gateway sent a remote start
    /// with it to (still waiting, or running).
    async fn remote_start(&self, identity: &str, id_tag: &str) -> AuthDecision {
        let ours = match self.store.tag_transactions(id_tag).await {
            Ok(open) => open.iter().any(|t| t.identity == identity),
            Err(e) => {
                tracing::error!(error = %e, "remote starts unreadable; applying the offline policy");
                return AuthDecision::status(policy_status(self.settings.offline_policy));
            }
        };
        AuthDecision::status(if ours {
            AuthStatus::Accepted
        } else {
            AuthStatus::Invalid
        })
    }

    /// A user's group token, when the user has tags: Accepted while one of them is,
    /// else the first tag's answer. The group is its own group.
    async fn group(&self, user: i64, token: &str) -> Option<AuthDecision> {
        let tags = match self.store.user_id_tags(user).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "user's id tags unreadable; applying the offline policy");
                return Some(AuthDecision {
                    status: policy_status(self.settings.offline_policy),
                    group: Some(token.to_owned()),
                });
            }
        };
        let now = Utc::now();
        let status = tags
            .iter()
            .map(|t| t.decide(now))
            .find(|s| *s == AuthStatus::Accepted)
            .or_else(|| tags.first().map(|t| t.decide(now)))?;
        Some(AuthDecision {
            status,
            group: Some(token.to_owned()),
        })
    }

    /// The tag's answer from the list, its user's tags (a group token), the upstream
    /// service or the policy, in that order.
    async fn look_up(&self, identity: &str, id_tag: &str) -> Found {
        match self.store.id_tag(id_tag).await {
            Ok(Some(tag)) => {
                return Found::Tag(tag.decide(Utc::now()), AuthSource::Local, Some(tag))
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "id-tag lookup failed; applying the offline policy");
                let status = policy_status(self.settings.offline_policy);
                return Found::Tag(status, AuthSource::Policy, None);
            }
        }
        if let Some(user) = group_user(id_tag) {
            if let Some(d) = self.group(user, id_tag).await {
                return Found::Group(d);
            }
        }
        let (status, source) = self.ask(identity, id_tag).await;
        Found::Tag(status, source, None)
    }

    async fn ask(&self, identity: &str, id_tag: &str) -> (AuthStatus, AuthSource) {
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
