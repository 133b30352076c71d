//! Which tables take part in reflection and comparison: never the version table,
//! never a table an `exclude_tables` glob matches.

/// The tables to leave out: the version table and `exclude_tables` globs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFilter {
    version_table: String,
    patterns: Vec<String>,
}

impl TableFilter {
    /// A filter leaving out `version_table` and tables matching any of `patterns`.
    pub fn new(version_table: &str, patterns: &[String]) -> Self {
        TableFilter { version_table: version_table.to_string(), patterns: patterns.to_vec() }
    }

    /// Whether the table `name` in `schema` takes part.
    pub fn includes(&self, schema: Option<&str>, name: &str) -> bool {
        if name == self.version_table {
            return false;
        }
        let qualified = schema.map(|s| format!("{s}.{name}"));
        !self
            .patterns
            .iter()
            .any(|p| glob_match(p, name) || qualified.as_deref().is_some_and(|q| glob_match(p, q)))
    }
}

/// Whether `text` matches the glob `pattern`: `*` any run of characters, `?` one
/// character, `[abc]` / `[a-z]` / `[!abc]` a character class; anything else itself.
/// Case-sensitive, as table names are.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with backtracking to the last `*` (linear in practice).
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(&p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        // An unclosed `[` is a literal bracket.
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether `c` is in the class starting at `p[start] == '['`, and the index after
/// the class; `None` when the class is not closed.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((found != negated, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                found = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                found = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("tmp_*", "tmp_x"));
        assert!(!glob_match("tmp_*", "x_tmp"));
        assert!(glob_match("*_log", "audit_log"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[ab]x", "bx"));
        assert!(!glob_match("[!ab]x", "bx"));
        assert!(glob_match("t[0-9]", "t7"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn filter_leaves_out_version_table_and_globs() {
        let f = TableFilter::new("alembic_version", &["tmp_*".to_string(), "audit.*".to_string()]);
        assert!(!f.includes(None, "alembic_version"));
        assert!(!f.includes(None, "tmp_1"));
        assert!(!f.includes(Some("audit"), "events"));
        assert!(f.includes(None, "users"));
    }
}
