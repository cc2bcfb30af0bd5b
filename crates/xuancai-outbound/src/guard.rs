//! No server-side request forgery (issue 19 item 4). Every HTTP client of
//! this crate is built by [`client`]: it follows no redirects, and its DNS
//! resolver refuses a name that resolves to any address that is not
//! public (`xuancai_app::net::is_public`) — checked at the moment of
//! connecting, so a name that changes its answer after a check (DNS
//! rebinding) is still refused, and the connection goes to the address
//! that was checked. URLs with an IP literal never reach a resolver, so
//! they are checked by [`check_url`]: when an operator configures them, at
//! start-up; when a user supplies one (a push endpoint), IP literals are
//! refused outright.
//!
//! Operators may allow named internal hosts (an SMS gateway on the LAN)
//! with `security.internal_hosts`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use xuancai_app::net::{SecurityConfig, is_public};

/// Why an outbound URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not a URL: {0}")]
    NotAUrl(String),
    #[error("only http and https URLs can be reached")]
    Scheme,
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} is an internal address")]
    Internal(String),
    #[error("{0} resolves to an internal address")]
    ResolvesInternal(String),
    #[error("{0} does not resolve")]
    Unresolvable(String),
}

/// Parse an operator-configured URL and refuse an IP literal that is not
/// public, unless the operator allowed that host. Names are checked again
/// by the resolver of [`client`] at every connection.
pub fn check_url(url: &str, security: &SecurityConfig) -> Result<Url, Refused> {
    let parsed = Url::parse(url).map_err(|e| Refused::NotAUrl(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused::Scheme);
    }
    let host = parsed.host_str().ok_or(Refused::NoHost)?.to_string();
    if let Some(ip) = literal(&parsed)
        && !is_public(ip)
        && !security.internal_host_allowed(&host)
    {
        return Err(Refused::Internal(host));
    }
    Ok(parsed)
}

/// The IP address of a URL whose host is an IP literal.
pub fn literal(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// Resolve `host` now and refuse it unless every address is public (or the
/// operator allowed the host to be internal).
pub async fn resolve_public(host: &str, security: &SecurityConfig) -> Result<Vec<SocketAddr>, Refused> {
    PublicResolver::from(security).lookup(host).await
}

/// An HTTP client that follows no redirects and connects only to public
/// addresses (or to the operator's allowed internal hosts).
pub fn client(timeout: Duration, security: &SecurityConfig) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(Policy::none())
        .dns_resolver(Arc::new(PublicResolver::from(security)))
        .build()
        .map_err(|e| e.to_string())
}

/// The resolver of [`client`].
#[derive(Debug, Clone)]
struct PublicResolver {
    security: Arc<SecurityConfig>,
}

impl From<&SecurityConfig> for PublicResolver {
    fn from(security: &SecurityConfig) -> Self {
        Self {
            security: Arc::new(security.clone()),
        }
    }
}

impl PublicResolver {
    async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, Refused> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|_| Refused::Unresolvable(host.to_string()))?
            .collect();
        if addrs.is_empty() {
            return Err(Refused::Unresolvable(host.to_string()));
        }
        if !self.security.internal_host_allowed(host) && addrs.iter().any(|a| !is_public(a.ip())) {
            tracing::warn!(
                host,
                "outbound request refused: the name resolves to an internal address"
            );
            return Err(Refused::ResolvesInternal(host.to_string()));
        }
        Ok(addrs)
    }
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_urls_with_internal_literals_need_an_explicit_allowance() {
        let mut security = SecurityConfig::default();
        for url in [
            "http://127.0.0.1:9000/sms",
            "https://169.254.169.254/latest",
            "http://[::1]/x",
            "http://10.0.0.7/x",
            "http://0.0.0.0/x",
        ] {
            assert!(
                matches!(check_url(url, &security), Err(Refused::Internal(_))),
                "{url}"
            );
        }
        assert_eq!(
            check_url("ftp://sms.example.com/", &security).err(),
            Some(Refused::Scheme)
        );
        assert!(check_url("https://sms.example.com/send", &security).is_ok());
        assert!(
            check_url("https://203.0.113.1/send", &security).is_err(),
            "documentation range"
        );
        security.internal_hosts = vec!["127.0.0.1".into()];
        assert!(check_url("http://127.0.0.1:9000/sms", &security).is_ok());
    }

    #[tokio::test]
    async fn names_resolving_inside_are_refused_at_connection() {
        let security = SecurityConfig::default();
        assert_eq!(
            resolve_public("localhost", &security).await.err(),
            Some(Refused::ResolvesInternal("localhost".into()))
        );
        // The client refuses to connect, before any byte is sent.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").ok();
        let port = listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map_or(1, |a| a.port());
        let c = client(Duration::from_secs(2), &security).map_err(|e| e.to_string());
        let sent = match c {
            Ok(c) => c.get(format!("http://localhost:{port}/")).send().await.is_ok(),
            Err(e) => panic!("client: {e}"),
        };
        assert!(
            !sent,
            "a request to a name resolving to loopback must not be made"
        );
    }
}
