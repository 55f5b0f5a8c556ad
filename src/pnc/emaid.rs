//! EMAIDs (e-mobility account identifiers, ISO 15118-2 Annex H / DIN SPEC 91286):
//! `CC-PPP-IIIIIIIII-D`: a country code (2 letters), a provider id (3 letters or digits),
//! an instance (9 letters or digits) and a check character, with or without the `-`
//! separators. The check character follows the eMI³ "Check Digit Calculation for
//! Contract-IDs": each character is a pair of vectors over Z₂ and Z₃ weighted by powers
//! of two fixed matrices, and the check character makes both sums vanish.

const CHARSET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Why a text is not an EMAID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EmaidError(String);

/// Checks `text` and returns its canonical form: upper case, no separators, 15
/// characters with the check character (added when the text had none).
pub fn normalize(text: &str) -> Result<String, EmaidError> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let compact: String = match parts.len() {
        1 => t.to_owned(),
        3 | 4 if parts[0].len() == 2 && parts[1].len() == 3 && parts[2].len() == 9 => {
            if parts.len() == 4 && parts[3].len() != 1 {
                return Err(bad(t, "the check character is one letter or digit"));
            }
            parts.concat()
        }
        _ => {
            return Err(bad(
                t,
                "separated EMAIDs read CC-PPP-IIIIIIIII or CC-PPP-IIIIIIIII-D",
            ))
        }
    };
    let upper = compact.to_ascii_uppercase();
    if !upper.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad(
            t,
            "only letters, digits and '-' separators are allowed",
        ));
    }
    if !(14..=15).contains(&upper.len()) {
        return Err(bad(
            t,
            "an EMAID has 14 characters, or 15 with its check character",
        ));
    }
    if !upper.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic) {
        return Err(bad(t, "it must start with a two-letter country code"));
    }
    let expected = check_character(&upper[..14]);
    match upper.as_bytes().get(14) {
        None => Ok(format!("{upper}{expected}")),
        Some(&c) if c as char == expected => Ok(upper),
        Some(&c) => Err(bad(
            t,
            &format!("its check character is {:?}, not {:?}", expected, c as char),
        )),
    }
}

fn bad(text: &str, why: &str) -> EmaidError {
    EmaidError(format!("{text:?} is not a valid EMAID: {why}."))
}

type M = [[u32; 2]; 2];

fn mul(a: M, b: M, m: u32) -> M {
    let mut r = [[0; 2]; 2];
    for (i, row) in r.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (a[i][0] * b[0][j] + a[i][1] * b[1][j]) % m;
        }
    }
    r
}

/// The check character of the first 14 characters of a compact, upper-case EMAID.
pub fn check_character(first14: &str) -> char {
    const P1: M = [[0, 1], [1, 1]]; // over Z2
    const P2: M = [[0, 1], [1, 2]]; // over Z3
    let (mut p1, mut p2) = (P1, P2);
    let (mut q, mut r) = ([0u32; 2], [0u32; 2]);
    for b in first14.bytes().take(14) {
        let v = CHARSET.iter().position(|&c| c == b).unwrap_or(0) as u32;
        let (qv, rv) = (v / 9, v % 9);
        let (q1, q2, r1, r2) = (qv / 2, qv % 2, rv / 3, rv % 3);
        q[0] += p1[0][0] * q1 + p1[0][1] * q2;
        q[1] += p1[1][0] * q1 + p1[1][1] * q2;
        r[0] += p2[0][0] * r1 + p2[0][1] * r2;
        r[1] += p2[1][0] * r1 + p2[1][1] * r2;
        p1 = mul(p1, P1, 2);
        p2 = mul(p2, P2, 3);
    }
    // Position 15 carries P1^15 = I and P2^15 = [[1,1],[1,0]]: solve for the vectors
    // that bring both sums to zero.
    let q15 = [(2 - q[0] % 2) % 2, (2 - q[1] % 2) % 2];
    let (s0, s1) = (r[0] % 3, r[1] % 3);
    let r15 = [(3 - s1) % 3, (3 - s0 + s1) % 3];
    let v = 9 * (2 * q15[0] + q15[1]) + 3 * r15[0] + r15[1];
    CHARSET[v as usize] as char
}

/// A new EMAID under `prefix` (country and provider id, e.g. `DE-8EO`): the instance is
/// `C` and eight random characters (the DIN SPEC 91286 form), then the check character.
pub fn generate(prefix: &str) -> Result<String, EmaidError> {
    let p: String = prefix
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if p.len() != 5
        || !p.bytes().all(|b| b.is_ascii_alphanumeric())
        || !p.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic)
    {
        return Err(EmaidError(format!(
            "pnc.emaid_prefix {prefix:?} must be a country code and a provider id, like \"DE-8EO\""
        )));
    }
    let mut random = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
        .map_err(|_| EmaidError("no randomness for an EMAID".into()))?;
    let instance: String = random
        .iter()
        .map(|b| CHARSET[(*b as usize) % 36] as char)
        .collect();
    let first = format!("{p}C{instance}");
    let check = check_character(&first);
    Ok(format!("{first}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples_have_their_check_characters() {
        assert_eq!(check_character("DE83DUIEN83QGZ"), 'D');
        assert_eq!(check_character("FRXYZ123456789"), '2');
        assert_eq!(check_character("DE8AACA2B3C4D5"), 'L');
        assert_eq!(normalize("DE-8AA-CA2B3C4D5-L").unwrap(), "DE8AACA2B3C4D5L");
        assert_eq!(normalize("de83duien83qgzd").unwrap(), "DE83DUIEN83QGZD");
    }

    #[test]
    fn a_missing_check_character_is_added_and_a_wrong_one_refused() {
        assert_eq!(normalize("DE-83D-UIEN83QGZ").unwrap(), "DE83DUIEN83QGZD");
        let e = normalize("DE83DUIEN83QGZE").unwrap_err().to_string();
        assert!(e.contains("check character is 'D'"), "{e}");
    }

    #[test]
    fn malformed_texts_are_refused() {
        for bad in [
            "",
            "DE8AA",
            "DE-8AA-CA2B3C4D5-LL",
            "12-8AA-CA2B3C4D5",
            "DE*8AA*CA2B3C4D5",
            "DE8AACA2B3C4D5L0",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn generated_emaids_are_valid() {
        for _ in 0..50 {
            let e = generate("DE-8EO").unwrap();
            assert_eq!(normalize(&e).unwrap(), e);
            assert!(e.starts_with("DE8EOC"));
        }
        assert!(generate("D-8").is_err());
    }
}
