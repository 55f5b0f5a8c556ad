//! What each section of the settings holds (`[ocpp]`, `[tls]`, `[api]`, `[store]`,
//! `[cluster]`, `[local_list]`, `[pnc]`, `[auth]`, `[notify]`, `[log]`, `[[chargers]]`),
//! with the few readings of a section that need no other.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::ConfigError;
use crate::ocpp::Leniency;

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct OcppSettings {
    pub listen: SocketAddr,
    /// The TLS listener for security profiles 2 and 3 ("" for none).
    pub tls_listen: String,
    /// The URL chargers reach the TLS listener at (`wss://host:port/ocpp`), given to
    /// 2.0.1 stations raised to profile 2 ("" when unknown).
    pub public_tls_url: String,
    /// The URL chargers reach the plain listener at (`ws://host:port/ocpp`), given to
    /// 2.0.1 stations raised to profile 1 ("" when unknown).
    pub public_url: String,
    /// Peers (IP addresses or CIDR ranges) whose forwarded TLS headers are trusted.
    pub trusted_proxies: Vec<String>,
    /// Most chargers connected at once; more are refused at the TCP level.
    pub max_connections: usize,
    pub path_prefix: String,
    pub missing_subprotocol: MissingSubprotocol,
    #[serde(with = "humantime_serde")]
    pub ping_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub call_timeout: Duration,
    pub max_frame_bytes: usize,
    #[serde(with = "humantime_serde")]
    pub heartbeat_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub handshake_timeout: Duration,
    pub auto_register: bool,
    pub allow_unauthenticated: bool,
    pub strict: bool,
    pub mailbox: usize,
    /// CALLs per second a charger may send, sustained ("0" turns the limit off).
    pub rate_limit: f64,
    /// CALLs a charger may send in a burst above the sustained rate.
    pub rate_burst: f64,
    /// What happens to a charger over the limit.
    pub rate_limit_action: RateLimitAction,
    /// On shutdown, how long calls waiting on chargers may take to finish.
    #[serde(with = "humantime_serde")]
    pub drain_grace: Duration,
    /// On shutdown, the time over which chargers are closed (so they do not all
    /// reconnect elsewhere at once).
    #[serde(with = "humantime_serde")]
    pub drain_spread: Duration,
    /// How long a charger stays `temporarily_unavailable` before the API calls it
    /// `long-term_unavailable`.
    #[serde(with = "humantime_serde")]
    pub long_term_after: Duration,
    /// The chargers' DataTransfer messages the platform handles: `"VENDOR"`,
    /// `"VENDOR/MESSAGE"` or `"*"`; any other is answered UnknownVendorId/UnknownMessageId.
    pub data_transfer_vendors: Vec<String>,
    /// Whether a charger auto-registered at its first connection is accepted or held
    /// Pending until the API accepts it.
    pub boot_policy: BootPolicy,
    /// The `interval` of a Pending or Rejected BootNotification answer: the least wait
    /// before the charger's next BootNotification.
    #[serde(with = "humantime_serde")]
    pub boot_retry_interval: Duration,
}

/// See [`OcppSettings::boot_policy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootPolicy {
    /// Every charger the store knows is Accepted (unless `disabled`).
    Accept,
    /// A charger auto-registered at its first connection is Pending until accepted.
    PendingNew,
}

/// What happens to a charger sending faster than `ocpp.rate_limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitAction {
    /// Answer the excess CALLs with a CALLERROR; the socket stays open.
    Error,
    /// Close the socket (1008, policy violation).
    Close,
}

/// Files of the TLS listener and the charger CA.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TlsSettings {
    pub cert_chain: PathBuf,
    pub private_key: PathBuf,
    /// The charger CA: client certificates (profile 3) must chain to it ("" for none).
    pub client_ca: PathBuf,
    /// The charger CA's key, used to sign chargers' certificate requests ("" for none).
    pub ca_key: PathBuf,
}

impl OcppSettings {
    /// The TLS listener's address, if one is configured.
    pub fn tls_listen_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        let t = self.tls_listen.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse().map(Some).map_err(|_| {
            ConfigError::Invalid(format!(
                "ocpp.tls_listen {t:?} is not an address like 0.0.0.0:9443"
            ))
        })
    }

    /// The idle timeout in force: the configured one, or 3 × the heartbeat interval.
    pub fn effective_idle_timeout(&self) -> Duration {
        if self.idle_timeout.is_zero() {
            self.heartbeat_interval * 3
        } else {
            self.idle_timeout
        }
    }
}

/// What to do with a charger that offers no subprotocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum MissingSubprotocol {
    #[serde(rename = "assume-1.6")]
    Assume16,
    #[serde(rename = "reject")]
    Reject,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ApiSettings {
    pub listen: SocketAddr,
    pub tokens: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct StoreSettings {
    /// A `postgres://` URL selects the shared PostgreSQL store (cluster mode); empty
    /// keeps the embedded SQLite file at `path`.
    pub url: String,
    /// Connections in the PostgreSQL pool.
    pub pool_size: usize,
    pub path: PathBuf,
    /// fsync every commit (`true`, nothing acknowledged is lost even on power loss) or
    /// leave it to the OS (`false`, survives a process crash, not a power cut).
    pub fsync: bool,
    /// How long a write waits for a lock held by another process before failing.
    #[serde(with = "humantime_serde")]
    pub busy_timeout: Duration,
}

/// Several nodes over one PostgreSQL store, with NATS carrying actions to the node that
/// holds a charger's socket.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ClusterSettings {
    /// `nats://host:port`; empty: a single node, no routing.
    pub nats_url: String,
    /// The cluster's name, the first token of its NATS subjects: clusters sharing a
    /// broker keep apart by name.
    pub name: String,
    /// This node's name, unique in the cluster; empty: the host name.
    pub node_id: String,
    /// How often a node records that it is alive.
    #[serde(with = "humantime_serde")]
    pub heartbeat: Duration,
    /// A node silent this long is taken for dead: its chargers show as temporarily
    /// unavailable until they reconnect elsewhere.
    #[serde(with = "humantime_serde")]
    pub dead_after: Duration,
}

/// Local authorization lists (SendLocalList) kept in step with the id tags.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct LocalListSettings {
    /// Whether the gateway sends chargers that keep a local list its id tags.
    pub enabled: bool,
}

/// Plug & Charge (ISO 15118): where contract certificates come from, and what the
/// vehicles' provisioning certificates must chain to.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PncSettings {
    /// `""` (none: the EMAID actions answer 501), `"local"` (the development PKI that
    /// `certs init --pnc` writes to `dir`) or `"http"` (a certificate pool at `http_url`).
    pub provider: String,
    /// The folder of the development Plug & Charge PKI.
    pub dir: PathBuf,
    /// PEM files of the OEM roots provisioning certificates must chain to (empty: the
    /// development OEM root in `dir`, when present).
    pub oem_roots: Vec<PathBuf>,
    /// PEM files of the MO (and V2G) roots contract certificates of other mobility
    /// operators must chain to, checked through their OCSP responders (empty: the
    /// development MO and V2G roots in `dir`, when present).
    pub mo_roots: Vec<PathBuf>,
    /// How long one request to a contract's OCSP responder may take.
    #[serde(with = "humantime_serde")]
    pub ocsp_timeout: Duration,
    /// The addresses a responder a charger names may have, beyond public ones.
    pub ocsp_responders: CallbackScope,
    /// The country and provider id of EMAIDs the local provider hands out (`DE-8EO`).
    pub emaid_prefix: String,
    /// How long contract certificates of the local provider are valid.
    pub contract_days: u32,
    /// The base URL of the HTTP provider (`POST {http_url}/contracts`, ...).
    pub http_url: String,
    /// A Bearer token for the HTTP provider ("" for none).
    pub http_token: String,
    /// How long one request to the HTTP provider may take.
    #[serde(with = "humantime_serde")]
    pub http_timeout: Duration,
}

impl PncSettings {
    /// The provider named by `provider`, checked.
    pub fn kind(&self) -> Result<Option<PncProvider>, ConfigError> {
        match self.provider.trim() {
            "" | "none" => Ok(None),
            "local" => Ok(Some(PncProvider::Local)),
            "http" => {
                let url = self.http_url.trim();
                if url.starts_with("http://") || url.starts_with("https://") {
                    Ok(Some(PncProvider::Http))
                } else {
                    Err(ConfigError::Invalid(format!(
                        "pnc.provider \"http\" needs pnc.http_url to be an http:// or https:// URL, not {url:?}"
                    )))
                }
            }
            other => Err(ConfigError::Invalid(format!(
                "pnc.provider {other:?} is not one of \"\", \"local\", \"http\""
            ))),
        }
    }
}

/// Where contract certificates come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PncProvider {
    Local,
    Http,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AuthSettings {
    /// The answer for tags that neither the id-tag list nor the upstream service knows.
    pub unknown: Policy,
    /// An HTTP service asked about tags the gateway does not hold ("" for none).
    pub upstream_url: String,
    #[serde(with = "humantime_serde")]
    pub upstream_timeout: Duration,
    /// How long an upstream answer is reused.
    #[serde(with = "humantime_serde")]
    pub cache_ttl: Duration,
    /// The answer when the upstream service cannot be asked.
    pub offline_policy: Policy,
    /// The user whose tags are the master pass (2.0.1 C16): their group is the one to set
    /// as the stations' `AuthCtrlr.MasterPassGroupId`; 0 for none.
    pub master_pass_user_id: i64,
    /// The id tag of a remote start whose body names nobody ("" to require a tag or a
    /// user); accepted only at a charger with a remote start or session under it.
    pub remote_start_tag: String,
}

/// A fixed answer to an id tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Policy {
    #[serde(rename = "accept", alias = "accepted")]
    Accept,
    #[serde(rename = "reject", alias = "invalid")]
    Reject,
}

/// Webhook delivery (see `[notify]` in `config/default.toml`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct NotifySettings {
    pub max_attempts: u32,
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    pub concurrency: usize,
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub resend_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
    /// Which callback addresses beyond the public internet a subscription may use.
    pub allow_callbacks_to: CallbackScope,
}

/// The addresses a URL someone else names (a webhook callback, an OCSP responder) may
/// resolve to, beyond public ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CallbackScope {
    /// Public addresses only: loopback, link-local, private, unique-local, unspecified,
    /// multicast and other special ranges are refused.
    Public,
    /// Public addresses and loopback (a receiver on the gateway's own host).
    Loopback,
    /// Any address, private ranges included (a receiver in the same private network).
    Private,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
    /// Log every OCPP-J frame to a rotating file.
    pub frames: bool,
    /// The frame log ("" puts `frames.log` beside the store file).
    pub frames_path: PathBuf,
    /// Rotate the frame log past this many bytes...
    pub frames_max_bytes: u64,
    /// ...keeping this many old files.
    pub frames_keep: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A charger known from the settings file.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ChargerSeed {
    pub identity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default)]
    pub strict: bool,
    /// The security profile the charger must use at least (0–3).
    #[serde(default)]
    pub security_profile: u8,
}

impl ChargerSeed {
    pub fn leniency(&self, global_strict: bool) -> Leniency {
        if self.strict || global_strict {
            Leniency::Strict
        } else {
            Leniency::Lenient
        }
    }
}
