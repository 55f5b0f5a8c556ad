//! Where the gateway's own HTTP requests may go when someone else names the URL: webhook
//! callbacks (`notify.allow_callbacks_to`) and the OCSP responders chargers name in
//! Plug & Charge requests (`pnc.ocsp_responders`). A URL whose host is (or resolves to)
//! a loopback, link-local, private or otherwise special address is refused unless the
//! setting allows it — checked when a subscription is written, and again at each request,
//! on the very addresses the request connects to (a name that resolved to a public
//! address at first and to a private one later, as in DNS rebinding, reaches nothing).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::config::CallbackScope;

/// How long a subscription's name lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// What kind of address an IP is, for these purposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Public,
    Loopback,
    /// RFC 1918, shared address space (100.64/10), IPv6 unique-local (fc00::/7).
    Private,
    /// Never a webhook receiver: unspecified, link-local (cloud metadata services live
    /// there), multicast, broadcast, documentation, benchmarking and reserved ranges.
    Special,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Public => "public",
            Class::Loopback => "loopback",
            Class::Private => "private",
            Class::Special => "link-local, unspecified or reserved",
        }
    }
}

pub fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Class {
    let o = ip.octets();
    if ip.is_loopback() {
        Class::Loopback
    } else if ip.is_private() || (o[0] == 100 && (o[1] & 0xc0) == 64) {
        Class::Private
    } else if ip.is_unspecified()
        || o[0] == 0
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || o[0] >= 240
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
    {
        Class::Special
    } else {
        Class::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> Class {
    let s = ip.segments();
    // IPv4-mapped and NAT64 addresses are as the IPv4 address they carry.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return classify_v4(v4);
    }
    if ip.is_loopback() {
        Class::Loopback
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Class::Private
    } else if ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || s[0..6] == [0, 0, 0, 0, 0, 0]
    {
        Class::Special
    } else {
        Class::Public
    }
}

/// Whether `scope` lets a request go to `ip`.
pub fn allowed(scope: CallbackScope, ip: IpAddr) -> bool {
    matches!(
        (scope, classify(ip)),
        (_, Class::Public)
            | (
                CallbackScope::Loopback | CallbackScope::Private,
                Class::Loopback
            )
            | (CallbackScope::Private, Class::Private)
    )
}

/// Why `ip` is refused, naming the `setting` that would allow it.
pub fn refusal(ip: IpAddr, setting: &str) -> String {
    format!(
        "{ip} is a {} address; requests go there only when {setting} allows it",
        classify(ip).name()
    )
}

/// Checks a callback URL when a subscription is written: an IP host must be allowed,
/// and so must every address a name resolves to now. A name that does not resolve (yet)
/// is taken: it reaches nothing, and each delivery checks again.
pub async fn check_callback(scope: CallbackScope, setting: &str, url: &str) -> Result<(), String> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Ok(());
    };
    let port = parsed.port_or_known_default().unwrap_or(80);
    let host = match host_of(&parsed) {
        Some(Host::Ip(ip)) => return check_ip(scope, setting, ip),
        Some(Host::Name(d)) => d,
        None => return Ok(()),
    };
    let Ok(Ok(addrs)) = tokio::time::timeout(
        LOOKUP_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    else {
        return Ok(());
    };
    for a in addrs {
        check_ip(scope, setting, a.ip())?;
    }
    Ok(())
}

fn check_ip(scope: CallbackScope, setting: &str, ip: IpAddr) -> Result<(), String> {
    if allowed(scope, ip) {
        Ok(())
    } else {
        Err(refusal(ip, setting))
    }
}

/// The check at each request for a URL whose host is an IP address (names go through
/// [`Resolver`]).
pub fn check_literal(scope: CallbackScope, setting: &str, url: &str) -> Result<(), String> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Ok(());
    };
    match host_of(&parsed) {
        Some(Host::Ip(ip)) => check_ip(scope, setting, ip),
        _ => Ok(()),
    }
}

enum Host {
    Ip(IpAddr),
    Name(String),
}

/// A URL's host: an IP address (IPv6 without its brackets) or a name.
fn host_of(url: &reqwest::Url) -> Option<Host> {
    let h = url.host_str()?;
    let bare = h
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h);
    Some(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(h.to_owned()),
    })
}

/// A client's name resolution: the system's, less the addresses the scope does not
/// allow; a name left with none fails to connect.
#[derive(Debug)]
pub struct Resolver {
    pub scope: CallbackScope,
    /// The setting that allows more, named in the error.
    pub setting: &'static str,
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let scope = self.scope;
        let setting = self.setting;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allowed(scope, a.ip()))
                .collect();
            if kept.is_empty() {
                let why = found
                    .first()
                    .map(|a| refusal(a.ip(), setting))
                    .unwrap_or_else(|| "no address".into());
                return Err(format!("address not allowed: {host}: {why}").into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Class {
        classify(s.parse().expect("ip"))
    }

    #[test]
    fn addresses_are_classified() {
        assert_eq!(c("127.0.0.1"), Class::Loopback);
        assert_eq!(c("127.255.0.9"), Class::Loopback);
        assert_eq!(c("::1"), Class::Loopback);
        assert_eq!(c("::ffff:127.0.0.1"), Class::Loopback);
        for p in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "fd00::1",
        ] {
            assert_eq!(c(p), Class::Private, "{p}");
        }
        for s in [
            "0.0.0.0",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "240.0.0.1",
            "::",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "64:ff9b::a9fe:a9fe",
            "::ffff:169.254.1.1",
        ] {
            assert_eq!(c(s), Class::Special, "{s}");
        }
        for p in [
            "8.8.8.8",
            "172.32.0.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert_eq!(c(p), Class::Public, "{p}");
        }
    }

    #[test]
    fn scopes_widen_in_order() {
        let lo: IpAddr = "127.0.0.1".parse().expect("ip");
        let private: IpAddr = "10.0.0.1".parse().expect("ip");
        let meta: IpAddr = "169.254.169.254".parse().expect("ip");
        assert!(!allowed(CallbackScope::Public, lo));
        assert!(allowed(CallbackScope::Loopback, lo));
        assert!(!allowed(CallbackScope::Loopback, private));
        assert!(allowed(CallbackScope::Private, private));
        assert!(!allowed(CallbackScope::Private, meta));
        assert_eq!(
            check_literal(CallbackScope::Public, "x", "http://[::1]:8080/x").map_err(|_| ()),
            Err(())
        );
        assert!(check_literal(CallbackScope::Public, "x", "https://example.com/x").is_ok());
    }
}
