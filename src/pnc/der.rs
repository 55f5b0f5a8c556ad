//! A small DER reader for OCSP answers: elements with their raw bytes (a signature
//! covers the exact bytes of `tbsResponseData`), bounded, never panicking on bad input.

use chrono::{DateTime, Utc};

/// Why a DER answer could not be read (the responder's answer is then unusable).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct DerError(pub String);

/// One DER element: its tag, its content, all its bytes.
pub(super) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

pub(super) fn bad(what: &str) -> DerError {
    DerError(what.to_owned())
}

/// Reads one DER element off the front of `input`; the rest after it.
pub(super) fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerError> {
    let (&tag, rest) = input.split_first().ok_or_else(|| bad("truncated DER"))?;
    let (&first, rest) = rest.split_first().ok_or_else(|| bad("truncated DER"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad("bad DER length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| a << 8 | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad("truncated DER"));
    }
    let head = input.len() - rest.len();
    Ok((
        Tlv {
            tag,
            content: &rest[..len],
            raw: &input[..head + len],
        },
        &rest[len..],
    ))
}

/// The elements inside a constructed element's content.
pub(super) fn children(content: &[u8]) -> Result<Vec<Tlv<'_>>, DerError> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Ok(out)
}

pub(super) fn expect<'a>(
    t: Option<&'a Tlv<'a>>,
    tag: u8,
    what: &str,
) -> Result<&'a Tlv<'a>, DerError> {
    t.filter(|t| t.tag == tag).ok_or_else(|| bad(what))
}

pub(super) fn generalized_time(t: &Tlv<'_>) -> Result<DateTime<Utc>, DerError> {
    let text = std::str::from_utf8(t.content).map_err(|_| bad("a time is not text"))?;
    let text = text.trim_end_matches('Z');
    // Fractions of a second are allowed and ignored.
    let whole = text.split('.').next().unwrap_or_default();
    chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map(|t| t.and_utc())
        .map_err(|_| bad("a time is not a GeneralizedTime"))
}

pub(super) fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}
