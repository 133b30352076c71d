//! What libpq reads besides the connection string, read the way libpq reads it: the
//! password file (`PGPASSFILE`, else `~/.pgpass`) and the connection service file
//! (`PGSERVICEFILE`, else `~/.pg_service.conf`, then the system's `pg_service.conf`).
//! Pure parsing and matching; [`super::connect`] decides when to use them.
//!
//! Both files are read bounded ([`MAX_FILE_BYTES`]), so a path naming `/dev/zero` or a
//! FIFO cannot hang a connect.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest password or service file read; a larger one is refused (libpq reads any
/// size, but no real one comes near this).
pub(super) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The socket folders libpq may be built with as its default: a connection through one
/// of them counts as `localhost` in the password file, as libpq counts its own default.
pub(super) const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// The process environment, or a stand-in for tests.
pub(super) struct Environment<'a> {
    /// An environment variable; empty values count as unset.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// The home folder (libpq: `$HOME`, else the password database's entry).
    pub home: Option<PathBuf>,
}

impl Environment<'_> {
    /// The variable `name`, unless unset or empty.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.var)(name).filter(|v| !v.is_empty())
    }
}

/// The environment of this process.
pub(super) fn process_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// This process's home folder, as libpq finds it: `$HOME`, else the user's entry in the
/// password database (which `std::env::home_dir` also consults).
pub(super) fn process_home() -> Option<PathBuf> {
    // Deprecated before Rust 1.86 for its Windows behaviour only.
    #[allow(deprecated)]
    std::env::home_dir().filter(|h| !h.as_os_str().is_empty())
}

/// Where libpq's per-user files are: `~` on Unix, `%APPDATA%\postgresql` on Windows.
fn user_dir(env: &Environment<'_>) -> Option<PathBuf> {
    if cfg!(windows) {
        env.get("APPDATA").map(|d| Path::new(&d).join("postgresql"))
    } else {
        env.home.clone()
    }
}

/// The password file when neither `passfile=` nor `PGPASSFILE` names one, and how
/// messages call it.
pub(super) fn default_passfile(env: &Environment<'_>) -> Option<(PathBuf, String)> {
    let dir = user_dir(env)?;
    Some(if cfg!(windows) {
        (dir.join("pgpass.conf"), r"%APPDATA%\postgresql\pgpass.conf".to_string())
    } else {
        (dir.join(".pgpass"), "~/.pgpass".to_string())
    })
}

/// What reading a password file gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PassFile {
    /// There is no such file: nothing to say (libpq is silent too).
    Absent,
    /// The file is not used; why, completing "the file …" (libpq's words where it
    /// has them: the warning is `password file "…" <reason>`).
    Ignored(String),
    /// Its bytes.
    Text(Vec<u8>),
}

/// Reads the password file `path` as libpq does: a missing file is no file; one that
/// is not a plain file, or (on Unix) that its group or others may access, is ignored
/// (and the caller warns).
pub(super) fn read_passfile(path: &Path) -> PassFile {
    let Ok(meta) = std::fs::metadata(path) else {
        return PassFile::Absent;
    };
    if !meta.is_file() {
        return PassFile::Ignored("is not a plain file".to_string());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return PassFile::Ignored(
                "has group or world access; permissions should be u=rw (0600) or less".to_string(),
            );
        }
    }
    match read_bounded(path) {
        Ok(bytes) => PassFile::Text(bytes),
        Err(why) => PassFile::Ignored(why),
    }
}

/// At most [`MAX_FILE_BYTES`] of `path`; the error completes "the file …".
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)));
    }
    Ok(bytes)
}

/// The host as the password file names it: `localhost` for a connection to the default
/// socket folder (or with no host at all), else the host or socket folder as given.
pub(super) fn passfile_host(host: Option<&str>) -> &str {
    match host {
        None | Some("") => "localhost",
        Some(h) if h.starts_with('/') => {
            let dir = h.trim_end_matches('/');
            if DEFAULT_SOCKET_DIRS.contains(&dir) { "localhost" } else { h }
        }
        Some(h) => h,
    }
}

/// A password found in a password file, and its line (1-based).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct PassFileEntry {
    /// The password, escapes removed; may be empty.
    pub password: Vec<u8>,
    /// The line it is on.
    pub line: usize,
}

/// The first line of a password file (`hostname:port:database:username:password`)
/// matching the four values, as libpq's `passwordFromFile` finds it: `#` starts a
/// comment line, a field of just `*` matches anything, `\` escapes the next character
/// (`\:`, `\\`), the password ends at the next unescaped `:`.
pub(super) fn passfile_lookup(
    text: &[u8],
    host: &str,
    port: &str,
    dbname: &str,
    user: &str,
) -> Option<PassFileEntry> {
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        let mut line = raw;
        while let [rest @ .., b'\r' | b'\n'] = line {
            line = rest;
        }
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let rest = [host, port, dbname, user]
            .into_iter()
            .try_fold(line, |rest, token| match_field(rest, token.as_bytes()));
        if let Some(rest) = rest {
            return Some(PassFileEntry { password: unescape_password(rest), line: index + 1 });
        }
    }
    None
}

/// libpq's `pwdfMatchesString`: when the field at the start of `line` is `*` or equals
/// `token` (after unescaping), the text after its `:`.
fn match_field<'a>(line: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
    if let Some(rest) = line.strip_prefix(b"*:") {
        return Some(rest);
    }
    let (mut i, mut t) = (0, 0);
    let mut escaped = false;
    while i < line.len() {
        if line[i] == b'\\' && !escaped {
            i += 1;
            escaped = true;
        }
        let c = *line.get(i)?;
        if c == b':' && t == token.len() && !escaped {
            return Some(&line[i + 1..]);
        }
        escaped = false;
        if t == token.len() || c != token[t] {
            return None;
        }
        i += 1;
        t += 1;
    }
    None
}

/// The password field: up to the first unescaped `:` or the end, `\x` read as `x`.
fn unescape_password(field: &[u8]) -> Vec<u8> {
    let mut password = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() && field[i] != b':' {
        if field[i] == b'\\' && i + 1 < field.len() {
            i += 1;
        }
        password.push(field[i]);
        i += 1;
    }
    password
}

/// One `key=value` line of a service, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServiceEntry {
    /// The parameter name, as written.
    pub key: String,
    /// Its value, as written (everything after the first `=`).
    pub value: String,
    /// The line, 1-based.
    pub line: usize,
}

/// A service definition found in a service file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Service {
    /// The service's name.
    pub name: String,
    /// The file it is in, as messages show it.
    pub file: String,
    /// Its parameters in file order.
    pub entries: Vec<ServiceEntry>,
}

/// The parameters of service `name` in the text of a service file (`file` in
/// messages), as libpq's `parseServiceFile` reads it: an INI file of `[name]` groups
/// and `key=value` lines (not trimmed around the `=`), `#` comment lines, leading and
/// trailing blanks ignored. `Ok(None)`: the file has no such group.
pub(super) fn parse_service(text: &str, name: &str, file: &str) -> Result<Option<Vec<ServiceEntry>>, String> {
    let mut found = false;
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(group) = line.strip_prefix('[') {
            if found {
                break;
            }
            found = group.strip_prefix(name).is_some_and(|after| after.starts_with(']'));
            continue;
        }
        if !found {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("syntax error in service file \"{file}\", line {}", index + 1));
        };
        if key == "service" {
            return Err(format!(
                "nested service specifications not supported in service file \"{file}\", line {}",
                index + 1
            ));
        }
        entries.push(ServiceEntry { key: key.to_string(), value: value.to_string(), line: index + 1 });
    }
    Ok(found.then_some(entries))
}

/// Finds service `name` as libpq does: in `PGSERVICEFILE` (which must exist), else in
/// `~/.pg_service.conf` when there is one; then, if not found there, in
/// `pg_service.conf` of `PGSYSCONFDIR` (default `/etc/postgresql-common`, where
/// Debian's libpq looks). The error is one sentence naming the file at fault.
pub(super) fn load_service(name: &str, env: &Environment<'_>) -> Result<Service, String> {
    let mut looked = Vec::new();
    let user_file = match env.get("PGSERVICEFILE") {
        Some(file) => {
            if !Path::new(&file).exists() {
                return Err(format!("service file \"{file}\" not found (PGSERVICEFILE)"));
            }
            Some((PathBuf::from(&file), file))
        }
        None => user_dir(env).map(|dir| {
            let shown =
                if cfg!(windows) { r"%APPDATA%\postgresql\.pg_service.conf" } else { "~/.pg_service.conf" };
            (dir.join(".pg_service.conf"), shown.to_string())
        }),
    };
    let system_dir = env.get("PGSYSCONFDIR").unwrap_or_else(|| "/etc/postgresql-common".to_string());
    let system_path = Path::new(&system_dir).join("pg_service.conf");
    let system = (system_path.clone(), system_path.display().to_string());
    for (path, shown) in user_file.into_iter().chain([system]) {
        looked.push(shown.clone());
        if !path.exists() {
            continue;
        }
        let bytes = if path.is_file() {
            read_bounded(&path).map_err(|why| format!("service file \"{shown}\" {why}"))?
        } else {
            return Err(format!("service file \"{shown}\" is not a plain file"));
        };
        let text =
            String::from_utf8(bytes).map_err(|_| format!("service file \"{shown}\" is not UTF-8 text"))?;
        if let Some(entries) = parse_service(&text, name, &shown)? {
            return Ok(Service { name: name.to_string(), file: shown, entries });
        }
    }
    Err(format!("definition of service \"{name}\" not found (looked in {})", looked.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<(String, usize)> {
        passfile_lookup(text.as_bytes(), host, port, db, user)
            .map(|e| (String::from_utf8(e.password).unwrap(), e.line))
    }

    #[test]
    fn passfile_lines_match_field_by_field() {
        let text = "# comment\n\ndb.example:5432:app:bob:s3cret\n*:*:*:alice:wild\nhost:6000:*:*:any-db\n";
        assert_eq!(lookup(text, "db.example", "5432", "app", "bob"), Some(("s3cret".into(), 3)));
        assert_eq!(lookup(text, "db.example", "5433", "app", "bob"), None);
        assert_eq!(lookup(text, "db.example", "5432", "other", "bob"), None);
        assert_eq!(lookup(text, "anything", "1", "x", "alice"), Some(("wild".into(), 4)));
        assert_eq!(lookup(text, "host", "6000", "x", "carol"), Some(("any-db".into(), 5)));
        // A prefix of a field is not a match, nor is a longer field.
        assert_eq!(lookup("db:5432:app:bob:pw\n", "d", "5432", "app", "bob"), None);
        assert_eq!(lookup("db:5432:app:bob:pw\n", "dbx", "5432", "app", "bob"), None);
        // `*` is a wildcard only as the whole field.
        assert_eq!(lookup("d*:5432:app:bob:pw\n", "db", "5432", "app", "bob"), None);
        assert_eq!(lookup("\\*:5432:app:bob:pw\n", "*", "5432", "app", "bob"), Some(("pw".into(), 1)));
    }

    #[test]
    fn the_first_matching_line_wins() {
        let text = "*:*:*:bob:first\nh:5432:app:bob:second\n";
        assert_eq!(lookup(text, "h", "5432", "app", "bob"), Some(("first".into(), 1)));
    }

    #[test]
    fn escapes_in_fields_and_passwords() {
        // `\:` and `\\` in a field and in the password; the password ends at the next
        // unescaped `:` (libpq ignores whatever follows).
        let text = "h:5432:my\\:db:bo\\\\b:pa\\:ss\\\\word:ignored\n";
        assert_eq!(lookup(text, "h", "5432", "my:db", "bo\\b"), Some(("pa:ss\\word".into(), 1)));
        // A trailing lone backslash is kept.
        assert_eq!(lookup("h:1:d:u:end\\\n", "h", "1", "d", "u"), Some(("end\\".into(), 1)));
        // A field cut short by the end of the line matches nothing.
        assert_eq!(lookup("h:1:d:u", "h", "1", "d", "u"), None);
        assert_eq!(lookup("h:1:d:u\\", "h", "1", "d", "u"), None);
        // An empty password is a match (libpq then has no password).
        assert_eq!(lookup("h:1:d:u:\n", "h", "1", "d", "u"), Some((String::new(), 1)));
        assert_eq!(lookup("h:1:d:u:", "h", "1", "d", "u"), Some((String::new(), 1)));
    }

    #[test]
    fn crlf_and_comment_lines() {
        let text = "#h:1:d:u:commented\r\nh:1:d:u:pw\r\n";
        assert_eq!(lookup(text, "h", "1", "d", "u"), Some(("pw".into(), 2)));
        // Only a `#` in the first column starts a comment.
        assert_eq!(lookup(" #h:1:d:u:pw\n", " #h", "1", "d", "u"), Some(("pw".into(), 1)));
    }

    #[test]
    fn bytes_that_are_not_utf8_pass_through() {
        let entry = passfile_lookup(b"h:1:d:u:caf\xe9\n", "h", "1", "d", "u").unwrap();
        assert_eq!(entry.password, b"caf\xe9");
    }

    #[test]
    fn localhost_stands_for_the_default_socket_folder() {
        assert_eq!(passfile_host(None), "localhost");
        assert_eq!(passfile_host(Some("/var/run/postgresql")), "localhost");
        assert_eq!(passfile_host(Some("/tmp/")), "localhost");
        assert_eq!(passfile_host(Some("/srv/pg")), "/srv/pg");
        assert_eq!(passfile_host(Some("127.0.0.1")), "127.0.0.1");
        assert_eq!(passfile_host(Some("localhost")), "localhost");
    }

    #[cfg(unix)]
    #[test]
    fn a_passfile_others_can_read_is_ignored_with_libpq_words() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        for (mode, used) in [(0o600, true), (0o400, true), (0o640, false), (0o604, false), (0o610, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match read_passfile(&path) {
                PassFile::Text(text) => assert!(used, "{mode:o}: {text:?}"),
                PassFile::Ignored(why) => {
                    assert!(!used, "{mode:o}: {why}");
                    assert_eq!(why, "has group or world access; permissions should be u=rw (0600) or less");
                }
                PassFile::Absent => panic!("{mode:o}: absent"),
            }
        }
        assert_eq!(read_passfile(&dir.path().join("none")), PassFile::Absent);
        assert_eq!(read_passfile(dir.path()), PassFile::Ignored("is not a plain file".into()));
        // A device is not read (libpq would read /dev/zero forever).
        assert_eq!(read_passfile(Path::new("/dev/zero")), PassFile::Ignored("is not a plain file".into()));
    }

    #[test]
    fn service_groups_and_lines() {
        let text = "# services\n[other]\nhost=elsewhere\n\n  [app]  \n  host=db.example\nport=6000\n\
                    # a comment\ndbname=app\npassword=p=w\n[later]\nhost=no\n";
        let entries = parse_service(text, "app", "f").unwrap().unwrap();
        let kv: Vec<(&str, &str, usize)> =
            entries.iter().map(|e| (e.key.as_str(), e.value.as_str(), e.line)).collect();
        assert_eq!(
            kv,
            [("host", "db.example", 6), ("port", "6000", 7), ("dbname", "app", 9), ("password", "p=w", 10)]
        );
        assert_eq!(parse_service(text, "missing", "f").unwrap(), None);
        // A group name is matched whole, not as a prefix.
        assert_eq!(parse_service("[application]\nhost=x\n", "app", "f").unwrap(), None);
        assert_eq!(parse_service("[app]\n", "app", "f").unwrap(), Some(vec![]));
    }

    #[test]
    fn service_syntax_errors_name_file_and_line() {
        assert_eq!(
            parse_service("[app]\nhost db\n", "app", "~/.pg_service.conf").unwrap_err(),
            "syntax error in service file \"~/.pg_service.conf\", line 2"
        );
        assert_eq!(
            parse_service("[app]\nservice=other\n", "app", "f").unwrap_err(),
            "nested service specifications not supported in service file \"f\", line 2"
        );
        // Lines of other groups are not checked.
        assert_eq!(parse_service("[x]\nnonsense\n[app]\nhost=h\n", "app", "f").unwrap().unwrap().len(), 1);
    }

    #[test]
    fn services_are_found_in_libpq_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let sys = dir.path().join("etc");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::write(home.join(".pg_service.conf"), "[mine]\nhost=from-home\n").unwrap();
        std::fs::write(sys.join("pg_service.conf"), "[mine]\nhost=from-sys\n[shared]\nhost=sys\n").unwrap();
        let explicit = dir.path().join("services.conf");
        std::fs::write(&explicit, "[mine]\nhost=explicit\n").unwrap();
        let vars = |extra: Option<&str>| {
            let sys = sys.display().to_string();
            let explicit = explicit.display().to_string();
            let extra = extra.map(str::to_string);
            move |name: &str| match name {
                "PGSYSCONFDIR" => Some(sys.clone()),
                "PGSERVICEFILE" => extra.as_ref().map(|_| explicit.clone()),
                _ => None,
            }
        };
        let home_only = vars(None);
        let env = Environment { var: &home_only, home: Some(home.clone()) };
        let mine = load_service("mine", &env).unwrap();
        assert_eq!((mine.file.as_str(), mine.entries[0].value.as_str()), ("~/.pg_service.conf", "from-home"));
        // Not in the user's file: the system one.
        let shared = load_service("shared", &env).unwrap();
        assert_eq!(shared.entries[0].value, "sys");
        let e = load_service("nope", &env).unwrap_err();
        assert!(
            e.starts_with("definition of service \"nope\" not found (looked in ~/.pg_service.conf, "),
            "{e}"
        );
        // PGSERVICEFILE replaces ~/.pg_service.conf.
        let with_file = vars(Some("set"));
        let env = Environment { var: &with_file, home: Some(home.clone()) };
        assert_eq!(load_service("mine", &env).unwrap().entries[0].value, "explicit");
        std::fs::remove_file(&explicit).unwrap();
        let e = load_service("mine", &env).unwrap_err();
        assert_eq!(e, format!("service file \"{}\" not found (PGSERVICEFILE)", explicit.display()));
    }
}
