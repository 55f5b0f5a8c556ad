//! Settings: the embedded `config/default.toml`, then an optional file, then
//! `OCPP_GATEWAY__SECTION__KEY` environment variables. A bad value is a readable error.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod error;
mod load;
mod sections;

pub use error::ConfigError;
pub use load::LoadSettings;
pub use sections::*;

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
    pub load: LoadSettings,
    #[serde(default)]
    pub chargers: Vec<ChargerSeed>,
    /// PEM files the install-certificate action sends, by certificate type
    /// (`CSMSRootCertificate`, `ManufacturerRootCertificate`, `V2GRootCertificate`,
    /// `MORootCertificate`).
    #[serde(default)]
    pub certificates: std::collections::BTreeMap<String, PathBuf>,
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
    use std::time::Duration;

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
