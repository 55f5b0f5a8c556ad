//! Bearer tokens: the configured ones, or one generated at first start and kept beside
//! the store. Presented tokens are hashed and compared in constant time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

use super::error::ApiError;
use crate::config::Settings;

/// The file, beside the store, that holds the generated token.
pub const TOKEN_FILE: &str = "api-token";

/// The tokens the API accepts, kept only as SHA-256 digests.
pub struct TokenSet {
    digests: Vec<[u8; 32]>,
}

fn sha256(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, text.as_bytes()).as_ref());
    out
}

/// Equal without an early exit, so the time taken says nothing about where they differ.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

impl TokenSet {
    /// Accepts exactly these tokens (empty ones are ignored).
    pub fn new<S: AsRef<str>>(tokens: &[S]) -> TokenSet {
        TokenSet {
            digests: tokens
                .iter()
                .map(AsRef::as_ref)
                .filter(|t| !t.is_empty())
                .map(sha256)
                .collect(),
        }
    }

    /// Whether `presented` is one of the tokens. Every token is compared.
    pub fn accepts(&self, presented: &str) -> bool {
        let d = sha256(presented);
        self.digests
            .iter()
            .fold(false, |found, t| found | same(t, &d))
    }
}

/// Rejects a request without a valid `Authorization: Bearer` token.
pub async fn require_token(
    State(tokens): State<Arc<TokenSet>>,
    req: Request,
    next: Next,
) -> Response {
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    match presented {
        None => ApiError::Unauthorized("Unauthenticated: a Bearer token is required.".into())
            .into_response(),
        Some(t) if !tokens.accepts(t) => {
            ApiError::Unauthorized("Unauthenticated: the token is not valid.".into())
                .into_response()
        }
        Some(_) => next.run(req).await,
    }
}

/// The tokens in force, and whether one was generated just now.
#[derive(Clone, Debug)]
pub struct ApiTokens {
    pub tokens: Vec<String>,
    /// The file a token was generated into at this start (print it once).
    pub created: Option<PathBuf>,
}

/// Where the generated token lives: beside the store file.
pub fn token_path(settings: &Settings) -> PathBuf {
    let dir = settings
        .store
        .path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(TOKEN_FILE)
}

/// The configured tokens; with none configured, the token in the file beside the store,
/// generated (random, 256 bits, file mode 0600) when there is none yet.
pub fn effective_tokens(settings: &Settings) -> std::io::Result<ApiTokens> {
    if !settings.api.tokens.is_empty() {
        return Ok(ApiTokens {
            tokens: settings.api.tokens.clone(),
            created: None,
        });
    }
    let path = token_path(settings);
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => {
            return Ok(ApiTokens {
                tokens: vec![text.trim().to_owned()],
                created: None,
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let token = generate()?;
    write_private(&path, &token)?;
    Ok(ApiTokens {
        tokens: vec![token],
        created: Some(path),
    })
}

fn generate() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| std::io::Error::other("the system random generator failed"))?;
    Ok(hex::encode(bytes))
}

fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(token.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_tokens_are_accepted() {
        let set = TokenSet::new(&["alpha", "", "beta"]);
        assert!(set.accepts("alpha"));
        assert!(set.accepts("beta"));
        assert!(!set.accepts(""));
        assert!(!set.accepts("alph"));
        assert!(!TokenSet::new::<&str>(&[]).accepts(""));
    }

    #[test]
    fn a_generated_token_is_kept_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Settings::embedded().expect("defaults");
        s.store.path = dir.path().join("db/gateway.db");
        let first = effective_tokens(&s).expect("first start");
        assert_eq!(first.created.as_deref(), Some(token_path(&s).as_path()));
        assert_eq!(first.tokens[0].len(), 64);
        let again = effective_tokens(&s).expect("second start");
        assert!(again.created.is_none());
        assert_eq!(again.tokens, first.tokens);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(token_path(&s))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        s.api.tokens = vec!["configured".into()];
        assert_eq!(
            effective_tokens(&s).expect("configured").tokens,
            ["configured"]
        );
    }
}
