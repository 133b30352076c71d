//! The pieces of URL syntax every dialect's URL shares: the scheme, where the user
//! info (and so the password) ends, host and port, %-decoding, masking secrets.

use std::fmt;

/// `scheme` and the rest of `scheme://rest`; `None` unless the scheme is a valid one
/// (`[A-Za-z][A-Za-z0-9+.-]*`), so that text such as `user:pw://…` is never taken for
/// a scheme and quoted.
pub(crate) fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    valid.then_some((scheme, rest))
}

/// Splits the part after `scheme://` into the user info (without its `@`) and the
/// rest (host, port, path, query). The one place that decides where a password is, so
/// that parsing and [`redact`] always agree:
///
/// - `user:…@…`: a `:` before the path or query, with an `@` somewhere after it: the
///   user info runs to the last `@` (the password may hold any character);
/// - `user@host…`: the user info runs to the last `@` before the path or query;
/// - otherwise (`host:port/db`, `[::1]:5432`), there is none.
pub(crate) fn split_userinfo(rest: &str) -> (Option<&str>, &str) {
    if rest.starts_with('[') {
        return (None, rest);
    }
    let first_delim = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let last_at = rest.rfind('@');
    if let (Some(colon), Some(at)) = (rest.find(':'), last_at)
        && colon < first_delim
        && colon < at
    {
        return (Some(&rest[..at]), &rest[at + 1..]);
    }
    match rest[..first_delim].rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    }
}

/// Query parameters whose values are secrets: `password`, and anything spelled like it
/// (`PASSWORD`, `passwd`, `pwd`), which is refused later but must not be shown first.
/// `passfile` (libpq's password file) is a path, shown so that messages can name it.
pub(crate) fn is_secret_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key != "passfile" && (key.contains("pass") || key.contains("pwd") || key.contains("secret"))
}

/// The parts every server URL has (`user:password@host:port/database?key=value&…`),
/// percent-decoded; each dialect reads its own parameters from `params`.
pub(crate) struct ServerUrl {
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) dbname: Option<String>,
    /// The query parameters, decoded, in order.
    pub(crate) params: Vec<(String, String)>,
}

/// Parses the part of a server URL after `scheme://`: the user info as
/// [`split_userinfo`] finds it, host and port, the database as the path, then the
/// query parameters (a secret-looking value's decoding error names "the password").
pub(crate) fn parse_server(rest: &str) -> Result<ServerUrl, String> {
    let (userinfo, rest) = split_userinfo(rest);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (hostport, dbname) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => {
                (Some(percent_decode(user, "the user name")?), Some(percent_decode(pass, "the password")?))
            }
            None => (Some(percent_decode(u, "the user name")?), None),
        },
    };
    let (host, port) = split_host_port(hostport)?;
    let mut params = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key, "a query parameter name")?;
        let value = if is_secret_param(&key) {
            percent_decode(value, "the password")?
        } else {
            percent_decode(value, &format!("the value of '{key}'"))?
        };
        params.push((key, value));
    }
    Ok(ServerUrl {
        user: user.filter(|u| !u.is_empty()),
        password,
        host: host.map(|h| percent_decode(h, "the host")).transpose()?.filter(|h| !h.is_empty()),
        port,
        dbname: Some(percent_decode(dbname, "the database name")?).filter(|d| !d.is_empty()),
        params,
    })
}

/// A port given as a query parameter.
pub(crate) fn parse_port(value: &str) -> Result<u16, String> {
    value.parse().map_err(|_| format!("port '{value}' is not a number"))
}

/// A server URL's parts as [`write_server`] shows them.
pub(crate) struct Shown<'a> {
    pub(crate) user: Option<&'a str>,
    pub(crate) has_password: bool,
    pub(crate) host: Option<&'a str>,
    pub(crate) port: Option<u16>,
    pub(crate) dbname: Option<&'a str>,
}

/// Writes `scheme://user:***@host:port/database?key=value&…` with the password shown
/// as `***` and secret-looking parameters masked: the one way a URL is shown.
pub(crate) fn write_server(
    f: &mut fmt::Formatter<'_>,
    scheme: &str,
    url: Shown<'_>,
    params: &[(&str, &str)],
) -> fmt::Result {
    let Shown { user, has_password, host, port, dbname } = url;
    use fmt::Write as _;
    let mut text = String::new();
    if let Some(user) = user {
        text.push_str(user);
    }
    if has_password {
        text.push_str(":***");
    }
    if user.is_some() || has_password {
        text.push('@');
    }
    if let Some(host) = host {
        if host.contains(':') {
            let _ = write!(text, "[{host}]");
        } else {
            text.push_str(host);
        }
    }
    if let Some(port) = port {
        let _ = write!(text, ":{port}");
    }
    if let Some(db) = dbname {
        let _ = write!(text, "/{db}");
    }
    for (i, (k, v)) in params.iter().enumerate() {
        let _ = write!(text, "{}{k}={v}", if i == 0 { '?' } else { '&' });
    }
    // Any `password=` a parameter value or name holds is masked too.
    write!(f, "{scheme}://{}", mask_secret_pairs(&text))
}

fn split_host_port(hostport: &str) -> Result<(Option<&str>, Option<u16>), String> {
    // Nothing of the text is quoted: with a mistyped URL it may be part of a password
    // (the message shows the whole URL redacted).
    let port_of = |p: &str| p.parse::<u16>().map_err(|_| "the port is not a number".to_string());
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '[' in the host")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(port_of(p)?),
            None if after.is_empty() => None,
            None => return Err("unexpected text after the host's ']'".to_string()),
        };
        return Ok((Some(host), port));
    }
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, Some(port_of(port)?)),
        None => (hostport, None),
    };
    if host.chars().any(|c| c.is_control() || c.is_whitespace() || "@&=?#\\".contains(c)) {
        return Err(
            "the host holds a character no host name has; write `@`, `?` or `#` inside the password or a query value as %40, %3F, %23"
                .to_string(),
        );
    }
    Ok(((!host.is_empty()).then_some(host), port))
}

/// Decodes %-escapes in `s`, the part of the URL that `what` names. Errors name the
/// part, never its text: it may be the password.
pub(crate) fn percent_decode(s: &str, what: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| format!("bad %-escape in {what} (write % as %25)"))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("the %-escapes in {what} are not UTF-8"))
}

/// `text` with the value of every `key=value` pair whose key looks secret masked.
/// Pairs are found between any `?` and `&`, not only in a well-formed query, so that a
/// `password=` that a mistyped URL leaves in a host or path is masked as well.
pub(crate) fn mask_secret_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let (segment, separator, after) = match rest.find(['?', '&']) {
            Some(at) => (&rest[..at], Some(&rest[at..at + 1]), &rest[at + 1..]),
            None => (rest, None, ""),
        };
        match segment.split_once('=') {
            Some((key, _)) if is_secret_param(key) || is_secret_param(&percent_decode_lossy(key)) => {
                out.push_str(key);
                out.push_str("=***");
            }
            _ => out.push_str(segment),
        }
        match separator {
            Some(separator) => out.push_str(separator),
            None => break,
        }
        rest = after;
    }
    out
}

fn percent_decode_lossy(s: &str) -> String {
    percent_decode(s, "").unwrap_or_default()
}
