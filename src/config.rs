//! Settings: the embedded `config/default.toml`, then an optional file, then
//! `OCPP_GATEWAY__SECTION__KEY` environment variables. A bad value is a readable error.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ocpp::Leniency;

const DEFAULTS: &str = include_str!("../config/default.toml");

/// Everything the gateway can be told.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Settings {
    pub ocpp: OcppSettings,
    pub tls: TlsSettings,
    pub api: ApiSettings,
    pub store: StoreSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub notify: NotifySettings,
    pub cluster: ClusterSettings,
    pub pnc: PncSettings,
    pub local_list: LocalListSettings,
    #[serde(default)]
    pub chargers: Vec<ChargerSeed>,
    /// PEM files the install-certificate action sends, by certificate type
    /// (`CSMSRootCertificate`, `ManufacturerRootCertificate`, `V2GRootCertificate`,
    /// `MORootCertificate`).
    #[serde(default)]
    pub certificates: std::collections::BTreeMap<String, PathBuf>,
}

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

impl Settings {
    /// Where the frame log goes, when it is on.
    pub fn frame_file(&self) -> Option<crate::telemetry::frames::FrameFile> {
        if !self.log.frames {
            return None;
        }
        let path = if self.log.frames_path.as_os_str().is_empty() {
            self.store.path.with_file_name("frames.log")
        } else {
            self.log.frames_path.clone()
        };
        Some(crate::telemetry::frames::FrameFile {
            path,
            max_bytes: self.log.frames_max_bytes.max(4096),
            keep: self.log.frames_keep.max(1),
        })
    }
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

/// A configuration that cannot be used, with what is wrong in words.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// The embedded defaults alone (what tests start from).
    pub fn embedded() -> Result<Settings, ConfigError> {
        Self::build(None, false)
    }

    /// Defaults, then `file`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::build(file, true)
    }

    fn build(file: Option<&Path>, env: bool) -> Result<Settings, ConfigError> {
        let mut b = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(f) = file {
            b = b.add_source(config::File::from(f).required(true));
        }
        if env {
            b = b.add_source(
                config::Environment::with_prefix("OCPP_GATEWAY")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("api.tokens")
                    .with_list_parse_key("ocpp.data_transfer_vendors")
                    .try_parsing(true),
            );
        }
        let settings: Settings = b.build()?.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let p = &self.ocpp.path_prefix;
        if !p.is_empty() && (!p.starts_with('/') || p.ends_with('/')) {
            return Err(ConfigError::Invalid(format!(
                "ocpp.path_prefix {p:?} must start with '/' and not end with one (or be empty)"
            )));
        }
        if self.ocpp.max_frame_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "ocpp.max_frame_bytes must be at least 1024".into(),
            ));
        }
        if !self.cluster.nats_url.is_empty() && self.store.url.is_empty() {
            return Err(ConfigError::Invalid(
                "cluster.nats_url needs store.url: the nodes of a cluster share a PostgreSQL store"
                    .into(),
            ));
        }
        let url = &self.store.url;
        if !(url.is_empty() || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid(format!(
                "store.url must be a postgres:// URL (or empty for the embedded SQLite file), not {:?}",
                self.store.url
            )));
        }
        if self.ocpp.call_timeout.is_zero() || self.ocpp.heartbeat_interval.is_zero() {
            return Err(ConfigError::Invalid(
                "ocpp.call_timeout and ocpp.heartbeat_interval must be more than 0s".into(),
            ));
        }
        let url = self.auth.upstream_url.trim();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::Invalid(format!(
                "auth.upstream_url {url:?} must be an http:// or https:// URL (or empty)"
            )));
        }
        let a = &self.auth;
        if a.master_pass_user_id != 0
            && crate::domain::tag_group::group_token(a.master_pass_user_id).is_none()
        {
            return Err(ConfigError::Invalid(format!(
                "auth.master_pass_user_id must be 0 or a user id from 1 to {}",
                crate::domain::tag_group::MAX_USER_ID
            )));
        }
        let tag = &a.remote_start_tag;
        if tag.chars().count() > 20
            || tag.trim() != tag
            || crate::domain::tag_group::group_user(tag).is_some()
        {
            return Err(ConfigError::Invalid(format!(
                "auth.remote_start_tag {tag:?} must be at most 20 characters without surrounding spaces, and not a user group token (USR<digits>)"
            )));
        }
        self.ocpp.tls_listen_addr()?;
        self.pnc.kind()?;
        if self.pnc.http_timeout.is_zero() {
            return Err(ConfigError::Invalid(
                "pnc.http_timeout must be more than 0s".into(),
            ));
        }
        if self.pnc.ocsp_timeout.is_zero() {
            return Err(ConfigError::Invalid(
                "pnc.ocsp_timeout must be more than 0s".into(),
            ));
        }
        for p in &self.ocpp.trusted_proxies {
            if crate::security::proxy::Cidr::parse(p).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "ocpp.trusted_proxies: {p:?} is not an IP address or CIDR range"
                )));
            }
        }
        if self.ocpp.mailbox == 0 {
            return Err(ConfigError::Invalid(
                "ocpp.mailbox must be at least 1".into(),
            ));
        }
        let n = &self.notify;
        if n.max_attempts == 0 || n.concurrency == 0 || n.timeout.is_zero() {
            return Err(ConfigError::Invalid(
                "notify.max_attempts, notify.concurrency and notify.timeout must be more than 0"
                    .into(),
            ));
        }
        if n.backoff_base.is_zero() || n.backoff_max < n.backoff_base || n.poll_interval.is_zero() {
            return Err(ConfigError::Invalid(
                "notify.backoff_base and notify.poll_interval must be more than 0s, and notify.backoff_max at least backoff_base".into(),
            ));
        }
        for c in &self.chargers {
            if c.security_profile > 3 {
                return Err(ConfigError::Invalid(format!(
                    "chargers: {} has security_profile {}; profiles are 0 to 3",
                    c.identity, c.security_profile
                )));
            }
            if !crate::charger::identity::is_valid(&c.identity) {
                return Err(ConfigError::Invalid(format!(
                    "chargers: identity {:?} is not a valid OCPP identity",
                    c.identity
                )));
            }
        }
        Ok(())
    }

    /// The settings as TOML with every secret replaced by `"<redacted>"`.
    pub fn redacted_toml(&self) -> String {
        let mut copy = self.clone();
        if !copy.pnc.http_token.is_empty() {
            copy.pnc.http_token = REDACTED.into();
        }
        for t in &mut copy.api.tokens {
            *t = REDACTED.into();
        }
        copy.store.url = url_without_password(&copy.store.url);
        copy.cluster.nats_url = url_without_password(&copy.cluster.nats_url);
        for c in &mut copy.chargers {
            if c.password.is_some() {
                c.password = Some(REDACTED.into());
            }
        }
        match toml::to_string(&copy) {
            Ok(s) => s,
            Err(e) => format!("# could not render settings: {e}"),
        }
    }
}

/// What secrets are shown as.
pub const REDACTED: &str = "<redacted>";

/// `url` with the password of its `user:password@` part (if any) shown as
/// [`REDACTED`]: store and broker URLs may carry credentials, and they reach logs and
/// `check-config`.
pub fn url_without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:{REDACTED}@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse() {
        let s = Settings::embedded().expect("defaults");
        assert_eq!(s.ocpp.listen.port(), 9000);
        assert_eq!(s.ocpp.call_timeout, Duration::from_secs(30));
        assert_eq!(s.ocpp.max_frame_bytes, 65536);
        assert_eq!(s.ocpp.effective_idle_timeout(), Duration::from_secs(900));
        assert_eq!(s.ocpp.missing_subprotocol, MissingSubprotocol::Assume16);
    }

    #[test]
    fn a_bad_file_is_a_readable_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("bad.toml");
        std::fs::write(&f, "[ocpp]\ncall_timeout = \"soon\"\n").expect("write");
        let err = Settings::load(Some(&f)).expect_err("must fail").to_string();
        assert!(err.contains("call_timeout"), "{err}");
    }

    #[test]
    fn pnc_provider_settings_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("pnc.toml");
        std::fs::write(&f, "[pnc]\nprovider = \"magic\"\n").expect("write");
        let err = Settings::load(Some(&f)).expect_err("must fail").to_string();
        assert!(err.contains("pnc.provider"), "{err}");
        std::fs::write(&f, "[pnc]\nprovider = \"http\"\n").expect("write");
        let err = Settings::load(Some(&f)).expect_err("must fail").to_string();
        assert!(err.contains("pnc.http_url"), "{err}");
        let mut s = Settings::embedded().expect("defaults");
        assert_eq!(s.pnc.kind().expect("kind"), None);
        s.pnc.http_token = "pool-secret".into();
        assert!(!s.redacted_toml().contains("pool-secret"));
    }

    #[test]
    fn url_passwords_are_hidden_and_nothing_else_changes() {
        assert_eq!(
            url_without_password("postgres://gw:s3cret@db:5432/gateway?sslmode=disable"),
            "postgres://gw:<redacted>@db:5432/gateway?sslmode=disable"
        );
        assert_eq!(
            url_without_password("nats://user:p@ss@nats:4222"),
            "nats://user:<redacted>@nats:4222"
        );
        for plain in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "nats://nats:4222",
            "",
        ] {
            assert_eq!(url_without_password(plain), plain);
        }
        let mut s = Settings::embedded().expect("defaults");
        s.store.url = "postgres://gw:db-secret@db/gateway".into();
        s.cluster.nats_url = "nats://gw:broker-secret@nats:4222".into();
        let text = s.redacted_toml();
        assert!(!text.contains("secret"), "{text}");
        assert!(
            text.contains("postgres://gw:<redacted>@db/gateway"),
            "{text}"
        );
    }

    #[test]
    fn cluster_settings_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("cluster.toml");
        std::fs::write(&f, "[cluster]\nnats_url = \"nats://127.0.0.1:4222\"\n").expect("write");
        let err = Settings::load(Some(&f)).expect_err("must fail").to_string();
        assert!(err.contains("store.url"), "{err}");
        std::fs::write(&f, "[store]\nurl = \"mysql://db/gateway\"\n").expect("write");
        let err = Settings::load(Some(&f)).expect_err("must fail").to_string();
        assert!(err.contains("postgres://"), "{err}");
    }

    #[test]
    fn auth_group_settings_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("auth.toml");
        for (text, named) in [
            (
                "[auth]\nmaster_pass_user_id = -1\n",
                "auth.master_pass_user_id",
            ),
            (
                "[auth]\nremote_start_tag = \"USR12\"\n",
                "auth.remote_start_tag",
            ),
            (
                "[auth]\nremote_start_tag = \"A-TAG-LONGER-THAN-20-CHARS\"\n",
                "auth.remote_start_tag",
            ),
        ] {
            std::fs::write(&f, text).expect("write");
            let err = Settings::load(Some(&f)).expect_err("must fail").to_string();
            assert!(err.contains(named), "{text}: {err}");
        }
        std::fs::write(
            &f,
            "[auth]\nmaster_pass_user_id = 5\nremote_start_tag = \"\"\n",
        )
        .expect("write");
        let s = Settings::load(Some(&f)).expect("valid");
        assert_eq!(s.auth.master_pass_user_id, 5);
    }

    #[test]
    fn the_printed_settings_read_back_as_the_same_settings() {
        let text = Settings::embedded().expect("defaults").redacted_toml();
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("printed.toml");
        std::fs::write(&f, &text).expect("write");
        let again = Settings::build(Some(&f), false).expect("the printed settings load");
        assert_eq!(again.redacted_toml(), text);
    }

    #[test]
    fn redaction_hides_passwords_and_tokens() {
        let mut s = Settings::embedded().expect("defaults");
        s.api.tokens = vec!["tok-secret".into()];
        s.chargers.push(ChargerSeed {
            identity: "CP1".into(),
            password: Some("pw-secret".into()),
            strict: false,
            security_profile: 0,
        });
        let text = s.redacted_toml();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains(REDACTED));
    }
}
