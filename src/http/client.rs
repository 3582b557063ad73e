//! The address a client is known by: for the enquiries' rate limit, and
//! (digested with a daily salt) for the session of a site search.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The address an enquiry is counted against for the rate limit.
///
/// The socket's peer, unless `trust_forwarded` (behind a reverse proxy):
/// then the last `X-Forwarded-For` entry, the one the proxy itself added
/// (the entries before it are whatever the client wrote, so taking the
/// first, as actix's `realip_remote_addr` does, would let a client pick a
/// fresh address for every request). An IPv6 address counts as its /64
/// network: one household or server usually holds a whole /64 and could
/// otherwise rotate through it.
pub fn client_address(req: &HttpRequest, trust_forwarded: bool) -> String {
    let forwarded = trust_forwarded
        .then(|| {
            req.headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(parse_forwarded)
        })
        .flatten();
    match forwarded.or_else(|| req.peer_addr().map(|a| a.ip())) {
        Some(ip) => rate_key(ip),
        // No peer (a test request without one): all such share one count.
        None => "unknown".to_owned(),
    }
}

/// An `X-Forwarded-For` entry: an IP address, possibly with a port.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

fn rate_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{network}/64")
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_peer_counts_unless_a_proxy_is_trusted() {
        let req = TestRequest::default()
            .peer_addr("203.0.113.7:50000".parse().unwrap())
            .insert_header(("x-forwarded-for", "10.9.9.9, 198.51.100.4"))
            .to_http_request();
        assert_eq!(client_address(&req, false), "203.0.113.7");
        // The proxy's own entry is the last one; the client wrote the first.
        assert_eq!(client_address(&req, true), "198.51.100.4");
        let garbage = TestRequest::default()
            .peer_addr("203.0.113.7:50000".parse().unwrap())
            .insert_header(("x-forwarded-for", "not an address"))
            .to_http_request();
        assert_eq!(client_address(&garbage, true), "203.0.113.7");
    }

    #[test]
    fn ipv6_counts_by_its_64_network() {
        let a = TestRequest::default()
            .peer_addr("[2001:db8:1:2:aaaa::1]:443".parse().unwrap())
            .to_http_request();
        let b = TestRequest::default()
            .peer_addr("[2001:db8:1:2:bbbb::9]:443".parse().unwrap())
            .to_http_request();
        assert_eq!(client_address(&a, false), "2001:db8:1:2::/64");
        assert_eq!(client_address(&a, false), client_address(&b, false));
        let mapped = TestRequest::default()
            .peer_addr("[::ffff:192.0.2.1]:443".parse().unwrap())
            .to_http_request();
        assert_eq!(client_address(&mapped, false), "192.0.2.1");
    }
}
