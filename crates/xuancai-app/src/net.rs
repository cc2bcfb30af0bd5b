//! The network rules of the service, in one place (issue 19):
//!
//! - [`SecurityConfig`]: the limits an anonymous caller meets (password
//!   workers and their queue, failures per IP and overall), the proxies
//!   whose forwarding headers are believed, and which outbound hosts may be
//!   reached;
//! - [`client_ip`]: the caller's address, behind trusted proxies only;
//! - [`is_public`]: whether an address may be the target of an outbound
//!   request a user can influence (no loopback, private, link-local,
//!   unique-local, multicast, unspecified or otherwise reserved ranges).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// The `[security]` section of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Password hashes computed at once (0: one per CPU core).
    pub password_workers: usize,
    /// Password checks that may wait for a worker; more get `503 busy`.
    pub password_queue: usize,
    /// Failed password logins allowed per client address per hour.
    pub password_failures_per_ip_hour: u64,
    /// Failed password logins allowed per hour over the whole service
    /// (a spray of one password over many numbers stops here).
    pub password_failures_per_hour: u64,
    /// Proxies (CIDRs) whose `X-Forwarded-For` / `Forwarded` is believed.
    /// Default: none — the peer address is the client.
    #[serde(deserialize_with = "crate::settings::list_of")]
    pub trusted_proxies: Vec<IpNet>,
    /// Hosts a Web Push subscription may point at (exact host, or a
    /// suffix starting with a dot). Default: the major browsers' push services.
    #[serde(deserialize_with = "crate::settings::list_of")]
    pub push_hosts: Vec<String>,
    /// Operator-configured outbound hosts (SMS gateway, push vendors,
    /// processors) allowed to resolve to internal addresses.
    #[serde(deserialize_with = "crate::settings::list_of")]
    pub internal_hosts: Vec<String>,
    /// Push devices kept per account; registering one more drops the oldest.
    pub push_devices_per_account: u32,
    /// Pushes sent at once, and how long one may take.
    pub push_concurrency: usize,
    pub push_timeout_secs: u64,
    /// Failed pushes in a row after which a device is dropped.
    pub push_failures_before_drop: u32,
    /// Memory (MiB) all image decodes of uploads and avatars may hold at
    /// once; a decode waits until its estimated share is free.
    pub decode_budget_mib: u32,
    /// Largest avatar, in pixels (an avatar is shown at 256×256).
    pub avatar_max_pixels: u64,
    /// Cookie-banner choices (`PUT /consent-state`) per client address per hour.
    pub cookie_choices_per_ip_hour: u64,
    /// Job event streams open at once per account, and in all.
    pub streams_per_user: usize,
    pub streams_total: usize,
}

/// The push services of Chrome, Firefox, Safari and Edge.
pub const DEFAULT_PUSH_HOSTS: &[&str] = &[
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    ".push.apple.com",
    ".notify.windows.com",
];

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            password_workers: 0,
            password_queue: 32,
            password_failures_per_ip_hour: 30,
            password_failures_per_hour: 2_000,
            trusted_proxies: Vec::new(),
            push_hosts: DEFAULT_PUSH_HOSTS.iter().map(|h| (*h).to_string()).collect(),
            internal_hosts: Vec::new(),
            push_devices_per_account: 10,
            push_concurrency: 16,
            push_timeout_secs: 5,
            push_failures_before_drop: 3,
            decode_budget_mib: 1024,
            avatar_max_pixels: 25_000_000,
            cookie_choices_per_ip_hour: 60,
            streams_per_user: 4,
            streams_total: 512,
        }
    }
}

impl SecurityConfig {
    /// Hashing workers: the configured number, or the CPU cores.
    pub fn password_workers(&self) -> usize {
        if self.password_workers > 0 {
            self.password_workers
        } else {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        }
    }

    /// Whether a Web Push endpoint's host is on the allow-list.
    pub fn push_host_allowed(&self, host: &str) -> bool {
        host_listed(&self.push_hosts, host)
    }

    /// Whether an operator allowed this host to be internal.
    pub fn internal_host_allowed(&self, host: &str) -> bool {
        host_listed(&self.internal_hosts, host)
    }
}

fn host_listed(list: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    list.iter().any(|entry| {
        let entry = entry.to_ascii_lowercase();
        match entry.strip_prefix('.') {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == entry,
        }
    })
}

/// The client's address. The peer is the client unless it is a trusted
/// proxy; then the forwarding chain is read from the right, skipping
/// trusted proxies, and the first address that is not one is the client.
/// A malformed header is ignored (the peer stays the answer).
pub fn client_ip(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    forwarded: Option<&str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain: Vec<IpAddr> = match (forwarded, forwarded_for) {
        (Some(f), _) => parse_forwarded(f),
        (None, Some(x)) => x.split(',').filter_map(|s| parse_addr(s.trim())).collect(),
        (None, None) => Vec::new(),
    };
    let mut client = peer;
    for ip in chain.into_iter().rev() {
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// The `for=` addresses of an RFC 7239 `Forwarded` header, in order.
fn parse_forwarded(header: &str) -> Vec<IpAddr> {
    header
        .split(',')
        .flat_map(|element| element.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("for")
                .then(|| parse_addr(v.trim().trim_matches('"')))?
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80` or `::1`.
fn parse_addr(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.rsplit_once(':')
        .and_then(|(ip, _)| ip.parse::<Ipv4Addr>().ok())
        .map(IpAddr::V4)
}

/// Whether an outbound request may go to this address: a globally
/// routable unicast address, nothing internal or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        // 100.64.0.0/10 carrier-grade NAT
        || (a == 100 && (64..128).contains(&b))
        // 192.0.0.0/24 protocol assignments, 198.18.0.0/15 benchmarking
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // fc00::/7 unique-local, fe80::/10 link-local, 2001:db8::/32 documentation
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // 64:ff9b::/96 NAT64 and ::/96 IPv4-compatible reach IPv4 space
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6].iter().all(|s| *s == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn internal_and_reserved_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::a00:1",
            "ff02::1",
            "198.18.0.1",
        ] {
            assert!(!is_public(ip(s)), "{s} must not be public");
        }
        for s in [
            "8.8.8.8",
            "142.250.72.106",
            "2607:f8b0:4005:80b::200a",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(s)), "{s} is public");
        }
    }

    #[test]
    fn forwarding_headers_are_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap_or_else(|_| IpNet::default())];
        // An untrusted peer cannot claim an address.
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("1.1.1.1"), None, &trusted),
            ip("203.0.113.9")
        );
        // Behind the proxy: the rightmost address that is not a proxy.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                Some("1.1.1.1, 198.51.100.7, 10.0.0.5"),
                None,
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                None,
                Some("for=\"[2001:db8::1]:443\";proto=https"),
                &trusted
            ),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("198.51.100.7:5000"), None, &trusted),
            ip("198.51.100.7")
        );
        // Garbage from a proxy leaves the proxy as the client, never a panic.
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("nonsense"), None, &trusted),
            ip("10.0.0.2")
        );
        // No trusted proxies (the default): headers are ignored.
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("1.1.1.1"), None, &[]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn push_hosts_match_exactly_or_by_dotted_suffix() {
        let c = SecurityConfig::default();
        assert!(c.push_host_allowed("fcm.googleapis.com"));
        assert!(c.push_host_allowed("web.push.apple.com"));
        assert!(c.push_host_allowed("WNS2-BY3P.notify.windows.com."));
        assert!(!c.push_host_allowed("evilpush.apple.com"));
        assert!(!c.push_host_allowed("fcm.googleapis.com.evil.example"));
        assert!(!c.push_host_allowed("127.0.0.1"));
    }
}
