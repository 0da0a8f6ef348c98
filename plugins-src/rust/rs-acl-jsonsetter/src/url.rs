//! The URL of the web service, as the config key url gives it.

/// authority returns the authority of an absolute http or https URL (the
/// part after "scheme://", before the path, query or fragment), or None
/// for another URL.
fn authority(url: &str) -> Option<&str> {
    let colon = url.find("://")?;
    let scheme = &url[..colon];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = &url[colon + 3..];
    Some(&rest[..rest.find(|c| c == '/' || c == '?' || c == '#').unwrap_or(rest.len())])
}

/// is_absolute_http reports whether url is an absolute http or https URL
/// with a host, and without spaces in its authority or control characters.
pub fn is_absolute_http(url: &str) -> bool {
    match authority(url) {
        Some(a) => {
            let host = a.rsplit('@').next().unwrap_or("");
            !host.is_empty() && !a.contains(' ') && !url.bytes().any(|b| b < 0x20 || b == 0x7f)
        }
        None => false,
    }
}

/// with_query returns url without its fragment and with the query
/// parameters q added after those it has.
pub fn with_query(url: &str, q: &str) -> String {
    let url = &url[..url.find('#').unwrap_or(url.len())];
    if q.is_empty() {
        return url.to_string();
    }
    match url.find('?') {
        Some(i) if i + 1 < url.len() => format!("{}&{}", url, q),
        Some(_) => format!("{}{}", url, q),
        None => format!("{}?{}", url, q),
    }
}

/// redacted returns url with the password of its user information, if
/// any, replaced by "xxxxx", for messages.
pub fn redacted(url: &str) -> String {
    if let (Some(a), Some(colon)) = (authority(url), url.find("://")) {
        if let (Some(at), Some(c)) = (a.rfind('@'), a.find(':')) {
            if c < at {
                let start = colon + 3;
                return format!("{}xxxxx{}", &url[..start + c + 1], &url[start + at..]);
            }
        }
    }
    url.to_string()
}
