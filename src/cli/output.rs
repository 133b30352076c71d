//! Where commands print: stdout (or a buffer in tests), `-q`, colours and the
//! `error: …` line.

use std::io::{IsTerminal, Write};

use super::ColorChoice;
use crate::error::Error;

/// The destination of a command's normal output.
pub struct Output {
    quiet: bool,
    sink: Sink,
}

enum Sink {
    Stdout(std::io::Stdout),
    Buffer(Vec<u8>),
}

impl Output {
    /// Prints to stdout; `quiet` drops everything.
    pub fn stdout(quiet: bool) -> Output {
        Output { quiet, sink: Sink::Stdout(std::io::stdout()) }
    }

    /// Collects output in memory (see [`Output::text`]).
    pub fn buffer() -> Output {
        Output { quiet: false, sink: Sink::Buffer(Vec::new()) }
    }

    /// What a buffer collected.
    pub fn text(&self) -> String {
        match &self.sink {
            Sink::Buffer(b) => String::from_utf8_lossy(b).into_owned(),
            Sink::Stdout(_) => String::new(),
        }
    }

    /// Whether `-q` is in effect.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Prints `text` and a newline.
    pub fn line(&mut self, text: impl AsRef<str>) -> Result<(), Error> {
        if self.quiet {
            return Ok(());
        }
        let text = text.as_ref();
        let result = match &mut self.sink {
            Sink::Stdout(s) => {
                let mut lock = s.lock();
                lock.write_all(text.as_bytes()).and_then(|()| lock.write_all(b"\n"))
            }
            Sink::Buffer(b) => {
                b.extend_from_slice(text.as_bytes());
                b.push(b'\n');
                Ok(())
            }
        };
        result.map_err(|e| Error::io("<stdout>", e))
    }
}

/// Raw bytes, for output written as it is produced (offline SQL); `-q` drops them.
impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.sink {
            _ if self.quiet => Ok(buf.len()),
            Sink::Stdout(s) => s.write(buf),
            Sink::Buffer(b) => b.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(s) => s.flush(),
            Sink::Buffer(_) => Ok(()),
        }
    }
}

/// Whether stderr gets colours.
pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::io::stderr().is_terminal()
        }
    }
}

/// A closed stdout (`cargo alembic history | head`) ends the program quietly.
pub(crate) fn is_broken_pipe(err: &Error) -> bool {
    matches!(err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Prints `warning: text` on stderr. Printed under `-q` too: a warning is about the
/// input, not progress.
pub(crate) fn print_warning(text: &str, color: bool) {
    let prefix = if color { "\x1b[1;33mwarning:\x1b[0m" } else { "warning:" };
    let _ = writeln!(std::io::stderr().lock(), "{prefix} {text}");
}

/// [`print_warning`], once per process for the same text: a file loaded by several
/// commands of one process (an application's mounted `db` command, a test) says it
/// once. Returns whether it printed.
pub(crate) fn print_warning_once(text: &str, color: bool) -> bool {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static PRINTED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut printed = PRINTED.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if !printed.insert(text.to_string()) {
        return false;
    }
    print_warning(text, color);
    true
}

/// Prints `error: …` for `err` on stderr.
pub(crate) fn print_error(err: &Error, color: bool) {
    let prefix = if color { "\x1b[1;31merror:\x1b[0m" } else { "error:" };
    let text = err.to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{prefix} {first}");
    for line in lines {
        let _ = writeln!(stderr, "  {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_printed_once_per_process() {
        let text = "x.toml:3: unknown type `strng` in upgrade[0].column (output test)";
        assert!(print_warning_once(text, false));
        assert!(!print_warning_once(text, false), "the same warning again");
        assert!(!print_warning_once(text, true), "also in colour");
        assert!(print_warning_once("x.toml:4: another (output test)", false));
    }
}
